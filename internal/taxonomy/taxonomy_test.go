package taxonomy

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/deadline"
)

func dur(n int, u deadline.Unit) deadline.Duration { return deadline.Duration{Amount: n, Unit: u} }

var (
	complaint = deadline.Deadlines{Response: dur(1, deadline.WorkingDays), Resolution: dur(15, deadline.WorkingDays)}
	quick     = deadline.Deadlines{Response: dur(2, deadline.Hours), Resolution: dur(24, deadline.Hours)}
	gasLeak   = deadline.Deadlines{Response: dur(1, deadline.Hours), Resolution: dur(4, deadline.Hours)}
)

// fixture is a small valid taxonomy: a group with deadlines, a leaf that
// inherits them, a leaf with its own urgent rule, and a second-level group
// with a third-level leaf.
func fixture() []Category {
	cat := func(code, name string, leaf bool) Category {
		return Category{Code: code, Parent: ParentCode(code), Name: name, NameEn: name + " (en)", Kind: cases.KindRequest,
			Leaf: leaf, DefaultPriority: cases.PriorityNormal, DepartmentLevel: LevelStreet, Version: 1, Active: true}
	}
	g := cat("01", "市容环卫", false)
	g.Deadlines = map[cases.Priority]deadline.Deadlines{cases.PriorityNormal: complaint, cases.PriorityUrgent: quick}
	own := cat("0102", "井盖缺失", true)
	own.DefaultPriority = cases.PriorityUrgent
	own.Deadlines = map[cases.Priority]deadline.Deadlines{cases.PriorityUrgent: gasLeak}
	h := cat("02", "安全隐患", false)
	h.Kind = cases.KindHazard
	h.Deadlines = map[cases.Priority]deadline.Deadlines{cases.PriorityNormal: complaint, cases.PriorityUrgent: quick}
	deep := cat("020101", "楼道充电", true)
	deep.Kind = cases.KindHazard
	sub := cat("0201", "消防安全", false)
	sub.Kind = cases.KindHazard
	return []Category{deep, g, cat("0101", "道路保洁", true), own, h, sub, cat("0202", "燃气", true)}
}

func wantInvalid(t *testing.T, name string, err error, code, field string) {
	t.Helper()
	if anju.ErrorCode(err) != anju.EINVALID {
		t.Errorf("%s: error = %v, want EINVALID", name, err)
		return
	}
	if anju.ErrorField(err) != field {
		t.Errorf("%s: error = %v, want field %q", name, err, field)
	}
	if !strings.Contains(anju.ErrorMessage(err), `"`+code+`"`) {
		t.Errorf("%s: error = %v, want it to name category %q", name, err, code)
	}
}

func TestNewTreeFixture(t *testing.T) {
	tr, err := NewTree(fixture())
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 7 {
		t.Errorf("Len = %d", tr.Len())
	}
	var codes []string
	for _, c := range tr.All() {
		codes = append(codes, c.Code)
	}
	if want := []string{"01", "0101", "0102", "02", "0201", "020101", "0202"}; !slices.Equal(codes, want) {
		t.Errorf("All = %v, want %v (tree order)", codes, want)
	}
	codesOf := func(cs []Category) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Code)
		}
		return out
	}
	for _, tt := range []struct {
		name      string
		got, want []string
	}{
		{"Roots", codesOf(tr.Roots()), []string{"01", "02"}},
		{"Children(02)", codesOf(tr.Children("02")), []string{"0201", "0202"}},
		{"Children(leaf)", codesOf(tr.Children("0101")), nil},
		{"Children(unknown)", codesOf(tr.Children("99")), nil},
		{"Children(empty)", codesOf(tr.Children("")), nil},
		{"Leaves", codesOf(tr.Leaves()), []string{"0101", "0102", "020101", "0202"}},
		{"LeavesUnder(02)", codesOf(tr.LeavesUnder("02")), []string{"020101", "0202"}},
		{"LeavesUnder(leaf)", codesOf(tr.LeavesUnder("0101")), []string{"0101"}},
		{"LeavesUnder(unknown)", codesOf(tr.LeavesUnder("0")), nil},
		{"Ancestors(020101)", codesOf(tr.Ancestors("020101")), []string{"0201", "02"}},
		{"Ancestors(root)", codesOf(tr.Ancestors("01")), nil},
		{"Ancestors(unknown)", codesOf(tr.Ancestors("0203")), nil},
		{"Lineage(020101)", tr.Lineage("020101"), []string{"020101", "0201", "02"}},
		{"Lineage(unknown)", tr.Lineage("03"), nil},
	} {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}

	c, err := tr.Get("0102")
	if err != nil || c.Name != "井盖缺失" {
		t.Fatalf("Get = %v, %v", c, err)
	}
	if _, err := tr.Get("0103"); anju.ErrorCode(err) != anju.ENOTFOUND {
		t.Errorf("Get(unknown) error = %v, want ENOTFOUND", err)
	}
	// The tree hands out copies.
	c.Deadlines[cases.PriorityUrgent] = complaint
	if d, _ := tr.Deadlines("0102", cases.PriorityUrgent); d != gasLeak {
		t.Errorf("changing a returned category changed the tree: %v", d)
	}

	for _, tt := range []struct {
		code string
		p    cases.Priority
		want deadline.Deadlines
		err  string
	}{
		{"0101", cases.PriorityNormal, complaint, ""}, // inherited
		{"0102", cases.PriorityUrgent, gasLeak, ""},   // its own
		{"0102", cases.PriorityNormal, complaint, ""}, // its own urgent, inherited normal
		{"020101", cases.PriorityUrgent, quick, ""},   // two levels up
		{"01", cases.PriorityNormal, complaint, ""},   // a group
		{"0201", cases.PriorityNormal, complaint, ""}, // a subgroup
		{"03", cases.PriorityNormal, deadline.Deadlines{}, anju.ENOTFOUND},
		{"0101", "whenever", deadline.Deadlines{}, anju.EINVALID},
	} {
		got, err := tr.Deadlines(tt.code, tt.p)
		if got != tt.want || anju.ErrorCode(err) != tt.err {
			t.Errorf("Deadlines(%s, %s) = %v, %v; want %v, %s", tt.code, tt.p, got, err, tt.want, tt.err)
		}
	}
}

func TestNewTreeRejects(t *testing.T) {
	find := func(cs []Category, code string) *Category {
		for i := range cs {
			if cs[i].Code == code {
				return &cs[i]
			}
		}
		panic("no " + code)
	}
	// set edits one category of the fixture.
	set := func(code string, f func(*Category)) func([]Category) []Category {
		return func(cs []Category) []Category {
			f(find(cs, code))
			return cs
		}
	}
	tests := []struct {
		name, code, field string
		edit              func([]Category) []Category
	}{
		{"three digits", "011", "code", func(cs []Category) []Category {
			return append(cs, Category{Code: "011"})
		}},
		{"a 00 pair", "0100", "code", set("0101", func(c *Category) { c.Code = "0100" })},
		{"eight digits", "02010101", "code", func(cs []Category) []Category {
			return append(cs, Category{Code: "02010101"})
		}},
		{"letters", "A1", "code", set("0101", func(c *Category) { c.Code = "A1" })},
		{"duplicate code", "0101", "code", func(cs []Category) []Category {
			c := *find(cs, "0101")
			c.Name = "另一个"
			return append(cs, c)
		}},
		{"parent not the prefix", "0101", "parent", set("0101", func(c *Category) { c.Parent = "02" })},
		{"group with a parent", "01", "parent", set("01", func(c *Category) { c.Parent = "02" })},
		{"missing parent", "0301", "parent", func(cs []Category) []Category {
			c := *find(cs, "0101")
			c.Code, c.Parent = "0301", "03"
			return append(cs, c)
		}},
		{"parent is a leaf", "010101", "parent", func(cs []Category) []Category {
			c := *find(cs, "020101")
			c.Code, c.Parent = "010101", "0101"
			return append(cs, c)
		}},
		{"third level not a leaf", "020101", "leaf", set("020101", func(c *Category) { c.Leaf = false })},
		{"group without children", "0201", "leaf", func(cs []Category) []Category {
			return slices.DeleteFunc(cs, func(c Category) bool { return c.Code == "020101" })
		}},
		{"empty name", "0101", "name", set("0101", func(c *Category) { c.Name = " " })},
		{"empty English name", "0101", "name_en", set("0101", func(c *Category) { c.NameEn = "" })},
		{"sibling with the same name", "0102", "name", set("0102", func(c *Category) { c.Name = "道路保洁" })},
		{"unknown kind", "0101", "kind", set("0101", func(c *Category) { c.Kind = "complaint" })},
		{"unknown default priority", "0101", "default_priority", set("0101", func(c *Category) { c.DefaultPriority = "high" })},
		{"unknown department level", "0101", "department_level", set("0101", func(c *Category) { c.DepartmentLevel = "province" })},
		{"version 0", "0101", "version", set("0101", func(c *Category) { c.Version = 0 })},
		{"deadline with an unknown unit", "0102", "deadlines", set("0102", func(c *Category) {
			c.Deadlines[cases.PriorityUrgent] = deadline.Deadlines{Response: dur(1, "fortnights"), Resolution: dur(4, deadline.Hours)}
		})},
		{"deadline of zero", "0102", "deadlines", set("0102", func(c *Category) {
			c.Deadlines[cases.PriorityUrgent] = deadline.Deadlines{Response: dur(1, deadline.Hours), Resolution: dur(0, deadline.Hours)}
		})},
		{"deadline for an unknown priority", "0102", "deadlines", set("0102", func(c *Category) { c.Deadlines["critical"] = gasLeak })},
		{"response longer than resolution, same unit", "0102", "deadlines", set("0102", func(c *Category) {
			c.Deadlines[cases.PriorityUrgent] = deadline.Deadlines{Response: dur(5, deadline.Hours), Resolution: dur(4, deadline.Hours)}
		})},
		{"response longer than resolution, mixed units", "01", "deadlines", set("01", func(c *Category) {
			c.Deadlines[cases.PriorityNormal] = deadline.Deadlines{Response: dur(2, deadline.WorkingDays), Resolution: dur(24, deadline.Hours)}
		})},
		{"leaf with no urgent deadlines on its path", "0101", "deadlines", set("01", func(c *Category) { delete(c.Deadlines, cases.PriorityUrgent) })},
		{"active under inactive", "0101", "active", func(cs []Category) []Category {
			find(cs, "01").Active = false
			find(cs, "0102").Active = false
			return cs
		}},
	}
	for _, tt := range tests {
		_, err := NewTree(tt.edit(fixture()))
		wantInvalid(t, tt.name, err, tt.code, tt.field)
	}
}

func TestApproxHoursOrder(t *testing.T) {
	// The conversion must keep the obvious orders.
	ordered := []deadline.Duration{
		dur(1, deadline.Hours), dur(1, deadline.WorkingHours), dur(8, deadline.Hours),
		dur(1, deadline.CalendarDays), dur(1, deadline.WorkingDays), dur(2, deadline.CalendarDays),
		dur(15, deadline.CalendarDays), dur(15, deadline.WorkingDays),
	}
	for i := 1; i < len(ordered); i++ {
		if approxHours(ordered[i-1]) >= approxHours(ordered[i]) {
			t.Errorf("%v is not shorter than %v", ordered[i-1], ordered[i])
		}
	}
}

func TestPolicyLookup(t *testing.T) {
	for name, tr := range map[string]*Tree{"fixture": mustTree(t, fixture()), "default": DefaultTree()} {
		p := tr.Policy()
		if err := p.Validate(); err != nil {
			t.Fatalf("%s: Policy does not validate: %v", name, err)
		}
		for _, c := range tr.All() {
			for _, pri := range Priorities {
				want, err := tr.Deadlines(c.Code, pri)
				got, ok := p.Lookup(string(pri), tr.Lineage(c.Code)...)
				if err != nil || !ok || got != want {
					t.Errorf("%s: %s %s: Lookup = %v, %v; Deadlines = %v, %v", name, c.Code, pri, got, ok, want, err)
				}
			}
		}
	}
	// The leaf's own rule wins over its group's.
	p := mustTree(t, fixture()).Policy()
	if d, _ := p.Lookup(deadline.PriorityUrgent, "0102", "01"); d != gasLeak {
		t.Errorf("Lookup(urgent, 0102, 01) = %v, want the leaf's rule %v", d, gasLeak)
	}
	// An unknown category falls back to the city-wide default.
	if d, ok := p.Lookup(deadline.PriorityNormal, "99"); !ok || d != complaint {
		t.Errorf("Lookup(normal, 99) = %v, %v", d, ok)
	}
}

func mustTree(t *testing.T, cs []Category) *Tree {
	t.Helper()
	tr, err := NewTree(cs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestChange(t *testing.T) {
	tr := mustTree(t, fixture())
	old, _ := tr.Get("0102")

	same, err := Change(old, old)
	if err != nil || same.Version != 1 {
		t.Errorf("no change: %v, %v; want version 1", same, err)
	}
	leaf, _ := tr.Get("0101")
	empty := leaf
	empty.Deadlines = map[cases.Priority]deadline.Deadlines{}
	if got, err := Change(leaf, empty); err != nil || got.Version != 1 {
		t.Errorf("nil and empty deadlines differ: %v, %v", got, err)
	}

	edits := map[string]func(*Category){
		"name":             func(c *Category) { c.Name = "窨井盖缺失" },
		"name_en":          func(c *Category) { c.NameEn = "Manhole cover missing" },
		"kind":             func(c *Category) { c.Kind = cases.KindHazard },
		"default priority": func(c *Category) { c.DefaultPriority = cases.PriorityNormal },
		"department level": func(c *Category) { c.DepartmentLevel = LevelDistrict },
		"deactivate":       func(c *Category) { c.Active = false },
		"made a group":     func(c *Category) { c.Leaf = false },
		"deadline":         func(c *Category) { c.Deadlines[cases.PriorityUrgent] = quick },
		"deadline added":   func(c *Category) { c.Deadlines[cases.PriorityNormal] = complaint },
	}
	for name, edit := range edits {
		next, _ := tr.Get("0102")
		edit(&next)
		got, err := Change(old, next)
		if err != nil || got.Version != 2 {
			t.Errorf("%s: %v, %v; want version 2", name, got, err)
		}
		if old.Deadlines[cases.PriorityUrgent] != gasLeak || old.Version != 1 {
			t.Errorf("%s: Change modified old", name)
		}
	}
	re := old
	re.Active = false
	v2, _ := Change(old, re)
	back := v2
	back.Active = true
	if v3, err := Change(v2, back); err != nil || v3.Version != 3 || !v3.Active {
		t.Errorf("reactivation: %v, %v", v3, err)
	}

	moved := old
	moved.Code, moved.Parent = "0202", "02"
	_, err = Change(old, moved)
	wantInvalid(t, "code change", err, "0102", "code")

	stale := old
	stale.Version = 0
	if _, err := Change(v2, stale); anju.ErrorCode(err) != anju.ECONFLICT {
		t.Errorf("stale edit: %v, want ECONFLICT", err)
	}
	bad := old
	bad.Name = ""
	_, err = Change(old, bad)
	wantInvalid(t, "invalid edit", err, "0102", "name")

	// A petition category's periods are the statute's: not editable, nor
	// brought in or taken out with a change of kind; its other fields are.
	pet := old
	pet.Kind = cases.KindPetition
	shorter := pet.clone()
	shorter.Deadlines[cases.PriorityNormal] = quick
	_, err = Change(pet, shorter)
	wantInvalid(t, "petition deadline", err, "0102", "deadlines")
	toPetition := old.clone()
	toPetition.Kind = cases.KindPetition
	toPetition.Deadlines[cases.PriorityUrgent] = quick
	_, err = Change(old, toPetition)
	wantInvalid(t, "made a petition with other deadlines", err, "0102", "deadlines")
	renamed := pet.clone()
	renamed.Name = "来信来访"
	if got, err := Change(pet, renamed); err != nil || got.Version != 2 {
		t.Errorf("renaming a petition category: %v, %v", got, err)
	}
}

func TestUpdate(t *testing.T) {
	tr := mustTree(t, fixture())
	edit := func(code string, f func(*Category)) []Category {
		cs := tr.All()
		for i := range cs {
			if cs[i].Code == code {
				f(&cs[i])
			}
		}
		return cs
	}

	// Nothing changed: same versions, nothing reported.
	nt, changed, err := tr.Update(tr.All())
	if err != nil || len(changed) != 0 || nt.Len() != tr.Len() {
		t.Fatalf("identity update: %v, %v", changed, err)
	}

	// Deactivating a leaf raises its version only.
	nt, changed, err = tr.Update(edit("0101", func(c *Category) { c.Active = false }))
	if err != nil || len(changed) != 1 || changed[0].Code != "0101" || changed[0].Version != 2 {
		t.Fatalf("deactivate: %v, %v", changed, err)
	}
	if c, _ := nt.Get("0101"); c.Active || c.Version != 2 {
		t.Errorf("deactivated leaf = %+v", c)
	}
	if c, _ := nt.Get("0102"); c.Version != 1 {
		t.Errorf("untouched leaf got version %d", c.Version)
	}

	// No deletion.
	cs := slices.DeleteFunc(tr.All(), func(c Category) bool { return c.Code == "0202" })
	_, _, err = tr.Update(cs)
	wantInvalid(t, "delete", err, "0202", "active")

	// A leaf cannot gain a child...
	child := Category{Code: "010101", Parent: "0101", Name: "人行道保洁", NameEn: "Pavement cleaning", Kind: cases.KindRequest,
		Leaf: true, DefaultPriority: cases.PriorityNormal, DepartmentLevel: LevelStreet, Version: 1, Active: true}
	_, _, err = tr.Update(append(tr.All(), child))
	wantInvalid(t, "leaf gains a child", err, "010101", "parent")
	// ...unless it is made a group in the same update.
	nt, changed, err = tr.Update(append(edit("0101", func(c *Category) { c.Leaf = false }), child))
	if err != nil || len(changed) != 2 {
		t.Fatalf("leaf made a group: %v, %v", changed, err)
	}
	if g, _ := nt.Get("0101"); g.Leaf || g.Version != 2 {
		t.Errorf("new group = %+v", g)
	}
	// A group cannot become a leaf while it has children.
	_, _, err = tr.Update(edit("0201", func(c *Category) { c.Leaf = true }))
	wantInvalid(t, "group made a leaf", err, "020101", "parent")

	// A new category starts at version 1.
	child.Version = 3
	_, _, err = tr.Update(append(edit("0101", func(c *Category) { c.Leaf = false }), child))
	wantInvalid(t, "new at version 3", err, "010101", "version")

	// Deactivating a group means deactivating what is under it.
	_, _, err = tr.Update(edit("02", func(c *Category) { c.Active = false }))
	wantInvalid(t, "inactive group, active children", err, "0201", "active")

	// An edit from a stale copy is a conflict.
	_, _, err = tr.Update(edit("0101", func(c *Category) { c.Version = 7 }))
	if anju.ErrorCode(err) != anju.ECONFLICT {
		t.Errorf("stale update: %v, want ECONFLICT", err)
	}
}

func TestJSON(t *testing.T) {
	all := Default()
	b, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	var back []Category
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, back) {
		t.Error("Default does not survive a JSON round trip")
	}
	if _, err := NewTree(back); err != nil {
		t.Error(err)
	}

	c, _ := mustTree(t, fixture()).Get("0102")
	b, _ = json.Marshal(c)
	want := `{"code":"0102","parent":"01","name":"井盖缺失","name_en":"井盖缺失 (en)","kind":"request","leaf":true,` +
		`"default_priority":"urgent","deadlines":{"urgent":{"response":{"amount":1,"unit":"hours"},"resolution":{"amount":4,"unit":"hours"}}},` +
		`"department_level":"street","version":1,"active":true}`
	if string(b) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", b, want)
	}
}

// TestCategoryFields keeps equal, which Change uses, in step with Category:
// a new field must be compared there, then counted here.
func TestCategoryFields(t *testing.T) {
	if n := reflect.TypeFor[Category]().NumField(); n != 12 {
		t.Errorf("Category has %d fields; update equal and this test", n)
	}
}

func TestErrorMessageIsNotAFormat(t *testing.T) {
	cs := fixture()
	cs[0].Code = "%d%s"
	_, err := NewTree(cs)
	if msg := anju.ErrorMessage(err); !strings.Contains(msg, `"%d%s"`) {
		t.Errorf("message = %q", msg)
	}
}

// TestPublic: the flag opens a request category to the public list, and no
// flag opens a dispute or petition, nor a case whose kind staff changed.
func TestPublic(t *testing.T) {
	tree := DefaultTree()
	light, _ := tree.Get("0203")
	if !Public(light, cases.KindRequest) {
		t.Errorf("street lights are not public by default")
	}
	if Public(light, cases.KindDispute) {
		t.Errorf("a dispute filed under a public category is public")
	}
	dispute, _ := tree.Get("1101")
	dispute.Public = true
	if Public(dispute, cases.KindRequest) || Public(dispute, cases.KindDispute) {
		t.Errorf("a dispute category is public")
	}
	if err := dispute.Validate(); anju.ErrorField(err) != "public" {
		t.Errorf("public dispute category validates: %v", err)
	}
	codes := tree.PublicCodes()
	if !slices.Contains(codes, "0203") || slices.Contains(codes, "1101") || slices.Contains(codes, "0701") {
		t.Errorf("public codes: %v", codes)
	}
	for _, c := range codes {
		cat, _ := tree.Get(c)
		if !cat.Leaf || cat.Kind != cases.KindRequest {
			t.Errorf("public code %s is %s leaf=%v", c, cat.Kind, cat.Leaf)
		}
	}
	// Making a category public is a change that raises its version.
	next := light
	next.Public = false
	ch, err := Change(light, next)
	if err != nil || ch.Version != light.Version+1 {
		t.Errorf("unpublishing: %+v %v", ch, err)
	}
}
