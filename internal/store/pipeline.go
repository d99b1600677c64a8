package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL write pipeline. A statement sent to PostgreSQL costs a
// network round trip, and on a loaded machine the wait for the server's
// answer, not the statement, is what a write transaction spends its time
// on: an intake ran some ten statements, one after another, each waiting.
// Statements whose result the transaction does not need (inserts of rows
// whose ids it already has, upserts of counts) are therefore queued with
// send and go to the server together, in one round trip, with the next
// statement whose answer is needed or at commit. Errors of queued
// statements come back there too; the transaction then fails as a whole,
// as it would have at the statement.
//
// On SQLite, where a statement is a function call, send runs the statement
// at once: there is nothing to save.

// queuedStmt is a statement waiting in the pipeline.
type queuedStmt struct {
	q    string // rebound
	args []any
}

// send runs q in the transaction, on PostgreSQL when the transaction next
// needs an answer or commits. Only for writes whose result is not read.
func (t *Tx) send(ctx context.Context, q string, args ...any) error {
	if t.conn == nil {
		_, err := t.exec(ctx, q, args...)
		return err
	}
	if t.readsBuffered(q) {
		if err := t.flushRows(ctx, strings.Contains(q, "audit_log")); err != nil {
			return err
		}
	}
	t.queued = append(t.queued, queuedStmt{q: t.db.dialect.rebind(q), args: args})
	return nil
}

// sync sends the queued statements and waits for their results.
func (t *Tx) sync(ctx context.Context) error {
	if len(t.queued) == 0 {
		return nil
	}
	return t.pipeline(ctx)
}

// batchRead is a statement sent after the queued ones, in the same round
// trip, whose result is read.
type batchRead struct {
	q    string // rebound
	args []any
	read func(pgx.BatchResults) error
}

// pipeline sends the queued statements and then reads, in one round trip.
// The first error is returned; the server skipped what came after it.
func (t *Tx) pipeline(ctx context.Context, reads ...batchRead) error {
	queued := t.queued
	t.queued = nil
	t.trips++
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(queued)+len(reads))}
	for _, s := range queued {
		b.Queue(s.q, s.args...)
	}
	for _, r := range reads {
		b.Queue(r.q, r.args...)
	}
	var readErr error // a read's own answer (no row, say), not a failure of the transaction
	err := t.conn.Raw(func(dc any) error {
		br := dc.(*stdlib.Conn).Conn().SendBatch(ctx, b)
		for _, s := range queued {
			if _, err := br.Exec(); err != nil {
				br.Close()
				return fmt.Errorf("%.60s…: %w", s.q, err)
			}
		}
		for _, r := range reads {
			if err := r.read(br); err != nil {
				br.Close()
				var pe *pgconn.PgError
				if !errors.As(err, &pe) {
					readErr = err
					return nil
				}
				return err
			}
		}
		return br.Close()
	})
	if err != nil && t.syncErr == nil {
		t.syncErr = err
	}
	if err == nil {
		err = readErr
	}
	return t.db.dialect.translate(err)
}

// sqlRunner is what runs a transaction's statements.
type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// connRunner runs a PostgreSQL transaction's statements on its connection,
// after the queued ones.
type connRunner struct{ t *Tx }

func (r connRunner) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := r.t.sync(ctx); err != nil {
		return nil, err
	}
	r.t.trips++
	return r.t.conn.ExecContext(ctx, q, args...)
}

func (r connRunner) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := r.t.sync(ctx); err != nil {
		return nil, err
	}
	r.t.trips++
	return r.t.conn.QueryContext(ctx, q, args...)
}

func (r connRunner) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if err := r.t.sync(ctx); err != nil && r.t.flushErr == nil {
		r.t.flushErr = err // a Row cannot carry it; the commit reports it
	}
	r.t.trips++
	return r.t.conn.QueryRowContext(ctx, q, args...)
}

// attemptPipelinedTx is attemptTx on PostgreSQL. The transaction runs on a
// connection it holds, outside database/sql's transactions, so that BEGIN
// goes with its first statements and COMMIT with its last (the audit
// entries and head): between taking the audit head and releasing it at
// commit, a transaction waits for one round trip, not three.
func (db *DB) attemptPipelinedTx(ctx context.Context, fn func(tx *Tx) error) (bool, error) {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		db.health.record(db, err)
		return false, db.dialect.translate(err)
	}
	defer conn.Close()
	began := time.Now()
	defer func() { db.txStats.observe(time.Since(began)) }()
	tx := &Tx{db: db, conn: conn}
	tx.tx = connRunner{tx}
	tx.queued = append(tx.queued, queuedStmt{q: "BEGIN"})
	err = tx.run(ctx, fn)
	if err == nil {
		err = tx.pipeline(ctx, batchRead{q: "COMMIT", read: func(br pgx.BatchResults) error {
			tag, err := br.Exec()
			if err == nil && tag.String() != "COMMIT" {
				// A statement failed earlier and its error was dropped:
				// the server rolled the transaction back.
				err = errors.New("store: the transaction was rolled back")
			}
			return err
		}})
	}
	if err != nil && tx.syncErr != nil {
		// A statement run after a failed queued one failed for that
		// reason alone.
		err = db.dialect.translate(tx.syncErr)
	}
	tx.recycleRows()
	if err != nil {
		tx.rollback()
	}
	if db.observeTrips != nil {
		db.observeTrips(tx.trips)
	}
	db.health.record(db, err)
	if err != nil {
		return db.dialect.retryable(err), db.dialect.translate(err)
	}
	return false, nil
}

// rollback ends a failed PostgreSQL transaction. A connection left in a
// transaction is dropped rather than handed to the next user (pgx's
// ResetSession would also refuse it).
func (t *Tx) rollback() {
	t.queued = nil
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t.conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		if pc.PgConn().TxStatus() == 'I' {
			return nil // nothing begun, or COMMIT itself failed and ended it
		}
		if _, err := pc.Exec(ctx, "ROLLBACK"); err != nil {
			return driver.ErrBadConn
		}
		return nil
	})
}

// execResult is what an exec that went through the pipeline reports.
type execResult pgconn.CommandTag

func (r execResult) RowsAffected() (int64, error) { return pgconn.CommandTag(r).RowsAffected(), nil }
func (r execResult) LastInsertId() (int64, error) {
	return 0, errors.New("store: no LastInsertId on PostgreSQL")
}

// execQueued runs q after the queued statements, in the same round trip.
func (t *Tx) execQueued(ctx context.Context, q string, args []any) (sql.Result, error) {
	var tag pgconn.CommandTag
	err := t.pipeline(ctx, batchRead{q: q, args: args, read: func(br pgx.BatchResults) error {
		var err error
		tag, err = br.Exec()
		return err
	}})
	return execResult(tag), err
}

// queryRowAfterQueued reads one row of q into dest, sent with the queued
// statements in one round trip on PostgreSQL. It returns sql.ErrNoRows when
// q answers no row.
func (t *Tx) queryRowAfterQueued(ctx context.Context, q string, args []any, dest ...any) error {
	if t.readsBuffered(q) {
		if err := t.flushRows(ctx, strings.Contains(q, "audit_log")); err != nil {
			return err
		}
	}
	if t.conn == nil || len(t.queued) == 0 {
		return t.queryRow(ctx, q, args...).Scan(dest...)
	}
	return t.pipeline(ctx, batchRead{q: t.db.dialect.rebind(q), args: args, read: func(br pgx.BatchResults) error {
		err := br.QueryRow().Scan(dest...)
		if errors.Is(err, pgx.ErrNoRows) {
			return sql.ErrNoRows
		}
		return err
	}})
}

// takeIDs hands out ids of PostgreSQL tables from their sequences, n of
// each table, in one statement, for rows the transaction inserts with their
// ids (rowbuf.go). An id taken and not used is a gap, as after a rolled-back
// insert: ids are unique and nothing more.
func (t *Tx) takeIDs(ctx context.Context, want map[string]int) error {
	r, ok := t.takeIDsRead(want)
	if !ok {
		return nil
	}
	return t.pipeline(ctx, r)
}

// takeIDsRead is takeIDs as a read of a pipeline; false when nothing is
// wanted.
func (t *Tx) takeIDsRead(want map[string]int) (batchRead, bool) {
	var q strings.Builder
	var args []any
	for table, n := range want {
		if n <= 0 {
			continue
		}
		if q.Len() > 0 {
			q.WriteString(" UNION ALL ")
		}
		q.WriteString(`SELECT ?::text, nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)`)
		args = append(args, table, table, n)
	}
	if q.Len() == 0 {
		return batchRead{}, false
	}
	return batchRead{q: t.db.dialect.rebind(q.String()), args: args, read: func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		if t.freeIDs == nil {
			t.freeIDs, t.idsTaken = map[string][]int64{}, map[string]int{}
		}
		for rows.Next() {
			var table string
			var id int64
			if err := rows.Scan(&table, &id); err != nil {
				return err
			}
			t.freeIDs[table] = append(t.freeIDs[table], id)
			t.idsTaken[table]++
		}
		return rows.Err()
	}}, true
}

// insertNewRow inserts a row into table, whose id the database hands out,
// and returns the id. On SQLite the insert runs and reports its id; on
// PostgreSQL the id comes from the table's sequence (nextID) and the insert
// is queued.
func (t *Tx) insertNewRow(ctx context.Context, table, cols string, args ...any) (int64, error) {
	if t.conn == nil {
		return t.insertID(ctx, `INSERT INTO `+table+` (`+cols+`) VALUES (`+placeholders(len(args))+`)`, args...)
	}
	id, err := t.nextID(ctx, table)
	if err != nil {
		return 0, err
	}
	return id, t.send(ctx, `INSERT INTO `+table+` (id, `+cols+`) VALUES (`+placeholders(len(args)+1)+`)`, append([]any{id}, args...)...)
}
