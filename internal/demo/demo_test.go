package demo_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/demo"
	"anju/internal/personal"
	"anju/internal/region"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

func openDemo(t testing.TB, dsn string) *store.DB {
	return openDemoWith(t, dsn, store.Options{})
}

func openDemoWith(t testing.TB, dsn string, opts store.Options) *store.DB {
	t.Helper()
	keys, _ := personal.ParseKeyring(personal.FormatKey("k1", personal.GenerateKey()))
	opts.Keys = keys
	db, err := store.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// smallDemo is the demo city of seed 3 with a hundred cases of history
// over the five days before now, its clock stopped at now.
func smallDemo(t *testing.T, dsn string, now time.Time) *store.DB {
	t.Helper()
	ctx := context.Background()
	db := openDemoWith(t, dsn, store.Options{Clock: anju.NewFakeClock(now)})
	if _, err := demo.Ensure(ctx, db, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Populate(ctx, db, demo.CaseOptions{Cases: 100, Span: 5 * 24 * time.Hour, Seed: 3, Now: now}); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestDemoCity checks the demo city's size and that a small history is
// written through the workflow with every kind of fate represented.
func TestDemoCity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openDemo(t, dsn)
		sum, err := demo.Ensure(ctx, db, 1)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Regions[region.LevelDistrict] < 6 || sum.Regions[region.LevelStreet] < 40 || sum.Regions[region.LevelCommunity] < 300 ||
			sum.Regions[region.LevelGrid] < 3000 || sum.Departments < 60 || sum.Users < 200 || len(sum.Logins) != 9 {
			t.Fatalf("demo city: %+v", sum)
		}
		cs, err := demo.Populate(ctx, db, demo.CaseOptions{Cases: 600, Span: 45 * 24 * time.Hour, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if cs.Cases != 600 || cs.ByState[cases.StateRated] == 0 || cs.ByState[cases.StateRejected] == 0 ||
			cs.ByState[cases.StateClosed] == 0 || cs.Rated == 0 {
			t.Fatalf("history: %+v", cs)
		}
		// The scheduler ran inside the filler's transactions: late cases
		// were warned, carded and escalated as they went.
		for _, action := range []string{"deadline_warning", "supervise", "escalate"} {
			var n int
			if err := db.SQL().QueryRowContext(ctx, rebind(dsn, `SELECT COUNT(*) FROM case_events WHERE action = ?`), action).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Errorf("no %s events in the history", action)
			}
		}
		again, err := demo.Ensure(ctx, db, 1)
		if err != nil || again.Created {
			t.Fatalf("second Ensure: %+v %v", again, err)
		}
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// rebind writes a query's one placeholder for the engine of dsn.
func rebind(dsn, q string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return strings.Replace(q, "?", "$1", 1)
	}
	return q
}

// BenchmarkPopulate files a tenth of the demo's history at the demo's
// density (200,000 cases in three years): 20,000 cases in 110 days.
func BenchmarkPopulate(b *testing.B) {
	ctx := context.Background()
	// As 'anju demo' fills its history: commits do not wait for the disk.
	db := openDemoWith(b, "sqlite:"+filepath.Join(b.TempDir(), "anju.db"), store.Options{RelaxedCommits: true})
	if _, err := demo.Ensure(ctx, db, 1); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := demo.Populate(ctx, db, demo.CaseOptions{Cases: 20000, Span: 3 * 365 * 24 * time.Hour / 10, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
