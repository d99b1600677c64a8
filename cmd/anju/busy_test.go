package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The demo's history is asked for in the hundreds of thousands of cases so
// that the fill is still running when the test is done with it; the test
// stops it.
const endlessFill = "200000"

var gridWorkerScope = regexp.MustCompile(`grid_worker\s+\S+\s+(\d+)`)

// TestWritersDuringDemoFill signs in and files cases through the real server
// while the demo's history fills in behind it on the same SQLite file, then
// stops the program the way SIGTERM does in the middle of the fill. No write
// may fail (a week of history to a transaction held the write lock past the
// requests' busy timeout: 500s after 10 s), and the stopped fill must leave
// a database whose audit chain verifies.
func TestWritersDuringDemoFill(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a demo city")
	}
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "anju.db")
	cmd := startCmd(t, "demo", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "warn", "--cases", endlessFill, "--metrics-token", "metrics-secret")
	out, errb, done, cancel := cmd.out, cmd.errb, cmd.done, cmd.cancel
	url := waitForURL(t, out, done)
	m := gridWorkerScope.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no grid in the demo's logins: %s", out.String())
	}
	grid := m[1]
	waitForOutput(t, out, "Filing ")
	const rounds = 40
	latencies := map[string][]time.Duration{}
	failures := 0
	measure := false
	timed := func(what string, do func() (*http.Response, error), want int) {
		start := time.Now()
		resp, err := do()
		if measure {
			latencies[what] = append(latencies[what], time.Since(start))
		}
		if err != nil {
			t.Errorf("%s: %v", what, err)
			failures++
			return
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d after %v, want %d", what, resp.StatusCode, time.Since(start), want)
			failures++
		}
	}
	for i := range rounds + 1 {
		// The first intake loads the word segmenter and the city's models,
		// which takes seconds and is not what is measured here.
		measure = i > 0
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: time.Minute}
		timed("POST /api/v1/session", func() (*http.Response, error) {
			return c.Post(url+"/api/v1/session", "application/json", strings.NewReader(`{"login":"operator01","password":"anju-demo-2026"}`))
		}, http.StatusOK)
		timed("POST /api/v1/cases", func() (*http.Response, error) {
			return c.Post(url+"/api/v1/cases", "application/json",
				strings.NewReader(`{"text":"测试写入第`+strconv.Itoa(i)+`件，路灯坏了","category":"0101","grid":"`+grid+`"}`))
		}, http.StatusCreated)
	}
	if strings.Contains(out.String(), " cases in ") {
		t.Fatalf("the fill ended before the writers did; the test saw no contention:\n%s", out.String())
	}
	for what, l := range latencies {
		slices.Sort(l)
		t.Logf("%d × %s beside the fill: p50 %v, p99 %v, max %v", len(l), what, l[len(l)/2], l[len(l)*99/100], l[len(l)-1])
	}
	t.Logf("%d writes failed", failures)
	// Every write transaction's hold is on /metrics.
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer metrics-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "anju_db_tx_seconds_count") {
		t.Errorf("no anju_db_tx_seconds on /metrics")
	}

	stopped := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo ended with %v\n%s", err, errb.String())
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("demo did not stop")
	}
	t.Logf("stopped %v after its context ended, in the middle of the fill", time.Since(stopped))
	if o, e, err := runIn(t, "", "audit", "verify", "--db", dsn); err != nil {
		t.Fatalf("audit verify after the stop: %v\n%s%s", err, o, e)
	}
}

// TestCLIDuringDemoFill runs CLI commands in this process while another
// process fills the demo's history into the same SQLite file: they wait
// for the lock (SQLite's busy handler, then the CLI's retries) and succeed.
// SIGTERM then stops the fill, which leaves a consistent database.
func TestCLIDuringDemoFill(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a demo city")
	}
	bin := anjuBinary(t)
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "anju.db")
	var out syncBuffer
	cmd := exec.Command(bin, "demo", "--no-serve", "--db", dsn, "--cases", endlessFill)
	cmd.Env, cmd.Stdout, cmd.Stderr = processEnv(), &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-waited
		}
	}()
	waitForOutput(t, &out, "  10000 cases") // past the history's first weeks, which have little to do

	failures := 0
	var took []time.Duration
	for range 10 {
		start := time.Now()
		o, e, err := runIn(t, "", "user", "token", "--db", dsn, "--user", "admin")
		took = append(took, time.Since(start))
		if err != nil || !strings.Contains(o, "anju_") {
			t.Errorf("user token beside the fill: %v\n%s%s", err, o, e)
			failures++
		}
	}
	if strings.Contains(out.String(), " cases in ") {
		t.Fatalf("the fill ended before the commands did; the test saw no contention:\n%s", out.String())
	}
	slices.Sort(took)
	t.Logf("10 'user token' commands beside the fill, %d failed; median %v, max %v", failures, took[5], took[9])
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-waited:
	case <-time.After(5 * time.Minute):
		t.Fatal("the fill did not stop on SIGTERM")
	}
	if o, e, err := runIn(t, "", "audit", "verify", "--db", dsn); err != nil {
		t.Fatalf("audit verify after the stop: %v\n%s%s", err, o, e)
	}
}

func waitForOutput(t *testing.T, out *syncBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(out.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in: %s", s, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// holdWriteLock takes the SQLite file's write lock the way another program
// would, bypassing Anju's own queue, and releases it after hold.
func holdWriteLock(t *testing.T, path string, hold time.Duration) <-chan struct{} {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	conn, err := raw.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		defer close(released)
		time.Sleep(hold)
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
	}()
	return released
}

// TestBusyDatabase locks the database from outside for longer than a
// request waits for it: the server answers 503 with Retry-After and logs the
// cause (it answered 500, and the sign-in page logged nothing), and a CLI
// command waits the lock out and succeeds (it failed: "database is locked").
func TestBusyDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out SQLite's busy timeout")
	}
	path := filepath.Join(t.TempDir(), "anju.db")
	dsn := "sqlite:" + path
	if _, _, err := runIn(t, "", "demo", "--db", dsn, "--no-serve", "--cases", "0"); err != nil {
		t.Fatal(err)
	}
	cmd := startCmd(t, "demo", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "warn", "--cases", "0")
	out, errb, done, cancel := cmd.out, cmd.errb, cmd.done, cmd.cancel
	url := waitForURL(t, out, done)

	// Each request waits 5 s for the lock; the command starts after them and
	// would have given up after 10 s; its retries outlast the lock.
	released := holdWriteLock(t, path, 22*time.Second)
	const formToken = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	for _, p := range []struct{ path, body, ctype string }{
		{"/api/v1/session", `{"login":"admin","password":"anju-demo-2026"}`, "application/json"},
		{"/login", "csrf=" + formToken + "&login=admin&password=anju-demo-2026", "application/x-www-form-urlencoded"},
	} {
		req, _ := http.NewRequest("POST", url+p.path, strings.NewReader(p.body))
		req.Header.Set("Content-Type", p.ctype)
		req.Header.Set("Cookie", "csrf="+formToken) // the form's double-submitted token
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("POST %s on a locked database: %d, Retry-After %q; want 503 with Retry-After",
				p.path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if n := strings.Count(errb.String(), "database unavailable"); n != 2 {
		t.Errorf("want the cause of both refusals logged, got %d lines:\n%s", n, errb.String())
	}
	if !strings.Contains(errb.String(), "locked") {
		t.Errorf("the log does not say the database was locked:\n%s", errb.String())
	}

	// The lock is still held for a few seconds: the command waits it out.
	o, e, err := runIn(t, "", "user", "token", "--db", dsn, "--user", "admin")
	if err != nil || !strings.Contains(o, "anju_") {
		t.Errorf("user token on a locked database: %v\n%s%s", err, o, e)
	}
	<-released
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
