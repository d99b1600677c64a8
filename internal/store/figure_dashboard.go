package store

import (
	"context"
	"slices"
	"sync"

	"anju/internal/anju"
	"anju/internal/figures"
)

// DashboardAsk is what a dashboard reads: every figure over a filter for
// its period, the period before it and the same period a year earlier;
// the period's trend (split by Trend: day, week or month); and its
// category, department and region splits, each holding only the figures
// its table shows (Shown for the trend and categories, Ranked for the
// rankings).
type DashboardAsk struct {
	Filter        FigureFilter
	Period        figures.Period
	Trend         FigureGroupBy
	Shown, Ranked []figures.Key
}

// Dashboard is the answer to a DashboardAsk.
type Dashboard struct {
	Before, YearBefore   figures.Period
	Now, Prev, YearAgo   map[figures.Key]figures.Value
	Trend, Categories    []FigureGroup
	Departments, Regions []FigureGroup
}

// Dashboard reads ask's seven answers at once, each a read of its own, so
// that a dashboard waits for the slowest rather than their sum. The error
// is the first one's (CaseFigures' or FigureGroups').
func (db *DB) Dashboard(ctx context.Context, actor *anju.Actor, ask DashboardAsk) (Dashboard, error) {
	p := ask.Period
	days := int((p.To.Sub(p.From).Hours() + 12) / 24)
	d := Dashboard{Before: figures.Period{From: p.From.AddDate(0, 0, -days), To: p.From},
		YearBefore: figures.Period{From: p.From.AddDate(-1, 0, 0), To: p.To.AddDate(-1, 0, 0)}}
	// The figures hold for one moment, and the live rows of the filter
	// by day are read once for the periods and the trend.
	sh := &figureShare{now: db.clock.Now(), to: p.To}
	var wg sync.WaitGroup
	errs := make([]error, 7)
	for i, c := range []struct {
		p    figures.Period
		into *map[figures.Key]figures.Value
	}{{p, &d.Now}, {d.Before, &d.Prev}, {d.YearBefore, &d.YearAgo}} {
		wg.Go(func() { *c.into, _, errs[i] = db.caseFigures(ctx, actor, ask.Filter, c.p, sh) })
	}
	for i, s := range []struct {
		by   FigureGroupBy
		only []figures.Key
		into *[]FigureGroup
	}{{ask.Trend, ask.Shown, &d.Trend}, {ByCategory, ask.Shown, &d.Categories}, {ByDepartment, ask.Ranked, &d.Departments},
		{ByRegion, ask.Ranked, &d.Regions}} {
		wg.Go(func() { *s.into, _, errs[3+i] = db.figureGroupsOnly(ctx, actor, ask.Filter, p, s.by, s.only, sh) })
	}
	wg.Wait()
	if i := slices.IndexFunc(errs, func(e error) bool { return e != nil }); i >= 0 {
		return d, errs[i]
	}
	return d, nil
}
