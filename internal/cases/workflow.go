package cases

import (
	"fmt"
	"slices"
	"strings"

	"anju/internal/anju"
)

// Action is something done to a case.
type Action string

const (
	ActionAccept           Action = "accept"
	ActionReject           Action = "reject"            // needs Reason
	ActionDispatch         Action = "dispatch"          // needs Department
	ActionReturn           Action = "return"            // the department says it is not theirs; needs Reason
	ActionStart            Action = "start"             // the department signs for it (签收)
	ActionResolve          Action = "resolve"           // needs Result; Evidence optional
	ActionFailVerification Action = "fail_verification" // the check found it not done; back to the department; needs Reason
	ActionVerify           Action = "verify"            // needs Method
	ActionClose            Action = "close"             // needs Outcome (and Reason or WhoIs for some)
	ActionRate             Action = "rate"              // needs Rating; Note is the reporter's comment
	ActionReopen           Action = "reopen"            // needs Reason
	ActionRequestExtension Action = "request_extension" // needs Reason and Days
	ActionApproveExtension Action = "approve_extension"
	ActionDenyExtension    Action = "deny_extension" // needs Reason
	ActionEscalate         Action = "escalate"       // to the next level up; needs Reason
	ActionMerge            Action = "merge"          // into the case Target, as a duplicate
	ActionSupervise        Action = "supervise"      // 督办; needs Card
	ActionComment          Action = "comment"        // needs Note
)

// Actions lists every action in workflow order.
var Actions = []Action{ActionAccept, ActionReject, ActionDispatch, ActionReturn,
	ActionStart, ActionResolve, ActionFailVerification, ActionVerify, ActionClose,
	ActionRate, ActionReopen, ActionRequestExtension, ActionApproveExtension,
	ActionDenyExtension, ActionEscalate, ActionMerge, ActionSupervise, ActionComment}

// Parties that are not roles one is granted but stand in the table next to
// them. The caller adds them to the roles it passes to Transition.
const (
	// RoleReporter is whoever reported the case. A resident's rights over a
	// case (rate, reopen, confirm, comment) come from owning it, not from the
	// resident role, so the store passes RoleReporter when the actor is the
	// case's reporter.
	RoleReporter anju.Role = "reporter"
	// RoleSystem is the platform acting by itself: the scheduler issuing
	// supervision cards and escalating overdue cases. The store passes it
	// for an anju.Actor with System set.
	RoleSystem anju.Role = "system"
)

// Input is what an actor supplies with an action. Each action reads only
// the fields it needs (see Rule.Requires); the rest are ignored.
type Input struct {
	Reason     string       `json:"reason,omitempty"`
	Note       string       `json:"note,omitempty"` // free text; the comment itself for comment, the reporter's remark for rate
	Department string       `json:"department,omitempty"`
	Result     string       `json:"result,omitempty"`
	Evidence   []string     `json:"evidence,omitempty"` // attachment references
	Method     VerifyMethod `json:"method,omitempty"`
	Outcome    Outcome      `json:"outcome,omitempty"`
	WhoIs      string       `json:"who_is,omitempty"` // for not_remit: who can solve it (court, company, …)
	Rating     Rating       `json:"rating,omitempty"`
	Days       int          `json:"days,omitempty"` // extension, in working days
	Card       Card         `json:"card,omitempty"`
	Target     int64        `json:"target,omitempty"` // the case to merge into
}

// Rule is one row of the workflow: Action may be taken on a case in any of
// the From states by any of Roles, needs the Requires fields of Input, and
// leaves the case in To. An empty To means the state does not change: a side
// action (comment, supervise, the extension actions).
type Rule struct {
	Action   Action
	From     []State
	To       State
	Roles    []anju.Role
	Requires []string
}

// openStates are the states a case is being worked in.
var openStates = []State{StateSubmitted, StateAccepted, StateDispatched,
	StateReturned, StateInProgress, StateResolved, StateVerified}

// withDepartment are the states in which a department holds the case.
var withDepartment = []State{StateDispatched, StateInProgress}

var (
	intake     = []anju.Role{anju.RoleOperator, anju.RoleDispatcher, anju.RoleGridWorker}
	handler    = []anju.Role{anju.RoleHandler, anju.RoleMediator} // a mediator handles disputes dispatched to a mediation committee
	checker    = []anju.Role{anju.RoleGridWorker, anju.RoleDispatcher}
	deciders   = []anju.Role{anju.RoleDispatcher, anju.RoleSupervisor}
	escalators = []anju.Role{anju.RoleGridWorker, anju.RoleDispatcher, anju.RoleSupervisor, RoleSystem}
	// The platform accepts, dispatches and closes the cases its own
	// registers raise: a hazard inspection's finding goes to the hazard's
	// supervising department, and a re-inspection that finds it rectified
	// closes it (package hazard). Only code not driven by a request builds
	// a system actor.
	accepters   = append(slices.Clone(intake), RoleSystem)
	dispatchers = []anju.Role{anju.RoleDispatcher, RoleSystem}
	// Everyone who takes part in a case may comment; auditors only read and
	// administrators run the platform, not cases.
	commenters = []anju.Role{anju.RoleOperator, anju.RoleGridWorker, anju.RoleDispatcher,
		anju.RoleHandler, anju.RoleSupervisor, anju.RoleMediator, RoleReporter, RoleSystem}
)

// rules is the workflow (GB/T 30428 and 12345 接诉即办 practice):
//
//	submitted → accepted | rejected
//	accepted → dispatched → in_progress → resolved → verified → closed → rated
//	dispatched/in_progress → returned → dispatched (to another department)
//	resolved → in_progress (verification failed)
//	closed/rated → accepted (reopened, to be dispatched again)
//	any working state → merged (a duplicate)
//	escalate: up one level, back to accepted (submitted stays submitted)
//
// Rated is a state rather than a flag on closed because the table then
// enforces that a closure is rated once, a closed case still waiting for its
// rating is a queue ("awaiting rating"), and the rating is an event like any
// other; the rating itself is Case.Rating. A reopened case goes back to
// accepted, not straight to its department, so that a dispatcher decides who
// redoes it, and its clocks start again.
var rules = []Rule{
	{ActionAccept, []State{StateSubmitted}, StateAccepted, accepters, nil},
	{ActionReject, []State{StateSubmitted}, StateRejected, intake, []string{"reason"}},
	{ActionDispatch, []State{StateAccepted, StateReturned}, StateDispatched, dispatchers, []string{"department"}},
	{ActionReturn, withDepartment, StateReturned, handler, []string{"reason"}},
	{ActionStart, []State{StateDispatched}, StateInProgress, handler, nil},
	{ActionResolve, []State{StateInProgress}, StateResolved, handler, []string{"result"}},
	{ActionFailVerification, []State{StateResolved}, StateInProgress, checker, []string{"reason"}},
	{ActionVerify, []State{StateResolved}, StateVerified, append(slices.Clone(checker), RoleReporter), []string{"method"}},
	{ActionClose, []State{StateVerified}, StateClosed, dispatchers, []string{"outcome"}},
	// An operator records the rating the reporter gives on the return call
	// (回访), as 12345 centres do for reports taken by phone.
	{ActionRate, []State{StateClosed}, StateRated, []anju.Role{RoleReporter, anju.RoleOperator}, []string{"rating"}},
	{ActionReopen, []State{StateClosed, StateRated}, StateAccepted, []anju.Role{RoleReporter, anju.RoleSupervisor}, []string{"reason"}},
	{ActionRequestExtension, withDepartment, "", handler, []string{"reason", "days"}},
	{ActionApproveExtension, withDepartment, "", deciders, nil},
	{ActionDenyExtension, withDepartment, "", deciders, []string{"reason"}},
	{ActionEscalate, []State{StateSubmitted}, StateSubmitted, escalators, []string{"reason"}},
	{ActionEscalate, []State{StateAccepted, StateDispatched, StateReturned, StateInProgress}, StateAccepted, escalators, []string{"reason"}},
	{ActionMerge, []State{StateSubmitted, StateAccepted, StateDispatched, StateReturned, StateInProgress}, StateMerged,
		[]anju.Role{anju.RoleOperator, anju.RoleDispatcher}, []string{"target"}},
	{ActionSupervise, openStates, "", []anju.Role{anju.RoleSupervisor, RoleSystem}, []string{"card"}},
	{ActionComment, States, "", commenters, []string{"note"}},
}

// optionalInputs are the inputs an action reads when they are given, beyond
// its rule's Requires (see apply): a note on most, and on a closure the
// reason and the party who can solve it, which only some outcomes require.
// A form offers them; the table's Requires are what it must insist on.
var optionalInputs = map[Action][]string{
	ActionAccept: {"note"}, ActionDispatch: {"note"}, ActionStart: {"note"}, ActionVerify: {"note"},
	ActionClose: {"reason", "who_is", "note"}, ActionRate: {"note"}, ActionApproveExtension: {"note"},
	ActionMerge: {"note"}, ActionSupervise: {"reason", "note"},
}

// OptionalInputs returns the fields of Input that action a takes when given
// but does not require, by their JSON names.
func OptionalInputs(a Action) []string { return slices.Clone(optionalInputs[a]) }

// Rules returns the workflow table, for documentation and for UIs that show
// which actions exist. The result is a copy.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	for i, r := range rules {
		out[i] = Rule{r.Action, slices.Clone(r.From), r.To, slices.Clone(r.Roles), slices.Clone(r.Requires)}
	}
	return out
}

// RuleFor returns the rule for taking action a in state s, if there is one.
func RuleFor(s State, a Action) (Rule, bool) {
	for _, r := range rules {
		if r.Action == a && slices.Contains(r.From, s) {
			return r, true
		}
	}
	return Rule{}, false
}

// AllowedActions returns, in workflow order, the actions that the holder of
// any of roles may take on a case in state s according to the table. It does
// not look at the case's details, so Transition may still refuse one (an
// extension approved when none is pending, a case its reporter rated
// satisfied reopened by the reporter).
func AllowedActions(s State, roles ...anju.Role) []Action {
	var out []Action
	for _, r := range rules {
		if slices.Contains(r.From, s) && hasAny(r.Roles, roles) && !slices.Contains(out, r.Action) {
			out = append(out, r.Action)
		}
	}
	return out
}

func hasAny(allowed, held []anju.Role) bool {
	for _, r := range held {
		if slices.Contains(allowed, r) {
			return true
		}
	}
	return false
}

// Event is what a transition appends to the case's history. The store adds
// the case, the actor and the time.
type Event struct {
	Action  Action `json:"action"`
	From    State  `json:"from"`
	To      State  `json:"to"`
	Note    string `json:"note,omitempty"`
	Version int64  `json:"version"` // the case's version after the event
}

// Result is the outcome of a transition: the case as it is after the action,
// with Version incremented, and the event to append.
type Result struct {
	Case  Case
	Event Event
}

var verbs = map[Action]string{
	ActionAccept: "accept", ActionReject: "reject", ActionDispatch: "dispatch",
	ActionReturn: "return", ActionStart: "start work on", ActionResolve: "resolve",
	ActionFailVerification: "send back", ActionVerify: "verify", ActionClose: "close",
	ActionRate: "rate", ActionReopen: "reopen",
	ActionRequestExtension: "request an extension for", ActionApproveExtension: "approve an extension for",
	ActionDenyExtension: "deny an extension for", ActionEscalate: "escalate", ActionMerge: "merge",
	ActionSupervise: "supervise", ActionComment: "comment on",
}

func (s State) words() string { return strings.ReplaceAll(string(s), "_", " ") }

// Transition applies action a, with input in, taken by a party holding roles
// (anju roles plus RoleReporter and RoleSystem where they apply), to the case
// c. It is pure: c is not modified. It returns
//   - EINVALID (Field "action" or "state") for an unknown action or state;
//   - ECONFLICT when the table does not allow a in c's state ("cannot
//     dispatch a case that is closed"), or when the case's details forbid it
//     (no extension pending, merging into itself is EINVALID instead);
//   - EFORBIDDEN when none of roles may take a;
//   - EINVALID with Field set for a missing or bad input field.
//
// It does not check the actor's region or department scope, nor the version
// against the store; the store does both.
func Transition(c Case, a Action, in Input, roles ...anju.Role) (Result, error) {
	rule, err := permitted(c, a, roles)
	if err != nil {
		return Result{}, err
	}
	next := c
	next.Evidence = slices.Clone(c.Evidence)
	note, err := apply(&next, a, in.Clean(), roles)
	if err != nil {
		return Result{}, err
	}
	if rule.To != "" {
		next.State = rule.To
	}
	if !slices.Contains(withDepartment, next.State) {
		// An extension is asked for while a department holds the case; a
		// pending request lapses when it leaves them.
		next.ExtensionDays = 0
	}
	next.Version = c.Version + 1
	return Result{
		Case:  next,
		Event: Event{Action: a, From: c.State, To: next.State, Note: note, Version: next.Version},
	}, nil
}

// Permitted tells whether a party holding roles may take action a on c in
// its state, before its input is known: the checks of Transition that come
// first, with the same errors (ECONFLICT for the state, EFORBIDDEN for the
// role). An edge asks it before reading a costly request body.
func Permitted(c Case, a Action, roles ...anju.Role) error {
	_, err := permitted(c, a, roles)
	return err
}

func permitted(c Case, a Action, roles []anju.Role) (Rule, error) {
	verb, ok := verbs[a]
	if !ok {
		return Rule{}, anju.FieldError("action", "unknown action %q", a)
	}
	if !c.State.Valid() {
		return Rule{}, anju.FieldError("state", "unknown case state %q", c.State)
	}
	rule, ok := RuleFor(c.State, a)
	if !ok {
		return Rule{}, anju.Errorf(anju.ECONFLICT, "cannot %s a case that is %s", verb, c.State.words())
	}
	if !hasAny(rule.Roles, roles) {
		return Rule{}, anju.Errorf(anju.EFORBIDDEN, "only %s may %s a case", roleList(rule.Roles), verb)
	}
	return rule, nil
}

// apply checks the case's details and the input for action a and records
// the action's effect on c. It returns the event's note.
func apply(c *Case, a Action, in Input, roles []anju.Role) (string, error) {
	switch a {
	case ActionAccept, ActionStart:
		return in.Note, nil

	case ActionReject:
		if blank(in.Reason) {
			return "", anju.FieldError("reason", "say why the case is rejected")
		}
		return in.Reason, nil

	case ActionDispatch:
		if blank(in.Department) {
			return "", anju.FieldError("department", "choose the department to dispatch to")
		}
		c.Department = in.Department
		return join("to "+in.Department, in.Note), nil

	case ActionReturn:
		if blank(in.Reason) {
			return "", anju.FieldError("reason", "say why the case is not for this department")
		}
		dept := c.Department
		c.Department = ""
		return join("returned by "+dept, in.Reason), nil

	case ActionResolve:
		if blank(in.Result) {
			return "", anju.FieldError("result", "describe what was done")
		}
		c.Result, c.Evidence = in.Result, slices.Clone(in.Evidence)
		return in.Result, nil

	case ActionFailVerification:
		if blank(in.Reason) {
			return "", anju.FieldError("reason", "say what the check found still undone")
		}
		c.Verified = ""
		return in.Reason, nil

	case ActionVerify:
		switch in.Method {
		case VerifyOnSite, VerifyReporter:
		case "":
			return "", anju.FieldError("method", "say how the result was verified: on site or by the reporter")
		default:
			return "", anju.FieldError("method", "unknown verification method %q", in.Method)
		}
		if in.Method == VerifyOnSite && !hasAny(checker, roles) {
			return "", anju.FieldError("method", "a reporter confirms the result; an on-site check is done by staff")
		}
		c.Verified = in.Method
		return join(string(in.Method), in.Note), nil

	case ActionClose:
		switch {
		case in.Outcome == "":
			return "", anju.FieldError("outcome", "choose how the case ended")
		case !in.Outcome.Valid():
			return "", anju.FieldError("outcome", "unknown outcome %q", in.Outcome)
		case in.Outcome == OutcomeNotSolvableNow && blank(in.Reason):
			return "", anju.FieldError("reason", "say why it cannot be solved now")
		case in.Outcome == OutcomeNotRemit && blank(in.WhoIs):
			return "", anju.FieldError("who_is", "say who can solve it")
		}
		c.Outcome = in.Outcome
		return join(string(in.Outcome), in.Reason, in.WhoIs, in.Note), nil

	case ActionRate:
		switch {
		case in.Rating == "":
			return "", anju.FieldError("rating", "choose a rating")
		case !in.Rating.Valid():
			return "", anju.FieldError("rating", "unknown rating %q", in.Rating)
		}
		c.Rating = in.Rating
		return join(string(in.Rating), in.Note), nil

	case ActionReopen:
		if !slices.Contains(roles, anju.RoleSupervisor) {
			// Only the reporter's own right is limited here; a supervisor
			// may reopen anything.
			if c.Kind == KindPetition {
				return "", anju.Errorf(anju.ECONFLICT, "a petitioner who disagrees asks the next level up for a review (复查); a petition is not reopened")
			}
			if c.State == StateRated && c.Rating != RatingUnsatisfied {
				return "", anju.Errorf(anju.ECONFLICT, "a case its reporter rated %s cannot be reopened by the reporter", strings.ReplaceAll(string(c.Rating), "_", " "))
			}
		}
		if blank(in.Reason) {
			return "", anju.FieldError("reason", "say why the case is reopened")
		}
		c.Department, c.Result, c.Evidence, c.Verified = "", "", nil, ""
		c.Outcome, c.Rating, c.Card = "", "", ""
		c.Reopened++
		return in.Reason, nil

	case ActionRequestExtension:
		if c.ExtensionDays > 0 {
			return "", anju.Errorf(anju.ECONFLICT, "an extension of %d working days is already waiting for a decision", c.ExtensionDays)
		}
		if blank(in.Reason) {
			return "", anju.FieldError("reason", "say why more time is needed")
		}
		if in.Days <= 0 {
			return "", anju.FieldError("days", "ask for a positive number of working days")
		}
		c.ExtensionDays = in.Days
		return join(fmt.Sprintf("%d working days", in.Days), in.Reason), nil

	case ActionApproveExtension, ActionDenyExtension:
		if c.ExtensionDays == 0 {
			return "", anju.Errorf(anju.ECONFLICT, "no extension request is waiting for a decision")
		}
		days := c.ExtensionDays
		if a == ActionDenyExtension {
			if blank(in.Reason) {
				return "", anju.FieldError("reason", "say why the extension is denied")
			}
			c.ExtensionDays = 0
			return join(fmt.Sprintf("%d working days denied", days), in.Reason), nil
		}
		c.ExtendedDays += days
		c.ExtensionDays = 0
		return join(fmt.Sprintf("%d working days granted", days), in.Note), nil

	case ActionEscalate:
		if blank(in.Reason) {
			return "", anju.FieldError("reason", "say why the case goes up a level")
		}
		c.Escalations++
		c.Department = ""
		return in.Reason, nil

	case ActionMerge:
		if in.Target == 0 {
			return "", anju.FieldError("target", "choose the case this one duplicates")
		}
		if in.Target == c.ID {
			return "", anju.FieldError("target", "a case cannot be merged into itself")
		}
		c.MergedInto = in.Target
		return join(fmt.Sprintf("into case %d", in.Target), in.Note), nil

	case ActionSupervise:
		switch in.Card {
		case CardYellow, CardRed:
		case "":
			return "", anju.FieldError("card", "choose a yellow or red card")
		default:
			return "", anju.FieldError("card", "unknown card %q", in.Card)
		}
		// A red card is not undone by a later yellow one.
		if c.Card != CardRed {
			c.Card = in.Card
		}
		return join(string(in.Card)+" card", in.Reason, in.Note), nil

	case ActionComment:
		if blank(in.Note) {
			return "", anju.FieldError("note", "write the comment")
		}
		return in.Note, nil
	}
	return "", anju.Errorf(anju.EINTERNAL, "action %q has no effect defined", a)
}

func blank(s string) bool { return anju.Blank(s) }

// Clean returns in with its free text cleaned (anju.CleanText): a reason,
// note, result or answer of nothing visible is then blank, and is refused
// where the action needs it.
func (in Input) Clean() Input {
	in.Reason, in.Note, in.Result, in.WhoIs = anju.CleanText(in.Reason), anju.CleanText(in.Note), anju.CleanText(in.Result), anju.CleanText(in.WhoIs)
	return in
}

// join makes an event note from its non-empty parts.
func join(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if !blank(p) {
			keep = append(keep, strings.TrimSpace(p))
		}
	}
	return strings.Join(keep, ": ")
}

func roleList(roles []anju.Role) string {
	// The system is never the one told who may act.
	names := make([]string, 0, len(roles))
	for _, r := range roles {
		if r == RoleSystem {
			continue
		}
		n := strings.ReplaceAll(string(r), "_", " ")
		if strings.ContainsRune("aeiou", rune(n[0])) {
			names = append(names, "an "+n)
		} else {
			names = append(names, "a "+n)
		}
	}
	switch len(names) {
	case 0:
		return "the platform"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
