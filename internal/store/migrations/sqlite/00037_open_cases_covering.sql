-- +goose Up
-- cases_open_deadline holds what the queues ask of an open case: its
-- state, overdue mark, card and kind (which queue), and its city, place and
-- department (whose reach). Counting the queues reads only the index, and
-- a queue read by deadline skips the cases it does not hold without
-- reading their rows: a city's queue counts read the row of every open
-- case, 55–120 ms at 2,000,000 cases, and an empty queue (nothing to
-- verify) read them all to find none. id comes second so that the index
-- stays in the lists' order (resolution_due, id). The predicate is
-- store.openStates word for word, as before.
DROP INDEX cases_open_deadline;
CREATE INDEX cases_open_deadline ON cases (resolution_due, id, state, overdue, card, kind, city, region_path, department)
    WHERE state = 'submitted' OR state = 'accepted' OR state = 'dispatched' OR state = 'returned' OR state = 'in_progress' OR state = 'resolved' OR state = 'verified';
-- The same cases in the order the queue counts group them (state, overdue
-- mark, card), so that SQLite counts them as it reads instead of sorting
-- them first: grouped through cases_open_deadline, 30,000 open cases took
-- 80–160 ms to sort on this machine, through this index 9–18 ms. Its
-- predicate's last term, true of every case, is one only the count states
-- (store.openCountQuery): the scheduler's pick and the other reads of open
-- cases keep to the indexes they were planned with.
CREATE INDEX cases_open_queue ON cases (state, overdue, card, city, region_path, department, kind)
    WHERE (state = 'submitted' OR state = 'accepted' OR state = 'dispatched' OR state = 'returned' OR state = 'in_progress' OR state = 'resolved' OR state = 'verified')
    AND card >= '';

-- +goose Down
DROP INDEX cases_open_queue;
DROP INDEX cases_open_deadline;
CREATE INDEX cases_open_deadline ON cases (resolution_due)
    WHERE state = 'submitted' OR state = 'accepted' OR state = 'dispatched' OR state = 'returned' OR state = 'in_progress' OR state = 'resolved' OR state = 'verified';
