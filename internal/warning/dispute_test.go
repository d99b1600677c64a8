package warning

import (
	"slices"
	"testing"

	"anju/internal/dispute"
)

func TestLargeDispute(t *testing.T) {
	// A city's own thresholds over the default policy's; one it left
	// unset (zero or less) keeps the policy's.
	city := Policy{}.WithDisputeThresholds(30, 1000000)
	halfSet := Default.WithDisputeThresholds(30, 0)
	unset := Default.WithDisputeThresholds(-1, 0)
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
		{29, 0, halfSet, false},
		{30, 0, halfSet, true},
		{1, 10000000, halfSet, true},
		{10, 0, unset, true},
		{1, 10000000, unset, true},
		{1, 9999999, unset, false},
	} {
		if got := LargeDispute(tc.people, tc.fen, tc.p); got != tc.want {
			t.Errorf("%d people, %d fen, %+v: %v", tc.people, tc.fen, tc.p, got)
		}
	}
	if got := LargeDisputeTitle("ABCD-EFGH-JKMN", "劳动与欠薪纠纷", "第1街道", 42, 12345); got != "第1街道 重大矛盾纠纷 ABCD-EFGH-JKMN（劳动与欠薪纠纷）：涉及 42 人，标的 123.45 元" {
		t.Errorf("title %q", got)
	}
}

func TestLargeDisputeStates(t *testing.T) {
	want := []dispute.State{dispute.StateMediating, dispute.StateAgreed, dispute.StateReferred}
	if got := LargeDisputeStates(); !slices.Equal(got, want) {
		t.Errorf("states %v, want %v", got, want)
	}
}
