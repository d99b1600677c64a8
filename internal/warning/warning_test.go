package warning_test

import (
	"testing"
	"time"

	"anju/internal/warning"
)

func TestWithDefaults(t *testing.T) {
	if got := (warning.Policy{}).WithDefaults(); got != (func() warning.Policy { p := warning.Default; p.MinInterval = 0; return p })() {
		t.Errorf("zero policy: %+v", got)
	}
	set := warning.Policy{MinInterval: time.Minute, SurgeWeeks: 4, SurgeSigma: 2.5, ClusterWindow: time.Hour, OverdueShare: 0.3,
		ReopenMin: -1}
	got := set.WithDefaults()
	if got.MinInterval != time.Minute || got.SurgeWeeks != 4 || got.SurgeSigma != 2.5 || got.ClusterWindow != time.Hour ||
		got.OverdueShare != 0.3 {
		t.Errorf("set fields changed: %+v", got)
	}
	if got.ReopenMin != warning.Default.ReopenMin || got.SurgeMinDay != warning.Default.SurgeMinDay ||
		got.ReopenLookback != warning.Default.ReopenLookback || got.ClusterText != warning.Default.ClusterText {
		t.Errorf("unset or negative fields not defaulted: %+v", got)
	}
}

func TestKindValid(t *testing.T) {
	for _, k := range []warning.Kind{"surge", "cluster", "reopened", "overdue_pile"} {
		if !k.Valid() {
			t.Errorf("%q not valid", k)
		}
	}
	for _, k := range []warning.Kind{"", "overdue", "Surge"} {
		if k.Valid() {
			t.Errorf("%q valid", k)
		}
	}
}

func TestWindows(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		at        time.Time
		day, week string
		loc       *time.Location
	}{
		{time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC), "2026-03-09", "2026-W11", shanghai},
		// 16:00 UTC on Sunday is Monday in the city: the next day and week.
		{time.Date(2026, 3, 8, 16, 0, 0, 0, time.UTC), "2026-03-09", "2026-W11", shanghai},
		{time.Date(2026, 3, 8, 15, 59, 59, 0, time.UTC), "2026-03-08", "2026-W10", shanghai},
		{time.Date(2026, 1, 5, 0, 0, 0, 0, shanghai), "2026-01-05", "2026-W02", shanghai},
		// ISO weeks: 3 January 2021 belongs to the last week of 2020.
		{time.Date(2021, 1, 3, 12, 0, 0, 0, shanghai), "2021-01-03", "2020-W53", shanghai},
		{time.Date(2021, 1, 3, 20, 0, 0, 0, time.UTC), "2021-01-03", "2020-W53", time.UTC},
	} {
		if got := warning.DayWindow(tc.at, tc.loc); got != tc.day {
			t.Errorf("DayWindow(%v) = %q, want %q", tc.at, got, tc.day)
		}
		if got := warning.WeekWindow(tc.at, tc.loc); got != tc.week {
			t.Errorf("WeekWindow(%v) = %q, want %q", tc.at, got, tc.week)
		}
		if got := warning.Day.Window(tc.at, tc.loc); got != tc.day {
			t.Errorf("Day.Window(%v) = %q", tc.at, got)
		}
		if got := warning.Week.Window(tc.at, tc.loc); got != tc.week {
			t.Errorf("Week.Window(%v) = %q", tc.at, got)
		}
	}
}
