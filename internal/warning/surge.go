package warning

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Period is the span a surge is measured over.
type Period string

const (
	Day  Period = "day"  // the last 24 hours
	Week Period = "week" // the last 7 days
)

// Window is the window key of a surge over the period found at t: one
// warning per subject a day, or a week (see DayWindow, WeekWindow).
func (p Period) Window(t time.Time, loc *time.Location) string {
	if p == Week {
		return WeekWindow(t, loc)
	}
	return DayWindow(t, loc)
}

// Dimension is what a surge subject's cases share.
type Dimension string

const (
	ByCategory Dimension = "category" // a category or group, city-wide
	ByStreet   Dimension = "street"   // a street, across all categories
)

// Subject is what a surge is about: a category or a street.
type Subject struct {
	Dimension Dimension
	Code      string
}

// String is "category:0203" or "street:330102001", the form warning
// subjects and details use.
func (s Subject) String() string { return string(s.Dimension) + ":" + s.Code }

// HasBaseline reports whether a city whose first case was filed at first has
// the SurgeWeeks of history a baseline needs at now: without it every case
// would look like a surge.
func HasBaseline(first, now time.Time, p Policy) bool {
	return !first.After(now.Add(-time.Duration(p.WithDefaults().SurgeWeeks) * 7 * 24 * time.Hour))
}

// Count is the number of cases of one category in one street filed in one
// day of the baseline, as the store counts them.
type Count struct {
	Category string
	Street   string // the street's code; "" when the case lies in no street
	WeekBack int    // 0 for the last 7 days, w for the 7 days w weeks before
	DayBack  int    // within that week: 0 for the same weekday and hours as the last 24 hours
	N        int
}

// Series is one subject's counts, the current span first: Day[0] is the
// last 24 hours and Day[w] the same weekday and hours w weeks before;
// Week[0] is the last 7 days and Week[w] the 7 days w weeks before.
type Series struct {
	Day, Week []int
}

// Tally rolls counts up into series of weeks+1 spans: a category's series
// counts its cases city-wide, a group's those of every category under it
// (lineage gives a category's code followed by its ancestors', as
// taxonomy.Tree.Lineage; nil for an unknown code, which then counts for
// itself alone), and a street's all its cases. Counts more than weeks back
// are left out.
func Tally(counts []Count, weeks int, lineage func(code string) []string) map[Subject]Series {
	out := map[Subject]Series{}
	add := func(s Subject, c Count) {
		ser, ok := out[s]
		if !ok {
			ser = Series{Day: make([]int, weeks+1), Week: make([]int, weeks+1)}
			out[s] = ser
		}
		ser.Week[c.WeekBack] += c.N
		if c.DayBack == 0 {
			ser.Day[c.WeekBack] += c.N
		}
	}
	lineages := map[string][]string{}
	for _, c := range counts {
		if c.WeekBack < 0 || c.WeekBack > weeks {
			continue
		}
		lin, ok := lineages[c.Category]
		if !ok {
			if lin = lineage(c.Category); lin == nil {
				lin = []string{c.Category}
			}
			lineages[c.Category] = lin
		}
		for _, code := range lin {
			add(Subject{ByCategory, code}, c)
		}
		if c.Street != "" {
			add(Subject{ByStreet, c.Street}, c)
		}
	}
	return out
}

// A Surge is a subject's count over a period above what its baseline
// allows.
type Surge struct {
	Subject
	Period Period
	Count  int
	Weeks  int     // the baseline's length in weeks
	Mean   float64 // the baseline's mean
	SD     float64 // and its standard deviation
	Limit  float64 // the count a surge must exceed
}

// surgeLimit tests the current count xs[0] against the baseline xs[1:]: a
// surge needs at least min cases and more than mean + sigma·σ. σ is floored
// at √mean (the Poisson noise of a count) and at 1, so a perfectly steady
// baseline does not make one extra case a surge.
func surgeLimit(xs []int, min int, sigma float64) (Surge, bool) {
	base := xs[1:]
	var mean, ss float64
	for _, x := range base {
		mean += float64(x)
	}
	mean /= float64(len(base))
	for _, x := range base {
		ss += (float64(x) - mean) * (float64(x) - mean)
	}
	sd := math.Sqrt(ss / float64(len(base)))
	limit := mean + sigma*math.Max(sd, math.Max(math.Sqrt(mean), 1))
	cur := xs[0]
	return Surge{Count: cur, Weeks: len(base), Mean: mean, SD: sd, Limit: limit}, cur >= min && float64(cur) > limit
}

// Surges tests every series over the last day (at least SurgeMinDay cases)
// and the last week (at least SurgeMinWeek) against its seasonal baseline
// (see surgeLimit) and returns the surges to raise, the day's first, each
// period's in subject order. The most specific is kept: a week only when the
// subject's day did not surge, and a category group only when no category
// under it (by lineage, as for Tally) surged over the same period. A series
// without a baseline week is never a surge.
func Surges(series map[Subject]Series, lineage func(code string) []string, p Policy) []Surge {
	p = p.WithDefaults()
	subjects := make([]Subject, 0, len(series))
	for s := range series {
		subjects = append(subjects, s)
	}
	slices.SortFunc(subjects, func(a, b Subject) int {
		return cmp.Or(cmp.Compare(a.Dimension, b.Dimension), cmp.Compare(a.Code, b.Code))
	})
	periods := []Period{Day, Week}
	fired := map[Period]map[Subject]Surge{}
	// covered[period] holds the groups above a category that surged.
	covered := map[Period]map[string]bool{}
	for _, period := range periods {
		fired[period], covered[period] = map[Subject]Surge{}, map[string]bool{}
		for _, s := range subjects {
			xs, min := series[s].Day, p.SurgeMinDay
			if period == Week {
				xs, min = series[s].Week, p.SurgeMinWeek
			}
			if len(xs) < 2 {
				continue
			}
			if h, ok := surgeLimit(xs, min, p.SurgeSigma); ok {
				h.Subject, h.Period = s, period
				fired[period][s] = h
				if s.Dimension == ByCategory {
					for _, up := range lineage(s.Code) {
						if up != s.Code {
							covered[period][up] = true
						}
					}
				}
			}
		}
	}
	var out []Surge
	for _, period := range periods {
		for _, s := range subjects {
			h, ok := fired[period][s]
			if !ok {
				continue
			}
			if _, dayToo := fired[Day][s]; period == Week && dayToo {
				continue
			}
			if s.Dimension == ByCategory && covered[period][s.Code] {
				continue
			}
			out = append(out, h)
		}
	}
	return out
}

// Title is a surge's title. name is the category's name for a category
// surge, the street's for a street surge.
func (s Surge) Title(name string) string {
	if s.Dimension == ByCategory {
		name = "「" + name + "」类诉求"
	} else {
		name += "诉求"
	}
	span := "近24小时"
	if s.Period == Week {
		span = "近7天"
	}
	return fmt.Sprintf("%s激增：%s %d 件，前%d周同期平均 %.1f 件", name, span, s.Count, s.Weeks, s.Mean)
}
