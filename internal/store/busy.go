package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"anju/internal/anju"
)

// SQLite has one write lock per database file, and its busy handler hands it
// to whoever polls at the right moment, not to whoever waited longest: a
// writer that commits and begins again at once (the demo's filler, a
// scheduler backlog) kept an interactive request waiting until its busy
// timeout ran out. Inside one process the handles on a file therefore queue
// for a writeGate first, in arrival order (a channel's waiting senders are
// served first in, first out), and meet the file lock only uncontended.
// Other processes still meet the busy handler; a short transaction is what
// lets them in.
type writeGate chan struct{}

var (
	gatesMu sync.Mutex
	gates   = map[string]writeGate{}
)

// gateFor returns the process's gate for an SQLite file. Gates are never
// freed: a process opens few database files.
func gateFor(path string) writeGate {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	gatesMu.Lock()
	defer gatesMu.Unlock()
	g, ok := gates[path]
	if !ok {
		g = make(writeGate, 1)
		gates[path] = g
	}
	return g
}

// enter waits for the gate; a nil gate (PostgreSQL, whose writers lock rows,
// not the database) is always open. It waits no longer than SQLite waits
// for the file lock: when another process holds that, the writer at the head
// of the queue waits for it, and those behind it would otherwise wait out
// one busy timeout each.
func (g writeGate) enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case g <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(busyTimeout)
	defer t.Stop()
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return unavailable(errGateTimeout)
	}
}

// busyTimeout is how long a writer waits for the write lock, SQLite's
// busy_timeout and the gate's alike.
const busyTimeout = 5 * time.Second

var errGateTimeout = fmt.Errorf("waited %v for this process's other writers", busyTimeout)

func (g writeGate) leave() {
	if g != nil {
		<-g
	}
}

// TxSeconds is how long each write transaction held the database, from its
// BEGIN to the end of its COMMIT or ROLLBACK: on SQLite the time every other
// writer waits behind it. Registered by the server on its /metrics.
var TxSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
	Name:    "anju_db_tx_seconds",
	Help:    "How long write transactions held the database, BEGIN to COMMIT.",
	Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
})

// txStats keeps the longest hold of a handle, for commands that report it.
type txStats struct{ longest atomic.Int64 }

func (s *txStats) observe(d time.Duration) {
	TxSeconds.Observe(d.Seconds())
	for {
		old := s.longest.Load()
		if int64(d) <= old || s.longest.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

// LongestTx is the longest a write transaction of this handle (and of the
// handles made from it by WithClock) has held the database.
func (db *DB) LongestTx() time.Duration { return time.Duration(db.txStats.longest.Load()) }

// writeHealth remembers whether the last write reached the database. A
// server whose disk is full or whose database went read-only still answers
// every read and ping; only its writes tell.
type writeHealth struct {
	mu  sync.Mutex
	err error
	at  time.Time
}

func (h *writeHealth) record(db *DB, err error) {
	if err != nil && !db.dialect.writeFault(err) {
		return // a conflict, a bad input or a cancelled request says nothing of the database
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.err, h.at = err, time.Now()
}

func (h *writeHealth) last() (error, time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err, h.at
}

// writable reports the last write's failure, unless a write made now
// succeeds: readiness must not wait for traffic that a not-ready server no
// longer gets. The probe rewrites a row of the migrations table as it is.
func (db *DB) writable(ctx context.Context) error {
	if err, _ := db.health.last(); err == nil {
		return nil
	}
	probe := db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE goose_db_version SET tstamp = tstamp WHERE id = (SELECT MAX(id) FROM goose_db_version)`)
		return err
	})
	if probe == nil {
		return nil
	}
	err, at := db.health.last()
	if err == nil {
		return nil
	}
	return fmt.Errorf("writes failing since %s: %w", at.UTC().Format(time.RFC3339), err)
}

// errBusy is what a writer gets when the database stayed locked (by another
// process, or a lock timeout on PostgreSQL) past what a request may wait: a
// condition to retry, not a fault.
var errBusy = anju.Errorf(anju.EUNAVAILABLE, "the database is busy; try again shortly")

// unavailable wraps an engine's busy error so that callers see EUNAVAILABLE
// and logs keep the cause.
func unavailable(cause error) error {
	if errors.Is(cause, errBusy) {
		return cause
	}
	return fmt.Errorf("%w: %w", errBusy, cause)
}

// retryBusy runs do again while it fails with EUNAVAILABLE, for up to the
// handle's BusyRetry. A busy failure wrote nothing: the transaction never
// began, or rolled back.
func (db *DB) retryBusy(ctx context.Context, do func() error) error {
	var giveUp time.Time
	for {
		err := do()
		if err == nil || db.busyRetry <= 0 || anju.ErrorCode(err) != anju.EUNAVAILABLE {
			return err
		}
		if giveUp.IsZero() {
			giveUp = time.Now().Add(db.busyRetry)
		} else if time.Now().After(giveUp) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(busyPause):
		}
	}
}

// busyPause is the wait between two tries of a busy write.
const busyPause = 50 * time.Millisecond
