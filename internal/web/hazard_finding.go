package web

import (
	"net/http"
	"net/url"

	"anju/internal/anju"
	"anju/internal/hazard"
	"anju/internal/httpx"
	"anju/internal/store"
)

// Findings — the failed checklist items and their rectification cases:
// the list (GET /work/findings, open ones by default, or those
// behind a figure of the dashboard), a finding's page with the photos its
// case carries (GET /work/findings/{id}), and the re-inspection
// that closes it or sends it back (POST …/{id}/reinspect, the store's
// Reinspect, as the API's).

// findingsPage is a list of findings.
type findingsPage struct {
	Filter url.Values
	Tabs   []queueTab
	Figure []string
	Total  int
	Rows   []findingRow
	Next   string
	Error  string
}

var findingFilterNames = []string{"state", "risk_level", "region", "hazard", "reinspect", "closed_from", "closed_to", "figure"}

func (w *Web) handleFindings(rw http.ResponseWriter, r *http.Request, v *View) {
	q := httpx.NewQuery(r)
	p := findingsPage{Filter: keep(r.URL.Query(), findingFilterNames...)}
	f := store.FindingFilter{State: q.OneOf("state", "open", "closed", "all"), RiskLevel: hazard.RiskLevel(q.String("risk_level")),
		Region: q.String("region"), HazardID: q.ID("hazard"), Reinspect: q.Bool("reinspect"), ClosedFrom: q.Day("closed_from"),
		ClosedTo: q.Day("closed_to"), Before: q.ID("before"), Limit: hazardPageSize}
	figure := behindFigure(p.Filter)
	current := f.State
	switch {
	case f.Reinspect:
		current = "reinspect"
	case current == "":
		current, f.State = "open", "open"
	case current == "all":
		f.State = ""
	}
	if !figure && f.HazardID == 0 {
		for _, s := range []string{"reinspect", "open", "closed", "all"} {
			vs := keep(p.Filter, "region")
			if s == "reinspect" {
				vs.Set("reinspect", "true")
			} else {
				vs.Set("state", s)
			}
			p.Tabs = append(p.Tabs, queueTab{Label: v.T("finding.tab." + s), URL: "/work/findings?" + vs.Encode(), Current: s == current})
		}
	}
	if figure {
		p.Figure = w.figureWords(v, p.Filter)
	}
	v.Title = v.T("finding.list")
	err := q.Err()
	var l store.FindingList
	if err == nil {
		l, err = w.db.ListFindings(r.Context(), v.Actor, f)
	}
	if err == nil && figure {
		all := f
		all.Before = 0
		p.Total, err = w.db.CountFindings(r.Context(), v.Actor, all)
	}
	if err != nil {
		if p.Error = w.badFilter(rw, r, v, err); p.Error != "" {
			w.render(rw, r, v, http.StatusBadRequest, "work/findings", p)
		}
		return
	}
	now := w.db.Now()
	for _, x := range l.Findings {
		p.Rows = append(p.Rows, findingRowOf(v, x, now))
	}
	p.Next = nextPage("/work/findings", p.Filter, l.Next)
	w.render(rw, r, v, http.StatusOK, "work/findings", p)
}

// findingPage is a finding's own page, with its re-inspection form.
type findingPage struct {
	findingRow
	Item       string // the checklist item's text, when it is still on the checklist
	Department string
	Photos     []store.CasePhoto
	Form       *form
	CanReinsp  bool
}

func (w *Web) handleFinding(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := hazardIDOf(r)
	if !ok {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no finding %q", r.PathValue("id")))
		return
	}
	switch r.URL.Query().Get("done") {
	case "passed", "sent_back":
		v.Flash = v.T("finding.done." + r.URL.Query().Get("done"))
	}
	w.showFinding(rw, r, v, id, nil)
}

func (w *Web) showFinding(rw http.ResponseWriter, r *http.Request, v *View, id int64, f *form) {
	ctx := r.Context()
	x, err := w.db.GetFinding(ctx, v.Actor, id)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := findingPage{findingRow: findingRowOf(v, x, w.db.Now()), Item: x.Item, Department: w.departmentName(ctx, v, x.Department), Form: f,
		CanReinsp: x.State != hazard.FindingClosed && (v.Has(string(anju.RoleGridWorker)) || v.Has(string(anju.RoleDispatcher)))}
	if in, err := w.db.GetInspection(ctx, v.Actor, x.TaskID); err == nil {
		for _, it := range in.Checklist {
			if it.Key == x.Item {
				p.Item = it.Text
			}
		}
	}
	// The photos of the finding are its case's; a reader who may not see
	// the case (it went to another department) sees none.
	if ps, err := w.db.CasePhotos(ctx, v.Actor, x.CaseID); err == nil {
		p.Photos = ps
	} else if anju.ErrorCode(err) != anju.ENOTFOUND {
		w.fail(rw, r, v, err)
		return
	}
	v.Title = v.T("finding.title", x.HazardName)
	w.render(rw, r, v, formStatus(f), "work/finding", p)
}

// handleReinspect records a re-inspection: passed=true closes the finding,
// passed=false sends it back with the note.
func (w *Web) handleReinspect(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := hazardIDOf(r)
	if !ok {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no finding %q", r.PathValue("id")))
		return
	}
	if err := plainForm(r); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	var err error
	passed := r.PostForm.Get("passed")
	switch passed {
	case "true", "false":
		_, err = w.db.Reinspect(r.Context(), v.Actor, id, passed == "true", r.PostForm.Get("note"))
	default:
		err = anju.FieldError("passed", "say whether the hazard is rectified")
	}
	if err == nil {
		done := "passed"
		if passed == "false" {
			done = "sent_back"
		}
		seeOther(rw, r, "/work/findings/"+idString(id)+"?done="+done)
		return
	}
	if anju.ErrorCode(err) == anju.ENOTFOUND && anju.ErrorField(err) == "" {
		w.fail(rw, r, v, err)
		return
	}
	f := w.refusal(rw, r, v, err)
	if f == nil {
		return
	}
	switch anju.ErrorField(err) {
	case "passed":
		f.Error = v.T("finding.error.passed")
	case "note":
		if anju.Blank(r.PostForm.Get("note")) {
			f.Error = v.T("finding.error.note")
		}
	}
	w.showFinding(rw, r, v, id, f)
}
