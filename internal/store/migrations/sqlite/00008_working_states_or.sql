-- +goose Up
-- The same working states as in 00003, written as a chain of equalities.
-- SQLite evaluates the predicate of a partial index on every insert and
-- update of a case, and a constant IN list of more than two values is
-- evaluated by building a temporary b-tree each time: two per UPDATE, a
-- tenth of the statement's cost (seen in EXPLAIN and in a CPU profile).
-- The scheduler's queries repeat this exact text (store.workingStates).
DROP INDEX cases_working_due;
CREATE INDEX cases_working_due ON cases (resolution_due)
    WHERE state = 'submitted' OR state = 'accepted' OR state = 'dispatched' OR state = 'returned' OR state = 'in_progress';

-- +goose Down
DROP INDEX cases_working_due;
CREATE INDEX cases_working_due ON cases (resolution_due)
    WHERE state IN ('submitted', 'accepted', 'dispatched', 'returned', 'in_progress');
