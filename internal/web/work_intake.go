package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/httpx"
	"anju/internal/locale"
	"anju/internal/store"
	"anju/internal/taxonomy"
)

// Hotline intake (GET and POST /work/new): an operator with a caller on the
// line, or a grid worker in the street, files a case in one page load. While
// they type, the page offers what saves a second case — the caller's own
// open cases (by the keyed fingerprint of the phone, never by showing it),
// open cases like this one nearby — and what saves a search: the categories
// the city's classifier suggests, categories and places matching a few
// typed words. With scripts, htmx asks for these as the form changes
// (POST with assist=…, answered by the page's fragment); without, the
// "check" button posts the form and gets the page back with them. Every
// button is a submit button of the one form, so the page works either way.

// intakeRoles may open the intake page: the staff who file cases for others
// (the store checks again, per place), mediators within their committee's
// area among them.
var intakeRoles = []string{string(anju.RoleOperator), string(anju.RoleGridWorker), string(anju.RoleDispatcher), string(anju.RoleSupervisor),
	string(anju.RoleMediator)}

// intakeForm is what the operator typed, kept whole through every re-render.
type intakeForm struct {
	Title, Text, Category, Priority string
	Grid, Lat, Lon, Address         string
	Name, Phone                     string
	Anonymous                       bool
	PlaceQ, CatQ                    string
	Channel                         string // grid_patrol from the grid worker's page; else the role's channel
	Key                             string // idempotency key: pressing "file" twice files once
}

func readIntakeForm(v url.Values) intakeForm {
	q := httpx.QueryOf(v)
	return intakeForm{Title: v.Get("title"), Text: v.Get("text"), Category: q.String("category"), Priority: q.String("priority"),
		Grid: q.String("grid"), Lat: q.String("lat"), Lon: q.String("lon"), Address: v.Get("address"),
		Name: v.Get("name"), Phone: q.String("phone"), Anonymous: v.Get("anonymous") != "",
		PlaceQ: q.String("place_q"), CatQ: q.String("cat_q"), Channel: q.String("channel"), Key: q.String("key")}
}

// intakePage is the page's data: the form, its errors, and the aids.
type intakePage struct {
	Form   intakeForm
	Errors map[string]string // field → message
	Alert  string

	Groups    []intakeCategoryGroup
	PlaceName string // the chosen place, district to grid
	// Aids; the *Asked flags say a search was made, so that "nothing
	// found" is said only then.
	Suggested             []categoryPick
	Matches               []categoryPick
	Places                []placePick
	Caller                []casePick
	Similar               []casePick
	CatAsked, PlaceAsked  bool
	CallerAsked, SimAsked bool
	// Assist is what an htmx request asked for: "caller" (the phone
	// changed), "form" (anything else); empty for a whole page.
	Assist string

	errCode string // of the refused filing, for the status
}

type intakeCategoryGroup struct {
	Name    string
	Options []intakeCategoryOption
}

type intakeCategoryOption struct{ Code, Name string }

// casePick is an open case offered for adding the caller to instead of
// filing again: one of the caller's own, or one like the case being typed.
type casePick struct {
	View                        *View // for its words: a sub-template gets one value
	ID                          int64
	Code, Title, Category, Grid string
	State                       cases.State
	CreatedAt                   time.Time
	DistanceM                   int // -1 when unknown
	CanJoin                     bool
}

func newCasePick(v *View, tree *taxonomy.Tree, c store.CaseSummary) casePick {
	return casePick{View: v, ID: c.ID, Code: store.FormatTrackingCode(c.TrackingCode), Title: c.Title,
		Category: categoryNameOf(tree, v.Lang, c.Category), Grid: c.Grid.Name, State: c.State, CreatedAt: c.CreatedAt, DistanceM: -1, CanJoin: true}
}

// placePick is a place offered as a button: a grid found by name, or an
// earlier case's address with its grid.
type placePick struct {
	Grid, Name, Address string
}

// categoryPick is a category offered as a button: suggested by the
// classifier (with its probability) or found by name.
type categoryPick struct {
	Code, Name string
	Percent    int
}

func (w *Web) handleIntakePage(rw http.ResponseWriter, r *http.Request, v *View) {
	if !w.mayFile(rw, r, v) {
		return
	}
	q := httpx.NewQuery(r)
	f := intakeForm{Key: newIntakeKey(), Lat: q.String("lat"), Lon: q.String("lon"), Grid: q.String("grid")}
	if q.String("from") == "grid" {
		f.Channel = string(cases.ChannelGridPatrol)
	}
	p := &intakePage{Form: f, Errors: map[string]string{}}
	w.placeOf(r.Context(), v, p)
	w.renderIntake(rw, r, v, p)
}

// handleIntake answers every button of the form: file, check, a picked
// category or place, or an htmx request for the aids.
func (w *Web) handleIntake(rw http.ResponseWriter, r *http.Request, v *View) {
	if !w.mayFile(rw, r, v) {
		return
	}
	form := r.PostForm
	p := &intakePage{Form: readIntakeForm(form), Errors: map[string]string{}, Assist: form.Get("assist")}
	if p.Form.Key == "" {
		p.Form.Key = newIntakeKey()
	}
	switch {
	case form.Has("pick_category"):
		p.Form.Category = form.Get("pick_category")
	case form.Has("pick_place"):
		// "grid|address": a place found by name sets the grid, one found on
		// an earlier case its address too; a point typed before no longer
		// applies.
		grid, addr, _ := strings.Cut(form.Get("pick_place"), "|")
		p.Form.Grid, p.Form.Lat, p.Form.Lon = grid, "", ""
		if addr != "" {
			p.Form.Address = addr
		}
	case form.Has("join"):
		// The caller's voice goes to a case already open instead of a new
		// one: counted there, and told of its progress with its reporter.
		id, err := strconv.ParseInt(form.Get("join"), 10, 64)
		if err != nil || id <= 0 {
			err = anju.Errorf(anju.ENOTFOUND, "case %q not found", form.Get("join"))
		} else {
			f := p.Form
			_, err = w.db.Support(r.Context(), v.Actor, id, store.Supporter{Name: f.Name, Phone: f.Phone, Anonymous: f.Anonymous})
		}
		if err == nil {
			seeOther(rw, r, "/work/cases/"+strconv.FormatInt(id, 10))
			return
		}
		w.intakeError(r.Context(), v, p, err)
	case form.Has("file"):
		c, err := w.fileIntake(r, v, p)
		if err == nil {
			seeOther(rw, r, "/work/cases/"+strconv.FormatInt(c.ID, 10))
			return
		}
		w.intakeError(r.Context(), v, p, err)
	}
	w.placeOf(r.Context(), v, p)
	w.renderIntake(rw, r, v, p)
}

// fileIntake files the case the form describes.
func (w *Web) fileIntake(r *http.Request, v *View, p *intakePage) (store.Case, error) {
	f := p.Form
	nc := store.NewCase{Title: f.Title, Text: f.Text, Category: f.Category, Grid: f.Grid, Address: f.Address,
		Priority: cases.Priority(f.Priority), Channel: cases.Channel(f.Channel)}
	q := httpx.QueryOf(url.Values{"lat": {f.Lat}, "lon": {f.Lon}})
	lat, okLat := q.Float("lat", -90, 90)
	lon, okLon := q.Float("lon", -180, 180)
	if err := q.Err(); err != nil {
		return store.Case{}, err
	}
	if okLat && okLon {
		nc.Lat, nc.Lon = &lat, &lon
	}
	if nc.Channel != "" && nc.Channel != cases.ChannelHotline && nc.Channel != cases.ChannelGridPatrol {
		nc.Channel = ""
	}
	nc.Reporter.Name, nc.Reporter.Phone, nc.Reporter.Anonymous = f.Name, f.Phone, f.Anonymous
	c, _, err := w.db.CreateCase(r.Context(), v.Actor, nc, f.Key)
	return c, err
}

// intakeFields are the form's fields as the store names them.
var intakeFields = map[string]string{
	"title": "title", "text": "text", "category": "category", "priority": "priority", "grid": "grid", "lat": "grid",
	"lon": "grid", "address": "address", "reporter.name": "name", "reporter.phone": "phone", "reporter.anonymous": "anonymous",
	"supporter.name": "name", "supporter.phone": "phone", "supporter.anonymous": "anonymous",
	"channel": "category",
}

// intakeError turns a refused filing into the page's messages: the field's
// own words where the catalogue has them, the store's detail otherwise.
func (w *Web) intakeError(ctx context.Context, v *View, p *intakePage, err error) {
	code := anju.ErrorCode(err)
	if code == anju.EINTERNAL || code == anju.EUNAVAILABLE {
		w.log.ErrorContext(ctx, "intake failed", "err", err)
	}
	p.Alert, p.errCode = errorMessage(v, err), code
	if field, ok := intakeFields[anju.ErrorField(err)]; ok {
		key := "intake.error." + field
		if locale.Has(v.Lang, key) {
			p.Errors[field] = v.T(key)
		} else {
			p.Errors[field] = anju.ErrorMessage(err)
		}
		p.Alert = v.T("form.fix_errors") + " " + p.Errors[field]
	}
}

// mayFile answers 403 to a reader who files no cases for others.
func (w *Web) mayFile(rw http.ResponseWriter, r *http.Request, v *View) bool {
	if slices.ContainsFunc(intakeRoles, v.Has) {
		return true
	}
	w.fail(rw, r, v, anju.Errorf(anju.EFORBIDDEN, "only operators, grid workers, dispatchers, supervisors and mediators file cases for others"))
	return false
}

// placeOf names the chosen place: the grid of the point when one was given
// (geolocation), else the grid picked.
func (w *Web) placeOf(ctx context.Context, v *View, p *intakePage) {
	q := httpx.QueryOf(url.Values{"lat": {p.Form.Lat}, "lon": {p.Form.Lon}})
	lat, okLat := q.Float("lat", -90, 90)
	lon, okLon := q.Float("lon", -180, 180)
	if q.Err() == nil && okLat && okLon {
		loc, err := w.db.Locate(ctx, v.Actor, lon, lat)
		if err != nil {
			if _, set := p.Errors["grid"]; !set {
				p.Errors["grid"] = v.T("intake.error.outside")
			}
			return
		}
		p.Form.Grid = loc.Grid.Code
		p.PlaceName = regionNames(loc.Ancestors, loc.Grid)
		return
	}
	if p.Form.Grid == "" || len(p.Form.Grid) > 32 {
		return
	}
	ancestors, err := w.db.Ancestors(ctx, v.Actor, p.Form.Grid)
	if err != nil {
		return
	}
	g, err := w.db.GetRegion(ctx, v.Actor, p.Form.Grid)
	if err == nil {
		p.PlaceName = regionNames(ancestors, g)
	}
}

// regionNames joins a place's names below the city: 第1区 › 第1街道 › … › 第一网格.
func regionNames(ancestors []store.RegionRecord, self store.RegionRecord) string {
	var names []string
	for i, a := range ancestors {
		if i > 0 { // the city goes without saying
			names = append(names, a.Name)
		}
	}
	return strings.Join(append(names, self.Name), " › ")
}

// renderIntake computes the aids the request asks for and renders: 200, or
// the refused filing's status, or 400 for a search that could not be made.
func (w *Web) renderIntake(rw http.ResponseWriter, r *http.Request, v *View, p *intakePage) {
	ctx := r.Context()
	tree, err := w.db.Taxonomy(ctx, v.Actor.City)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	f := p.Form
	if p.Assist != "caller" {
		if p.Assist == "" {
			p.Groups = categoryGroups(tree, v.Lang)
		}
		if !anju.Blank(f.Title) || !anju.Blank(f.Text) {
			if s, err := w.db.Suggest(ctx, v.Actor, anju.CleanText(f.Title), anju.CleanText(f.Text), f.Grid); err == nil {
				for _, c := range s.Categories {
					p.Suggested = append(p.Suggested, categoryPick{Code: c.Code, Name: categoryNameOf(tree, v.Lang, c.Code),
						Percent: int(c.Probability*100 + 0.5)})
				}
			} else if anju.ErrorCode(err) != anju.EINVALID {
				w.log.WarnContext(ctx, "intake suggestions", "err", err)
			}
		}
		if f.CatQ != "" {
			p.CatAsked = true
			for _, c := range tree.Search(f.CatQ, 8) {
				p.Matches = append(p.Matches, categoryPick{Code: c.Code, Name: categoryNameOf(tree, v.Lang, c.Code)})
			}
		}
		if f.PlaceQ != "" {
			p.PlaceAsked = true
			places, err := w.db.SearchPlaces(ctx, v.Actor, f.PlaceQ)
			switch {
			case anju.ErrorCode(err) == anju.EINVALID:
				p.Errors["place_q"] = v.T("intake.error.place_q")
			case err != nil:
				w.log.WarnContext(ctx, "intake place search", "err", err)
			}
			for _, pl := range places {
				p.Places = append(p.Places, placePick{Grid: pl.Grid.Code, Name: strings.Join(pl.Lineage, " › "), Address: pl.Address})
			}
		}
		w.similarForIntake(ctx, v, tree, p)
	}
	if p.Assist != "form" && f.Phone != "" && !f.Anonymous {
		p.CallerAsked = true
		caller, err := w.db.CallerCases(ctx, v.Actor, f.Phone)
		if err != nil && anju.ErrorCode(err) != anju.EFORBIDDEN {
			w.log.WarnContext(ctx, "intake caller lookup", "err", err)
		}
		for _, c := range caller {
			p.Caller = append(p.Caller, newCasePick(v, tree, c))
		}
	}
	status := http.StatusOK
	if p.Alert != "" {
		status = httpx.Status(p.errCode)
	} else if len(p.Errors) > 0 {
		status = http.StatusBadRequest
	}
	v.Title = v.T("intake.title")
	w.render(rw, r, v, status, "work/intake", p)
}

// similarForIntake finds open cases that look like the one being typed, at
// the same place: what DuplicatesOf shows beside a case the API took in.
func (w *Web) similarForIntake(ctx context.Context, v *View, tree *taxonomy.Tree, p *intakePage) {
	f := p.Form
	if anju.Blank(f.Text) || f.Grid == "" {
		return
	}
	draft := store.Case{City: v.Actor.City, Title: anju.CleanText(f.Title), Text: anju.CleanText(f.Text),
		Grid: store.GridRef{Code: f.Grid}, CreatedAt: w.db.Now()}
	q := httpx.QueryOf(url.Values{"lat": {f.Lat}, "lon": {f.Lon}})
	lat, okLat := q.Float("lat", -90, 90)
	lon, okLon := q.Float("lon", -180, 180)
	if q.Err() == nil && okLat && okLon {
		draft.Lat, draft.Lon = &lat, &lon
	}
	p.SimAsked = true
	similar, err := w.db.DuplicatesOf(ctx, v.Actor, draft, 5)
	if err != nil {
		w.log.WarnContext(ctx, "intake similar cases", "err", err)
	}
	for _, s := range similar {
		pick := newCasePick(v, tree, s.Case)
		if s.DistanceM != nil {
			pick.DistanceM = int(math.Round(*s.DistanceM))
		}
		p.Similar = append(p.Similar, pick)
	}
}

// categoryNameOf is the name of the category with code in the reader's
// language; the code itself when the taxonomy has no such category.
func categoryNameOf(tree *taxonomy.Tree, lang locale.Lang, code string) string {
	c, err := tree.Get(code)
	if err != nil {
		return code
	}
	return categoryName(lang, c)
}

// categoryGroups lists the active leaves under their top-level groups, in
// the reader's language, a third-level leaf named with its group.
func categoryGroups(tree *taxonomy.Tree, lang locale.Lang) []intakeCategoryGroup {
	name := func(c taxonomy.Category) string { return categoryNameOf(tree, lang, c.Code) }
	var out []intakeCategoryGroup
	for _, root := range tree.Roots() {
		if !root.Active {
			continue
		}
		g := intakeCategoryGroup{Name: name(root)}
		for _, leaf := range tree.LeavesUnder(root.Code) {
			if !leaf.Active {
				continue
			}
			label := name(leaf)
			if taxonomy.Depth(leaf.Code) == 3 {
				if parent, err := tree.Get(taxonomy.ParentCode(leaf.Code)); err == nil {
					label = name(parent) + " › " + label
				}
			}
			g.Options = append(g.Options, intakeCategoryOption{Code: leaf.Code, Name: label})
		}
		if len(g.Options) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// newIntakeKey is the form's idempotency key.
func newIntakeKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "web-" + base64.RawURLEncoding.EncodeToString(b)
}
