package store

import (
	"context"
	"errors"
	"sync"
)

// InTx runs fn in one transaction, committed when fn returns nil; the demo
// and benchmarks use it to group many intakes and actions into one commit.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error { return db.inTx(ctx, fn) }

// The intake group commit. A commit is one fsync, and on a small box that
// fsync, not the SQL, bounds how many cases a second the store can take: so
// concurrent intakes wait at most one commit, then go in together, each in a
// savepoint of its own so that one bad request fails alone.
type intakeBatcher struct {
	db     *DB
	queue  chan *intakeReq
	once   sync.Once
	mu     sync.RWMutex // guards closed against a send on a closed queue
	closed bool
}

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

func (b *intakeBatcher) submit(ctx context.Context, p *PreparedCase) (Case, bool, error) {
	b.once.Do(func() {
		b.queue = make(chan *intakeReq, 4*maxGroup)
		go b.run()
	})
	req := &intakeReq{ctx: ctx, p: p, done: make(chan intakeResult, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return Case{}, false, errClosed
	}
	select {
	case b.queue <- req:
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
	if !b.closed && b.queue != nil {
		close(b.queue)
	}
	b.closed = true
}

func (b *intakeBatcher) run() {
	for first := range b.queue {
		group := []*intakeReq{first}
	fill:
		for len(group) < maxGroup {
			select {
			case r := <-b.queue:
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
			for i, r := range live {
				// Rows gathered for the cases before this one go in before
				// the savepoint, so that its rollback cannot take them.
				if err := tx.flushRows(ctx); err != nil {
					return err
				}
				if _, err := tx.exec(ctx, `SAVEPOINT intake`); err != nil {
					return err
				}
				head, pending := tx.audit, tx.mark()
				c, created, err := tx.InsertCase(ctx, r.p)
				if err != nil {
					if _, rerr := tx.exec(ctx, `ROLLBACK TO SAVEPOINT intake`); rerr != nil {
						return rerr
					}
					// The rolled-back entries are gone; so are their head
					// and the case's rows and index entry still pending.
					tx.audit = head
					tx.rollbackTo(pending)
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
