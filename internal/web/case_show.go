package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/httpx"
	"anju/internal/locale"
	"anju/internal/personal"
	"anju/internal/store"
)

// casePage is everything the case page shows of one case.
type casePage struct {
	Case       store.Case
	Place      []store.RegionRecord // the city first, the grid last
	MapRegion  string               // the grid's parent, whose grids the map draws
	Lat, Lon   string               // the pin, when the case has one
	Handling   string               // the name of the region handling it
	Department string               // the name of the department holding it
	Response   Due
	Resolution Due
	Events     []eventView
	Photos     int
	Similar    []similarCase
	Merged     []store.CaseSummary
	Forms      []actionForm
	Reporter   reporterPanel
	Notice     string
	Failure    *actionFailure
	// Dispute is the mediation of a dispute's case (dispute_step.go);
	// ReferDispute offers to turn another case into one.
	Dispute      *disputePanel
	ReferDispute bool
	// Petition is a petition's clock, documents and steps (case_petition.go).
	Petition        *petitionPanel
	PetitionFailure *petitionFailure
	// Kept is what was typed for a refused action that has no form now
	// (the case moved on meanwhile), so that it can be copied.
	Kept []keptField
	// Finding is the inspection finding a rectification case was opened
	// for (kind hazard), whose page holds its re-inspection.
	Finding *store.Finding
}

// PartiesOnly says the case is a dispute that nobody reported: its people
// are its parties, shown with its mediation, and the reporter's card would
// stand empty.
func (p casePage) PartiesOnly() bool {
	r := p.Case.Reporter
	return p.Dispute != nil && (r == nil || *r == store.ReporterOut{})
}

// eventView is one entry of the timeline in the reader's words.
type eventView struct {
	At       time.Time
	Actor    string
	Says     string
	From, To cases.State // set when the event moved the case
	Details  []keptField
	Note     string
	Photos   []store.CasePhoto
}

// keptField is a labelled value: a detail of an event, or a typed value.
type keptField struct{ Label, Value string }

// similarCase is a possible duplicate with the merges the reader may make.
type similarCase struct {
	store.SimilarCase
	// IntoIt: this case may be merged into it; IntoThis: it may be merged
	// into this case, from the version Version it has now.
	IntoIt, IntoThis bool
	Version          int64
}

// reporterPanel is the reporter as shown: masked, or in clear after an
// unmasking, with the unmasking form when the reader's role may use it.
type reporterPanel struct {
	Masked    *store.ReporterOut
	CanUnmask bool
	Reason    string
	Error     string
	Status    int
	Clear     *personal.Data
}

// similarShown is how many possible duplicates the page lists.
const similarShown = 5

// handleCase is the case page: GET /work/cases/{id}. A case that does not
// exist and one outside the reader's scope get the same 404 page.
func (w *Web) handleCase(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := caseIDOf(r)
	if !ok {
		w.fail(rw, r, v, notFoundCase(r))
		return
	}
	w.showCase(rw, r, v, id, nil)
}

// showCase renders case id; failure, when set, is the refused action to
// show with its status (a 4xx, the page whole).
func (w *Web) showCase(rw http.ResponseWriter, r *http.Request, v *View, id int64, failure *actionFailure) {
	w.renderCase(rw, r, v, id, failure, reporterPanel{})
}

func (w *Web) renderCase(rw http.ResponseWriter, r *http.Request, v *View, id int64, failure *actionFailure, reporter reporterPanel) {
	w.renderCaseWith(rw, r, v, id, caseOptions{failure: failure, reporter: reporter})
}

// caseOptions are what a case page shows beside the case: a refused action
// or petition step, an unmasking's result.
type caseOptions struct {
	failure         *actionFailure
	petitionFailure *petitionFailure
	reporter        reporterPanel
	step            *stepFailure // a dispute's mediation step just refused
}

func (w *Web) renderCaseWith(rw http.ResponseWriter, r *http.Request, v *View, id int64, o caseOptions) {
	failure, reporter, step := o.failure, o.reporter, o.step
	ctx := r.Context()
	c, err := w.db.GetCase(ctx, v.Actor, id)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	now := w.db.Now()
	d, err := w.db.DisputeOf(ctx, v.Actor, c)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	var panel *disputePanel
	if d != nil {
		// The workflow actions a mediation's steps take leave the forms.
		c = store.NewCaseWithDispute(c, d).Case
		panel = newDisputePanel(v, c, d, now, step)
	}
	p := casePage{Case: c, Failure: failure, Reporter: reporter, Dispute: panel, ReferDispute: mayReferToMediation(v, c),
		PetitionFailure: o.petitionFailure}
	p.Reporter.Masked = c.Reporter
	p.Reporter.CanUnmask = w.db.CanUnmaskReporter(v.Actor, c)

	if p.Place, err = w.db.Ancestors(ctx, v.Actor, c.Grid.Code); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if len(p.Place) > 0 {
		p.MapRegion = p.Place[len(p.Place)-1].Code
	}
	p.Place = append(p.Place, store.RegionRecord{})
	p.Place[len(p.Place)-1].Code, p.Place[len(p.Place)-1].Name = c.Grid.Code, c.Grid.Name
	p.Handling = c.HandlingRegion
	for _, r := range p.Place {
		if r.Code == c.HandlingRegion {
			p.Handling = r.Name
		}
	}
	if c.Lat != nil && c.Lon != nil {
		p.Lat, p.Lon = strconv.FormatFloat(*c.Lat, 'f', 6, 64), strconv.FormatFloat(*c.Lon, 'f', 6, 64)
	}

	if p.Finding, err = w.db.HazardOf(ctx, v.Actor, c); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	departments, err := w.db.DepartmentsServing(ctx, v.Actor, id)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.Department = c.Department
	for _, d := range departments {
		if d.Code == c.Department {
			p.Department = d.Name
		}
	}
	// Accepting a case is its response: that clock runs while it waits.
	p.Response = dueAt(v, c.Deadlines.Response, now, c.State == cases.StateSubmitted)
	// A dispute resolved by its outcome waits on the follow-up's period or
	// another channel, not on the resolution clock, which stopped.
	p.Resolution = dueAt(v, c.Deadlines.Resolution, now, c.State.Open() && !(d != nil && c.State == cases.StateResolved))

	events, err := w.db.History(ctx, v.Actor, id)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	photos, err := w.db.CasePhotos(ctx, v.Actor, id)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.Photos = len(photos)
	p.Events = timeline(v, events, photos, p.Place)
	if d != nil {
		disputeWords(v, p.Events, events)
	}

	if p.Similar, err = w.similarToCase(r, v, c); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if p.Merged, err = w.db.MergedCases(ctx, v.Actor, id); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.Forms = actionForms(v, c, departments, failure)
	if pet, err := w.db.PetitionOf(ctx, v.Actor, c); err != nil {
		w.fail(rw, r, v, err)
		return
	} else if pet != nil {
		p.Petition = petitionPanelOf(v, c, pet, now, o.petitionFailure)
		p.Forms = withoutReplaced(p.Forms)
	}
	if failure != nil && !slices.Contains(c.AllowedActions, failure.Action) {
		for _, name := range actionFields {
			if s := failure.Values.Get(name); s != "" {
				p.Kept = append(p.Kept, keptField{v.T("case.input." + name), s})
			}
		}
	}
	if done := cases.Action(r.URL.Query().Get("done")); failure == nil && slices.Contains(cases.Actions, done) {
		p.Notice = v.T("case.done." + string(done))
	}
	if done := r.URL.Query().Get("petition_done"); o.petitionFailure == nil && p.Petition != nil &&
		slices.ContainsFunc(petitionSteps, func(s petitionStep) bool { return s.name == done }) {
		p.Notice = v.T("petition.done." + done)
	}
	if done := r.URL.Query().Get("done"); step == nil && strings.HasPrefix(done, "dispute_") && locale.Has(v.Lang, "dispute.done."+done[8:]) {
		p.Notice = v.T("dispute.done." + done[8:])
	}
	status := http.StatusOK
	switch {
	case step != nil:
		status = httpx.Status(anju.ErrorCode(step.Err))
	case failure != nil:
		status = failure.Status
	case o.petitionFailure != nil:
		status = o.petitionFailure.Status
	case reporter.Status != 0:
		status = reporter.Status
	}
	v.Title = v.T("case.title", c.ID)
	w.render(rw, r, v, status, "work/case", p)
}

// similar lists the open cases that may be the same problem, with the merges
// the reader may make either way.
func (w *Web) similarToCase(r *http.Request, v *View, c store.Case) ([]similarCase, error) {
	found, err := w.db.SimilarCases(r.Context(), v.Actor, c.ID, similarShown)
	if err != nil {
		return nil, err
	}
	intoIt := slices.Contains(c.AllowedActions, cases.ActionMerge)
	out := make([]similarCase, 0, len(found))
	for _, s := range found {
		sc := similarCase{SimilarCase: s, IntoIt: intoIt}
		if c.State.Open() {
			// Its version and what the reader may do to it, by its own
			// scope: the list shows only cases the reader sees.
			if other, err := w.db.GetCase(r.Context(), v.Actor, s.Case.ID); err == nil {
				sc.IntoThis, sc.Version = slices.Contains(other.AllowedActions, cases.ActionMerge), other.Version
			}
		}
		out = append(out, sc)
	}
	return out, nil
}

// timeline says each event of the history in the reader's words, with the
// photos that came with it. System events are said by their kind and
// details only: their notes are written for the log, in English.
func timeline(v *View, events []store.Event, photos []store.CasePhoto, place []store.RegionRecord) []eventView {
	names := map[string]string{}
	for _, r := range place {
		names[r.Code] = r.Name
	}
	out := make([]eventView, 0, len(events))
	for _, e := range events {
		ev := eventView{Actor: e.Actor, From: e.From, To: e.To}
		ev.At, _ = time.Parse(time.RFC3339, e.At)
		system := strings.HasPrefix(e.Actor, "system:")
		if system {
			ev.Actor = v.T("case.actor.system")
		}
		if key := "case.event." + e.Action; locale.Has(v.Lang, key) {
			ev.Says = v.T(key)
		} else {
			ev.Says = v.T("case.event.other", e.Action)
		}
		if e.From == e.To || e.From == "" {
			ev.From, ev.To = "", ""
		}
		ev.Details = eventDetails(v, e.Data, names)
		if !system && e.Note != "" && !slices.ContainsFunc([]string{"reason", "result", "who_is"}, func(k string) bool {
			return fmt.Sprint(e.Data[k]) == e.Note
		}) {
			ev.Note = e.Note
		}
		for _, p := range photos {
			if p.Event == e.ID {
				ev.Photos = append(ev.Photos, p)
			}
		}
		out = append(out, ev)
	}
	return out
}

// eventDetails are the details an event records, labelled, in a fixed order;
// values that name a choice (an outcome, a rating) are said in words.
func eventDetails(v *View, data map[string]any, regions map[string]string) []keptField {
	var out []keptField
	for _, k := range []string{"channel", "department_name", "reason", "result", "method", "outcome", "who_is",
		"rating", "card", "days", "from_region", "to_region", "into", "photos"} {
		raw, ok := data[k]
		if !ok {
			continue
		}
		s := fmt.Sprint(raw)
		switch k {
		case "channel", "method", "outcome", "rating", "card":
			if key := "case." + k + "." + s; locale.Has(v.Lang, key) {
				s = v.T(key)
			} else if key := k + "." + s; locale.Has(v.Lang, key) {
				s = v.T(key)
			}
		case "from_region", "to_region":
			if n, ok := regions[s]; ok {
				s = n
			}
		}
		out = append(out, keptField{v.T("case.detail." + k), s})
	}
	return out
}
