package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"anju/internal/anju"
	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/region"
	"anju/internal/store"
)

// runBenchFigures times the figures as the dashboard and the maps ask for
// them, on the demo city grown (as bench search grows it) to --cases.
func runBenchFigures(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("bench figures", env)
	af := addAppFlags(fs, env)
	n := fs.Int("cases", 0, "grow the city to this many cases first (0: as it is)")
	runs := fs.Int("runs", 20, "times to run each")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed runs to this file")
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	if *n < 0 || *n > 50_000_000 || *runs < 1 || *runs > 10_000 {
		return usageError("bench figures: --cases must be 0–50,000,000 and --runs 1–10,000")
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
	users, err := db.ListUsers(ctx, anju.SystemActor("bench"))
	if err != nil {
		return err
	}
	var actor *anju.Actor
	for _, u := range users {
		if u.Login == "dispatcher" {
			actor = userActor(u)
		}
	}
	if actor == nil {
		return fmt.Errorf("bench figures: the demo's dispatcher is missing")
	}
	benches, err := figureReads(ctx, db, actor, city)
	if err != nil {
		return err
	}
	// The start's garbage (the search's dictionary loaded by benchCity,
	// ≈ 400 MB) is collected now, not by a collection of a 150 MB heap
	// during the first timed reads: that made the dashboard's slowest
	// run twice its median.
	runtime.GC()
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	var dashP50, dashP95, mapP50, mapP95 float64
	for i, b := range benches {
		var lat []float64
		for range *runs {
			t0 := time.Now()
			var err error
			// Labelled, so that a profile tells the reads apart (go tool
			// pprof -tagfocus 'bench=choropleth').
			pprof.Do(ctx, pprof.Labels("bench", b.name), func(ctx context.Context) { _, err = b.read(ctx) })
			if err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
			lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
		}
		slices.Sort(lat)
		p50, p95 := lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*95/100)]
		fmt.Fprintf(env.stdout, "%s: p50 %.1f ms, p95 %.1f ms over %d runs\n", b.name, p50, p95, len(lat))
		switch i {
		case 0:
			dashP50, dashP95 = p50, p95
		case 2:
			mapP50, mapP95 = p50, p95
		}
	}
	fmt.Fprintf(env.stdout, "cases=%d dashboard_p50_ms=%.1f dashboard_p95_ms=%.1f choropleth_p50_ms=%.1f choropleth_p95_ms=%.1f\n",
		have, dashP50, dashP95, mapP50, mapP95)
	return nil
}

// figureReads are the figures as the dashboard and the maps ask for them,
// for actor in city: the dashboard first, a district's grid map over 30 days
// third (bench figures sums them up).
func figureReads(ctx context.Context, db *store.DB, actor *anju.Actor, city string) ([]benchPage, error) {
	tree, err := db.CityTree(ctx, city)
	if err != nil {
		return nil, err
	}
	var district string
	for code, r := range tree {
		if r.Level == region.LevelDistrict && (district == "" || code < district) {
			district = code
		}
	}
	// The dashboard's periods: the last 365 days to today, the 365 days
	// before, and the same days a year earlier; the month before today
	// for the maps.
	y, m, d := time.Now().In(httpx.ChinaTime).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, httpx.ChinaTime)
	year := figures.Period{From: today.AddDate(-1, 0, 1), To: today.AddDate(0, 0, 1)}
	month := figures.Period{From: today.AddDate(0, 0, -29), To: today.AddDate(0, 0, 1)}
	whole := store.FigureFilter{}
	groups := func(f store.FigureFilter, p figures.Period, by store.FigureGroupBy) func(context.Context) (any, error) {
		return func(ctx context.Context) (any, error) {
			g, _, err := db.FigureGroups(ctx, actor, f, p, by)
			return g, err
		}
	}
	// The grid map (/dash/map) reads the figures its popups show.
	gridMap := func(f store.FigureFilter, p figures.Period) func(context.Context) (any, error) {
		return func(ctx context.Context) (any, error) {
			g, _, err := db.FigureGroups(ctx, actor, f, p, store.ByGrid, figures.Received, figures.OverdueByAge, figures.BacklogByAge,
				figures.OnTimeResponse, figures.OnTimeResolution, figures.Satisfaction)
			return g, err
		}
	}
	benches := []benchPage{
		{"dashboard: whole city, a year (3 periods; by month, category, department, region; as /dash reads them: at once, each split with the figures its table shows)", func(ctx context.Context) (any, error) {
			return db.Dashboard(ctx, actor, store.DashboardAsk{Filter: whole, Period: year, Trend: store.ByMonth,
				Shown:  []figures.Key{figures.Received, figures.OnTimeResolution},
				Ranked: []figures.Key{figures.Received, figures.OnTimeResolution, figures.Satisfaction, figures.OverdueByAge, figures.ReopenRate}})
		}},
		{"figures: whole city, a year", func(ctx context.Context) (any, error) {
			f, _, err := db.CaseFigures(ctx, actor, whole, year)
			return f, err
		}},
		{"choropleth: a district's grids, 30 days", gridMap(store.FigureFilter{Region: district}, month)},
		{"choropleth: a district's grids, a year", gridMap(store.FigureFilter{Region: district}, year)},
		{"trend: whole city by day, a year", groups(whole, year, store.ByDay)},
	}
	for _, by := range []store.FigureGroupBy{store.ByMonth, store.ByCategory, store.ByDepartment, store.ByRegion} {
		benches = append(benches, benchPage{"split: whole city by " + string(by) + ", a year", groups(whole, year, by)})
	}
	return benches, nil
}
