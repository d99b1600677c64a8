package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/figures"
	"anju/internal/httpx"
)

// FigureGroupBy names how FigureGroups splits the cases of a filter.
type FigureGroupBy string

const (
	// By time: the period cut into days, weeks (Monday to Sunday) or
	// calendar months, China Standard Time, the first and last cut to the
	// period. Each part's figures are those of a period of its own.
	ByDay   FigureGroupBy = "day"
	ByWeek  FigureGroupBy = "week"
	ByMonth FigureGroupBy = "month"
	// ByCategory: one level below the filter's category (the top-level
	// groups without one; a leaf is its own only part).
	ByCategory FigureGroupBy = "category"
	// ByDepartment: the department holding the case; Key "" for none.
	ByDepartment FigureGroupBy = "department"
	// ByRegion: one level below the filter's region, or below the top of
	// the reader's reach without one.
	ByRegion FigureGroupBy = "region"
	// ByGrid: the case's grid.
	ByGrid FigureGroupBy = "grid"
)

// Valid reports whether by is one of the groupings.
func (by FigureGroupBy) Valid() bool {
	switch by {
	case ByDay, ByWeek, ByMonth, ByCategory, ByDepartment, ByRegion, ByGrid:
		return true
	}
	return false
}

// FigureGroup is one part of a split: its key (a day as YYYY-MM-DD, a week
// or month by its first day within the period, a category, department or
// region code), its name (and English name where there is one), and every
// figure over the part. Period is the part's own period for time splits,
// the whole period otherwise.
type FigureGroup struct {
	Key     string
	Name    string
	NameEn  string
	Period  figures.Period
	Figures map[figures.Key]figures.Value
}

// RecountFigureGroups is FigureGroups by full recount (RecountFigures), the
// reference its rollups are checked against.
func (db *DB) RecountFigureGroups(ctx context.Context, actor *anju.Actor, f FigureFilter, p figures.Period, by FigureGroupBy) ([]FigureGroup, time.Time, error) {
	if !by.Valid() {
		return nil, time.Time{}, anju.FieldError("by", "unknown grouping %q (day, week, month, category, department, region or grid)", by)
	}
	cs, dims, err := db.caseFigureFacts(ctx, actor, f, p)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := db.clock.Now()
	switch by {
	case ByDay, ByWeek, ByMonth:
		// Each part computes over its own cases and the cases still open
		// that came before it (the piles), not over all of them again.
		parts := splitPeriod(p, by)
		in := make([][]figures.Case, len(parts))
		var carried []figures.Case
		for _, c := range cs {
			i, ok := slices.BinarySearchFunc(parts, c.CreatedAt, func(part figures.Period, t time.Time) int {
				switch {
				case !t.Before(part.To):
					return -1
				case t.Before(part.From):
					return 1
				}
				return 0
			})
			switch {
			case ok:
				in[i] = append(in[i], c)
			case c.State.Open() && c.CreatedAt.Before(p.From):
				carried = append(carried, c)
			}
		}
		out := make([]FigureGroup, 0, len(parts))
		for i, part := range parts {
			all := append(slices.Clip(carried), in[i]...)
			out = append(out, FigureGroup{Key: part.From.In(httpx.ChinaTime).Format(time.DateOnly), Period: part,
				Figures: figures.Compute(all, part, now)})
			for _, c := range in[i] {
				if c.State.Open() {
					carried = append(carried, c)
				}
			}
		}
		return out, now, nil
	}
	key, name, err := db.groupKeys(ctx, actor, f, by)
	if err != nil {
		return nil, time.Time{}, err
	}
	parts := map[string][]figures.Case{}
	for i := range cs {
		k, ok := key(dims[i])
		if ok {
			parts[k] = append(parts[k], cs[i])
		}
	}
	out := make([]FigureGroup, 0, len(parts))
	for k, part := range parts {
		g := FigureGroup{Key: k, Period: p, Figures: figures.Compute(part, p, now)}
		g.Name, g.NameEn = name(k)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b FigureGroup) int { return cmp.Compare(a.Key, b.Key) })
	return out, now, nil
}

// groupKeys returns, for a split by place, category or department, the
// part a case belongs to (false: none of the split's parts) and the names
// of a part.
func (db *DB) groupKeys(ctx context.Context, actor *anju.Actor, f FigureFilter, by FigureGroupBy) (func(caseDims) (string, bool), func(string) (string, string), error) {
	switch by {
	case ByCategory:
		tree, err := db.Taxonomy(ctx, actor.City)
		if err != nil {
			return nil, nil, err
		}
		under := tree.Roots()
		if f.Category != "" {
			under = tree.Children(f.Category)
			if len(under) == 0 {
				if c, err := tree.Get(f.Category); err == nil {
					under = append(under, c)
				}
			}
		}
		names := map[string][2]string{}
		var codes []string
		for _, c := range under {
			names[c.Code] = [2]string{c.Name, c.NameEn}
			codes = append(codes, c.Code)
		}
		return func(d caseDims) (string, bool) {
				for _, code := range codes {
					if strings.HasPrefix(d.category, code) {
						return code, true
					}
				}
				return "", false
			}, func(k string) (string, string) {
				n := names[k]
				return n[0], n[1]
			}, nil
	case ByDepartment:
		places, err := db.departmentPlaces(ctx, db, actor.City)
		if err != nil {
			return nil, nil, err
		}
		return func(d caseDims) (string, bool) { return d.department, true },
			func(k string) (string, string) { return places[k].name, "" }, nil
	}
	tree, err := db.placesOf(ctx, actor.City)
	if err != nil {
		return nil, nil, err
	}
	name := func(k string) (string, string) { return tree[k].name, "" }
	if by == ByGrid {
		return func(d caseDims) (string, bool) {
			codes := splitPath(d.path)
			if len(codes) == 0 {
				return "", false
			}
			return codes[len(codes)-1], true
		}, name, nil
	}
	// One level below the filter's region, or below the top of the
	// reader's reach: the first level where the reach divides.
	depth := 0
	if f.Region != "" {
		r, err := db.GetRegion(ctx, actor, f.Region)
		if err != nil {
			return nil, nil, err
		}
		depth = len(splitPath(r.Path))
	} else if tops, err := db.ScopeRegions(ctx, actor, 0); err != nil {
		return nil, nil, err
	} else if len(tops) == 1 {
		depth = len(splitPath(tops[0].Path))
	} else {
		depth = 1 // the city's own districts
	}
	return func(d caseDims) (string, bool) {
		codes := splitPath(d.path)
		if depth >= len(codes) {
			return "", false
		}
		return codes[depth], true
	}, name, nil
}

// splitPeriod cuts p into days, weeks or months of China Standard Time.
func splitPeriod(p figures.Period, by FigureGroupBy) []figures.Period {
	var out []figures.Period
	for from := p.From; from.Before(p.To); {
		d := from.In(httpx.ChinaTime)
		y, m, day := d.Date()
		start := time.Date(y, m, day, 0, 0, 0, 0, httpx.ChinaTime)
		var next time.Time
		switch by {
		case ByDay:
			next = start.AddDate(0, 0, 1)
		case ByWeek:
			next = start.AddDate(0, 0, 7-(int(start.Weekday())+6)%7)
		default:
			next = time.Date(y, m+1, 1, 0, 0, 0, 0, httpx.ChinaTime)
		}
		if next.After(p.To) {
			next = p.To
		}
		out = append(out, figures.Period{From: from, To: next})
		from = next
	}
	return out
}
