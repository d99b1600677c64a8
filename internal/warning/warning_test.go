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

func TestDetectNow(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	every := warning.Policy{MinInterval: 5 * time.Minute}
	for _, tc := range []struct {
		name      string
		p         warning.Policy
		last, now time.Time
		want      bool
	}{
		{"no interval", warning.Policy{}, t0, t0.Add(time.Second), true},
		{"the first", every, time.Time{}, t0, true},
		{"too soon", every, t0, t0.Add(4 * time.Minute), false},
		{"a moment before", every, t0, t0.Add(5*time.Minute - time.Nanosecond), false},
		{"the interval passed", every, t0, t0.Add(5 * time.Minute), true},
		{"long after", every, t0, t0.Add(time.Hour), true},
		{"the same instant", every, t0, t0, true},
		{"the clock went back", every, t0, t0.Add(-time.Minute), true},
	} {
		if got := tc.p.DetectNow(tc.last, tc.now); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}

func TestClusterRaisedSince(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		p    warning.Policy
		want time.Time
	}{
		{warning.Policy{ClusterWindow: 6 * time.Hour}, now.Add(-12 * time.Hour)},
		{warning.Policy{ClusterWindow: time.Hour}, now.Add(-2 * time.Hour)},
		{warning.Policy{}, now.Add(-2 * warning.Default.ClusterWindow)},
	} {
		if got := warning.ClusterRaisedSince(now, tc.p); !got.Equal(tc.want) {
			t.Errorf("%+v: %s, want %s", tc.p.ClusterWindow, got, tc.want)
		}
	}
}
