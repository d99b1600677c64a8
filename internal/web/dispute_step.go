package web

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/dispute"
	"anju/internal/httpx"
	"anju/internal/locale"
	"anju/internal/store"
)

// A dispute's case page carries its mediation (templates/work/_dispute.html):
// the parties as anyone on the case may see them (masked), the sessions, the
// outcome — agreement or referral — and the follow-up visit, with a form for
// each step the reader may take now (store.Dispute.AllowedSteps). The forms
// post to POST /work/disputes/{id}/{step}; with scripts, htmx swaps a
// refused form in place with its messages (work/dispute_step), and a
// recorded step reloads the page; without, the page comes back whole.

// stepPaths are the routes' {step}, as the API names them, and the forms
// that post to each.
var stepPaths = map[string][]string{
	"sessions":  {"session"},
	"outcome":   {"agree", "refer"},
	"referral":  {"referral"},
	"follow-up": {"follow_up"},
}

// formSteps are the mediation steps each form records.
var formSteps = map[string][]dispute.Action{
	"session":   {dispute.ActionSession},
	"agree":     {dispute.ActionAgree},
	"refer":     {dispute.ActionRefer},
	"referral":  {dispute.ActionConclude},
	"follow_up": {dispute.ActionHold, dispute.ActionBreak},
}

// formOrder is the order the forms are offered in.
var formOrder = []string{"session", "agree", "refer", "follow_up", "referral"}

// disputePanel is the case page's mediation card.
type disputePanel struct {
	V           *View
	CaseID      int64
	D           *store.Dispute
	Amount      string
	Parties     []panelParty
	Sessions    []panelSession
	Signed      string // the signatories' names
	AgreedAt    time.Time
	ReferralAt  time.Time
	FollowUpDue time.Time
	// FollowUpOpen says the follow-up visit may be recorded now: its
	// period has run (dispute.CheckFollowUp).
	FollowUpOpen bool
	Forms        []*stepForm
}

type panelParty struct {
	ID                    int64
	Role, Kind            string // message keys
	Name, Phone, IDNumber string
}

type panelSession struct {
	At        time.Time
	Place     string
	Mediators string
	Attended  string
	Notes     string
}

// stepForm is one step's form, as first drawn or as refused.
type stepForm struct {
	V        *View
	Name     string // session, agree, refer, referral, follow_up
	ID       string // the element's id
	URL      string
	Open     bool // unfolded: just refused
	Alert    string
	Errors   map[string]string // field → message
	Values   url.Values
	Parties  []partyChoice
	Channels []option
	Due      time.Time // of the follow-up
}

// Value is what the field holds: as typed, after a refusal.
func (f *stepForm) Value(name string) string { return f.Values.Get(name) }

// Error is the field's message, if it was refused.
func (f *stepForm) Error(name string) string { return f.Errors[name] }

type partyChoice struct {
	ID      int64
	Label   string
	Checked bool
}

// stepFailure is a refused step: which form, what was typed, and why.
type stepFailure struct {
	Form   string
	Values url.Values
	Err    error
}

// newDisputePanel builds the card for dispute d of case c as v's reader
// sees it; failure, when set, is the step just refused.
func newDisputePanel(v *View, c store.Case, d *store.Dispute, now time.Time, failure *stepFailure) *disputePanel {
	p := &disputePanel{V: v, CaseID: c.ID, D: d, Amount: dispute.Yuan(int64(math.Round(d.Amount * 100)))}
	names := map[int64]string{}
	for _, party := range d.Parties {
		p.Parties = append(p.Parties, panelParty{ID: party.ID, Role: "agreement.role." + string(party.Role),
			Kind: "agreement.kind." + string(party.Kind), Name: party.Name, Phone: party.Phone, IDNumber: party.IDNumber})
		names[party.ID] = party.Name
	}
	for _, s := range d.Sessions {
		var attended []string
		for _, id := range s.Attended {
			attended = append(attended, names[id])
		}
		p.Sessions = append(p.Sessions, panelSession{At: s.HeldAt, Place: s.Place, Mediators: strings.Join(s.Mediators, v.T("dispute.list_sep")),
			Attended: strings.Join(attended, v.T("dispute.list_sep")), Notes: s.Notes})
	}
	var signed []string
	for _, id := range d.Signatories {
		signed = append(signed, names[id])
	}
	p.Signed = strings.Join(signed, v.T("dispute.list_sep"))
	if d.AgreedAt != nil {
		p.AgreedAt = *d.AgreedAt
	}
	if d.ReferralAt != nil {
		p.ReferralAt = *d.ReferralAt
	}
	if d.FollowUpDue != nil {
		p.FollowUpDue = *d.FollowUpDue
		p.FollowUpOpen = dispute.CheckFollowUp(now, *d.FollowUpDue) == nil
	}
	for _, name := range formOrder {
		if !slices.ContainsFunc(formSteps[name], func(a dispute.Action) bool { return slices.Contains(d.AllowedSteps, a) }) {
			continue
		}
		if name == "follow_up" && !p.FollowUpOpen {
			continue // the card says when it falls due
		}
		p.Forms = append(p.Forms, newStepForm(v, c.ID, d, name, now, failure))
	}
	return p
}

// newStepForm draws form name of dispute d, with what failure kept when it
// is this form's.
func newStepForm(v *View, id int64, d *store.Dispute, name string, now time.Time, failure *stepFailure) *stepForm {
	f := &stepForm{V: v, Name: name, ID: "dispute-" + strings.ReplaceAll(name, "_", "-"), Errors: map[string]string{}, Values: url.Values{}}
	for path, forms := range stepPaths {
		if slices.Contains(forms, name) {
			f.URL = "/work/disputes/" + strconv.FormatInt(id, 10) + "/" + path
		}
	}
	if d.FollowUpDue != nil {
		f.Due = *d.FollowUpDue
	}
	refused := failure != nil && failure.Form == name
	if refused {
		f.Open, f.Values = true, keptStepValues(failure.Values)
		f.failed(failure.Err)
	} else if name == "session" {
		// A session is recorded once it is over: now, to the minute, is
		// the likeliest time and never in the future.
		f.Values.Set("held_at", now.In(httpx.ChinaTime).Format("2006-01-02T15:04"))
	}
	chosen := f.Values["parties"]
	if name == "session" {
		chosen = f.Values["attended"]
	}
	for _, party := range d.Parties {
		idText := strconv.FormatInt(party.ID, 10)
		f.Parties = append(f.Parties, partyChoice{ID: party.ID, Checked: !refused || slices.Contains(chosen, idText),
			Label: v.T("agreement.role."+string(party.Role)) + " · " + party.Name})
	}
	if name == "refer" {
		for _, ch := range dispute.Channels {
			f.Channels = append(f.Channels, option{string(ch), v.T("dispute.channel." + string(ch))})
		}
	}
	return f
}

// stepFields are the fields a step form carries, kept after a refusal.
var stepFields = []string{"held_at", "place", "mediators", "attended", "notes", "terms", "parties", "referral", "note",
	"result", "holds"}

func keptStepValues(values url.Values) url.Values {
	out := url.Values{}
	for _, name := range stepFields {
		for _, s := range values[name] {
			out.Add(name, keptText(s))
		}
	}
	return out
}

// failed says err in the form: the field's message from the catalogue
// where the store names a field, else the summary alone.
func (f *stepForm) failed(err error) {
	field := anju.ErrorField(err)
	if i := strings.IndexByte(field, '['); i > 0 {
		field = field[:i]
	}
	if field != "" && slices.Contains(stepFields, field) {
		key := "dispute.error." + field
		if locale.Has(f.V.Lang, key) {
			f.Errors[field] = f.V.T(key)
		} else {
			f.Errors[field] = errorMessage(f.V, err)
		}
		f.Alert = f.V.T("form.fix_errors") + " " + f.Errors[field]
		return
	}
	f.Alert = errorMessage(f.V, err)
}

// handleDisputeStep records one mediation step from its form: POST
// /work/disputes/{id}/{step}. Recorded, it answers 303 to the case page with
// a notice; refused, the form again with what was typed and why — alone for
// htmx, on the whole case page otherwise.
func (w *Web) handleDisputeStep(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := caseIDOf(r)
	forms, known := stepPaths[r.PathValue("step")]
	if !ok || !known {
		w.fail(rw, r, v, notFoundCase(r))
		return
	}
	form := r.PostForm
	if form == nil {
		form = url.Values{}
	}
	name := forms[0]
	if len(forms) > 1 && form.Get("agreement") != "1" {
		name = forms[1]
	}
	err := w.recordStep(r, v, id, name, form)
	if err == nil {
		seeOther(rw, r, caseURL(id)+"?done=dispute_"+name)
		return
	}
	if anju.ErrorCode(err) == anju.ENOTFOUND && anju.ErrorField(err) == "" {
		w.fail(rw, r, v, err) // not the reader's to see
		return
	}
	if anju.ErrorCode(err) == anju.EINTERNAL || anju.ErrorCode(err) == anju.EUNAVAILABLE {
		w.fail(rw, r, v, err)
		return
	}
	failure := &stepFailure{Form: name, Values: form, Err: err}
	if r.Header.Get("HX-Request") != "true" {
		w.renderCaseWith(rw, r, v, id, caseOptions{step: failure})
		return
	}
	cd, gerr := w.db.GetDispute(r.Context(), v.Actor, id)
	if gerr != nil {
		w.fail(rw, r, v, gerr)
		return
	}
	f := newStepForm(v, id, cd.Dispute, name, w.db.Now(), failure)
	w.render(rw, r, v, httpx.Status(anju.ErrorCode(err)), "work/dispute_step", f)
}

// recordStep reads form as step name's input and records it.
func (w *Web) recordStep(r *http.Request, v *View, id int64, name string, form url.Values) error {
	for _, field := range stepFields {
		for _, s := range form[field] {
			if !httpx.PlainText(s) || utf8.RuneCountInString(s) > maxTextInput {
				return anju.FieldError(field, "%s must be text of at most %d characters", field, maxTextInput)
			}
		}
	}
	ctx := r.Context()
	switch name {
	case "session":
		s := dispute.Session{Place: form.Get("place"), Notes: form.Get("notes"), Mediators: splitNames(form.Get("mediators"))}
		if held := strings.TrimSpace(form.Get("held_at")); held != "" {
			at, err := parseLocalTime(held)
			if err != nil {
				return anju.FieldError("held_at", "say when the session was held, as a date and time")
			}
			s.HeldAt = at
		}
		ids, err := partyIDs(form["attended"], "attended")
		if err != nil {
			return err
		}
		s.Attended = ids
		_, err = w.db.RecordDisputeSession(ctx, v.Actor, id, s)
		return err
	case "agree", "refer":
		o := dispute.Outcome{Agreement: name == "agree", Terms: form.Get("terms"), Note: form.Get("note"),
			Referral: dispute.Channel(form.Get("referral"))}
		if o.Agreement {
			ids, err := partyIDs(form["parties"], "parties")
			if err != nil {
				return err
			}
			o.Parties = ids
		}
		_, err := w.db.RecordDisputeOutcome(ctx, v.Actor, id, o)
		return err
	case "referral":
		_, err := w.db.RecordReferralResult(ctx, v.Actor, id, dispute.ReferralResult{Result: form.Get("result")})
		return err
	}
	f := dispute.FollowUp{Note: form.Get("note")}
	switch form.Get("holds") {
	case "yes":
		f.Holds = new(bool)
		*f.Holds = true
	case "no":
		f.Holds = new(bool)
	}
	_, err := w.db.RecordFollowUp(ctx, v.Actor, id, f)
	return err
}

// parseLocalTime reads a datetime-local field, in China time.
func parseLocalTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, httpx.ChinaTime); err == nil {
			return t, nil
		}
	}
	return time.Time{}, anju.Errorf(anju.EINVALID, "not a date and time: %q", s)
}

// splitNames reads the mediators' names, separated as people type them:
// by commas, enumeration commas or spaces.
func splitNames(s string) []string {
	out := []string{}
	for _, name := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '\u3000' || r == '\n'
	}) {
		out = append(out, name)
	}
	return out
}

func partyIDs(values []string, field string) ([]int64, error) {
	var out []int64
	for _, s := range values {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, anju.FieldError(field, "%q is not a party", s)
		}
		out = append(out, id)
	}
	return out, nil
}

// disputeWords says a dispute's case events in a mediation's words: a
// resolution is the mediation's outcome, a verification the follow-up
// visit, a failed one a broken agreement that reopened the mediation.
func disputeWords(v *View, events []eventView, raw []store.Event) {
	for i := range events {
		if i >= len(raw) {
			return
		}
		if key := "case.event.dispute." + raw[i].Action; locale.Has(v.Lang, key) {
			events[i].Says = v.T(key)
		}
	}
}

// mayReferToMediation reports whether the reader may turn case c into a
// dispute: an open case of another kind, and a role that files disputes.
func mayReferToMediation(v *View, c store.Case) bool {
	return c.Kind != cases.KindDispute && c.State.Open() && slices.ContainsFunc(disputeIntakeRoles, v.Has)
}
