package dispute

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
)

func twoParties() []Party {
	return []Party{
		{Kind: Person, Role: Applicant, Name: "张三", Phone: "13812341234"},
		{Kind: Organisation, Role: Respondent, Name: "幸福物业有限公司", Phone: "0571-87654321"},
	}
}

func TestValidateDispute(t *testing.T) {
	long := strings.Repeat("名", 51)
	for _, tc := range []struct {
		name  string
		edit  func(d *Dispute)
		field string
	}{
		{"good", func(d *Dispute) {}, ""},
		{"zero amount", func(d *Dispute) { d.Amount = 0 }, ""},
		{"every type", func(d *Dispute) { d.Type = TypeTraffic }, ""},
		{"unknown type", func(d *Dispute) { d.Type = "feud" }, "type"},
		{"no type", func(d *Dispute) { d.Type = "" }, "type"},
		{"negative amount", func(d *Dispute) { d.Amount = -1 }, "amount"},
		{"NaN amount", func(d *Dispute) { d.Amount = math.NaN() }, "amount"},
		{"infinite amount", func(d *Dispute) { d.Amount = math.Inf(1) }, "amount"},
		{"huge amount", func(d *Dispute) { d.Amount = 2e12 }, "amount"},
		{"no people", func(d *Dispute) { d.People = 0 }, "people"},
		{"too many people", func(d *Dispute) { d.People = MaxPeople + 1 }, "people"},
		{"one party", func(d *Dispute) { d.Parties = d.Parties[:1] }, "parties"},
		{"no parties", func(d *Dispute) { d.Parties = nil }, "parties"},
		{"too many parties", func(d *Dispute) {
			for len(d.Parties) <= MaxParties {
				d.Parties = append(d.Parties, d.Parties[0])
			}
		}, "parties"},
		{"two applicants", func(d *Dispute) { d.Parties[1].Role = Applicant }, "parties"},
		{"unknown kind", func(d *Dispute) { d.Parties[1].Kind = "robot" }, "parties[1].kind"},
		{"unknown side", func(d *Dispute) { d.Parties[0].Role = "judge" }, "parties[0].role"},
		{"blank name", func(d *Dispute) { d.Parties[0].Name = " \u200b " }, "parties[0].name"},
		{"person's name too long", func(d *Dispute) { d.Parties[0].Name = long }, "parties[0].name"},
		{"organisation's long name", func(d *Dispute) { d.Parties[1].Name = long }, ""},
		{"organisation's name too long", func(d *Dispute) { d.Parties[1].Name = strings.Repeat("名", MaxOrgName+1) }, "parties[1].name"},
		{"bad phone", func(d *Dispute) { d.Parties[0].Phone = "12345" }, "parties[0].phone"},
		{"bad ID number", func(d *Dispute) { d.Parties[0].IDNumber = "110101199003074519" }, "parties[0].id_number"},
		{"good ID number", func(d *Dispute) { d.Parties[0].IDNumber = "11010519491231002X" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Dispute{Type: TypeNeighbour, Amount: 1200.5, People: 2, Parties: twoParties()}
			tc.edit(&d)
			err := d.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != tc.field {
				t.Fatalf("got %v, want EINVALID on %s", err, tc.field)
			}
		})
	}
}

func TestAmountFen(t *testing.T) {
	for _, tc := range []struct {
		yuan float64
		fen  int64
	}{{0, 0}, {0.01, 1}, {1200.5, 120050}, {100000, 10000000}, {0.015, 2}, {MaxAmount, 1e14}} {
		if got := (Dispute{Amount: tc.yuan}).AmountFen(); got != tc.fen {
			t.Errorf("%v yuan = %d fen, want %d", tc.yuan, got, tc.fen)
		}
	}
}

// TestTransitions tries every action in every dispute state, with the role
// and case state its rule names and without them.
func TestTransitions(t *testing.T) {
	type want struct {
		to   State
		code string
	}
	m, g, h, d, op := anju.RoleMediator, anju.RoleGridWorker, anju.RoleHandler, anju.RoleDispatcher, anju.RoleOperator
	for _, tc := range []struct {
		from  State
		cs    cases.State
		a     Action
		roles []anju.Role
		want  want
	}{
		{StateMediating, cases.StateInProgress, ActionSession, []anju.Role{m}, want{StateMediating, ""}},
		{StateMediating, cases.StateInProgress, ActionSession, []anju.Role{h}, want{StateMediating, ""}},
		{StateMediating, cases.StateInProgress, ActionSession, []anju.Role{g}, want{"", anju.EFORBIDDEN}},
		{StateMediating, cases.StateDispatched, ActionSession, []anju.Role{m}, want{"", anju.ECONFLICT}},
		{StateMediating, cases.StateInProgress, ActionAgree, []anju.Role{m}, want{StateAgreed, ""}},
		{StateMediating, cases.StateInProgress, ActionAgree, []anju.Role{op}, want{"", anju.EFORBIDDEN}},
		{StateMediating, cases.StateAccepted, ActionAgree, []anju.Role{m}, want{"", anju.ECONFLICT}},
		{StateMediating, cases.StateInProgress, ActionRefer, []anju.Role{m}, want{StateReferred, ""}},
		{StateMediating, cases.StateInProgress, ActionHold, []anju.Role{g}, want{"", anju.ECONFLICT}},
		{StateMediating, cases.StateInProgress, ActionBreak, []anju.Role{g}, want{"", anju.ECONFLICT}},
		{StateMediating, cases.StateInProgress, ActionConclude, []anju.Role{g}, want{"", anju.ECONFLICT}},

		{StateAgreed, cases.StateResolved, ActionHold, []anju.Role{g}, want{StateSettled, ""}},
		{StateAgreed, cases.StateResolved, ActionHold, []anju.Role{d}, want{StateSettled, ""}},
		{StateAgreed, cases.StateResolved, ActionHold, []anju.Role{m}, want{"", anju.EFORBIDDEN}},
		{StateAgreed, cases.StateInProgress, ActionHold, []anju.Role{g}, want{"", anju.ECONFLICT}},
		{StateAgreed, cases.StateResolved, ActionBreak, []anju.Role{g}, want{StateMediating, ""}},
		{StateAgreed, cases.StateResolved, ActionBreak, []anju.Role{op}, want{"", anju.EFORBIDDEN}},
		{StateAgreed, cases.StateInProgress, ActionSession, []anju.Role{m}, want{"", anju.ECONFLICT}},
		{StateAgreed, cases.StateInProgress, ActionAgree, []anju.Role{m}, want{"", anju.ECONFLICT}},
		{StateAgreed, cases.StateResolved, ActionConclude, []anju.Role{g}, want{"", anju.ECONFLICT}},

		{StateReferred, cases.StateResolved, ActionConclude, []anju.Role{g}, want{StateConcluded, ""}},
		{StateReferred, cases.StateResolved, ActionConclude, []anju.Role{d}, want{StateConcluded, ""}},
		{StateReferred, cases.StateResolved, ActionConclude, []anju.Role{m}, want{"", anju.EFORBIDDEN}},
		{StateReferred, cases.StateClosed, ActionConclude, []anju.Role{g}, want{"", anju.ECONFLICT}},
		{StateReferred, cases.StateResolved, ActionHold, []anju.Role{g}, want{"", anju.ECONFLICT}},
		{StateReferred, cases.StateResolved, ActionBreak, []anju.Role{g}, want{"", anju.ECONFLICT}},
		{StateReferred, cases.StateInProgress, ActionRefer, []anju.Role{m}, want{"", anju.ECONFLICT}},

		{StateSettled, cases.StateClosed, ActionBreak, []anju.Role{g}, want{"", anju.ECONFLICT}},
		{StateSettled, cases.StateClosed, ActionSession, []anju.Role{m}, want{"", anju.ECONFLICT}},
		{StateConcluded, cases.StateClosed, ActionConclude, []anju.Role{g}, want{"", anju.ECONFLICT}},
		{StateConcluded, cases.StateClosed, ActionRefer, []anju.Role{m}, want{"", anju.ECONFLICT}},

		{"lost", cases.StateInProgress, ActionSession, []anju.Role{m}, want{"", anju.EINVALID}},
		{StateMediating, cases.StateInProgress, "shrug", []anju.Role{m}, want{"", anju.EINVALID}},
	} {
		r, err := Transition(tc.from, tc.cs, tc.a, tc.roles...)
		if tc.want.code != "" {
			if anju.ErrorCode(err) != tc.want.code {
				t.Errorf("%s %s (case %s) by %v: %v, want %s", tc.a, tc.from, tc.cs, tc.roles, err, tc.want.code)
			}
			continue
		}
		if err != nil || r.To != tc.want.to {
			t.Errorf("%s %s (case %s) by %v: %+v %v, want %s", tc.a, tc.from, tc.cs, tc.roles, r.To, err, tc.want.to)
		}
	}
}

// TestRulesAgreeWithCaseWorkflow: each step's case actions are ones the case
// workflow lets the same roles (or the system, where the step says so) take,
// in order, from the case states the step starts in. A step that the table
// here allowed and the case workflow refused would fail halfway.
func TestRulesAgreeWithCaseWorkflow(t *testing.T) {
	for _, r := range Rules {
		for _, from := range r.CaseFrom {
			state := from
			for _, ca := range r.CaseActions {
				roles := r.Roles
				if SystemCloses(ca) {
					roles = []anju.Role{cases.RoleSystem}
				}
				cr, ok := cases.RuleFor(state, ca)
				if !ok {
					t.Errorf("%s: the case workflow has no %s from %s", r.Action, ca, state)
					break
				}
				for _, role := range roles {
					if !slices.Contains(cr.Roles, role) {
						t.Errorf("%s: a %s may not %s a case", r.Action, role, ca)
					}
				}
				if cr.To != "" {
					state = cr.To
				}
			}
		}
	}
}

func TestSessionValidate(t *testing.T) {
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		edit  func(s *Session)
		field string
	}{
		{"good", func(s *Session) {}, ""},
		{"held just now", func(s *Session) { s.HeldAt = now }, ""},
		{"in the future", func(s *Session) { s.HeldAt = now.Add(time.Minute) }, "held_at"},
		{"no time", func(s *Session) { s.HeldAt = time.Time{} }, "held_at"},
		{"no place", func(s *Session) { s.Place = "" }, "place"},
		{"place too long", func(s *Session) { s.Place = strings.Repeat("地", MaxPlace+1) }, "place"},
		{"no mediators", func(s *Session) { s.Mediators = nil }, "mediators"},
		{"blank mediator", func(s *Session) { s.Mediators = []string{" "} }, "mediators"},
		{"too many mediators", func(s *Session) { s.Mediators = make([]string, MaxMediators+1) }, "mediators"},
		{"nobody attended", func(s *Session) { s.Attended = nil }, "attended"},
		{"party twice", func(s *Session) { s.Attended = []int64{1, 1} }, "attended"},
		{"notes too long", func(s *Session) { s.Notes = strings.Repeat("记", MaxNotes+1) }, "notes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Session{HeldAt: now.Add(-time.Hour), Place: "社区调解室", Mediators: []string{"王调解"}, Attended: []int64{1, 2}, Notes: "双方陈述"}
			tc.edit(&s)
			err := s.Validate(now)
			if tc.field == "" && err != nil || tc.field != "" && anju.ErrorField(err) != tc.field {
				t.Fatalf("got %v, want field %q", err, tc.field)
			}
		})
	}
}

func TestOutcomeValidate(t *testing.T) {
	parties := []PartyRef{{1, Applicant}, {2, Respondent}, {3, Respondent}}
	for _, tc := range []struct {
		name   string
		o      Outcome
		field  string
		action Action
	}{
		{"agreement", Outcome{Agreement: true, Terms: "赔偿500元", Parties: []int64{1, 2}}, "", ActionAgree},
		{"agreement of three", Outcome{Agreement: true, Terms: "赔偿500元", Parties: []int64{3, 1, 2}}, "", ActionAgree},
		{"agreement without parties", Outcome{Agreement: true, Terms: "赔偿500元"}, "parties", ""},
		{"agreement of one side", Outcome{Agreement: true, Terms: "赔偿500元", Parties: []int64{2, 3}}, "parties", ""},
		{"agreement with one party", Outcome{Agreement: true, Terms: "赔偿500元", Parties: []int64{1}}, "parties", ""},
		{"agreement with a stranger", Outcome{Agreement: true, Terms: "赔偿500元", Parties: []int64{1, 2, 9}}, "parties", ""},
		{"a party signs twice", Outcome{Agreement: true, Terms: "赔偿500元", Parties: []int64{1, 2, 2}}, "parties", ""},
		{"agreement without terms", Outcome{Agreement: true, Terms: " ", Parties: []int64{1, 2}}, "terms", ""},
		{"terms too long", Outcome{Agreement: true, Terms: strings.Repeat("条", MaxTerms+1), Parties: []int64{1, 2}}, "terms", ""},
		{"agreement and referral", Outcome{Agreement: true, Terms: "x", Parties: []int64{1, 2}, Referral: ChannelLitigation}, "referral", ""},
		{"note too long", Outcome{Agreement: true, Terms: "x", Parties: []int64{1, 2}, Note: strings.Repeat("记", MaxNotes+1)}, "note", ""},
		{"referral", Outcome{Referral: ChannelLitigation}, "", ActionRefer},
		{"referral to petition", Outcome{Referral: ChannelPetition}, "", ActionRefer},
		{"no agreement, no channel", Outcome{}, "referral", ""},
		{"unknown channel", Outcome{Referral: "duel"}, "referral", ""},
		{"terms without agreement", Outcome{Referral: ChannelArbitration, Terms: "x"}, "terms", ""},
		{"signatories without agreement", Outcome{Referral: ChannelArbitration, Parties: []int64{1, 2}}, "parties", ""},
	} {
		o := tc.o
		err := o.Validate(parties)
		if tc.field == "" {
			if err != nil || o.Action() != tc.action {
				t.Errorf("%s: %v, action %s", tc.name, err, o.Action())
			}
			continue
		}
		if anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != tc.field {
			t.Errorf("%s: %v, want EINVALID on %s", tc.name, err, tc.field)
		}
	}
	// A dispute with no parties on record (none can be taken in so, but
	// the rule does not lean on intake) has no agreement.
	o := Outcome{Agreement: true, Terms: "x", Parties: []int64{1, 2}}
	if err := o.Validate(nil); anju.ErrorField(err) != "parties" {
		t.Errorf("an agreement of a dispute without parties: %v", err)
	}
}

// TestSteps: the forms a reader is offered are the steps Transition allows.
func TestSteps(t *testing.T) {
	m, g, op := anju.RoleMediator, anju.RoleGridWorker, anju.RoleOperator
	for _, tc := range []struct {
		s     State
		cs    cases.State
		roles []anju.Role
		want  []Action
	}{
		{StateMediating, cases.StateInProgress, []anju.Role{m}, []Action{ActionSession, ActionAgree, ActionRefer}},
		{StateMediating, cases.StateDispatched, []anju.Role{m}, nil},
		{StateMediating, cases.StateInProgress, []anju.Role{g}, nil},
		{StateAgreed, cases.StateResolved, []anju.Role{g, m}, []Action{ActionHold, ActionBreak}},
		{StateAgreed, cases.StateResolved, []anju.Role{m}, nil},
		{StateReferred, cases.StateResolved, []anju.Role{g}, []Action{ActionConclude}},
		{StateReferred, cases.StateResolved, []anju.Role{op}, nil},
		{StateSettled, cases.StateClosed, []anju.Role{g, m}, nil},
	} {
		if got := Steps(tc.s, tc.cs, tc.roles...); !slices.Equal(got, tc.want) {
			t.Errorf("%s (case %s) by %v: %v, want %v", tc.s, tc.cs, tc.roles, got, tc.want)
		}
	}
}

// TestOwnsCaseAction: the case actions a dispute takes only through its
// steps are those that resolve and check its case.
func TestOwnsCaseAction(t *testing.T) {
	var owned []cases.Action
	for _, a := range cases.Actions {
		if OwnsCaseAction(a) {
			owned = append(owned, a)
		}
	}
	if want := []cases.Action{cases.ActionResolve, cases.ActionFailVerification, cases.ActionVerify}; !slices.Equal(owned, want) {
		t.Errorf("owned %v, want %v", owned, want)
	}
}

// TestRestartsClock: only a broken agreement starts the clock again.
func TestRestartsClock(t *testing.T) {
	for _, r := range Rules {
		if r.RestartsClock != (r.Action == ActionBreak) {
			t.Errorf("%s restarts the clock: %v", r.Action, r.RestartsClock)
		}
	}
}

func TestReopened(t *testing.T) {
	for s, want := range map[State]State{StateMediating: StateMediating, StateAgreed: StateAgreed, StateReferred: StateReferred,
		StateSettled: StateMediating, StateConcluded: StateMediating} {
		if got := Reopened(s); got != want {
			t.Errorf("reopened from %s: %s, want %s", s, got, want)
		}
	}
}

// TestQueues: each queue holds the disputes its step is taken on, seen by
// the roles that take it.
func TestQueues(t *testing.T) {
	m, h, g, d, op := anju.RoleMediator, anju.RoleHandler, anju.RoleGridWorker, anju.RoleDispatcher, anju.RoleOperator
	for _, tc := range []struct {
		q        Queue
		s        State
		cs       cases.State
		due      bool
		holds    bool
		sees     []anju.Role
		notSeen  []anju.Role
		wantsDue bool
	}{
		{QueueCommittee, StateMediating, cases.StateDispatched, false, true, []anju.Role{m, h}, []anju.Role{g, d, op}, false},
		{QueueCommittee, StateAgreed, cases.StateResolved, false, true, []anju.Role{m}, nil, false},
		{QueueCommittee, StateReferred, cases.StateResolved, false, true, []anju.Role{m}, nil, false},
		{QueueCommittee, StateSettled, cases.StateClosed, false, false, []anju.Role{m}, nil, false},
		{QueueSessions, StateMediating, cases.StateInProgress, false, true, []anju.Role{m, h}, []anju.Role{g, d}, false},
		{QueueSessions, StateMediating, cases.StateDispatched, false, false, nil, nil, false},
		{QueueSessions, StateAgreed, cases.StateResolved, false, false, nil, nil, false},
		{QueueFollowUp, StateAgreed, cases.StateResolved, true, true, []anju.Role{g, d}, []anju.Role{m, op}, true},
		{QueueFollowUp, StateAgreed, cases.StateResolved, false, false, nil, nil, true},
		{QueueFollowUp, StateMediating, cases.StateInProgress, true, false, nil, nil, true},
		{QueueReferred, StateReferred, cases.StateResolved, false, true, []anju.Role{g, d}, []anju.Role{m}, false},
		{QueueReferred, StateConcluded, cases.StateClosed, false, false, nil, nil, false},
	} {
		def, ok := QueueFor(tc.q)
		if !ok {
			t.Fatalf("no queue %s", tc.q)
		}
		if def.Due != tc.wantsDue {
			t.Errorf("%s: due %v", tc.q, def.Due)
		}
		if got := def.Holds(tc.s, tc.cs, tc.due); got != tc.holds {
			t.Errorf("%s holds %s (case %s, due %v): %v", tc.q, tc.s, tc.cs, tc.due, got)
		}
		for _, r := range tc.sees {
			if !def.Sees(r) {
				t.Errorf("%s is not seen by a %s", tc.q, r)
			}
		}
		for _, r := range tc.notSeen {
			if def.Sees(r) {
				t.Errorf("%s is seen by a %s", tc.q, r)
			}
		}
	}
	// A queue's dispute can have its step taken by whoever sees the queue.
	for _, def := range Queues() {
		if def.Queue == QueueCommittee {
			continue
		}
		for _, s := range def.States {
			for _, cs := range def.CaseStates {
				if len(Steps(s, cs, def.Roles...)) == 0 {
					t.Errorf("%s holds %s/%s, where its roles %v can do nothing", def.Queue, s, cs, def.Roles)
				}
			}
		}
	}
	for _, tc := range []struct {
		in    string
		want  Queue
		field string
	}{{"", "", ""}, {"follow_up", QueueFollowUp, ""}, {"mine", "", "queue"}, {"FOLLOW_UP", "", "queue"}} {
		got, err := ParseQueue(tc.in)
		if got != tc.want || tc.field == "" && err != nil || tc.field != "" && anju.ErrorField(err) != tc.field {
			t.Errorf("ParseQueue(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestFollowUpAndReferralResult(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		f      FollowUp
		field  string
		action Action
	}{
		{FollowUp{Holds: &yes}, "", ActionHold},
		{FollowUp{Holds: &no, Note: "未按期付款"}, "", ActionBreak},
		{FollowUp{Holds: &no}, "note", ""},
		{FollowUp{}, "holds", ""},
		{FollowUp{Holds: &yes, Note: strings.Repeat("x", MaxNotes+1)}, "note", ""},
	} {
		err := tc.f.Validate()
		if tc.field == "" && (err != nil || tc.f.Action() != tc.action) || tc.field != "" && anju.ErrorField(err) != tc.field {
			t.Errorf("%+v: %v, want field %q action %s", tc.f, err, tc.field, tc.action)
		}
	}
	for _, tc := range []struct {
		r     string
		field string
	}{{"法院判决被申请人赔偿", ""}, {"", "result"}, {strings.Repeat("判", MaxResult+1), "result"}} {
		r := ReferralResult{Result: tc.r}
		if err := r.Validate(); tc.field == "" && err != nil || tc.field != "" && anju.ErrorField(err) != tc.field {
			t.Errorf("result %q: %v", tc.r, err)
		}
	}
}

func TestFollowUpDue(t *testing.T) {
	cn := time.FixedZone("CST", 8*3600)
	// Signed late in the evening of 1 December in Beijing (UTC still 1 Dec).
	agreed := time.Date(2026, 12, 1, 14, 30, 0, 0, time.UTC)
	due := FollowUpDue(agreed, 30, cn)
	if want := time.Date(2026, 12, 31, 0, 0, 0, 0, cn); !due.Equal(want) {
		t.Errorf("due %v, want %v", due, want)
	}
	// Across the year end and February, and the default.
	if got := FollowUpDue(time.Date(2027, 1, 30, 2, 0, 0, 0, time.UTC), 0, cn); !got.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, cn)) {
		t.Errorf("default period from 30 January: %v", got)
	}
	if err := CheckFollowUp(due.Add(-time.Second), due); anju.ErrorCode(err) != anju.ECONFLICT {
		t.Errorf("a visit before it is due: %v", err)
	}
	if err := CheckFollowUp(due, due); err != nil {
		t.Errorf("a visit on the day: %v", err)
	}
}

func TestStates(t *testing.T) {
	for _, s := range States {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	open := map[State]bool{StateMediating: true, StateAgreed: true, StateReferred: true}
	for _, s := range States {
		if s.Open() != open[s] {
			t.Errorf("%s open = %v", s, s.Open())
		}
	}
	if State("x").Valid() || Type("x").Valid() || Channel("x").Valid() {
		t.Error("unknown values valid")
	}
	if len(Types) != 10 || len(Channels) != 6 {
		t.Errorf("%d types, %d channels", len(Types), len(Channels))
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0", 5: "0.05", 12345: "123.45", 10000000: "100000", 120050: "1200.50"} {
		if got := Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %s, want %s", fen, got, want)
		}
	}
}

func TestNames(t *testing.T) {
	for _, ty := range Types {
		if ty.Name() == "" {
			t.Errorf("type %s has no name", ty)
		}
	}
	for _, c := range Channels {
		if c.Name() == "" {
			t.Errorf("channel %s has no name", c)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	for _, tc := range []struct {
		s     Settings
		field string
	}{
		{Settings{}, ""},
		{Settings{FollowUpDays: 1, LargePeople: 1, LargeAmount: 1}, ""},
		{Settings{FollowUpDays: MaxFollowUpDays, LargePeople: MaxPeople, LargeAmount: MaxAmount}, ""},
		{Settings{FollowUpDays: -1}, "follow_up_days"},
		{Settings{FollowUpDays: MaxFollowUpDays + 1}, "follow_up_days"},
		{Settings{LargePeople: -3}, "large_people"},
		{Settings{LargePeople: MaxPeople + 1}, "large_people"},
		{Settings{LargeAmount: -1}, "large_amount"},
		{Settings{LargeAmount: 2e12}, "large_amount"},
	} {
		if err := tc.s.Validate(); tc.field == "" && err != nil || tc.field != "" && anju.ErrorField(err) != tc.field {
			t.Errorf("%+v: %v, want field %q", tc.s, err, tc.field)
		}
	}
}
