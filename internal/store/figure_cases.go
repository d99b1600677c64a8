package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"anju/internal/anju"
	"anju/internal/figures"
)

// The cases behind a figure.
//
// Every number a dashboard shows opens the list of exactly the cases it
// counts. Which cases those are is not written a second time here: each
// case is put through the figure's own definition alone
// (figures.Compute over that one case), and it is in the list when it adds
// to the number asked for. The list's length is therefore the number shown,
// by construction, and the property test of the rollups holds both to the
// recount.

// FigureCases selects the cases behind one number of a figure: the
// figure's numerator, its denominator (the population a share divides or a
// time is measured over), or one of its parts (a region level, a card
// colour, an age bucket), over the cases of Filter received in Period.
type FigureCases struct {
	Filter FigureFilter
	Period figures.Period
	Key    figures.Key
	Count  string // CountNumerator, CountDenominator or a part's key
}

// The numbers of a figure a list can be asked for, besides its parts.
const (
	CountNumerator   = "numerator"
	CountDenominator = "denominator"
)

// valid checks the selection names a figure and one of its numbers.
func (s FigureCases) valid() error {
	d, ok := figures.Lookup(s.Key)
	if !ok {
		return anju.FieldError("figure", "unknown figure %q", s.Key)
	}
	switch s.Count {
	case CountNumerator:
		return nil
	case CountDenominator:
		if d.Unit == figures.UnitShare || d.Unit == figures.UnitShares || d.Unit == figures.UnitDuration {
			return nil
		}
	default:
		probe := d.Compute(nil, s.Period, s.Period.To)
		if slices.ContainsFunc(probe.Parts, func(p figures.Part) bool { return p.Key == s.Count }) {
			return nil
		}
	}
	return anju.FieldError("count", "figure %s has no number %q", s.Key, s.Count)
}

// adds reports whether a figure's value over one case adds to the number
// selected.
func (s FigureCases) adds(v figures.Value) bool {
	switch s.Count {
	case CountNumerator:
		return v.Count > 0
	case CountDenominator:
		return v.Of > 0
	}
	return v.Part(s.Count) > 0
}

// FigureCaseIDs returns the ids of the actor's visible cases behind the
// number s selects, newest (highest id) first. Its errors are CaseFigures'
// and EINVALID for an unknown figure or number.
func (db *DB) FigureCaseIDs(ctx context.Context, actor *anju.Actor, s FigureCases) ([]int64, error) {
	if err := s.valid(); err != nil {
		return nil, err
	}
	cs, _, err := db.caseFigureFacts(ctx, actor, s.Filter, s.Period)
	if err != nil {
		return nil, err
	}
	d, _ := figures.Lookup(s.Key)
	now := db.clock.Now()
	var ids []int64
	for i := range cs {
		if s.adds(d.Compute(cs[i:i+1], s.Period, now)) {
			ids = append(ids, cs[i].ID)
		}
	}
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	return ids, nil
}

// listFigureCases is ListCases for a list of the cases behind a figure:
// one page of FigureCaseIDs, newest first, continued by the cursor (the
// id of the last case shown), with the whole list's length.
func (db *DB) listFigureCases(ctx context.Context, actor *anju.Actor, f CaseFilter) (CaseList, error) {
	if f.State != "" || f.Channel != "" || f.Overdue || f.Text != "" || f.Queue != "" || (f.Order != "" && f.Order != "newest") {
		return CaseList{}, anju.FieldError("figure", "the cases behind a figure are listed by region, department, category, kind and period alone")
	}
	ids, err := db.FigureCaseIDs(ctx, actor, *f.Figure)
	if err != nil {
		return CaseList{}, err
	}
	out := CaseList{Cases: []Case{}, Order: "newest", Page: f.Page, PageSize: f.PageSize, Total: len(ids)}
	start := (f.Page - 1) * f.PageSize
	if f.Cursor != "" {
		if f.Page > 1 {
			return CaseList{}, anju.FieldError("page", "give either a page or a cursor (before=), not both")
		}
		cur, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || cur <= 0 {
			return CaseList{}, anju.FieldError("before", "not a cursor of this list")
		}
		start, _ = slices.BinarySearchFunc(ids, cur, func(id, cur int64) int {
			switch {
			case id > cur:
				return -1
			case id < cur:
				return 1
			}
			return 0
		})
		if start < len(ids) && ids[start] == cur {
			start++
		}
	}
	if start >= len(ids) {
		return out, nil
	}
	page := ids[start:min(len(ids), start+f.PageSize)]
	for _, id := range page {
		c, err := db.getCase(ctx, db, actor, id)
		if anju.ErrorCode(err) == anju.ENOTFOUND {
			continue // gone from the reader's reach since it was counted
		}
		if err != nil {
			return CaseList{}, err
		}
		c.AllowedActions = db.allowedActions(actor, c)
		c.CategoryName = db.categoryName(ctx, c.City, c.Category)
		out.Cases = append(out.Cases, c)
	}
	if start+len(page) < len(ids) {
		out.HasMore, out.Next = true, strconv.FormatInt(page[len(page)-1], 10)
	}
	return out, nil
}
