package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"anju/internal/store"
)

var soakLastLine = regexp.MustCompile(`^soak: duration=\S+ requests=(\d+) errors=(\d+) rss_mb_start=[0-9.]+ rss_mb_end=[0-9.]+ rss_mb_max=[0-9.]+ anon_mb_start=[0-9.]+ anon_mb_end=[0-9.]+ goroutines_start=\d+ goroutines_end=\d+ wal_mb_max=[0-9.]+$`)

// TestBenchSoak runs the soak for a few seconds on SQLite: every kind of
// traffic is sent without an error, the summary line is printed, and the
// cases it reports filing are in the database. Three seconds say nothing
// about growth, the caches still filling: the slack is wide here, and
// TestSoakVerdict tests the growth checks.
func TestBenchSoak(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "anju.db")
	out, errOut, err := runIn(t, "", "bench", "soak", "--db", dsn, "--cases", "60", "--clients", "2",
		"--duration", "3s", "--sample", "500ms", "--login-every", "1s", "--rss-slack", "100000", "--goroutine-slack", "100000")
	t.Log(out)
	if err != nil {
		t.Fatalf("soak: %v\n%s", err, errOut)
	}
	m := soakLastLine.FindStringSubmatch(finalLine(out))
	if m == nil {
		t.Fatalf("last line %q does not match %s", finalLine(out), soakLastLine)
	}
	if m[2] != "0" || !strings.Contains(out, "errors: none") {
		t.Fatalf("soak saw errors:\n%s", out)
	}
	for _, kind := range []string{"intake", "accept", "dispatch", "start", "resolve", "list", "search", "case", "history", "login", "me", "logout"} {
		if !regexp.MustCompile(`[ ,]` + kind + `×\d+`).MatchString(out) {
			t.Errorf("no %s requests in\n%s", kind, out)
		}
	}
	if n := strings.Count(out, " requests="); n < 5 {
		t.Errorf("%d samples, want one per 500ms", n-1)
	}
	filed := intField(t, out, `filed (\d+) cases`)
	intakes := intField(t, out, `intake×(\d+)`)
	resolves := intField(t, out, `resolve×(\d+)`)
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cases, resolved int64
	// The history's cases come first; the soak's are the ones after them.
	q := db.SQL().QueryRow(`SELECT (SELECT COUNT(*) FROM cases),
		(SELECT COUNT(*) FROM case_events WHERE action = 'resolve' AND case_id > ?)`, filed)
	if err := q.Scan(&cases, &resolved); err != nil {
		t.Fatal(err)
	}
	if cases != filed+intakes || resolved != resolves {
		t.Errorf("soak reported %d history cases, %d intakes and %d resolves; the database holds %d cases and %d resolves of the soak's cases",
			filed, intakes, resolves, cases, resolved)
	}

	for _, args := range [][]string{
		{"bench", "soak", "--addr", "10.1.2.3:8080"},
		{"bench", "soak", "--addr", "0.0.0.0:0"},
		{"bench", "soak", "--clients", "0"},
		{"bench", "soak", "--duration", "0s"},
		{"bench", "soak", "--sample", "1ms"},
		{"bench", "soak", "--duration", "1s", "--sample", "2s"},
	} {
		if _, _, err := runIn(t, "", args...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}

// TestSoakVerdict: a run fails on an error and on growth between the peak
// after the warm-up and the peak at the end, but not on the ups and downs of
// collections within each.
func TestSoakVerdict(t *testing.T) {
	cfg := soakConfig{rssSlackMB: 64, goroutineSlack: 50}
	run := func(rss []float64, goroutines []int, errors int64) error {
		r := &soakResult{errors: errors}
		for i := range rss {
			r.samples = append(r.samples, soakSample{at: time.Duration(i+1) * time.Second, rssMB: rss[i] + 500, anonMB: rss[i], goroutines: goroutines[i]})
		}
		r.summarize(time.Duration(len(rss)) * time.Second / 10)
		return r.verdict(cfg)
	}
	flat := []int{30, 40, 30, 40, 30, 40, 30, 40, 30, 40}
	for _, tc := range []struct {
		name       string
		rss        []float64
		goroutines []int
		errors     int64
		want       string
	}{
		{"sawtooth", []float64{900, 300, 500, 300, 500, 300, 500, 300, 500, 300}, flat, 0, ""},
		{"trough at start, crest at end", []float64{300, 300, 500, 300, 500, 300, 500, 300, 300, 500}, flat, 0, ""},
		{"leak", []float64{300, 300, 350, 400, 450, 500, 550, 600, 650, 700}, flat, 0, "resident memory (anonymous) grew from 300.0 MB to 700.0 MB"},
		{"goroutine leak", []float64{300, 300, 300, 300, 300, 300, 300, 300, 300, 300}, []int{30, 30, 40, 50, 60, 70, 80, 90, 100, 110}, 0, "goroutines grew from 30 to 110"},
		{"errors", []float64{300, 300, 300, 300, 300, 300, 300, 300, 300, 300}, flat, 2, "2 errors"},
	} {
		err := run(tc.rss, tc.goroutines, tc.errors)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
