package warning_test

import (
	"testing"

	"anju/internal/warning"
)

func TestReopenedEnough(t *testing.T) {
	for _, tc := range []struct {
		n    int
		p    warning.Policy
		want bool
	}{
		{0, warning.Policy{}, false},
		{1, warning.Policy{}, false}, // default: two reopenings
		{2, warning.Policy{}, true},
		{5, warning.Policy{}, true},
		{1, warning.Policy{ReopenMin: 1}, true},
		{0, warning.Policy{ReopenMin: 1}, false},
		{2, warning.Policy{ReopenMin: 3}, false},
		{3, warning.Policy{ReopenMin: 3}, true},
	} {
		if got := warning.ReopenedEnough(tc.n, tc.p); got != tc.want {
			t.Errorf("%d reopenings, min %d: %v, want %v", tc.n, tc.p.ReopenMin, got, tc.want)
		}
	}
}

// TestReopenWindow checks that a case's warning has a new window, and so is
// raised again, only when the case is reopened further.
func TestReopenWindow(t *testing.T) {
	if warning.ReopenWindow(2) == warning.ReopenWindow(3) {
		t.Errorf("windows: 2 → %q, 3 → %q", warning.ReopenWindow(2), warning.ReopenWindow(3))
	}
	if got := warning.ReopenWindow(12); got != "12" {
		t.Errorf("window %q", got) // stored rows carry this key
	}
	if got, want := warning.ReopenTitle("ABCD-EFGH-JKMN", 3, "路灯不亮"), "案件 ABCD-EFGH-JKMN 已重新办理 3 次：路灯不亮"; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
}

func TestOverduePile(t *testing.T) {
	test := warning.Policy{OverdueMin: 5, OverdueShare: 0.5, OverdueShareMin: 3} // the store tests' thresholds
	for _, tc := range []struct {
		name             string
		overdue, working int
		p                warning.Policy
		want             bool
	}{
		{"default: ten overdue of many", 10, 100, warning.Policy{}, true},
		{"default: nine overdue of many", 9, 100, warning.Policy{}, false},
		{"default: five of ten is half", 5, 10, warning.Policy{}, true},
		{"default: five of eleven is under half", 5, 11, warning.Policy{}, false},
		{"default: four of four is all, but fewer than five", 4, 4, warning.Policy{}, false},
		{"default: nothing overdue", 0, 0, warning.Policy{}, false},
		{"count branch", 5, 1000, test, true},
		{"count branch, one short", 4, 1000, test, false},
		{"share branch", 3, 6, test, true},
		{"share branch, share one short", 3, 7, test, false},
		{"share branch, count under its minimum", 2, 2, test, false},
		{"share 0.3", 3, 10, warning.Policy{OverdueMin: 50, OverdueShare: 0.3, OverdueShareMin: 3}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := warning.OverduePile(tc.overdue, tc.working, tc.p); got != tc.want {
				t.Errorf("%d of %d: %v, want %v", tc.overdue, tc.working, got, tc.want)
			}
		})
	}
}

func TestOverdueShareAndTitle(t *testing.T) {
	if s := warning.OverdueShare(0, 0); s != 0 {
		t.Errorf("share of none %v", s)
	}
	if s := warning.OverdueShare(3, 4); s != 0.75 {
		t.Errorf("share %v", s)
	}
	for _, tc := range []struct {
		overdue, working int
		want             string
	}{
		{5, 5, "第1街道办 超期未办结案件 5 件，占在办案件 100%"},
		{5, 10, "第1街道办 超期未办结案件 5 件，占在办案件 50%"},
		{10, 30, "第1街道办 超期未办结案件 10 件，占在办案件 33%"},
	} {
		if got := warning.OverdueTitle("第1街道办", tc.overdue, tc.working); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
