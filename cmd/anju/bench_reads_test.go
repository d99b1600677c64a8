package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"anju/internal/store/storetest"
)

var (
	readsLast = regexp.MustCompile(`^cases=(\d+) p95_ms_max=[0-9.]+ slowest=(.+)$`)
	readsLine = regexp.MustCompile(`^(.+?) +p50 +[0-9.]+ ms  p95 +[0-9.]+ ms  p99 +[0-9.]+ ms$`)
)

// TestBenchReads grows a small city on each engine and times its reads:
// one line per read with p50, p95 and p99, every kind of read among them,
// and the summary last.
func TestBenchReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		keys := filepath.Join(t.TempDir(), "data.key")
		out, _, err := runIn(t, "", "bench", "reads", "--db", dsn, "--data-key-file", keys, "--cases", "400", "--runs", "2")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		m := readsLast.FindStringSubmatch(lines[len(lines)-1])
		if m == nil || m[1] != "400" {
			t.Fatalf("last line %q of:\n%s", lines[len(lines)-1], out)
		}
		var reads []string
		for _, l := range lines[:len(lines)-1] {
			if r := readsLine.FindStringSubmatch(l); r != nil {
				reads = append(reads, r[1])
			}
		}
		all := strings.Join(reads, "\n")
		for _, want := range []string{
			"list: city dispatcher, newest", "list: street grid worker, newest", "queue to_dispatch: city dispatcher",
			"queue to_accept: street grid worker", "queue overdue: city dispatcher", "queue counts: street grid worker",
			"list: city dispatcher, newest, page 50 by key", "list: street grid worker, deadline, page 50 by key",
			"list: city dispatcher, state dispatched", "list: city dispatcher, overdue", "list: city dispatcher, department ",
			"list: city dispatcher, street ", "list: city dispatcher, text 尽快",
			"case page (case, history, similar): newest case", "case page (case, history, similar): rated case",
			"search by relevance: city dispatcher, 尽快", "search by time: street grid worker, ",
			"hotspots: city dispatcher", "warnings: city dispatcher", "dashboard: whole city", "choropleth: a district's grids, 30 days",
			"dashboard: district dispatcher (d1-dispatcher)", "dashboard: street dispatcher (s01-dispatcher)",
			"dashboard: street mediator (s01-mediator)", "dashboard: city department handler (h-", "dashboard: street grid worker",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("no timed read %q in:\n%s", want, out)
			}
		}
		if !strings.Contains(all, m[2]) {
			t.Errorf("the slowest read %q is not one of those timed", m[2])
		}
		if _, _, err := runIn(t, "", "bench", "reads", "--db", dsn, "--data-key-file", keys, "--runs", "0"); exitCode(err) != 2 {
			t.Errorf("--runs 0: %v", err)
		}
	})
}
