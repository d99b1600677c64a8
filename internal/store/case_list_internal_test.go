package store

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store/storetest"
)

// planWorld is a database with the small city and one case, and actors of
// every reach: the city, a street, a department, a reporter.
func planWorld(t *testing.T, dsn string) (*DB, map[string]*anju.Actor) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sys := anju.SystemActor("test")
	if _, err := db.ImportRegions(ctx, sys, storetest.SmallCity()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveDepartment(ctx, sys, Department{Code: "a-office", Name: "第1街道办", Region: "330102001", Categories: []string{"01"}}); err != nil {
		t.Fatal(err)
	}
	city, street := cityPath("330100"), "/330100/330102/330102001/"
	return db, map[string]*anju.Actor{
		"dispatcher": {UserID: 1, City: "330100", Grants: []anju.Grant{{Role: anju.RoleDispatcher, RegionPath: city}}},
		"operator":   {UserID: 2, City: "330100", Grants: []anju.Grant{{Role: anju.RoleOperator, RegionPath: city}}},
		"worker":     {UserID: 3, City: "330100", Grants: []anju.Grant{{Role: anju.RoleGridWorker, RegionPath: street}}},
		"handler":    {UserID: 4, City: "330100", Grants: []anju.Grant{{Role: anju.RoleHandler, Department: "a-office", RegionPath: street}}},
		"resident":   {UserID: 5, City: "330100", Grants: []anju.Grant{{Role: anju.RoleResident, RegionPath: city}}},
	}
}

// seenQuery is a query the store ran, as it was sent.
type seenQuery struct {
	q    string
	args []any
}

// recordQueries makes db keep every query it runs whose text holds
// containing, for its plan to be explained; stop ends the recording and
// returns them.
func recordQueries(db *DB, containing string) (stop func() []seenQuery) {
	var mu sync.Mutex
	var seen []seenQuery
	db.queried = func(q string, args []any) {
		if strings.Contains(q, containing) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, seenQuery{q, args})
		}
	}
	return func() []seenQuery {
		db.queried = nil
		mu.Lock()
		defer mu.Unlock()
		return seen
	}
}

// badPlan returns what in plan reads every case of a city, or "".
func badPlan(engine, plan string) string {
	if engine == "postgres" {
		if strings.Contains(plan, "Seq Scan on cases") {
			return "Seq Scan on cases"
		}
		return ""
	}
	for _, line := range strings.Split(plan, "\n") {
		switch {
		case strings.Contains(line, "(city=?)"):
			return line // an index on the city, read for the whole city
		case line == "SCAN c" || strings.HasPrefix(line, "SCAN c ") && !strings.HasPrefix(line, "SCAN c USING"):
			// The table in rowid order: only right when nothing is sorted
			// afterwards, so that the page ends the reading.
			if strings.Contains(plan, "TEMP B-TREE") {
				return line + " with a sort"
			}
		}
	}
	return ""
}

// TestCaseListPlans explains ListCases' and QueueCounts' queries for every
// reach and filter, in each way the store may choose on SQLite (gathered by
// each term that can, or read in order), and fails when a plan reads all of
// a city's cases: a city-wide list sorted every case (a second on the
// 200,000-case demo) when SQLite's planner took "city = ?" to
// cases_city_created. A gathering term's plan must use its index, and a
// plan reading in order must not sort. On PostgreSQL, which chooses for
// itself, no plan may scan the cases table.
func TestCaseListPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, actors := planWorld(t, dsn)
		engine := db.dialect.name()
		day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		for _, tc := range []struct {
			name  string
			actor string
			f     CaseFilter
			inOrd string // what the plan reading in order uses on SQLite
		}{
			{"city", "dispatcher", CaseFilter{}, "SCAN c"},
			{"street", "worker", CaseFilter{}, "SCAN c"},
			{"department", "handler", CaseFilter{}, "SCAN c"},
			{"reporter", "resident", CaseFilter{}, "SCAN c"},
			{"deep", "dispatcher", CaseFilter{Cursor: "5000"}, "INTEGER PRIMARY KEY (rowid<?)"},
			{"kind", "dispatcher", CaseFilter{Kind: cases.KindPetition}, "SCAN c"},
			{"category", "dispatcher", CaseFilter{Category: "0101"}, "SCAN c"},
			{"department filter", "dispatcher", CaseFilter{Department: "a-office"}, "SCAN c"},
			{"region filter", "dispatcher", CaseFilter{Region: "330105"}, "SCAN c"},
			{"period", "dispatcher", CaseFilter{From: day, To: day.AddDate(0, 1, 0)}, "SCAN c"},
			{"open state", "dispatcher", CaseFilter{State: cases.StateReturned}, "SCAN c"},
			{"closed state", "dispatcher", CaseFilter{State: cases.StateClosed}, "SCAN c"},
			{"text", "dispatcher", CaseFilter{Text: "路灯"}, "SCAN c"},
			{"everything", "worker", CaseFilter{Kind: cases.KindRequest, Category: "0101", Region: "330102", Channel: cases.ChannelWeb,
				State: cases.StateAccepted, Overdue: true, From: day, To: day.AddDate(0, 1, 0), Text: "路灯", Cursor: "90"}, "INTEGER PRIMARY KEY (rowid<?)"},
			{"by deadline", "dispatcher", CaseFilter{Order: cases.OrderTimeLeft}, "cases_open_deadline"},
			{"by deadline, deep", "dispatcher", CaseFilter{Order: cases.OrderTimeLeft, Cursor: "1700000000000000_5000"}, "cases_open_deadline (resolution_due>?)"},
			{"queue to_dispatch", "dispatcher", CaseFilter{Queue: cases.QueueToDispatch}, "cases_open_deadline"},
			{"queue to_dispatch newest", "dispatcher", CaseFilter{Queue: cases.QueueToDispatch, Order: cases.OrderNewest}, "SCAN c"},
			{"queue mine", "handler", CaseFilter{Queue: cases.QueueMine}, "cases_open_deadline"},
			{"queue awaiting rating", "operator", CaseFilter{Queue: cases.QueueAwaitingRating}, "SCAN c"},
		} {
			f := tc.f
			f.PageSize = 50
			p, err := db.caseListPlan(ctx, actors[tc.actor], f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			gathering := 0
			for i, term := range p.terms {
				if !term.gathers {
					continue
				}
				gathering++
				p.gather = i
				q, args := db.caseListSQL(p, f)
				plan := explain(t, db, q, args...)
				if bad := badPlan(engine, plan); bad != "" {
					t.Errorf("%s, gathered by term %d: the plan reads the city's cases (%s):\n%s", tc.name, i, bad, plan)
				}
				want := term.index
				if want == "" {
					want = "SEARCH c USING" // the scope's indexes, or the rowids of the text's matches
				}
				if engine == "sqlite" && !strings.Contains(plan, want) {
					t.Errorf("%s, gathered by term %d: the plan does not use %s:\n%s", tc.name, i, want, plan)
				}
			}
			if gathering == 0 {
				t.Errorf("%s: no term can gather", tc.name)
			}
			p.readInOrder()
			q, args := db.caseListSQL(p, f)
			plan := explain(t, db, q, args...)
			if bad := badPlan(engine, plan); bad != "" {
				t.Errorf("%s, read in order: the plan reads the city's cases (%s):\n%s", tc.name, bad, plan)
			}
			if engine == "sqlite" && (!strings.Contains(plan, tc.inOrd) || strings.Contains(plan, "TEMP B-TREE FOR ORDER BY")) {
				t.Errorf("%s, read in order: the plan does not read %s without sorting:\n%s", tc.name, tc.inOrd, plan)
			}
		}
		for _, who := range []string{"dispatcher", "operator", "worker", "handler"} {
			_, qs, err := db.queueCountQueries(ctx, actors[who], CaseFilter{Kind: cases.KindRequest})
			if err != nil || len(qs) == 0 {
				t.Fatalf("%s: %d count queries, %v", who, len(qs), err)
			}
			for _, q := range qs {
				plan := explain(t, db, q.sql, q.args...)
				if bad := badPlan(engine, plan); bad != "" {
					t.Errorf("%s: the count reads the city's cases (%s):\n%s", who, bad, plan)
				}
				if engine == "sqlite" && !strings.Contains(plan, "cases_open_queue") && !strings.Contains(plan, "cases_closed_path") {
					t.Errorf("%s: the count uses neither cases_open_queue nor cases_closed_path:\n%s", who, plan)
				}
				// The open queues' count reads the index alone, in the order it
				// groups by (migration 00037).
				if engine == "sqlite" && q.tally != nil && (!strings.Contains(plan, "COVERING INDEX cases_open_queue") ||
					strings.Contains(plan, "TEMP B-TREE")) {
					t.Errorf("%s: the open queues' count reads the cases' rows or sorts them:\n%s", who, plan)
				}
			}
		}
	})
}

// TestOpenStatesLiteral holds openStates, the partial index's predicate, to
// the domain's open states.
func TestOpenStatesLiteral(t *testing.T) {
	var parts []string
	for _, s := range cases.OpenStates() {
		parts = append(parts, "c.state = '"+string(s)+"'")
	}
	if want := "(" + strings.Join(parts, " OR ") + ")"; openStates != want {
		t.Errorf("openStates = %s\nthe domain's open states make %s (change migration 00014's index with it)", openStates, want)
	}
}

// TestHotspotReadPlans explains the stored hotspots' read for every reach,
// with a region and without: on SQLite it reads one run along the table's
// key, in rank order, never sorting.
func TestHotspotReadPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		db, actors := planWorld(t, dsn)
		for who, a := range actors {
			for _, path := range []string{"", "/330100/330102/"} {
				q, args := hotspotsSQL(a, hotspotRun{city: "330100", days: 30}, path, 20)
				plan := explain(t, db, q, args...)
				if db.dialect.name() == "sqlite" && (!strings.Contains(plan, "(city=? AND days=? AND since=?)") || strings.Contains(plan, "TEMP B-TREE")) {
					t.Errorf("%s, region %q: the read does not follow the run's key in rank order:\n%s", who, path, plan)
				}
			}
		}
	})
}
