-- +goose Up
-- The taxonomy: every version of every category is kept, so that a case
-- keeps the category version it was filed under; latest marks the current one.
CREATE TABLE categories (
    city      TEXT NOT NULL,
    code      TEXT NOT NULL,
    version   INTEGER NOT NULL,
    parent    TEXT,
    latest    BOOLEAN NOT NULL,
    body      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (city, code, version)
);
CREATE INDEX categories_latest ON categories (city, latest, code);

-- A city's own calendar overrides (holidays, adjusted working days).
CREATE TABLE calendar_overrides (
    city TEXT NOT NULL,
    day  TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (city, day)
);

-- Personal data lives apart from the case, encrypted; masked holds the
-- display form shown in listings, fingerprint a keyed hash of the phone for
-- counting distinct reporters without decrypting.
CREATE TABLE reporters (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    city        TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    ciphertext  BLOB NOT NULL,
    masked      TEXT NOT NULL,
    fingerprint TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE cases (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    city             TEXT NOT NULL,
    tracking_code    TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    channel          TEXT NOT NULL,
    priority         TEXT NOT NULL,
    state            TEXT NOT NULL,
    version          INTEGER NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    category         TEXT NOT NULL,
    category_version INTEGER NOT NULL,
    lat              REAL,
    lon              REAL,
    address          TEXT NOT NULL DEFAULT '',
    grid             TEXT NOT NULL REFERENCES regions(code),
    region_path      TEXT NOT NULL,
    handling_region  TEXT NOT NULL,
    department       TEXT,
    reporter_id      INTEGER REFERENCES reporters(id),
    reporter_user_id INTEGER,
    anonymous        BOOLEAN NOT NULL DEFAULT FALSE,
    workflow         TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    response_due     INTEGER NOT NULL,
    resolution_due   INTEGER NOT NULL,
    responded_at     INTEGER,
    resolved_at      INTEGER,
    closed_at        INTEGER,
    warned           BOOLEAN NOT NULL DEFAULT FALSE,
    overdue          BOOLEAN NOT NULL DEFAULT FALSE,
    card             TEXT NOT NULL DEFAULT '',
    escalated_due    INTEGER NOT NULL DEFAULT 0,
    merged_into      INTEGER
);
CREATE INDEX cases_city_state ON cases (city, state, created_at);
CREATE INDEX cases_city_path ON cases (city, region_path);
CREATE INDEX cases_department ON cases (department, state);
CREATE INDEX cases_open_due ON cases (resolution_due) WHERE state NOT IN ('rejected', 'closed', 'rated', 'merged');
CREATE INDEX cases_reporter_user ON cases (reporter_user_id);

CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    city       TEXT NOT NULL,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    version    INTEGER NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    actor      TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    public     BOOLEAN NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    at         INTEGER NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- A retried intake with the same key returns the same case.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Where a city wants events delivered besides the reporter.
CREATE TABLE subscriptions (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    city    TEXT NOT NULL,
    channel TEXT NOT NULL,
    target  TEXT NOT NULL,
    secret  TEXT NOT NULL DEFAULT '',
    actions TEXT NOT NULL DEFAULT ''
);

-- The outbox is written in the same transaction as the event it reports.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    city          TEXT NOT NULL,
    case_id       INTEGER,
    event_id      INTEGER,
    channel       TEXT NOT NULL,
    target        TEXT NOT NULL,
    subject       TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL,
    secret        TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL,
    locked_until  INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER
);
CREATE INDEX outbox_pending ON outbox (status, next_attempt);

-- +goose Down
DROP TABLE outbox;
DROP TABLE subscriptions;
DROP TABLE idempotency_keys;
DROP TABLE case_events;
DROP TABLE cases;
DROP TABLE reporters;
DROP TABLE calendar_overrides;
DROP TABLE categories;
