package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"anju/internal/store"
)

var searchLine = regexp.MustCompile(`^cases=(\d+) relevance_p50_ms=[0-9.]+ relevance_p95_ms=[0-9.]+ time_p50_ms=[0-9.]+ time_p95_ms=[0-9.]+$`)

// TestBenchSearch grows a small city and times searches in-process; a second
// run finds the cases there and generates none.
func TestBenchSearch(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "anju.db")
	for run, want := range []string{"generated 300 cases", "relevance:"} {
		out, _, err := runIn(t, "", "bench", "search", "--db", dsn, "--cases", "300", "--queries", "10")
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		m := searchLine.FindStringSubmatch(lines[len(lines)-1])
		if m == nil || m[1] != "300" || !strings.Contains(out, want) {
			t.Fatalf("run %d output:\n%s", run, out)
		}
		if run == 1 && strings.Contains(out, "generated") {
			t.Errorf("second run generated cases again:\n%s", out)
		}
	}
	if _, _, err := runIn(t, "", "bench", "search", "--db", dsn, "--cases", "0"); exitCode(err) != 2 {
		t.Errorf("--cases 0: %v", err)
	}
}

var pagesLine = regexp.MustCompile(`^cases=(\d+) pages=(\d+) worst_p95_ms=[0-9.]+$`)

// TestBenchPages fills a small demo city and times its workbench reads,
// the rendered workbench pages beside the JSON lists among them.
func TestBenchPages(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "anju.db")
	if _, _, err := runIn(t, "", "demo", "--no-serve", "--db", dsn, "--cases", "300"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runIn(t, "", "bench", "pages", "--db", dsn, "--runs", "2")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// The history holds the 300 requests and the cases of the other kinds.
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	err = db.SQL().QueryRow(`SELECT COUNT(*) FROM cases`).Scan(&total)
	db.Close()
	if err != nil || total < 300 {
		t.Fatalf("cases in the demo: %d %v", total, err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	m := pagesLine.FindStringSubmatch(lines[len(lines)-1])
	if m == nil || m[1] != strconv.FormatInt(total, 10) || !strings.Contains(out, "queue counts: city dispatcher") || !strings.Contains(out, "queue mine: city department handler") ||
		!strings.Contains(out, "page /work?queue=to_dispatch: city dispatcher") || !strings.Contains(out, "json /api/v1/cases?queue=to_dispatch: city dispatcher") ||
		!strings.Contains(out, "page /work?queue=to_accept: street grid worker") || !strings.Contains(out, "page /work/cases/{id}: rated case") ||
		!strings.Contains(out, "page /report: resident") {
		t.Fatalf("output:\n%s", out)
	}
	if _, _, err := runIn(t, "", "bench", "pages", "--db", dsn, "--runs", "0"); exitCode(err) != 2 {
		t.Errorf("--runs 0: %v", err)
	}
}

var figuresLine = regexp.MustCompile(`^cases=(\d+) dashboard_p50_ms=[0-9.]+ dashboard_p95_ms=[0-9.]+ choropleth_p50_ms=[0-9.]+ choropleth_p95_ms=[0-9.]+$`)

// TestBenchFiguresAndRollups grows a small city, times its figures, then
// rebuilds its rollups (twice: a rebuild is idempotent) and times them again.
func TestBenchFiguresAndRollups(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "anju.db")
	for run, args := range [][]string{
		{"bench", "figures", "--db", dsn, "--cases", "300", "--runs", "2"},
		{"rollups", "rebuild", "--db", dsn},
		{"rollups", "rebuild", "--db", dsn, "--city", "330100"},
		{"bench", "figures", "--db", dsn, "--runs", "2"},
	} {
		out, _, err := runIn(t, "", args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		last := lines[len(lines)-1]
		if args[0] == "rollups" {
			if !regexp.MustCompile(`^rebuilt 330100: 300 cases in [0-9.]+ s$`).MatchString(last) {
				t.Fatalf("run %d output:\n%s", run, out)
			}
			continue
		}
		if m := figuresLine.FindStringSubmatch(last); m == nil || m[1] != "300" || !strings.Contains(out, "choropleth: a district's grids, 30 days: p50") {
			t.Fatalf("run %d output:\n%s", run, out)
		}
	}
	for _, args := range [][]string{
		{"rollups"}, {"rollups", "rebuild", "--db", dsn, "--city", "999999"}, {"rollups", "rebuild", "--db", dsn, "extra"},
		{"bench", "figures", "--db", dsn, "--runs", "0"},
	} {
		if _, _, err := runIn(t, "", args...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}
