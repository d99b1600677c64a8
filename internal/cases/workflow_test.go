package cases

import (
	"slices"
	"strings"
	"testing"

	"anju/internal/anju"
)

// everyone holds every role and party, so that only the state decides.
var everyone = append(slices.Clone(anju.Roles), RoleReporter, RoleSystem)

// same marks a side action that leaves the state unchanged.
const same State = "(same)"

// want is the workflow written out by hand, independently of the table in
// workflow.go: for each state, the actions allowed and the state they lead
// to. Every pair not listed must be refused with ECONFLICT.
var want = map[State]map[Action]State{
	StateSubmitted: {ActionAccept: StateAccepted, ActionReject: StateRejected, ActionEscalate: StateSubmitted,
		ActionMerge: StateMerged, ActionSupervise: same, ActionComment: same},
	StateAccepted: {ActionDispatch: StateDispatched, ActionEscalate: StateAccepted, ActionMerge: StateMerged,
		ActionSupervise: same, ActionComment: same},
	StateRejected: {ActionComment: same},
	StateDispatched: {ActionReturn: StateReturned, ActionStart: StateInProgress,
		ActionRequestExtension: same, ActionApproveExtension: same, ActionDenyExtension: same,
		ActionEscalate: StateAccepted, ActionMerge: StateMerged, ActionSupervise: same, ActionComment: same},
	StateReturned: {ActionDispatch: StateDispatched, ActionEscalate: StateAccepted, ActionMerge: StateMerged,
		ActionSupervise: same, ActionComment: same},
	StateInProgress: {ActionReturn: StateReturned, ActionResolve: StateResolved,
		ActionRequestExtension: same, ActionApproveExtension: same, ActionDenyExtension: same,
		ActionEscalate: StateAccepted, ActionMerge: StateMerged, ActionSupervise: same, ActionComment: same},
	StateResolved: {ActionFailVerification: StateInProgress, ActionVerify: StateVerified,
		ActionSupervise: same, ActionComment: same},
	StateVerified: {ActionClose: StateClosed, ActionSupervise: same, ActionComment: same},
	StateClosed:   {ActionRate: StateRated, ActionReopen: StateAccepted, ActionComment: same},
	StateRated:    {ActionReopen: StateAccepted, ActionComment: same},
	StateMerged:   {ActionComment: same},
}

// good is a complete, valid input for every action.
func good(a Action) Input {
	in := Input{Note: "note", Reason: "reason"}
	switch a {
	case ActionDispatch:
		in.Department = "城管局"
	case ActionResolve:
		in.Result = "已清理 cleared"
		in.Evidence = []string{"att-1"}
	case ActionVerify:
		in.Method = VerifyOnSite
	case ActionClose:
		in.Outcome = OutcomeSolved
	case ActionRate:
		in.Rating = RatingUnsatisfied
	case ActionRequestExtension:
		in.Days = 5
	case ActionMerge:
		in.Target = 99
	case ActionSupervise:
		in.Card = CardYellow
	}
	return in
}

// caseIn returns a case in state s whose details let action a proceed.
func caseIn(s State, a Action) Case {
	c := Case{ID: 7, Kind: KindRequest, Channel: ChannelHotline, Priority: PriorityNormal, State: s, Version: 3}
	if s == StateDispatched || s == StateInProgress {
		c.Department = "城管局"
	}
	if a == ActionApproveExtension || a == ActionDenyExtension {
		c.ExtensionDays = 3
	}
	return c
}

func TestEveryStateActionPair(t *testing.T) {
	if len(want) != len(States) {
		t.Fatalf("want covers %d states, there are %d", len(want), len(States))
	}
	pairs := 0
	for _, s := range States {
		for _, a := range Actions {
			pairs++
			to, allowed := want[s][a]
			res, err := Transition(caseIn(s, a), a, good(a), everyone...)
			if !allowed {
				if anju.ErrorCode(err) != anju.ECONFLICT {
					t.Errorf("%s on %s: error %v, want ECONFLICT", a, s, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s on %s: %v", a, s, err)
				continue
			}
			if to == same {
				to = s
			}
			if res.Case.State != to || res.Event.From != s || res.Event.To != to || res.Event.Action != a {
				t.Errorf("%s on %s: case %s, event %+v; want %s", a, s, res.Case.State, res.Event, to)
			}
			if res.Case.Version != 4 || res.Event.Version != 4 {
				t.Errorf("%s on %s: version %d, want 4", a, s, res.Case.Version)
			}
		}
	}
	if pairs != 11*18 {
		t.Errorf("covered %d pairs", pairs)
	}
}

func TestConflictMessage(t *testing.T) {
	_, err := Transition(Case{State: StateClosed}, ActionDispatch, good(ActionDispatch), everyone...)
	if anju.ErrorMessage(err) != "cannot dispatch a case that is closed" {
		t.Errorf("message %q", anju.ErrorMessage(err))
	}
	_, err = Transition(Case{State: StateInProgress}, ActionStart, Input{}, everyone...)
	if anju.ErrorMessage(err) != "cannot start work on a case that is in progress" {
		t.Errorf("message %q", anju.ErrorMessage(err))
	}
}

func TestUnknownActionAndState(t *testing.T) {
	_, err := Transition(Case{State: StateSubmitted}, "teleport", Input{}, everyone...)
	if anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != "action" {
		t.Errorf("unknown action: %v", err)
	}
	_, err = Transition(Case{State: "limbo"}, ActionAccept, Input{}, everyone...)
	if anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != "state" {
		t.Errorf("unknown state: %v", err)
	}
}

// roles is who may take each action, written out by hand.
var roles = map[Action][]anju.Role{
	ActionAccept:           {anju.RoleOperator, anju.RoleDispatcher, anju.RoleGridWorker, RoleSystem},
	ActionReject:           {anju.RoleOperator, anju.RoleDispatcher, anju.RoleGridWorker},
	ActionDispatch:         {anju.RoleDispatcher, RoleSystem},
	ActionReturn:           {anju.RoleHandler, anju.RoleMediator},
	ActionStart:            {anju.RoleHandler, anju.RoleMediator},
	ActionResolve:          {anju.RoleHandler, anju.RoleMediator},
	ActionFailVerification: {anju.RoleGridWorker, anju.RoleDispatcher},
	ActionVerify:           {anju.RoleGridWorker, anju.RoleDispatcher, RoleReporter},
	ActionClose:            {anju.RoleDispatcher, RoleSystem},
	ActionRate:             {RoleReporter, anju.RoleOperator},
	ActionReopen:           {RoleReporter, anju.RoleSupervisor},
	ActionRequestExtension: {anju.RoleHandler, anju.RoleMediator},
	ActionApproveExtension: {anju.RoleDispatcher, anju.RoleSupervisor},
	ActionDenyExtension:    {anju.RoleDispatcher, anju.RoleSupervisor},
	ActionEscalate:         {anju.RoleGridWorker, anju.RoleDispatcher, anju.RoleSupervisor, RoleSystem},
	ActionMerge:            {anju.RoleOperator, anju.RoleDispatcher},
	ActionSupervise:        {anju.RoleSupervisor, RoleSystem},
	ActionComment: {anju.RoleOperator, anju.RoleGridWorker, anju.RoleDispatcher, anju.RoleHandler,
		anju.RoleSupervisor, anju.RoleMediator, RoleReporter, RoleSystem},
}

func TestRoles(t *testing.T) {
	for _, a := range Actions {
		// A state in which a is allowed.
		var s State
		for _, st := range States {
			if _, ok := want[st][a]; ok {
				s = st
				break
			}
		}
		for _, r := range everyone {
			in := good(a)
			if a == ActionVerify && r == RoleReporter {
				in.Method = VerifyReporter
			}
			_, err := Transition(caseIn(s, a), a, in, r)
			may := slices.Contains(roles[a], r)
			switch {
			case may && err != nil:
				t.Errorf("%s by %s on %s: %v", a, r, s, err)
			case !may && anju.ErrorCode(err) != anju.EFORBIDDEN:
				t.Errorf("%s by %s on %s: error %v, want EFORBIDDEN", a, r, s, err)
			}
		}
	}
	_, err := Transition(Case{State: StateAccepted}, ActionDispatch, good(ActionDispatch), anju.RoleResident)
	if got := anju.ErrorMessage(err); got != "only a dispatcher may dispatch a case" {
		t.Errorf("message %q", got)
	}
	_, err = Transition(Case{State: StateSubmitted}, ActionAccept, Input{})
	if anju.ErrorCode(err) != anju.EFORBIDDEN {
		t.Errorf("no roles at all: %v", err)
	}
}

func TestRequiredFields(t *testing.T) {
	tests := []struct {
		action Action
		state  State
		clear  func(*Input)
		field  string
	}{
		{ActionReject, StateSubmitted, func(in *Input) { in.Reason = " " }, "reason"},
		{ActionDispatch, StateAccepted, func(in *Input) { in.Department = "" }, "department"},
		{ActionReturn, StateDispatched, func(in *Input) { in.Reason = "" }, "reason"},
		{ActionResolve, StateInProgress, func(in *Input) { in.Result = "" }, "result"},
		{ActionFailVerification, StateResolved, func(in *Input) { in.Reason = "" }, "reason"},
		{ActionVerify, StateResolved, func(in *Input) { in.Method = "" }, "method"},
		{ActionVerify, StateResolved, func(in *Input) { in.Method = "psychic" }, "method"},
		{ActionClose, StateVerified, func(in *Input) { in.Outcome = "" }, "outcome"},
		{ActionClose, StateVerified, func(in *Input) { in.Outcome = "vanished" }, "outcome"},
		{ActionClose, StateVerified, func(in *Input) { in.Outcome, in.Reason = OutcomeNotSolvableNow, "" }, "reason"},
		{ActionClose, StateVerified, func(in *Input) { in.Outcome = OutcomeNotRemit }, "who_is"},
		{ActionRate, StateClosed, func(in *Input) { in.Rating = "" }, "rating"},
		{ActionRate, StateClosed, func(in *Input) { in.Rating = "meh" }, "rating"},
		{ActionReopen, StateClosed, func(in *Input) { in.Reason = "" }, "reason"},
		{ActionRequestExtension, StateInProgress, func(in *Input) { in.Reason = "" }, "reason"},
		{ActionRequestExtension, StateInProgress, func(in *Input) { in.Days = 0 }, "days"},
		{ActionDenyExtension, StateInProgress, func(in *Input) { in.Reason = "" }, "reason"},
		{ActionEscalate, StateSubmitted, func(in *Input) { in.Reason = "" }, "reason"},
		{ActionEscalate, StateInProgress, func(in *Input) { in.Reason = "" }, "reason"},
		{ActionMerge, StateSubmitted, func(in *Input) { in.Target = 0 }, "target"},
		{ActionMerge, StateSubmitted, func(in *Input) { in.Target = 7 }, "target"}, // itself
		{ActionSupervise, StateInProgress, func(in *Input) { in.Card = "" }, "card"},
		{ActionSupervise, StateInProgress, func(in *Input) { in.Card = "green" }, "card"},
		{ActionComment, StateRated, func(in *Input) { in.Note = "" }, "note"},
	}
	for _, tt := range tests {
		in := good(tt.action)
		tt.clear(&in)
		_, err := Transition(caseIn(tt.state, tt.action), tt.action, in, everyone...)
		if anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != tt.field {
			t.Errorf("%s on %s: error %v, want EINVALID on %s", tt.action, tt.state, err, tt.field)
		}
	}
	// Every field the table says is required is checked.
	for _, r := range Rules() {
		for _, f := range r.Requires {
			found := false
			for _, tt := range tests {
				found = found || (tt.action == r.Action && tt.field == f)
			}
			if !found {
				t.Errorf("no test that %s requires %s", r.Action, f)
			}
		}
	}
	// The reporter confirms; only staff check on site.
	in := good(ActionVerify)
	_, err := Transition(caseIn(StateResolved, ActionVerify), ActionVerify, in, RoleReporter)
	if anju.ErrorField(err) != "method" {
		t.Errorf("reporter verifying on site: %v", err)
	}
	for _, o := range []Input{
		{Outcome: OutcomeNotSolvableNow, Reason: "budget next year"},
		{Outcome: OutcomeNotRemit, WhoIs: "people's court"},
		{Outcome: OutcomeExplained},
		{Outcome: OutcomePartlySolved},
	} {
		res, err := Transition(caseIn(StateVerified, ActionClose), ActionClose, o, anju.RoleDispatcher)
		if err != nil || res.Case.Outcome != o.Outcome {
			t.Errorf("close %s: %v", o.Outcome, err)
		}
	}
}

func TestExtensions(t *testing.T) {
	c := caseIn(StateInProgress, ActionRequestExtension)
	res, err := Transition(c, ActionRequestExtension, Input{Reason: "parts on order", Days: 5}, anju.RoleHandler)
	if err != nil || res.Case.ExtensionDays != 5 {
		t.Fatalf("request: %v, %+v", err, res.Case)
	}
	_, err = Transition(res.Case, ActionRequestExtension, Input{Reason: "again", Days: 5}, anju.RoleHandler)
	if anju.ErrorCode(err) != anju.ECONFLICT {
		t.Errorf("second request while pending: %v", err)
	}
	approved, err := Transition(res.Case, ActionApproveExtension, Input{}, anju.RoleSupervisor)
	if err != nil || approved.Case.ExtensionDays != 0 || approved.Case.ExtendedDays != 5 || approved.Case.State != StateInProgress {
		t.Errorf("approve: %v, %+v", err, approved.Case)
	}
	for _, a := range []Action{ActionApproveExtension, ActionDenyExtension} {
		_, err = Transition(approved.Case, a, Input{Reason: "x"}, anju.RoleDispatcher)
		if anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("%s with nothing pending: %v", a, err)
		}
	}
	denied, err := Transition(res.Case, ActionDenyExtension, Input{Reason: "do it now"}, anju.RoleDispatcher)
	if err != nil || denied.Case.ExtensionDays != 0 || denied.Case.ExtendedDays != 0 {
		t.Errorf("deny: %v, %+v", err, denied.Case)
	}
	// A pending request lapses when the case is resolved.
	resolved, err := Transition(res.Case, ActionResolve, good(ActionResolve), anju.RoleHandler)
	if err != nil || resolved.Case.ExtensionDays != 0 {
		t.Errorf("resolve with a pending extension: %v, %+v", err, resolved.Case)
	}
}

func TestReopen(t *testing.T) {
	rated := func(r Rating, k Kind) Case {
		c := caseIn(StateRated, ActionReopen)
		c.Rating, c.Kind, c.Outcome, c.Result, c.Department, c.Card = r, k, OutcomeSolved, "done", "城管局", CardRed
		return c
	}
	in := Input{Reason: "又坏了 broken again"}
	tests := []struct {
		name string
		c    Case
		by   anju.Role
		code string
	}{
		{"reporter, unsatisfied", rated(RatingUnsatisfied, KindRequest), RoleReporter, ""},
		{"reporter, satisfied", rated(RatingSatisfied, KindRequest), RoleReporter, anju.ECONFLICT},
		{"reporter, basically satisfied", rated(RatingBasically, KindRequest), RoleReporter, anju.ECONFLICT},
		{"supervisor, satisfied", rated(RatingSatisfied, KindRequest), anju.RoleSupervisor, ""},
		{"reporter, closed not yet rated", caseIn(StateClosed, ActionReopen), RoleReporter, ""},
		{"petitioner", rated(RatingUnsatisfied, KindPetition), RoleReporter, anju.ECONFLICT},
		{"supervisor, petition", rated(RatingUnsatisfied, KindPetition), anju.RoleSupervisor, ""},
	}
	for _, tt := range tests {
		res, err := Transition(tt.c, ActionReopen, in, tt.by)
		if anju.ErrorCode(err) != tt.code {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.code)
			continue
		}
		if err == nil {
			c := res.Case
			if c.State != StateAccepted || c.Reopened != 1 || c.Rating != "" || c.Outcome != "" || c.Result != "" || c.Department != "" || c.Card != "" {
				t.Errorf("%s: reopened case %+v", tt.name, c)
			}
		}
	}
}

func TestSideEffects(t *testing.T) {
	// Return clears the department and keeps who returned it in the note.
	c := caseIn(StateDispatched, ActionReturn)
	res, _ := Transition(c, ActionReturn, Input{Reason: "属于供电公司"}, anju.RoleHandler)
	if res.Case.Department != "" || !strings.Contains(res.Event.Note, "城管局") || !strings.Contains(res.Event.Note, "供电公司") {
		t.Errorf("return: %+v %q", res.Case, res.Event.Note)
	}
	// Escalation counts levels and takes the case from its department.
	res, _ = Transition(caseIn(StateInProgress, ActionEscalate), ActionEscalate, Input{Reason: "跨街道"}, RoleSystem)
	if res.Case.Escalations != 1 || res.Case.Department != "" || res.Case.State != StateAccepted {
		t.Errorf("escalate: %+v", res.Case)
	}
	// A red card stays red.
	red := caseIn(StateInProgress, ActionSupervise)
	red.Card = CardRed
	res, _ = Transition(red, ActionSupervise, Input{Card: CardYellow}, anju.RoleSupervisor)
	if res.Case.Card != CardRed {
		t.Errorf("card downgraded to %s", res.Case.Card)
	}
	// Merge records the target.
	res, _ = Transition(caseIn(StateSubmitted, ActionMerge), ActionMerge, Input{Target: 42}, anju.RoleOperator)
	if res.Case.MergedInto != 42 || res.Case.State != StateMerged {
		t.Errorf("merge: %+v", res.Case)
	}
	// Transition does not touch its argument.
	orig := caseIn(StateInProgress, ActionResolve)
	orig.Evidence = []string{"old"}
	res, _ = Transition(orig, ActionResolve, good(ActionResolve), anju.RoleHandler)
	if orig.State != StateInProgress || orig.Version != 3 || orig.Evidence[0] != "old" || res.Case.Evidence[0] != "att-1" {
		t.Errorf("argument modified: %+v", orig)
	}
}

// TestHappyPath walks a hotline case from intake to a rating and back.
func TestHappyPath(t *testing.T) {
	c := Case{ID: 1, Kind: KindHazard, Channel: ChannelGridPatrol, Priority: PriorityUrgent, State: StateSubmitted}
	steps := []struct {
		a  Action
		in Input
		by anju.Role
		to State
	}{
		{ActionAccept, Input{}, anju.RoleGridWorker, StateAccepted},
		{ActionDispatch, Input{Department: "住建局"}, anju.RoleDispatcher, StateDispatched},
		{ActionReturn, Input{Reason: "属于街道"}, anju.RoleHandler, StateReturned},
		{ActionDispatch, Input{Department: "街道办"}, anju.RoleDispatcher, StateDispatched},
		{ActionStart, Input{}, anju.RoleHandler, StateInProgress},
		{ActionSupervise, Input{Card: CardYellow}, RoleSystem, StateInProgress},
		{ActionResolve, Input{Result: "已加固"}, anju.RoleHandler, StateResolved},
		{ActionFailVerification, Input{Reason: "仍有松动"}, anju.RoleGridWorker, StateInProgress},
		{ActionResolve, Input{Result: "已更换"}, anju.RoleHandler, StateResolved},
		{ActionVerify, Input{Method: VerifyReporter}, RoleReporter, StateVerified},
		{ActionClose, Input{Outcome: OutcomeSolved}, anju.RoleDispatcher, StateClosed},
		{ActionRate, Input{Rating: RatingUnsatisfied, Note: "太慢"}, RoleReporter, StateRated},
		{ActionReopen, Input{Reason: "太慢"}, RoleReporter, StateAccepted},
	}
	for i, s := range steps {
		res, err := Transition(c, s.a, s.in, s.by)
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.a, err)
		}
		if res.Case.State != s.to || res.Case.Version != int64(i+1) {
			t.Fatalf("step %d %s: %s v%d", i, s.a, res.Case.State, res.Case.Version)
		}
		c = res.Case
	}
}

func TestAllowedActions(t *testing.T) {
	tests := []struct {
		state State
		roles []anju.Role
		want  []Action
	}{
		{StateSubmitted, []anju.Role{anju.RoleOperator}, []Action{ActionAccept, ActionReject, ActionMerge, ActionComment}},
		{StateAccepted, []anju.Role{anju.RoleDispatcher}, []Action{ActionDispatch, ActionEscalate, ActionMerge, ActionComment}},
		{StateInProgress, []anju.Role{anju.RoleHandler}, []Action{ActionReturn, ActionResolve, ActionRequestExtension, ActionComment}},
		{StateClosed, []anju.Role{RoleReporter}, []Action{ActionRate, ActionReopen, ActionComment}},
		{StateClosed, []anju.Role{anju.RoleAuditor}, nil},
		{StateMerged, []anju.Role{anju.RoleDispatcher, anju.RoleSupervisor}, []Action{ActionComment}},
	}
	for _, tt := range tests {
		if got := AllowedActions(tt.state, tt.roles...); !slices.Equal(got, tt.want) {
			t.Errorf("AllowedActions(%s, %v) = %v, want %v", tt.state, tt.roles, got, tt.want)
		}
	}
	// AllowedActions agrees with Transition on every pair.
	for _, s := range States {
		for _, a := range Actions {
			_, err := Transition(caseIn(s, a), a, good(a), everyone...)
			if allowed := slices.Contains(AllowedActions(s, everyone...), a); allowed != (err == nil) {
				t.Errorf("%s on %s: AllowedActions says %v, Transition %v", a, s, allowed, err)
			}
		}
	}
	// Rules returns a copy.
	r := Rules()
	r[0].From[0] = StateMerged
	if rule, _ := RuleFor(StateSubmitted, ActionAccept); rule.From[0] != StateSubmitted {
		t.Error("Rules exposed the table")
	}
}

func TestVocabulary(t *testing.T) {
	for _, s := range States {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	if State("x").Valid() || Kind("x").Valid() || Channel("x").Valid() || Priority("x").Valid() || Outcome("x").Valid() || Rating("x").Valid() {
		t.Error("unknown value valid")
	}
	if !KindPetition.Valid() || !ChannelReception.Valid() || !PriorityUrgent.Valid() {
		t.Error("known value invalid")
	}
	if StateClosed.Open() || StateMerged.Open() || !StateResolved.Open() || State("x").Open() {
		t.Error("Open")
	}
	for _, a := range Actions {
		if _, ok := verbs[a]; !ok {
			t.Errorf("%s has no verb", a)
		}
	}
}

// OptionalInputs lists exactly the free-text fields an action records when
// given: each listed one reaches the event's note, and no other does.
func TestOptionalInputs(t *testing.T) {
	text := map[string]func(*Input, string){
		"reason": func(in *Input, s string) { in.Reason = s },
		"note":   func(in *Input, s string) { in.Note = s },
		"who_is": func(in *Input, s string) { in.WhoIs = s },
	}
	for _, r := range Rules() {
		for field, set := range text {
			if slices.Contains(r.Requires, field) {
				continue
			}
			in := good(r.Action)
			in.Reason, in.Note = "", ""
			for _, f := range r.Requires {
				if setRequired, ok := text[f]; ok {
					setRequired(&in, "required")
				}
			}
			set(&in, "MARKER")
			res, err := Transition(caseIn(r.From[0], r.Action), r.Action, in, everyone...)
			if err != nil {
				t.Fatalf("%s with %s: %v", r.Action, field, err)
			}
			listed := slices.Contains(OptionalInputs(r.Action), field)
			if recorded := strings.Contains(res.Event.Note, "MARKER"); recorded != listed {
				t.Errorf("%s: %s recorded %v, listed as optional %v", r.Action, field, recorded, listed)
			}
		}
	}
}
