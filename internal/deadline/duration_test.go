package deadline

import (
	"testing"
	"time"

	"anju/internal/anju"
)

func TestAddWorkingDays(t *testing.T) {
	c := Default()
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  time.Time
	}{
		{"Tuesday, next day", at(2025, 11, 4, 10, 0), 1, endOf(2025, 11, 5)},
		{"late at night still counts from the next day", at(2025, 11, 4, 23, 59), 1, endOf(2025, 11, 5)},
		{"Friday to Monday", at(2025, 11, 7, 10, 0), 1, endOf(2025, 11, 10)},
		{"received on Saturday", at(2025, 11, 8, 10, 0), 1, endOf(2025, 11, 10)},
		{"Friday before the 调休 Sunday", at(2025, 9, 26, 15, 0), 1, endOf(2025, 9, 28)},
		{"Saturday before the 调休 Sunday", at(2025, 9, 27, 15, 0), 1, endOf(2025, 9, 28)},
		{"received 09-30 before National Day", at(2025, 9, 30, 10, 0), 1, endOf(2025, 10, 9)},
		{"09-30, 2 days", at(2025, 9, 30, 10, 0), 2, endOf(2025, 10, 10)},
		{"09-30, 3 days: the 调休 Saturday", at(2025, 9, 30, 10, 0), 3, endOf(2025, 10, 11)},
		{"09-30, 4 days", at(2025, 9, 30, 10, 0), 4, endOf(2025, 10, 13)},
		{"received during the break", at(2025, 10, 3, 10, 0), 1, endOf(2025, 10, 9)},
		{"year boundary to the 调休 Sunday", at(2025, 12, 31, 10, 0), 1, endOf(2026, 1, 4)},
		{"year boundary, 2 days", at(2025, 12, 31, 10, 0), 2, endOf(2026, 1, 5)},
		{"Spring Festival: the 调休 Saturday", at(2026, 2, 13, 10, 0), 1, endOf(2026, 2, 14)},
		{"Spring Festival: over the break", at(2026, 2, 13, 10, 0), 2, endOf(2026, 2, 24)},
		{"Spring Festival: 5 days", at(2026, 2, 13, 10, 0), 5, endOf(2026, 2, 27)},
		{"Spring Festival: 6 days, the 调休 Saturday after", at(2026, 2, 13, 10, 0), 6, endOf(2026, 2, 28)},
		{"2027 not covered: 01-01 counted as a weekday", at(2026, 12, 31, 10, 0), 1, endOf(2027, 1, 1)},
		{"zero", at(2025, 11, 4, 10, 0), 0, at(2025, 11, 4, 10, 0)},
	}
	for _, tt := range tests {
		if got := c.AddWorkingDays(tt.start, tt.n); !got.Equal(tt.want) {
			t.Errorf("%s: AddWorkingDays = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAddCalendarDays(t *testing.T) {
	c := Default()
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  time.Time
	}{
		{"ends on a working day", at(2025, 9, 30, 10, 0), 15, endOf(2025, 10, 15)},
		{"ends on National Day: runs to 10-09", at(2025, 9, 16, 10, 0), 15, endOf(2025, 10, 9)},
		{"ends on the 调休 Sunday, a working day", at(2025, 9, 13, 10, 0), 15, endOf(2025, 9, 28)},
		{"ends on an ordinary Saturday", at(2025, 11, 7, 10, 0), 15, endOf(2025, 11, 24)},
		{"ends on New Year across the year", at(2025, 12, 17, 10, 0), 15, endOf(2026, 1, 4)},
		{"ends in Spring Festival", at(2026, 1, 19, 10, 0), 30, endOf(2026, 2, 24)},
		{"ends on the 调休 Saturday after Spring Festival", at(2026, 2, 13, 10, 0), 15, endOf(2026, 2, 28)},
		{"holidays inside the period count", at(2025, 9, 30, 10, 0), 1, endOf(2025, 10, 9)},
		{"zero", at(2025, 9, 30, 10, 0), 0, at(2025, 9, 30, 10, 0)},
	}
	for _, tt := range tests {
		if got := c.AddCalendarDays(tt.start, tt.n); !got.Equal(tt.want) {
			t.Errorf("%s: AddCalendarDays = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAddWorkingHours(t *testing.T) {
	c := Default()
	tests := []struct {
		name  string
		start time.Time
		h     int
		want  time.Time
	}{
		{"within the morning", at(2025, 11, 3, 9, 0), 2, at(2025, 11, 3, 11, 0)},
		{"ends exactly at noon", at(2025, 11, 3, 9, 0), 3, at(2025, 11, 3, 12, 0)},
		{"across lunch", at(2025, 11, 3, 11, 0), 2, at(2025, 11, 3, 14, 30)},
		{"from lunch time", at(2025, 11, 3, 12, 30), 1, at(2025, 11, 3, 14, 30)},
		{"before opening", at(2025, 11, 3, 7, 0), 1, at(2025, 11, 3, 10, 0)},
		{"a full day", at(2025, 11, 3, 9, 0), 7, at(2025, 11, 3, 17, 30)},
		{"into the next day", at(2025, 11, 3, 9, 0), 8, at(2025, 11, 4, 10, 0)},
		{"after closing", at(2025, 11, 3, 20, 0), 1, at(2025, 11, 4, 10, 0)},
		{"Friday evening to the 调休 Sunday", at(2025, 9, 26, 17, 0), 2, at(2025, 9, 28, 10, 30)},
		{"09-30 across National Day", at(2025, 9, 30, 16, 0), 4, at(2025, 10, 9, 11, 30)},
		{"New Year's Eve to the 调休 Sunday", at(2025, 12, 31, 17, 0), 1, at(2026, 1, 4, 9, 30)},
		{"start given in UTC", time.Date(2025, 9, 26, 9, 0, 0, 0, time.UTC), 2, at(2025, 9, 28, 10, 30)},
		{"zero", at(2025, 11, 3, 7, 0), 0, at(2025, 11, 3, 7, 0)},
	}
	for _, tt := range tests {
		if got := c.AddWorkingHours(tt.start, tt.h); !got.Equal(tt.want) {
			t.Errorf("%s: AddWorkingHours = %v, want %v", tt.name, got, tt.want)
		}
	}

	custom, err := New(Config{Hours: []Period{{8 * time.Hour, 18 * time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := custom.AddWorkingHours(at(2025, 11, 3, 17, 0), 2), at(2025, 11, 4, 9, 0); !got.Equal(want) {
		t.Errorf("custom hours: %v, want %v", got, want)
	}
	if got, want := c.AddWorkingTime(at(2025, 11, 3, 11, 50), 20*time.Minute), at(2025, 11, 3, 13, 40); !got.Equal(want) {
		t.Errorf("AddWorkingTime: %v, want %v", got, want)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		a, b time.Time
		want int
	}{
		{"same day", at(2025, 11, 4, 9, 0), at(2025, 11, 4, 17, 0), 0},
		{"Friday to Tuesday", at(2025, 11, 7, 9, 0), at(2025, 11, 11, 9, 0), 2},
		{"over National Day", at(2025, 9, 30, 9, 0), at(2025, 10, 10, 9, 0), 2},
		{"reversed", at(2025, 10, 10, 9, 0), at(2025, 9, 30, 9, 0), -2},
		{"year boundary", at(2025, 12, 31, 9, 0), at(2026, 1, 5, 9, 0), 2},
		{"Spring Festival", at(2026, 2, 13, 9, 0), at(2026, 2, 24, 9, 0), 2},
	}
	for _, tt := range tests {
		if got := c.WorkingDaysBetween(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: WorkingDaysBetween = %d, want %d", tt.name, got, tt.want)
		}
	}
	// WorkingDaysBetween counts like AddWorkingDays: the due instant minus a
	// moment is on the n-th working day.
	start := at(2025, 9, 30, 10, 0)
	for n := 1; n <= 30; n++ {
		due := c.AddWorkingDays(start, n)
		if got := c.WorkingDaysBetween(start, due.Add(-time.Second)); got != n {
			t.Errorf("n=%d: WorkingDaysBetween(start, due) = %d", n, got)
		}
	}
}

func TestDue(t *testing.T) {
	c := Default()
	start := at(2025, 9, 30, 16, 0)
	tests := []struct {
		d    Duration
		want time.Time
	}{
		{Duration{1, WorkingDays}, endOf(2025, 10, 9)},
		{Duration{4, WorkingHours}, at(2025, 10, 9, 11, 30)},
		{Duration{15, CalendarDays}, endOf(2025, 10, 15)},
		{Duration{2, Hours}, at(2025, 9, 30, 18, 0)},
		{Duration{24, Hours}, at(2025, 10, 1, 16, 0)},
	}
	for _, tt := range tests {
		if got := c.Due(start, tt.d); !got.Equal(tt.want) {
			t.Errorf("Due(%v) = %v, want %v", tt.d, got, tt.want)
		}
	}
	for _, bad := range []Duration{{0, WorkingDays}, {-1, Hours}, {1, "fortnights"}} {
		if bad.Validate() == nil {
			t.Errorf("%v validated", bad)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Due(%v) did not panic", bad)
				}
			}()
			c.Due(start, bad)
		}()
	}
}

func TestPolicy(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.Rules = append(p.Rules,
		Rule{Category: "01", Priority: PriorityNormal, Deadlines: Deadlines{Duration{2, WorkingHours}, Duration{5, WorkingDays}}},
		Rule{Category: "0102", Priority: PriorityUrgent, Deadlines: Deadlines{Duration{30, Hours}, Duration{3, CalendarDays}}},
	)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		priority string
		cats     []string
		want     Deadlines
		ok       bool
	}{
		{PriorityNormal, []string{"0102", "01"}, Deadlines{Duration{2, WorkingHours}, Duration{5, WorkingDays}}, true},
		{PriorityUrgent, []string{"0102", "01"}, Deadlines{Duration{30, Hours}, Duration{3, CalendarDays}}, true},
		{PriorityUrgent, []string{"01"}, Deadlines{Duration{2, Hours}, Duration{24, Hours}}, true},
		{PriorityNormal, []string{"02"}, Deadlines{Duration{1, WorkingDays}, Duration{15, WorkingDays}}, true},
		{PriorityNormal, nil, Deadlines{Duration{1, WorkingDays}, Duration{15, WorkingDays}}, true},
		{"whenever", nil, Deadlines{}, false},
	}
	for _, tt := range tests {
		got, ok := p.Lookup(tt.priority, tt.cats...)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Lookup(%s, %v) = %v, %v; want %v, %v", tt.priority, tt.cats, got, ok, tt.want, tt.ok)
		}
	}

	// A case received on 09-30 at 16:00 under the default policy.
	c := Default()
	d, _ := DefaultPolicy().Lookup(PriorityNormal)
	if got := c.Due(at(2025, 9, 30, 16, 0), d.Resolution); !got.Equal(endOf(2025, 10, 28)) {
		t.Errorf("normal resolution due %v", got)
	}

	bad := []Policy{
		{Rules: []Rule{{Priority: PriorityNormal, Deadlines: Deadlines{Duration{1, WorkingDays}, Duration{1, WorkingDays}}}}},
		{Rules: append(DefaultPolicy().Rules, Rule{Priority: "later", Deadlines: Deadlines{Duration{1, Hours}, Duration{1, Hours}}})},
		{Rules: append(DefaultPolicy().Rules, Rule{Priority: PriorityNormal, Deadlines: Deadlines{Duration{1, Hours}, Duration{1, Hours}}})},
		{Rules: append(DefaultPolicy().Rules, Rule{Category: "01", Priority: PriorityNormal, Deadlines: Deadlines{Duration{0, Hours}, Duration{1, Hours}}})},
	}
	for i, p := range bad {
		if err := p.Validate(); anju.ErrorCode(err) != anju.EINVALID {
			t.Errorf("bad policy %d: %v", i, err)
		}
	}
}
