package store

import (
	"context"
	"database/sql"
	"errors"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// InTx runs fn in one transaction, committed when fn returns nil; the demo
// and benchmarks use it to group many intakes and actions into one commit.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error { return db.inTx(ctx, fn) }

// The intake group commit. A commit is one fsync, and on a small box that
// fsync, not the SQL, bounds how many cases a second the store can take: so
// concurrent intakes wait at most one commit, then go in together, each in a
// savepoint of its own so that one bad request fails alone.
//
// SQLite has one writer, so one goroutine commits the groups. PostgreSQL
// takes concurrent writers, and a group's transaction spends most of its
// time waiting on the network rather than holding a lock (the audit head and
// the day's rollup rows are taken only at its end, see chainAudit), so there
// several committers run, each on its own queue: while one waits for its
// commit, the next group's statements are under way.
type intakeBatcher struct {
	db     *DB
	queues []chan *intakeReq
	next   atomic.Uint64 // round robin over the queues for intakes without a key
	once   sync.Once
	mu     sync.RWMutex // guards closed against a send on a closed queue
	closed bool
}

// intakeWritersPostgres is how many groups commit at once on PostgreSQL:
// two, so that one group's statements travel while the other holds the
// audit head and waits for its commit. More committers make smaller groups,
// each of which waits its turn at the head all the same (measured with
// 'anju bench intake' at 32 clients: 1, 2, 4 committers gave 120, 196 and
// 154 cases/s on a loaded two-core machine).
const intakeWritersPostgres = 2

type intakeReq struct {
	ctx  context.Context
	p    *PreparedCase
	done chan intakeResult
}

type intakeResult struct {
	c       Case
	created bool
	err     error
}

// maxGroup bounds one commit so that a burst does not make the first caller
// wait for hundreds of others.
const maxGroup = 128

var idemSeed = maphash.MakeSeed()

func (b *intakeBatcher) submit(ctx context.Context, p *PreparedCase) (Case, bool, error) {
	b.once.Do(func() {
		n := 1
		if b.db.dialect.name() == "postgres" {
			n = intakeWritersPostgres
		}
		for range n {
			q := make(chan *intakeReq, 4*maxGroup)
			b.queues = append(b.queues, q)
			go b.run(q)
		}
	})
	// Requests with one idempotency key go through one queue, one after
	// another: two groups committing the same key at once would leave the
	// second a conflict instead of the first's case.
	var i uint64
	if p.idemKey != "" {
		i = maphash.String(idemSeed, p.scope+"\x00"+p.idemKey)
	} else {
		i = b.next.Add(1)
	}
	queue := b.queues[i%uint64(len(b.queues))]
	req := &intakeReq{ctx: ctx, p: p, done: make(chan intakeResult, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return Case{}, false, errClosed
	}
	select {
	case queue <- req:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return Case{}, false, ctx.Err()
	}
	// Once queued, the request is committed or failed by the batcher; the
	// answer is awaited even if the client goes away, so that an intake is
	// never reported failed after it was stored.
	r := <-req.done
	return r.c, r.created, r.err
}

var errClosed = errors.New("store: database closed")

// close stops the batcher after the queued requests are committed.
func (b *intakeBatcher) close() {
	b.once.Do(func() {}) // a batcher never started has nothing to stop
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		for _, q := range b.queues {
			close(q)
		}
	}
	b.closed = true
}

func (b *intakeBatcher) run(queue chan *intakeReq) {
	for first := range queue {
		group := []*intakeReq{first}
	fill:
		for len(group) < maxGroup {
			select {
			case r := <-queue:
				group = append(group, r)
			default:
				break fill
			}
		}
		b.commit(group)
	}
}

func (b *intakeBatcher) commit(group []*intakeReq) {
	ctx := context.WithoutCancel(group[0].ctx)
	live := group[:0:0]
	for _, r := range group {
		if r.ctx.Err() != nil {
			r.done <- intakeResult{err: r.ctx.Err()}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	// Nearly every intake succeeds, so the group first goes in plainly; only
	// if one fails is it run again with a savepoint per case, so that the bad
	// one fails alone.
	results := make([]intakeResult, len(live))
	err := b.db.inTx(ctx, func(tx *Tx) error {
		if err := tx.prepareIntakes(ctx, live); err != nil {
			return err
		}
		for i, r := range live {
			c, created, err := tx.InsertCase(ctx, r.p)
			if err != nil {
				return err
			}
			results[i] = intakeResult{c: c, created: created}
		}
		return nil
	})
	if err != nil && len(live) > 1 {
		results = make([]intakeResult, len(live))
		err = b.db.inTx(ctx, func(tx *Tx) error {
			if err := tx.prepareIntakes(ctx, live); err != nil {
				return err
			}
			for i, r := range live {
				if _, err := tx.exec(ctx, `SAVEPOINT intake`); err != nil {
					return err
				}
				head, pending := tx.audit.saved(), tx.mark()
				key, known := tx.idem[r.p.idemRef()]
				c, created, err := tx.InsertCase(ctx, r.p)
				if err == nil {
					// The case's rows and queued statements go in inside
					// its savepoint, so that their errors are its own.
					err = tx.flushAll(ctx)
				}
				if err == nil {
					err = tx.sync(ctx)
				}
				if err != nil {
					tx.syncErr = nil // rolled back below, it fails no other case
					if _, rerr := tx.exec(ctx, `ROLLBACK TO SAVEPOINT intake`); rerr != nil {
						return rerr
					}
					// The rolled-back entries are gone; so are their head,
					// the case's rows and index entry still pending, and
					// what it did to its idempotency key.
					tx.audit = head
					tx.rollbackTo(pending)
					if known {
						tx.idem[r.p.idemRef()] = key
					} else {
						delete(tx.idem, r.p.idemRef())
					}
				}
				if _, rerr := tx.exec(ctx, `RELEASE SAVEPOINT intake`); rerr != nil {
					return rerr
				}
				results[i] = intakeResult{c: c, created: created, err: err}
			}
			return nil
		})
	}
	for i, r := range live {
		if err != nil && results[i].err == nil {
			results[i] = intakeResult{err: err}
		}
		r.done <- results[i]
	}
}

// prepareIntakes does on PostgreSQL for a whole group what each intake
// would do alone: it reads the group's idempotency keys in one statement and
// takes the ids of its rows in another, both in the round trip that begins
// the transaction.
func (t *Tx) prepareIntakes(ctx context.Context, reqs []*intakeReq) error {
	var keys []idemRef
	reporters := 0
	for _, r := range reqs {
		if r.p.idemKey != "" {
			keys = append(keys, r.p.idemRef())
		}
		if !r.p.personal.IsZero() {
			reporters++
		}
	}
	if t.conn == nil {
		return nil
	}
	var reads []batchRead
	for start := 0; start < len(keys); start += maxGroup {
		q, args := t.idempotencyQuery(keys[start:min(start+maxGroup, len(keys))])
		reads = append(reads, batchRead{q: t.db.dialect.rebind(q), args: args, read: func(br pgx.BatchResults) error {
			rows, err := br.Query()
			if err != nil {
				return err
			}
			defer rows.Close()
			return t.scanIdempotencyKeys(rows)
		}})
	}
	if r, ok := t.takeIDsRead(map[string]int{"cases": len(reqs), "case_events": len(reqs), "reporters": reporters}); ok {
		reads = append(reads, r)
	}
	return t.pipeline(ctx, reads...)
}

// idemRef names an idempotency key: its scope (the filer) and the key,
// and the city it files in, which the key's row is kept by.
type idemRef struct{ city, scope, key string }

// idemEntry is what a transaction knows of an idempotency key: the case it
// took in, or caseID 0 when the key is unused.
type idemEntry struct {
	caseID int64
	hash   string
}

func (p *PreparedCase) idemRef() idemRef { return idemRef{p.grid.City, p.scope, p.idemKey} }

// idempotencyKey returns what key stands for, from what the transaction
// already read or wrote, else from the database.
func (t *Tx) idempotencyKey(ctx context.Context, key idemRef) (idemEntry, error) {
	if e, ok := t.idem[key]; ok {
		return e, nil
	}
	var e idemEntry
	err := t.queryRow(ctx, `SELECT case_id, request_hash FROM idempotency_keys WHERE city = ? AND scope = ? AND key = ?`,
		key.city, key.scope, key.key).
		Scan(&e.caseID, &e.hash)
	if err != nil && err != sql.ErrNoRows {
		return idemEntry{}, err
	}
	if t.idem == nil {
		t.idem = map[idemRef]idemEntry{}
	}
	t.idem[key] = e
	return e, nil
}

// idempotencyQuery reads keys in one statement, for an intake group on
// PostgreSQL: one round trip instead of one a case. It marks the keys
// unused until the rows say otherwise (scanIdempotencyKeys). (SQLite would
// scan the whole table for a list of row values: there each case reads its
// own key, a function call.)
func (t *Tx) idempotencyQuery(keys []idemRef) (string, []any) {
	if t.idem == nil {
		t.idem = map[idemRef]idemEntry{}
	}
	// Padded to a power of two with the last key, so that the statement
	// comes in a few shapes that stay prepared.
	n := 1
	for n < len(keys) {
		n *= 2
	}
	args := make([]any, 0, 3*n)
	for i := range n {
		k := keys[min(i, len(keys)-1)]
		t.idem[k] = idemEntry{}
		args = append(args, k.city, k.scope, k.key)
	}
	return `SELECT city, scope, key, case_id, request_hash FROM idempotency_keys WHERE (city, scope, key) IN (` +
		strings.Repeat("(?, ?, ?), ", n-1) + `(?, ?, ?))`, args
}

func (t *Tx) scanIdempotencyKeys(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}) error {
	for rows.Next() {
		var k idemRef
		var e idemEntry
		if err := rows.Scan(&k.city, &k.scope, &k.key, &e.caseID, &e.hash); err != nil {
			return err
		}
		t.idem[k] = e
	}
	return rows.Err()
}
