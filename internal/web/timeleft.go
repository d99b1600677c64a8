package web

import (
	"time"

	"anju/internal/cases"
)

// Due is a deadline as a page shows it: when it falls and, while its clock
// runs, the time left in words with the colour class that goes with it
// (due-ok green, due-soon amber, due-late red; see app.css).
type Due struct {
	At    time.Time
	Left  string
	Class string
}

// dueAt describes the deadline at as seen at now; running is false once the
// clock has stopped (the case answered, or closed), and then only the time
// is shown.
func dueAt(v *View, at, now time.Time, running bool) Due {
	d := Due{At: at}
	if !running || at.IsZero() {
		return d
	}
	left := at.Sub(now)
	// Green, amber within cases.DueSoon, red once passed.
	d.Class = "due-" + string(cases.UrgencyOf(left))
	switch {
	case left <= 0:
		d.Left = v.T("time.overdue_by", spanWords(v, -left))
	case left < 48*time.Hour:
		d.Left = v.T("time.left_hours", ceilHours(left))
	default:
		d.Left = v.T("time.left_days", int(left/(24*time.Hour)))
	}
	return d
}

// spanWords says a duration in whole hours under two days, else in days.
func spanWords(v *View, d time.Duration) string {
	if d < 48*time.Hour {
		return v.T("time.hours", ceilHours(d))
	}
	return v.T("time.days", int(d/(24*time.Hour)))
}

func ceilHours(d time.Duration) int { return int((d + time.Hour - 1) / time.Hour) }
