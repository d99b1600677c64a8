-- +goose Up
-- "Me too": residents who add their voice to an open case instead of filing
-- a duplicate. Their contact, when they leave one, is a reporters row
-- (encrypted like a reporter's); fingerprint is the keyed hash of the phone,
-- so that the same person is counted once per case.
CREATE TABLE case_supporters (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    city        TEXT NOT NULL,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    reporter_id INTEGER REFERENCES reporters(id),
    fingerprint TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX case_supporters_case ON case_supporters (case_id, id);
CREATE UNIQUE INDEX case_supporters_person ON case_supporters (case_id, fingerprint) WHERE fingerprint <> '';
-- The count shown on the case and in lists, kept with the rows.
ALTER TABLE cases ADD COLUMN supporters INTEGER NOT NULL DEFAULT 0;
-- The SHA-256 of the secret link a self-filed report's reporter receives;
-- the link itself is never stored.
ALTER TABLE cases ADD COLUMN reporter_secret TEXT NOT NULL DEFAULT '';
-- A city's own settings; reopen_days is how long after closure its
-- reporter may rate or reopen a case.
CREATE TABLE city_settings (
    city        TEXT PRIMARY KEY,
    reopen_days INTEGER NOT NULL
);

-- +goose Down
DROP TABLE city_settings;
ALTER TABLE cases DROP COLUMN reporter_secret;
ALTER TABLE cases DROP COLUMN supporters;
DROP TABLE case_supporters;
