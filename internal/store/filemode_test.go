package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestSQLiteFileModes opens a new SQLite database in a directory that does
// not exist yet and writes to it: the directory is the owner's alone and the
// database, its write-ahead log and shared-memory file are 0600, whatever
// the umask lets other files be.
func TestSQLiteFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "anju.db")
	db, err := store.Open(context.Background(), "sqlite:"+path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ImportRegions(context.Background(), system, storetest.SmallCity()); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600}
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %04o, want %04o", filepath.Base(p), got, mode)
		}
	}
}
