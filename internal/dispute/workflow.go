package dispute

import (
	"slices"
	"time"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/cases"
)

// State is where a dispute's mediation stands. The case that carries the
// dispute has its own workflow state; the rows of Rules say which case
// actions each step of the mediation takes.
type State string

const (
	StateMediating State = "mediating" // taken in, being mediated (also after a broken agreement)
	StateAgreed    State = "agreed"    // an agreement was signed; its follow-up visit is pending
	StateReferred  State = "referred"  // no agreement; referred to another channel, whose result is awaited
	StateSettled   State = "settled"   // the follow-up found the agreement kept (案结事了); final
	StateConcluded State = "concluded" // the other channel's result is recorded; final
)

// States lists every state.
var States = []State{StateMediating, StateAgreed, StateReferred, StateSettled, StateConcluded}

// Valid reports whether s is one of States.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Open reports whether the dispute is still on Anju's lists: being
// mediated, waiting for its follow-up or for another channel's result.
func (s State) Open() bool { return s == StateMediating || s == StateAgreed || s == StateReferred }

// Action is a step of a mediation.
type Action string

const (
	ActionSession  Action = "session"  // a mediation session was held
	ActionAgree    Action = "agree"    // the parties signed an agreement
	ActionRefer    Action = "refer"    // no agreement; referred to another channel
	ActionHold     Action = "hold"     // the follow-up found the agreement kept
	ActionBreak    Action = "break"    // the follow-up found the agreement broken: mediate again
	ActionConclude Action = "conclude" // the channel referred to gave its result
)

// Rule is one row of the mediation table: Action may be taken on a dispute
// in any of From by any of Roles, on its case in any of CaseFrom, and leaves
// the dispute in To. CaseActions are the case workflow actions the step
// takes, in order, by the actor unless the action is marked for the system
// (SystemCloses): the case's history, deadlines and figures then follow
// the mediation without a second set of rules.
type Rule struct {
	Action      Action
	From        []State
	To          State
	Roles       []anju.Role
	CaseFrom    []cases.State
	CaseActions []cases.Action
	// RestartsClock says the step starts the case's resolution clock
	// again: a mediation begun anew after a broken agreement gets the
	// period of a new one, rather than inheriting a deadline that passed
	// while the agreement was waiting for its follow-up visit.
	RestartsClock bool
}

var (
	// Mediators are the handlers of a dispute dispatched to a mediation
	// committee (the case workflow's handler roles).
	mediators = []anju.Role{anju.RoleMediator, anju.RoleHandler}
	// The follow-up visit and the recording of another channel's result are
	// an on-site check of the case's result (the case workflow's checkers).
	visitors = []anju.Role{anju.RoleGridWorker, anju.RoleDispatcher}
)

// Rules is the mediation table:
//
//	mediating → mediating (a session held)
//	mediating → agreed (agreement; the case is resolved)
//	mediating → referred (no agreement; the case is resolved, and stays open)
//	agreed → settled (the follow-up finds it kept; the case is verified and closed)
//	agreed → mediating (the follow-up finds it broken; the case goes back to the committee)
//	referred → concluded (the channel's result; the case is verified and closed)
//
// A broken agreement reopens the mediation with the case workflow's
// fail_verification: while its follow-up is pending the case is resolved,
// not closed, so that it stays open and on the committee's list, and the
// case action that takes a resolved case back to the department that
// resolved it — the committee — is that one ("the check found it not
// done"). The case's history says it in a dispute's words (the web's
// case.event.dispute.* messages), and the step starts the resolution clock
// again (RestartsClock): the committee mediates anew, it is not late for
// the parties' breach.
var Rules = []Rule{
	{Action: ActionSession, From: []State{StateMediating}, To: StateMediating, Roles: mediators,
		CaseFrom: []cases.State{cases.StateInProgress}, CaseActions: []cases.Action{cases.ActionComment}},
	{Action: ActionAgree, From: []State{StateMediating}, To: StateAgreed, Roles: mediators,
		CaseFrom: []cases.State{cases.StateInProgress}, CaseActions: []cases.Action{cases.ActionResolve}},
	{Action: ActionRefer, From: []State{StateMediating}, To: StateReferred, Roles: mediators,
		CaseFrom: []cases.State{cases.StateInProgress}, CaseActions: []cases.Action{cases.ActionResolve}},
	{Action: ActionHold, From: []State{StateAgreed}, To: StateSettled, Roles: visitors,
		CaseFrom: []cases.State{cases.StateResolved}, CaseActions: []cases.Action{cases.ActionVerify, cases.ActionClose}},
	{Action: ActionBreak, From: []State{StateAgreed}, To: StateMediating, Roles: visitors,
		CaseFrom: []cases.State{cases.StateResolved}, CaseActions: []cases.Action{cases.ActionFailVerification}, RestartsClock: true},
	{Action: ActionConclude, From: []State{StateReferred}, To: StateConcluded, Roles: visitors,
		CaseFrom: []cases.State{cases.StateResolved}, CaseActions: []cases.Action{cases.ActionVerify, cases.ActionClose}},
}

// OwnsCaseAction reports whether case action a is taken on a dispute's case
// only through a mediation step: resolving it is recording the outcome,
// and checking the result — verified or sent back — is the follow-up
// visit or the referral's result. Taken directly, through the case
// workflow, it would move the case without the dispute (a case closed
// while its dispute still waits for a follow-up), so the store refuses it
// there. Comments, and the close a step takes as the system, are not the
// steps' own.
func OwnsCaseAction(a cases.Action) bool {
	if a == cases.ActionComment || SystemCloses(a) {
		return false
	}
	return slices.ContainsFunc(Rules, func(r Rule) bool { return slices.Contains(r.CaseActions, a) })
}

// Reopened is the state of a dispute in state s when its case is reopened
// (the case workflow's reopen, by a supervisor or the resident who brought
// it): a dispute that had ended — settled, or concluded elsewhere — is
// mediated again; an open one stays as it is.
func Reopened(s State) State {
	if s.Open() {
		return s
	}
	return StateMediating
}

// Steps returns, in table order, the mediation steps a holder of roles may
// take now on a dispute in state s carried by a case in caseState: the
// forms a workbench offers. Hold and break are one visit, agree and refer
// one outcome; both are listed when allowed.
func Steps(s State, caseState cases.State, roles ...anju.Role) []Action {
	var out []Action
	for _, r := range Rules {
		if _, err := Transition(s, caseState, r.Action, roles...); err == nil && !slices.Contains(out, r.Action) {
			out = append(out, r.Action)
		}
	}
	return out
}

// SystemCloses reports whether case action a of a mediation step is taken by
// the platform rather than the actor: closing a case whose follow-up or
// referral result was recorded is a consequence, not a decision (the case
// workflow lets the system close).
func SystemCloses(a cases.Action) bool { return a == cases.ActionClose }

// RuleFor returns the rule for a in dispute state s.
func RuleFor(s State, a Action) (Rule, bool) {
	for _, r := range Rules {
		if r.Action == a && slices.Contains(r.From, s) {
			return r, true
		}
	}
	return Rule{}, false
}

// Transition returns the rule that takes a dispute in state s, carried by a
// case in caseState, through action a by a party holding roles: EINVALID for
// an unknown state or action, ECONFLICT when the dispute's or the case's
// state does not allow it, EFORBIDDEN when none of roles may take it.
func Transition(s State, caseState cases.State, a Action, roles ...anju.Role) (Rule, error) {
	if !s.Valid() {
		return Rule{}, anju.FieldError("state", "unknown dispute state %q", s)
	}
	known := slices.ContainsFunc(Rules, func(r Rule) bool { return r.Action == a })
	if !known {
		return Rule{}, anju.FieldError("action", "unknown dispute action %q", a)
	}
	r, ok := RuleFor(s, a)
	if !ok {
		return Rule{}, anju.Errorf(anju.ECONFLICT, "cannot record %s on a dispute that is %s", words[a], s)
	}
	if err := cases.CheckStep(words[a], r.Roles, r.CaseFrom, roles, caseState); err != nil {
		return Rule{}, err
	}
	return r, nil
}

var words = map[Action]string{
	ActionSession: "a mediation session", ActionAgree: "an agreement", ActionRefer: "a referral",
	ActionHold: "a follow-up visit", ActionBreak: "a follow-up visit", ActionConclude: "a referral's result",
}

// Limits of a mediation's records.
const (
	MaxPlace     = 200
	MaxNotes     = 5000
	MaxTerms     = 5000
	MaxMediators = 10
	MaxResult    = 2000
)

// Session is a mediation session (调解会) as recorded after it was held:
// when and where, the mediators' names, which parties attended (their ids
// on the dispute) and the notes.
type Session struct {
	HeldAt    time.Time `json:"held_at"`
	Place     string    `json:"place"`
	Mediators []string  `json:"mediators"`
	Attended  []int64   `json:"attended"`
	Notes     string    `json:"notes"`
}

// Validate cleans s's text and checks it against now: a session recorded as
// held cannot lie in the future. EINVALID names the field at fault.
func (s *Session) Validate(now time.Time) error {
	s.Place, s.Notes = anju.CleanText(s.Place), anju.CleanText(s.Notes)
	switch {
	case s.HeldAt.IsZero():
		return anju.FieldError("held_at", "say when the session was held")
	case s.HeldAt.After(now):
		return anju.FieldError("held_at", "a session recorded as held cannot be in the future (%s)", s.HeldAt.Format(time.RFC3339))
	case anju.Blank(s.Place):
		return anju.FieldError("place", "say where the session was held")
	case utf8.RuneCountInString(s.Place) > MaxPlace:
		return anju.FieldError("place", "place is longer than %d characters", MaxPlace)
	case len(s.Mediators) == 0:
		return anju.FieldError("mediators", "name the mediators who held the session")
	case len(s.Mediators) > MaxMediators:
		return anju.FieldError("mediators", "more than %d mediators", MaxMediators)
	case len(s.Attended) == 0:
		return anju.FieldError("attended", "say which parties attended")
	case utf8.RuneCountInString(s.Notes) > MaxNotes:
		return anju.FieldError("notes", "notes are longer than %d characters", MaxNotes)
	}
	for i, m := range s.Mediators {
		s.Mediators[i] = anju.CleanText(m)
		if anju.Blank(s.Mediators[i]) || utf8.RuneCountInString(s.Mediators[i]) > 50 {
			return anju.FieldError("mediators", "a mediator's name is 1 to 50 characters")
		}
	}
	seen := map[int64]bool{}
	for _, id := range s.Attended {
		if seen[id] {
			return anju.FieldError("attended", "party %d is listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

// Channel is where a dispute goes when mediation finds no agreement.
type Channel string

const (
	ChannelAdministrativeMediation Channel = "administrative_mediation" // 行政调解
	ChannelJudicialConfirmation    Channel = "judicial_confirmation"    // 司法确认
	ChannelArbitration             Channel = "arbitration"              // 仲裁
	ChannelAdministrativeReview    Channel = "administrative_review"    // 行政复议
	ChannelLitigation              Channel = "litigation"               // 诉讼
	ChannelPetition                Channel = "petition"                 // 信访
)

// Channels lists every channel.
var Channels = []Channel{ChannelAdministrativeMediation, ChannelJudicialConfirmation, ChannelArbitration,
	ChannelAdministrativeReview, ChannelLitigation, ChannelPetition}

// Valid reports whether c is one of Channels.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Outcome is how a mediation ended: an agreement with its terms and the
// parties who sign it (their ids on the dispute), or none and the channel
// the dispute is referred to.
type Outcome struct {
	Agreement bool    `json:"agreement"`
	Terms     string  `json:"terms,omitempty"`
	Parties   []int64 `json:"parties,omitempty"`
	Referral  Channel `json:"referral,omitempty"`
	Note      string  `json:"note,omitempty"`
}

// PartyRef is a party of a dispute as an outcome is checked against it:
// its id and its side.
type PartyRef struct {
	ID   int64
	Role PartyRole
}

// Action is the mediation step the outcome records.
func (o Outcome) Action() Action {
	if o.Agreement {
		return ActionAgree
	}
	return ActionRefer
}

// Validate cleans o's text and checks it against the dispute's parties: an
// agreement needs its terms and the parties who sign it — parties of this
// dispute, each once, an applicant and a respondent among them (an
// agreement nobody signs binds nobody) — and names no referral; no
// agreement needs a known channel, and has neither terms nor signatories.
// EINVALID names the field at fault.
func (o *Outcome) Validate(parties []PartyRef) error {
	o.Terms, o.Note = anju.CleanText(o.Terms), anju.CleanText(o.Note)
	if utf8.RuneCountInString(o.Note) > MaxNotes {
		return anju.FieldError("note", "note is longer than %d characters", MaxNotes)
	}
	if !o.Agreement {
		switch {
		case o.Referral == "":
			return anju.FieldError("referral", "without an agreement, choose the channel the dispute is referred to")
		case !o.Referral.Valid():
			return anju.FieldError("referral", "unknown channel %q; one of %v", o.Referral, Channels)
		case !anju.Blank(o.Terms):
			return anju.FieldError("terms", "terms belong to an agreement")
		case len(o.Parties) > 0:
			return anju.FieldError("parties", "parties sign an agreement; a referral has no signatories")
		}
		return nil
	}
	switch {
	case anju.Blank(o.Terms):
		return anju.FieldError("terms", "write the terms the parties agreed")
	case utf8.RuneCountInString(o.Terms) > MaxTerms:
		return anju.FieldError("terms", "terms are longer than %d characters", MaxTerms)
	case o.Referral != "":
		return anju.FieldError("referral", "an agreement is not referred elsewhere")
	case len(o.Parties) == 0:
		return anju.FieldError("parties", "name the parties who sign the agreement")
	}
	sides := map[PartyRole]bool{}
	seen := map[int64]bool{}
	for _, id := range o.Parties {
		i := slices.IndexFunc(parties, func(p PartyRef) bool { return p.ID == id })
		switch {
		case i < 0:
			return anju.FieldError("parties", "party %d is not a party to this dispute", id)
		case seen[id]:
			return anju.FieldError("parties", "party %d is listed twice", id)
		}
		seen[id], sides[parties[i].Role] = true, true
	}
	if !sides[Applicant] || !sides[Respondent] {
		return anju.FieldError("parties", "an agreement is signed by an applicant and a respondent at least")
	}
	return nil
}

// ReferralResult is what the channel referred to decided, recorded when
// Anju hears of it.
type ReferralResult struct {
	Result string `json:"result"`
}

// Validate cleans and checks the result.
func (r *ReferralResult) Validate() error {
	r.Result = anju.CleanText(r.Result)
	switch {
	case anju.Blank(r.Result):
		return anju.FieldError("result", "say what the channel decided")
	case utf8.RuneCountInString(r.Result) > MaxResult:
		return anju.FieldError("result", "result is longer than %d characters", MaxResult)
	}
	return nil
}

// FollowUp is the follow-up visit's finding: whether the agreement holds.
type FollowUp struct {
	Holds *bool  `json:"holds"`
	Note  string `json:"note"`
}

// Action is the mediation step the follow-up records.
func (f FollowUp) Action() Action {
	if f.Holds != nil && *f.Holds {
		return ActionHold
	}
	return ActionBreak
}

// Validate cleans and checks the follow-up: its finding is required, and a
// broken agreement needs a note of what broke, which goes back to the
// mediators.
func (f *FollowUp) Validate() error {
	f.Note = anju.CleanText(f.Note)
	switch {
	case f.Holds == nil:
		return anju.FieldError("holds", "say whether the agreement holds")
	case !*f.Holds && anju.Blank(f.Note):
		return anju.FieldError("note", "say how the agreement was broken")
	case utf8.RuneCountInString(f.Note) > MaxNotes:
		return anju.FieldError("note", "note is longer than %d characters", MaxNotes)
	}
	return nil
}

// DefaultFollowUpDays is the follow-up period of a city that has not set
// its own.
const DefaultFollowUpDays = 30

// MaxFollowUpDays bounds a city's follow-up period.
const MaxFollowUpDays = 365

// FollowUpDue is when the follow-up visit of an agreement signed at agreed
// falls due: days calendar days later, at the start of that day in loc
// (the city's zone), so that a visit that day counts.
func FollowUpDue(agreed time.Time, days int, loc *time.Location) time.Time {
	if days <= 0 {
		days = DefaultFollowUpDays
	}
	t := agreed.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day()+days, 0, 0, 0, 0, loc)
}

// CheckFollowUp refuses a follow-up visit recorded before it is due:
// whether an agreement holds is known only after the period.
func CheckFollowUp(now, due time.Time) error {
	if now.Before(due) {
		return anju.Errorf(anju.ECONFLICT, "the follow-up visit is due on %s", due.Format(time.DateOnly))
	}
	return nil
}

var channelNames = map[Channel]string{
	ChannelAdministrativeMediation: "行政调解", ChannelJudicialConfirmation: "司法确认", ChannelArbitration: "仲裁",
	ChannelAdministrativeReview: "行政复议", ChannelLitigation: "诉讼", ChannelPetition: "信访",
}

// Name is the channel's Chinese name, as case histories record it.
func (c Channel) Name() string { return channelNames[c] }

// Settings are what a city sets for its disputes; a zero field keeps the
// default (DefaultFollowUpDays; warning.Default's thresholds).
type Settings struct {
	FollowUpDays int   `json:"follow_up_days"`
	LargePeople  int   `json:"large_people"`
	LargeAmount  int64 `json:"large_amount"` // yuan
}

// Validate checks the settings' bounds, naming the field at fault.
func (s Settings) Validate() error {
	switch {
	case s.FollowUpDays < 0 || s.FollowUpDays > MaxFollowUpDays:
		return anju.FieldError("follow_up_days", "the follow-up period is from 1 to %d days (0 for the default)", MaxFollowUpDays)
	case s.LargePeople < 0 || s.LargePeople > MaxPeople:
		return anju.FieldError("large_people", "the number of people is from 1 to %d (0 for the default)", MaxPeople)
	case s.LargeAmount < 0 || float64(s.LargeAmount) > MaxAmount:
		return anju.FieldError("large_amount", "the amount is from 1 to %.0f yuan (0 for the default)", MaxAmount)
	}
	return nil
}
