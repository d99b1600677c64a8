package main

// Tests of the real binary in real processes: a server killed in the middle
// of intake, and two servers' schedulers on one database.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	// Tests keep keys and databases under t.TempDir(). A command run without
	// --data-key-file on PostgreSQL writes ./anju-data/data.key, here in the
	// package directory, where it once got committed: fail the run if one
	// appears.
	_, statErr := os.Stat("anju-data")
	hadData := statErr == nil
	code := m.Run()
	if _, err := os.Stat("anju-data"); err == nil && !hadData {
		fmt.Fprintln(os.Stderr, "FAIL: a test wrote ./anju-data in the package directory; give it --data-key-file and --db under t.TempDir()")
		os.RemoveAll("anju-data")
		code = 1
	}
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// anjuBinary builds the anju binary once per test run and returns its path.
// Without a Go toolchain it skips, except in CI.
func anjuBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			binErr = err
			return
		}
		if binDir, err = os.MkdirTemp("", "anju-process-test-"); err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(binDir, "anju")
		cmd := exec.Command(goBin, "build", "-tags", "ne", "-o", binPath, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	switch {
	case errors.Is(binErr, exec.ErrNotFound) && !storetest.CI():
		t.Skip("no 'go' command on PATH to build the anju binary for process tests")
	case binErr != nil:
		t.Fatalf("building the anju binary: %v", binErr)
	}
	return binPath
}

// processEnv is the environment of child processes: ours without ANJU_*
// settings, so that only the flags the test passes count.
func processEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANJU_") {
			env = append(env, kv)
		}
	}
	return env
}

// anjuRun runs one command to completion (at most a minute) and returns its
// standard output; it fails the test on a non-zero exit.
func anjuRun(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = processEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("anju %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// serverProc is a running 'anju serve'.
type serverProc struct {
	t      *testing.T
	name   string
	url    string
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	err    error // of Wait, once done is closed
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// startServer starts 'anju serve' on addr with the given flags and waits
// until it answers /healthz. The test's cleanup kills it if still running.
func startServer(t *testing.T, bin, name, addr string, args ...string) *serverProc {
	t.Helper()
	p := &serverProc{t: t, name: name, url: "http://" + addr, stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--log-level", "warn"}, args...)...)
	p.cmd.Env = processEnv()
	p.cmd.Stdout, p.cmd.Stderr = io.Discard, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, tail(p.stderr.String(), 4000))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited at start: %v\n%s", name, p.err, p.stderr.String())
		case <-time.After(25 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer /healthz after 30s:\n%s", name, p.stderr.String())
		}
	}
}

// waitReady waits, at most a minute, until the server at url says on
// /readyz that it takes traffic, as a load balancer's health check does:
// until then it may still be warming up.
func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			t.Fatalf("GET %s/readyz: %v", url, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			return
		case resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "warming up"):
			t.Fatalf("GET %s/readyz: %d %s", url, resp.StatusCode, body)
		case time.Now().After(deadline):
			t.Fatalf("%s not ready after a minute: %s", url, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serverProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and expects a clean exit within 30 s.
func (p *serverProc) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			p.t.Errorf("%s exited with %v after SIGTERM", p.name, p.err)
		}
	case <-time.After(30 * time.Second):
		p.t.Errorf("%s still running 30s after SIGTERM", p.name)
		p.kill()
	}
}

// sqlDB is plain SQL on either engine, for checks behind the store.
type sqlDB struct {
	t  *testing.T
	db *store.DB
}

func openSQL(t *testing.T, dsn string) sqlDB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return sqlDB{t, db}
}

// rebind turns ? placeholders into $n on PostgreSQL.
func (s sqlDB) rebind(q string) string {
	if s.db.Engine() != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s sqlDB) int(q string, args ...any) int64 {
	s.t.Helper()
	var n int64
	if err := s.db.SQL().QueryRow(s.rebind(q), args...).Scan(&n); err != nil {
		s.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (s sqlDB) exec(q string, args ...any) {
	s.t.Helper()
	if _, err := s.db.SQL().Exec(s.rebind(q), args...); err != nil {
		s.t.Fatalf("%s: %v", q, err)
	}
}

// answersMatchKeys checks through the database that every intake of
// attempts is exactly the case its answer named: one idempotency key stored
// for each (the keys matching like, a run's), each for that case.
func (s sqlDB) answersMatchKeys(like string, attempts []*intakeAttempt) {
	s.t.Helper()
	rows, err := s.db.SQL().Query(s.rebind(`SELECT key, case_id FROM idempotency_keys WHERE key LIKE ?`), like)
	if err != nil {
		s.t.Fatal(err)
	}
	keyCase := map[string]int64{}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			s.t.Fatal(err)
		}
		keyCase[k] = id
	}
	if err := rows.Close(); err != nil {
		s.t.Fatal(err)
	}
	if len(keyCase) != len(attempts) {
		s.t.Errorf("%d intakes acknowledged, %d idempotency keys stored", len(attempts), len(keyCase))
	}
	for _, a := range attempts {
		if id, ok := keyCase[a.key]; !ok || id != a.id {
			s.t.Errorf("intake %s was answered with case %d; the database says %d (present %v)", a.key, a.id, id, ok)
		}
	}
}

// intakeAttempt is one POST /api/v1/cases and what came of it.
type intakeAttempt struct {
	key    string
	body   []byte
	status int // 0: no answer
	id     int64
	sent   func() // called once the whole body is on its way, if set
}

// bodySent calls sent when the transport has read the request body to its
// end: the request is then in the server's hands.
type bodySent struct {
	io.ReadCloser
	sent func()
}

func (b *bodySent) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && b.sent != nil {
		b.sent()
		b.sent = nil
	}
	return n, err
}

func postCase(client *http.Client, url, token string, a *intakeAttempt) (int, int64, string, error) {
	req, _ := http.NewRequest("POST", url+"/api/v1/cases", bytes.NewReader(a.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", a.key)
	if a.sent != nil {
		req.Body = &bodySent{req.Body, a.sent}
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, "", err // the answer was cut off: as good as none
	}
	var c struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal(b, &c)
	return resp.StatusCode, c.ID, string(b), nil
}

// TestKillDuringIntake kills the server with SIGKILL in the middle of
// sustained intake, restarts it, retries what got no answer (and some of what
// did) with the same keys and bodies, and checks in the database that every
// acknowledged case exists exactly once.
func TestKillDuringIntake(t *testing.T) {
	bin := anjuBinary(t)
	storetest.Each(t, func(t *testing.T, dsn string) {
		keyFile := filepath.Join(t.TempDir(), "data.key")
		anjuRun(t, bin, "demo", "--no-serve", "--cases", "0", "--db", dsn, "--data-key-file", keyFile)
		token := finalLine(anjuRun(t, bin, "user", "token", "--db", dsn, "--user", "operator01"))
		db := openSQL(t, dsn)
		ctx := context.Background()
		w, err := workloadFromDB(ctx, db.db, "330100")
		if err != nil {
			t.Fatal(err)
		}
		casesBefore := db.int(`SELECT COUNT(*) FROM cases`)
		maxBefore := db.int(`SELECT COALESCE(MAX(id), 0) FROM cases`)
		keysBefore := db.int(`SELECT COUNT(*) FROM idempotency_keys`)

		addr := "127.0.0.1:" + freePort(t)
		serveArgs := []string{"--db", dsn, "--data-key-file", keyFile, "--scheduler-interval", "0"}

		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
		defer client.CloseIdleConnections()
		runID := strconv.FormatInt(time.Now().UnixNano(), 36)
		var (
			mu                   sync.Mutex
			attempts             []*intakeAttempt
			unanswered, answered []*intakeAttempt
		)
		// A round: sustained intake from six clients, and SIGKILL the
		// moment a request has just reached the server, once some intakes
		// are in. On a slow machine the kill can still fall between
		// requests; then the server is restarted and killed again.
		for round := 0; len(unanswered) == 0; round++ {
			if round == 3 {
				t.Fatalf("three kills in a row fell between requests: %d answered, none in flight", len(answered))
			}
			srv := startServer(t, bin, fmt.Sprintf("server (round %d)", round), addr, serveArgs...)
			var (
				acked atomic.Int64
				stop  atomic.Bool
				wg    sync.WaitGroup
			)
			inFlight := make(chan struct{}, 1)
			signal := func() {
				select {
				case inFlight <- struct{}{}:
				default:
				}
			}
			for g := range 6 {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(g)))
					for i := 0; !stop.Load() && i < 20000; i++ {
						body, _ := json.Marshal(w.intake(rng))
						a := &intakeAttempt{key: fmt.Sprintf("kill-%s-%d-%d-%d", runID, round, g, i), body: body, sent: signal}
						status, id, resp, err := postCase(client, srv.url, token, a)
						if err == nil {
							a.status, a.id = status, id
							if status == http.StatusCreated || status == http.StatusOK {
								acked.Add(1)
							} else {
								t.Errorf("intake %s before the kill: %d %s", a.key, status, resp)
							}
						}
						mu.Lock()
						attempts = append(attempts, a)
						mu.Unlock()
					}
				})
			}
			start := time.Now()
			for (time.Since(start) < 1500*time.Millisecond || acked.Load() < 20) && time.Since(start) < 20*time.Second {
				time.Sleep(10 * time.Millisecond)
			}
			select { // a signal from before now may be stale: wait for a fresh one
			case <-inFlight:
			default:
			}
			select {
			case <-inFlight:
			case <-time.After(5 * time.Second):
			}
			srv.cmd.Process.Signal(syscall.SIGKILL)
			stop.Store(true)
			<-srv.done
			wg.Wait()
			if t.Failed() {
				return
			}
			unanswered, answered = unanswered[:0], answered[:0]
			for _, a := range attempts {
				if a.status == 0 {
					unanswered = append(unanswered, a)
				} else {
					answered = append(answered, a)
				}
			}
			t.Logf("round %d: %d intakes before SIGKILL: %d acknowledged, %d without an answer", round, len(attempts), len(answered), len(unanswered))
		}
		if len(answered) < 20 {
			t.Fatalf("only %d intakes answered before the kill", len(answered))
		}

		srv2 := startServer(t, bin, "restarted server", addr, serveArgs...)
		// Every request without an answer is retried with the same key and
		// body: those stored before the kill answer 200 with their case.
		stored := 0
		for _, a := range unanswered {
			status, id, resp, err := postCase(client, srv2.url, token, a)
			if err != nil || (status != http.StatusCreated && status != http.StatusOK) || id == 0 {
				t.Fatalf("retry of %s: %d %v %s", a.key, status, err, resp)
			}
			if status == http.StatusOK {
				stored++
			}
			a.status, a.id = status, id
		}
		t.Logf("retried %d unanswered intakes: %d had been stored before the kill", len(unanswered), stored)
		// And some that were answered: the same case again.
		for i := 0; i < len(answered); i += max(1, len(answered)/25) {
			a := answered[i]
			status, id, resp, err := postCase(client, srv2.url, token, a)
			if err != nil || status != http.StatusOK || id != a.id {
				t.Errorf("retry of acknowledged %s (case %d): %d %v %s", a.key, a.id, status, err, resp)
			}
		}
		// A key reused with another body is refused.
		other := *answered[0]
		other.body = []byte(strings.Replace(string(other.body), `"text":"`, `"text":"另：`, 1))
		if status, _, resp, err := postCase(client, srv2.url, token, &other); err != nil || status != http.StatusUnprocessableEntity {
			t.Errorf("reused key with another body: %d %v %s", status, err, resp)
		}
		srv2.stop()

		// Through the database: every acknowledged intake is exactly one
		// case, the one its answers named.
		db.answersMatchKeys("kill-"+runID+"-%", attempts)
		n := int64(len(attempts))
		if got := db.int(`SELECT COUNT(*) FROM cases`) - casesBefore; got != n {
			t.Errorf("%d new cases for %d acknowledged intakes", got, n)
		}
		if got := db.int(`SELECT COUNT(*) FROM idempotency_keys`) - keysBefore; got != n {
			t.Errorf("%d new idempotency keys for %d acknowledged intakes", got, n)
		}
		like := "kill-" + runID + "-%"
		for _, c := range []struct {
			what string
			got  int64
		}{
			{"distinct cases named by the keys", db.int(`SELECT COUNT(DISTINCT case_id) FROM idempotency_keys WHERE key LIKE ?`, like)},
			{"distinct tracking codes of new cases", db.int(`SELECT COUNT(DISTINCT tracking_code) FROM cases WHERE id > ?`, maxBefore)},
			{"new cases named by a key", db.int(`SELECT COUNT(*) FROM cases c WHERE id > ?
				AND EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.case_id = c.id AND k.key LIKE ?)`, maxBefore, like)},
			{"submit events of new cases", db.int(`SELECT COUNT(*) FROM case_events WHERE action = 'submit' AND case_id > ?`, maxBefore)},
		} {
			if c.got != n {
				t.Errorf("%s: %d, want %d", c.what, c.got, n)
			}
		}
		if out := anjuRun(t, bin, "audit", "verify", "--db", dsn); !strings.HasPrefix(out, "audit chain intact") {
			t.Errorf("audit verify after the crash: %s", out)
		}
	})
}

// TestTwoSchedulers runs two servers' schedulers on one PostgreSQL database
// over cases whose resolution deadlines lie four days back, and checks that
// every supervision step happened exactly once, also across a restart.
func TestTwoSchedulers(t *testing.T) {
	dsn := postgresDSN(t)
	bin := anjuBinary(t)
	keyFile := filepath.Join(t.TempDir(), "data.key")
	anjuRun(t, bin, "demo", "--no-serve", "--cases", "0", "--db", dsn, "--data-key-file", keyFile)
	db := openSQL(t, dsn)
	ctx := context.Background()
	actorOf := func(login string) *anju.Actor {
		tok, err := db.db.CreateAPIToken(ctx, anju.SystemActor("test"), login, "test")
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.db.ActorByToken(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	operator, dispatcher := actorOf("operator01"), actorOf("dispatcher")
	w, err := workloadFromDB(ctx, db.db, "330100")
	if err != nil {
		t.Fatal(err)
	}
	ids, in := overdueCases(t, db, w, 50, func(nc store.NewCase, key string) int64 {
		c, _, err := db.db.CreateCase(ctx, operator, nc, key)
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}, func(id int64, a cases.Action, department string) {
		if _, err := db.db.Act(ctx, dispatcher, id, a, store.ActionInput{Input: cases.Input{Department: department}}); err != nil {
			t.Fatal(err)
		}
	})

	serveArgs := []string{"--db", dsn, "--data-key-file", keyFile, "--scheduler-interval", "100ms"}
	a := startServer(t, bin, "server A", "127.0.0.1:"+freePort(t), serveArgs...)
	b := startServer(t, bin, "server B", "127.0.0.1:"+freePort(t), serveArgs...)
	waitSupervised(t, db, in, len(ids))
	// Let both run a few more passes over the finished cases.
	time.Sleep(500 * time.Millisecond)
	a.stop()
	b.stop()
	check := func(when string) int { return supervisedOnce(t, db, ids, in, when) }
	before := check("two schedulers")

	// A restarted server finds nothing left to do.
	c := startServer(t, bin, "server C", "127.0.0.1:"+freePort(t), serveArgs...)
	time.Sleep(time.Second)
	c.stop()
	if after := check("after a restart"); after != before {
		t.Errorf("a restarted scheduler added %d events", after-before)
	}
}

// overdueCases files n cases in the demo city through file, a third left
// submitted, a third accepted and a third dispatched (through act), each
// under a category handled below city level (so that it can go up one), and
// moves their resolution deadlines four days back: a scheduler owes each a
// yellow card, a red card and an escalation. It returns their ids and the
// SQL list of them.
func overdueCases(t *testing.T, db sqlDB, w *benchWorkload, n int, file func(nc store.NewCase, key string) int64,
	act func(id int64, a cases.Action, department string)) (ids []string, in string) {
	t.Helper()
	tree, err := db.db.Taxonomy(context.Background(), "330100")
	if err != nil {
		t.Fatal(err)
	}
	var cats []string
	for _, c := range tree.Leaves() {
		if c.Active && c.DepartmentLevel != "city" {
			cats = append(cats, c.Code)
		}
	}
	if len(cats) == 0 {
		t.Fatal("no category handled below city level")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		nc := w.intake(rng)
		nc.Category = cats[i%len(cats)]
		nc.Reporter.Name, nc.Reporter.Phone, nc.Reporter.Anonymous = "", "", true
		id := file(nc, fmt.Sprintf("sched-%d", i))
		if i%3 > 0 {
			act(id, cases.ActionAccept, "")
		}
		if i%3 == 2 {
			act(id, cases.ActionDispatch, "330100-cgj")
		}
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	in = "(" + strings.Join(ids, ",") + ")"
	db.exec(`UPDATE cases SET resolution_due = ? WHERE id IN `+in, time.Now().Add(-4*24*time.Hour).UnixMicro())
	return ids, in
}

// waitSupervised waits, at most 30 s, until the schedulers have carded and
// escalated all n overdue cases of the list in.
func waitSupervised(t *testing.T, db sqlDB, in string, n int) {
	t.Helper()
	red := `SELECT COUNT(*) FROM cases WHERE id IN ` + in + ` AND overdue AND card = 'red' AND escalated_due = resolution_due`
	deadline := time.Now().Add(30 * time.Second)
	for db.int(red) != int64(n) || db.int(`SELECT COUNT(*) FROM case_events WHERE action = 'escalate' AND case_id IN `+in) < int64(n) {
		if time.Now().After(deadline) {
			t.Fatalf("after 30s: %d of %d cases red and escalated", db.int(red), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// supervisedOnce checks that every case of ids got exactly one yellow card,
// one red card and one escalation and at most one deadline warning, and
// returns how many events the cases have.
func supervisedOnce(t *testing.T, db sqlDB, ids []string, in, when string) int {
	t.Helper()
	type tally struct{ yellow, red, escalate, warning, events int }
	rows, err := db.db.SQL().Query(`SELECT case_id, action, data FROM case_events WHERE case_id IN ` + in)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[int64]*tally{}
	total := 0
	for rows.Next() {
		var id int64
		var action, data string
		if err := rows.Scan(&id, &action, &data); err != nil {
			t.Fatal(err)
		}
		if m[id] == nil {
			m[id] = &tally{}
		}
		tl := m[id]
		tl.events++
		total++
		var d struct{ Card string }
		json.Unmarshal([]byte(data), &d)
		switch {
		case action == "supervise" && d.Card == "yellow":
			tl.yellow++
		case action == "supervise" && d.Card == "red":
			tl.red++
		case action == "escalate":
			tl.escalate++
		case action == "deadline_warning":
			tl.warning++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, s := range ids {
		id, _ := strconv.ParseInt(s, 10, 64)
		tl := m[id]
		if tl == nil || tl.yellow != 1 || tl.red != 1 || tl.escalate != 1 || tl.warning > 1 {
			t.Errorf("%s: case %d has %+v; want exactly one yellow card, one red card, one escalation, at most one warning", when, id, tl)
		}
	}
	return total
}
