-- +goose Up
-- Each city's audit entries form a chain of their own (store/audit.go,
-- package audit): appending locked the one audit_head row, which on a
-- distributed engine (00034) is a reference table on every node, so that
-- every write of every city touched every node and waited on every other
-- city's. audit_heads holds each city's head, a row created by the city's
-- first append and kept with the city's rows (00040).
--
-- The chain every entry so far belongs to stays as it is, verifiable, and
-- closes: audit_head keeps its last entry, where each city's chain starts,
-- and a check refuses to move it, so that a server of an older version
-- still running fails its audited writes rather than extend the closed
-- chain. Entry numbers still come from one counter, audit_seq, from after
-- that entry: unique, as ListAudit's pages and SQLite's key (its
-- audit_log is keyed by seq alone) need, and taken without a row lock.
-- Its cache stays 1 (the default): a city's entries are numbered by one
-- transaction after another, each holding the city's head, and cached
-- blocks per session would hand a later transaction a lower number.
-- Nothing here reads the log: one row of audit_head is all it reads.
CREATE TABLE audit_heads (
    city TEXT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);

-- +goose StatementBegin
DO $$
DECLARE s bigint; h text;
BEGIN
    SELECT seq, hash INTO STRICT s, h FROM audit_head WHERE id = 1;
    EXECUTE format('CREATE SEQUENCE audit_seq START WITH %s', s + 1);
    -- NOT VALID: the one row holds these values, and on a Citus cluster
    -- the coordinator's own copy of the table still holds the row as it
    -- was when 00034 made it a reference table, which a check of the
    -- existing rows would refuse; every change from now on is checked.
    EXECUTE format('ALTER TABLE audit_head ADD CONSTRAINT audit_head_closed CHECK (seq = %s AND hash = %L) NOT VALID', s, h);
END $$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE audit_head DROP CONSTRAINT audit_head_closed;
DROP SEQUENCE audit_seq;
DROP TABLE audit_heads;
