package web

import (
	"net/http"
	"net/url"
	"strconv"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/deadline"
	"anju/internal/httpx"
	"anju/internal/taxonomy"
)

// categoryRow is a category as the list shows it: its deadlines resolved
// (its own or inherited) for each priority.
type categoryRow struct {
	taxonomy.Category
	Label   string
	Depth   int
	Periods []categoryPeriods // per priority, in taxonomy.Priorities order
}

// categoryPeriods are the deadlines that apply to a category at one priority.
type categoryPeriods struct {
	deadline.Deadlines
	Set       bool // the category or a group above it gives deadlines
	Inherited bool // given by a group above, not the category itself
}

// categoriesPage is one page of the taxonomy in code order (tree order).
type categoriesPage struct {
	Rows    []categoryRow
	Next    string
	CanEdit bool
}

// handleAdminCategories lists the taxonomy a page at a time after a code.
// The tree is the store's cached one, already sorted by code, so a page is a
// search and a slice.
func (w *Web) handleAdminCategories(rw http.ResponseWriter, r *http.Request, v *View) {
	after := httpx.NewQuery(r).String("after")
	tree, err := w.db.Taxonomy(r.Context(), v.Actor.City)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := categoriesPage{CanEdit: v.Actor.CityWide(anju.RoleAdmin)}
	for _, c := range tree.All() {
		if c.Code <= after {
			continue
		}
		if len(p.Rows) == adminPageSize {
			p.Next = p.Rows[len(p.Rows)-1].Code
			break
		}
		row := categoryRow{Category: c, Label: categoryName(v.Lang, c), Depth: taxonomy.Depth(c.Code)}
		for _, pr := range taxonomy.Priorities {
			d, err := tree.Deadlines(c.Code, pr)
			_, own := c.Deadlines[pr]
			row.Periods = append(row.Periods, categoryPeriods{Deadlines: d, Set: err == nil, Inherited: !own})
		}
		p.Rows = append(p.Rows, row)
	}
	v.Title = v.T("admin.categories")
	w.render(rw, r, v, http.StatusOK, "admin/categories", p)
}

// categoryPage is the form that adds or edits a category.
type categoryPage struct {
	Form     *form
	Existing bool
	// Statutory says the category is a petition's: its periods are the
	// 信访工作条例's, shown in words and not editable (taxonomy.Change).
	Statutory  bool
	Kinds      []cases.Kind
	Priorities []cases.Priority
	Levels     []string
	Units      []deadline.Unit
	Clocks     []string
}

// deadlineClocks are the two clocks of a priority, as the form names them.
var deadlineClocks = []string{"response", "resolution"}

func (w *Web) handleAdminCategory(rw http.ResponseWriter, r *http.Request, v *View) {
	code := r.PathValue("code")
	if code == "" {
		vals := url.Values{"parent": {r.URL.Query().Get("parent")}, "active": {"true"}, "leaf": {"true"},
			"kind": {string(cases.KindRequest)}, "default_priority": {string(cases.PriorityNormal)}, "version": {"1"}}
		w.showCategory(rw, r, v, &form{Values: vals}, false)
		return
	}
	tree, err := w.db.Taxonomy(r.Context(), v.Actor.City)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	c, err := tree.Get(code)
	if err != nil {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no category %s", code))
		return
	}
	w.showCategory(rw, r, v, &form{Values: categoryValues(c)}, true)
}

// categoryValues is a category as the form's fields.
func categoryValues(c taxonomy.Category) url.Values {
	vals := url.Values{"code": {c.Code}, "name": {c.Name}, "name_en": {c.NameEn}, "kind": {string(c.Kind)},
		"default_priority": {string(c.DefaultPriority)}, "department_level": {c.DepartmentLevel},
		"version": {strconv.Itoa(c.Version)}}
	if c.Leaf {
		vals.Set("leaf", "true")
	}
	if c.Active {
		vals.Set("active", "true")
	}
	if c.Public {
		vals.Set("public", "true")
	}
	for p, d := range c.Deadlines {
		for _, clock := range deadlineClocks {
			dur := d.Response
			if clock == "resolution" {
				dur = d.Resolution
			}
			vals.Set(deadlineField(p, clock, "amount"), strconv.Itoa(dur.Amount))
			vals.Set(deadlineField(p, clock, "unit"), string(dur.Unit))
		}
	}
	return vals
}

// deadlineField names the form field of one part of a deadline:
// "normal_response_amount".
func deadlineField(p cases.Priority, clock, part string) string {
	return string(p) + "_" + clock + "_" + part
}

func (w *Web) showCategory(rw http.ResponseWriter, r *http.Request, v *View, f *form, existing bool) {
	v.Title = v.T("admin.category.new")
	if existing {
		v.Title = v.T("admin.category.edit", f.Get("code"))
	}
	w.render(rw, r, v, formStatus(f), "admin/category", categoryPage{Form: f, Existing: existing,
		Statutory: existing && f.Get("kind") == string(cases.KindPetition), Kinds: cases.Kinds,
		Priorities: taxonomy.Priorities, Levels: taxonomy.DepartmentLevels, Units: deadline.Units, Clocks: deadlineClocks})
}

// handleAdminCategorySave saves the form through SaveCategory, the API's
// call: the version the form was filled from goes with it, so an edit made
// from a stale page is refused (ECONFLICT) rather than undoing another's.
func (w *Web) handleAdminCategorySave(rw http.ResponseWriter, r *http.Request, v *View) {
	existing := httpx.QueryOf(r.PostForm).Bool("existing")
	c, err := categoryFromForm(r.PostForm)
	if err == nil && existing {
		// A petition category's form has no deadlines to post: its
		// periods are the statute's, kept as they are stored.
		var tree *taxonomy.Tree
		if tree, err = w.db.Taxonomy(r.Context(), v.Actor.City); err == nil {
			if old, gerr := tree.Get(c.Code); gerr == nil && (old.Kind == cases.KindPetition || c.Kind == cases.KindPetition) {
				c.Deadlines = old.Deadlines
			}
		}
	}
	if err == nil && !existing {
		// A new category must not quietly edit one that has its code.
		var tree *taxonomy.Tree
		if tree, err = w.db.Taxonomy(r.Context(), v.Actor.City); err == nil {
			if _, taken := tree.Get(c.Code); taken == nil {
				err = anju.FieldError("code", "category %s exists already", c.Code)
			}
		}
	}
	if err == nil {
		c, err = w.db.SaveCategory(r.Context(), v.Actor, c)
	}
	if err != nil {
		if f := w.refusal(rw, r, v, err); f != nil {
			w.showCategory(rw, r, v, f, existing)
		}
		return
	}
	seeOther(rw, r, "/admin/categories/"+url.PathEscape(c.Code)+"?done=category_saved")
}

// categoryFromForm reads a category from the form. A priority whose amounts
// are left blank lists no deadlines of its own: it inherits its group's.
func categoryFromForm(vals url.Values) (taxonomy.Category, error) {
	q := httpx.QueryOf(vals)
	c := taxonomy.Category{Code: q.String("code"), Name: q.String("name"), NameEn: q.String("name_en"),
		Kind: cases.Kind(q.String("kind")), DefaultPriority: cases.Priority(q.String("default_priority")),
		DepartmentLevel: q.String("department_level"), Leaf: q.Bool("leaf"), Active: q.Bool("active"), Public: q.Bool("public"),
		Version: q.Int("version", 1, 1, 1<<30)}
	c.Parent = taxonomy.ParentCode(c.Code)
	for _, p := range taxonomy.Priorities {
		var d deadline.Deadlines
		given := 0
		for _, clock := range deadlineClocks {
			amount := q.Int(deadlineField(p, clock, "amount"), 0, 1, 10000)
			if amount > 0 {
				given++
			}
			dur := deadline.Duration{Amount: amount, Unit: deadline.Unit(q.String(deadlineField(p, clock, "unit")))}
			if clock == "response" {
				d.Response = dur
			} else {
				d.Resolution = dur
			}
		}
		switch given {
		case 0:
		case 2:
			if c.Deadlines == nil {
				c.Deadlines = map[cases.Priority]deadline.Deadlines{}
			}
			c.Deadlines[p] = d
		default:
			return c, anju.FieldError(deadlineField(p, "response", "amount"), "give both %s periods, or neither to inherit the group's", p)
		}
	}
	return c, q.Err()
}
