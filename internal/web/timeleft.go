package web

import "time"

// dueSoon is how near a deadline turns amber: within a day, the day a
// dispatcher can still act on it (green before, red once passed).
const dueSoon = 24 * time.Hour

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
	switch {
	case left <= 0:
		d.Class, d.Left = "due-late", v.T("time.overdue_by", spanWords(v, -left))
	case left <= dueSoon:
		d.Class, d.Left = "due-soon", v.T("time.left_hours", ceilHours(left))
	case left < 48*time.Hour:
		d.Class, d.Left = "due-ok", v.T("time.left_hours", ceilHours(left))
	default:
		d.Class, d.Left = "due-ok", v.T("time.left_days", int(left/(24*time.Hour)))
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
