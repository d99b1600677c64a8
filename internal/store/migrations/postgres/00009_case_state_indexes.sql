-- +goose Up
-- As on SQLite (see its 00009): indexes holding the state were rewritten at
-- every transition and served no read, since lists are read newest first.
-- A department's list reads its cases newest first from (department, id).
DROP INDEX cases_city_state;
DROP INDEX cases_department;
CREATE INDEX cases_department ON cases (department, id);

-- +goose Down
DROP INDEX cases_department;
CREATE INDEX cases_department ON cases (department, state);
CREATE INDEX cases_city_state ON cases (city, state, created_at);
