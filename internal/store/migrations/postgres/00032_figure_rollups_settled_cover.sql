-- +goose Up
-- The piles of a period count the settled open cases received before it
-- (open_settled), read through a partial index. As on SQLite, the index
-- carries open_settled, for an index-only scan, and orders grain before
-- key, so that the range of a district's codes reads the one grain asked
-- for.
CREATE INDEX figure_rollups_settled_cover ON figure_rollups (city, dim, grain, key, day)
    INCLUDE (open_settled) WHERE open_settled <> 0;
DROP INDEX figure_rollups_settled;

-- +goose Down
CREATE INDEX figure_rollups_settled ON figure_rollups (city, dim, key, grain, day) WHERE open_settled <> 0;
DROP INDEX figure_rollups_settled_cover;
