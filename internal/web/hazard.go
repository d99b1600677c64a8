package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"anju/internal/anju"
	"anju/internal/hazard"
	"anju/internal/httpx"
	"anju/internal/store"
)

// The hazard register (隐患与风险点) on the web: the list of places and
// objects the reader may see, by region, type and risk level, a page by
// key (GET /work/hazards); a hazard's page with its open findings and
// recent inspections (GET /work/hazards/{id}); the form that registers one
// or changes it (GET /work/hazards/new, /work/hazards/{id}/edit, POST
// /work/hazards and /work/hazards/{id}). Every read and change is the
// store's call the JSON API makes, with the same scope.

// hazardPageSize is the length of a page of the register and of the
// inspection and finding lists.
const hazardPageSize = 50

// hazardRegistrars may register places (the store checks again, per place).
var hazardRegistrars = []string{string(anju.RoleGridWorker), string(anju.RoleDispatcher), string(anju.RoleSupervisor), string(anju.RoleAdmin)}

// hazardsPage is one page of the register.
type hazardsPage struct {
	Filter      url.Values
	Regions     []choice
	Types       []choice
	Risks       []choice
	Hazards     []hazardRow
	Next        string // the next page's URL, empty on the last
	CanRegister bool
	Error       string
	Field       string
}

type hazardRow struct {
	store.Hazard
	TypeName, RiskName string
}

func hazardRowOf(v *View, h store.Hazard) hazardRow {
	return hazardRow{Hazard: h, TypeName: v.T("hazard.type." + string(h.Type)), RiskName: v.T("hazard.risk." + string(h.RiskLevel))}
}

// typeChoices and riskChoices offer the register's types and levels, the
// one given selected.
func typeChoices(v *View, selected string) []choice {
	var out []choice
	for _, t := range hazard.Types {
		out = append(out, choice{Value: string(t), Label: v.T("hazard.type." + string(t)), Selected: string(t) == selected})
	}
	return out
}

func riskChoices(v *View, selected string) []choice {
	var out []choice
	for _, l := range hazard.RiskLevels {
		out = append(out, choice{Value: string(l), Label: v.T("hazard.risk." + string(l)), Selected: string(l) == selected})
	}
	return out
}

// regionChoices are the regions of the reader's reach, for a filter.
func (w *Web) regionChoices(ctx context.Context, v *View, selected string) ([]choice, error) {
	rs, err := w.db.ScopeRegions(ctx, v.Actor, regionLevelsShown)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	var out []choice
	for _, r := range rs {
		indent := strings.Repeat("\u00a0\u00a0", max(0, pathDepth(r.Path)-pathDepth(rs[0].Path)))
		out = append(out, choice{Value: r.Code, Label: indent + r.Name, Selected: r.Code == selected})
	}
	return out, nil
}

// keep is the filter's values that are set, for links that keep them.
func keep(vs url.Values, names ...string) url.Values {
	out := url.Values{}
	for _, n := range names {
		if x := strings.TrimSpace(vs.Get(n)); x != "" {
			out.Set(n, x)
		}
	}
	return out
}

// nextPage is the URL of the page after the one whose last key is next,
// keeping the filter; "" when there is none.
func nextPage(path string, filter url.Values, next int64) string {
	if next == 0 {
		return ""
	}
	vs := url.Values{}
	for k, x := range filter {
		vs[k] = x
	}
	vs.Set("before", strconv.FormatInt(next, 10))
	return path + "?" + vs.Encode()
}

func (w *Web) handleHazards(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	q := httpx.NewQuery(r)
	p := hazardsPage{Filter: keep(r.URL.Query(), "region", "type", "risk_level"), CanRegister: slices.ContainsFunc(hazardRegistrars, v.Has)}
	f := store.HazardFilter{Region: q.String("region"), Type: hazard.Type(q.String("type")), RiskLevel: hazard.RiskLevel(q.String("risk_level")),
		Before: q.ID("before"), Limit: hazardPageSize}
	var err error
	if p.Regions, err = w.regionChoices(ctx, v, f.Region); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.Types, p.Risks = typeChoices(v, string(f.Type)), riskChoices(v, string(f.RiskLevel))
	v.Title = v.T("hazard.register")
	err = q.Err()
	var l store.HazardList
	if err == nil {
		l, err = w.db.ListHazards(ctx, v.Actor, f)
	}
	if err != nil {
		if p.Error, p.Field = w.badFilter(rw, r, v, err), anju.ErrorField(err); p.Error != "" {
			w.render(rw, r, v, http.StatusBadRequest, "work/hazards", p)
		}
		return
	}
	for _, h := range l.Hazards {
		p.Hazards = append(p.Hazards, hazardRowOf(v, h))
	}
	p.Next = nextPage("/work/hazards", p.Filter, l.Next)
	w.render(rw, r, v, http.StatusOK, "work/hazards", p)
}

// hazardPage is a hazard's own page.
type hazardPage struct {
	hazardRow
	MapRegion   string // the region whose grids the map draws: the grid's parent
	Every       string // how often it is inspected, in words
	Department  string // the supervising department's name
	Findings    []findingRow
	Inspections []inspectionRow
	MoreTasks   string // the list of all its tasks, when there are more
	CanEdit     bool
}

func (w *Web) handleHazard(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	id, ok := hazardIDOf(r)
	if !ok {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no hazard %q", r.PathValue("id")))
		return
	}
	h, err := w.db.GetHazard(ctx, v.Actor, id)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := hazardPage{hazardRow: hazardRowOf(v, h), Department: w.departmentName(ctx, v, h.Department),
		CanEdit: slices.ContainsFunc(hazardRegistrars, v.Has)}
	plan, err := w.db.HazardPlan(ctx, v.Actor)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.Every = frequencyText(v, plan.Frequency(h.RiskLevel))
	if up, err := w.db.Ancestors(ctx, v.Actor, h.Grid.Code); err == nil && len(up) > 0 {
		p.MapRegion = up[len(up)-1].Code
	}
	now := w.db.Now()
	for _, f := range h.Findings {
		p.Findings = append(p.Findings, findingRowOf(v, f, now))
	}
	const recent = 10
	tasks, err := w.db.ListInspections(ctx, v.Actor, store.InspectionFilter{HazardID: id, Limit: recent})
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	for _, in := range tasks.Inspections {
		p.Inspections = append(p.Inspections, inspectionRowOf(v, in, now))
	}
	if tasks.Next != 0 {
		p.MoreTasks = "/work/inspections?" + url.Values{"hazard": {idString(id)}, "before": {idString(tasks.Next)}}.Encode()
	}
	if done := r.URL.Query().Get("done"); done == "saved" {
		v.Flash = v.T("hazard.done.saved")
	}
	v.Title = h.Name
	w.render(rw, r, v, http.StatusOK, "work/hazard", p)
}

// departmentName names a department by its code, or gives the code when
// the reader may not read it.
func (w *Web) departmentName(ctx context.Context, v *View, code string) string {
	if code == "" {
		return ""
	}
	d, err := w.db.GetDepartment(ctx, v.Actor, code)
	if err != nil {
		return code
	}
	return d.Name
}

func hazardIDOf(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// optionalHazardID is the {id} of a route that has one (a change), 0 for
// one without (a new hazard); ENOTFOUND when it is no positive number.
func optionalHazardID(r *http.Request) (int64, error) {
	if r.PathValue("id") == "" {
		return 0, nil
	}
	if id, ok := hazardIDOf(r); ok {
		return id, nil
	}
	return 0, anju.Errorf(anju.ENOTFOUND, "no hazard %q", r.PathValue("id"))
}

// badFilter is the message of a list's refused filter, to show with the
// list's form; any other error gets the error page, and badFilter "".
func (w *Web) badFilter(rw http.ResponseWriter, r *http.Request, v *View, err error) string {
	if anju.ErrorCode(err) != anju.EINVALID {
		w.fail(rw, r, v, err)
		return ""
	}
	return errorMessage(v, err)
}

// hazardFormPage registers a place or changes one. ID is 0 for a new one.
type hazardFormPage struct {
	ID          int64
	Form        *form
	Types       []choice
	Risks       []choice
	Departments []choiceGroup
	GridName    string
	City        string
}

// hazardFields are the form's fields, the JSON's names.
var hazardFields = []string{"type", "name", "address", "lat", "lon", "risk_level", "owner", "department", "note", "version"}

func (w *Web) handleHazardForm(rw http.ResponseWriter, r *http.Request, v *View) {
	if !w.mayRegister(rw, r, v) {
		return
	}
	f := &form{Values: url.Values{}}
	id, err := optionalHazardID(r)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if id != 0 {
		h, err := w.db.GetHazard(r.Context(), v.Actor, id)
		if err != nil {
			w.fail(rw, r, v, err)
			return
		}
		f.Values = url.Values{"type": {string(h.Type)}, "name": {h.Name}, "address": {h.Address}, "lat": {ftoa(h.Lat)},
			"lon": {ftoa(h.Lon)}, "risk_level": {string(h.RiskLevel)}, "owner": {h.Owner}, "department": {h.Department},
			"note": {h.Note}, "version": {strconv.FormatInt(h.Version, 10)}}
	}
	w.showHazardForm(rw, r, v, id, f)
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func (w *Web) showHazardForm(rw http.ResponseWriter, r *http.Request, v *View, id int64, f *form) {
	ctx := r.Context()
	ds, err := w.db.ListDepartments(ctx, v.Actor, store.DepartmentFilter{})
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := hazardFormPage{ID: id, Form: f, Types: typeChoices(v, f.Get("type")), Risks: riskChoices(v, f.Get("risk_level")),
		Departments: departmentChoices(v, ds), City: v.Actor.City}
	for gi := range p.Departments {
		for oi := range p.Departments[gi].Options {
			p.Departments[gi].Options[oi].Selected = p.Departments[gi].Options[oi].Value == f.Get("department")
		}
	}
	q := httpx.QueryOf(f.Values)
	lat, okLat := q.Float("lat", -90, 90)
	lon, okLon := q.Float("lon", -180, 180)
	if q.Err() == nil && okLat && okLon {
		if loc, err := w.db.Locate(ctx, v.Actor, lon, lat); err == nil {
			var names []string
			for _, a := range loc.Ancestors {
				names = append(names, a.Name)
			}
			p.GridName = strings.Join(append(names, loc.Grid.Name), " › ")
		}
	}
	v.Title = v.T("hazard.new")
	if id != 0 {
		v.Title = v.T("hazard.edit", f.Get("name"))
	}
	w.render(rw, r, v, formStatus(f), "work/hazard_form", p)
}

// mayRegister answers 403 to a reader who registers no places.
func (w *Web) mayRegister(rw http.ResponseWriter, r *http.Request, v *View) bool {
	if slices.ContainsFunc(hazardRegistrars, v.Has) {
		return true
	}
	w.fail(rw, r, v, anju.Errorf(anju.EFORBIDDEN, "only grid workers, dispatchers, supervisors and administrators register hazards"))
	return false
}

// handleHazardSave registers (POST /work/hazards) or changes (POST
// /work/hazards/{id}) a hazard through the store's RegisterHazard and
// UpdateHazard; a refusal shows the form again with the field at fault.
func (w *Web) handleHazardSave(rw http.ResponseWriter, r *http.Request, v *View) {
	if !w.mayRegister(rw, r, v) {
		return
	}
	id, err := optionalHazardID(r)
	if err == nil {
		err = plainForm(r)
	}
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	for name := range r.PostForm {
		if name != "csrf" && !slices.Contains(hazardFields, name) {
			w.fail(rw, r, v, anju.FieldError(name, "unknown field %q", name))
			return
		}
	}
	in, version, err := hazardOf(r.PostForm)
	var h store.Hazard
	if err == nil && id == 0 {
		h, err = w.db.RegisterHazard(r.Context(), v.Actor, in)
	} else if err == nil {
		if version <= 0 {
			err = anju.FieldError("version", "the form lacks the hazard's version")
		} else {
			h, err = w.db.UpdateHazard(r.Context(), v.Actor, id, version, in)
		}
	}
	if err != nil {
		if anju.ErrorCode(err) == anju.ENOTFOUND && anju.ErrorField(err) == "" {
			w.fail(rw, r, v, err)
			return
		}
		if f := w.refusal(rw, r, v, err); f != nil {
			switch field := anju.ErrorField(err); {
			case anju.ErrorCode(err) == anju.ECONFLICT:
				f.Error = v.T("hazard.stale")
			case field == "lat" && (anju.Blank(r.PostForm.Get("lat")) || anju.Blank(r.PostForm.Get("lon"))):
				f.Error = v.T("hazard.error.place_missing")
			case anju.ErrorCode(err) == anju.EINVALID && slices.Contains(hazardFields, field) && field != "version":
				// The store's detail names what to fix in English; the
				// catalogue says it in the reader's words, the detail kept
				// for where it is more precise (which grid, which limit).
				f.Error = v.T("hazard.error."+field, anju.ErrorMessage(err))
			}
			w.showHazardForm(rw, r, v, id, f)
		}
		return
	}
	seeOther(rw, r, "/work/hazards/"+idString(h.ID)+"?done=saved")
}

// hazardOf reads the form as the API's JSON would be read.
func hazardOf(vs url.Values) (hazard.Hazard, int64, error) {
	q := httpx.QueryOf(vs)
	h := hazard.Hazard{Type: hazard.Type(q.String("type")), Name: vs.Get("name"), Address: vs.Get("address"),
		RiskLevel: hazard.RiskLevel(q.String("risk_level")), Owner: vs.Get("owner"), Department: q.String("department"), Note: vs.Get("note")}
	lat, okLat := q.Float("lat", -90, 90)
	lon, okLon := q.Float("lon", -180, 180)
	version := q.ID("version")
	if err := q.Err(); err != nil {
		return h, 0, err
	}
	if !okLat || !okLon {
		return h, 0, anju.FieldError("lat", "place it on the map, or give its latitude and longitude")
	}
	h.Lat, h.Lon = lat, lon
	return h, version, nil
}

// frequencyText says a frequency in the reader's words.
func frequencyText(v *View, f hazard.Frequency) string {
	if f.Every == 1 {
		return v.T("hazard.every.one_" + string(f.Unit))
	}
	return v.T("hazard.every."+string(f.Unit), f.Every)
}
