-- +goose Up
-- figure_rollups gains three dimensions, each a pair of keys: a
-- department with a category leaf (dim 'department.category', key
-- 'DEPT|LEAF'), and the street a case lies in (its district when it lies
-- in no street) with a category leaf ('region.category', 'REGION|LEAF')
-- and with a department ('region.department', 'REGION|DEPT'). No new
-- columns: the rows are of the same table. The cities that have rollups
-- without them are listed here, and counted into them from case_facts
-- when the store next opens (countPairRollups), each in one transaction;
-- the rows of a case written from now on carry them.
CREATE TABLE figure_pairs_uncounted (
    city TEXT PRIMARY KEY
);
INSERT INTO figure_pairs_uncounted (city) SELECT code FROM regions WHERE parent IS NULL;

-- A department's live rows (a handler's figures, a department's with a
-- district or a street), covering what a figure read of them takes.
CREATE INDEX case_facts_live_department ON case_facts (city, department, region_path, created_at, flags, member, category,
    response_due, resolution_due) WHERE flags <> 0;

-- +goose Down
DROP INDEX case_facts_live_department;
DELETE FROM figure_close_times WHERE dim IN ('department.category', 'region.category', 'region.department');
DELETE FROM figure_rollups WHERE dim IN ('department.category', 'region.category', 'region.department');
DROP TABLE figure_pairs_uncounted;
