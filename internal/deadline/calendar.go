package deadline

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"time"

	"anju/internal/anju"
)

// DayKind says what a listed date is.
type DayKind string

const (
	// Holiday is a day off: a public holiday, or a weekday given off by 调休.
	Holiday DayKind = "holiday"
	// Workday is a Saturday or Sunday on which people work (调休上班).
	Workday DayKind = "workday"
)

// Override declares one date a holiday or a workday, with a note that says
// why ("春节 Spring Festival", "city flood day").
type Override struct {
	Date Date    `json:"date"`
	Kind DayKind `json:"kind"`
	Note string  `json:"note,omitempty"`
}

// Period is a stretch of working time within a working day, as offsets from
// midnight: {9 * time.Hour, 12 * time.Hour} is 09:00–12:00.
type Period struct {
	From time.Duration `json:"from"`
	To   time.Duration `json:"to"`
}

// DefaultHours are the working hours used when a city sets none: 09:00–12:00
// and 13:30–17:30, seven hours a day, the usual office hours of a Chinese
// government office with a lunch break. AddWorkingHours counts only these.
var DefaultHours = []Period{
	{9 * time.Hour, 12 * time.Hour},
	{13*time.Hour + 30*time.Minute, 17*time.Hour + 30*time.Minute},
}

// nationalCSV is the State Council General Office's holiday arrangements for
// 2025 (国办发明电〔2024〕12号) and 2026 (published 2025-11-04): every day
// off and every weekend day worked. See calendar/README.md.
//
//go:embed calendar/cn-2025-2026.csv
var nationalCSV []byte

var national, nationalYears = mustParseNational()

func mustParseNational() ([]Override, []int) {
	days, err := ParseCSV(bytes.NewReader(nationalCSV))
	if err != nil {
		// The file is part of the binary and a test parses it, so this
		// cannot happen in a released build.
		panic("deadline: embedded national calendar: " + err.Error())
	}
	var years []int
	for _, o := range days {
		if !slices.Contains(years, o.Date.Year) {
			years = append(years, o.Date.Year)
		}
	}
	slices.Sort(years)
	return days, years
}

// National returns the official PRC holiday arrangements shipped with the
// binary (a copy; callers may modify it).
func National() []Override { return slices.Clone(national) }

// NationalYears returns the years whose official notice is shipped with the
// binary, in ascending order (2025 and 2026 in this build).
func NationalYears() []int { return slices.Clone(nationalYears) }

// ParseCSV reads overrides in the format of calendar/cn-2025-2026.csv: a
// header line, then "date,kind,occasion" rows such as
// "2025-09-28,workday,国庆节、中秋节". It returns EINVALID on a bad row.
func ParseCSV(r io.Reader) ([]Override, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	var out []Override
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, anju.Errorf(anju.EINVALID, "calendar line %d: %v", line, err)
		}
		if line == 1 && rec[0] == "date" {
			continue
		}
		d, err := ParseDate(rec[0])
		if err != nil {
			return nil, anju.Errorf(anju.EINVALID, "calendar line %d: %v", line, err)
		}
		k := DayKind(rec[1])
		if k != Holiday && k != Workday {
			return nil, anju.Errorf(anju.EINVALID, "calendar line %d: kind %q is neither holiday nor workday", line, rec[1])
		}
		out = append(out, Override{Date: d, Kind: k, Note: rec[2]})
	}
}

// Config describes one city's calendar.
type Config struct {
	// Location is the city's time zone; nil means Asia/Shanghai.
	Location *time.Location
	// Overrides are the city's own declarations. They take precedence over
	// the national data for the same date, so a city can add local holidays,
	// make a day a workday, or add next year's national notice before a
	// release ships it.
	Overrides []Override
	// Years lists the years whose complete national notice Overrides
	// includes; they are added to CoveredYears. A city that enters the
	// notice for 2027 as overrides lists 2027 here.
	Years []int
	// Hours are the working periods of a working day, ascending and not
	// overlapping; nil means DefaultHours.
	Hours []Period
}

// Calendar tells working days from rest days for one city and does deadline
// arithmetic on them. It is immutable once built and safe for concurrent use.
//
// A date is a working day when it is listed as a Workday (city overrides
// first, then the national data), or when it is Monday to Friday and not
// listed as a Holiday. Outside the covered years (CoveredYears) nothing is
// listed, so the plain weekday rule applies: a city must add the next year's
// State Council notice (published each November) as overrides, or the
// calendar will count its holidays as working days.
type Calendar struct {
	loc   *time.Location
	days  map[Date]Override
	years []int
	hours []Period
}

// Shanghai returns the Asia/Shanghai zone. If the system has no zone database
// it falls back to a fixed UTC+8 zone, which is exact: China has not observed
// daylight saving time since 1991.
func Shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}

// New builds a calendar from the national data and cfg. It returns EINVALID
// for an override with an unknown kind or a zero date, two city overrides for
// the same date, or working hours that are empty, unordered or overlapping.
func New(cfg Config) (*Calendar, error) {
	c := &Calendar{
		loc:   cfg.Location,
		days:  make(map[Date]Override, len(national)+len(cfg.Overrides)),
		years: slices.Clone(nationalYears),
		hours: slices.Clone(cfg.Hours),
	}
	if c.loc == nil {
		c.loc = Shanghai()
	}
	if c.hours == nil {
		c.hours = slices.Clone(DefaultHours)
	}
	if err := validateHours(c.hours); err != nil {
		return nil, err
	}
	for _, o := range national {
		c.days[o.Date] = o
	}
	seen := make(map[Date]bool, len(cfg.Overrides))
	for _, o := range cfg.Overrides {
		if o.Date.IsZero() {
			return nil, anju.FieldError("overrides", "an override has no date")
		}
		if o.Kind != Holiday && o.Kind != Workday {
			return nil, anju.FieldError("overrides", "override %s: kind %q is neither holiday nor workday", o.Date, o.Kind)
		}
		if seen[o.Date] {
			return nil, anju.FieldError("overrides", "override %s is declared twice", o.Date)
		}
		seen[o.Date] = true
		c.days[o.Date] = o
	}
	for _, y := range cfg.Years {
		if !slices.Contains(c.years, y) {
			c.years = append(c.years, y)
		}
	}
	slices.Sort(c.years)
	return c, nil
}

func validateHours(hs []Period) error {
	if len(hs) == 0 {
		return anju.FieldError("hours", "working hours must have at least one period")
	}
	var prev time.Duration
	for i, p := range hs {
		if p.From < 0 || p.To > 24*time.Hour || p.From >= p.To {
			return anju.FieldError("hours", "working period %d (%v–%v) must lie within one day and end after it starts", i+1, p.From, p.To)
		}
		if i > 0 && p.From < prev {
			return anju.FieldError("hours", "working period %d starts before period %d ends", i+1, i)
		}
		prev = p.To
	}
	return nil
}

var defaultCalendar = func() *Calendar {
	c, err := New(Config{})
	if err != nil {
		panic("deadline: default calendar: " + err.Error())
	}
	return c
}()

// Default returns the national calendar in Asia/Shanghai with DefaultHours.
func Default() *Calendar { return defaultCalendar }

// Location returns the city's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Hours returns the working periods of a working day.
func (c *Calendar) Hours() []Period { return slices.Clone(c.hours) }

// CoveredYears returns, ascending, the years for which the calendar holds the
// official holiday notice (the shipped national data plus Config.Years).
// Dates in other years follow the plain weekday rule.
func (c *Calendar) CoveredYears() []int { return slices.Clone(c.years) }

// Covers reports whether the official notice for year is in the calendar.
func (c *Calendar) Covers(year int) bool { return slices.Contains(c.years, year) }

// DateOf returns the civil date on which t falls in the city's zone.
func (c *Calendar) DateOf(t time.Time) Date { return dateOf(t.In(c.loc)) }

// Lookup returns the override listed for d, if any, for showing why a day is
// or is not worked.
func (c *Calendar) Lookup(d Date) (Override, bool) {
	o, ok := c.days[d]
	return o, ok
}

// IsWorkingDay reports whether d is a working day: a listed Workday, or
// Monday to Friday and not a listed Holiday.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if o, ok := c.days[d]; ok {
		return o.Kind == Workday
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// NextWorkingDay returns the first working day strictly after d.
func (c *Calendar) NextWorkingDay(d Date) Date {
	for {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			return d
		}
	}
}

// endOfDay is 24:00 of d in the city's zone, which is the same instant as
// 00:00 of the next day. 《民法典》第二百零三条第二款: 期间的最后一日的截止时间为二十四时.
func (c *Calendar) endOfDay(d Date) time.Time { return d.AddDays(1).In(c.loc) }

func (o Override) String() string { return fmt.Sprintf("%s %s %s", o.Date, o.Kind, o.Note) }

// FormatDue shows a deadline the way people read it: a day-unit deadline,
// which ends at 24:00 of its last day, as "2025-10-09 24:00" rather than as
// 00:00 of the next day; any other instant as "2006-01-02 15:04", in the
// city's zone.
func (c *Calendar) FormatDue(due time.Time) string {
	local := due.In(c.loc)
	if local.Hour() == 0 && local.Minute() == 0 && local.Second() == 0 && local.Nanosecond() == 0 {
		return c.DateOf(local.Add(-time.Nanosecond)).String() + " 24:00"
	}
	return local.Format("2006-01-02 15:04")
}
