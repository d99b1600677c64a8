-- +goose Up
-- The live rows of the figures (open cases, running clocks) are summed by
-- the database for every figure answer (store/figure_answer.go, readLive).
-- Through case_facts_live each row cost a visit to its table page: ≈ 40 ms
-- for the 18,000 live rows of a 1,000,000-case city. With the columns the
-- sum reads carried in the index, PostgreSQL answers from the index alone
-- (an index-only scan, where the visibility map allows).
CREATE INDEX case_facts_live_cover ON case_facts (city, created_at)
    INCLUDE (flags, member, day, kind, category, department, region_path, response_due, resolution_due)
    WHERE flags <> 0;
DROP INDEX case_facts_live;

-- +goose Down
CREATE INDEX case_facts_live ON case_facts (city, created_at) WHERE flags <> 0;
DROP INDEX case_facts_live_cover;
