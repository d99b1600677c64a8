package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeyFilePermissions: a key file Anju generates is 0600 in a directory
// only its owner may enter; one that group or others may read is refused at
// start with a line naming the file and the fix, and nothing is opened.
func TestKeyFilePermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	dsn := "sqlite:" + filepath.Join(dir, "anju.db")
	keyFile := filepath.Join(dir, "data.key")
	if _, _, err := runIn(t, "", "demo", "--db", dsn, "--no-serve", "--cases", "0"); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, keyFile: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", p, got, want)
		}
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620} {
		if err := os.Chmod(keyFile, mode); err != nil {
			t.Fatal(err)
		}
		_, _, err := runIn(t, "", "demo", "--db", dsn, "--no-serve", "--cases", "0")
		if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), keyFile) ||
			!strings.Contains(err.Error(), "chmod 600 "+keyFile) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("demo with a key file of mode %04o: %v", mode, err)
		}
	}
	// Explicit --data-key-file is checked the same way.
	_, _, err := runIn(t, "", "keys", "rotate", "--db", dsn, "--data-key-file", keyFile)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("keys rotate with an open key file: %v", err)
	}
	os.Chmod(keyFile, 0o600)
	if _, _, err := runIn(t, "", "keys", "rotate", "--db", dsn, "--data-key-file", keyFile); err != nil {
		t.Fatalf("keys rotate after chmod 600: %v", err)
	}
}
