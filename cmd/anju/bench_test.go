package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/store"
)

var benchLastLine = regexp.MustCompile(`^cases_per_s=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) raw_per_s=([0-9.]+) ratio=([0-9.]+)$`)

// finalLine returns the last non-empty line of out.
func finalLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// TestBenchIntake runs the benchmark in-process for about a second per phase
// on SQLite and checks its report against the rows it wrote; then points it
// at a running server with --url.
func TestBenchIntake(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "anju.db")
	keys := "--data-key-file=" + filepath.Join(dir, "data.key")
	out, errOut, err := runIn(t, "", "bench", "intake", "--db", dsn, keys, "--clients", "2", "--duration", "700ms")
	if err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, out, errOut)
	}
	t.Log(out)
	m := benchLastLine.FindStringSubmatch(finalLine(out))
	if m == nil {
		t.Fatalf("last line %q does not match %s", finalLine(out), benchLastLine)
	}
	perS, _ := strconv.ParseFloat(m[1], 64)
	rawPerS, _ := strconv.ParseFloat(m[4], 64)
	if perS <= 0 || rawPerS <= 0 {
		t.Fatalf("no cases measured: %s", finalLine(out))
	}
	created := intField(t, out, `(\d+) created`)
	raw := intField(t, out, `(\d+) cases in`)
	if !strings.Contains(out, "errors: none") {
		t.Errorf("bench saw errors:\n%s", out)
	}

	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cases, keysN, events int64
	q := db.SQL().QueryRow(`SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM idempotency_keys),
		(SELECT COUNT(*) FROM case_events WHERE action = 'submit')`)
	if err := q.Scan(&cases, &keysN, &events); err != nil {
		t.Fatal(err)
	}
	if cases != created+raw || keysN != cases || events != cases {
		t.Fatalf("bench reported %d created over HTTP and %d raw; database holds %d cases, %d idempotency keys, %d submit events",
			created, raw, cases, keysN, events)
	}

	// Against a running server: no raw measurement without --db.
	cmd := startCmd(t, "serve", "--db", dsn, keys, "--addr", "127.0.0.1:0", "--scheduler-interval", "0")
	serr, done, cancel := cmd.errb, cmd.done, cmd.cancel
	url := waitForLog(t, serr, regexp.MustCompile(`"msg":"listening","url":"(http://[0-9.:]+)"`), done)
	tok, _, err := runIn(t, "", "user", "token", "--db", dsn, "--user", "operator02")
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, err = runIn(t, "", "bench", "intake", "--url", url, "--token", finalLine(tok), "--clients", "2", "--duration", "300ms", "--rate", "200")
	if err != nil {
		t.Fatalf("bench --url: %v\n%s\n%s", err, out, errOut)
	}
	m = benchLastLine.FindStringSubmatch(finalLine(out))
	if m == nil || m[4] != "0.0" || m[5] != "0.00" || !strings.Contains(out, "errors: none") {
		t.Fatalf("bench --url:\n%s", out)
	}
	if n := intField(t, out, `(\d+) created`); n < 20 || n > 62 {
		t.Errorf("--rate 200 for 300ms created %d cases", n)
	}
	// With --db beside --url, the raw ceiling is measured on that database.
	out, errOut, err = runIn(t, "", "bench", "intake", "--url", url, "--token", finalLine(tok), "--db", dsn, keys,
		"--clients", "2", "--duration", "300ms")
	if err != nil {
		t.Fatalf("bench --url --db: %v\n%s\n%s", err, out, errOut)
	}
	if m = benchLastLine.FindStringSubmatch(finalLine(out)); m == nil || m[4] == "0.0" {
		t.Fatalf("bench --url --db:\n%s", out)
	}
	cancel()
	<-done

	for _, args := range [][]string{
		{"bench"},
		{"bench", "outtake"},
		{"bench", "intake", "--url", "http://127.0.0.1:1"},
		{"bench", "intake", "--token", "x"},
		{"bench", "intake", "--clients", "0"},
		{"bench", "intake", "--duration", "0s"},
		{"bench", "intake", "--duration", "2h"},
		{"bench", "intake", "--rate", "-1"},
	} {
		if _, _, err := runIn(t, "", args...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}

func intField(t *testing.T, out, pattern string) int64 {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q in\n%s", pattern, out)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func waitForLog(t *testing.T, b *syncBuffer, re *regexp.Regexp, done chan error) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("server exited early: %v\n%s", err, b.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server logged no URL: %s", b.String())
	return ""
}
