package warning_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"anju/internal/warning"
)

// lineage is a small taxonomy: group 02 holds 0201 and 0203.
func lineage(code string) []string {
	return map[string][]string{"02": {"02"}, "0201": {"0201", "02"}, "0203": {"0203", "02"}}[code]
}

// counts is a series' counts, current first, then the baseline.
func counts(cur int, base ...int) []int { return append([]int{cur}, base...) }

func eight(n int) []int { return slices.Repeat([]int{n}, 8) }

// testPolicy has the small thresholds the store's tests use.
var testPolicy = warning.Policy{SurgeWeeks: 8, SurgeSigma: 3, SurgeMinDay: 5, SurgeMinWeek: 15}

var (
	light  = warning.Subject{Dimension: warning.ByCategory, Code: "0203"}
	lights = warning.Subject{Dimension: warning.ByCategory, Code: "02"}
	other  = warning.Subject{Dimension: warning.ByCategory, Code: "0201"}
	street = warning.Subject{Dimension: warning.ByStreet, Code: "330102001"}
)

func TestSurgeStatistic(t *testing.T) {
	quiet := counts(0, eight(0)...) // a week that never fires
	for _, tc := range []struct {
		name  string
		day   []int
		p     warning.Policy
		surge bool
		limit float64
	}{
		// A steady baseline: σ = 0, floored at √3, so one extra case is noise.
		{"steady baseline, one extra", counts(4, eight(3)...), testPolicy, false, 3 + 3*math.Sqrt(3)},
		{"steady baseline, just under the floor at √mean", counts(8, eight(3)...), testPolicy, false, 3 + 3*math.Sqrt(3)},
		{"steady baseline, just over the floor at √mean", counts(9, eight(3)...), testPolicy, true, 3 + 3*math.Sqrt(3)},
		{"floor at √mean: 16 a day allows 28", counts(28, eight(16)...), testPolicy, false, 28},
		{"floor at √mean: 29 over 16 a day", counts(29, eight(16)...), testPolicy, true, 28},
		// A silent baseline: σ and √mean are 0, floored at 1, so the limit is 3.
		{"floor at 1: equal to the limit", counts(3, eight(0)...), warning.Policy{SurgeMinDay: 1}, false, 3},
		{"floor at 1: above the limit", counts(4, eight(0)...), warning.Policy{SurgeMinDay: 1}, true, 3},
		{"minimum count: above the limit, below the minimum", counts(4, eight(0)...), testPolicy, false, 3},
		{"minimum count: at the minimum", counts(5, eight(0)...), testPolicy, true, 3},
		{"zero policy takes the default minimum of 10", counts(9, eight(0)...), warning.Policy{}, false, 3},
		{"zero policy: 10 is a surge", counts(10, eight(0)...), warning.Policy{}, true, 3},
		// A noisy baseline: σ = 10 dominates √10.
		{"noisy baseline: at mean + 3σ", counts(40, 0, 20, 0, 20, 0, 20, 0, 20), testPolicy, false, 40},
		{"noisy baseline: above mean + 3σ", counts(41, 0, 20, 0, 20, 0, 20, 0, 20), testPolicy, true, 40},
		{"sigma 2 lowers the limit", counts(31, 0, 20, 0, 20, 0, 20, 0, 20), warning.Policy{SurgeSigma: 2, SurgeMinDay: 5}, true, 30},
		{"no baseline week", []int{50}, testPolicy, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := warning.Surges(map[warning.Subject]warning.Series{light: {Day: tc.day, Week: quiet}}, lineage, tc.p)
			if (len(got) == 1) != tc.surge || len(got) > 1 {
				t.Fatalf("surges %+v, want surge %v", got, tc.surge)
			}
			if tc.surge && (math.Abs(got[0].Limit-tc.limit) > 1e-9 || got[0].Count != tc.day[0] || got[0].Period != warning.Day ||
				got[0].Subject != light || got[0].Weeks != len(tc.day)-1) {
				t.Errorf("surge %+v, want limit %v", got[0], tc.limit)
			}
		})
	}
}

func TestSurgeMeanAndSD(t *testing.T) {
	got := warning.Surges(map[warning.Subject]warning.Series{light: {Day: counts(12, 2, 3, 4, 3, 2, 3, 4, 3), Week: counts(0, eight(0)...)}},
		lineage, testPolicy)
	if len(got) != 1 || got[0].Mean != 3 || math.Abs(got[0].SD-math.Sqrt(0.5)) > 1e-12 {
		t.Fatalf("got %+v, want mean 3, sd √0.5", got)
	}
}

// TestSurgeSpecificity checks that the most specific surge is raised: the
// day rather than the week, a category rather than its group.
func TestSurgeSpecificity(t *testing.T) {
	hot := counts(20, eight(1)...)     // fires as a day (min 5) and as a week (min 15)
	cold := counts(0, eight(1)...)     // fires as neither
	warm := counts(4, eight(0)...)     // above the limit but below the day's minimum of 5
	weekHot := counts(40, eight(5)...) // fires as a week
	type s = warning.Series
	for _, tc := range []struct {
		name   string
		series map[warning.Subject]warning.Series
		want   []string
	}{
		{"day and week fire: the day", map[warning.Subject]s{light: {Day: hot, Week: hot}}, []string{"day category:0203"}},
		{"only the week fires: the week", map[warning.Subject]s{light: {Day: cold, Week: weekHot}}, []string{"week category:0203"}},
		{"category and group fire: the category", map[warning.Subject]s{light: {Day: hot, Week: cold}, lights: {Day: hot, Week: cold}},
			[]string{"day category:0203"}},
		// Two categories each below the minimum add up to a surge of their group.
		{"group fires, no category under it: the group",
			map[warning.Subject]s{light: {Day: warm, Week: cold}, other: {Day: warm, Week: cold}, lights: {Day: counts(8, eight(0)...), Week: cold}},
			[]string{"day category:02"}},
		// Specificity is per period: a category's day does not hide its
		// group's week.
		{"category's day, group's week: both",
			map[warning.Subject]s{light: {Day: hot, Week: cold}, lights: {Day: cold, Week: weekHot}},
			[]string{"day category:0203", "week category:02"}},
		// A category whose week surge gives way to its day surge still
		// explains its group's week.
		{"category's day and week, group's week: the category's day",
			map[warning.Subject]s{light: {Day: hot, Week: hot}, lights: {Day: cold, Week: weekHot}},
			[]string{"day category:0203"}},
		{"a street is not a category's group",
			map[warning.Subject]s{light: {Day: hot, Week: cold}, street: {Day: hot, Week: cold}},
			[]string{"day category:0203", "day street:330102001"}},
		{"a category unknown to the taxonomy hides no group",
			map[warning.Subject]s{{Dimension: warning.ByCategory, Code: "0299"}: {Day: hot, Week: cold}, lights: {Day: hot, Week: cold}},
			[]string{"day category:02", "day category:0299"}},
		{"days first, then weeks, each in subject order",
			map[warning.Subject]s{street: {Day: cold, Week: weekHot}, other: {Day: hot, Week: cold}, light: {Day: cold, Week: weekHot},
				{Dimension: warning.ByStreet, Code: "330102002"}: {Day: hot, Week: cold}},
			[]string{"day category:0201", "day street:330102002", "week category:0203", "week street:330102001"}},
		{"nothing fires", map[warning.Subject]s{light: {Day: cold, Week: cold}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, h := range warning.Surges(tc.series, lineage, testPolicy) {
				got = append(got, fmt.Sprintf("%s %s", h.Period, h.Subject))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTally(t *testing.T) {
	got := warning.Tally([]warning.Count{
		{Category: "0203", Street: "330102001", WeekBack: 0, DayBack: 0, N: 3},
		{Category: "0203", Street: "330102001", WeekBack: 0, DayBack: 4, N: 2}, // this week, another day
		{Category: "0201", Street: "330102002", WeekBack: 2, DayBack: 0, N: 5},
		{Category: "0201", Street: "", WeekBack: 1, DayBack: 0, N: 1},           // in no street
		{Category: "0299", Street: "330102001", WeekBack: 3, DayBack: 0, N: 7},  // unknown to the taxonomy
		{Category: "0203", Street: "330102001", WeekBack: 4, DayBack: 0, N: 9},  // beyond the baseline
		{Category: "0203", Street: "330102001", WeekBack: -1, DayBack: 0, N: 9}, // in the future
	}, 3, lineage)
	want := map[warning.Subject]warning.Series{
		light:  {Day: []int{3, 0, 0, 0}, Week: []int{5, 0, 0, 0}},
		other:  {Day: []int{0, 1, 5, 0}, Week: []int{0, 1, 5, 0}},
		lights: {Day: []int{3, 1, 5, 0}, Week: []int{5, 1, 5, 0}},
		{Dimension: warning.ByCategory, Code: "0299"}: {Day: []int{0, 0, 0, 7}, Week: []int{0, 0, 0, 7}},
		street: {Day: []int{3, 0, 0, 7}, Week: []int{5, 0, 0, 7}},
		{Dimension: warning.ByStreet, Code: "330102002"}: {Day: []int{0, 0, 5, 0}, Week: []int{0, 0, 5, 0}},
	}
	if len(got) != len(want) {
		t.Errorf("subjects %v, want %v", got, want)
	}
	for s, w := range want {
		if g := got[s]; !slices.Equal(g.Day, w.Day) || !slices.Equal(g.Week, w.Week) {
			t.Errorf("%s: %v, want %v", s, g, w)
		}
	}
}

func TestHasBaseline(t *testing.T) {
	now := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
	eightWeeks := 8 * 7 * 24 * time.Hour
	for _, tc := range []struct {
		first time.Time
		p     warning.Policy
		want  bool
	}{
		{now.Add(-eightWeeks), testPolicy, true},
		{now.Add(-eightWeeks - time.Hour), testPolicy, true},
		{now.Add(-eightWeeks + time.Microsecond), testPolicy, false},
		{now, testPolicy, false},
		{now.Add(-2 * 7 * 24 * time.Hour), warning.Policy{SurgeWeeks: 2}, true},
		{now.Add(-2 * 7 * 24 * time.Hour), warning.Policy{}, false}, // default: eight weeks
	} {
		if got := warning.HasBaseline(tc.first, now, tc.p); got != tc.want {
			t.Errorf("first case %v before, %d weeks: %v, want %v", now.Sub(tc.first), tc.p.SurgeWeeks, got, tc.want)
		}
	}
}

func TestSurgeTitle(t *testing.T) {
	for _, tc := range []struct {
		s    warning.Surge
		name string
		want string
	}{
		{warning.Surge{Subject: light, Period: warning.Day, Count: 12, Weeks: 8, Mean: 3}, "路灯",
			"「路灯」类诉求激增：近24小时 12 件，前8周同期平均 3.0 件"},
		{warning.Surge{Subject: street, Period: warning.Week, Count: 40, Weeks: 8, Mean: 12.4}, "第1街道",
			"第1街道诉求激增：近7天 40 件，前8周同期平均 12.4 件"},
	} {
		if got := tc.s.Title(tc.name); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
