package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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
