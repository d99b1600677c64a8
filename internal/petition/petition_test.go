package petition

import (
	"slices"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
)

// d is 24:00 of a date, the way the statute's day periods end.
func d(y int, m time.Month, day int) time.Time { return endOf(y, m, day) }

// TestStatutoryDates pins the written notice (15 days from receipt) and the
// conclusion (60 days from acceptance, or 60 + the extension) for
// petitions received and accepted before, inside and after the National Day
// and Spring Festival breaks of 2025 and 2026, with and without an
// extension, and across year ends. Every date was worked out by hand from
// the State Council's notices (calendar/cn-2025-2026.csv): count n days
// from the day after, and if the last one is a day off, run on to the next
// working day (a 调休 weekend day being one).
func TestStatutoryDates(t *testing.T) {
	tests := []struct {
		name               string
		received, accepted time.Time
		notice             time.Time // receipt + 15
		conclusion         time.Time // acceptance + 60
		extension          int
		extended           time.Time // acceptance + 60 + extension
	}{
		// The issue's own example: the store's old reckoning gave 2025-10-09.
		{"summer, 30 days more", at(2025, 7, 1, 9, 0), at(2025, 7, 1, 15, 0),
			d(2025, 7, 16), // Wednesday
			d(2025, 9, 1),  // 08-30 is a Saturday: Monday 09-01
			30, d(2025, 9, 29)},
		// National Day 2025: 10-01..10-08 off, 09-28 (Sun) and 10-11 (Sat) worked.
		{"National Day 2025, accepted before", at(2025, 9, 20, 10, 0), at(2025, 9, 26, 10, 0),
			d(2025, 10, 9),  // 10-05 is in the break: the first working day after it
			d(2025, 11, 25), // 4 + 31 + 25 days: a Tuesday
			30, d(2025, 12, 25)},
		{"National Day 2025, accepted inside", at(2025, 9, 29, 10, 0), at(2025, 10, 3, 10, 0),
			d(2025, 10, 14), // Tuesday
			d(2025, 12, 2),  // 28 + 30 + 2 days: a Tuesday
			15, d(2025, 12, 17)},
		{"National Day 2025, accepted after, extended across the year end", at(2025, 10, 9, 10, 0), at(2025, 10, 11, 10, 0),
			d(2025, 10, 24),    // Friday
			d(2025, 12, 10),    // 20 + 30 + 10 days: a Wednesday
			30, d(2026, 1, 9)}, // 90 days: Friday 2026-01-09
		{"to New Year 2026", at(2025, 10, 30, 10, 0), at(2025, 11, 2, 10, 0),
			d(2025, 11, 14),     // Friday
			d(2026, 1, 4),       // 60 days end on 01-01; 01-01..01-03 off; Sunday 01-04 is worked
			10, d(2026, 1, 12)}, // 70 days end on Sunday 01-11: Monday
		// Spring Festival 2025: 01-28..02-04 off, 01-26 (Sun) and 02-08 (Sat) worked.
		{"Spring Festival 2025, accepted before", at(2025, 1, 10, 10, 0), at(2025, 1, 15, 10, 0),
			d(2025, 1, 26),     // 01-25 is a Saturday; the Sunday after it is worked
			d(2025, 3, 17),     // 60 days end on Sunday 03-16
			20, d(2025, 4, 7)}, // 80 days end on 04-05, in Qingming (04-04..04-06)
		{"Spring Festival 2025, accepted inside", at(2025, 1, 27, 10, 0), at(2025, 1, 30, 10, 0),
			d(2025, 2, 11), // Tuesday
			d(2025, 3, 31), // 1 + 28 + 31 days: a Monday
			30, d(2025, 4, 30)},
		{"Spring Festival 2025, accepted after", at(2025, 2, 5, 10, 0), at(2025, 2, 8, 10, 0),
			d(2025, 2, 20),     // Thursday
			d(2025, 4, 9),      // 20 + 31 + 9 days: a Wednesday
			22, d(2025, 5, 6)}, // 82 days end on 05-01, Labour Day (05-01..05-05)
		// Spring Festival 2026: 02-15..02-23 off, 02-14 (Sat) and 02-28 (Sat) worked.
		{"Spring Festival 2026, accepted before", at(2026, 2, 2, 10, 0), at(2026, 2, 6, 10, 0),
			d(2026, 2, 24),     // 02-17 is in the break
			d(2026, 4, 7),      // 22 + 31 + 7 days: Tuesday after Qingming
			28, d(2026, 5, 6)}, // 88 days end on 05-05, Labour Day
		{"Spring Festival 2026, accepted inside", at(2026, 2, 13, 10, 0), at(2026, 2, 18, 10, 0),
			d(2026, 2, 28), // a Saturday that is worked
			d(2026, 4, 20), // 60 days end on Sunday 04-19
			30, d(2026, 5, 19)},
		{"Spring Festival 2026, accepted after", at(2026, 2, 24, 10, 0), at(2026, 2, 28, 10, 0),
			d(2026, 3, 11),    // Wednesday
			d(2026, 4, 29),    // 31 + 29 days: a Wednesday
			5, d(2026, 5, 6)}, // 65 days end on 05-04, Labour Day
		// National Day 2026: 10-01..10-07 off, 09-20 (Sun) and 10-10 (Sat) worked.
		{"National Day 2026, accepted before", at(2026, 9, 18, 10, 0), at(2026, 9, 21, 10, 0),
			d(2026, 10, 8),  // 10-03 is in the break
			d(2026, 11, 20), // 9 + 31 + 20 days: a Friday
			12, d(2026, 12, 2)},
		{"National Day 2026, accepted inside", at(2026, 9, 30, 10, 0), at(2026, 10, 5, 10, 0),
			d(2026, 10, 15), // Thursday
			d(2026, 12, 4),  // 26 + 30 + 4 days: a Friday
			25, d(2026, 12, 29)},
		{"National Day 2026, accepted after", at(2026, 10, 8, 10, 0), at(2026, 10, 10, 10, 0),
			d(2026, 10, 23), // Friday
			d(2026, 12, 9),  // 21 + 30 + 9 days: a Wednesday
			0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events := []Event{{Action: cases.ActionAccept, At: tt.accepted}}
			p := NewClock(nil, anju.NewFakeClock(tt.accepted))
			if _, err := Replay(p, tt.received, events); err != nil {
				t.Fatal(err)
			}
			if got := p.AcceptNoticeDue(); !got.Equal(tt.notice) {
				t.Errorf("notice due %s, want %s", p.fmt(got), p.fmt(tt.notice))
			}
			if got := p.ConclusionDue(); !got.Equal(tt.conclusion) {
				t.Errorf("conclusion due %s, want %s", p.fmt(got), p.fmt(tt.conclusion))
			}
			if resp, res := p.CaseDeadlines(); !resp.Equal(tt.notice) || !res.Equal(tt.conclusion) {
				t.Errorf("case deadlines %v, %v", resp, res)
			}
			if tt.extension == 0 {
				return
			}
			// The department asks a week after acceptance; the head
			// approves the next day. The period is counted from the
			// acceptance as one, not added to the moved date.
			asked, granted := tt.accepted.AddDate(0, 0, 7), tt.accepted.AddDate(0, 0, 8)
			events = append(events, Event{Action: cases.ActionRequestExtension, At: asked, Reason: "需调取档案", Days: tt.extension},
				Event{Action: cases.ActionApproveExtension, At: granted})
			q := NewClock(nil, anju.NewFakeClock(granted))
			if n, err := Replay(q, tt.received, events); err != nil || n != 0 {
				t.Fatalf("replay: %d passed over, %v", n, err)
			}
			if got := q.ConclusionDue(); !got.Equal(tt.extended) {
				t.Errorf("extended conclusion due %s, want %s", q.fmt(got), q.fmt(tt.extended))
			}
			if e, ok := q.Extension(); !ok || e.Days != tt.extension || e.Reason != "需调取档案" || !e.At.Equal(granted) {
				t.Errorf("extension %+v %v", e, ok)
			}
			if _, ok := q.PendingExtension(); ok {
				t.Error("the granted request is still pending")
			}
		})
	}
}

// TestReviewWindows pins the petitioner's windows (30 days from the
// opinion's delivery) and the organ above's periods (30 days from the
// request), across the year end and the breaks.
func TestReviewWindows(t *testing.T) {
	accept := at(2025, 10, 10, 9, 0)
	tests := []struct {
		name        string
		opinion     time.Time
		reviewBy    time.Time
		review      time.Time
		reviewDue   time.Time
		reviewed    time.Time
		reReviewBy  time.Time
		reReview    time.Time
		reReviewDue time.Time
	}{
		{"onto the Sunday worked after New Year, then into Spring Festival",
			at(2025, 12, 2, 10, 0), d(2026, 1, 4), // 30 days end on 01-01; 01-01..01-03 off; Sunday 01-04 is worked
			at(2026, 1, 4, 10, 0), d(2026, 2, 3), // Tuesday
			at(2026, 1, 20, 10, 0), d(2026, 2, 24), // 02-19 is in the break
			at(2026, 2, 24, 9, 0), d(2026, 3, 26)}, // Thursday
		{"across the year end into Spring Festival",
			at(2025, 12, 22, 10, 0), d(2026, 1, 21), // Wednesday
			at(2026, 1, 20, 10, 0), d(2026, 2, 24), // 02-19 is in the break
			at(2026, 2, 10, 10, 0), d(2026, 3, 12), // Thursday
			at(2026, 3, 12, 23, 0), d(2026, 4, 13)}, // 04-11 is a Saturday: Monday
		{"a Friday opinion before New Year",
			at(2025, 12, 5, 16, 0), d(2026, 1, 4), // Sunday 01-04 is worked
			at(2026, 1, 4, 22, 0), d(2026, 2, 3), // Tuesday
			at(2026, 2, 2, 10, 0), d(2026, 3, 4), // Wednesday
			at(2026, 2, 14, 10, 0), d(2026, 3, 16)}, // 03-16 Monday
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := anju.NewFakeClock(tt.reReview)
			p := NewClock(nil, clk)
			events := []Event{{Action: cases.ActionAccept, At: accept}, {Action: cases.ActionClose, At: tt.opinion}}
			if _, err := Replay(p, accept, events); err != nil {
				t.Fatal(err)
			}
			if got := p.ReviewRequestBy(); !got.Equal(tt.reviewBy) {
				t.Errorf("review window ends %s, want %s", p.fmt(got), p.fmt(tt.reviewBy))
			}
			for _, e := range []Event{{Action: cases.ActionReopen, At: tt.review}, {Action: cases.ActionClose, At: tt.reviewed},
				{Action: cases.ActionReopen, At: tt.reReview}} {
				if err := p.Apply(e); err != nil {
					t.Fatalf("%s at %s: %v", e.Action, e.At, err)
				}
			}
			if got := p.ReviewDue(); !got.Equal(tt.reviewDue) {
				t.Errorf("review due %s, want %s", p.fmt(got), p.fmt(tt.reviewDue))
			}
			if got := p.ReReviewRequestBy(); !got.Equal(tt.reReviewBy) {
				t.Errorf("re-review window ends %s, want %s", p.fmt(got), p.fmt(tt.reReviewBy))
			}
			if got := p.ReReviewDue(); !got.Equal(tt.reReviewDue) {
				t.Errorf("re-review due %s, want %s", p.fmt(got), p.fmt(tt.reReviewDue))
			}
			if p.Stage() != StageReReviewRequested || p.Reviews() != 2 || p.DueKind() != "re_review" {
				t.Errorf("stage %s, reviews %d, due %s", p.Stage(), p.Reviews(), p.DueKind())
			}
			if _, res := p.CaseDeadlines(); !res.Equal(tt.reReviewDue) {
				t.Errorf("the case's deadline %v is not the re-review's", res)
			}
		})
	}
}

// TestApplyRefuses: the statute's refusals, as the store meets them when a
// case action comes in.
func TestApplyRefuses(t *testing.T) {
	received := at(2025, 9, 1, 10, 0)
	concluded := func(t *testing.T, clk *anju.FakeClock) *Clock {
		p := NewClock(nil, clk)
		if _, err := Replay(p, received, []Event{{Action: cases.ActionAccept, At: at(2025, 9, 2, 10, 0)},
			{Action: cases.ActionClose, At: at(2025, 9, 16, 10, 0)}}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name  string
		do    func(t *testing.T) error
		code  string
		field string
	}{
		{"a review asked after its window", func(t *testing.T) error {
			// Opinion delivered 09-16: the window ends 10-16 24:00.
			return concluded(t, anju.NewFakeClock(received)).Apply(Event{Action: cases.ActionReopen, At: at(2025, 10, 17, 0, 1)})
		}, anju.ECONFLICT, ""},
		{"a review on the window's last day", func(t *testing.T) error {
			return concluded(t, anju.NewFakeClock(received)).Apply(Event{Action: cases.ActionReopen, At: at(2025, 10, 16, 23, 59)})
		}, "", ""},
		{"a review of a petition not concluded", func(t *testing.T) error {
			p := NewClock(nil, nil)
			_ = p.Received(received)
			return p.Apply(Event{Action: cases.ActionReopen, At: received.Add(time.Hour)})
		}, anju.ECONFLICT, ""},
		{"reopened after the re-review", func(t *testing.T) error {
			p := concluded(t, anju.NewFakeClock(received))
			for _, e := range []Event{{cases.ActionReopen, at(2025, 9, 20, 10, 0), "", 0}, {cases.ActionClose, at(2025, 10, 9, 10, 0), "", 0},
				{cases.ActionReopen, at(2025, 10, 10, 10, 0), "", 0}, {cases.ActionClose, at(2025, 10, 20, 10, 0), "", 0}} {
				if err := p.Apply(e); err != nil {
					t.Fatal(err)
				}
			}
			return p.Apply(Event{Action: cases.ActionReopen, At: at(2025, 10, 21, 10, 0)})
		}, anju.ECONFLICT, ""},
		{"an extension of 31 days asked", func(t *testing.T) error {
			p := NewClock(nil, nil)
			_, _ = Replay(p, received, []Event{{Action: cases.ActionAccept, At: received}})
			return p.Apply(Event{Action: cases.ActionRequestExtension, At: received.Add(time.Hour), Reason: "x", Days: 31})
		}, anju.EINVALID, "days"},
		{"a second extension asked", func(t *testing.T) error {
			p := NewClock(nil, nil)
			_, _ = Replay(p, received, []Event{{Action: cases.ActionAccept, At: received},
				{Action: cases.ActionRequestExtension, At: received.Add(time.Hour), Reason: "x", Days: 3},
				{Action: cases.ActionApproveExtension, At: received.Add(2 * time.Hour)}})
			return p.Apply(Event{Action: cases.ActionRequestExtension, At: received.Add(3 * time.Hour), Reason: "y", Days: 3})
		}, anju.ECONFLICT, ""},
		{"an extension approved that nobody asked for", func(t *testing.T) error {
			p := NewClock(nil, nil)
			_, _ = Replay(p, received, []Event{{Action: cases.ActionAccept, At: received}})
			return p.Apply(Event{Action: cases.ActionApproveExtension, At: received.Add(time.Hour)})
		}, anju.ECONFLICT, ""},
		{"an extension denied, then approved", func(t *testing.T) error {
			p := NewClock(nil, nil)
			_, _ = Replay(p, received, []Event{{Action: cases.ActionAccept, At: received},
				{Action: cases.ActionRequestExtension, At: received.Add(time.Hour), Reason: "x", Days: 3},
				{Action: cases.ActionDenyExtension, At: received.Add(2 * time.Hour)}})
			return p.Apply(Event{Action: cases.ActionApproveExtension, At: received.Add(3 * time.Hour)})
		}, anju.ECONFLICT, ""},
		{"an extension asked after the period ran out", func(t *testing.T) error {
			p := NewClock(nil, nil)
			_, _ = Replay(p, received, []Event{{Action: cases.ActionAccept, At: received}})
			return p.Apply(Event{Action: cases.ActionRequestExtension, At: received.AddDate(0, 0, 62), Reason: "x", Days: 3})
		}, anju.ECONFLICT, ""},
		{"declined without a reason", func(t *testing.T) error {
			p := NewClock(nil, nil)
			_ = p.Received(received)
			return p.Apply(Event{Action: cases.ActionReject, At: received.Add(time.Hour), Reason: " \u200b"})
		}, anju.EINVALID, "reason"},
		{"a dispatch changes nothing", func(t *testing.T) error {
			p := NewClock(nil, nil)
			_ = p.Received(received)
			if err := p.Apply(Event{Action: cases.ActionDispatch, At: received.Add(time.Hour)}); err != nil || p.Stage() != StageReceived {
				t.Errorf("dispatch: %v, stage %s", err, p.Stage())
			}
			return nil
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do(t)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantCode(t, err, tt.code, tt.field)
		})
	}
}

// TestReplayPassesOverOldHistory: a history written before the clock was
// enforced (extended twice) does not stick the petition.
func TestReplayPassesOverOldHistory(t *testing.T) {
	r := at(2025, 3, 3, 10, 0)
	p := NewClock(nil, anju.NewFakeClock(r))
	n, err := Replay(p, r, []Event{{Action: ActionSubmitted, At: r}, {Action: cases.ActionAccept, At: r},
		{Action: cases.ActionRequestExtension, At: r.Add(time.Hour), Reason: "a", Days: 5}, {Action: cases.ActionApproveExtension, At: r.Add(time.Hour)},
		{Action: cases.ActionRequestExtension, At: r.Add(2 * time.Hour), Reason: "b", Days: 5}, {Action: cases.ActionApproveExtension, At: r.Add(2 * time.Hour)},
		{Action: cases.ActionClose, At: r.AddDate(0, 0, 3)}})
	if err != nil || n != 2 {
		t.Fatalf("passed over %d, %v; want 2", n, err)
	}
	if e, _ := p.Extension(); e.Days != 5 || e.Reason != "a" || p.Stage() != StageConcluded {
		t.Errorf("extension %+v, stage %s", e, p.Stage())
	}
}

// TestRulesFollowTheCaseWorkflow: each step's case actions are allowed by
// the case workflow to the step's roles, one after the other from each of
// its case states, and move the statutory clock from the step's stage to
// its target.
func TestRulesFollowTheCaseWorkflow(t *testing.T) {
	t0 := at(2025, 11, 3, 10, 0)
	reach := map[Stage][]Event{
		StageReceived:          nil,
		StageAccepted:          {{Action: cases.ActionAccept, At: t0}},
		StageConcluded:         {{Action: cases.ActionAccept, At: t0}, {Action: cases.ActionClose, At: t0}},
		StageReviewRequested:   {{Action: cases.ActionAccept, At: t0}, {Action: cases.ActionClose, At: t0}, {Action: cases.ActionReopen, At: t0}},
		StageReviewConcluded:   {{Action: cases.ActionAccept, At: t0}, {Action: cases.ActionClose, At: t0}, {Action: cases.ActionReopen, At: t0}, {Action: cases.ActionClose, At: t0}},
		StageReReviewRequested: {{Action: cases.ActionAccept, At: t0}, {Action: cases.ActionClose, At: t0}, {Action: cases.ActionReopen, At: t0}, {Action: cases.ActionClose, At: t0}, {Action: cases.ActionReopen, At: t0}},
	}
	input := cases.Input{Reason: "理由", Days: 10, Method: cases.VerifyOnSite, Outcome: cases.OutcomeExplained}
	for _, r := range Rules {
		for _, from := range r.CaseFrom {
			c := cases.Case{Kind: cases.KindPetition, State: from, Department: "d", Version: 1}
			for _, ca := range r.Plan(from) {
				res, err := cases.Transition(c, ca, input, r.Roles...)
				if err != nil {
					t.Errorf("%s from %s: the case workflow refuses %s to %v: %v", r.Action, from, ca, r.Roles, err)
					break
				}
				c = res.Case
			}
			for _, role := range r.Roles {
				if _, err := Transition(r.From, from, r.Action, role); err != nil {
					t.Errorf("%s by %s from %s/%s: %v", r.Action, role, r.From, from, err)
				}
			}
		}
		p := NewClock(nil, anju.NewFakeClock(t0))
		if _, err := Replay(p, t0, reach[r.From]); err != nil || p.Stage() != r.From {
			t.Fatalf("could not reach %s: %v", r.From, err)
		}
		for _, ca := range r.CaseActions {
			if err := p.Apply(Event{Action: ca, At: t0, Reason: "理由", Days: 10}); err != nil {
				t.Errorf("%s from %s: the clock refuses %s: %v", r.Action, r.From, ca, err)
			}
		}
		if p.Stage() != r.To {
			t.Errorf("%s from %s leaves the clock at %s, want %s", r.Action, r.From, p.Stage(), r.To)
		}
	}
	if got := (Rule{CaseActions: []cases.Action{cases.ActionVerify, cases.ActionClose}}).Plan(cases.StateVerified); !slices.Equal(got, []cases.Action{cases.ActionClose}) {
		t.Errorf("a verified case is verified again: %v", got)
	}
}

func TestTransition(t *testing.T) {
	tests := []struct {
		name  string
		stage Stage
		state cases.State
		a     Action
		roles []anju.Role
		code  string
	}{
		{"accept", StageReceived, cases.StateSubmitted, ActionAccept, []anju.Role{anju.RoleOperator}, ""},
		{"decline by a dispatcher", StageReceived, cases.StateSubmitted, ActionDecline, []anju.Role{anju.RoleDispatcher}, ""},
		{"accept by a handler", StageReceived, cases.StateSubmitted, ActionAccept, []anju.Role{anju.RoleHandler}, anju.EFORBIDDEN},
		{"accept twice", StageAccepted, cases.StateAccepted, ActionAccept, []anju.Role{anju.RoleOperator}, anju.ECONFLICT},
		{"extend in progress", StageAccepted, cases.StateInProgress, ActionExtend, []anju.Role{anju.RoleHandler}, ""},
		{"extend before dispatch", StageAccepted, cases.StateAccepted, ActionExtend, []anju.Role{anju.RoleHandler}, anju.ECONFLICT},
		{"opinion before the result", StageAccepted, cases.StateInProgress, ActionOpinion, []anju.Role{anju.RoleDispatcher}, anju.ECONFLICT},
		{"opinion on the result", StageAccepted, cases.StateResolved, ActionOpinion, []anju.Role{anju.RoleDispatcher}, ""},
		{"review opinion", StageReviewRequested, cases.StateVerified, ActionOpinion, []anju.Role{anju.RoleDispatcher}, ""},
		{"opinion by an operator", StageAccepted, cases.StateResolved, ActionOpinion, []anju.Role{anju.RoleOperator}, anju.EFORBIDDEN},
		{"review by a supervisor", StageConcluded, cases.StateRated, ActionReview, []anju.Role{anju.RoleSupervisor}, ""},
		{"review by a dispatcher", StageConcluded, cases.StateClosed, ActionReview, []anju.Role{anju.RoleDispatcher}, anju.EFORBIDDEN},
		{"re-review before review", StageConcluded, cases.StateClosed, ActionReReview, []anju.Role{anju.RoleSupervisor}, anju.ECONFLICT},
		{"review after the re-review", StageFinal, cases.StateClosed, ActionReview, []anju.Role{anju.RoleSupervisor}, anju.ECONFLICT},
		{"unknown step", StageReceived, cases.StateSubmitted, "appeal", []anju.Role{anju.RoleSupervisor}, anju.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Transition(tt.stage, tt.state, tt.a, tt.roles...)
			if tt.code == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tt.code != "" {
				wantCode(t, err, tt.code, "")
			}
		})
	}
	if got := Allowed(StageAccepted, cases.StateResolved, anju.RoleDispatcher, anju.RoleHandler); !slices.Equal(got, []Action{ActionOpinion}) {
		t.Errorf("Allowed = %v", got)
	}
	if DocumentOf(ActionOpinion, StageReReviewRequested) != DocReReviewOpinion || DocumentOf(ActionAccept, StageReceived) != DocAcceptNotice ||
		DocumentOf(ActionReview, StageConcluded) != "" {
		t.Error("DocumentOf")
	}
}

func TestValidate(t *testing.T) {
	yes, no := true, false
	longText := ""
	for range MaxText + 1 {
		longText += "字"
	}
	tests := []struct {
		name  string
		check func() error
		field string
	}{
		{"intake", func() error { return (&Intake{Channel: ChannelLetter, First: &yes}).Validate() }, ""},
		{"repeat naming the earlier", func() error { return (&Intake{Channel: ChannelVisit, First: &no, RepeatOf: 7}).Validate() }, ""},
		{"no channel", func() error { return (&Intake{First: &yes}).Validate() }, "channel"},
		{"unknown channel", func() error { return (&Intake{Channel: "fax", First: &yes}).Validate() }, "channel"},
		{"first unsaid", func() error { return (&Intake{Channel: ChannelPhone}).Validate() }, "first"},
		{"repeat, first unsaid", func() error {
			in := Intake{Channel: ChannelLetter, RepeatOf: 7}
			if err := in.Validate(); err != nil || in.First == nil || *in.First {
				return anju.FieldError("first", "a repeat naming the earlier petition is no first petition: %v %v", err, in.First)
			}
			return nil
		}, ""},
		{"first and a repeat", func() error { return (&Intake{Channel: ChannelWeb, First: &yes, RepeatOf: 3}).Validate() }, "repeat_of"},
		{"notice", func() error { return (&Acceptance{Notice: "交区住建局办理"}).Validate() }, ""},
		{"blank notice", func() error { return (&Acceptance{Notice: "\u200b "}).Validate() }, "notice"},
		{"long notice", func() error { return (&Acceptance{Notice: longText}).Validate() }, "notice"},
		{"decline", func() error { return (&Declining{Reason: "属司法程序", ReferTo: "区人民法院"}).Validate() }, ""},
		{"decline, nowhere to turn", func() error { return (&Declining{Reason: "属司法程序"}).Validate() }, "refer_to"},
		{"decline, no reason", func() error { return (&Declining{ReferTo: "区人民法院"}).Validate() }, "reason"},
		{"extension", func() error { return (&ExtensionRequest{Reason: "需现场测绘", Days: 30}).Validate() }, ""},
		{"extension of 0 days", func() error { return (&ExtensionRequest{Reason: "x", Days: 0}).Validate() }, "days"},
		{"extension of 31 days", func() error { return (&ExtensionRequest{Reason: "x", Days: 31}).Validate() }, "days"},
		{"extension, no reason", func() error { return (&ExtensionRequest{Days: 3}).Validate() }, "reason"},
		{"opinion", func() error { return (&Opinion{Text: "经核查……", Finding: PartlySupported}).Validate() }, ""},
		{"opinion, no finding", func() error { return (&Opinion{Text: "经核查……"}).Validate() }, "finding"},
		{"opinion, unknown finding", func() error { return (&Opinion{Text: "经核查……", Finding: "maybe"}).Validate() }, "finding"},
		{"opinion, no text", func() error { return (&Opinion{Finding: Supported}).Validate() }, "text"},
		{"review", func() error { return (&ReviewRequest{Reason: "对处理意见不服"}).Validate() }, ""},
		{"review, no reason", func() error { return (&ReviewRequest{}).Validate() }, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantCode(t, err, anju.EINVALID, tt.field)
		})
	}
	for f, o := range map[Finding]cases.Outcome{Supported: cases.OutcomeSolved, PartlySupported: cases.OutcomePartlySolved, NotSupported: cases.OutcomeExplained} {
		if f.Outcome() != o {
			t.Errorf("%s closes as %s", f, f.Outcome())
		}
	}
	// Every petition channel is a case channel of its own: the case shows
	// how the petition came in.
	for c, want := range map[Channel]cases.Channel{ChannelLetter: cases.ChannelLetter, ChannelVisit: cases.ChannelVisit,
		ChannelPhone: cases.ChannelHotline, ChannelWeb: cases.ChannelWeb, "": "", "fax": ""} {
		if got := c.CaseChannel(); got != want || (c.Valid() && !got.Valid()) {
			t.Errorf("the case channel of a %q petition: %q, want %q", c, got, want)
		}
	}
}

// TestCheckRepeat: a repeat petition is accepted while the earlier one's
// procedure is open, and not once it is closed to the same matter.
func TestCheckRepeat(t *testing.T) {
	r := at(2025, 9, 1, 10, 0)
	clk := anju.NewFakeClock(r)
	p := NewClock(nil, clk)
	_, _ = Replay(p, r, []Event{{Action: cases.ActionAccept, At: r}, {Action: cases.ActionClose, At: at(2025, 9, 16, 10, 0)}})
	clk.Set(at(2025, 10, 16, 12, 0))
	if err := CheckRepeat(p); err != nil {
		t.Errorf("inside the review window: %v", err)
	}
	clk.Set(at(2025, 10, 17, 0, 1))
	wantCode(t, CheckRepeat(p), anju.ECONFLICT, "")
	q := NewClock(nil, clk)
	_, _ = Replay(q, r, []Event{{Action: cases.ActionAccept, At: r}, {Action: cases.ActionClose, At: r}, {Action: cases.ActionReopen, At: r},
		{Action: cases.ActionClose, At: r}, {Action: cases.ActionReopen, At: r}, {Action: cases.ActionClose, At: r}})
	if q.Stage() != StageFinal {
		t.Fatalf("stage %s", q.Stage())
	}
	wantCode(t, CheckRepeat(q), anju.ECONFLICT, "")
}
