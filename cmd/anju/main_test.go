package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runIn runs one command in-process with the given standard input and returns
// its standard output, standard error and error.
func runIn(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb syncBuffer
	env := &cliEnv{getenv: func(string) string { return "" }, stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}
	err := run(context.Background(), args, env)
	return out.String(), errb.String(), err
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ex, ok := err.(exitError); ok {
		return ex.code
	}
	return 1
}

// TestServe runs the whole program on a free port, waits for /healthz, and
// stops it the way SIGTERM does (its context ends), expecting a clean exit.
func TestServe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		keyFile := filepath.Join(t.TempDir(), "data.key")
		cmd := startCmd(t, "demo", "--db", dsn, "--data-key-file", keyFile, "--addr", "127.0.0.1:0", "--log-level", "info", "--cases", "300")
		out, errb, done, cancel := cmd.out, cmd.errb, cmd.done, cmd.cancel
		url := waitForURL(t, out, done)
		resp, err := http.Get(url + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		waitReady(t, url)
		// The demo's admin signs in through the API.
		resp, err = http.Post(url+"/api/v1/session", "application/json",
			strings.NewReader(`{"login":"admin","password":"anju-demo-2026"}`))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("demo admin login: %v %v", resp, err)
		}
		resp.Body.Close()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve ended with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
		}
		if !strings.Contains(errb.String(), `"msg":"stopped"`) {
			t.Errorf("no JSON 'stopped' log line: %s", errb.String())
		}
		// A second run reuses the city.
		o, _, err := runIn(t, "", "demo", "--db", dsn, "--data-key-file", keyFile, "--no-serve", "--cases", "0")
		if err != nil || !strings.Contains(o, "Reusing the demo city") || !strings.Contains(o, "3000 grids") {
			t.Fatalf("second demo run: %v\n%s", err, o)
		}
	})
}

var urlPattern = regexp.MustCompile(`running at (http://[0-9.:]+)/`)

func waitForURL(t *testing.T, out *syncBuffer, done chan error) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := urlPattern.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("demo exited early: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("demo printed no URL: %s", out.String())
	return ""
}

func TestCLI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		keyFile := filepath.Join(t.TempDir(), "data.key")
		if _, _, err := runIn(t, "", "demo", "--db", dsn, "--data-key-file", keyFile, "--no-serve", "--cases", "0"); err != nil {
			t.Fatal(err)
		}
		// user token prints the token as its last line, and it works.
		out, _, err := runIn(t, "", "user", "token", "--db", dsn, "--user", "admin")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if err != nil || !strings.HasPrefix(lines[len(lines)-1], "anju_") {
			t.Fatalf("user token: %v %q", err, out)
		}
		if _, _, err := runIn(t, "", "user", "token", "--db", dsn, "--user", "nobody"); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("token for unknown user: %v", err)
		}
		if _, _, err := runIn(t, "long-enough-pw\n", "user", "add", "--db", dsn, "--login", "clerk", "--name", "职员"); err != nil {
			t.Fatalf("user add: %v", err)
		}
		if _, _, err := runIn(t, "", "user", "grant", "--db", dsn, "--user", "clerk", "--role", "operator", "--region", "330100"); err != nil {
			t.Fatalf("user grant: %v", err)
		}
		if _, _, err := runIn(t, "", "user", "grant", "--db", dsn, "--user", "clerk", "--role", "emperor", "--region", "330100"); err == nil {
			t.Error("unknown role accepted")
		}
		if out, _, _ := runIn(t, "", "user", "list", "--db", dsn); !strings.Contains(out, "operator@330100") {
			t.Errorf("user list lacks the grant: %s", out)
		}
		out, _, err = runIn(t, "", "audit", "verify", "--db", dsn)
		if err != nil || !strings.HasPrefix(out, "audit chain intact: ") {
			t.Fatalf("audit verify: %v %s", err, out)
		}
		out, _, err = runIn(t, "", "audit", "verify", "--db", dsn, "--city", "330100")
		if err != nil || !strings.HasPrefix(out, "audit chain of city 330100 intact: ") {
			t.Fatalf("audit verify --city: %v %s", err, out)
		}
		// An entry of the city's chain edited: exit 1, naming the city.
		openSQL(t, dsn).exec(`UPDATE audit_log SET detail = '{"forged":true}' WHERE seq = (SELECT MAX(seq) FROM audit_log WHERE city = '330100')`)
		for _, args := range [][]string{{"--db", dsn}, {"--db", dsn, "--city", "330100"}} {
			if _, _, err := runIn(t, "", append([]string{"audit", "verify"}, args...)...); exitCode(err) != 1 ||
				!strings.Contains(err.Error(), "audit chain broken: city 330100: entry ") {
				t.Errorf("audit verify %v of an edited entry: %v", args, err)
			}
		}
	})
}

// TestImportCLI imports a file with one bad grid and sees a non-zero exit
// naming it, with nothing stored; then imports the good file.
func TestImportCLI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		dir := t.TempDir()
		good := filepath.Join(dir, "good.geojson")
		fc := featureCollection(t, false)
		os.WriteFile(good, fc, 0o644)
		bad := filepath.Join(dir, "bad.geojson")
		os.WriteFile(bad, featureCollection(t, true), 0o644)

		_, _, err := runIn(t, "", "import", "regions", "--db", dsn, bad)
		if exitCode(err) != 1 || !strings.Contains(err.Error(), "330102001001009") {
			t.Fatalf("bad import: exit %d, %v", exitCode(err), err)
		}
		out, _, err := runIn(t, "", "import", "regions", "--db", dsn, good)
		if err != nil || !strings.Contains(out, "11 created") {
			t.Fatalf("good import: %v %s", err, out)
		}
		if _, _, err := runIn(t, "", "import", "regions", "--db", dsn); exitCode(err) != 2 {
			t.Errorf("import without a file: exit %d", exitCode(err))
		}
		if _, _, err := runIn(t, "", "import", "regions", "--db", dsn, filepath.Join(dir, "missing.geojson")); exitCode(err) != 1 {
			t.Errorf("import of a missing file: exit %d", exitCode(err))
		}
		if _, _, err := runIn(t, "", "serve", "--db", "mysql://x"); exitCode(err) != 2 {
			t.Errorf("bad DSN: exit %d, %v", exitCode(err), err)
		}
		if _, _, err := runIn(t, "", "nonsense"); exitCode(err) != 2 {
			t.Errorf("unknown command: exit %d", exitCode(err))
		}
	})
}

// featureCollection renders the storetest city as GeoJSON, optionally with a
// grid lying outside its community.
func featureCollection(t *testing.T, withBadGrid bool) []byte {
	t.Helper()
	type feature struct {
		Type       string            `json:"type"`
		Properties map[string]string `json:"properties"`
		Geometry   any               `json:"geometry"`
	}
	var fs []feature
	for _, r := range storetest.SmallCity() {
		var geom any
		if r.Geometry != nil {
			geom = map[string]any{"type": "Polygon", "coordinates": r.Geometry}
		}
		fs = append(fs, feature{"Feature", map[string]string{"code": r.Code, "name": r.Name, "parent": r.Parent}, geom})
	}
	if withBadGrid {
		fs = append(fs, feature{"Feature", map[string]string{"code": "330102001001009", "name": "越界", "parent": "330102001001"},
			map[string]any{"type": "Polygon", "coordinates": storetest.Rect(120.15, 30.0, 120.16, 30.01)}})
	}
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKeysCLI rotates a demo database onto a new key through the CLI.
func TestKeysCLI(t *testing.T) {
	dsn := storetest.Engines()[0].NewDSN(t)
	dir := t.TempDir()
	oldFile := filepath.Join(dir, "old.key")
	out, _, err := runIn(t, "", "keys", "generate", "--id", "old")
	if err != nil || !strings.HasPrefix(out, "old:") {
		t.Fatalf("generate: %v %q", err, out)
	}
	os.WriteFile(oldFile, []byte(out), 0o600)
	if _, _, err := runIn(t, "", "demo", "--db", dsn, "--no-serve", "--cases", "5", "--data-key-file", oldFile); err != nil {
		t.Fatal(err)
	}
	newKey, _, _ := runIn(t, "", "keys", "generate", "--id", "new")
	both := strings.TrimSpace(newKey) + "," + strings.TrimSpace(out)
	out, _, err = runIn(t, "", "keys", "rotate", "--db", dsn, "--data-keys", both)
	if err != nil || !strings.HasPrefix(out, "re-encrypted ") || strings.HasPrefix(out, "re-encrypted 0 ") {
		t.Fatalf("rotate: %v %q", err, out)
	}
	out, _, err = runIn(t, "", "keys", "rotate", "--db", dsn, "--data-keys", both)
	if err != nil || !strings.HasPrefix(out, "re-encrypted 0 ") {
		t.Fatalf("second rotate: %v %q", err, out)
	}
	if _, _, err := runIn(t, "", "keys", "rotate", "--db", dsn, "--data-keys", "bad"); exitCode(err) != 2 {
		t.Errorf("bad keys: %v", err)
	}
}

// TestDemoFill files a small history through 'anju demo --no-serve' on both
// engines: the fill runs on its own handle with relaxed commits, which on
// PostgreSQL is a session setting carried in the connection URL.
func TestDemoFill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		keyFile := filepath.Join(t.TempDir(), "data.key")
		key, _, err := runIn(t, "", "keys", "generate", "--id", "k1")
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(keyFile, []byte(key), 0o600)
		out, _, err := runIn(t, "", "demo", "--db", dsn, "--no-serve", "--cases", "40", "--data-key-file", keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "  40 cases in ") {
			t.Fatalf("demo output: %s", out)
		}
		// A second run finds the history and reuses it.
		out, _, err = runIn(t, "", "demo", "--db", dsn, "--no-serve", "--cases", "40", "--data-key-file", keyFile)
		if err != nil || !strings.Contains(out, "cases: ") || strings.Contains(out, "Filing") {
			t.Fatalf("second run: %v %s", err, out)
		}
	})
}

// runningCmd is a command of Anju running in the background of a test.
type runningCmd struct {
	out, errb *syncBuffer
	done      chan error
	cancel    context.CancelFunc
}

// startCmd runs args as Anju's command line until cancel or the end of the
// test, with empty environment and input.
func startCmd(t *testing.T, args ...string) *runningCmd {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := &runningCmd{out: &syncBuffer{}, errb: &syncBuffer{}, done: make(chan error, 1), cancel: cancel}
	env := &cliEnv{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: c.out, stderr: c.errb}
	go func() { c.done <- run(ctx, args, env) }()
	return c
}
