-- +goose Up
-- Filters that pick out a few cases of a large scope gather their
-- candidates through an index instead of reading the city's cases newest
-- first until a page is full (store/case_list.go): without one, a list of
-- the overdue cases, or of a channel or a closed state few cases have,
-- read every case of the city to fill its last page (TestCaseListPlans).
--
-- The overdue cases, newest first as the lists read them (the overdue
-- queue, open cases by deadline, reads cases_open_deadline). A case keeps
-- its mark when closed, so the marked ones grow with the city's history:
-- read in order, a page stops after 50 of them. The predicate is the
-- list's term as it is written (an engine uses a partial index only for a
-- query that repeats it). A case enters it once, when the scheduler marks
-- it.
CREATE INDEX cases_overdue ON cases (id) WHERE overdue;
-- The cases set aside, rejected or merged into another: few, and final,
-- so that a transition writes this index at most once per case.
CREATE INDEX cases_set_aside ON cases (city) WHERE state = 'rejected' OR state = 'merged';
-- The channel a case came in by never changes: transitions never write
-- this index.
CREATE INDEX cases_channel ON cases (channel);

-- +goose Down
DROP INDEX cases_channel;
DROP INDEX cases_set_aside;
DROP INDEX cases_overdue;
