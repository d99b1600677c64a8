package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
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
//
// A PASSIVE checkpoint never shortens the log file: SQLite starts the log
// again from its beginning only when a writer finds it wholly copied and no
// reader still reading from it, which under steady mixed traffic (a reader
// always running) almost never happens, and the file then grew to the
// backstop (206 MiB after three minutes of the soak, on a 23 MB database).
// So once the log passes restartFrames the checkpointer asks for a TRUNCATE
// checkpoint, which waits for the readers of the log to finish (new readers
// read the database file, the log being copied) and empties the file. It
// holds the write lock while it waits, so it waits at most restartWait on a
// connection of its own and otherwise tries again at the next pass: writers
// are held back for no longer than a short transaction would hold them.
const (
	defaultCheckpointEvery = time.Second
	autoCheckpointSize     = 65536 // pages: 256 MiB
	defaultRestartFrames   = 16384 // pages: 64 MiB
	restartWait            = 200 * time.Millisecond
)

type checkpointer struct{ stop func() }

func startCheckpointer(sdb *sql.DB, every time.Duration, restartFrames int) *checkpointer {
	if every <= 0 {
		every = defaultCheckpointEvery
	}
	if restartFrames <= 0 {
		restartFrames = defaultRestartFrames
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
			var busy, logFrames, copied int
			if err := sdb.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied); err != nil {
				continue
			}
			if logFrames >= restartFrames {
				truncateLog(ctx, sdb)
			}
		}
	}()
	var once sync.Once
	return &checkpointer{stop: func() { once.Do(func() { cancel(); <-done }) }}
}

// truncateLog copies what is left of the log and empties its file, waiting
// at most restartWait for the log's readers; a busy answer leaves it to the
// next pass.
func truncateLog(ctx context.Context, sdb *sql.DB) {
	conn, err := sdb.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, restartWait.Milliseconds())); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
		return
	}
	conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, busyTimeout.Milliseconds())); err != nil {
		// Never hand a pooled connection back with the short timeout.
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}
