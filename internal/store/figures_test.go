package store_test

import (
	"context"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestCaseFigures: a reopened case's first response is judged against its
// first deadline, whether its reopening recorded it or not (a database
// written before reopenings did); scope, filters and the bounds of a
// recount. The API test (internal/server) checks every figure.
func TestCaseFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		var ids []int64
		for range 3 {
			c, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		// Answered on Wednesday, a day after its first response deadline;
		// then closed and reopened on Wednesday, which restarts the clock
		// from there.
		w.clock.Advance(48 * time.Hour)
		id := ids[0]
		w.act(t, "operator", id, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-office"})
		w.act(t, "handler-a", id, cases.ActionStart, cases.Input{})
		w.act(t, "handler-a", id, cases.ActionResolve, cases.Input{Result: "已清扫"})
		w.act(t, "dispatcher", id, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
		w.act(t, "dispatcher", id, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
		w.act(t, "supervisor", id, cases.ActionReopen, cases.Input{Reason: "又脏了"})
		w.act(t, "operator", ids[1], cases.ActionAccept, cases.Input{}) // on Wednesday too: late

		day := figures.Period{From: monday, To: monday.AddDate(0, 0, 1)}
		count := func(login string, f store.FigureFilter, k figures.Key) figures.Value {
			t.Helper()
			vs, asOf, err := w.db.CaseFigures(ctx, w.actors[login], f, day)
			if err != nil {
				t.Fatalf("%s %+v: %v", login, f, err)
			}
			if !asOf.Equal(w.clock.Now()) {
				t.Errorf("as of %v, want %v", asOf, w.clock.Now())
			}
			return vs[k]
		}
		// The third case was never answered and its deadline has passed:
		// three judged, none on time.
		want := figures.Value{Unit: figures.UnitShare, Known: true, Count: 0, Of: 3}
		if got := count("dispatcher", store.FigureFilter{}, figures.OnTimeResponse); got.Count != want.Count || got.Of != want.Of {
			t.Errorf("on-time response: %+v, want %+v", got, want)
		}
		if err := w.db.ForgetFirstResponseDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := count("dispatcher", store.FigureFilter{}, figures.OnTimeResponse); got.Count != want.Count || got.Of != want.Of {
			t.Errorf("on-time response, reopening not recorded: %+v, want %+v", got, want)
		}

		for _, tc := range []struct {
			login string
			f     store.FigureFilter
			n     int
		}{
			{"dispatcher", store.FigureFilter{}, 3},
			{"dispatcher", store.FigureFilter{Category: "01"}, 3},
			{"dispatcher", store.FigureFilter{Category: "0101"}, 3},
			{"dispatcher", store.FigureFilter{Category: "0102"}, 0},
			{"dispatcher", store.FigureFilter{Kind: cases.KindRequest, Region: "330102"}, 3},
			{"dispatcher", store.FigureFilter{Region: "330105"}, 0},
			{"worker-a", store.FigureFilter{}, 3},
			{"worker-b", store.FigureFilter{}, 0},
			{"resident", store.FigureFilter{}, 0}, // staff reach only
		} {
			if got := count(tc.login, tc.f, figures.Received); got.Count != tc.n {
				t.Errorf("%s %+v: received %d, want %d", tc.login, tc.f, got.Count, tc.n)
			}
		}

		for _, tc := range []struct {
			login string
			f     store.FigureFilter
			p     figures.Period
			code  string
			field string
		}{
			{"worker-b", store.FigureFilter{Region: "330102"}, day, anju.ENOTFOUND, ""},
			{"dispatcher", store.FigureFilter{Region: "999999"}, day, anju.ENOTFOUND, ""},
			{"dispatcher", store.FigureFilter{}, figures.Period{From: monday, To: monday}, anju.EINVALID, "to"},
			{"dispatcher", store.FigureFilter{}, figures.Period{From: monday.AddDate(-3, 0, -5), To: monday}, anju.EINVALID, "to"},
			{"dispatcher", store.FigureFilter{Kind: "gossip"}, day, anju.EINVALID, "kind"},
			{"dispatcher", store.FigureFilter{Category: "99"}, day, anju.EINVALID, "category"},
			{"dispatcher", store.FigureFilter{Department: "nowhere"}, day, anju.EINVALID, "department"},
		} {
			_, _, err := w.db.CaseFigures(ctx, w.actors[tc.login], tc.f, tc.p)
			if anju.ErrorCode(err) != tc.code || anju.ErrorField(err) != tc.field {
				t.Errorf("%s %+v %v: %v, want %s on %q", tc.login, tc.f, tc.p, err, tc.code, tc.field)
			}
		}
		// A recount reads a bounded number of cases, and says so beyond it.
		defer store.SetMaxFigureCases(store.SetMaxFigureCases(2))
		if _, _, err := w.db.RecountFigures(ctx, w.actors["dispatcher"], store.FigureFilter{}, day); anju.ErrorCode(err) != anju.EINVALID {
			t.Errorf("over the bound: %v", err)
		}
	})
}

// TestFigureGroups: every split of a period adds up to the whole: the
// received of its days, of its weeks, of its regions one level down, of
// its departments and categories; the piles of a day carry the cases still
// open from the days before it; a bad grouping is a field error.
func TestFigureGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		// Monday two cases, Tuesday one; one of Monday's is dispatched.
		var ids []int64
		for i := range 3 {
			if i == 2 {
				w.clock.Advance(24 * time.Hour)
			}
			c, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		w.act(t, "operator", ids[0], cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", ids[0], cases.ActionDispatch, cases.Input{Department: "a-office"})
		week := figures.Period{From: monday.Add(-9 * time.Hour), To: monday.Add(-9*time.Hour).AddDate(0, 0, 7)}
		groups := func(by store.FigureGroupBy, f store.FigureFilter) map[string]store.FigureGroup {
			t.Helper()
			gs, _, err := w.db.FigureGroups(ctx, w.actors["dispatcher"], f, week, by)
			if err != nil {
				t.Fatalf("%s: %v", by, err)
			}
			out := map[string]store.FigureGroup{}
			for _, g := range gs {
				out[g.Key] = g
			}
			return out
		}
		received := func(g store.FigureGroup) int { return g.Figures[figures.Received].Count }

		days := groups(store.ByDay, store.FigureFilter{})
		if len(days) != 7 || received(days["2026-03-02"]) != 2 || received(days["2026-03-03"]) != 1 || received(days["2026-03-04"]) != 0 {
			t.Errorf("days: %d parts, received Mon %d Tue %d Wed %d", len(days), received(days["2026-03-02"]), received(days["2026-03-03"]), received(days["2026-03-04"]))
		}
		// Wednesday's backlog holds all three, received before its end.
		if got := days["2026-03-04"].Figures[figures.BacklogByAge].Count; got != 3 {
			t.Errorf("Wednesday's backlog %d, want 3", got)
		}
		weeks := groups(store.ByWeek, store.FigureFilter{})
		if len(weeks) != 1 || received(weeks["2026-03-02"]) != 3 {
			t.Errorf("weeks: %+v", weeks)
		}
		regions := groups(store.ByRegion, store.FigureFilter{})
		if g := regions["330102"]; received(g) != 3 || g.Name == "" || len(regions) != 1 {
			t.Errorf("districts: %+v", regions)
		}
		depts := groups(store.ByDepartment, store.FigureFilter{})
		if received(depts["a-office"]) != 1 || received(depts[""]) != 2 || depts["a-office"].Name != "第1街道办" {
			t.Errorf("departments: %+v", depts)
		}
		cats := groups(store.ByCategory, store.FigureFilter{})
		if received(cats["01"]) != 3 || cats["01"].Name == "" {
			t.Errorf("categories: %+v", cats)
		}
		if leaf := groups(store.ByCategory, store.FigureFilter{Category: "01"}); received(leaf["0101"]) != 3 {
			t.Errorf("categories under 01: %+v", leaf)
		}
		grids := groups(store.ByGrid, store.FigureFilter{})
		total := 0
		for _, g := range grids {
			total += received(g)
		}
		if total != 3 {
			t.Errorf("grids add up to %d, want 3", total)
		}
		// Asked for some figures, a split holds those alone, the same.
		only, _, err := w.db.FigureGroups(ctx, w.actors["dispatcher"], store.FigureFilter{}, week, store.ByDepartment, figures.Received, figures.OverdueByAge)
		if err != nil || len(only) != len(depts) {
			t.Fatalf("only: %v %d parts", err, len(only))
		}
		for _, g := range only {
			if len(g.Figures) != 2 || g.Figures[figures.Received].Count != depts[g.Key].Figures[figures.Received].Count ||
				g.Figures[figures.OverdueByAge].Count != depts[g.Key].Figures[figures.OverdueByAge].Count {
				t.Errorf("only, %s: %+v", g.Key, g.Figures)
			}
		}
		if _, _, err := w.db.FigureGroups(ctx, w.actors["dispatcher"], store.FigureFilter{}, week, "colour"); anju.ErrorField(err) != "by" {
			t.Errorf("bad grouping: %v", err)
		}
		// The reach: another district's worker sees no part.
		gs, _, err := w.db.FigureGroups(ctx, w.actors["worker-b"], store.FigureFilter{}, week, store.ByGrid)
		if err != nil || len(gs) != 0 {
			t.Errorf("worker-b: %v %+v", err, gs)
		}
	})
}
