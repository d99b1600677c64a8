package hazard

import (
	"fmt"
	"time"

	"anju/internal/anju"
)

// China is the time zone inspection days are counted in. China keeps one
// offset all year, so a fixed zone is exact and needs no tz database.
var China = time.FixedZone("CST", 8*3600)

// Unit is the unit of an inspection frequency.
type Unit string

const (
	UnitWeek  Unit = "week"
	UnitMonth Unit = "month"
)

// Frequency is how often a hazard is inspected: once in every Every weeks or
// months. Periods are aligned to the calendar (weeks start on Monday, months
// on the 1st, quarters in January, April, July and October), so that every
// server computes the same period for the same day and a task's period is a
// key that makes generation idempotent.
type Frequency struct {
	Every int  `json:"every"`
	Unit  Unit `json:"unit"`
}

// The usual frequencies.
var (
	Weekly      = Frequency{1, UnitWeek}
	Fortnightly = Frequency{2, UnitWeek}
	Monthly     = Frequency{1, UnitMonth}
	Quarterly   = Frequency{3, UnitMonth}
)

// Validate checks that f has a period that tiles the calendar: 1–8 weeks,
// or a number of months that divides the year (1, 2, 3, 4, 6 or 12).
func (f Frequency) Validate() error {
	switch f.Unit {
	case UnitWeek:
		if f.Every < 1 || f.Every > 8 {
			return anju.FieldError("every", "an inspection every %d weeks: choose 1 to 8", f.Every)
		}
	case UnitMonth:
		if f.Every < 1 || 12%f.Every != 0 {
			return anju.FieldError("every", "an inspection every %d months: choose 1, 2, 3, 4, 6 or 12", f.Every)
		}
	default:
		return anju.FieldError("unit", "unit must be week or month, not %q", f.Unit)
	}
	return nil
}

func (f Frequency) String() string { return fmt.Sprintf("every %d %s", f.Every, f.Unit) }

// Plan is the inspection frequency of each risk level, which a city may set
// (see DefaultPlan).
type Plan map[RiskLevel]Frequency

// DefaultPlan is the frequency a city starts with: weekly for major risks,
// fortnightly for high, monthly for medium and quarterly for low, the rhythm
// of common 网格化 safety patrol rules.
func DefaultPlan() Plan {
	return Plan{RiskMajor: Weekly, RiskHigh: Fortnightly, RiskMedium: Monthly, RiskLow: Quarterly}
}

// Validate checks every level's frequency; a level missing from p keeps
// the default (see Frequency).
func (p Plan) Validate() error {
	for l, f := range p {
		if !l.Valid() {
			return anju.FieldError("risk_level", "unknown risk level %q", l)
		}
		if err := f.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Frequency returns the frequency of level l: the plan's, or the default's.
func (p Plan) Frequency(l RiskLevel) Frequency {
	if f, ok := p[l]; ok {
		return f
	}
	return DefaultPlan()[l]
}

// Day returns the calendar day (in China time) of the instant t, as midnight
// UTC of that date: the representation of a day throughout this package.
func Day(t time.Time) time.Time {
	y, m, d := t.In(China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ParseDay reads a day written as 2006-01-02.
func ParseDay(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

// Period is the span of days one inspection task covers; the task is due on
// End, its last day.
type Period struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// weekEpoch is a Monday from which periods of several weeks are counted,
// so that fortnights are the same fortnights on every server.
var weekEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// PeriodOf returns the period of frequency f that holds day (see Day).
func (f Frequency) PeriodOf(day time.Time) Period {
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	switch f.Unit {
	case UnitMonth:
		every := max(f.Every, 1)
		idx := day.Year()*12 + int(day.Month()) - 1
		idx -= idx % every
		start := time.Date(idx/12, time.Month(idx%12+1), 1, 0, 0, 0, 0, time.UTC)
		return Period{start, start.AddDate(0, every, -1)}
	default:
		span := 7 * max(f.Every, 1)
		days := int(day.Sub(weekEpoch).Hours() / 24)
		n := days / span
		if days < 0 && days%span != 0 {
			n-- // floor, not truncation, for days before the epoch
		}
		start := weekEpoch.AddDate(0, 0, n*span)
		return Period{start, start.AddDate(0, 0, span-1)}
	}
}

// Schedule is the rhythm rule: on day today, a hazard inspected at frequency
// f is owed a task for the period that holds today, and is next looked at on
// the day after that period ends. The store keeps that next day on the
// hazard, so that a scheduler pass reads only the hazards that are owed a
// task. A hazard left unvisited across several periods (a server down for a
// month) is owed the current period only: a task for a period already past
// could only ever be missed.
func Schedule(f Frequency, today time.Time) (task Period, next time.Time) {
	p := f.PeriodOf(today)
	return p, p.End.AddDate(0, 0, 1)
}

// Reschedule is the next check of a hazard whose frequency becomes f on
// day today (its risk level changed) while next was its next check: the
// earlier of next and the day after f's current period ends. A hazard made
// graver is inspected on its new rhythm from its next period at the latest;
// one made milder keeps the check it was already owed. The current period
// keeps the task it has, since a second task over an overlapping period
// would be counted twice.
func Reschedule(next time.Time, f Frequency, today time.Time) time.Time {
	if _, n := Schedule(f, today); n.Before(next) {
		return n
	}
	return next
}

// DayStart is the instant day (see Day) begins in China.
func DayStart(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, China)
}
