-- +goose Up
-- The live rows of the figures (open cases, running clocks) are summed by
-- the database for every figure answer (store/figure_answer.go, readLive).
-- SQLite has no INCLUDE: the columns the sum reads follow the key, so the
-- index covers the query and no table page is visited.
CREATE INDEX case_facts_live_cover ON case_facts (city, created_at, flags, member, day, kind, category, department,
    region_path, response_due, resolution_due) WHERE flags <> 0;
DROP INDEX case_facts_live;

-- +goose Down
CREATE INDEX case_facts_live ON case_facts (city, created_at) WHERE flags <> 0;
DROP INDEX case_facts_live_cover;
