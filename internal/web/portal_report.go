package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/httpx"
	"anju/internal/personal"
	"anju/internal/photo"
	"anju/internal/region"
	"anju/internal/store"
	"anju/internal/taxonomy"
	"anju/internal/upload"
)

// The report form: GET /report shows it (and, with scripts off, reloads it
// with GET to search categories or walk down the region tree, keeping what
// was typed); POST /report files the report and answers 303 to its receipt;
// POST /report/metoo adds the resident's voice to an open report instead.
// Field names are the JSON API's: title, text, category, lat, lon, grid,
// name, phone, anonymous, photos.

// reportForm is what the resident typed.
type reportForm struct {
	Title, Text, Category, CategoryQuery string
	Lat, Lon                             string
	District, Street, Community, Grid    string
	Name, Phone                          string
	Anonymous                            bool
	// Website is the honeypot: a field people never see or fill.
	Website string
	// Photos is how many photos came with a refused report: a browser
	// cannot send them again by itself.
	Photos int
}

// reportLimits bound each field of the form in bytes (a rune is at most
// four): a longer value is refused with a field error, never read whole.
var reportLimits = map[string]int{
	"title": 4 * store.MaxCaseTitle, "text": 4 * store.MaxCaseText, "category": 16, "cq": 200,
	"lat": 32, "lon": 32, "district": 32, "street": 32, "community": 32, "grid": 32,
	"name": 4 * personal.MaxNameLength, "phone": 4 * personal.MaxPhoneLength, "anonymous": 8, "website": 200, "case": 24,
	"pick": 16,
}

func formOf(vals url.Values) reportForm {
	get := func(k string) string { return vals.Get(k) }
	return reportForm{Title: get("title"), Text: get("text"), Category: get("category"), CategoryQuery: get("cq"),
		Lat: strings.TrimSpace(get("lat")), Lon: strings.TrimSpace(get("lon")),
		District: get("district"), Street: get("street"), Community: get("community"), Grid: get("grid"),
		Name: get("name"), Phone: get("phone"), Anonymous: get("anonymous") != "", Website: get("website")}
}

// fieldErrors are a form's errors by field, in the reader's language.
type fieldErrors map[string]string

// checkFields finds what no store rule can: values that are not text or
// longer than their field takes, and overwrites them with something
// printable so that the form can show them again.
func checkFields(v *View, vals url.Values, errs fieldErrors) {
	for name, limit := range reportLimits {
		for i, s := range vals[name] {
			switch {
			case !utf8.ValidString(s):
				errs[fieldOf(name)] = v.T("portal.err.utf8")
				vals[name][i] = strings.ToValidUTF8(s, "\uFFFD")
			case len(s) > limit:
				errs[fieldOf(name)] = v.T("portal.err.too_long")
				vals[name][i] = strings.ToValidUTF8(s[:limit], "")
			}
		}
	}
}

// fieldOf is the form field an API field name shows on: the reporter's and a
// supporter's data are the form's name and phone, and the place is one
// field however it was given.
func fieldOf(apiField string) string {
	f := apiField
	if i := strings.LastIndexByte(f, '.'); i >= 0 {
		f = f[i+1:]
	}
	switch f {
	case "lat", "lon", "grid", "district", "street", "community":
		return "place"
	}
	return f
}

// readReport reads a report's multipart body through upload.ReadForm (the
// one reader of uploads: bounded before it is read, photos checked and
// re-encoded one at a time) and checks its fields. A body that cannot be
// read at all comes back as err; a refused photo as a field error, with
// the rest of the form kept.
func readReport(rw http.ResponseWriter, r *http.Request, v *View, errs fieldErrors) (url.Values, []photo.Photo, error) {
	f, err := upload.ReadForm(rw, r)
	if f == nil {
		if field := anju.ErrorField(err); field != "" && anju.ErrorCode(err) == anju.EINVALID {
			// Text that is not UTF-8 loses the form; say which field.
			errs[fieldOf(field)] = v.T("portal.err.utf8")
			return url.Values{}, nil, nil
		}
		return nil, nil, err
	}
	var pe *photo.Error
	if errors.As(err, &pe) {
		errs["photos"] = v.T(pe.Key, pe.Args()...)
	}
	checkFields(v, f.Values, errs)
	return f.Values, f.Photos, nil
}

// reportPage is the data of the report form.
type reportPage struct {
	Form        reportForm
	Errors      fieldErrors
	Alert       string
	Groups      []categoryGroup
	Matches     []categoryOption // categories matching the search
	Suggestions []categoryOption // the classifier's top guesses for the text
	Similar     []store.SimilarCase
	Levels      []placeLevel
	GridName    string
	City        string
	Lat, Lon    string // the pin, for the map
	// Part is the fragment an htmx request of the form asks for:
	// "similar" or "categories".
	Part string
}

type categoryGroup struct {
	Name   string
	Leaves []categoryOption
}

type categoryOption struct {
	Code, Name string
	Selected   bool
}

// placeLevel is one select of the region tree: districts, streets,
// communities, grids.
type placeLevel struct {
	Field    string
	Options  []categoryOption
	Selected string
}

// Has reports whether the form has an error on field.
func (p reportPage) Has(field string) bool { _, ok := p.Errors[field]; return ok }

func (w *Web) handleReportForm(rw http.ResponseWriter, r *http.Request, v *View) {
	vals := r.URL.Query()
	errs := fieldErrors{}
	checkFields(v, vals, errs)
	form := formOf(vals)
	if pick := vals.Get("pick"); pick != "" {
		form.Category = pick
	}
	page, err := w.reportPage(r.Context(), v, form, errs, true)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	w.render(rw, r, v, http.StatusOK, "portal/report", page)
}

// reportPage gathers the form's lists: categories (filtered by the search),
// the classifier's suggestions and similar open reports once text is typed,
// and the region tree down to the chosen grid.
func (w *Web) reportPage(ctx context.Context, v *View, form reportForm, errs fieldErrors, assist bool) (reportPage, error) {
	v.Title = v.T("portal.report.title")
	city, err := w.portalCity(ctx)
	if err != nil {
		return reportPage{}, err
	}
	p := reportPage{Form: form, Errors: errs, City: city, Lat: form.Lat, Lon: form.Lon}
	if len(errs) > 0 {
		p.Alert = v.T("form.fix_errors")
	}
	tree, err := w.db.Taxonomy(ctx, city)
	if err != nil {
		return p, err
	}
	p.Groups, p.Matches = categoryChoices(v, tree, form.Category, form.CategoryQuery)
	if assist {
		if p.Suggestions, err = w.suggest(ctx, v, tree, city, form); err != nil {
			return p, err
		}
		if p.Similar, err = w.similar(ctx, city, form); err != nil {
			return p, err
		}
	}
	p.Levels, p.GridName, err = w.placeLevels(ctx, city, form)
	return p, err
}

// categoryChoices lists the active leaves under their groups, and those
// whose name (in either language) or code holds the search words. The
// portal takes no petitions (信访): they come in by letter, visit, phone
// or web petition to the petition office, and have no tracking page.
func categoryChoices(v *View, tree *taxonomy.Tree, selected, query string) ([]categoryGroup, []categoryOption) {
	query = strings.ToLower(strings.TrimSpace(query))
	var groups []categoryGroup
	var matches []categoryOption
	for _, root := range tree.Roots() {
		if !root.Active || root.Kind == cases.KindPetition {
			continue
		}
		g := categoryGroup{Name: categoryName(v.Lang, root)}
		for _, leaf := range tree.LeavesUnder(root.Code) {
			if !leaf.Active || leaf.Kind == cases.KindPetition {
				continue
			}
			o := categoryOption{Code: leaf.Code, Name: categoryName(v.Lang, leaf), Selected: leaf.Code == selected}
			g.Leaves = append(g.Leaves, o)
			if query != "" && len(matches) < 12 && (strings.Contains(strings.ToLower(leaf.Name+" "+leaf.NameEn+" "+g.Name), query) || leaf.Code == query) {
				matches = append(matches, o)
			}
		}
		if len(g.Leaves) > 0 {
			groups = append(groups, g)
		}
	}
	return groups, matches
}

// suggest is the classifier's top categories for what was typed; none
// before any model is trained or any text typed.
func (w *Web) suggest(ctx context.Context, v *View, tree *taxonomy.Tree, city string, form reportForm) ([]categoryOption, error) {
	if anju.Blank(form.Title) && anju.Blank(form.Text) {
		return nil, nil
	}
	s, err := w.db.Suggest(ctx, anju.PublicActor(city, "web"), form.Title, form.Text, form.Grid)
	if err != nil {
		if anju.ErrorCode(err) == anju.EINVALID {
			return nil, nil
		}
		return nil, err
	}
	var out []categoryOption
	for _, c := range s.Categories {
		if cat, err := tree.Get(c.Code); err == nil && cat.Leaf && cat.Active {
			out = append(out, categoryOption{Code: c.Code, Name: categoryName(v.Lang, cat), Selected: c.Code == form.Category})
		}
	}
	return out, nil
}

// similar is the open public reports that look like the same problem near
// the same place.
func (w *Web) similar(ctx context.Context, city string, form reportForm) ([]store.SimilarCase, error) {
	d := store.Draft{Title: form.Title, Text: form.Text, Grid: form.Grid}
	q := httpx.QueryOf(url.Values{"lat": {form.Lat}, "lon": {form.Lon}})
	lat, okLat := q.Float("lat", -90, 90)
	lon, okLon := q.Float("lon", -180, 180)
	if okLat && okLon {
		d.Lat, d.Lon = &lat, &lon
	}
	return w.db.SimilarPublic(ctx, city, d, 5)
}

// placeLevels walks the region tree from the city down the chosen codes: a
// code that is not a child of the choice above it (the resident changed a
// higher level) ends the walk there.
func (w *Web) placeLevels(ctx context.Context, city string, form reportForm) ([]placeLevel, string, error) {
	chosen := []string{form.District, form.Street, form.Community, form.Grid}
	fields := []string{"district", "street", "community", "grid"}
	parent := city
	var levels []placeLevel
	for i, field := range fields {
		children, err := w.db.Children(ctx, geoActor, parent)
		if err != nil {
			return nil, "", err
		}
		if len(children) == 0 {
			break
		}
		l := placeLevel{Field: field}
		gridName := ""
		for _, c := range children {
			sel := c.Code == chosen[i]
			if sel {
				l.Selected = c.Code
				if c.Level == region.LevelGrid {
					gridName = c.Name
				}
			}
			l.Options = append(l.Options, categoryOption{Code: c.Code, Name: c.Name, Selected: sel})
		}
		levels = append(levels, l)
		if l.Selected == "" {
			return levels, "", nil
		}
		if gridName != "" {
			return levels, gridName, nil
		}
		parent = l.Selected
	}
	return levels, "", nil
}

// handleReport files a report. A signed-in resident files as themself; anyone
// else as the public portal, limited per address. Whatever is refused shows
// the form again with what was typed and why.
func (w *Web) handleReport(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	in, ok := w.readPortalPost(rw, r, v)
	if !ok {
		return
	}
	actor, limited, errs, vals, photos, form := in.actor, in.limited, in.errs, in.vals, in.photos, in.form
	form.Photos = len(photos)
	again := func(status int, alert string) { w.reportAgain(rw, r, v, form, errs, false, status, alert) }
	switch {
	case limited != nil:
		again(http.StatusTooManyRequests, errorMessage(v, limited))
		return
	case form.Website != "":
		again(http.StatusBadRequest, v.T("portal.report.refused"))
		return
	}
	nc := store.NewCase{Title: form.Title, Text: form.Text, Category: form.Category, Grid: form.Grid, Photos: photos}
	nc.Reporter.Name, nc.Reporter.Phone, nc.Reporter.Anonymous = form.Name, form.Phone, form.Anonymous
	if !form.Anonymous && strings.TrimSpace(form.Phone) == "" {
		errs["phone"] = v.T("portal.err.phone_or_anonymous")
	}
	if form.Lat != "" || form.Lon != "" {
		q := httpx.QueryOf(vals)
		lat, okLat := q.Float("lat", -90, 90)
		lon, okLon := q.Float("lon", -180, 180)
		if q.Err() != nil || !okLat || !okLon {
			errs["place"] = v.T("portal.err.place")
		} else {
			nc.Lat, nc.Lon = &lat, &lon
		}
	}
	if len(errs) > 0 {
		again(http.StatusBadRequest, "")
		return
	}
	c, _, err := w.db.CreateCase(ctx, actor, nc, "")
	if err != nil {
		if field := anju.ErrorField(err); field != "" && anju.ErrorCode(err) == anju.EINVALID {
			errs[fieldOf(field)] = fieldMessage(v, fieldOf(field), err)
			again(http.StatusBadRequest, "")
			return
		}
		if code := anju.ErrorCode(err); code != anju.EINTERNAL && code != anju.EUNAVAILABLE {
			again(httpx.Status(code), errorMessage(v, err))
			return
		}
		w.fail(rw, r, v, err)
		return
	}
	if c.ReporterSecret != "" {
		setReceipt(rw, r, c.TrackingCode, c.ReporterSecret)
	}
	seeOther(rw, r, "/track/"+c.TrackingCode)
}

// fieldMessage says in the reader's language what is wrong with a field the
// store refused.
func fieldMessage(v *View, field string, err error) string {
	switch field {
	case "title", "text", "category", "place", "name", "phone", "anonymous":
		return v.T("portal.err." + field)
	}
	return errorMessage(v, err)
}

// handleMeToo adds the resident's voice to an open public report, from a
// button of the similar reports inside the report form (which sends the
// whole form, so that a refusal shows it again as typed).
func (w *Web) handleMeToo(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	in, ok := w.readPortalPost(rw, r, v)
	if !ok {
		return
	}
	actor, limited, errs, vals, form := in.actor, in.limited, in.errs, in.vals, in.form
	delete(errs, "photos") // a voice carries no photos
	again := func(status int, alert string) { w.reportAgain(rw, r, v, form, errs, true, status, alert) }
	q := httpx.QueryOf(vals)
	id := q.ID("case")
	switch {
	case limited != nil:
		again(http.StatusTooManyRequests, errorMessage(v, limited))
		return
	case form.Website != "":
		again(http.StatusBadRequest, v.T("portal.report.refused"))
		return
	case q.Err() != nil || id == 0:
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no such report"))
		return
	case len(errs) > 0:
		again(http.StatusBadRequest, "")
		return
	}
	s, err := w.db.Support(ctx, actor, id, store.Supporter{Name: form.Name, Phone: form.Phone, Anonymous: form.Anonymous})
	if err != nil {
		switch anju.ErrorCode(err) {
		case anju.EINVALID:
			field := fieldOf(anju.ErrorField(err))
			errs[field] = fieldMessage(v, field, err)
			again(http.StatusBadRequest, "")
		case anju.ECONFLICT:
			again(http.StatusConflict, v.T("portal.metoo.closed"))
		default:
			w.fail(rw, r, v, err)
		}
		return
	}
	flag := "joined"
	if !s.Added {
		flag = "already"
	}
	seeOther(rw, r, "/track/"+s.TrackingCode+"?"+flag+"=1")
}

// handleReportAssist answers the form's htmx requests while the resident
// types: category matches and suggestions, or similar open reports.
func (w *Web) handleReportAssist(part string) func(http.ResponseWriter, *http.Request, *View) {
	return func(rw http.ResponseWriter, r *http.Request, v *View) {
		vals := r.URL.Query()
		errs := fieldErrors{}
		checkFields(v, vals, errs)
		form := formOf(vals)
		p, err := w.reportPage(r.Context(), v, form, errs, true)
		if err != nil {
			w.fail(rw, r, v, err)
			return
		}
		p.Part = part
		w.render(rw, r, v, http.StatusOK, "portal/report", p)
	}
}

// portalPost is a report form posted to the portal, read: who files it (a
// signed-in resident as themself, anyone else as the public portal), whether
// the address is over its limit, what was typed and what is wrong with it.
type portalPost struct {
	actor   *anju.Actor
	limited error
	errs    fieldErrors
	vals    url.Values
	photos  []photo.Photo
	form    reportForm
}

// readPortalPost reads a report or "me too" form; false when the request has
// already been answered (with an error page).
func (w *Web) readPortalPost(rw http.ResponseWriter, r *http.Request, v *View) (portalPost, bool) {
	city, err := w.portalCity(r.Context())
	if err != nil {
		w.fail(rw, r, v, err)
		return portalPost{}, false
	}
	in := portalPost{errs: fieldErrors{}}
	actor, public := filer(v, city)
	in.actor = actor
	if public {
		in.limited = w.allowReport(rw, r)
	}
	if in.vals, in.photos, err = readReport(rw, r, v, in.errs); err != nil {
		w.fail(rw, r, v, err)
		return portalPost{}, false
	}
	in.form = formOf(in.vals)
	return in, true
}

// reportAgain shows the report form again with what was typed, its field
// errors and alert (when not empty) — assist as for reportPage.
func (w *Web) reportAgain(rw http.ResponseWriter, r *http.Request, v *View, form reportForm, errs fieldErrors, assist bool, status int, alert string) {
	p, err := w.reportPage(r.Context(), v, form, errs, assist)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if alert != "" {
		p.Alert = alert
	}
	w.render(rw, r, v, status, "portal/report", p)
}
