// Package petition is the rules of petitions (信访) under the 信访工作条例
// (2022): how a petition comes in, the statutory clock that runs on it
// (Clock: the written notice on acceptance, the conclusion, the one
// extension, the review and re-review windows), the steps a petition takes
// as data (Rules), each mapped onto the case workflow actions that carry it,
// and the validation of what each step records. A petition is a case of
// kind petition: its clock is rebuilt from the case's events (Replay) and
// every new step is put to it (Clock.Apply) before it is written, so that
// the statute has one implementation.
//
// The package is pure: no I/O, time from the caller or an anju.Clock, days
// counted on a deadline.Calendar.
//
// Petitions are always private: no list, map, tracking page or public
// figure ever shows one, and the platform keeps no list of petitioners —
// only of petitions. The petitioner is the case's reporter, whose personal
// data is stored encrypted and shown masked.
package petition

import (
	"slices"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/cases"
)

// Channel is how a petition came in (信访形式).
type Channel string

const (
	ChannelLetter Channel = "letter" // 来信
	ChannelVisit  Channel = "visit"  // 来访
	ChannelPhone  Channel = "phone"  // 来电
	ChannelWeb    Channel = "web"    // 网上信访
)

// Channels lists every channel.
var Channels = []Channel{ChannelLetter, ChannelVisit, ChannelPhone, ChannelWeb}

// Valid reports whether c is one of Channels.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// CaseChannel is the case channel a petition of channel c comes in by: a
// letter or a visit is the case's own, a call a hotline case, a web
// petition a web case. The case's channel is this, always (the case list's
// filter, the case page, the case's JSON), so that a petition's channel is
// decided in one place and shown wherever a case's is; the petition's own
// word for it (来电 rather than 热线) is its petition channel.
func (c Channel) CaseChannel() cases.Channel {
	switch c {
	case ChannelLetter:
		return cases.ChannelLetter
	case ChannelVisit:
		return cases.ChannelVisit
	case ChannelPhone:
		return cases.ChannelHotline
	case ChannelWeb:
		return cases.ChannelWeb
	}
	return ""
}

// Intake is what a petition carries beside its case: how it came in, and
// whether it is the petitioner's first petition on the matter (初信初访) or a
// repeat of an earlier one (重信重访). A repeat names the earlier petition
// it repeats (RepeatOf), where Anju holds it: Anju keeps no list of
// petitioners, so the matter is what links the two, and the earlier
// petition counts as not settled at first instance (package figures).
type Intake struct {
	Channel  Channel `json:"channel"`
	First    *bool   `json:"first"`
	RepeatOf int64   `json:"repeat_of,omitempty"`
}

// Validate checks the intake, naming the field at fault. A petition that
// names the one it repeats is no first petition: First follows from
// RepeatOf when not given.
func (in *Intake) Validate() error {
	if in.First == nil && in.RepeatOf != 0 {
		first := false
		in.First = &first
	}
	switch {
	case in.Channel == "":
		return anju.FieldError("channel", "say how the petition came in: letter, visit, phone or web")
	case !in.Channel.Valid():
		return anju.FieldError("channel", "unknown petition channel %q; one of %v", in.Channel, Channels)
	case in.First == nil:
		return anju.FieldError("first", "say whether this is the petitioner's first petition on the matter (初信初访), or name the earlier petition it repeats (repeat_of)")
	case *in.First && in.RepeatOf != 0:
		return anju.FieldError("repeat_of", "a first petition repeats no earlier one")
	case in.RepeatOf < 0:
		return anju.FieldError("repeat_of", "not a case")
	}
	return nil
}

// CheckRepeat refuses a repeat petition on a matter its earlier petition
// closed to petitions: after the re-review, or once the petitioner let the
// review or re-review window pass (Clock.AcceptsSameMatterAgain). Such a
// petition is taken in and recorded, but not accepted again (不再受理); the
// organ declines it and says why.
func CheckRepeat(earlier *Clock) error {
	if earlier.AcceptsSameMatterAgain() {
		return nil
	}
	if earlier.Stage() == StageFinal {
		return anju.Errorf(anju.ECONFLICT, "the earlier petition on this matter was finally concluded by its re-review; it is not accepted again (第三十六条): decline it")
	}
	return anju.Errorf(anju.ECONFLICT, "the petitioner did not ask for a review of the earlier petition on this matter in time; it is not accepted again: decline it")
}

// Action is a step of a petition.
type Action string

const (
	ActionAccept   Action = "accept"    // 受理, with the written notice (受理告知书)
	ActionDecline  Action = "decline"   // 不予受理: outside the remit, with where to turn (不予受理告知书)
	ActionExtend   Action = "extend"    // the one extension asked for, with its reason (第三十四条)
	ActionOpinion  Action = "opinion"   // the written opinion delivered: 处理意见书, 复查意见书 or 复核意见书
	ActionReview   Action = "review"    // the petitioner asks the organ above for a review (复查)
	ActionReReview Action = "re_review" // and then for a re-review (复核)
)

// Actions lists every step in the order a petition takes them.
var Actions = []Action{ActionAccept, ActionDecline, ActionExtend, ActionOpinion, ActionReview, ActionReReview}

// Rule is one row of the petition table: Action may be taken on a petition
// at stage From, carried by a case in any of CaseFrom, by any of Roles, and
// leaves it at To. CaseActions are the case workflow actions the step takes,
// in order, by the actor; the statutory clock moves with them (Clock.Apply),
// so a step and the plain case actions it is made of cannot disagree.
type Rule struct {
	Action      Action
	From        Stage
	To          Stage
	Roles       []anju.Role
	CaseFrom    []cases.State
	CaseActions []cases.Action
}

var (
	// The petition office takes petitions in and decides on them: the
	// case workflow's intake roles that may accept and reject.
	office = []anju.Role{anju.RoleOperator, anju.RoleDispatcher}
	// The department the petition is assigned to (承办单位) handles it.
	handlers = []anju.Role{anju.RoleHandler, anju.RoleMediator}
	// The office checks the department's result and delivers the opinion.
	issuers = []anju.Role{anju.RoleDispatcher}
	// A review is asked of the organ above; its leaders take it up.
	leaders = []anju.Role{anju.RoleSupervisor}
)

// TakesIn reports whether a holder of roles takes petitions in at the
// petition office (the office's intake page): the roles that decide on
// acceptance.
func TakesIn(roles ...anju.Role) bool {
	return slices.ContainsFunc(roles, func(r anju.Role) bool { return slices.Contains(office, r) })
}

// Rules is the petition table:
//
//	received → accepted (accept: the case is accepted)
//	received → declined (decline: the case is rejected with the reason)
//	accepted → accepted (extend: the department asks; the head approves with the case's approve_extension)
//	accepted → concluded (opinion: the case is verified and closed)
//	concluded → review_requested (review: the case is reopened and goes up a level)
//	review_requested → review_concluded (opinion)
//	review_concluded → re_review_requested (re_review: reopened and up a level again)
//	re_review_requested → final (opinion)
//
// Between the steps the case runs its ordinary workflow: dispatched to a
// department, started, resolved; the opinion is delivered once the
// department reported its result. A step whose case is already where a
// leading case action would take it skips that action (Plan).
var Rules = []Rule{
	{ActionAccept, StageReceived, StageAccepted, office, []cases.State{cases.StateSubmitted}, []cases.Action{cases.ActionAccept}},
	{ActionDecline, StageReceived, StageDeclined, office, []cases.State{cases.StateSubmitted}, []cases.Action{cases.ActionReject}},
	{ActionExtend, StageAccepted, StageAccepted, handlers, []cases.State{cases.StateDispatched, cases.StateInProgress},
		[]cases.Action{cases.ActionRequestExtension}},
	{ActionOpinion, StageAccepted, StageConcluded, issuers, []cases.State{cases.StateResolved, cases.StateVerified},
		[]cases.Action{cases.ActionVerify, cases.ActionClose}},
	{ActionOpinion, StageReviewRequested, StageReviewConcluded, issuers, []cases.State{cases.StateResolved, cases.StateVerified},
		[]cases.Action{cases.ActionVerify, cases.ActionClose}},
	{ActionOpinion, StageReReviewRequested, StageFinal, issuers, []cases.State{cases.StateResolved, cases.StateVerified},
		[]cases.Action{cases.ActionVerify, cases.ActionClose}},
	{ActionReview, StageConcluded, StageReviewRequested, leaders, []cases.State{cases.StateClosed, cases.StateRated},
		[]cases.Action{cases.ActionReopen, cases.ActionEscalate}},
	{ActionReReview, StageReviewConcluded, StageReReviewRequested, leaders, []cases.State{cases.StateClosed, cases.StateRated},
		[]cases.Action{cases.ActionReopen, cases.ActionEscalate}},
}

// Plan is the case actions rule r takes on a case in state s: a verified
// case is not verified again.
func (r Rule) Plan(s cases.State) []cases.Action {
	if s == cases.StateVerified && len(r.CaseActions) > 0 && r.CaseActions[0] == cases.ActionVerify {
		return slices.Clone(r.CaseActions[1:])
	}
	return slices.Clone(r.CaseActions)
}

// Transition returns the rule that takes a petition at stage s, carried by
// a case in caseState, through action a by a party holding roles: EINVALID
// naming "action" for an unknown action, ECONFLICT when the stage or the
// case's state does not allow it, EFORBIDDEN when none of roles may take
// it.
func Transition(s Stage, caseState cases.State, a Action, roles ...anju.Role) (Rule, error) {
	if !slices.Contains(Actions, a) {
		return Rule{}, anju.FieldError("action", "unknown petition step %q", a)
	}
	i := slices.IndexFunc(Rules, func(r Rule) bool { return r.Action == a && r.From == s })
	if i < 0 {
		return Rule{}, anju.Errorf(anju.ECONFLICT, "cannot record %s on a petition that is %s", actionWords[a], stageWords[s])
	}
	r := Rules[i]
	if err := cases.CheckStep(actionWords[a], r.Roles, r.CaseFrom, roles, caseState); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// Allowed lists, in table order, the steps a holder of roles may take on a
// petition at stage s carried by a case in caseState.
func Allowed(s Stage, caseState cases.State, roles ...anju.Role) []Action {
	var out []Action
	for _, a := range Actions {
		if _, err := Transition(s, caseState, a, roles...); err == nil {
			out = append(out, a)
		}
	}
	return out
}

var actionWords = map[Action]string{
	ActionAccept: "the acceptance", ActionDecline: "a decision not to accept", ActionExtend: "an extension",
	ActionOpinion: "a written opinion", ActionReview: "a request for review", ActionReReview: "a request for re-review",
}

// Limits of what a step records.
const (
	MaxText  = 5000
	MaxRefer = 200
)

// Document is a written document a petition step issues: the notice of
// acceptance or of non-acceptance, and the opinions.
type Document string

const (
	DocAcceptNotice    Document = "accept_notice"     // 受理告知书
	DocDeclineNotice   Document = "decline_notice"    // 不予受理告知书
	DocOpinion         Document = "opinion"           // 信访事项处理意见书
	DocReviewOpinion   Document = "review_opinion"    // 复查意见书
	DocReReviewOpinion Document = "re_review_opinion" // 复核意见书
)

// DocumentOf is the document the opinion step issues at stage s (the
// stage the rule leaves from), and the notices of accept and decline.
func DocumentOf(a Action, from Stage) Document {
	switch a {
	case ActionAccept:
		return DocAcceptNotice
	case ActionDecline:
		return DocDeclineNotice
	case ActionOpinion:
		switch from {
		case StageReviewRequested:
			return DocReviewOpinion
		case StageReReviewRequested:
			return DocReReviewOpinion
		}
		return DocOpinion
	}
	return ""
}

// Acceptance is the acceptance decision and what its written notice tells
// the petitioner: how the matter will be handled (处理途径和程序).
type Acceptance struct {
	Notice string `json:"notice"`
}

// Validate cleans and checks the notice.
func (a *Acceptance) Validate() error {
	a.Notice = anju.CleanText(a.Notice)
	return text("notice", a.Notice, "say in the notice how the matter will be handled")
}

// Declining is the decision not to accept and where the petitioner should
// turn instead (第二十二条).
type Declining struct {
	Reason  string `json:"reason"`
	ReferTo string `json:"refer_to"`
}

// Validate cleans and checks the decision.
func (d *Declining) Validate() error {
	d.Reason, d.ReferTo = anju.CleanText(d.Reason), anju.CleanText(d.ReferTo)
	if err := text("reason", d.Reason, "say why the petition is not accepted"); err != nil {
		return err
	}
	switch {
	case anju.Blank(d.ReferTo):
		return anju.FieldError("refer_to", "say which organ the petitioner should turn to")
	case utf8.RuneCountInString(d.ReferTo) > MaxRefer:
		return anju.FieldError("refer_to", "longer than %d characters", MaxRefer)
	}
	return nil
}

// ExtensionRequest is the department's request for the one extension.
type ExtensionRequest struct {
	Reason string `json:"reason"`
	Days   int    `json:"days"`
}

// Validate cleans and checks the request; the clock checks it against the
// petition (Clock.CheckExtension).
func (e *ExtensionRequest) Validate() error {
	e.Reason = anju.CleanText(e.Reason)
	if err := text("reason", e.Reason, "say why more time is needed; the petitioner is told"); err != nil {
		return err
	}
	if e.Days < 1 || e.Days > MaxExtensionDays {
		return anju.FieldError("days", "an extension is 1 to %d days (第三十四条)", MaxExtensionDays)
	}
	return nil
}

// Finding is what a written opinion decides on the petitioner's request:
// supported, partly supported, or not supported (支持、部分支持、不支持).
type Finding string

const (
	Supported       Finding = "supported"
	PartlySupported Finding = "partly_supported"
	NotSupported    Finding = "not_supported"
)

// Findings lists every finding.
var Findings = []Finding{Supported, PartlySupported, NotSupported}

// Outcome is the case outcome an opinion with finding f closes its case
// with.
func (f Finding) Outcome() cases.Outcome {
	switch f {
	case Supported:
		return cases.OutcomeSolved
	case PartlySupported:
		return cases.OutcomePartlySolved
	}
	return cases.OutcomeExplained
}

// Opinion is a written opinion as delivered to the petitioner: the facts
// established and the reasons, and what it decides.
type Opinion struct {
	Text    string  `json:"text"`
	Finding Finding `json:"finding"`
}

// Validate cleans and checks the opinion.
func (o *Opinion) Validate() error {
	o.Text = anju.CleanText(o.Text)
	if err := text("text", o.Text, "write the opinion: the facts, the reasons and the decision"); err != nil {
		return err
	}
	switch {
	case o.Finding == "":
		return anju.FieldError("finding", "say whether the request is supported, partly supported or not supported")
	case !slices.Contains(Findings, o.Finding):
		return anju.FieldError("finding", "unknown finding %q; one of %v", o.Finding, Findings)
	}
	return nil
}

// ReviewRequest is the petitioner's request for review or re-review, as the
// organ above received it: why they do not accept the opinion.
type ReviewRequest struct {
	Reason string `json:"reason"`
}

// Validate cleans and checks the request; the clock checks its window.
func (r *ReviewRequest) Validate() error {
	r.Reason = anju.CleanText(r.Reason)
	return text("reason", r.Reason, "say why the petitioner does not accept the opinion")
}

func text(field, s, missing string) error {
	switch {
	case anju.Blank(s):
		return anju.FieldError(field, "%s", missing)
	case utf8.RuneCountInString(s) > MaxText:
		return anju.FieldError(field, "longer than %d characters", MaxText)
	}
	return nil
}
