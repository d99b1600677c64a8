package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"anju/internal/auth"
)

// Limiter keeps the counts of an auth.Throttle (sign-in attempts, the
// portal's reports) in the database, so that every server sharing it counts
// the same attempts: a guesser gets the same five tries whichever server
// the load balancer sends them to.
//
// A key is hashed into one of limitBuckets buckets of the limiter's kind,
// and the bucket is what is counted. The table therefore never holds more
// than limitBuckets rows per kind, however many names an attacker makes
// up; keys that share a bucket share its count, which can only make the
// limit tighter, never looser. A reservation locks its buckets (sorted, so
// that two never wait on each other) for one short transaction.
//
// An attempt whose key must wait is refused on a read, without the write
// lock. Waits are remembered in the process too: a key refused once is
// refused again without a query until its wait ends. That is sound across
// servers because nothing but a success shortens a wait, and a success
// clears only its credential's key (the login name), whose waits are not
// remembered.
type Limiter struct {
	db      *DB
	kind    string
	rule    auth.Throttle
	settles bool
	buckets int64 // limitBuckets; tests set fewer
	waits   *limitWaits
	prune   atomic.Int64 // unix nanoseconds of the last pruning
}

// limitBuckets is how many buckets each kind of limiter has.
const limitBuckets = 1 << 18

// limitPruneEvery is how often a limiter deletes the rows that count no
// more.
const limitPruneEvery = time.Minute

// Limiter returns the limiter of kind ("signin", "portal") under rule.
// settles says whether its attempts are settled, a success clearing the
// credential's key (keys[0]), as sign-ins are; the portal's reports are
// not.
func (db *DB) Limiter(kind string, rule auth.Throttle, settles bool) *Limiter {
	return &Limiter{db: db, kind: kind, rule: rule, settles: settles, buckets: limitBuckets,
		waits: &limitWaits{until: map[int64]time.Time{}}}
}

// LimitTicket is one reserved attempt, to be settled once its outcome is
// known.
type LimitTicket struct {
	buckets []int64 // the credential's first
}

// bucket is where key is counted among the limiter's buckets.
func (l *Limiter) bucket(key string) int64 {
	h := sha256.Sum256([]byte(l.kind + "\x00" + key))
	return int64(binary.BigEndian.Uint64(h[:8]) % uint64(l.buckets))
}

// Reserve counts an attempt under keys as a failure up front and reports
// whether it may proceed; if not, nothing is counted and wait says how
// long until it may. keys[0] is the credential's own key (see
// auth.Throttle.Reserve). An error means the database could not count it:
// the attempt must not proceed.
func (l *Limiter) Reserve(ctx context.Context, keys []string) (LimitTicket, bool, time.Duration, error) {
	var bs []int64
	for _, k := range keys {
		if b := l.bucket(k); !slices.Contains(bs, b) {
			bs = append(bs, b)
		}
	}
	now := l.db.clock.Now()
	if wait := l.waits.wait(bs, now); wait > 0 {
		return LimitTicket{}, false, wait, nil
	}
	counts, err := l.read(ctx, bs)
	if err != nil {
		return LimitTicket{}, false, 0, err
	}
	if _, ok, wait := l.rule.Reserve(counts, now); !ok {
		l.remember(bs, counts, now)
		return LimitTicket{}, false, wait, nil
	}
	var seen, next []auth.Count
	var ok bool
	var wait time.Duration
	err = l.update(ctx, bs, func(counts []auth.Count) []auth.Count {
		seen = counts
		next, ok, wait = l.rule.Reserve(counts, now)
		return next
	})
	if err != nil {
		return LimitTicket{}, false, 0, err
	}
	l.pruneNow(ctx, now)
	if !ok {
		l.remember(bs, seen, now)
		return LimitTicket{}, false, wait, nil
	}
	l.remember(bs, next, now)
	return LimitTicket{buckets: bs}, true, 0, nil
}

// remember keeps the waits of counts that no success can clear.
func (l *Limiter) remember(buckets []int64, counts []auth.Count, now time.Time) {
	if l.settles {
		buckets, counts = buckets[1:], counts[1:]
	}
	l.waits.remember(buckets, counts, now)
}

// read returns the counts of buckets as they stand, without locking them.
func (l *Limiter) read(ctx context.Context, buckets []int64) ([]auth.Count, error) {
	args := []any{l.kind}
	for _, b := range buckets {
		args = append(args, b)
	}
	rows, err := l.db.query(ctx, `SELECT bucket, failures, until_at, last_at FROM throttle_buckets
		WHERE kind = ? AND bucket IN (`+placeholders(len(buckets))+`)`, args...)
	if err != nil {
		return nil, err
	}
	return scanCounts(rows, buckets)
}

// scanCounts reads rows of (bucket, failures, until_at, last_at) into the
// counts of buckets, in their order; a bucket without a row counts zero.
func scanCounts(rows *sql.Rows, buckets []int64) ([]auth.Count, error) {
	defer rows.Close()
	found := map[int64]auth.Count{}
	for rows.Next() {
		var b, until, last int64
		var c auth.Count
		if err := rows.Scan(&b, &c.Failures, &until, &last); err != nil {
			return nil, err
		}
		if until != 0 {
			c.Until = fromMicros(until)
		}
		if last != 0 {
			c.Last = fromMicros(last)
		}
		found[b] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	counts := make([]auth.Count, len(buckets))
	for i, b := range buckets {
		counts[i] = found[b]
	}
	return counts, nil
}

// Settle records the outcome of a reserved attempt (auth.Throttle.Settle).
func (l *Limiter) Settle(ctx context.Context, tk LimitTicket, success bool) error {
	if !success || len(tk.buckets) == 0 {
		return nil
	}
	return l.update(ctx, tk.buckets, func(counts []auth.Count) []auth.Count { return l.rule.Settle(counts, true) })
}

// Cancel gives back a reservation whose attempt was never evaluated
// (auth.Throttle.Cancel).
func (l *Limiter) Cancel(ctx context.Context, tk LimitTicket) error {
	if len(tk.buckets) == 0 {
		return nil
	}
	return l.update(ctx, tk.buckets, l.rule.Cancel)
}

// update runs change on the counts of buckets, in their order, in one
// transaction holding their rows; change returns the counts to store, or
// nil to store nothing. An attempt refused, or a bucket unchanged, writes
// nothing: on SQLite its commit does not wait for the disk.
func (l *Limiter) update(ctx context.Context, buckets []int64, change func([]auth.Count) []auth.Count) error {
	sorted := slices.Sorted(slices.Values(buckets))
	return l.db.inTx(ctx, func(tx *Tx) error {
		// Every bucket gets a row (an existing one is left alone), and the
		// rows are then locked in sorted order, so that two attempts never
		// wait on each other.
		values := make([]string, len(sorted))
		args := []any{l.kind}
		for i, b := range sorted {
			values[i] = `(?, ?, 0, 0, 0, 0)`
			args = append(args, b)
		}
		if _, err := tx.exec(ctx, `INSERT INTO throttle_buckets (kind, bucket, failures, until_at, last_at, forget_at) VALUES `+
			strings.Join(values, ", ")+` ON CONFLICT (kind, bucket) DO NOTHING`, pairs(args)...); err != nil {
			return err
		}
		rows, err := tx.query(ctx, `SELECT bucket, failures, until_at, last_at FROM throttle_buckets
			WHERE kind = ? AND bucket IN (`+placeholders(len(sorted))+`) ORDER BY bucket`+l.db.dialect.forUpdate(), args...)
		if err != nil {
			return err
		}
		counts, err := scanCounts(rows, buckets)
		if err != nil {
			return err
		}
		next := change(counts)
		for i, c := range next {
			if c == counts[i] {
				continue
			}
			if _, err := tx.exec(ctx, `UPDATE throttle_buckets SET failures = ?, until_at = ?, last_at = ?, forget_at = ?
				WHERE kind = ? AND bucket = ?`, c.Failures, timeMicros(c.Until), timeMicros(c.Last), timeMicros(l.rule.Forget(c)),
				l.kind, buckets[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// pairs turns (kind, b1, b2, …) into (kind, b1, kind, b2, …), the
// arguments of one (kind, bucket) row per bucket.
func pairs(args []any) []any {
	out := make([]any, 0, 2*(len(args)-1))
	for _, b := range args[1:] {
		out = append(out, args[0], b)
	}
	return out
}

// timeMicros is t in microseconds, 0 for the zero time.
func timeMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

// pruneNow deletes, at most once per limitPruneEvery in this process, the
// rows that count no more. It is best effort: a failure leaves the rows to
// the next time, and the table is bounded anyway.
func (l *Limiter) pruneNow(ctx context.Context, now time.Time) {
	last := l.prune.Load()
	if now.UnixNano()-last < int64(limitPruneEvery) || !l.prune.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	l.db.exec(ctx, `DELETE FROM throttle_buckets WHERE kind = ? AND forget_at < ?`, l.kind, micros(now))
}

// limitWaits remembers, per bucket, until when this process knows it must
// refuse. It holds at most maxLimitWaits buckets: past that it forgets
// the waits that are over, and if that is not enough, all of them (they
// are still in the database).
type limitWaits struct {
	mu    sync.Mutex
	until map[int64]time.Time
}

const maxLimitWaits = 10_000

func (w *limitWaits) wait(buckets []int64, now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	var wait time.Duration
	for _, b := range buckets {
		if u, ok := w.until[b]; ok {
			if now.Before(u) {
				wait = max(wait, u.Sub(now))
			} else {
				delete(w.until, b)
			}
		}
	}
	return wait
}

func (w *limitWaits) remember(buckets []int64, counts []auth.Count, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, c := range counts {
		if !now.Before(c.Until) {
			continue
		}
		if len(w.until) >= maxLimitWaits {
			for b, u := range w.until {
				if !now.Before(u) {
					delete(w.until, b)
				}
			}
			if len(w.until) >= maxLimitWaits {
				clear(w.until)
			}
		}
		if c.Until.After(w.until[buckets[i]]) {
			w.until[buckets[i]] = c.Until
		}
	}
}
