package store

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"sync"
)

// Every case event writes a row to case_events, one to audit_log and often
// one to outbox: three quarters of the statements a transition runs. A
// statement costs far more than the row it inserts — on SQLite (measured:
// 4.1 µs a row one by one, 2.7 µs in statements of 50, 8.5 µs with
// RETURNING) and still more on PostgreSQL, where each was a round trip — so
// a transaction gathers these append-only rows and inserts them in
// multi-row statements when it commits, or earlier if it reads one of their
// tables. The ids of rows gathered this way are handed out by the
// transaction (nextID): on SQLite from the table's counter, which it may
// advance since an SQLite write transaction excludes every other writer; on
// PostgreSQL from the table's sequence, a block at a time.

// bufferedTables are the append-only tables, in the order they are flushed
// (outbox rows name events).
var bufferedTables = []string{"case_events", "audit_log", "outbox"}

type rowBuffer struct {
	cols string // "(a, b, c)"
	ncol int
	args []any
}

// rowMark is how much a transaction had buffered at a savepoint.
type rowMark struct {
	lens   [3]int
	search int
}

// appendRow inserts one row into an append-only table, at commit or before
// a statement that reads the table.
func (t *Tx) appendRow(ctx context.Context, table, cols string, args ...any) error {
	b := &t.rows[bufferedIndex(table)]
	if len(b.args) > 0 && (b.cols != cols || b.ncol != len(args)) {
		// Another column list for the same table: what is gathered goes
		// in first, so that one statement never mixes the two.
		if err := t.flushRows(ctx, false); err != nil {
			return err
		}
	}
	b.cols, b.ncol = cols, len(args)
	if b.args == nil {
		if p, _ := argPool.Get().(*[]any); p != nil {
			b.args = *p
		}
	}
	b.args = append(b.args, args...)
	return nil
}

// argPool recycles the argument slices of buffered rows between
// transactions: a week of the demo's history gathers some 150,000 arguments
// for events alone, and growing slices to that size in every transaction
// was a sixth of the bytes the fill allocated.
var argPool sync.Pool // of *[]any

// recycleRows hands the transaction's argument slices back to argPool once
// it has ended, emptied so that they hold on to no row.
func (t *Tx) recycleRows() {
	for i := range t.rows {
		a := t.rows[i].args
		t.rows[i].args = nil
		if cap(a) == 0 {
			continue
		}
		clear(a[:cap(a)])
		a = a[:0]
		argPool.Put(&a)
	}
}

// nextID allocates an id of table inside the transaction, for a row whose
// id must be known before it is inserted.
func (t *Tx) nextID(ctx context.Context, table string) (int64, error) {
	if t.conn != nil {
		return t.nextSequenceID(ctx, table)
	}
	last, ok := t.lastIDs[table]
	if !ok {
		// sqlite_sequence holds the highest id the table ever used, and
		// inserting a higher one explicitly advances it.
		if err := t.tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)`, table).
			Scan(&last); err != nil {
			return 0, err
		}
		if t.lastIDs == nil {
			t.lastIDs = map[string]int64{}
		}
	}
	t.lastIDs[table] = last + 1
	return last + 1, nil
}

// nextSequenceID is nextID on PostgreSQL: the next of the ids the
// transaction took from table's sequence, taking more when none is left —
// as many as it took of that table so far, up to 64, so that a transaction
// writing thousands of rows (a week of the demo's history) asks a few dozen
// times and one writing a single row wastes no id.
func (t *Tx) nextSequenceID(ctx context.Context, table string) (int64, error) {
	if len(t.freeIDs[table]) == 0 {
		n := min(max(t.idsTaken[table], 1), 64)
		if err := t.takeIDs(ctx, map[string]int{table: n}); err != nil {
			return 0, err
		}
	}
	ids := t.freeIDs[table]
	if len(ids) == 0 {
		return 0, fmt.Errorf("store: the sequence of %s handed out no id", table)
	}
	t.freeIDs[table] = ids[1:]
	return ids[0], nil
}

func bufferedIndex(table string) int {
	for i, name := range bufferedTables {
		if name == table {
			return i
		}
	}
	panic("store: " + table + " is not a buffered table")
}

// readsBuffered tells whether q touches a table with rows still buffered.
func (t *Tx) readsBuffered(q string) bool {
	for i, name := range bufferedTables {
		if (len(t.rows[i].args) > 0 || name == "audit_log" && len(t.audit.pending) > 0) && strings.Contains(q, name) {
			return true
		}
	}
	return false
}

func (t *Tx) mark() rowMark {
	var m rowMark
	for i := range t.rows {
		m.lens[i] = len(t.rows[i].args)
	}
	m.search = len(t.search)
	return m
}

// rollbackTo forgets what was buffered after m, for ROLLBACK TO SAVEPOINT.
// The caller flushes before taking the savepoint and the mark, so that rows
// flushed in between can only be the savepoint's own, which the rollback
// removes from the database.
func (t *Tx) rollbackTo(m rowMark) {
	for i := range t.rows {
		t.rows[i].args = t.rows[i].args[:min(m.lens[i], len(t.rows[i].args))]
	}
	t.search = t.search[:m.search]
	// flushAll, before the mark, wrote every change of the figures: what
	// is gathered since is the savepoint's.
	t.figs = figureBuffer{}
}

// flushAll writes what the transaction gathered for its commit: the
// changes of the figures, then the rows with their audit entries chained.
func (t *Tx) flushAll(ctx context.Context) error {
	if err := t.flushFigures(ctx); err != nil {
		return err
	}
	return t.flushRows(ctx, true)
}

// flushRows inserts the buffered rows in multi-row statements (sent, on
// PostgreSQL, with the next statement whose answer is awaited). With
// chainAudit it first chains the audit entries gathered, which takes their
// cities' audit heads (see chainAudit); without, they wait. The changes of the
// figures stay gathered: a statement reading these tables (a petition's
// clock reads its events) does not read the figures, and writing them at
// every such read wrote the same rollup rows many times a transaction.
func (t *Tx) flushRows(ctx context.Context, chainAudit bool) error {
	if chainAudit {
		if err := t.chainAudit(ctx); err != nil {
			return err
		}
	}
	for i, table := range bufferedTables {
		b := t.rows[i]
		// Detached first: the inserts below name the table, and must not
		// find its rows still pending.
		t.rows[i].args = nil
		for start, n := range statementChunks(len(b.args) / max(b.ncol, 1)) {
			one := "(" + placeholders(b.ncol) + ")"
			q := `INSERT INTO ` + table + ` ` + b.cols + ` VALUES ` + one + strings.Repeat(", "+one, n-1)
			if err := t.send(ctx, q, b.args[start*b.ncol:(start+n)*b.ncol]...); err != nil {
				return err
			}
		}
		// The driver has copied the arguments: the slice can gather again
		// (recycleRows empties it when the transaction ends).
		t.rows[i].args = b.args[:0]
	}
	return nil
}

// statementChunks splits n rows into runs for multi-row statements, each of
// at most 128 rows and a power of two, so that a table's inserts come in a
// handful of shapes that stay prepared.
func statementChunks(n int) iter.Seq2[int, int] {
	return func(yield func(start, size int) bool) {
		for start := 0; start < n; {
			size := 128
			for size > n-start {
				size /= 2
			}
			if !yield(start, size) {
				return
			}
			start += size
		}
	}
}
