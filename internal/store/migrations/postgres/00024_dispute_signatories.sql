-- +goose Up
-- An agreement names the parties who sign it (dispute.Outcome.Parties):
-- their ids on the dispute as a JSON array, set when the agreement is
-- recorded. Empty for an agreement recorded before signatories were, which
-- every party signed (the printout then draws a line for each).
ALTER TABLE disputes ADD COLUMN signatories TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE disputes DROP COLUMN signatories;
