-- +goose Up
-- A petition (信访) is a case of kind petition; this is its detail. channel
-- is how it came in (package petition: letter, visit, phone, web; '' for a
-- petition filed through the general intake); first_petition marks the
-- petitioner's first petition on the matter (初信初访), repeat_of the earlier
-- petition a repeat names. reviews counts the reviews requested (1 复查,
-- 2 复核 too), kept from the case's events by the statutory clock, for the
-- leaders' list of long-unresolved petitions (积案). The statutory dates are
-- not stored: the clock is rebuilt from the case's events. There is no
-- table of petitioners: the petitioner is the case's reporter, encrypted.
CREATE TABLE petitions (
    case_id        INTEGER PRIMARY KEY REFERENCES cases(id),
    city           TEXT NOT NULL,
    channel        TEXT NOT NULL DEFAULT '' CHECK (channel IN ('', 'letter', 'visit', 'phone', 'web')),
    first_petition BOOLEAN NOT NULL DEFAULT FALSE,
    repeat_of      INTEGER REFERENCES cases(id),
    reviews        INTEGER NOT NULL DEFAULT 0 CHECK (reviews BETWEEN 0 AND 2),
    created_at     INTEGER NOT NULL
);
CREATE INDEX petitions_reviewed ON petitions (case_id) WHERE reviews > 0;

-- The written documents a petition's steps issued: the notices of
-- acceptance and non-acceptance, and the opinions (first instance, review,
-- re-review), each printable.
CREATE TABLE petition_documents (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    city      TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('accept_notice', 'decline_notice', 'opinion', 'review_opinion', 're_review_opinion')),
    body      TEXT NOT NULL,
    refer_to  TEXT NOT NULL DEFAULT '',
    finding   TEXT NOT NULL DEFAULT '',
    issued_by TEXT NOT NULL,
    issued_at INTEGER NOT NULL
);
CREATE INDEX petition_documents_case ON petition_documents (case_id, id);

-- The petitions filed before this migration, as the general intake files
-- them; their reviews are their reopenings (the clock reads a reopened
-- petition so), at most two.
INSERT INTO petitions (case_id, city, reviews, created_at)
SELECT c.id, c.city, min(2, (SELECT COUNT(*) FROM case_events e WHERE e.case_id = c.id AND e.action = 'reopen')), c.created_at
FROM cases c WHERE c.kind = 'petition';

-- The figure of first petitions concluded at first instance (package
-- figures: first_petition_settled) adds three counters.
ALTER TABLE figure_rollups ADD COLUMN first_petition INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_rollups ADD COLUMN first_concluded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE figure_rollups ADD COLUMN first_settled INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE figure_rollups DROP COLUMN first_settled;
ALTER TABLE figure_rollups DROP COLUMN first_concluded;
ALTER TABLE figure_rollups DROP COLUMN first_petition;
DROP TABLE petition_documents;
DROP TABLE petitions;
