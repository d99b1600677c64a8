package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"

	"anju/internal/anju"
	"anju/internal/hazard"
	"anju/internal/httpx"
	"anju/internal/taxonomy"
)

// The city's hazard settings (/admin/hazards): how often each risk level is
// inspected, and the checklist of each hazard type. They are the city's,
// so only a city-wide administrator changes them; the store refuses anyone
// else, as it does through the API (PUT /api/v1/hazards/plan/{level} and
// /checklists/{type}).

// adminHazardsPage shows the plan, a form per risk level, and the
// checklists.
type adminHazardsPage struct {
	Levels     []planRow
	Checklists []checklistRow
	Units      []string
	Everies    []int
}

type planRow struct {
	Level, Name string
	Every       int
	Unit        string
	Form        *form // the refused form of this level, if any
}

type checklistRow struct {
	Type, Name, Category string
	Items                int
}

func (w *Web) handleAdminHazards(rw http.ResponseWriter, r *http.Request, v *View) {
	w.showAdminHazards(rw, r, v, "", nil)
}

func (w *Web) showAdminHazards(rw http.ResponseWriter, r *http.Request, v *View, level string, f *form) {
	ctx := r.Context()
	plan, err := w.db.HazardPlan(ctx, v.Actor)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	cls, err := w.db.Checklists(ctx, v.Actor)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	names, err := w.categoryNames(r, v)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := adminHazardsPage{Units: []string{string(hazard.UnitWeek), string(hazard.UnitMonth)}, Everies: []int{1, 2, 3, 4, 6, 8, 12}}
	for _, l := range hazard.RiskLevels {
		fr := plan.Frequency(l)
		row := planRow{Level: string(l), Name: v.T("hazard.risk." + string(l)), Every: fr.Every, Unit: string(fr.Unit)}
		if string(l) == level {
			row.Form = f
		}
		p.Levels = append(p.Levels, row)
	}
	for _, c := range cls {
		p.Checklists = append(p.Checklists, checklistRow{Type: string(c.Type), Name: v.T("hazard.type." + string(c.Type)),
			Category: c.Category + " " + names[c.Category], Items: len(c.Items)})
	}
	v.Title = v.T("admin.hazards")
	w.render(rw, r, v, formStatus(f), "admin/hazards", p)
}

// handleAdminHazardPlan sets one risk level's frequency.
func (w *Web) handleAdminHazardPlan(rw http.ResponseWriter, r *http.Request, v *View) {
	level := r.PathValue("level")
	if !hazard.RiskLevel(level).Valid() {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no risk level %q", level))
		return
	}
	q := httpx.QueryOf(r.PostForm)
	f := hazard.Frequency{Every: q.Int("every", 0, 1, 12), Unit: hazard.Unit(q.String("unit"))}
	err := q.Err()
	if err == nil {
		_, err = w.db.SaveHazardPlan(r.Context(), v.Actor, hazard.RiskLevel(level), f)
	}
	if err != nil {
		if fm := w.refusal(rw, r, v, err); fm != nil {
			w.showAdminHazards(rw, r, v, level, fm)
		}
		return
	}
	seeOther(rw, r, "/admin/hazards?done=hazard_plan_saved")
}

// checklistPage edits one type's checklist: the items as rows, each with
// its key fixed once given, and empty rows for new items.
type checklistPage struct {
	Type, Name string
	Category   string
	Rows       []checklistItemRow
	Leaves     []taxonomy.Category
	Names      map[string]string
	Form       *form
}

type checklistItemRow struct {
	I, N                int // the row's index in the form, and its number
	Key, Text, Category string
	Remove              bool
	Invalid             string // the field at fault: text or category
}

// newChecklistRows is how many empty rows the form offers for new items.
const newChecklistRows = 3

func (w *Web) handleAdminChecklist(rw http.ResponseWriter, r *http.Request, v *View) {
	t := hazard.Type(r.PathValue("type"))
	if !t.Valid() {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no hazard type %q", t))
		return
	}
	cls, err := w.db.Checklists(r.Context(), v.Actor)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	i := slices.IndexFunc(cls, func(c hazard.Checklist) bool { return c.Type == t })
	if i < 0 {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no checklist of %q", t))
		return
	}
	c := cls[i]
	var rows []checklistItemRow
	for i, it := range c.Items {
		rows = append(rows, checklistItemRow{I: i, Key: it.Key, Text: it.Text, Category: it.Category})
	}
	w.showChecklist(rw, r, v, t, c.Category, rows, nil)
}

func (w *Web) showChecklist(rw http.ResponseWriter, r *http.Request, v *View, t hazard.Type, category string, rows []checklistItemRow, f *form) {
	tree, err := w.db.Taxonomy(r.Context(), v.Actor.City)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	names, err := w.categoryNames(r, v)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	for range newChecklistRows {
		rows = append(rows, checklistItemRow{})
	}
	for i := range rows {
		rows[i].I, rows[i].N = i, i+1
	}
	p := checklistPage{Type: string(t), Name: v.T("hazard.type." + string(t)), Category: category, Rows: rows, Leaves: tree.Leaves(),
		Names: names, Form: f}
	v.Title = v.T("admin.checklist.title", p.Name)
	w.render(rw, r, v, formStatus(f), "admin/checklist", p)
}

// itemField is the store's name of an item's field.
var itemField = regexp.MustCompile(`^items\[(\d+)\]\.(key|text|category)$`)

// handleAdminChecklistSave replaces a type's checklist with the rows of the
// form: item.N.key (kept from before; empty for a new item, which gets a
// key made from its text), item.N.text, item.N.category and item.N.remove.
// An empty new row is no item.
func (w *Web) handleAdminChecklistSave(rw http.ResponseWriter, r *http.Request, v *View) {
	t := hazard.Type(r.PathValue("type"))
	if !t.Valid() {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no hazard type %q", t))
		return
	}
	vs := r.PostForm
	q := httpx.QueryOf(vs)
	n := q.Int("rows", 0, 0, hazard.MaxItems+newChecklistRows)
	if err := q.Err(); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	c := hazard.Checklist{Type: t, Category: q.String("category")}
	var rows []checklistItemRow
	var rowOf []int // the row of each item
	for i := range n {
		key := func(f string) string { return vs.Get(fmt.Sprintf("item.%d.%s", i, f)) }
		row := checklistItemRow{Key: key("key"), Text: key("text"), Category: httpx.QueryOf(url.Values{"c": {key("category")}}).String("c"),
			Remove: key("remove") != ""}
		if row.Key == "" && anju.Blank(row.Text) && row.Category == "" {
			continue // an empty row for a new item, left empty
		}
		rows = append(rows, row)
		if row.Remove {
			continue
		}
		rowOf = append(rowOf, len(rows)-1)
		c.Items = append(c.Items, hazard.Item{Key: row.Key, Text: row.Text, Category: row.Category})
	}
	c.AssignKeys()
	_, err := w.db.SaveChecklist(r.Context(), v.Actor, c)
	if err == nil {
		seeOther(rw, r, "/admin/hazards?done=checklist_saved")
		return
	}
	f := w.refusal(rw, r, v, err)
	if f == nil {
		return
	}
	if m := itemField.FindStringSubmatch(anju.ErrorField(err)); m != nil {
		if i, _ := strconv.Atoi(m[1]); i < len(rowOf) {
			field := m[2]
			if field == "key" {
				field = "text" // a key made from the text: the same text twice
			}
			rows[rowOf[i]].Invalid = field
			f.Field = fmt.Sprintf("item.%d.%s", rowOf[i], field)
		}
	}
	w.showChecklist(rw, r, v, t, c.Category, rows, f)
}
