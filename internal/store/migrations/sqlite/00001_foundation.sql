-- +goose Up
-- Every row that belongs to a city carries its city code: the unit of tenancy
-- and, on a distributed engine, of sharding. Times are integer microseconds
-- since the Unix epoch (see store.micros).

CREATE TABLE regions (
    code       TEXT PRIMARY KEY,
    city       TEXT NOT NULL,
    parent     TEXT REFERENCES regions(code),
    level      TEXT NOT NULL,
    depth      INTEGER NOT NULL,
    name       TEXT NOT NULL,
    path       TEXT NOT NULL,
    geometry   TEXT,
    min_lon    REAL NOT NULL DEFAULT 0,
    min_lat    REAL NOT NULL DEFAULT 0,
    max_lon    REAL NOT NULL DEFAULT 0,
    max_lat    REAL NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
CREATE INDEX regions_parent ON regions (parent);
CREATE INDEX regions_city_path ON regions (city, path);
CREATE INDEX regions_city_level ON regions (city, level);

-- Bumped by every change to a city's tree so that each server can tell when
-- its in-memory spatial index is stale.
CREATE TABLE region_versions (
    city    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);

CREATE TABLE departments (
    code       TEXT PRIMARY KEY,
    city       TEXT NOT NULL,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions(code),
    updated_at INTEGER NOT NULL
);
CREATE INDEX departments_city_region ON departments (city, region);

CREATE TABLE department_categories (
    department TEXT NOT NULL REFERENCES departments(code) ON DELETE CASCADE,
    city       TEXT NOT NULL,
    category   TEXT NOT NULL,
    PRIMARY KEY (department, category)
);
CREATE INDEX department_categories_city_category ON department_categories (city, category);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    city          TEXT NOT NULL,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL
);
CREATE INDEX users_city ON users (city);

CREATE TABLE grants (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    city       TEXT NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    region     TEXT REFERENCES regions(code),
    department TEXT REFERENCES departments(code),
    created_at INTEGER NOT NULL,
    CHECK (region IS NOT NULL OR department IS NOT NULL)
);
CREATE INDEX grants_user ON grants (user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    city       TEXT NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    city         TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The audit log is append-only; audit_head holds the last sequence number and
-- hash so that appends serialise on one row lock and a deleted tail shows.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    city      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_city_at ON audit_log (city, at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE grants;
DROP TABLE users;
DROP TABLE department_categories;
DROP TABLE departments;
DROP TABLE region_versions;
DROP TABLE regions;
