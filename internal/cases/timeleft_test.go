package cases

import (
	"testing"
	"time"
)

func TestTimeLeft(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		state   State
		due     time.Time
		overdue bool
		left    time.Duration
		urgency Urgency
	}{
		{StateAccepted, now.Add(25 * time.Hour), false, 25 * time.Hour, UrgencyOK},
		{StateAccepted, now.Add(DueSoon), false, DueSoon, UrgencySoon},
		{StateInProgress, now.Add(time.Minute), false, time.Minute, UrgencySoon},
		{StateDispatched, now.Add(-time.Hour), false, -time.Hour, UrgencyLate},
		// Marked overdue by a scheduler whose clock ran ahead of this one.
		{StateDispatched, now.Add(time.Minute), true, 0, UrgencyLate},
		{StateResolved, now.Add(-48 * time.Hour), true, -48 * time.Hour, UrgencyLate},
		{StateClosed, now.Add(-time.Hour), true, 0, UrgencyNone},
		{StateRated, now.Add(time.Hour), false, 0, UrgencyNone},
		{StateSubmitted, time.Time{}, false, 0, UrgencyNone},
	} {
		left, u := TimeLeft(c.state, c.due, c.overdue, now)
		if left != c.left || u != c.urgency {
			t.Errorf("%s due in %s (overdue %v): %s %q, want %s %q", c.state, c.due.Sub(now), c.overdue, left, u, c.left, c.urgency)
		}
	}
}
