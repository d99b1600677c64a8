package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/httpx"
	"anju/internal/petition"
	"anju/internal/store"
)

// A petition's case page shows its statutory clock — every date the statute
// sets, those passed and those running, with the time left on the one that
// runs — its written documents with their printable pages, and its steps as
// forms (POST /work/petitions/{id}/{step}), which the store applies through
// the case workflow and the petition's clock. The generic forms of the case
// actions that a step stands for (accept, reject, request_extension, close,
// reopen) give way to the steps, which carry the documents.

// petitionPanel is a petition as its case page shows it.
type petitionPanel struct {
	Channel   string
	First     bool
	RepeatOf  int64
	Stage     string
	Dates     []petitionDate
	Extension *petition.Extension
	Pending   *petition.Extension
	Declined  string
	Documents []petitionDocView
	Forms     []actionForm
	// NoticeURL and OpinionURL open the printable documents, once there
	// is one to print.
	NoticeURL, OpinionURL string
	Final                 bool // the same matter is not accepted again
}

// petitionDate is one date of the statutory clock: a deadline (Due set,
// with the time left while it runs) or a step taken.
type petitionDate struct {
	Label string
	At    time.Time
	Due   Due
	Step  bool // a step taken, not a deadline
}

type petitionDocView struct {
	Label    string
	IssuedAt time.Time
	IssuedBy string
	Text     string
	Extra    string // where to turn; the finding
}

// petitionFailure is a petition step the store refused, shown with its
// form unfolded and what was typed kept.
type petitionFailure struct {
	Step         string // the step's name in the URL
	Status       int
	Message      string
	Field        string
	FieldMessage string
	Values       url.Values
}

// petitionStep is a step as the page offers it: its name in URLs, the
// petition's action and the form's fields.
type petitionStep struct {
	name   string
	action petition.Action
	inputs []string
}

// petitionSteps are the steps in table order.
var petitionSteps = []petitionStep{
	{"accept", petition.ActionAccept, []string{"notice"}},
	{"decline", petition.ActionDecline, []string{"reason", "refer_to"}},
	{"extension", petition.ActionExtend, []string{"reason", "days"}},
	{"opinion", petition.ActionOpinion, []string{"text", "finding"}},
	{"review", petition.ActionReview, []string{"reason"}},
	{"re-review", petition.ActionReReview, []string{"reason"}},
}

// petitionStepFields are the fields any step's form may carry.
var petitionStepFields = []string{"notice", "reason", "refer_to", "days", "text", "finding"}

// replacedBySteps are the case actions whose generic forms a petition's
// page leaves out: its steps take them, with their documents.
var replacedBySteps = []cases.Action{cases.ActionAccept, cases.ActionReject, cases.ActionRequestExtension,
	cases.ActionClose, cases.ActionReopen}

// petitionPanelOf builds the panel of petition p (of case c) for the reader.
func petitionPanelOf(v *View, c store.Case, p *store.Petition, now time.Time, failure *petitionFailure) *petitionPanel {
	cl := p.Clock
	out := &petitionPanel{First: p.First, RepeatOf: p.RepeatOf, Stage: v.T("petition.stage." + string(cl.Stage)),
		Extension: cl.Extension, Pending: cl.PendingExtension, Declined: cl.DeclineReason, Final: !cl.OpenToSameMatter}
	if p.Channel != "" {
		out.Channel = v.T("petition.channel." + string(p.Channel))
	}
	due := func(key string, at *time.Time, kind string) {
		if at == nil || at.IsZero() {
			return
		}
		out.Dates = append(out.Dates, petitionDate{Label: v.T("petition.date." + key), At: *at,
			Due: dueAt(v, *at, now, cl.DueFor == kind)})
	}
	step := func(key string, at *time.Time) {
		if at != nil && !at.IsZero() {
			out.Dates = append(out.Dates, petitionDate{Label: v.T("petition.date." + key), At: *at, Step: true})
		}
	}
	received, notice := cl.ReceivedAt, cl.AcceptNoticeDue
	step("received", &received)
	due("accept_notice", &notice, "accept_notice")
	step("accepted", cl.AcceptedAt)
	due("conclusion", cl.ConclusionDue, "conclusion")
	step("concluded", cl.ConcludedAt)
	due("review_request", cl.ReviewRequestBy, "review_request")
	step("review_requested", cl.ReviewRequestedAt)
	due("review", cl.ReviewDue, "review")
	step("reviewed", cl.ReviewedAt)
	due("re_review_request", cl.ReReviewRequestBy, "re_review_request")
	step("re_review_requested", cl.ReReviewRequestedAt)
	due("re_review", cl.ReReviewDue, "re_review")
	step("final", cl.FinalAt)

	for _, d := range p.Documents {
		dv := petitionDocView{Label: v.T("petition.doc." + string(d.Kind)), IssuedAt: d.IssuedAt, IssuedBy: d.IssuedBy, Text: d.Text}
		switch {
		case d.ReferTo != "":
			dv.Extra = v.T("petition.refer_to_is", d.ReferTo)
		case d.Finding != "":
			dv.Extra = v.T("petition.opinion.finding", v.T("petition.finding."+string(d.Finding)))
		}
		out.Documents = append(out.Documents, dv)
	}
	base := "/work/petitions/" + strconv.FormatInt(c.ID, 10)
	if cl.AcceptedAt != nil || cl.Stage == petition.StageDeclined {
		out.NoticeURL = base + "/notice"
	}
	if cl.ConcludedAt != nil {
		out.OpinionURL = base + "/opinion"
	}
	for _, s := range petitionSteps {
		if !slices.Contains(p.Steps, s.action) {
			continue
		}
		f := actionForm{ID: "petition-" + s.name, URL: base + "/" + s.name, Label: v.T("petition.step." + s.name),
			Hint: v.T("petition.hint." + s.name)}
		var values url.Values
		if failure != nil && failure.Step == s.name {
			f.Open, f.Error, values = true, failure.Message, failure.Values
		}
		for _, name := range s.inputs {
			in := formInput{Name: name, ID: "petition-" + s.name + "-" + name, Kind: inputTextarea, Required: true,
				Label: v.T("petition.input." + s.name + "." + name), Value: values.Get(name), Choose: v.T("case.choose")}
			switch name {
			case "refer_to":
				in.Kind = inputText
			case "days":
				in.Kind, in.Min, in.Max = inputNumber, 1, petition.MaxExtensionDays
				in.Hint = v.T("petition.hint.days", petition.MaxExtensionDays)
			case "finding":
				in.Kind, in.Options = inputSelect, choices(v, "petition.finding.", petition.Findings)
			}
			if failure != nil && failure.Step == s.name && failure.Field == name {
				in.Error = failure.FieldMessage
			}
			f.Inputs = append(f.Inputs, in)
		}
		out.Forms = append(out.Forms, f)
	}
	return out
}

// withoutReplaced leaves out the generic forms a petition's steps take.
func withoutReplaced(forms []actionForm) []actionForm {
	return slices.DeleteFunc(forms, func(f actionForm) bool { return slices.Contains(replacedBySteps, f.Action) })
}

// handlePetitionStep takes one step of a petition: POST
// /work/petitions/{id}/{step}, a URL-encoded form the guard has read,
// bounded. Success answers 303 to the case page with a notice; a refusal
// shows the case page again with the step's form unfolded, what was typed
// kept and what was wrong.
func (w *Web) handlePetitionStep(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := caseIDOf(r)
	name := r.PathValue("step")
	i := slices.IndexFunc(petitionSteps, func(s petitionStep) bool { return s.name == name })
	if !ok || i < 0 {
		w.fail(rw, r, v, notFoundCase(r))
		return
	}
	vals := r.PostForm
	err := error(nil)
	if vals == nil {
		err = anju.Errorf(anju.EINVALID, "the form could not be read")
		vals = url.Values{}
	}
	for _, f := range petitionStepFields {
		if err == nil && !httpx.PlainText(vals.Get(f)) {
			err = anju.FieldError(f, "%s must be text", f)
		}
	}
	ctx := r.Context()
	if err == nil {
		switch petitionSteps[i].action {
		case petition.ActionAccept:
			_, err = w.db.AcceptPetition(ctx, v.Actor, id, petition.Acceptance{Notice: vals.Get("notice")})
		case petition.ActionDecline:
			_, err = w.db.DeclinePetition(ctx, v.Actor, id, petition.Declining{Reason: vals.Get("reason"), ReferTo: vals.Get("refer_to")})
		case petition.ActionExtend:
			q := httpx.QueryOf(vals)
			days := q.Int("days", 0, 1, 1000)
			if err = q.Err(); err == nil {
				_, err = w.db.RequestPetitionExtension(ctx, v.Actor, id, petition.ExtensionRequest{Reason: vals.Get("reason"), Days: days})
			}
		case petition.ActionOpinion:
			_, err = w.db.RecordPetitionOpinion(ctx, v.Actor, id, petition.Opinion{Text: vals.Get("text"),
				Finding: petition.Finding(vals.Get("finding"))})
		case petition.ActionReview, petition.ActionReReview:
			_, err = w.db.RequestPetitionReview(ctx, v.Actor, id, petitionSteps[i].action, petition.ReviewRequest{Reason: vals.Get("reason")})
		}
	}
	if err == nil {
		seeOther(rw, r, caseURL(id)+"?petition_done="+name)
		return
	}
	if anju.ErrorCode(err) == anju.ENOTFOUND && anju.ErrorField(err) == "" {
		w.fail(rw, r, v, err)
		return
	}
	f := &petitionFailure{Step: name, Status: httpx.Status(anju.ErrorCode(err)), Values: url.Values{}}
	for _, n := range petitionStepFields {
		if s := vals.Get(n); s != "" {
			f.Values.Set(n, keptText(s))
		}
	}
	field := anju.ErrorField(err)
	switch {
	case field != "" && anju.Blank(vals.Get(field)) && anju.ErrorCode(err) == anju.EINVALID && slices.Contains(petitionStepFields, field):
		f.Field, f.FieldMessage = field, v.T("case.required")
		f.Message = v.T("case.missing", v.T("petition.input."+name+"."+field))
	default:
		f.Message = errorMessage(v, err)
		if slices.Contains(petitionStepFields, field) {
			f.Field, f.FieldMessage = field, f.Message
		}
	}
	if anju.ErrorCode(err) == anju.EINTERNAL {
		w.log.Error("petition step failed", "case", id, "step", name, "err", err)
	}
	w.renderCaseWith(rw, r, v, id, caseOptions{petitionFailure: f})
}
