-- +goose Up
-- The live rows of a region below the city (a district's grid map, a
-- street's dashboard) are read by their path: case_facts_live_cover, by
-- city and receipt, read every live row of the city for them (9,500 for a
-- district's 1,700 in a 1,000,000-case city). The columns readLiveRows
-- reads follow the key, so that the index covers the query.
CREATE INDEX case_facts_live_path ON case_facts (city, region_path, created_at, flags, member, category, department,
    response_due, resolution_due) WHERE flags <> 0;

-- +goose Down
DROP INDEX case_facts_live_path;
