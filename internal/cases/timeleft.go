package cases

import "time"

// DueSoon is how near its resolution deadline an open case counts as due
// soon: the scheduler warns the department then, and the workbench shows
// the case amber.
const DueSoon = 24 * time.Hour

// Urgency is how pressing an open case's resolution deadline is.
type Urgency string

const (
	UrgencyNone Urgency = ""     // not open: the case has no time left
	UrgencyOK   Urgency = "ok"   // more than DueSoon left
	UrgencySoon Urgency = "soon" // DueSoon or less left
	UrgencyLate Urgency = "late" // past the deadline
)

// TimeLeft is the time until a case in state s is due at due, seen at now,
// and how pressing that is. A case the scheduler marked overdue is late
// even if this clock is a little behind the scheduler's. A case that is not
// open has no time left (UrgencyNone).
func TimeLeft(s State, due time.Time, overdue bool, now time.Time) (time.Duration, Urgency) {
	if !s.Open() || due.IsZero() {
		return 0, UrgencyNone
	}
	left := due.Sub(now)
	switch {
	case overdue || left < 0:
		return min(left, 0), UrgencyLate
	case left <= DueSoon:
		return left, UrgencySoon
	}
	return left, UrgencyOK
}
