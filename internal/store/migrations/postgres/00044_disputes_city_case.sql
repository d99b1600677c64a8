-- +goose Up
-- A dispute list without a state filter pages a city's disputes newest
-- first: read backwards from this index, never gathered and sorted.
CREATE INDEX disputes_city_case ON disputes (city, case_id);

-- +goose Down
DROP INDEX disputes_city_case;
