package store

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"anju/internal/anju"
)

// dialect holds the few places where SQLite and PostgreSQL differ. Queries are
// written once, with ? placeholders and SQL both engines accept.
type dialect interface {
	name() string
	rebind(q string) string
	// translate maps engine errors that mean something to the user (unique
	// and foreign-key violations) onto anju errors.
	translate(err error) error
	// retryable reports a transient conflict worth running the transaction again.
	retryable(err error) bool
	// writeFault reports an error that says the database cannot take
	// writes (read-only, disk full, I/O error), as opposed to a conflict or
	// a bad input: it makes the server not ready.
	writeFault(err error) bool
	skipLocked() string
	forUpdate() string
	cityKey(cols string) string
}

type sqliteDialect struct{}

func (sqliteDialect) name() string           { return "sqlite" }
func (sqliteDialect) rebind(q string) string { return q }

func (sqliteDialect) translate(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &anju.Error{Code: anju.ECONFLICT, Message: "already exists"}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &anju.Error{Code: anju.EINVALID, Message: "refers to something that does not exist"}
		}
		if c := se.Code() & 0xff; c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED {
			return unavailable(err)
		}
	}
	return err
}

func (sqliteDialect) writeFault(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
			sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_PERM:
			return true
		}
	}
	return false
}

func (sqliteDialect) retryable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

// rebind turns ? into $1, $2, … outside quoted strings.
func (postgresDialect) rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (postgresDialect) translate(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &anju.Error{Code: anju.ECONFLICT, Message: "already exists"}
		case "23503":
			return &anju.Error{Code: anju.EINVALID, Message: "refers to something that does not exist"}
		case "55P03", "40001", "40P01": // lock timeout; serialization failure or deadlock past the retries
			return unavailable(err)
		}
	}
	return err
}

func (postgresDialect) writeFault(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// read-only transaction; insufficient resources (disk full, out of
		// memory); system and I/O errors; data corruption
		return pe.Code == "25006" || strings.HasPrefix(pe.Code, "53") || strings.HasPrefix(pe.Code, "58") || strings.HasPrefix(pe.Code, "XX")
	}
	return false
}

func (postgresDialect) retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01" // serialization failure, deadlock
	}
	return false
}

// skipLocked is appended to a SELECT that claims rows for one worker.
func (sqliteDialect) skipLocked() string   { return "" }
func (postgresDialect) skipLocked() string { return " FOR UPDATE SKIP LOCKED" }

// forUpdate is appended to a SELECT whose rows the transaction goes on to
// change: PostgreSQL locks them; SQLite's write transaction already holds
// the whole file.
func (sqliteDialect) forUpdate() string   { return "" }
func (postgresDialect) forUpdate() string { return " FOR UPDATE" }

// errUnreachable is what a request gets when the database dropped its
// connection or could not be reached (a restart, a failover, a network
// cut): a condition to retry, not a fault.
var errUnreachable = anju.Errorf(anju.EUNAVAILABLE, "the database is unavailable; try again shortly")

// Transient returns err as EUNAVAILABLE when it says the database could not
// be reached or dropped the connection in the middle of a statement (on
// PostgreSQL: connection exceptions, an administrator's or a crash's
// shutdown of the server, a server still starting), so that the edges answer
// 503 with Retry-After rather than 500: nothing was committed unless the
// answer says so, and a request with an Idempotency-Key may be sent again.
// Other errors come back unchanged.
func Transient(err error) error {
	if err == nil || anju.ErrorCode(err) != anju.EINTERNAL || !lostConnection(err) {
		return err
	}
	return fmt.Errorf("%w: %w", errUnreachable, err)
}

func lostConnection(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	var oe *net.OpError
	return errors.As(err, &ce) || errors.As(err, &oe) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, net.ErrClosed) ||
		pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed")
}

// cityKey is the conflict target of an upsert into a table of a city's
// rows keyed by cols: PostgreSQL's keys also hold the city (migration
// 00033), so that a distributed engine can enforce them; SQLite's do not.
func (sqliteDialect) cityKey(cols string) string   { return cols }
func (postgresDialect) cityKey(cols string) string { return cols + ", city" }
