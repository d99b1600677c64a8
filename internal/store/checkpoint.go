package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// SQLite checkpoints a WAL from inside a commit: the transaction whose commit
// takes the log past wal_autocheckpoint pages copies the log into the
// database before it returns, and every writer waiting for the lock waits for
// that copy too (the intake's group commit, the demo's filler: a twentieth
// of its time). A goroutine of each handle checkpoints in the background
// instead, once a second by default, on whichever core is free. PASSIVE
// never blocks a writer or a reader: it copies what no reader still needs
// and leaves the rest for the next pass. Not more often: a page that many
// commits change (an index's root, its newest leaf) is copied once per
// checkpoint, and checkpoints ten times a second cost the intake benchmark
// 3–5% of its throughput where once a second cost nothing measurable.
// SQLite's own checkpoint stays as a backstop at 256 MiB, should the
// background fall behind.
const (
	defaultCheckpointEvery = time.Second
	autoCheckpointSize     = 65536 // pages: 256 MiB
)

type checkpointer struct{ stop func() }

func startCheckpointer(sdb *sql.DB, every time.Duration) *checkpointer {
	if every <= 0 {
		every = defaultCheckpointEvery
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			// A failure (another handle checkpointing, a closing pool)
			// leaves the work to the next pass or to the backstop.
			sdb.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}()
	var once sync.Once
	return &checkpointer{stop: func() { once.Do(func() { cancel(); <-done }) }}
}
