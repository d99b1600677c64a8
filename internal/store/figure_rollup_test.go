package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/petition"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestRollupsMatchRecount is the rollups' property: after random workflows
// over several days, regions, departments, categories and kinds (with
// reopenings, escalations, merges, extensions, cards, ratings,
// rejections, and generated bulk cases), CaseFigures and FigureGroups
// answer exactly what the full recount answers, for random filters (a
// region at every level, a department, a category group or leaf, a kind,
// and combinations), periods (whole China days, which the rollups serve,
// and odd hours, which the facts rows serve) and readers, by every
// grouping; and again after RebuildFigures. ANJU_ROLLUP_SEED replays a
// run.
func TestRollupsMatchRecount(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ANJU_ROLLUP_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	storetest.Each(t, func(t *testing.T, dsn string) {
		t.Logf("seed %d (ANJU_ROLLUP_SEED=%d replays it)", seed, seed)
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		rng := rand.New(rand.NewPCG(seed, 17))
		for _, d := range []store.Department{
			{Code: "d2-bureau", Name: "第1区城管局", Region: "330102", Categories: []string{"01"}},
			{Code: "g-station", Name: "网格站", Region: "330105001001001", Categories: []string{"01"}},
			{Code: "c-office", Name: "第1社区", Region: "330102001001", Categories: []string{"01"}},
		} {
			if _, err := w.db.SaveDepartment(ctx, system, d); err != nil {
				t.Fatal(err)
			}
		}
		depts := []string{"a-office", "b-office", "city-cg", "d2-bureau", "g-station", "c-office"}
		logins := []string{"operator", "dispatcher", "supervisor", "handler-a", "handler-b"}
		for _, d := range depts[2:] {
			w.actors["handler-"+d] = mustUser(t, w.db, "handler-"+d, anju.Grant{Role: anju.RoleHandler, Department: d})
			logins = append(logins, "handler-"+d)
		}
		grids := []string{"330102001001001", "330102001001002", "330105001001001", "330105001001002"}
		tree, err := w.db.Taxonomy(ctx, "330100")
		if err != nil {
			t.Fatal(err)
		}
		var leaves, groups []string
		for _, c := range tree.Leaves() {
			leaves = append(leaves, c.Code)
		}
		for _, c := range tree.Roots() {
			groups = append(groups, c.Code)
		}
		leaves, groups = leaves[:min(6, len(leaves))], groups[:min(3, len(groups))]
		start := w.clock.Now()

		var ids []int64
		done := map[cases.Action]int{}
		settled := 0
		// A scripted opening takes every action whose figures are rare on a
		// random walk (a rating needs a case carried to its close), so the
		// walk that follows varies with the seed but what it covers does not.
		scripted := func(login string, id int64, a cases.Action, in cases.Input) {
			t.Helper()
			w.act(t, login, id, a, in)
			done[a]++
			w.clock.Advance(time.Duration(1+rng.IntN(3*60)) * time.Minute)
		}
		intake := func(grid string) int64 {
			t.Helper()
			nc := streetLight()
			nc.Lat, nc.Lon = nil, nil
			nc.Grid = grid
			nc.Category = leaves[rng.IntN(len(leaves))]
			c, _, err := w.db.CreateCase(ctx, w.actors["operator"], nc, "")
			if err != nil {
				t.Fatalf("intake: %v", err)
			}
			ids = append(ids, c.ID)
			return c.ID
		}
		rated, extended, escalated, merged, rejected := intake(grids[0]), intake(grids[1]), intake(grids[2]), intake(grids[0]), intake(grids[3])
		scripted("operator", rated, cases.ActionAccept, cases.Input{})
		scripted("dispatcher", rated, cases.ActionDispatch, cases.Input{Department: "a-office"})
		scripted("handler-a", rated, cases.ActionStart, cases.Input{})
		scripted("handler-a", rated, cases.ActionResolve, cases.Input{Result: "已处理"})
		scripted("dispatcher", rated, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
		scripted("dispatcher", rated, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
		scripted("operator", rated, cases.ActionRate, cases.Input{Rating: cases.RatingUnsatisfied})
		scripted("supervisor", rated, cases.ActionReopen, cases.Input{Reason: "又坏了"})
		scripted("operator", extended, cases.ActionAccept, cases.Input{})
		scripted("dispatcher", extended, cases.ActionDispatch, cases.Input{Department: "a-office"})
		scripted("handler-a", extended, cases.ActionRequestExtension, cases.Input{Reason: "等配件", Days: 3})
		scripted("dispatcher", extended, cases.ActionApproveExtension, cases.Input{})
		scripted("supervisor", extended, cases.ActionSupervise, cases.Input{Card: cases.Cards[0], Reason: "督办"})
		scripted("operator", escalated, cases.ActionAccept, cases.Input{})
		scripted("dispatcher", escalated, cases.ActionEscalate, cases.Input{Reason: "跨街道"})
		scripted("operator", merged, cases.ActionMerge, cases.Input{Target: rated})
		scripted("operator", rejected, cases.ActionReject, cases.Input{Reason: "不属于受理范围"})
		// First petitions (初信初访), one settled at first instance and one
		// taken to review, through the petition's own steps.
		// A repeat petition (重信重访) names the earlier one it repeats, which
		// is then not settled at first instance, whatever its state.
		var petitions []int64
		petitionIntake := func(grid string, first bool, repeatOf int64) int64 {
			t.Helper()
			np := store.NewPetition{NewCase: streetLight()}
			np.Lat, np.Lon, np.Grid = nil, nil, grid
			np.Category = leaves[rng.IntN(len(leaves))]
			np.Petition = petition.Intake{Channel: petition.Channels[rng.IntN(len(petition.Channels))], RepeatOf: repeatOf}
			if repeatOf == 0 {
				np.Petition.First = &first
			}
			c, err := w.db.CreatePetition(ctx, w.actors["operator"], np)
			if err != nil {
				t.Fatalf("petition intake: %v", err)
			}
			ids, petitions = append(ids, c.ID), append(petitions, c.ID)
			return c.ID
		}
		for i, grid := range []string{grids[0], grids[2], grids[1]} {
			id := petitionIntake(grid, true, 0)
			if _, err := w.db.AcceptPetition(ctx, w.actors["operator"], id, petition.Acceptance{Notice: "交办"}); err != nil {
				t.Fatal(err)
			}
			dept, handler := "a-office", "handler-a"
			if i == 1 {
				dept, handler = "b-office", "handler-b"
			}
			scripted("dispatcher", id, cases.ActionDispatch, cases.Input{Department: dept})
			scripted(handler, id, cases.ActionStart, cases.Input{})
			scripted(handler, id, cases.ActionResolve, cases.Input{Result: "已答复"})
			if _, err := w.db.RecordPetitionOpinion(ctx, w.actors["dispatcher"], id, petition.Opinion{Text: "答复意见", Finding: petition.Supported}); err != nil {
				t.Fatal(err)
			}
			if i == 2 { // settled, until the petitioner came back on the matter
				petitionIntake(grid, false, id)
			}
			if i == 1 {
				if _, err := w.db.RequestPetitionReview(ctx, w.actors["supervisor"], id, petition.ActionReview, petition.ReviewRequest{Reason: "不服"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Of the three first petitions concluded, one was taken to review
		// and one petitioned again: one settled of three, by the rollups
		// (whole days) and the facts rows (odd hours) as by the recount.
		cst := time.FixedZone("CST", 8*3600)
		y, m, d := start.In(cst).Date()
		day := time.Date(y, m, d, 0, 0, 0, 0, cst)
		for _, p := range []figures.Period{{From: day, To: day.AddDate(0, 0, 7)}, {From: day.Add(time.Minute), To: day.AddDate(0, 0, 7)}} {
			got, _, err := w.db.CaseFigures(ctx, system, store.FigureFilter{Kind: cases.KindPetition}, p)
			if err != nil {
				t.Fatal(err)
			}
			want, _, _ := w.db.RecountFigures(ctx, system, store.FigureFilter{Kind: cases.KindPetition}, p)
			if v := got[figures.FirstPetitionSettled]; v.Count != 1 || v.Of != 3 || !reflect.DeepEqual(v, want[figures.FirstPetitionSettled]) {
				t.Errorf("first petitions settled %s–%s: %+v, recount %+v, want 1 of 3", p.From, p.To, v, want[figures.FirstPetitionSettled])
			}
		}
		for step := range 1200 {
			w.clock.Advance(time.Duration(rng.IntN(5*60)) * time.Minute)
			if step%50 == 49 { // the scheduler: red cards, escalations, facts settled
				n, err := w.db.RunDue(ctx, store.DefaultPolicy, 1000)
				if err != nil {
					t.Fatal(err)
				}
				settled += n.Settled
			}
			if rng.IntN(40) == 0 {
				var repeatOf int64
				if rng.IntN(3) == 0 {
					repeatOf = petitions[rng.IntN(len(petitions))]
				}
				petitionIntake(grids[rng.IntN(len(grids))], rng.IntN(2) == 0, repeatOf)
				continue
			}
			if len(ids) < 8 || rng.IntN(7) == 0 {
				nc := streetLight()
				nc.Lat, nc.Lon = nil, nil
				nc.Grid = grids[rng.IntN(len(grids))]
				nc.Category = leaves[rng.IntN(len(leaves))]
				nc.Kind = cases.Kinds[rng.IntN(len(cases.Kinds))]
				c, _, err := w.db.CreateCase(ctx, w.actors["operator"], nc, "")
				if err != nil {
					t.Fatalf("step %d: intake: %v", step, err)
				}
				ids = append(ids, c.ID)
				continue
			}
			// A random action one of the staff may take on a random case,
			// those that move it along more often.
			id := ids[rng.IntN(len(ids))]
			type move struct {
				login  string
				action cases.Action
			}
			var moves []move
			for _, login := range logins {
				c, err := w.db.GetCase(ctx, w.actors[login], id)
				if err != nil {
					continue
				}
				for _, a := range c.AllowedActions {
					n := 10
					switch a {
					case cases.ActionComment:
						n = 0 // changes no figure
					case cases.ActionMerge, cases.ActionReject, cases.ActionEscalate, cases.ActionSupervise,
						cases.ActionRequestExtension, cases.ActionDenyExtension, cases.ActionReturn:
						n = 1
					}
					for range n {
						moves = append(moves, move{login, a})
					}
				}
			}
			if len(moves) == 0 {
				continue
			}
			m := moves[rng.IntN(len(moves))]
			login, action := m.login, m.action
			in := cases.Input{Reason: "原因", Result: "已处理", Method: cases.VerifyOnSite, Outcome: cases.OutcomeSolved,
				Rating: cases.Ratings[rng.IntN(len(cases.Ratings))], Card: cases.Cards[rng.IntN(len(cases.Cards))],
				Days: 1 + rng.IntN(5), Department: depts[rng.IntN(len(depts))], Target: ids[rng.IntN(len(ids))], Note: "备注"}
			if action == cases.ActionDispatch {
				ds, err := w.db.DepartmentsServing(ctx, w.actors[login], id)
				if err != nil || len(ds) == 0 {
					continue
				}
				in.Department = ds[rng.IntN(len(ds))].Code
			}
			if _, err := w.db.Act(ctx, w.actors[login], id, action, store.ActionInput{Input: in}); err == nil {
				done[action]++
			} else if code := anju.ErrorCode(err); code == anju.EINTERNAL || code == "" {
				t.Fatalf("step %d: %s %s on %d: %v", step, login, action, id, err)
			}
		}
		t.Logf("actions taken: %v; facts settled by the scheduler: %d", done, settled)
		if settled == 0 {
			t.Errorf("the scheduler settled no facts")
		}
		for _, a := range []cases.Action{cases.ActionReject, cases.ActionReopen, cases.ActionEscalate, cases.ActionMerge,
			cases.ActionApproveExtension, cases.ActionSupervise, cases.ActionRate} {
			if done[a] == 0 {
				t.Errorf("no %s in the workflows", a)
			}
		}
		// Generated cases, as benchmarks load them.
		bulk := make([]store.BulkCase, 30)
		for i := range bulk {
			bulk[i] = store.BulkCase{Title: "路灯", Text: "路灯不亮", Category: leaves[rng.IntN(len(leaves))],
				Grid: grids[rng.IntN(len(grids))], State: cases.States[rng.IntN(len(cases.States))],
				CreatedAt: start.Add(time.Duration(rng.Int64N(int64(20 * 24 * time.Hour))))}
			if err := w.db.PrepareBulk(ctx, "330100", &bulk[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.db.BulkLoadForBenchmark(ctx, "330100", bulk); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Duration(rng.IntN(48)) * time.Hour)

		regions := []string{"", "330100", "330102", "330105", "330102001", "330105001001", "330102001001002", "330105001001001"}
		readers := []*anju.Actor{w.actors["dispatcher"], w.actors["dispatcher"], w.actors["worker-a"], w.actors["handler-a"], system}
		midnight := time.Date(2026, 2, 20, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		firstPetitions := false // some answer counted first petitions settled and not
		check := func(t *testing.T, round string) {
			for q := range 60 {
				f := store.FigureFilter{}
				switch rng.IntN(4) {
				case 0:
					f.Region = regions[rng.IntN(len(regions))]
				case 1:
					f.Department = depts[rng.IntN(len(depts))]
				case 2:
					if rng.IntN(2) == 0 {
						f.Category = leaves[rng.IntN(len(leaves))]
					} else {
						f.Category = groups[rng.IntN(len(groups))]
					}
				}
				if rng.IntN(3) == 0 {
					f.Kind = cases.Kinds[rng.IntN(len(cases.Kinds))]
				}
				if rng.IntN(4) == 0 { // a combination
					f.Region = regions[rng.IntN(len(regions))]
				}
				if rng.IntN(6) == 0 { // a department's category
					f.Department, f.Category = depts[rng.IntN(len(depts))], leaves[rng.IntN(len(leaves))]
				}
				from := midnight.AddDate(0, 0, rng.IntN(30))
				p := figures.Period{From: from, To: from.AddDate(0, 0, 1+rng.IntN(40))}
				if rng.IntN(4) == 0 {
					p.From = p.From.Add(time.Duration(rng.IntN(24*60)) * time.Minute)
					p.To = p.To.Add(time.Duration(rng.IntN(24*60)) * time.Minute)
				}
				switch rng.IntN(10) {
				case 0, 1: // across month ends
					p = figures.Period{From: midnight.AddDate(0, 0, -40), To: midnight.AddDate(0, 2, 0)}
				case 2: // whole months (China time), read from month rows alone
					first := time.Date(2026, time.Month(3+rng.IntN(2)), 1, 0, 0, 0, 0, midnight.Location())
					p = figures.Period{From: first, To: first.AddDate(0, 1+rng.IntN(3), 0)}
				case 3: // whole months and the ragged days around them
					first := time.Date(2026, time.Month(3+rng.IntN(2)), 1, 0, 0, 0, 0, midnight.Location())
					p = figures.Period{From: first.AddDate(0, 0, -rng.IntN(20)), To: first.AddDate(0, 1+rng.IntN(3), rng.IntN(20))}
				case 4, 5: // up to today: the live rows' own days (cases open, clocks running)
					y, m, d := w.clock.Now().In(midnight.Location()).Date()
					today := time.Date(y, m, d, 0, 0, 0, 0, midnight.Location())
					p = figures.Period{From: today.AddDate(0, 0, -rng.IntN(60)), To: today.AddDate(0, 0, 1)}
				}
				actor := readers[rng.IntN(len(readers))]
				what := fmt.Sprintf("%s query %d: %s %+v %s–%s", round, q, actor.Login, f, p.From, p.To)
				got, _, err := w.db.CaseFigures(ctx, actor, f, p)
				want, _, werr := w.db.RecountFigures(ctx, actor, f, p)
				if anju.ErrorCode(err) != anju.ErrorCode(werr) {
					t.Fatalf("%s: error %v, recount %v", what, err, werr)
				}
				if err != nil {
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s:\n got %s\nwant %s", what, figuresString(got), figuresString(want))
				}
				if v := want[figures.FirstPetitionSettled]; v.Known && v.Count < v.Of {
					firstPetitions = true
				}
				if q%3 == 0 {
					checkDashboard(t, w.db, what, actor, f, p, []store.FigureGroupBy{store.ByDay, store.ByWeek, store.ByMonth}[q%9/3])
				}
				if want[figures.Received].Count == 0 && q%4 != 0 {
					continue
				}
				for _, by := range []store.FigureGroupBy{store.ByDay, store.ByWeek, store.ByMonth, store.ByCategory,
					store.ByDepartment, store.ByRegion, store.ByGrid} {
					// Some figures only, at times, as dashboards and maps ask.
					var only []figures.Key
					if rng.IntN(3) == 0 {
						for _, k := range figures.Keys() {
							if rng.IntN(3) == 0 {
								only = append(only, k)
							}
						}
					}
					got, _, err := w.db.FigureGroups(ctx, actor, f, p, by, only...)
					want, _, werr := w.db.RecountFigureGroups(ctx, actor, f, p, by)
					if anju.ErrorCode(err) != anju.ErrorCode(werr) {
						t.Fatalf("%s by %s: error %v, recount %v", what, by, err, werr)
					}
					sameGroups(t, fmt.Sprintf("%s by %s %v", what, by, only), got, want, only)
				}
			}
		}
		check(t, "kept")
		if !firstPetitions {
			t.Errorf("no query counted the first petitions both settled and taken to review")
		}
		if _, err := w.db.RebuildFigures(ctx, "330100"); err != nil {
			t.Fatal(err)
		}
		check(t, "rebuilt")
	})
}

// sameGroups fails unless a split's parts are the recount's (only those
// figures, when only names some).
func sameGroups(t *testing.T, what string, got, want []store.FigureGroup, only []figures.Key) {
	t.Helper()
	if len(only) > 0 {
		for _, g := range want {
			for k := range g.Figures {
				if !slices.Contains(only, k) {
					delete(g.Figures, k)
				}
			}
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d parts %v, recount %d %v", what, len(got), groupKeys(got), len(want), groupKeys(want))
	}
	for i := range got {
		if got[i].Key != want[i].Key || got[i].Name != want[i].Name || got[i].Period != want[i].Period ||
			!reflect.DeepEqual(got[i].Figures, want[i].Figures) {
			t.Fatalf("%s, part %s:\n got %s\nwant %s", what, want[i].Key,
				figuresString(got[i].Figures), figuresString(want[i].Figures))
		}
	}
}

// checkDashboard holds a dashboard's answers, read at once and sharing
// their live rows (store.Dashboard), to the recount of each: the period,
// the one before and a year earlier, the trend and the splits.
func checkDashboard(t *testing.T, db *store.DB, what string, actor *anju.Actor, f store.FigureFilter, p figures.Period, trend store.FigureGroupBy) {
	t.Helper()
	ctx := context.Background()
	what += " (dashboard)"
	// The figures /dash shows in its tables.
	shown := []figures.Key{figures.Received, figures.OnTimeResolution}
	ranked := []figures.Key{figures.Received, figures.OnTimeResolution, figures.Satisfaction, figures.OverdueByAge, figures.ReopenRate}
	d, err := db.Dashboard(ctx, actor, store.DashboardAsk{Filter: f, Period: p, Trend: trend, Shown: shown, Ranked: ranked})
	_, _, werr := db.RecountFigures(ctx, actor, f, p)
	if anju.ErrorCode(err) != anju.ErrorCode(werr) {
		t.Fatalf("%s: error %v, recount %v", what, err, werr)
	}
	if err != nil {
		return
	}
	for _, c := range []struct {
		p   figures.Period
		got map[figures.Key]figures.Value
	}{{p, d.Now}, {d.Before, d.Prev}, {d.YearBefore, d.YearAgo}} {
		want, _, err := db.RecountFigures(ctx, actor, f, c.p)
		if err != nil {
			t.Fatalf("%s: recount of %s–%s: %v", what, c.p.From, c.p.To, err)
		}
		if !reflect.DeepEqual(c.got, want) {
			t.Fatalf("%s, period %s–%s:\n got %s\nwant %s", what, c.p.From, c.p.To, figuresString(c.got), figuresString(want))
		}
	}
	for _, c := range []struct {
		by   store.FigureGroupBy
		got  []store.FigureGroup
		only []figures.Key
	}{{trend, d.Trend, shown}, {store.ByCategory, d.Categories, shown}, {store.ByDepartment, d.Departments, ranked},
		{store.ByRegion, d.Regions, ranked}} {
		want, _, err := db.RecountFigureGroups(ctx, actor, f, p, c.by)
		if err != nil {
			t.Fatalf("%s: recount by %s: %v", what, c.by, err)
		}
		sameGroups(t, fmt.Sprintf("%s by %s", what, c.by), c.got, want, c.only)
	}
}

func groupKeys(gs []store.FigureGroup) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Key)
	}
	return out
}

func figuresString(vs map[figures.Key]figures.Value) string {
	var s string
	for _, k := range figures.Keys() {
		v := vs[k]
		s += fmt.Sprintf("\n  %s: known=%v %d/%d %v %v", k, v.Known, v.Count, v.Of, v.Duration, v.Parts)
	}
	return s
}

// TestRollupsBuiltAtOpen: a database whose cases have no facts (migrated
// from before the rollups) gets them when it is opened, and says so; the
// figures then answer as the recount does.
func TestRollupsBuiltAtOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		for range 3 {
			c, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
			if err != nil {
				t.Fatal(err)
			}
			w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		}
		for _, table := range []string{"case_facts", "figure_rollups", "figure_close_times"} {
			if _, err := w.db.SQL().Exec(`DELETE FROM ` + table); err != nil {
				t.Fatal(err)
			}
		}
		var logged []string
		db, err := store.Open(ctx, dsn, store.Options{Clock: w.clock, Logf: func(format string, args ...any) {
			logged = append(logged, fmt.Sprintf(format, args...))
		}})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if len(logged) != 1 || !strings.Contains(logged[0], "counted 3 cases of 330100") {
			t.Errorf("logged %q", logged)
		}
		p := figures.Period{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))}
		p.To = p.From.AddDate(0, 0, 7)
		got, _, err := db.CaseFigures(ctx, w.actors["dispatcher"], store.FigureFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		want, _, _ := db.RecountFigures(ctx, w.actors["dispatcher"], store.FigureFilter{}, p)
		if got[figures.Received].Count != 3 || !reflect.DeepEqual(got, want) {
			t.Errorf("after the rebuild at open:\n got %s\nwant %s", figuresString(got), figuresString(want))
		}
		// Opened again, there is nothing to count.
		logged = nil
		again, err := store.Open(ctx, dsn, store.Options{Clock: w.clock, Logf: func(format string, args ...any) {
			logged = append(logged, fmt.Sprintf(format, args...))
		}})
		if err != nil {
			t.Fatal(err)
		}
		again.Close()
		if len(logged) != 0 {
			t.Errorf("second open logged %q", logged)
		}
	})
}

// TestPairRollupsCountedAtOpen: the rollups of a database from before the
// pairs of region with category and department (migration 00047) are
// counted into them when the store opens, from case_facts, to the rows the
// case writes keep; and a district's figures by department read them.
func TestPairRollupsCountedAtOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		for i := range 4 {
			c, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
			if err != nil {
				t.Fatal(err)
			}
			w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
			if i%2 == 0 {
				w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-office"})
			}
			w.clock.Advance(26 * time.Hour)
		}
		// The rows that count a case (a case moved to another department
		// leaves its old row at 0, which a count does not write).
		pairRows := func(db *store.DB) []string {
			t.Helper()
			var out []string
			for _, q := range []string{
				`SELECT dim, key, grain, day, kind, received, handled, open_settled FROM figure_rollups
					WHERE dim IN ('department.category', 'region.category', 'region.department') AND received <> 0 ORDER BY dim, key, grain, day, kind`,
				`SELECT dim, key, grain, day, kind, hours, cases, 0 FROM figure_close_times
					WHERE dim IN ('department.category', 'region.category', 'region.department') AND cases <> 0 ORDER BY dim, key, grain, day, kind, hours`,
			} {
				rows, err := db.SQL().Query(q)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var dim, key, grain, kind string
					var day, a, b, c int64
					if err := rows.Scan(&dim, &key, &grain, &day, &kind, &a, &b, &c); err != nil {
						t.Fatal(err)
					}
					out = append(out, fmt.Sprint(dim, key, grain, day, kind, a, b, c))
				}
				rows.Close()
			}
			return out
		}
		kept := pairRows(w.db)
		if !slices.ContainsFunc(kept, func(r string) bool { return strings.HasPrefix(r, "region.department330102001|a-office") }) {
			t.Fatalf("no pair row of street 330102001 with a-office among %q", kept)
		}
		// As a database migrated to 00047 stands: no pair rows, its city
		// listed.
		for _, q := range []string{`DELETE FROM figure_rollups WHERE dim IN ('department.category', 'region.category', 'region.department')`,
			`DELETE FROM figure_close_times WHERE dim IN ('department.category', 'region.category', 'region.department')`,
			`INSERT INTO figure_pairs_uncounted (city) VALUES ('330100')`} {
			if _, err := w.db.SQL().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		var logged []string
		logf := func(format string, args ...any) { logged = append(logged, fmt.Sprintf(format, args...)) }
		db, err := store.Open(ctx, dsn, store.Options{Clock: w.clock, Logf: logf})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if len(logged) != 1 || !strings.Contains(logged[0], "counted 4 cases of 330100 by region and category or department") {
			t.Errorf("logged %q", logged)
		}
		if got := pairRows(db); !slices.Equal(got, kept) {
			t.Errorf("pair rows counted at open:\n%q\nkept by the writes:\n%q", got, kept)
		}
		p := figures.Period{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))}
		p.To = p.From.AddDate(0, 0, 14)
		f := store.FigureFilter{Region: "330102", Department: "a-office"}
		got, _, err := db.CaseFigures(ctx, w.actors["dispatcher"], f, p)
		if err != nil {
			t.Fatal(err)
		}
		want, _, _ := db.RecountFigures(ctx, w.actors["dispatcher"], f, p)
		if got[figures.Received].Count != 2 || !reflect.DeepEqual(got, want) {
			t.Errorf("district 330102, department a-office:\n got %s\nwant %s", figuresString(got), figuresString(want))
		}
		// Opened again, there is nothing to count.
		logged = nil
		again, err := store.Open(ctx, dsn, store.Options{Clock: w.clock, Logf: logf})
		if err != nil {
			t.Fatal(err)
		}
		again.Close()
		if len(logged) != 0 {
			t.Errorf("second open logged %q", logged)
		}
	})
}
