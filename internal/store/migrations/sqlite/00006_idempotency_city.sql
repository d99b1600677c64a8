-- +goose Up
-- Every row that belongs to a city carries its city (the unit of sharding).
ALTER TABLE idempotency_keys ADD COLUMN city TEXT NOT NULL DEFAULT '';
UPDATE idempotency_keys SET city = (SELECT city FROM cases WHERE cases.id = idempotency_keys.case_id);

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN city;
