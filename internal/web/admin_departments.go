package web

import (
	"net/http"
	"net/url"
	"strings"

	"anju/internal/anju"
	"anju/internal/department"
	"anju/internal/httpx"
	"anju/internal/store"
	"anju/internal/taxonomy"
)

// departmentsPage is one page of the departments the reader may see, by code.
type departmentsPage struct {
	Departments []store.Department
	Names       map[string]string // category code → name in the reader's language
	Next        string
}

func (w *Web) handleAdminDepartments(rw http.ResponseWriter, r *http.Request, v *View) {
	after := httpx.NewQuery(r).String("after")
	ds, err := w.db.ListDepartments(r.Context(), v.Actor, store.DepartmentFilter{After: after, Limit: adminPageSize + 1})
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := departmentsPage{Departments: ds}
	if len(ds) > adminPageSize {
		p.Departments = ds[:adminPageSize]
		p.Next = p.Departments[adminPageSize-1].Code
	}
	if p.Names, err = w.categoryNames(r, v); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	v.Title = v.T("admin.departments")
	w.render(rw, r, v, http.StatusOK, "admin/departments", p)
}

// categoryNames maps the city's category codes to their names in the
// reader's language.
func (w *Web) categoryNames(r *http.Request, v *View) (map[string]string, error) {
	tree, err := w.db.Taxonomy(r.Context(), v.Actor.City)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, c := range tree.All() {
		out[c.Code] = categoryName(v.Lang, c)
	}
	return out, nil
}

// departmentPage is the form that creates or changes a department. Existing
// is set when the code names a saved department: its code is then fixed.
type departmentPage struct {
	Form     *form
	Existing bool
	Types    []department.Type
	Leaves   []taxonomy.Category
	Names    map[string]string
}

// handleAdminDepartment shows the form: empty at /admin/departments/new,
// filled from the department the reader may see otherwise (404 if not).
func (w *Web) handleAdminDepartment(rw http.ResponseWriter, r *http.Request, v *View) {
	code := r.PathValue("code")
	if code == "" {
		w.showDepartment(rw, r, v, &form{Values: url.Values{}}, false)
		return
	}
	d, err := w.db.GetDepartment(r.Context(), v.Actor, code)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	vals := url.Values{"code": {d.Code}, "name": {d.Name}, "type": {string(d.Type)}, "region": {d.Region},
		"categories": {strings.Join(d.Categories, ", ")}}
	w.showDepartment(rw, r, v, &form{Values: vals}, true)
}

func (w *Web) showDepartment(rw http.ResponseWriter, r *http.Request, v *View, f *form, existing bool) {
	names, err := w.categoryNames(r, v)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	tree, _ := w.db.Taxonomy(r.Context(), v.Actor.City)
	v.Title = v.T("admin.department.new")
	if existing {
		v.Title = v.T("admin.department.edit", f.Get("code"))
	}
	w.render(rw, r, v, formStatus(f), "admin/department", departmentPage{Form: f, Existing: existing, Types: department.Types,
		Leaves: tree.Leaves(), Names: names})
}

// handleAdminDepartmentSave saves through SaveDepartment, the API's call:
// categories typed as codes separated by commas or spaces.
func (w *Web) handleAdminDepartmentSave(rw http.ResponseWriter, r *http.Request, v *View) {
	q := httpx.QueryOf(r.PostForm)
	t, err := department.ParseType(q.String("type"))
	if err != nil {
		// The select offers only known types: say so in the reader's words
		// rather than the store's.
		w.showDepartment(rw, r, v, &form{Values: r.PostForm, Field: "type", Status: httpx.Status(anju.EINVALID),
			Error: v.T("admin.department.type_unknown")}, q.Bool("existing"))
		return
	}
	d := store.Department{Code: q.String("code"), Name: q.String("name"), Type: t, Region: q.String("region"),
		Categories: splitCodes(q.String("categories"))}
	saved, err := w.db.SaveDepartment(r.Context(), v.Actor, d)
	if err != nil {
		if f := w.refusal(rw, r, v, err); f != nil {
			w.showDepartment(rw, r, v, f, q.Bool("existing"))
		}
		return
	}
	seeOther(rw, r, "/admin/departments/"+url.PathEscape(saved.Code)+"?done=department_saved")
}

// splitCodes splits a typed list of codes at commas, ideographic commas and spaces.
func splitCodes(s string) []string {
	out := []string{}
	for _, c := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}) {
		out = append(out, c)
	}
	return out
}
