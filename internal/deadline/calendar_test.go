package deadline

import (
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
)

var sh = Shanghai()

// at is an instant in Shanghai.
func at(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, sh) }

// endOf is 24:00 of y-m-d in Shanghai, the way day deadlines end.
func endOf(y int, m time.Month, d int) time.Time { return time.Date(y, m, d+1, 0, 0, 0, 0, sh) }

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := anju.ErrorCode(err); got != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	if field != "" && anju.ErrorField(err) != field {
		t.Fatalf("error = %v, want field %s", err, field)
	}
}

func TestNationalData(t *testing.T) {
	days := National()
	if len(days) != 72 {
		t.Errorf("national data has %d rows, want 72", len(days))
	}
	if got := NationalYears(); len(got) != 2 || got[0] != 2025 || got[1] != 2026 {
		t.Errorf("NationalYears = %v", got)
	}
	// Every listed holiday falls on a day that would otherwise be worked or
	// on a weekend inside a break, and every listed workday on a weekend.
	for _, o := range days {
		wd := o.Date.Weekday()
		if o.Kind == Workday && wd != time.Saturday && wd != time.Sunday {
			t.Errorf("%v: a listed workday that is not a weekend day", o)
		}
	}
}

func TestParseCSVErrors(t *testing.T) {
	for _, in := range []string{
		"date,kind,occasion\n2025-13-01,holiday,x\n",
		"date,kind,occasion\n2025-01-01,party,x\n",
		"date,kind,occasion\n2025-01-01,holiday\n",
	} {
		_, err := ParseCSV(strings.NewReader(in))
		wantCode(t, err, anju.EINVALID, "")
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := Default()
	tests := []struct {
		date string
		want bool
		why  string
	}{
		{"2025-09-26", true, "ordinary Friday"},
		{"2025-09-27", false, "ordinary Saturday"},
		{"2025-09-28", true, "Sunday worked before National Day (调休)"},
		{"2025-09-30", true, "Tuesday before the break"},
		{"2025-10-01", false, "National Day"},
		{"2025-10-06", false, "Mid-Autumn, a Monday"},
		{"2025-10-08", false, "last day of the break, a Wednesday"},
		{"2025-10-09", true, "first working day after the break"},
		{"2025-10-11", true, "Saturday worked after National Day (调休)"},
		{"2025-10-12", false, "ordinary Sunday"},
		{"2025-12-31", true, "New Year's Eve, a Wednesday"},
		{"2026-01-01", false, "New Year"},
		{"2026-01-02", false, "New Year bridge, a Friday"},
		{"2026-01-04", true, "Sunday worked after New Year"},
		{"2026-02-14", true, "Saturday worked before Spring Festival"},
		{"2026-02-16", false, "Spring Festival Eve"},
		{"2026-02-23", false, "last day of Spring Festival, a Monday"},
		{"2026-02-24", true, "back to work"},
		{"2026-02-28", true, "Saturday worked after Spring Festival"},
		{"2027-01-01", true, "2027 is not covered: plain weekday rule"},
		{"2027-01-02", false, "2027 Saturday"},
	}
	for _, tt := range tests {
		d, _ := ParseDate(tt.date)
		if got := c.IsWorkingDay(d); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", tt.date, got, tt.want, tt.why)
		}
	}
}

func TestCoveredYears(t *testing.T) {
	c := Default()
	if !c.Covers(2025) || !c.Covers(2026) || c.Covers(2027) {
		t.Errorf("CoveredYears = %v", c.CoveredYears())
	}
	c2, err := New(Config{Years: []int{2027}, Overrides: []Override{
		{Date: NewDate(2027, 1, 1), Kind: Holiday, Note: "元旦"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c2.CoveredYears(); len(got) != 3 || got[2] != 2027 {
		t.Errorf("CoveredYears with 2027 = %v", got)
	}
	if c2.IsWorkingDay(NewDate(2027, 1, 1)) {
		t.Error("2027-01-01 added by the city should be a holiday")
	}
}

func TestCityOverrides(t *testing.T) {
	c, err := New(Config{Overrides: []Override{
		{Date: NewDate(2025, 9, 29), Kind: Holiday, Note: "台风停工 typhoon"},
		{Date: NewDate(2025, 10, 8), Kind: Workday, Note: "city works the last day of the break"},
		{Date: NewDate(2025, 11, 8), Kind: Workday, Note: "city service Saturday"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if c.IsWorkingDay(NewDate(2025, 9, 29)) {
		t.Error("a city holiday on a Monday should not be worked")
	}
	if !c.IsWorkingDay(NewDate(2025, 10, 8)) {
		t.Error("a city workday should win over the national holiday")
	}
	if !c.IsWorkingDay(NewDate(2025, 11, 8)) {
		t.Error("a Saturday declared a workday should be worked")
	}
	if o, ok := c.Lookup(NewDate(2025, 9, 29)); !ok || !strings.Contains(o.Note, "typhoon") {
		t.Errorf("Lookup = %v, %v", o, ok)
	}
	tests := []struct {
		start time.Time
		n     int
		want  time.Time
	}{
		// Friday: the 28th (调休 Sunday) is the 1st, the 29th is off, the 30th the 2nd.
		{at(2025, 9, 26, 10, 0), 2, endOf(2025, 9, 30)},
		// Received before the break: the city works the 8th.
		{at(2025, 9, 30, 10, 0), 1, endOf(2025, 10, 8)},
		{at(2025, 11, 7, 10, 0), 1, endOf(2025, 11, 8)},
	}
	for _, tt := range tests {
		if got := c.AddWorkingDays(tt.start, tt.n); !got.Equal(tt.want) {
			t.Errorf("AddWorkingDays(%v, %d) = %v, want %v", tt.start, tt.n, got, tt.want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	d := NewDate(2025, 9, 29)
	tests := []Config{
		{Overrides: []Override{{Date: d, Kind: "party"}}},
		{Overrides: []Override{{Kind: Holiday}}},
		{Overrides: []Override{{Date: d, Kind: Holiday}, {Date: d, Kind: Workday}}},
		{Hours: []Period{}},
		{Hours: []Period{{12 * time.Hour, 9 * time.Hour}}},
		{Hours: []Period{{9 * time.Hour, 12 * time.Hour}, {11 * time.Hour, 13 * time.Hour}}},
		{Hours: []Period{{9 * time.Hour, 25 * time.Hour}}},
	}
	for i, cfg := range tests {
		_, err := New(cfg)
		if anju.ErrorCode(err) != anju.EINVALID {
			t.Errorf("config %d: error = %v, want EINVALID", i, err)
		}
	}
}

func TestDate(t *testing.T) {
	d := NewDate(2025, 12, 31)
	if got := d.AddDays(1); got != NewDate(2026, 1, 1) {
		t.Errorf("AddDays = %v", got)
	}
	if NewDate(2026, 3, 1).Sub(NewDate(2026, 2, 1)) != 28 {
		t.Error("Sub across February 2026")
	}
	var p Date
	if err := p.UnmarshalText([]byte("2026-02-14")); err != nil || p != NewDate(2026, 2, 14) {
		t.Errorf("UnmarshalText = %v, %v", p, err)
	}
	if b, _ := p.MarshalText(); string(b) != "2026-02-14" {
		t.Errorf("MarshalText = %s", b)
	}
	if err := p.UnmarshalText([]byte("14/02/2026")); err == nil {
		t.Error("UnmarshalText accepted a bad date")
	}
	// An instant late on the 30th in UTC is already the 1st in Shanghai.
	if got := Default().DateOf(time.Date(2025, 9, 30, 17, 0, 0, 0, time.UTC)); got != NewDate(2025, 10, 1) {
		t.Errorf("DateOf = %v", got)
	}
}

func TestFormatDue(t *testing.T) {
	c := Default()
	if got := c.FormatDue(endOf(2025, 10, 9)); got != "2025-10-09 24:00" {
		t.Errorf("FormatDue(day end) = %q", got)
	}
	if got := c.FormatDue(at(2025, 10, 9, 10, 30)); got != "2025-10-09 10:30" {
		t.Errorf("FormatDue(instant) = %q", got)
	}
}
