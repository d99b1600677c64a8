package warning

import (
	"slices"
	"testing"

	"anju/internal/dispute"
)

func TestLargeDispute(t *testing.T) {
	city := Policy{LargeDisputePeople: 30, LargeDisputeAmount: 1000000}
	for _, tc := range []struct {
		people int
		fen    int64
		p      Policy
		want   bool
	}{
		{2, 0, Policy{}, false},
		{9, 9999999, Policy{}, false},
		{10, 0, Policy{}, true},
		{1, 10000000, Policy{}, true},
		{1, 9999999, Policy{}, false},
		{10, 0, city, false},
		{30, 0, city, true},
		{2, 10000000, city, false},
		{2, 100000000, city, true},
	} {
		if got := LargeDispute(tc.people, tc.fen, tc.p); got != tc.want {
			t.Errorf("%d people, %d fen, %+v: %v", tc.people, tc.fen, tc.p, got)
		}
	}
	if got := LargeDisputeTitle("ABCD-EFGH-JKMN", "劳动与欠薪纠纷", "第1街道", 42, 12345); got != "第1街道 重大矛盾纠纷 ABCD-EFGH-JKMN（劳动与欠薪纠纷）：涉及 42 人，标的 123.45 元" {
		t.Errorf("title %q", got)
	}
}

func TestWithDisputeThresholds(t *testing.T) {
	base := Policy{LargeDisputePeople: 10, LargeDisputeAmount: 100000}
	for _, tc := range []struct {
		people     int
		yuan       int64
		wantPeople int
		wantYuan   int64
	}{
		{0, 0, 10, 100000},
		{30, 0, 30, 100000},
		{0, 500000, 10, 500000},
		{5, 20000, 5, 20000},
		{-1, -1, 10, 100000},
	} {
		got := base.WithDisputeThresholds(tc.people, tc.yuan)
		if got.LargeDisputePeople != tc.wantPeople || got.LargeDisputeAmount != tc.wantYuan {
			t.Errorf("city %d people, %d yuan: %d, %d", tc.people, tc.yuan, got.LargeDisputePeople, got.LargeDisputeAmount)
		}
	}
	// The city's thresholds decide, through LargeDispute.
	city := base.WithDisputeThresholds(30, 0)
	if LargeDispute(20, 0, city) || !LargeDispute(30, 0, city) || !LargeDispute(2, 10000000, city) {
		t.Errorf("the city's thresholds do not decide")
	}
}

func TestLargeDisputeStates(t *testing.T) {
	want := []dispute.State{dispute.StateMediating, dispute.StateAgreed, dispute.StateReferred}
	if got := LargeDisputeStates(); !slices.Equal(got, want) {
		t.Errorf("states %v, want %v", got, want)
	}
}
