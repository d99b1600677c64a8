package hazard

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
)

func day(s string) time.Time {
	d, err := ParseDay(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestPeriodOfAcrossMonthAndYearEnds(t *testing.T) {
	for _, tc := range []struct {
		f          Frequency
		on         string
		start, end string
	}{
		{Weekly, "2026-12-31", "2026-12-28", "2027-01-03"}, // a week across the new year
		{Weekly, "2027-01-03", "2026-12-28", "2027-01-03"}, // its Sunday
		{Weekly, "2027-01-04", "2027-01-04", "2027-01-10"}, // the next Monday
		{Weekly, "2026-03-01", "2026-02-23", "2026-03-01"}, // across the end of February
		{Fortnightly, "2024-01-01", "2024-01-01", "2024-01-14"},
		{Fortnightly, "2024-01-15", "2024-01-15", "2024-01-28"},
		{Fortnightly, "2023-12-31", "2023-12-18", "2023-12-31"}, // before the epoch: floor, not truncation
		{Fortnightly, "2026-12-30", "2026-12-28", "2027-01-10"}, // 1092 days (78 fortnights) after the epoch
		{Monthly, "2026-12-31", "2026-12-01", "2026-12-31"},
		{Monthly, "2027-01-01", "2027-01-01", "2027-01-31"},
		{Monthly, "2028-02-15", "2028-02-01", "2028-02-29"}, // leap year
		{Monthly, "2027-02-28", "2027-02-01", "2027-02-28"},
		{Quarterly, "2026-11-20", "2026-10-01", "2026-12-31"},
		{Quarterly, "2027-01-01", "2027-01-01", "2027-03-31"},
		{Quarterly, "2026-06-30", "2026-04-01", "2026-06-30"},
		{Frequency{6, UnitMonth}, "2026-07-01", "2026-07-01", "2026-12-31"},
		{Frequency{12, UnitMonth}, "2026-03-03", "2026-01-01", "2026-12-31"},
	} {
		p := tc.f.PeriodOf(day(tc.on))
		if got := p.Start.Format(time.DateOnly) + ".." + p.End.Format(time.DateOnly); got != tc.start+".."+tc.end {
			t.Errorf("%v on %s: %s, want %s..%s", tc.f, tc.on, got, tc.start, tc.end)
		}
	}
}

func TestScheduleRhythm(t *testing.T) {
	// Following the rhythm from a day, each next check falls on the start
	// of the next period, with no gap and no overlap, across year ends.
	for _, f := range []Frequency{Weekly, Fortnightly, Monthly, Quarterly} {
		d := day("2026-11-17")
		var prev Period
		for i := 0; i < 30; i++ {
			task, next := Schedule(f, d)
			if i > 0 && !task.Start.Equal(prev.End.AddDate(0, 0, 1)) {
				t.Fatalf("%v: period %v does not follow %v", f, task, prev)
			}
			if !next.Equal(task.End.AddDate(0, 0, 1)) || next.Before(d) {
				t.Fatalf("%v: next check %v after period %v", f, next, task)
			}
			prev, d = task, next
		}
	}
}

func TestDayIsChinaTime(t *testing.T) {
	// 2026-12-31 17:00 UTC is 2027-01-01 01:00 in Beijing: a new year's
	// day, a new week's period and a new quarter.
	at := time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC)
	if got := Day(at).Format(time.DateOnly); got != "2027-01-01" {
		t.Errorf("Day = %s", got)
	}
	if got := Quarterly.PeriodOf(Day(at)).Start.Format(time.DateOnly); got != "2027-01-01" {
		t.Errorf("quarter = %s", got)
	}
}

func TestFrequencyAndPlanValidate(t *testing.T) {
	for _, tc := range []struct {
		f     Frequency
		field string
	}{
		{Weekly, ""}, {Fortnightly, ""}, {Monthly, ""}, {Quarterly, ""}, {Frequency{8, UnitWeek}, ""},
		{Frequency{0, UnitWeek}, "every"}, {Frequency{9, UnitWeek}, "every"}, {Frequency{5, UnitMonth}, "every"},
		{Frequency{1, "day"}, "unit"},
	} {
		if got := anju.ErrorField(tc.f.Validate()); got != tc.field {
			t.Errorf("%v: field %q, want %q", tc.f, got, tc.field)
		}
	}
	if err := (Plan{"grave": Weekly}).Validate(); anju.ErrorField(err) != "risk_level" {
		t.Errorf("unknown level: %v", err)
	}
	p := Plan{RiskMajor: Frequency{3, UnitWeek}}
	if p.Frequency(RiskMajor) != (Frequency{3, UnitWeek}) || p.Frequency(RiskLow) != Quarterly {
		t.Errorf("plan with a city's major and the default low: %v %v", p.Frequency(RiskMajor), p.Frequency(RiskLow))
	}
	d := DefaultPlan()
	if d[RiskMajor] != Weekly || d[RiskHigh] != Fortnightly || d[RiskMedium] != Monthly || d[RiskLow] != Quarterly {
		t.Errorf("default plan %v", d)
	}
}

func TestHazardValidate(t *testing.T) {
	good := func() Hazard {
		return Hazard{Type: TypeGas, Name: "幸福小区燃气调压站", Address: "幸福路1号", Lat: 30.05, Lon: 120.02,
			RiskLevel: RiskMajor, Owner: "市燃气集团"}
	}
	for _, tc := range []struct {
		name  string
		edit  func(h *Hazard)
		field string
	}{
		{"good", func(h *Hazard) {}, ""},
		{"unknown type", func(h *Hazard) { h.Type = "volcano" }, "type"},
		{"unknown risk", func(h *Hazard) { h.RiskLevel = "extreme" }, "risk_level"},
		{"no name", func(h *Hazard) { h.Name = " \u200b " }, "name"},
		{"long name", func(h *Hazard) { h.Name = strings.Repeat("楼", MaxName+1) }, "name"},
		{"long address", func(h *Hazard) { h.Address = strings.Repeat("路", MaxAddress+1) }, "address"},
		{"no owner", func(h *Hazard) { h.Owner = "" }, "owner"},
		{"long owner", func(h *Hazard) { h.Owner = strings.Repeat("司", MaxOwner+1) }, "owner"},
		{"long note", func(h *Hazard) { h.Note = strings.Repeat("注", MaxNote+1) }, "note"},
		{"no point", func(h *Hazard) { h.Lat, h.Lon = 0, 0 }, "lat"},
		{"bad lat", func(h *Hazard) { h.Lat = 91 }, "lat"},
		{"bad lon", func(h *Hazard) { h.Lon = -181 }, "lon"},
	} {
		h := good()
		tc.edit(&h)
		if got := anju.ErrorField(h.Validate()); got != tc.field {
			t.Errorf("%s: field %q, want %q", tc.name, got, tc.field)
		}
	}
}

func TestTaskTransitions(t *testing.T) {
	w, sys, d := anju.RoleGridWorker, cases.RoleSystem, anju.RoleDispatcher
	for _, tc := range []struct {
		from TaskState
		a    TaskAction
		role anju.Role
		to   TaskState
		code string
	}{
		{TaskDue, TaskComplete, w, TaskDone, ""},
		{TaskDue, TaskComplete, sys, TaskDone, ""},
		{TaskMissed, TaskComplete, w, TaskDone, ""}, // late
		{TaskDone, TaskComplete, w, "", anju.ECONFLICT},
		{TaskDue, TaskComplete, d, "", anju.EFORBIDDEN},
		{TaskDue, TaskMiss, sys, TaskMissed, ""},
		{TaskDue, TaskMiss, w, "", anju.EFORBIDDEN},
		{TaskDone, TaskMiss, sys, "", anju.ECONFLICT},
		{TaskMissed, TaskMiss, sys, "", anju.ECONFLICT},
		{TaskDue, "skip", w, "", anju.EINVALID},
		{"lost", TaskComplete, w, "", anju.EINVALID},
	} {
		got, err := TaskTransition(tc.from, tc.a, tc.role)
		if anju.ErrorCode(err) != tc.code || (tc.code == "" && got != tc.to) {
			t.Errorf("%s %s by %s: %s %v, want %s %q", tc.from, tc.a, tc.role, got, err, tc.to, tc.code)
		}
	}
}

func TestFindingTransitions(t *testing.T) {
	w, sys, d, h := anju.RoleGridWorker, cases.RoleSystem, anju.RoleDispatcher, anju.RoleHandler
	for _, tc := range []struct {
		from FindingState
		a    FindingAction
		role anju.Role
		to   FindingState
		code string
	}{
		{FindingOpen, FindingDispatch, sys, FindingRectifying, ""},
		{FindingOpen, FindingDispatch, d, FindingRectifying, ""},
		{FindingOpen, FindingDispatch, w, "", anju.EFORBIDDEN},
		{FindingRectifying, FindingDispatch, sys, "", anju.ECONFLICT},
		{FindingRectifying, FindingPass, w, FindingClosed, ""},
		{FindingOpen, FindingPass, d, FindingClosed, ""},
		{FindingRectifying, FindingPass, h, "", anju.EFORBIDDEN}, // the department does not check itself
		{FindingRectifying, FindingSendBack, w, FindingRectifying, ""},
		{FindingOpen, FindingSendBack, w, FindingOpen, ""},
		{FindingClosed, FindingSendBack, w, "", anju.ECONFLICT},
		{FindingClosed, FindingPass, w, "", anju.ECONFLICT},
		{FindingClosed, FindingDispatch, sys, "", anju.ECONFLICT},
		{FindingOpen, "reopen", w, "", anju.EINVALID},
		{"lost", FindingPass, w, "", anju.EINVALID},
	} {
		got, err := FindingTransition(tc.from, tc.a, tc.role)
		if anju.ErrorCode(err) != tc.code || (tc.code == "" && got != tc.to) {
			t.Errorf("%s %s by %s: %s %v, want %s %q", tc.from, tc.a, tc.role, got, err, tc.to, tc.code)
		}
	}
}

func TestChecklists(t *testing.T) {
	for _, ty := range Types {
		c := DefaultChecklist(ty)
		if err := c.Validate(); err != nil {
			t.Errorf("default checklist of %s: %v", ty, err)
		}
		if !strings.HasPrefix(c.Category, "12") {
			t.Errorf("%s opens cases in %s, outside the 安全隐患 group", ty, c.Category)
		}
		for _, it := range c.Items {
			if it.Category != "" && !strings.HasPrefix(it.Category, "12") {
				t.Errorf("%s.%s opens cases in %s", ty, it.Key, it.Category)
			}
		}
	}
	c := DefaultChecklist(TypeHighRise)
	c.Items[0].Text = "改过"
	if DefaultChecklist(TypeHighRise).Items[0].Text == "改过" {
		t.Error("DefaultChecklist shares its items")
	}
	if c.CategoryOf("ebike") != "1204" || c.CategoryOf("exits") != "1201" {
		t.Errorf("categories of items: %s %s", c.CategoryOf("ebike"), c.CategoryOf("exits"))
	}
	for _, tc := range []struct {
		name  string
		edit  func(c *Checklist)
		field string
	}{
		{"unknown type", func(c *Checklist) { c.Type = "volcano" }, "type"},
		{"no category", func(c *Checklist) { c.Category = "" }, "category"},
		{"no items", func(c *Checklist) { c.Items = nil }, "items"},
		{"too many items", func(c *Checklist) {
			for len(c.Items) <= MaxItems {
				c.Items = append(c.Items, Item{Key: "k" + strings.Repeat("x", len(c.Items)%30), Text: "x"})
			}
		}, "items"},
		{"bad key", func(c *Checklist) { c.Items[1].Key = "Fire Lane" }, "items[1].key"},
		{"twice", func(c *Checklist) { c.Items[1].Key = c.Items[0].Key }, "items[1].key"},
		{"no text", func(c *Checklist) { c.Items[2].Text = " " }, "items[2].text"},
		{"the same question twice", func(c *Checklist) { c.Items[3].Text = c.Items[1].Text + " " }, "items[3].text"},
		{"bad category", func(c *Checklist) { c.Items[0].Category = "no spaces" }, "items[0].category"},
	} {
		c := DefaultChecklist(TypeGas)
		tc.edit(&c)
		if got := anju.ErrorField(c.Validate()); got != tc.field {
			t.Errorf("%s: field %q, want %q", tc.name, got, tc.field)
		}
	}
}

func TestValidateAnswers(t *testing.T) {
	c := DefaultChecklist(TypeGas) // leak, alarm, hose, ventilation
	all := func() []Answer {
		return []Answer{{Item: "leak", Result: Pass}, {Item: "alarm", Result: Fail, Finding: "报警器失效"},
			{Item: "hose", Result: NA}, {Item: "ventilation", Result: Pass}}
	}
	for _, tc := range []struct {
		name  string
		edit  func(a []Answer) []Answer
		field string
	}{
		{"good", func(a []Answer) []Answer { return a }, ""},
		{"empty", func(a []Answer) []Answer { return nil }, "answers"},
		{"one missing", func(a []Answer) []Answer { return a[:3] }, "answers"},
		{"unknown item", func(a []Answer) []Answer { return append(a, Answer{Item: "roof", Result: Pass}) }, "answers[4].item"},
		{"twice", func(a []Answer) []Answer { a[3].Item = "leak"; return a }, "answers[3].item"},
		{"bad result", func(a []Answer) []Answer { a[0].Result = "ok"; return a }, "answers[0].result"},
		{"fail without finding", func(a []Answer) []Answer { a[1].Finding = " "; return a }, "answers[1].finding"},
		{"long finding", func(a []Answer) []Answer { a[1].Finding = strings.Repeat("漏", MaxFinding+1); return a }, "answers[1].finding"},
	} {
		if got := anju.ErrorField(ValidateAnswers(c, tc.edit(all()))); got != tc.field {
			t.Errorf("%s: field %q, want %q", tc.name, got, tc.field)
		}
	}
}

func TestCompute(t *testing.T) {
	today := day("2026-12-10")
	p := func(s string) *time.Time { d := day(s); return &d }
	tasks := []TaskRow{
		{RiskMajor, day("2026-12-06"), p("2026-12-06")}, // on its due day: on time
		{RiskMajor, day("2026-12-06"), p("2026-12-08")}, // late
		{RiskHigh, day("2026-12-06"), nil},              // missed
		{RiskHigh, day("2026-12-10"), nil},              // due today: not counted yet
		{RiskLow, day("2026-12-13"), p("2026-12-09")},   // early
	}
	opened := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { x := opened.Add(time.Duration(h) * time.Hour); return &x }
	findings := []FindingRow{
		{RiskMajor, FindingOpen, opened, nil},
		{RiskMajor, FindingRectifying, opened, nil},
		{RiskLow, FindingRectifying, opened, nil},
		{RiskHigh, FindingClosed, opened, at(24)},
		{RiskHigh, FindingClosed, opened, at(72)},
		{RiskMedium, FindingClosed, opened, at(36)},
	}
	f := Compute(today, tasks, findings)
	if f.TasksCounted != 4 || f.DoneOnTime != 2 || f.OnTimeShare == nil || *f.OnTimeShare != 0.5 {
		t.Errorf("on time: %d of %d, share %v", f.DoneOnTime, f.TasksCounted, f.OnTimeShare)
	}
	if f.OpenFindings[RiskMajor] != 2 || f.OpenFindings[RiskLow] != 1 || f.OpenFindings[RiskHigh] != 0 || len(f.OpenFindings) != 4 || f.Open != 3 {
		t.Errorf("open findings %v, %d in all", f.OpenFindings, f.Open)
	}
	if f.Rectified != 3 || f.MedianRectifyDays == nil || *f.MedianRectifyDays != 1.5 {
		t.Errorf("median %v of %d", f.MedianRectifyDays, f.Rectified)
	}
	// By risk level, the gravest first, every level there; the levels add
	// up to the whole.
	share := func(x *float64) string {
		if x == nil {
			return "-"
		}
		return strconv.FormatFloat(*x, 'f', 2, 64)
	}
	want := map[RiskLevel]string{
		RiskMajor:  "2 1 0.50 open 2 rectified 0 -",
		RiskHigh:   "1 0 0.00 open 0 rectified 2 2.00",
		RiskMedium: "0 0 - open 0 rectified 1 1.50",
		RiskLow:    "1 1 1.00 open 1 rectified 0 -",
	}
	if len(f.ByRisk) != 4 {
		t.Fatalf("by risk: %+v", f.ByRisk)
	}
	var sum Counts
	for i, r := range f.ByRisk {
		if r.RiskLevel != RiskLevels[i] {
			t.Errorf("row %d is %s, want %s", i, r.RiskLevel, RiskLevels[i])
		}
		got := fmt.Sprintf("%d %d %s open %d rectified %d %s", r.TasksCounted, r.DoneOnTime, share(r.OnTimeShare), r.Open, r.Rectified, share(r.MedianRectifyDays))
		if got != want[r.RiskLevel] {
			t.Errorf("%s: %s, want %s", r.RiskLevel, got, want[r.RiskLevel])
		}
		sum.TasksCounted, sum.DoneOnTime, sum.Open, sum.Rectified = sum.TasksCounted+r.TasksCounted, sum.DoneOnTime+r.DoneOnTime, sum.Open+r.Open, sum.Rectified+r.Rectified
	}
	if sum.TasksCounted != f.TasksCounted || sum.DoneOnTime != f.DoneOnTime || sum.Open != f.Open || sum.Rectified != f.Rectified {
		t.Errorf("levels add up to %+v, the whole is %+v", sum, f.Counts)
	}
	findings = findings[:4]
	if f := Compute(today, nil, findings); f.OnTimeShare != nil || *f.MedianRectifyDays != 1 {
		t.Errorf("no tasks: share %v, median of one %v", f.OnTimeShare, *f.MedianRectifyDays)
	}
	findings = append(findings, FindingRow{RiskHigh, FindingClosed, opened, at(48)})
	if f := Compute(today, nil, findings); *f.MedianRectifyDays != 1.5 {
		t.Errorf("median of two %v", *f.MedianRectifyDays)
	}
	if f := Compute(today, nil, nil); f.TasksCounted != 0 || f.MedianRectifyDays != nil || len(f.ByRisk) != 4 {
		t.Errorf("nothing: %+v", f)
	}
}

func TestCountedAndOnTime(t *testing.T) {
	today := day("2026-12-10")
	p := func(s string) *time.Time { d := day(s); return &d }
	for _, tc := range []struct {
		due            string
		done           *time.Time
		counted, onTim bool
	}{
		{"2026-12-09", nil, true, false},
		{"2026-12-10", nil, false, false},
		{"2026-12-11", nil, false, false},
		{"2026-12-10", p("2026-12-10"), true, true},
		{"2026-12-09", p("2026-12-10"), true, false},
		{"2026-12-20", p("2026-12-10"), true, true},
	} {
		if c, o := Counted(day(tc.due), tc.done, today), OnTime(day(tc.due), tc.done); c != tc.counted || o != tc.onTim {
			t.Errorf("due %s done %v: counted %v on time %v, want %v %v", tc.due, tc.done, c, o, tc.counted, tc.onTim)
		}
	}
}

func TestReschedule(t *testing.T) {
	for _, tc := range []struct {
		name        string
		next        string
		f           Frequency
		today, want string
	}{
		// Thursday 3 December 2026; the week's Monday was 30 November.
		{"made graver: weekly from next Monday", "2027-01-01", Weekly, "2026-12-03", "2026-12-07"},
		{"made graver, monthly", "2027-01-01", Monthly, "2026-12-03", "2027-01-01"},
		{"made milder keeps the check owed", "2026-12-07", Quarterly, "2026-12-03", "2026-12-07"},
		{"not yet given a task: still owed today", "2026-12-03", Weekly, "2026-12-03", "2026-12-03"},
		{"a check already past stays", "2026-12-01", Quarterly, "2026-12-03", "2026-12-01"},
	} {
		if got := Reschedule(day(tc.next), tc.f, day(tc.today)).Format(time.DateOnly); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := DayStart(day("2026-12-03")); !got.Equal(time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("2026-12-03 begins in China at %v", got.UTC())
	}
}

func TestCheckPhotos(t *testing.T) {
	c := DefaultChecklist(TypeGas)
	answers := []Answer{{Item: "leak", Result: Fail, Finding: "漏气"}, {Item: "alarm", Result: Pass},
		{Item: "hose", Result: NA}, {Item: "ventilation", Result: Fail, Finding: "无通风"}}
	for _, tc := range []struct {
		items []string
		ok    bool
	}{
		{nil, true},
		{[]string{"leak"}, true},
		{[]string{"leak", "ventilation", "leak"}, true},
		{[]string{"alarm"}, false}, // passed
		{[]string{"hose"}, false},  // does not apply
		{[]string{"roof"}, false},  // not on the checklist
	} {
		err := CheckPhotos(c, answers, tc.items)
		if (err == nil) != tc.ok || err != nil && anju.ErrorField(err) != "photos" {
			t.Errorf("photos of %v: %v", tc.items, err)
		}
	}
}

func TestAssignKeys(t *testing.T) {
	c := Checklist{Type: TypeSlope, Category: "1209", Items: []Item{{Key: "cracks", Text: "坡体无裂缝"}, {Text: " 排水沟畅通 "},
		{Text: "排水沟畅通"}, {Text: "护坡完好"}}}
	c.AssignKeys()
	if c.Items[0].Key != "cracks" || c.Items[1].Key == "" || c.Items[1].Key != c.Items[2].Key || c.Items[3].Key == c.Items[1].Key {
		t.Errorf("keys: %+v", c.Items)
	}
	if err := c.Validate(); anju.ErrorField(err) != "items[2].key" {
		t.Errorf("the same question twice: %v", err)
	}
	c.Items = append(c.Items[:2], c.Items[3])
	if err := c.Validate(); err != nil {
		t.Errorf("assigned keys are valid keys: %v", err)
	}
	again := Checklist{Items: []Item{{Text: "护坡完好"}}}
	again.AssignKeys()
	if again.Items[0].Key != c.Items[2].Key {
		t.Errorf("a question added again gets another key: %s, was %s", again.Items[0].Key, c.Items[2].Key)
	}
}
