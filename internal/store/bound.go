package store

import (
	"context"
	"database/sql"
	"strings"
)

// Bound returns a handle on the transaction's database whose every call
// runs inside the transaction: its reads see what the transaction wrote,
// and a transaction one of its methods would begin is this one, committed
// or rolled back with it. It lets a caller that takes many steps through
// the DB's methods (the demo's disputes, inspections and sessions, a
// transaction per call) group them into one commit, as InsertCase and Act
// do for the steps of cases. A step that fails leaves what it wrote before
// failing in the transaction: the caller rolls the transaction back. The
// handle is not for use once the transaction has ended, nor from another
// goroutine, and on PostgreSQL a method's query must not be left open
// while it runs another, as on one connection.
func (t *Tx) Bound() *DB {
	cp := *t.db
	cp.bound = t
	cp.intake = nil // CreateCase inserts in the transaction
	return &cp
}

// The statements of a bound handle run in its transaction. One that names
// the figures' tables (the figures' own reads, not the transaction's
// loadFacts) first finds the changes the transaction gathered written.

func (t *Tx) boundExec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := t.flushFiguresFor(ctx, q); err != nil {
		return nil, err
	}
	return t.exec(ctx, q, args...)
}

func (t *Tx) boundQuery(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := t.flushFiguresFor(ctx, q); err != nil {
		return nil, err
	}
	return t.query(ctx, q, args...)
}

func (t *Tx) boundQueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if err := t.flushFiguresFor(ctx, q); err != nil && t.flushErr == nil {
		t.flushErr = err // a Row cannot carry it; the commit reports it
	}
	return t.queryRow(ctx, q, args...)
}

func (t *Tx) flushFiguresFor(ctx context.Context, q string) error {
	if !strings.Contains(q, "case_facts") && !strings.Contains(q, "figure_") {
		return nil
	}
	return t.flushFigures(ctx)
}
