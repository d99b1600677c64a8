-- +goose Up
-- Photos attached to a case: by the resident with the report, by the
-- handler with the resolution, by the grid worker with an on-site
-- verification, with a comment. Each is tied to its case and to the event it
-- came with. They live in the database, not in files beside it, because
-- every server of a city (several 'anju serve' on one PostgreSQL) must read
-- them, 'anju backup' must carry them with the rest in one consistent copy,
-- and they are read under the case's access check: see README "Photos" for
-- the measured cost. The bytes are kept apart from the metadata so that
-- listing a case's photos reads no image.
--
-- event_id names a case_events row that SQLite transactions insert only
-- when they commit (rowbuf.go), hence the check at commit.
CREATE TABLE case_photos (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    city         TEXT NOT NULL,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    event_id     INTEGER NOT NULL REFERENCES case_events(id) DEFERRABLE INITIALLY DEFERRED,
    action       TEXT NOT NULL,
    public       BOOLEAN NOT NULL,
    source_type  TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    thumb_width  INTEGER NOT NULL,
    thumb_height INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX case_photos_case ON case_photos (case_id, id);

CREATE TABLE case_photo_data (
    photo_id INTEGER PRIMARY KEY REFERENCES case_photos(id),
    image    BLOB NOT NULL,
    thumb    BLOB NOT NULL
);

-- +goose Down
DROP TABLE case_photo_data;
DROP TABLE case_photos;
