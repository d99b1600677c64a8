-- +goose Up
-- Full-text search over cases. Chinese has no spaces, so the store segments
-- each field with gse and hands the words joined by spaces to
-- to_tsvector('simple', …), which keeps them as they are (lower-cased, no
-- stemming, no stop words). The vector is stored, weighted per field (title
-- A, address B, text and reply C), in a table of its own so that the frequent
-- workflow updates of a case do not rewrite it.
CREATE TABLE case_search (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    doc     tsvector NOT NULL
);
CREATE INDEX case_search_doc ON case_search USING GIN (doc);

-- +goose Down
DROP TABLE case_search;
