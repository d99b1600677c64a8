package store

import (
	"context"
	"strings"
	"testing"

	"anju/internal/store/storetest"
)

// TestOpenCaseReadPlans explains the reads of a city's or an area's open
// cases: the grid page's (OpenCasesNear) for a city-wide dispatcher and a
// street's grid worker, by time left and nearest first, and the public
// map's (PublicGrids). Each reads the open cases' index, never every case
// of the area (27 s for a city dispatcher's grid page at 2,000,000 cases,
// 1.6 s for the public map).
func TestOpenCaseReadPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, actors := planWorld(t, dsn)
		stop := recordQueries(db, "FROM cases c")
		lat, lon := 30.27, 120.15
		for _, who := range []string{"dispatcher", "worker"} {
			if _, err := db.OpenCasesNear(ctx, actors[who], nil, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := db.OpenCasesNear(ctx, actors[who], &lat, &lon); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.PublicGrids(ctx, "330100"); err != nil {
			t.Fatal(err)
		}
		seen := stop()
		if len(seen) != 5 {
			t.Fatalf("%d queries seen, want 5", len(seen))
		}
		for _, s := range seen {
			plan := explain(t, db, s.q, s.args...)
			if bad := badPlan(db.dialect.name(), plan); bad != "" {
				t.Errorf("the plan reads the city's cases (%s):\n%s", bad, plan)
			}
			if db.dialect.name() == "sqlite" && !strings.Contains(plan, "cases_open_deadline") {
				t.Errorf("the plan does not read the open cases' index:\n%s\n%s", s.q, plan)
			}
		}
	})
}
