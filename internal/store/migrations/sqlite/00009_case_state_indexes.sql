-- +goose Up
-- Every transition changes a case's state, and an index holding the state
-- is rewritten with it: measured on the 200,000-case demo database, each of
-- cases_city_state and cases_department made a case update a third slower.
-- Neither served the reads that filter by state: a case list is read newest
-- first (ORDER BY id DESC LIMIT …), which a scan by id with the state as a
-- filter answers at once, while an index on the state would hand over every
-- case in that state to be sorted. A department's list reads its cases
-- newest first from an index on the department alone (SQLite keeps the id
-- in every index entry); the department changes only on dispatch, return,
-- escalation and reopening, and only then is the index touched.
DROP INDEX cases_city_state;
DROP INDEX cases_department;
CREATE INDEX cases_department ON cases (department);

-- +goose Down
DROP INDEX cases_department;
CREATE INDEX cases_department ON cases (department, state);
CREATE INDEX cases_city_state ON cases (city, state, created_at);
