-- +goose Up
-- As on PostgreSQL (its 00039): each city's audit entries form a chain of
-- their own, whose head is the city's row of audit_heads, created by its
-- first append; the chain every entry so far belongs to closes, and
-- audit_head keeps its last entry, where each city's chain starts. The
-- trigger refuses to move it, so that a server of an older version still
-- running fails its audited writes rather than extend the closed chain.
-- Entry numbers stay unique, as audit_log's key (seq alone) requires: an
-- append numbers its entries on from the log's highest, under SQLite's one
-- writer. Nothing here reads the log.
CREATE TABLE audit_heads (
    city TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);

-- +goose StatementBegin
CREATE TRIGGER audit_head_closed BEFORE UPDATE ON audit_head
WHEN NEW.seq IS NOT OLD.seq OR NEW.hash IS NOT OLD.hash
BEGIN
    SELECT RAISE(ABORT, 'audit_head is closed: each city''s audit chain has its own head in audit_heads (migration 00039)');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_head_closed;
DROP TABLE audit_heads;
