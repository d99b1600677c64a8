// Package scripts holds the repository's shell scripts; its test runs
// check-tracked.sh against throwaway git repositories.
package scripts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitRepo makes a git repository holding a copy of check-tracked.sh, the
// allow-list and a few ordinary files, all tracked.
func gitRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no git command in CI")
		}
		t.Skip("no git command")
	}
	dir := t.TempDir()
	script, err := os.ReadFile("check-tracked.sh")
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "scripts/check-tracked.sh", script, 0o755)
	write(t, dir, "scripts/tracked-allow.txt", []byte("# exempt\nbig/dict.gz  # the dictionary\n"), 0o644)
	write(t, dir, "main.go", []byte("package main\n\nfunc main() {}\n"), 0o644)
	write(t, dir, "run.sh", []byte("#!/bin/sh\necho hi\n"), 0o755)
	write(t, dir, "README.md", []byte("Set ANJU_DATA_KEYS=k1:BASE64 and keep data.key safe.\n"), 0o644)
	write(t, dir, "big/dict.gz", bytes.Repeat([]byte{0x1f, 0x8b, 1, 2}, 3<<20/4), 0o644)
	git(t, dir, "init", "-q")
	git(t, dir, "add", "-A")
	return dir
}

func write(t *testing.T, dir, name string, b []byte, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "core.fileMode=true"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func check(t *testing.T, dir string) (string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, "scripts/check-tracked.sh"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	return stderr.String(), err
}

// TestCheckTracked adds one forbidden file at a time to a clean repository
// and expects the script to fail naming it; untracked, allow-listed and
// ordinary files (scripts with #!, a 3 MB allow-listed file) pass.
func TestCheckTracked(t *testing.T) {
	dir := gitRepo(t)
	if out, err := check(t, dir); err != nil {
		t.Fatalf("clean repository refused: %v\n%s", err, out)
	}
	// Split, so that this file is not itself a PEM private key to the script.
	pem := func(kind string) string { return "-----BEGIN " + kind + "PRIVATE KEY-----" }
	elf := append([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1}, make([]byte, 64)...)
	for _, c := range []struct {
		name string
		data []byte
		mode os.FileMode
		why  string
	}{
		{"cmd/anju/anju-data/data.key", []byte("k20260101:" + strings.Repeat("A", 43) + "=\n"), 0o600, "key file"},
		{"conf/tls.txt", []byte(pem("") + "\nMIIE\n-----END PRIVATE KEY-----\n"), 0o644, "PEM private key"},
		{"conf/ec.txt", []byte("x\n" + pem("EC ") + "\nMHc\n"), 0o644, "PEM private key"},
		{"conf/keys.txt", []byte("old:" + strings.Repeat("b", 43) + "\n"), 0o644, "data key"},
		{"anju-data/anju.db", []byte("anything"), 0o644, "database file"},
		{"fixtures/cases.bin", append([]byte("SQLite format 3\x00"), make([]byte, 100)...), 0o644, "SQLite database"},
		{"anju", elf, 0o755, "ELF executable"},
		{"tools/x.dat", elf, 0o644, "ELF executable"},
		{"tools/mac", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, 0o644, "Mach-O"},
		{"tools/win.exe", []byte("MZ\x90\x00\x03"), 0o644, "PE"},
		{"notes.txt", []byte("just text\n"), 0o755, "executable bit"},
		{"testdata/huge.json", bytes.Repeat([]byte("[]\n"), 1<<20), 0o644, "over the 2 MB limit"},
	} {
		write(t, dir, c.name, c.data, c.mode)
		// Untracked, it does not count.
		if out, err := check(t, dir); err != nil {
			t.Errorf("untracked %s refused: %s", c.name, out)
		}
		git(t, dir, "add", "-f", c.name)
		out, err := check(t, dir)
		if err == nil || !strings.Contains(out, "check-tracked: "+c.name+": ") || !strings.Contains(out, c.why) {
			t.Errorf("tracked %s (%s): err %v, stderr:\n%s", c.name, c.why, err, out)
		}
		git(t, dir, "rm", "-q", "--cached", c.name)
		os.Remove(filepath.Join(dir, c.name))
	}
	if out, err := check(t, dir); err != nil {
		t.Fatalf("repository refused after the removals: %v\n%s", err, out)
	}
}

// TestRepositoryTracksNothingForbidden runs the script on this repository.
func TestRepositoryTracksNothingForbidden(t *testing.T) {
	if _, err := os.Stat("../.git"); err != nil {
		t.Skip("not a git checkout")
	}
	if out, err := exec.Command("./check-tracked.sh").CombinedOutput(); err != nil {
		t.Fatalf("check-tracked.sh: %v\n%s", err, out)
	}
}
