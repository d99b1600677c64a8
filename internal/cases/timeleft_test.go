package cases

import (
	"testing"
	"time"
)

func TestUrgencyOf(t *testing.T) {
	for left, want := range map[time.Duration]Urgency{
		25 * time.Hour: UrgencyOK,
		DueSoon:        UrgencySoon,
		time.Minute:    UrgencySoon,
		0:              UrgencyLate,
		-time.Hour:     UrgencyLate,
	} {
		if got := UrgencyOf(left); got != want {
			t.Errorf("%s left: %q, want %q", left, got, want)
		}
	}
}
