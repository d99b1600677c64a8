package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/hazard"
	"anju/internal/httpx"
	"anju/internal/photo"
	"anju/internal/store"
	"anju/internal/upload"
)

// Inspection tasks on the grid worker's phone: the list of tasks
// (GET /work/inspections, the due ones by default, or those behind a
// figure of the dashboard), and a task's page (GET /work/inspections/{id})
// where the worker answers each checklist item — pass, fail or does not
// apply — says what is wrong, takes photos of it and completes the task
// (POST /work/inspections/{id}, a multipart form read by
// upload.ReadTaggedForm: answer.<item>, finding.<item>, photos.<item>).
// Each failed item opens a rectification case; the page then shows the
// findings with their cases and deadlines, each re-inspected on its own
// page (hazard_finding.go). Like the grid page, these pages carry no map
// and no script beyond htmx, to stay light on a slow connection.

// inspectionRow is a task as the lists show it.
type inspectionRow struct {
	store.Inspection
	TypeName, RiskName, StateName string
	DueClass, DueText             string
}

func inspectionRowOf(v *View, in store.Inspection, now time.Time) inspectionRow {
	row := inspectionRow{Inspection: in, TypeName: v.T("hazard.type." + string(in.HazardType)),
		RiskName: v.T("hazard.risk." + string(in.RiskLevel)), StateName: v.T("inspection.state." + string(in.State))}
	due, err := hazard.ParseDay(in.DueOn)
	switch {
	case err != nil:
	case in.State == hazard.TaskDone && in.DoneAt != nil:
		row.DueClass, row.DueText = "due-ok", v.T("inspection.done_on", in.DoneAt.In(httpx.ChinaTime).Format(time.DateOnly))
		if hazard.Day(*in.DoneAt).After(due) {
			row.DueClass = "due-soon"
		}
	case in.State == hazard.TaskMissed:
		row.DueClass, row.DueText = "due-late", v.T("inspection.missed_on", in.DueOn)
	default:
		// Due until the end of its last day.
		row.DueClass, row.DueText = timeLeft(v, hazard.DayStart(due.AddDate(0, 0, 1)), now)
	}
	return row
}

// findingRow is a finding as the pages show it.
type findingRow struct {
	store.Finding
	RiskName, StateName, CaseStateName string
	DueClass, DueText                  string // the rectification's deadline, while the finding is open
}

func findingRowOf(v *View, f store.Finding, now time.Time) findingRow {
	row := findingRow{Finding: f, RiskName: v.T("hazard.risk." + string(f.RiskLevel)), StateName: v.T("finding.state." + string(f.State)),
		CaseStateName: v.T("state." + string(f.CaseState))}
	if f.State != hazard.FindingClosed && f.CaseState.Open() && f.CaseState != cases.StateResolved {
		row.DueClass, row.DueText = timeLeft(v, f.CaseDue, now)
	}
	return row
}

// inspectionsPage is a list of tasks.
type inspectionsPage struct {
	Filter   url.Values
	Tabs     []queueTab
	Figure   []string // the dashboard's filter in words, when the list is behind a figure
	Total    int      // how many tasks the list holds in all, then
	Tasks    []inspectionRow
	Next     string
	Reinsp   []findingRow // findings waiting for a re-inspection, on the due tab
	MoreRein bool
	Error    string
}

// inspectionFilterNames are the list's query names.
var inspectionFilterNames = []string{"state", "region", "risk_level", "hazard", "due_from", "due_to", "outcome", "figure"}

// behindFigure tells whether a list's query is that of a dashboard number
// (figure=hazards, or any of a figure's filters): the list then says how
// many it holds in all, as the workbench's lists behind figures do.
func behindFigure(vs url.Values) bool {
	for _, n := range []string{"outcome", "risk_level", "due_from", "due_to", "closed_from", "closed_to"} {
		if vs.Get(n) != "" {
			return true
		}
	}
	return vs.Get("figure") == "hazards"
}

func (w *Web) handleInspections(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	q := httpx.NewQuery(r)
	p := inspectionsPage{Filter: keep(r.URL.Query(), inspectionFilterNames...)}
	f := store.InspectionFilter{State: hazard.TaskState(q.OneOf("state", "due", "done", "missed", "all")), Region: q.String("region"),
		RiskLevel: hazard.RiskLevel(q.String("risk_level")), HazardID: q.ID("hazard"), DueFrom: q.Day("due_from"), DueTo: q.Day("due_to"),
		Outcome: q.OneOf("outcome", store.OutcomeCounted, store.OutcomeOnTime), Before: q.ID("before"), Limit: hazardPageSize}
	figure := behindFigure(p.Filter)
	if f.State == "" && !figure && f.HazardID == 0 {
		f.State = hazard.TaskDue // a grid worker's list: what is to be done
	}
	current := string(f.State)
	if f.State == "all" {
		f.State = ""
	}
	v.Title = v.T("inspection.list")
	if !figure && f.HazardID == 0 {
		for _, s := range []string{"due", "missed", "done", "all"} {
			vs := keep(p.Filter, "region")
			vs.Set("state", s)
			p.Tabs = append(p.Tabs, queueTab{Label: v.T("inspection.tab." + s), URL: "/work/inspections?" + vs.Encode(), Current: s == current})
		}
	}
	if figure {
		p.Figure = w.figureWords(v, p.Filter)
	}
	err := q.Err()
	var l store.InspectionList
	if err == nil {
		l, err = w.db.ListInspections(ctx, v.Actor, f)
	}
	if err == nil && figure {
		all := f
		all.Before = 0
		p.Total, err = w.db.CountInspections(ctx, v.Actor, all)
	}
	if err != nil {
		if p.Error = w.badFilter(rw, r, v, err); p.Error != "" {
			w.render(rw, r, v, http.StatusBadRequest, "work/inspections", p)
		}
		return
	}
	now := w.db.Now()
	for _, in := range l.Inspections {
		p.Tasks = append(p.Tasks, inspectionRowOf(v, in, now))
	}
	p.Next = nextPage("/work/inspections", p.Filter, l.Next)
	if current == "due" && f.Before == 0 {
		const shown = 5
		fl, err := w.db.ListFindings(ctx, v.Actor, store.FindingFilter{Reinspect: true, Region: f.Region, Limit: shown})
		if err != nil {
			w.fail(rw, r, v, err)
			return
		}
		for _, x := range fl.Findings {
			p.Reinsp = append(p.Reinsp, findingRowOf(v, x, now))
		}
		p.MoreRein = fl.Next != 0
	}
	w.render(rw, r, v, http.StatusOK, "work/inspections", p)
}

// figureWords says a list's figure filter in the reader's words: the risk
// level, the days, which tasks or findings.
func (w *Web) figureWords(v *View, vs url.Values) []string {
	var out []string
	if o := vs.Get("outcome"); o != "" {
		out = append(out, v.T("inspection.outcome."+o))
	}
	if s := vs.Get("state"); (s == "open" || s == "closed") && vs.Get("outcome") == "" {
		out = append(out, v.T("finding.filter."+s))
	}
	if l := vs.Get("risk_level"); l != "" {
		out = append(out, v.T("hazard.risk_of", v.T("hazard.risk."+l)))
	}
	for _, pair := range [][2]string{{"due_from", "due_to"}, {"closed_from", "closed_to"}} {
		if from, to := vs.Get(pair[0]), vs.Get(pair[1]); from != "" || to != "" {
			out = append(out, v.T("hazard.filter."+pair[0], from, to))
		}
	}
	if reg := vs.Get("region"); reg != "" {
		out = append(out, v.T("hazard.filter.region", reg))
	}
	return out
}

// inspectionPage is a task's page: the form while it may be completed,
// the answers and findings once done.
type inspectionPage struct {
	inspectionRow
	Hazard      store.Hazard
	Department  string
	Items       []inspectionItem
	Open        bool // the reader may complete it now
	Findings    []findingRow
	Alert       string
	PhotosLost  bool
	Unavailable string // why the form is not shown to one who might expect it
}

// inspectionItem is one checklist item: its answer as typed or recorded.
type inspectionItem struct {
	N                    int
	Key, Text            string
	Result, Finding      string
	ResultName           string
	Error, FindingError  string
	ResultInvalid        bool
	PhotosInvalid        bool
	FindingID, FindingOf int64 // the finding it opened, once done
}

func (w *Web) handleInspection(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := hazardIDOf(r)
	if !ok {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no inspection %q", r.PathValue("id")))
		return
	}
	if r.URL.Query().Get("done") == "completed" {
		v.Flash = v.T("inspection.done.completed")
	}
	w.showInspection(rw, r, v, id, nil, http.StatusOK)
}

// inspectionRefusal is a completion the store or the form refused, to
// show again with what was chosen and typed.
type inspectionRefusal struct {
	values     url.Values
	alert      string
	item       string // the item at fault, if one is
	field      string // result, finding or photos
	message    string
	photosLost bool
}

func (w *Web) showInspection(rw http.ResponseWriter, r *http.Request, v *View, id int64, refused *inspectionRefusal, status int) {
	ctx := r.Context()
	in, err := w.db.GetInspection(ctx, v.Actor, id)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	h, err := w.db.GetHazard(ctx, v.Actor, in.HazardID)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	now := w.db.Now()
	p := inspectionPage{inspectionRow: inspectionRowOf(v, in, now), Hazard: h, Department: w.departmentName(ctx, v, h.Department)}
	_, mayErr := w.db.MayComplete(ctx, v.Actor, id)
	p.Open = mayErr == nil
	if in.State != hazard.TaskDone && anju.ErrorCode(mayErr) == anju.EFORBIDDEN {
		p.Unavailable = v.T("inspection.not_inspector")
	}
	answers := map[string]hazard.Answer{}
	for _, a := range in.Answers {
		answers[a.Item] = a
	}
	findingOf := map[string]int64{}
	for _, f := range in.Findings {
		p.Findings = append(p.Findings, findingRowOf(v, f, now))
		findingOf[f.Item] = f.ID
	}
	items := in.Checklist
	if in.State == hazard.TaskDone {
		// The answers as recorded, in the checklist's order; an item since
		// removed from it comes last, under its key.
		items = nil
		for _, it := range in.Checklist {
			if _, ok := answers[it.Key]; ok {
				items = append(items, it)
			}
		}
		for _, a := range in.Answers {
			if !slices.ContainsFunc(in.Checklist, func(x hazard.Item) bool { return x.Key == a.Item }) {
				items = append(items, hazard.Item{Key: a.Item, Text: a.Item})
			}
		}
	}
	for i, it := range items {
		x := inspectionItem{N: i + 1, Key: it.Key, Text: it.Text, FindingID: findingOf[it.Key]}
		if a, ok := answers[it.Key]; ok {
			x.Result, x.Finding = string(a.Result), a.Finding
		}
		if refused != nil {
			x.Result, x.Finding = refused.values.Get("answer."+it.Key), refused.values.Get("finding."+it.Key)
			if refused.item == it.Key {
				switch refused.field {
				case "finding":
					x.FindingError = refused.message
				case "photos":
					x.PhotosInvalid, x.Error = true, refused.message
				default:
					x.ResultInvalid, x.Error = true, refused.message
				}
			}
			if refused.item == "" && refused.field == "answers" && x.Result == "" {
				x.ResultInvalid, x.Error = true, v.T("inspection.error.unanswered")
			}
		}
		if x.Result != "" {
			x.ResultName = v.T("inspection.result." + x.Result)
		}
		p.Items = append(p.Items, x)
	}
	if refused != nil {
		p.Alert, p.PhotosLost = refused.alert, refused.photosLost
	}
	v.Title = v.T("inspection.title", h.Name)
	w.render(rw, r, v, status, "work/inspection", p)
}

// answerField matches the store's names of an answer's fields.
var answerField = regexp.MustCompile(`^answers\[(\d+)\]\.(item|result|finding)$`)

// handleCompleteInspection completes a task. The task is judged first
// (MayComplete: visible, the reader inspects, not yet done), so that nobody's
// photos are read for a task they may not complete.
func (w *Web) handleCompleteInspection(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	id, ok := hazardIDOf(r)
	if !ok {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no inspection %q", r.PathValue("id")))
		return
	}
	if _, err := w.db.MayComplete(ctx, v.Actor, id); err != nil {
		if anju.ErrorCode(err) == anju.ECONFLICT {
			w.showInspection(rw, r, v, id, &inspectionRefusal{alert: v.T("inspection.error.done")}, http.StatusConflict)
			return
		}
		w.fail(rw, r, v, err)
		return
	}
	form, err := upload.ReadTaggedForm(rw, r)
	var pe *photo.Error
	switch {
	case form == nil:
		w.fail(rw, r, v, err)
		return
	case errors.As(err, &pe):
		msg := photoMessage(v, pe)
		w.showInspection(rw, r, v, id, &inspectionRefusal{values: form.Values, alert: msg, photosLost: true}, httpx.Status(anju.ErrorCode(err)))
		return
	case err != nil:
		w.fail(rw, r, v, err)
		return
	}
	answers, photos, err := answersOf(form)
	if err == nil {
		_, err = w.db.CompleteInspection(ctx, v.Actor, id, answers, photos)
	}
	if err == nil {
		seeOther(rw, r, "/work/inspections/"+idString(id)+"?done=completed")
		return
	}
	refused := &inspectionRefusal{values: form.Values, photosLost: len(form.Photos) > 0}
	field := anju.ErrorField(err)
	switch m := answerField.FindStringSubmatch(field); {
	case anju.ErrorCode(err) == anju.ECONFLICT:
		w.showInspection(rw, r, v, id, &inspectionRefusal{alert: v.T("inspection.error.done")}, http.StatusConflict)
		return
	case anju.ErrorCode(err) == anju.ENOTFOUND && field == "":
		w.fail(rw, r, v, err)
		return
	case m != nil:
		i, _ := strconv.Atoi(m[1])
		if i < len(answers) {
			refused.item = answers[i].Item
		}
		refused.field = m[2]
		refused.message = v.T("inspection.error." + m[2])
		if m[2] == "item" {
			refused.message = v.T("inspection.error.item", refused.item)
		}
	case field == "answers":
		refused.field, refused.message = "answers", v.T("inspection.error.unanswered")
	case field == "photos":
		refused.field, refused.message = "photos", v.T("inspection.error.photos")
		for _, tag := range form.Tags {
			if a := slices.IndexFunc(answers, func(a hazard.Answer) bool { return a.Item == tag }); a < 0 || answers[a].Result != hazard.Fail {
				refused.item = tag
				break
			}
		}
	default:
		if w.refusal(rw, r, v, err) == nil {
			return // not about the input: the error page has been written
		}
		refused.message = errorMessage(v, err)
	}
	refused.alert = v.T("form.fix_errors") + " " + refused.message
	w.showInspection(rw, r, v, id, refused, httpx.Status(anju.ErrorCode(err)))
}

// answersOf reads the answers and photos of a completion form: the items
// answered in the order the form sent them, an answer to an item that is
// not on the checklist included, for the store to refuse.
func answersOf(form *upload.Form) ([]hazard.Answer, map[string][]photo.Photo, error) {
	var keys []string
	for name := range form.Values {
		kind, key, ok := strings.Cut(name, ".")
		if !ok || key == "" || kind != "answer" && kind != "finding" {
			return nil, nil, anju.FieldError(name, "unknown field %q", name)
		}
		if len(form.Values[name]) > 1 {
			return nil, nil, anju.FieldError(name, "%s is given more than once", name)
		}
		if kind == "answer" {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	var answers []hazard.Answer
	for _, k := range keys {
		answers = append(answers, hazard.Answer{Item: k, Result: hazard.Result(form.Values.Get("answer." + k)), Finding: form.Values.Get("finding." + k)})
	}
	if len(answers) > hazard.MaxItems {
		return nil, nil, anju.FieldError("answers", "a checklist has at most %d items", hazard.MaxItems)
	}
	photos := map[string][]photo.Photo{}
	for i, p := range form.Photos {
		photos[form.Tags[i]] = append(photos[form.Tags[i]], p)
	}
	return answers, photos, nil
}
