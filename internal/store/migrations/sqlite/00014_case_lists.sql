-- +goose Up
-- The workbench's queues and the case lists (store/case_list.go).
--
-- Open cases, ordered by their resolution deadline: the queues that wait on
-- someone read them in order of time left, and count them, from here. The
-- predicate is store.openStates word for word (an engine uses a partial
-- index only for a query that repeats it); a case enters the index when it
-- is filed and leaves it when it is closed, rejected or merged, so it holds
-- the few thousand cases being worked on, not the city's history, and a
-- transition between two of its states rewrites one small entry.
CREATE INDEX cases_open_deadline ON cases (resolution_due)
    WHERE state = 'submitted' OR state = 'accepted' OR state = 'dispatched' OR state = 'returned' OR state = 'in_progress' OR state = 'resolved' OR state = 'verified';
-- It holds every case of cases_working_due (the working states are open)
-- in the same order, and the engines read the scheduler's pick from it
-- (TestWorkingDueIndex): that one goes, and a transition writes one index
-- the fewer.
DROP INDEX cases_working_due;
-- Closed cases waiting for their rating, counted by place for the operators
-- who call the reporters back; a rating takes the case out.
CREATE INDEX cases_closed_path ON cases (city, region_path) WHERE state = 'closed';
-- Filters that pick out a few cases of a large scope (a rare category, the
-- petitions) gather their candidates here instead of reading the city's
-- cases newest first until a page is full. Neither column changes in a
-- transition, so the workflow's updates never touch these.
CREATE INDEX cases_category ON cases (category);
CREATE INDEX cases_kind ON cases (kind);

-- +goose Down
DROP INDEX cases_kind;
DROP INDEX cases_category;
DROP INDEX cases_closed_path;
DROP INDEX cases_open_deadline;
CREATE INDEX cases_working_due ON cases (resolution_due)
    WHERE state = 'submitted' OR state = 'accepted' OR state = 'dispatched' OR state = 'returned' OR state = 'in_progress';
