-- +goose Up
-- Early warnings (预警) are about issues, places and departments, never about
-- people. Each is addressed to a region (region, region_path) and/or a
-- department. Two unique keys make detection idempotent across processes and
-- passes: one warning per (city, kind, subject, window), and no second
-- warning on a subject while one is still unacknowledged.
CREATE TABLE warnings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    city            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    subject         TEXT NOT NULL,
    window_key      TEXT NOT NULL,
    region          TEXT NOT NULL,
    region_path     TEXT NOT NULL,
    department      TEXT,
    title           TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT '{}',
    created_at      INTEGER NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at INTEGER,
    UNIQUE (city, kind, subject, window_key)
);
CREATE UNIQUE INDEX warnings_open_subject ON warnings (city, kind, subject) WHERE acknowledged_at IS NULL;
CREATE INDEX warnings_city_path ON warnings (city, region_path, id);
CREATE INDEX warnings_department ON warnings (department, id);

-- Who hears of warnings at a level: a region (and everything below it) or a
-- department.
CREATE TABLE warning_subscriptions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    city        TEXT NOT NULL,
    region      TEXT REFERENCES regions(code),
    region_path TEXT,
    department  TEXT REFERENCES departments(code),
    channel     TEXT NOT NULL,
    target      TEXT NOT NULL,
    secret      TEXT NOT NULL DEFAULT '',
    CHECK (region IS NOT NULL OR department IS NOT NULL)
);
CREATE INDEX warning_subscriptions_city ON warning_subscriptions (city);

-- Surge and cluster detection read a city's recent cases by time; reopen
-- detection reads only reopen events.
CREATE INDEX cases_city_created ON cases (city, created_at);
CREATE INDEX case_events_reopen ON case_events (at) WHERE action = 'reopen';

-- +goose Down
DROP INDEX case_events_reopen;
DROP INDEX cases_city_created;
DROP TABLE warning_subscriptions;
DROP TABLE warnings;
