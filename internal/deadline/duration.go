package deadline

import (
	"time"

	"anju/internal/anju"
)

// Unit is what a Duration counts.
type Unit string

const (
	// WorkingDays counts whole working days; see Calendar.AddWorkingDays.
	WorkingDays Unit = "working_days"
	// WorkingHours counts hours inside the calendar's working periods; see
	// Calendar.AddWorkingHours.
	WorkingHours Unit = "working_hours"
	// CalendarDays counts days ("日") with the civil-law rules; see
	// Calendar.AddCalendarDays.
	CalendarDays Unit = "calendar_days"
	// Hours counts elapsed clock hours, day and night, holidays included;
	// it suits urgent matters ("2 hours to call the reporter back").
	Hours Unit = "hours"
)

// Units lists every unit.
var Units = []Unit{WorkingDays, WorkingHours, CalendarDays, Hours}

// Duration is a deadline period as configured: an amount of a unit.
type Duration struct {
	Amount int  `json:"amount"`
	Unit   Unit `json:"unit"`
}

// Validate returns EINVALID unless the amount is positive and the unit known.
func (d Duration) Validate() error {
	switch d.Unit {
	case WorkingDays, WorkingHours, CalendarDays, Hours:
	default:
		return anju.FieldError("unit", "unknown deadline unit %q", d.Unit)
	}
	if d.Amount <= 0 {
		return anju.FieldError("amount", "a deadline period must be positive, not %d", d.Amount)
	}
	return nil
}

// Due returns the instant at which a period d that starts at start ends. A
// deadline is met by anything done at or before that instant, and missed by
// anything after it (now.After(due)). For day units the instant is 24:00 of
// the last day in the city's zone, which time.Time shows as 00:00 of the next
// day. Due panics if d is not valid: periods come from configuration that was
// checked with Validate when it was saved.
func (c *Calendar) Due(start time.Time, d Duration) time.Time {
	if err := d.Validate(); err != nil {
		panic("deadline: Due: " + err.Error())
	}
	switch d.Unit {
	case WorkingDays:
		return c.AddWorkingDays(start, d.Amount)
	case WorkingHours:
		return c.AddWorkingHours(start, d.Amount)
	case CalendarDays:
		return c.AddCalendarDays(start, d.Amount)
	default: // Hours
		return start.Add(time.Duration(d.Amount) * time.Hour)
	}
}

// AddCalendarDays returns the end of a period of n days ("n日") that starts
// at t, by the rules of the Civil Code, which Chinese administrative practice
// follows where a regulation says nothing else:
//   - 《民法典》第二百零一条: 按照年、月、日计算期间的，开始的当日不计入，
//     自下一日开始计算 — the day of t is not counted, so the period's last day
//     is the n-th day after the day of t;
//   - 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的
//     最后一日；期间的最后一日的截止时间为二十四时 — if that day is not a working
//     day (a public holiday or an ordinary weekend), the period runs to the
//     next working day, and it ends at 24:00 of its last day.
//
// Days inside the period are counted whether worked or not. n <= 0 returns t.
func (c *Calendar) AddCalendarDays(t time.Time, n int) time.Time {
	if n <= 0 {
		return t
	}
	last := c.DateOf(t).AddDays(n)
	if !c.IsWorkingDay(last) {
		last = c.NextWorkingDay(last)
	}
	return c.endOfDay(last)
}

// AddWorkingDays returns the end of a period of n working days ("n个工作日")
// that starts at t: 24:00 of the n-th working day after the day of t. The day
// of t itself is never counted (民法典第二百零一条), even when t falls early
// on a working day, and the last day is a working day by construction, so
// the holiday rule of 第二百零三条 never needs to apply. A case received on
// Tuesday with 1 working day is due by 24:00 on Wednesday; one received on
// Saturday is due by 24:00 on Monday. n <= 0 returns t.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	if n <= 0 {
		return t
	}
	d := c.DateOf(t)
	for range n {
		d = c.NextWorkingDay(d)
	}
	return c.endOfDay(d)
}

// AddWorkingHours returns the instant at which h working hours have passed
// since t, counting only time inside the working periods (Hours; by default
// 09:00–12:00 and 13:30–17:30) of working days. Time before, between and
// after the periods and on rest days does not count, so 2 working hours from
// Friday 17:00 end on Monday at 10:30, and a period that uses up a working
// stretch exactly ends at its close (12:00), not at the next opening.
// h <= 0 returns t.
func (c *Calendar) AddWorkingHours(t time.Time, h int) time.Time {
	return c.AddWorkingTime(t, time.Duration(h)*time.Hour)
}

// AddWorkingTime is AddWorkingHours for any duration of working time.
func (c *Calendar) AddWorkingTime(t time.Time, left time.Duration) time.Time {
	if left <= 0 {
		return t
	}
	cursor := t.In(c.loc)
	for d := c.DateOf(t); ; d = d.AddDays(1) {
		if !c.IsWorkingDay(d) {
			continue
		}
		midnight := d.In(c.loc)
		for _, p := range c.hours {
			from, to := midnight.Add(p.From), midnight.Add(p.To)
			if !cursor.Before(to) {
				continue
			}
			if cursor.Before(from) {
				cursor = from
			}
			avail := to.Sub(cursor)
			if left <= avail {
				return cursor.Add(left)
			}
			left -= avail
			cursor = to
		}
	}
}

// WorkingDaysBetween returns the number of working days after the day of a
// up to and including the day of b, in the city's zone: the same counting as
// AddWorkingDays, so WorkingDaysBetween(t, b) is the working day of the
// period on which b falls (0 while still on the day of t). It is negative
// when b is before a. A case received on Friday and answered on the next
// Tuesday took 2 working days.
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	da, db := c.DateOf(a), c.DateOf(b)
	if db.Before(da) {
		return -c.WorkingDaysBetween(b, a)
	}
	n := 0
	for d := da.AddDays(1); !d.After(db); d = d.AddDays(1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}
