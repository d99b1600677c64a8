package store

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/store/storetest"
)

// TestFigureReadPlans explains every query a city's dashboard and a
// district's grid map make, on both engines: none reads the cases (the
// rollups and case_facts answer), and none reads a figure table whole: on
// SQLite no plan step is a SCAN of one or a city's whole part of it (an
// index searched by the city alone), on PostgreSQL (sequential scans off,
// as explain sets) no Seq Scan of one is left; and the settled piles are
// read from their covering index.
func TestFigureReadPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, actors := planWorld(t, dsn)
		var mu sync.Mutex
		type query struct {
			q    string
			args []any
		}
		var seen []query
		db.queried = func(q string, args []any) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, query{q, args})
		}
		today := time.Date(2026, 12, 4, 0, 0, 0, 0, httpx.ChinaTime)
		year := figures.Period{From: today.AddDate(-1, 0, 1), To: today.AddDate(0, 0, 1)}
		month := figures.Period{From: today.AddDate(0, 0, -29), To: today.AddDate(0, 0, 1)}
		if _, err := db.Dashboard(ctx, actors["dispatcher"], DashboardAsk{Period: year, Trend: ByMonth,
			Shown: []figures.Key{figures.Received, figures.OnTimeResolution}, Ranked: []figures.Key{figures.Received, figures.OverdueByAge}}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []figures.Period{month, year} {
			if _, _, err := db.FigureGroups(ctx, actors["dispatcher"], FigureFilter{Region: "330102"}, p, ByGrid,
				figures.Received, figures.BacklogByAge, figures.OnTimeResolution); err != nil {
				t.Fatal(err)
			}
		}
		// A district's and a street grid worker's dashboards: their splits by
		// category and department come from the pairs' rollup rows
		// (migration 00047; reading the region's case facts took 33 s for
		// a district at 10,000,000 cases), and their live rows are
		// gathered by their path, not the city's.
		mu.Lock()
		cityWide := len(seen)
		mu.Unlock()
		ask := DashboardAsk{Period: year, Trend: ByMonth, Shown: []figures.Key{figures.Received, figures.OnTimeResolution},
			Ranked: []figures.Key{figures.Received, figures.OverdueByAge}}
		district := ask
		district.Filter = FigureFilter{Region: "330102"}
		if _, err := db.Dashboard(ctx, actors["dispatcher"], district); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Dashboard(ctx, actors["worker"], ask); err != nil {
			t.Fatal(err)
		}
		// A department's handler, and a street's mediator who also works for
		// its committee (a department within the street): the rollups of
		// the department with its street, and of the street.
		mediator := &anju.Actor{UserID: 6, City: "330100", Grants: []anju.Grant{
			{Role: anju.RoleMediator, RegionPath: "/330100/330102/330102001/"},
			{Role: anju.RoleMediator, Department: "a-office", RegionPath: "/330100/330102/330102001/"}}}
		var oneByOne []int // the reads of each dashboard that may read case facts one by one: [from, to)
		for _, a := range []*anju.Actor{actors["handler"], mediator} {
			mu.Lock()
			from := len(seen)
			mu.Unlock()
			if _, err := db.Dashboard(ctx, a, ask); err != nil {
				t.Fatal(err)
			}
			if a == actors["handler"] {
				// A street's department by category or community: three keys.
				mu.Lock()
				oneByOne = append(oneByOne, from, len(seen))
				mu.Unlock()
			}
		}
		// A city department's handler: the reach is the city's root, and
		// only the department narrows it.
		mu.Lock()
		beforeCityDepartment := len(seen)
		mu.Unlock()
		cityHandler := &anju.Actor{UserID: 7, City: "330100", Grants: []anju.Grant{
			{Role: anju.RoleHandler, Department: "a-office", RegionPath: cityPath("330100")}}}
		if _, err := db.Dashboard(ctx, cityHandler, ask); err != nil {
			t.Fatal(err)
		}
		db.queried = nil
		for _, s := range seen[beforeCityDepartment:] {
			if db.dialect.name() != "sqlite" || !strings.Contains(s.q, "FROM case_facts") {
				continue
			}
			if plan := explain(t, db, s.q, s.args...); !strings.Contains(plan, "department=?") {
				t.Errorf("a city department's facts are not gathered by the department:\n%s\n%s", s.q, plan)
			}
		}
		engine, figureReads, regionFacts := db.dialect.name(), 0, 0
		for i, s := range seen[cityWide:] {
			// Every case's facts of the reach in the period, one by one.
			if i += cityWide; strings.Contains(s.q, "OR c.flags <> 0") && !(i >= oneByOne[0] && i < oneByOne[1]) {
				t.Errorf("a dashboard below the city reads its case facts one by one, not its rollups:\n%s", s.q)
			}
			if engine != "sqlite" || !strings.Contains(s.q, "FROM case_facts") {
				continue
			}
			regionFacts++
			plan := explain(t, db, s.q, s.args...)
			if !strings.Contains(plan, "region_path>?") && !strings.Contains(plan, "department=?") ||
				strings.Contains(plan, "case_facts_city_created") {
				t.Errorf("a region's or a department's facts are not gathered by their path or department:\n%s\n%s", s.q, plan)
			}
		}
		if engine == "sqlite" && regionFacts < 2 {
			t.Errorf("only %d reads of a region's facts were seen", regionFacts)
		}
		for _, s := range seen {
			if strings.Contains(s.q, "FROM cases") || strings.Contains(s.q, "JOIN cases") {
				t.Errorf("a figure read reads the cases: %s", s.q)
			}
			if !strings.Contains(s.q, "figure_") && !strings.Contains(s.q, "case_facts") {
				continue // the regions, taxonomy and the like
			}
			figureReads++
			plan := explain(t, db, s.q, s.args...)
			// The settled piles are read from their own index, on SQLite
			// never leaving it (migration 00032: it carries open_settled).
			if strings.Contains(s.q, "open_settled <> 0") && (!strings.Contains(plan, "figure_rollups_settled_cover") ||
				engine == "sqlite" && !strings.Contains(plan, "COVERING INDEX")) {
				t.Errorf("the settled piles are not read from their covering index:\n%s\n%s", s.q, plan)
			}
			for _, line := range strings.Split(plan, "\n") {
				if engine == "sqlite" && (strings.HasPrefix(strings.TrimSpace(line), "SCAN ") || strings.Contains(line, "(city=?)")) ||
					engine == "postgres" && strings.Contains(line, "Seq Scan") {
					t.Errorf("the plan reads a table whole (%s):\n%s\n%s", strings.TrimSpace(line), s.q, plan)
				}
			}
		}
		if figureReads < 10 {
			t.Errorf("only %d figure reads were explained", figureReads)
		}
	})
}
