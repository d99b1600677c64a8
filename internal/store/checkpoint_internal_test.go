package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBackgroundCheckpoint writes 24 MiB in transactions a quarter of a
// second apart, far below SQLite's own checkpoint (256 MiB): the log is
// copied into the database between them, so each transaction starts the WAL
// again from its beginning and the file stays a few transactions long.
// Without the background checkpoints it would hold all 24 MiB.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "anju.db")
	db, err := Open(ctx, "sqlite:"+path, Options{CheckpointEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE ballast (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	chunk := []byte(strings.Repeat("安居", 2<<20/6))
	for range 12 {
		if _, err := db.sql.ExecContext(ctx, `INSERT INTO ballast VALUES (?)`, chunk); err != nil {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 10<<20 {
		t.Fatalf("WAL is %d MiB after 24 MiB written: not checkpointed in the background", st.Size()>>20)
	}
	t.Logf("WAL %.1f MiB after 24 MiB written", float64(st.Size())/(1<<20))
}

// TestLogEmptiedUnderReaders writes 40 MiB while two readers take turns so
// that one is always reading, as under steady traffic. SQLite then never
// starts the log again by itself, and without the checkpointer's TRUNCATE
// pass the file holds all 40 MiB; with it, the file stays near the
// threshold (4 MiB here).
func TestLogEmptiedUnderReaders(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "anju.db")
	db, err := Open(ctx, "sqlite:"+path, Options{CheckpointEvery: 50 * time.Millisecond, checkpointRestartFrames: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE ballast (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for i := range 2 {
		readers.Go(func() {
			time.Sleep(time.Duration(i) * 15 * time.Millisecond)
			for {
				select {
				case <-stop:
					return
				default:
				}
				tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
				if err != nil {
					continue
				}
				var n int
				tx.QueryRowContext(ctx, `SELECT count(*) FROM ballast`).Scan(&n)
				time.Sleep(30 * time.Millisecond)
				tx.Rollback()
			}
		})
	}
	chunk := []byte(strings.Repeat("安居", 2<<20/6))
	var largest int64
	for range 20 {
		if _, err := db.sql.ExecContext(ctx, `INSERT INTO ballast VALUES (?)`, chunk); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if st, err := os.Stat(path + "-wal"); err == nil {
			largest = max(largest, st.Size())
		}
	}
	close(stop)
	readers.Wait()
	if largest > 20<<20 {
		t.Fatalf("WAL reached %d MiB with 40 MiB written under steady readers: never emptied", largest>>20)
	}
	t.Logf("WAL at most %.1f MiB with 40 MiB written under steady readers", float64(largest)/(1<<20))
}
