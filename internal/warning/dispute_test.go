package warning

import "testing"

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
