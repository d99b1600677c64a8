package taxonomy

import (
	"slices"
	"testing"

	"anju/internal/cases"
	"anju/internal/deadline"
)

func TestDefault(t *testing.T) {
	all := Default()
	tr, err := NewTree(all)
	if err != nil {
		t.Fatalf("the default taxonomy does not validate: %v", err)
	}
	roots, leaves := tr.Roots(), tr.Leaves()
	if len(roots) < 12 {
		t.Errorf("%d groups, want at least 12", len(roots))
	}
	if len(leaves) < 80 {
		t.Errorf("%d leaves, want at least 80", len(leaves))
	}
	for _, g := range roots {
		if n := len(tr.LeavesUnder(g.Code)); n < 3 {
			t.Errorf("group %s %s has %d leaves, want at least 3", g.Code, g.Name, n)
		}
	}
	kinds := map[cases.Kind]bool{}
	levels := map[string]bool{}
	names := map[string]string{}
	for _, c := range all {
		if c.Version != 1 || !c.Active {
			t.Errorf("%s: version %d, active %v; a shipped category is version 1 and active", c.Code, c.Version, c.Active)
		}
		if other, dup := names[c.Name]; dup {
			t.Errorf("%s and %s are both named %s", other, c.Code, c.Name)
		}
		names[c.Name] = c.Code
		if c.Leaf {
			kinds[c.Kind] = true
			levels[c.DepartmentLevel] = true
		}
	}
	for _, k := range cases.Kinds {
		if !kinds[k] {
			t.Errorf("no leaf of kind %s", k)
		}
	}
	for _, l := range DepartmentLevels {
		if !levels[l] {
			t.Errorf("no leaf handled at level %s", l)
		}
	}
	if !slices.ContainsFunc(all, func(c Category) bool { return len(c.Code) == 6 }) {
		t.Error("no third-level category")
	}
}

// TestDefaultExamples pins the categories whose settings matter most.
func TestDefaultExamples(t *testing.T) {
	tr := DefaultTree()
	byName := map[string]Category{}
	for _, c := range tr.All() {
		byName[c.Name] = c
	}
	h := func(n int) deadline.Duration { return dur(n, deadline.Hours) }
	wd := func(n int) deadline.Duration { return dur(n, deadline.WorkingDays) }
	cd := func(n int) deadline.Duration { return dur(n, deadline.CalendarDays) }
	tests := []struct {
		name     string
		kind     cases.Kind
		priority cases.Priority
		level    string
		urgent   deadline.Deadlines
		normal   deadline.Deadlines
	}{
		{"燃气泄漏", cases.KindHazard, cases.PriorityUrgent, LevelCity, deadline.Deadlines{Response: h(1), Resolution: h(4)}, deadline.Deadlines{Response: h(2), Resolution: h(24)}},
		{"供水管道爆裂", cases.KindRequest, cases.PriorityUrgent, LevelCity, deadline.Deadlines{Response: h(1), Resolution: h(12)}, deadline.Deadlines{Response: h(2), Resolution: h(24)}},
		{"停电", cases.KindRequest, cases.PriorityUrgent, LevelCity, deadline.Deadlines{Response: h(1), Resolution: h(8)}, deadline.Deadlines{Response: h(2), Resolution: h(24)}},
		{"井盖缺失或塌陷", cases.KindRequest, cases.PriorityUrgent, LevelDistrict, deadline.Deadlines{Response: h(1), Resolution: h(4)}, deadline.Deadlines{Response: h(2), Resolution: h(24)}},
		{"政策咨询", cases.KindRequest, cases.PriorityNormal, LevelCity, deadline.Deadlines{Response: h(2), Resolution: h(24)}, deadline.Deadlines{Response: wd(1), Resolution: wd(5)}},
		{"物业服务质量", cases.KindRequest, cases.PriorityNormal, LevelStreet, deadline.Deadlines{Response: h(2), Resolution: h(24)}, deadline.Deadlines{Response: wd(1), Resolution: wd(15)}},
		{"噪声纠纷", cases.KindDispute, cases.PriorityNormal, LevelCommunity, deadline.Deadlines{Response: h(2), Resolution: cd(3)}, deadline.Deadlines{Response: wd(1), Resolution: cd(30)}},
		{"电动自行车楼道充电", cases.KindHazard, cases.PriorityNormal, LevelCommunity, deadline.Deadlines{Response: h(1), Resolution: h(24)}, deadline.Deadlines{Response: wd(1), Resolution: wd(3)}},
		{"申诉求决类", cases.KindPetition, cases.PriorityNormal, LevelDistrict, deadline.Deadlines{Response: wd(5), Resolution: cd(60)},
			deadline.Deadlines{Response: cd(15), Resolution: cd(60)}}, // the statute's 15 and 60 days, for reference
	}
	for _, tt := range tests {
		c, ok := byName[tt.name]
		if !ok {
			t.Errorf("no category %s", tt.name)
			continue
		}
		if !c.Leaf || c.Kind != tt.kind || c.DefaultPriority != tt.priority || c.DepartmentLevel != tt.level {
			t.Errorf("%s %s: leaf %v, kind %s, priority %s, level %s", c.Code, c.Name, c.Leaf, c.Kind, c.DefaultPriority, c.DepartmentLevel)
		}
		if d, _ := tr.Deadlines(c.Code, cases.PriorityUrgent); d != tt.urgent {
			t.Errorf("%s %s urgent = %v, want %v", c.Code, c.Name, d, tt.urgent)
		}
		if d, _ := tr.Deadlines(c.Code, cases.PriorityNormal); d != tt.normal {
			t.Errorf("%s %s normal = %v, want %v", c.Code, c.Name, d, tt.normal)
		}
	}
}

func TestDefaultIsACopy(t *testing.T) {
	a := Default()
	a[0].Name = "changed"
	for p := range a[0].Deadlines {
		delete(a[0].Deadlines, p)
	}
	b := Default()
	if b[0].Name == "changed" || len(b[0].Deadlines) == 0 {
		t.Error("Default shares memory with its callers")
	}
}
