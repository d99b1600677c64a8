-- +goose Up
-- The scheduler's queries name the working states literally, exactly as this
-- index does, so that both engines can use it: only the few thousand cases
-- whose clock runs are in it, not the millions that are closed.
DROP INDEX cases_open_due;
CREATE INDEX cases_working_due ON cases (resolution_due)
    WHERE state IN ('submitted', 'accepted', 'dispatched', 'returned', 'in_progress');
-- Notifying the reporters of cases merged into one that moves.
CREATE INDEX cases_merged_into ON cases (merged_into) WHERE merged_into IS NOT NULL;

-- +goose Down
DROP INDEX cases_merged_into;
DROP INDEX cases_working_due;
CREATE INDEX cases_open_due ON cases (resolution_due) WHERE state NOT IN ('rejected', 'closed', 'rated', 'merged');
