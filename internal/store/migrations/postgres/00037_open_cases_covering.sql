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
-- PostgreSQL reads an index alone only for the table pages its visibility
-- map marks all-visible, and open cases are the ones that change: vacuumed
-- after 2% of the table changed rather than the default 20% (400,000 rows
-- at 2,000,000 cases), the changed pages are marked again sooner; vacuum
-- skips the pages already marked, so a frequent one is a short one.
ALTER TABLE cases SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02);

-- +goose Down
ALTER TABLE cases RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor);
DROP INDEX cases_open_deadline;
CREATE INDEX cases_open_deadline ON cases (resolution_due)
    WHERE state = 'submitted' OR state = 'accepted' OR state = 'dispatched' OR state = 'returned' OR state = 'in_progress' OR state = 'resolved' OR state = 'verified';
