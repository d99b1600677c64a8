package cases

import "time"

// DueSoon is how near its deadline a case counts as due soon: the scheduler
// warns the department then, and pages show the deadline amber.
const DueSoon = 24 * time.Hour

// Urgency is how pressing a running deadline is.
type Urgency string

const (
	UrgencyOK   Urgency = "ok"   // more than DueSoon left
	UrgencySoon Urgency = "soon" // DueSoon or less left
	UrgencyLate Urgency = "late" // passed
)

// UrgencyOf is the urgency of a deadline with left to go.
func UrgencyOf(left time.Duration) Urgency {
	switch {
	case left <= 0:
		return UrgencyLate
	case left <= DueSoon:
		return UrgencySoon
	}
	return UrgencyOK
}
