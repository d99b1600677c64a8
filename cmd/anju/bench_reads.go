package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/store"
)

// runBenchReads times the reads people wait on, on the demo city grown (as
// bench search grows it) to --cases: the workbench's lists and queues for a
// city-wide dispatcher and a street's grid worker, pages deep into them by
// key, a case page, search, hotspots, warnings and the dashboard's figures.
// Each is the store call its handler makes, with the same actor, and the
// JSON encoding of its answer.
func runBenchReads(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("bench reads", env)
	af := addAppFlags(fs, env)
	n := fs.Int("cases", 2_000_000, "cases the city should hold")
	runs := fs.Int("runs", 40, "timed runs of each read")
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	if *n < 1 || *n > 50_000_000 || *runs < 1 || *runs > 10_000 {
		return usageError("bench reads: --cases must be 1–50,000,000 and --runs 1–10,000")
	}
	db, err := openApp(ctx, env, af, true)
	if err != nil {
		return err
	}
	defer db.Close()
	city, have, err := benchCity(ctx, env, db, *n)
	if err != nil {
		return err
	}
	reads, err := benchReads(ctx, db, city)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%d cases in city %s; %d runs of each read\n", have, city, *runs)
	worst, slowest := 0.0, ""
	for _, r := range reads {
		// One untimed read first: the first of a kind loads what later
		// ones find cached (the city's words, its taxonomy).
		if _, err := r.read(ctx); err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		lat := make([]float64, 0, *runs)
		for range *runs {
			t0 := time.Now()
			v, err := r.read(ctx)
			if err == nil {
				_, err = json.Marshal(v)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			lat = append(lat, ms(time.Since(t0)))
		}
		slices.Sort(lat)
		at := func(p int) float64 { return lat[min(len(lat)-1, len(lat)*p/100)] }
		if at(95) > worst {
			worst, slowest = at(95), r.name
		}
		fmt.Fprintf(env.stdout, "%-64s p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms\n", r.name, at(50), at(95), at(99))
	}
	fmt.Fprintf(env.stdout, "cases=%d p95_ms_max=%.1f slowest=%s\n", have, worst, slowest)
	return nil
}

// deepPage is how many pages bench reads follows a list's cursor.
const deepPage = 50

// benchReads are the reads bench reads times, for the city's dispatcher and
// a grid worker of its first street.
func benchReads(ctx context.Context, db *store.DB, city string) ([]benchPage, error) {
	users, err := db.ListUsers(ctx, anju.SystemActor("bench"))
	if err != nil {
		return nil, err
	}
	var dispatcher *anju.Actor
	for _, u := range users {
		if u.Login == "dispatcher" && u.City == city {
			dispatcher = userActor(u)
		}
	}
	if dispatcher == nil {
		return nil, fmt.Errorf("bench reads: the demo's dispatcher is missing")
	}
	street, err := streetWorker(ctx, db, city)
	if err != nil {
		return nil, err
	}
	list := func(name string, a *anju.Actor, f store.CaseFilter) benchPage {
		return benchPage{name, func(ctx context.Context) (any, error) { return db.ListCases(ctx, a, f) }}
	}
	var reads []benchPage
	who := []struct {
		name string
		a    *anju.Actor
	}{{"city dispatcher", dispatcher}, {"street grid worker", street}}
	for _, w := range who {
		a := w.a
		reads = append(reads, list("list: "+w.name+", newest", a, store.CaseFilter{}),
			list("list: "+w.name+", by deadline", a, store.CaseFilter{Order: cases.OrderTimeLeft}),
			benchPage{"queue counts: " + w.name, func(ctx context.Context) (any, error) { return db.QueueCounts(ctx, a, store.CaseFilter{}) }})
		for _, d := range cases.QueuesFor(rolesOf(a)...) {
			reads = append(reads, list("queue "+string(d.Queue)+": "+w.name, a, store.CaseFilter{Queue: d.Queue}))
		}
		for _, o := range []cases.Order{cases.OrderNewest, cases.OrderTimeLeft} {
			cur, err := cursorAt(ctx, db, a, store.CaseFilter{Order: o}, deepPage)
			if err != nil {
				return nil, err
			}
			reads = append(reads, list(fmt.Sprintf("list: %s, %s, page %d by key", w.name, o, deepPage), a, store.CaseFilter{Order: o, Cursor: cur}))
		}
	}

	// The dispatcher's filters: a state open and one closed, overdue, a
	// department, a street, the workbench's text field.
	dept, err := aDepartment(ctx, db, dispatcher)
	if err != nil {
		return nil, err
	}
	streetCode := street.Grants[0].Region
	for _, f := range []struct {
		name string
		f    store.CaseFilter
	}{
		{"state dispatched", store.CaseFilter{State: cases.StateDispatched}},
		{"state rated", store.CaseFilter{State: cases.StateRated}},
		{"overdue", store.CaseFilter{Overdue: true}},
		{"department " + dept, store.CaseFilter{Department: dept}},
		{"street " + streetCode, store.CaseFilter{Region: streetCode}},
		{"street " + streetCode + ", state rated", store.CaseFilter{Region: streetCode, State: cases.StateRated}},
		{"department " + dept + ", overdue, by deadline", store.CaseFilter{Department: dept, Overdue: true, Order: cases.OrderTimeLeft}},
		{"text " + commonWord, store.CaseFilter{Text: commonWord}},
	} {
		reads = append(reads, list("list: city dispatcher, "+f.name, dispatcher, f.f))
	}

	// A case page: the case, its history and the open cases like it, as
	// /work/cases/{id} reads them, for the newest case and a rated one.
	for _, f := range []struct {
		name string
		f    store.CaseFilter
	}{{"newest case", store.CaseFilter{PageSize: 1}}, {"rated case", store.CaseFilter{State: cases.StateRated, PageSize: 1}}} {
		l, err := db.ListCases(ctx, dispatcher, f.f)
		if err != nil || len(l.Cases) == 0 {
			return nil, fmt.Errorf("bench reads: no %s: %v", f.name, err)
		}
		id := l.Cases[0].ID
		reads = append(reads, benchPage{"case page (case, history, similar): " + f.name, func(ctx context.Context) (any, error) {
			c, err := db.GetCase(ctx, dispatcher, id)
			if err != nil {
				return nil, err
			}
			h, err := db.History(ctx, dispatcher, id)
			if err != nil {
				return nil, err
			}
			s, err := db.SimilarCases(ctx, dispatcher, id, 5)
			return []any{c, h, s}, err
		}})
	}

	// Search: a word of a quarter of the texts, a category's name, and two
	// words that few cases hold together (a place and a category).
	category, rare, err := searchedWords(ctx, db, city)
	if err != nil {
		return nil, err
	}
	for _, w := range who {
		a := w.a
		for _, q := range []string{commonWord, category, rare} {
			for _, sort := range []string{"relevance", "time"} {
				sq := store.SearchQuery{Q: q, Sort: sort}
				reads = append(reads, benchPage{fmt.Sprintf("search by %s: %s, %s", sort, w.name, q), func(ctx context.Context) (any, error) {
					return db.SearchCases(ctx, a, sq)
				}})
			}
		}
	}

	reads = append(reads,
		benchPage{"hotspots: city dispatcher, 30 days", func(ctx context.Context) (any, error) {
			return db.Hotspots(ctx, dispatcher, store.HotspotFilter{})
		}},
		benchPage{"hotspots: street grid worker, 30 days", func(ctx context.Context) (any, error) {
			return db.Hotspots(ctx, street, store.HotspotFilter{})
		}},
		benchPage{"warnings: city dispatcher", func(ctx context.Context) (any, error) {
			return db.ListWarnings(ctx, dispatcher, store.WarningFilter{})
		}},
		benchPage{"warnings: street grid worker, open", func(ctx context.Context) (any, error) {
			return db.ListWarnings(ctx, street, store.WarningFilter{State: "open"})
		}})
	figs, err := figureReads(ctx, db, dispatcher, city)
	if err != nil {
		return nil, err
	}
	reads = append(reads, figs...)
	return append(reads, staffDashboards(db, users, city, street)...), nil
}

// staffDashboards are /dash as it opens for the staff below the city's
// dispatchers: its default 30 days by day, each split with the figures
// its table shows, for the demo's first district and street dispatcher,
// a street's mediator (who also mediates for the street's committee), a
// city department's handler, and the street's grid worker.
func staffDashboards(db *store.DB, users []store.User, city string, street *anju.Actor) []benchPage {
	y, m, d := time.Now().In(httpx.ChinaTime).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, httpx.ChinaTime)
	ask := store.DashboardAsk{Period: figures.Period{From: today.AddDate(0, 0, 1-store.DefaultFigureDays), To: today.AddDate(0, 0, 1)},
		Trend: store.ByDay, Shown: []figures.Key{figures.Received, figures.OnTimeResolution},
		Ranked: []figures.Key{figures.Received, figures.OnTimeResolution, figures.Satisfaction, figures.OverdueByAge, figures.ReopenRate}}
	// The first user by login all of whose grants are of role, at a
	// region of depth (1: the city); with department, one or more of them
	// for a department there.
	first := func(role anju.Role, depth int, department bool) *anju.Actor {
		var found *anju.Actor
		for _, u := range users {
			if u.City != city || len(u.Grants) == 0 || found != nil && u.Login >= found.Login {
				continue
			}
			fits, departments := true, 0
			for _, g := range u.Grants {
				fits = fits && g.Role == role && strings.Count(g.RegionPath, "/")-1 == depth && (department || g.Department == "")
				if g.Department != "" {
					departments++
				}
			}
			if fits && (departments > 0) == department {
				found = userActor(u)
			}
		}
		return found
	}
	var out []benchPage
	for _, w := range []struct {
		name string
		a    *anju.Actor
	}{
		{"district dispatcher", first(anju.RoleDispatcher, 2, false)},
		{"street dispatcher", first(anju.RoleDispatcher, 3, false)},
		{"street mediator", first(anju.RoleMediator, 3, true)},
		{"city department handler", first(anju.RoleHandler, 1, true)},
		{"street grid worker", street},
	} {
		if w.a == nil {
			continue // not in this city's demo
		}
		a := w.a
		out = append(out, benchPage{"dashboard: " + w.name + " (" + a.Login + "), 30 days (3 periods; by day, category, department, region)",
			func(ctx context.Context) (any, error) { return db.Dashboard(ctx, a, ask) }})
	}
	return out
}

// commonWord is in a quarter of generated texts (bench.go's benchDetails).
const commonWord = "尽快"

// cursorAt follows the cursor of a's list f to the start of page n, or to
// its last page when it has fewer.
func cursorAt(ctx context.Context, db *store.DB, a *anju.Actor, f store.CaseFilter, n int) (string, error) {
	for range n - 1 {
		l, err := db.ListCases(ctx, a, f)
		if err != nil {
			return "", err
		}
		if l.Next == "" {
			break
		}
		f.Cursor = l.Next
	}
	return f.Cursor, nil
}

// aDepartment is the department of the most of the dispatcher's newest
// cases, or, when none has one (generated cases have none), the city's
// first department.
func aDepartment(ctx context.Context, db *store.DB, a *anju.Actor) (string, error) {
	l, err := db.ListCases(ctx, a, store.CaseFilter{PageSize: 200})
	if err != nil {
		return "", err
	}
	count := map[string]int{}
	best := ""
	for _, c := range l.Cases {
		if c.Department == "" {
			continue
		}
		count[c.Department]++
		if count[c.Department] > count[best] || count[c.Department] == count[best] && c.Department < best {
			best = c.Department
		}
	}
	if best != "" {
		return best, nil
	}
	ds, err := db.ListDepartments(ctx, a, store.DepartmentFilter{})
	if err != nil || len(ds) == 0 {
		return "", fmt.Errorf("bench reads: the city has no departments: %v", err)
	}
	return ds[0].Code, nil
}

// searchedWords are the name of the city's first category, which a share
// of generated cases hold, and words that few of them hold together: the
// first grid's place and that name.
func searchedWords(ctx context.Context, db *store.DB, city string) (string, string, error) {
	grids, err := db.Grids(ctx, city)
	if err != nil || len(grids) == 0 {
		return "", "", fmt.Errorf("bench reads: the city has no grids: %v", err)
	}
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return "", "", err
	}
	leaves := tree.Leaves()
	if len(leaves) == 0 {
		return "", "", fmt.Errorf("bench reads: the city has no categories")
	}
	place, _, _ := strings.Cut(grids[0].Name, "第")
	return leaves[0].Name, place + " " + leaves[0].Name, nil
}
