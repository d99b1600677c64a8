package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/caseexport"
	"anju/internal/cases"
	"anju/internal/export"
	"anju/internal/figures"
	"anju/internal/locale"
	"anju/internal/store"
	"anju/internal/taxonomy"
)

// The workbench (GET /work): the queues the reader's roles have, each with
// its count under the filters; one queue's cases (or all the reader may
// see) as a table sorted by time left or newest first, paged by key; and,
// where the reader may dispatch, a form to send the selected cases to a
// department (POST /work/dispatch, work_dispatch.go).

// filterNames are the query names the workbench keeps from page to page:
// those of GET /api/v1/cases (store.CaseFilterFromQuery) bar the cursor and
// numbered pages.
var filterNames = []string{"queue", "region", "department", "category", "kind", "state", "channel",
	"overdue", "from", "to", "text", "order", "limit", "figure", "count"}

// regionLevelsShown is how far below the top of the reader's reach the
// region filter offers places: a city dispatcher picks a district or a
// street, a street's grid worker a community or a grid.
const regionLevelsShown = 2

// workPage is the data of templates/work/home.html.
type workPage struct {
	Queue  cases.Queue
	Queues []queueTab
	All    queueTab // every case the reader may see, uncounted
	Roles  []string // "dispatcher · 测试市", for the roles line

	// Disputes are the reader's dispute queues (dispute_list.go), and
	// FileDispute whether he may file one.
	Disputes    []queueTab
	FileDispute bool
	// FilePetition: the reader takes petitions in (petition_intake.go).
	FilePetition bool

	// The filter form: the values as given, the choices offered, and the
	// fields as the form shows them (Main always, More folded away).
	Values      url.Values
	Main, More  []filterInput
	Regions     []choice
	Departments []choice
	Categories  []choiceGroup
	Kinds       []choice
	States      []choice
	Channels    []choice
	Orders      []choice
	MoreFilters bool // a filter inside "more filters" is set or wrong

	// A bad filter or a refused dispatch: the message, and the field it is
	// about ("" for the form as a whole).
	Error string
	Field string

	Rows    []caseRow
	Caption string // which list this is and its order
	// The cases behind a number of the dashboard: which number, and how
	// many cases it counts (the whole list's length).
	Figure      string
	FigureTotal int
	Next        string // URL of the following page; empty on the last
	First       string // URL of the first page, when this is a later one

	// The whole list under the filters as a download.
	ExportCSV, ExportXLSX string

	// Bulk dispatch: shown when some listed case may be dispatched by the
	// reader.
	CanDispatch bool
	Targets     []choiceGroup // the departments a case may be sent to, by type
	Back        string        // the list's query, to come back to after a dispatch
	Dispatched  *dispatchReport
}

// Invalid reports whether the page's error is about field.
func (p *workPage) Invalid(field string) bool { return p.Error != "" && p.Field == field }

// FilterAlert is the filter form's summary of a bad filter.
func (p *workPage) FilterAlert() string {
	if strings.HasPrefix(p.Field, "dispatch-") {
		return ""
	}
	return p.Error
}

// AlertField is the filter field the summary points to, when the form
// shows it.
func (p *workPage) AlertField() string {
	for _, in := range append(slices.Clone(p.Main), p.More...) {
		if in.Name == p.Field {
			return p.Field
		}
	}
	return ""
}

// DispatchAlert is why the bulk dispatch was refused.
func (p *workPage) DispatchAlert() string {
	if strings.HasPrefix(p.Field, "dispatch-") {
		return p.Error
	}
	return ""
}

// Value is the filter's value as given.
func (p *workPage) Value(name string) string { return p.Values.Get(name) }

// filterInput is one field of the filter form.
type filterInput struct {
	Name, Label string
	Type        string // select, search or date
	Value       string
	Any         string // a select's choice that does not filter
	Options     []choice
	Groups      []choiceGroup
	Invalid     bool
	Error       string
}

type queueTab struct {
	Queue   cases.Queue
	Label   string
	Count   int
	Counted bool
	URL     string
	Current bool
}

type choice struct {
	Value, Label string
	Selected     bool
}

type choiceGroup struct {
	Label   string
	Options []choice
}

// caseRow is one case as the table shows it.
type caseRow struct {
	store.Case
	Category   string
	Place      string
	Department string
	Due        Due  // the resolution deadline, while the case is open
	Selectable bool // the reader may dispatch it
	Selected   bool
}

func (w *Web) handleWork(rw http.ResponseWriter, r *http.Request, v *View) {
	v.Title = v.T("nav.work")
	if r.URL.Query().Get("format") != "" {
		w.handleWorkExport(rw, r, v)
		return
	}
	p, status, err := w.workbench(r.Context(), v, r.URL.Query())
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if rep := readDispatchReport(r.URL.Query()); rep != nil {
		p.Dispatched, err = w.dispatchReport(r.Context(), v, rep)
		if err != nil {
			w.fail(rw, r, v, err)
			return
		}
	}
	w.render(rw, r, v, status, "work/home", p)
}

// workbench reads the workbench for the filters in q. A bad filter is not an
// error: the page then carries the message and the status to answer with,
// and lists nothing. err is a failure of the store.
func (w *Web) workbench(ctx context.Context, v *View, q url.Values) (*workPage, int, error) {
	a := v.Actor
	p := &workPage{Values: filterValues(q), Queue: cases.Queue(q.Get("queue"))}
	p.Back = p.Values.Encode()
	if before := q.Get("before"); before != "" {
		p.Back = withParam(p.Values, "before", before).Encode()
	}
	f, ferr := store.CaseFilterFromQuery(withParam(p.Values, "before", q.Get("before")))

	// The queues and their counts under the filters; after a bad filter,
	// without them.
	countFilter := f
	if ferr != nil {
		countFilter = store.CaseFilter{}
	}
	counts, err := w.db.QueueCounts(ctx, a, countFilter)
	if err != nil && ferr == nil && userError(err) {
		ferr = err
		counts, err = w.db.QueueCounts(ctx, a, store.CaseFilter{})
	}
	if err != nil {
		return nil, 0, err
	}
	if ferr == nil && p.Queue != "" && !slices.ContainsFunc(counts, func(c store.QueueCount) bool { return c.Queue == p.Queue }) {
		ferr = anju.FieldError("queue", "not one of your queues")
	}
	counted := ferr == nil
	for _, c := range counts {
		p.Queues = append(p.Queues, queueTab{Queue: c.Queue, Label: v.T("work.queue." + string(c.Queue)), Count: c.Count,
			Counted: counted, URL: workURL(withParam(p.Values, "queue", string(c.Queue))), Current: c.Queue == p.Queue})
	}
	p.All = queueTab{Label: v.T("work.queue.all"), URL: workURL(withParam(p.Values, "queue", "")), Current: p.Queue == ""}
	if p.Disputes, err = w.disputeTabs(ctx, v, ""); err != nil {
		return nil, 0, err
	}
	p.FileDispute = mayFileDisputes(v)
	p.FilePetition = mayTakePetitions(v)

	if err := w.filterChoices(ctx, v, p); err != nil {
		return nil, 0, err
	}
	var list store.CaseList
	if ferr == nil {
		list, err = w.db.ListCases(ctx, a, f)
		if err != nil && userError(err) {
			ferr, err = err, nil
		}
		if err != nil {
			return nil, 0, err
		}
	}
	if ferr != nil {
		p.Error, p.Field = filterMessage(v, ferr, f), filterField(ferr, f)
		p.MoreFilters = p.MoreFilters || !slices.Contains([]string{"", "text", "order", "queue"}, p.Field)
		p.fields(v)
		return p, httpStatusOf(ferr), nil
	}
	p.fields(v)
	label := p.All.Label
	for _, t := range p.Queues {
		if t.Current {
			label = t.Label
		}
	}
	p.Caption = v.T("work.caption", label, v.T("work.order."+string(list.Order)))
	if f.Figure != nil {
		p.Figure, p.FigureTotal = v.T("work.figure", list.Total, figureNumberName(v, f.Figure.Key, f.Figure.Count)), list.Total
	}
	if err := w.fillRows(ctx, v, p, list.Cases); err != nil {
		return nil, 0, err
	}
	if list.Next != "" {
		p.Next = workURL(withParam(p.Values, "before", list.Next))
	}
	p.ExportCSV = workURL(withParam(p.Values, "format", string(export.CSV)))
	p.ExportXLSX = workURL(withParam(p.Values, "format", string(export.XLSX)))
	if q.Get("before") != "" {
		p.First = workURL(p.Values)
	}
	return p, http.StatusOK, nil
}

// filterValues are the filters of q, trimmed, empty ones left out.
func filterValues(q url.Values) url.Values {
	vs := url.Values{}
	for _, n := range filterNames {
		if val := strings.TrimSpace(q.Get(n)); val != "" {
			vs.Set(n, val)
		}
	}
	return vs
}

// handleWorkExport answers GET /work?format=csv|xlsx: every case of the
// workbench's filters as a download (caseexport), or, for a bad format or
// filter, the workbench with the message and 400.
func (w *Web) handleWorkExport(rw http.ResponseWriter, r *http.Request, v *View) {
	q := r.URL.Query()
	values := filterValues(q)
	format, bad := export.ParseFormat(q.Get("format"), caseexport.Formats...)
	if bad == nil {
		f, err := store.CaseFilterFromQuery(values)
		if err == nil {
			_, err = caseexport.Write(r.Context(), rw, w.db, caseexport.Request{Actor: v.Actor, Filter: f, Query: values,
				Format: format, Lang: v.Lang})
		}
		var partial *export.PartialError
		switch {
		case err == nil:
			return
		case errors.As(err, &partial):
			w.log.ErrorContext(r.Context(), "export failed midway", "path", r.URL.Path, "err", err)
			caseexport.Abort()
		case !userError(err):
			w.fail(rw, r, v, err)
			return
		}
		// A bad filter: the workbench says what is wrong with it.
	}
	p, status, err := w.workbench(r.Context(), v, values)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if bad != nil && p.Error == "" {
		p.Error, p.Field, status = v.T("work.bad.format"), "", http.StatusBadRequest
	}
	w.render(rw, r, v, status, "work/home", p)
}

// fields lays out the filter form.
func (p *workPage) fields(v *View) {
	in := func(name, typ string, opts []choice) filterInput {
		return filterInput{Name: name, Label: v.T("work.filter." + name), Type: typ, Value: p.Value(name),
			Any: v.T("work.filter.any"), Options: opts, Invalid: p.Invalid(name), Error: p.Error}
	}
	// The order's first choice is the queue's own order, which is no value.
	order := in("order", "select", p.Orders[1:])
	order.Any = p.Orders[0].Label
	p.Main = []filterInput{in("text", "search", nil), order}
	cat := in("category", "select", nil)
	cat.Groups = p.Categories
	p.More = []filterInput{in("region", "select", p.Regions), in("department", "select", p.Departments), cat,
		in("kind", "select", p.Kinds), in("state", "select", p.States), in("channel", "select", p.Channels),
		in("from", "date", nil), in("to", "date", nil)}
}

// userError reports whether err is about what the reader asked for (a
// filter value, a region out of reach) rather than a failure.
func userError(err error) bool {
	switch anju.ErrorCode(err) {
	case anju.EINVALID, anju.ENOTFOUND, anju.EFORBIDDEN, anju.EUNPROCESSABLE:
		return true
	}
	return false
}

func httpStatusOf(err error) int {
	if anju.ErrorCode(err) == anju.EFORBIDDEN {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// filterField is the form field a filter error is about. The only filter
// the store answers "not found" for is a region out of reach; "before" is
// the cursor, which no field shows.
func filterField(err error, f store.CaseFilter) string {
	field := anju.ErrorField(err)
	switch {
	case field == "" && anju.ErrorCode(err) == anju.ENOTFOUND && f.Region != "":
		return "region"
	case field == "before" || field == "page" || field == "limit" || field == "page_size":
		return ""
	}
	return field
}

// filterMessage says what is wrong with the filters in the reader's
// language: a sentence of the catalogue for each field.
func filterMessage(v *View, err error, f store.CaseFilter) string {
	switch filterField(err, f) {
	case "region", "queue", "kind", "state", "channel", "from", "to", "overdue", "order", "text":
		return v.T("work.bad." + filterField(err, f))
	}
	if anju.ErrorField(err) == "before" {
		return v.T("work.bad.before")
	}
	return errorMessage(v, err)
}

// fillRows turns the store's cases into table rows: names in the reader's
// language and the time left in words.
func (w *Web) fillRows(ctx context.Context, v *View, p *workPage, cs []store.Case) error {
	tree, err := w.db.Taxonomy(ctx, v.Actor.City)
	if err != nil {
		return err
	}
	depts := map[string]string{}
	for _, o := range p.Departments {
		depts[o.Value] = o.Label
	}
	now := time.Now()
	for _, c := range cs {
		row := caseRow{Case: c, Category: categoryLabel(v, tree, c.Category, c.CategoryName), Place: c.Grid.Name,
			Department: c.Department}
		if row.Place == "" {
			row.Place = c.HandlingRegion
		}
		if name, ok := depts[c.Department]; ok {
			row.Department = name
		}
		row.Due = dueAt(v, c.Deadlines.Resolution, now, c.State.Open())
		row.Selectable = slices.Contains(c.AllowedActions, cases.ActionDispatch)
		p.CanDispatch = p.CanDispatch || row.Selectable
		p.Rows = append(p.Rows, row)
	}
	return nil
}

func categoryLabel(v *View, tree *taxonomy.Tree, code, fallback string) string {
	c, err := tree.Get(code)
	if err != nil {
		if fallback != "" {
			return fallback
		}
		return code
	}
	if v.Lang == locale.EN && c.NameEn != "" {
		return c.NameEn
	}
	return c.Name
}

// filterChoices fills the form's choices from the store, within the
// reader's reach, and the roles line.
func (w *Web) filterChoices(ctx context.Context, v *View, p *workPage) error {
	a := v.Actor
	regions, err := w.db.ScopeRegions(ctx, a, regionLevelsShown)
	if err != nil {
		return err
	}
	regionNames := map[string]string{}
	for _, r := range regions {
		regionNames[r.Code] = r.Name
		indent := strings.Repeat("\u00a0\u00a0", max(0, pathDepth(r.Path)-pathDepth(regions[0].Path)))
		p.Regions = append(p.Regions, choice{Value: r.Code, Label: indent + r.Name})
	}
	depts, err := w.db.ListDepartments(ctx, a, store.DepartmentFilter{})
	if err != nil {
		return err
	}
	deptNames := map[string]string{}
	for _, d := range depts {
		deptNames[d.Code] = d.Name
		p.Departments = append(p.Departments, choice{Value: d.Code, Label: d.Name})
	}
	p.Targets = departmentChoices(v, depts)
	tree, err := w.db.Taxonomy(ctx, a.City)
	if err != nil {
		return err
	}
	for _, root := range tree.Roots() {
		g := choiceGroup{Label: categoryLabel(v, tree, root.Code, "")}
		for _, c := range tree.LeavesUnder(root.Code) {
			g.Options = append(g.Options, choice{Value: c.Code, Label: categoryLabel(v, tree, c.Code, "")})
		}
		if len(g.Options) > 0 {
			p.Categories = append(p.Categories, g)
		}
	}
	for _, k := range cases.Kinds {
		p.Kinds = append(p.Kinds, choice{Value: string(k), Label: v.T("kind." + string(k))})
	}
	for _, s := range cases.States {
		p.States = append(p.States, choice{Value: string(s), Label: v.T("state." + string(s))})
	}
	for _, c := range cases.Channels {
		p.Channels = append(p.Channels, choice{Value: string(c), Label: v.T("channel." + string(c))})
	}
	p.Orders = []choice{{Value: "", Label: v.T("work.order.default")},
		{Value: string(cases.OrderTimeLeft), Label: v.T("work.order.deadline")},
		{Value: string(cases.OrderNewest), Label: v.T("work.order.newest")}}

	p.Regions = choose(p.Regions, p.Value("region"))
	p.Departments = choose(p.Departments, p.Value("department"))
	p.Kinds = choose(p.Kinds, p.Value("kind"))
	p.States = choose(p.States, p.Value("state"))
	p.Channels = choose(p.Channels, p.Value("channel"))
	p.Orders = choose(p.Orders, p.Value("order"))
	found := false
	for i := range p.Categories {
		for j := range p.Categories[i].Options {
			o := &p.Categories[i].Options[j]
			o.Selected = o.Value == p.Value("category")
			found = found || o.Selected
		}
	}
	if cat := p.Value("category"); cat != "" && !found {
		p.Categories = append(p.Categories, choiceGroup{Label: cat, Options: []choice{{Value: cat, Label: cat, Selected: true}}})
	}
	for _, n := range []string{"region", "department", "category", "kind", "state", "channel", "from", "to", "overdue"} {
		p.MoreFilters = p.MoreFilters || p.Value(n) != ""
	}

	for _, g := range a.Grants {
		where := regionNames[g.Region]
		if where == "" {
			where = g.Region
		}
		if g.Department != "" {
			where = deptNames[g.Department]
			if where == "" {
				where = g.Department
			}
		}
		role := v.T("role." + string(g.Role))
		if where != "" {
			role += " · " + where
		}
		p.Roles = append(p.Roles, role)
	}
	return nil
}

// choose marks the choice whose value is value; a value the choices lack
// (a grid's code typed into the address, say) is kept as a choice of its
// own, so that the form shows what is filtering the list.
func choose(opts []choice, value string) []choice {
	if value == "" {
		return opts
	}
	for i := range opts {
		if opts[i].Value == value {
			opts[i].Selected = true
			return opts
		}
	}
	return append(opts, choice{Value: value, Label: value, Selected: true})
}

func pathDepth(p string) int { return strings.Count(p, "/") - 2 }

// withParam is a copy of vs with name set to value (removed when empty).
func withParam(vs url.Values, name, value string) url.Values {
	out := url.Values{}
	for k, v := range vs {
		out[k] = slices.Clone(v)
	}
	if value == "" {
		out.Del(name)
	} else {
		out.Set(name, value)
	}
	return out
}

func workURL(vs url.Values) string {
	if len(vs) == 0 {
		return "/work"
	}
	return "/work?" + vs.Encode()
}

// dispatchReport is what a bulk dispatch did, shown after its redirect.
type dispatchReport struct {
	Department string
	Done       []reportedCase
	Failed     []reportedCase
}

type reportedCase struct {
	ID    int64
	Code  string // tracking code, when the reader may still see the case
	Title string
	Why   string
	Link  bool
}

// reportedIDs bounds the cases a report names: a bulk dispatch's most.
const reportedIDs = 200

// readDispatchReport reads the report a dispatch redirected with:
// dispatched_to=<department>, dispatched=<id>,<id> and
// failed=<id>:<reason>,…; nil
// when there is none. Ids that do not parse are left out: the report is
// the page's own, and says nothing the reader may not see.
func readDispatchReport(q url.Values) *dispatchReport {
	if q.Get("dispatched") == "" && q.Get("failed") == "" {
		return nil
	}
	rep := &dispatchReport{Department: q.Get("dispatched_to")}
	for i, part := range strings.Split(q.Get("dispatched"), ",") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil && id > 0 && i < reportedIDs {
			rep.Done = append(rep.Done, reportedCase{ID: id})
		}
	}
	for i, part := range strings.Split(q.Get("failed"), ",") {
		idText, why, _ := strings.Cut(part, ":")
		if id, err := strconv.ParseInt(idText, 10, 64); err == nil && id > 0 && i < reportedIDs {
			rep.Failed = append(rep.Failed, reportedCase{ID: id, Why: why})
		}
	}
	return rep
}

// dispatchReport fills a report with what the reader may see of its cases
// and the reasons in words.
func (w *Web) dispatchReport(ctx context.Context, v *View, rep *dispatchReport) (*dispatchReport, error) {
	if rep.Department != "" {
		d, err := w.db.GetDepartment(ctx, v.Actor, rep.Department)
		switch {
		case err == nil:
			rep.Department = d.Name
		case !userError(err):
			return nil, err
		}
	}
	fill := func(rc *reportedCase) (store.Case, error) {
		c, err := w.db.GetCase(ctx, v.Actor, rc.ID)
		if err != nil {
			if userError(err) {
				return c, nil
			}
			return c, err
		}
		rc.Code, rc.Title, rc.Link = c.TrackingCode, c.Title, true
		return c, nil
	}
	for i := range rep.Done {
		if _, err := fill(&rep.Done[i]); err != nil {
			return nil, err
		}
	}
	for i := range rep.Failed {
		rc := &rep.Failed[i]
		c, err := fill(rc)
		if err != nil {
			return nil, err
		}
		switch {
		case !rc.Link:
			// Whatever the report says, the reader cannot see the case.
			rc.Why = v.T("work.why.not_found")
		case rc.Why == anju.ENOTFOUND || rc.Why == anju.EFORBIDDEN || rc.Why == "department":
			rc.Why = v.T("work.why." + rc.Why)
		case rc.Why == anju.ECONFLICT:
			rc.Why = v.T("work.why.conflict", v.T("state."+string(c.State)))
		default:
			rc.Why = v.T("work.why.other")
		}
	}
	return rep, nil
}

// figureNumberName names one number of a figure: "按时办结率 · 分子".
func figureNumberName(v *View, key figures.Key, count string) string {
	part := v.T("figures.part." + count)
	if count == store.CountNumerator || count == store.CountDenominator {
		part = v.T("figures." + count)
	}
	return v.T("figures."+string(key)) + " · " + part
}
