package meeting

import (
	"slices"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
)

var (
	now   = time.Date(2026, 5, 11, 1, 0, 0, 0, time.UTC) // Monday 09:00 in Beijing
	start = now.Add(48 * time.Hour)
)

func session() Session {
	return Session{Leader: "leader", LeaderTitle: "区委书记", Region: "330102001", Place: "街道便民服务中心",
		Start: start, End: start.Add(2 * time.Hour), Topics: []string{"老旧小区改造", "停车"}, SlotMinutes: 20, Capacity: 1}
}

func TestSessionTransitions(t *testing.T) {
	sup, res, op := anju.RoleSupervisor, anju.RoleResident, anju.RoleOperator
	before, during, after := now, start.Add(30*time.Minute), start.Add(3*time.Hour)
	for _, tc := range []struct {
		from SessionState
		a    SessionAction
		at   time.Time
		role anju.Role
		to   SessionState
		code string
	}{
		{SessionDraft, SessionPublish, before, sup, SessionPublished, ""},
		{SessionDraft, SessionPublish, during, sup, "", anju.EINVALID}, // start passed
		{SessionDraft, SessionPublish, before, op, "", anju.EFORBIDDEN},
		{SessionPublished, SessionPublish, before, sup, "", anju.ECONFLICT},
		{SessionPublished, SessionHold, during, sup, SessionHeld, ""},
		{SessionPublished, SessionHold, before, sup, "", anju.EINVALID}, // not started
		{SessionDraft, SessionHold, during, sup, "", anju.ECONFLICT},
		{SessionHeld, SessionClose, after, anju.RoleDispatcher, SessionClosed, ""},
		{SessionPublished, SessionClose, after, sup, "", anju.ECONFLICT},
		{SessionDraft, SessionCancel, before, anju.RoleAdmin, SessionCancelled, ""},
		{SessionPublished, SessionCancel, before, sup, SessionCancelled, ""},
		{SessionHeld, SessionCancel, during, sup, "", anju.ECONFLICT},
		{SessionClosed, SessionCancel, after, sup, "", anju.ECONFLICT},
		{SessionPublished, SessionBook, before, res, SessionPublished, ""},
		{SessionPublished, SessionBook, before, op, SessionPublished, ""},
		{SessionPublished, SessionBook, after, res, "", anju.EINVALID}, // over
		{SessionDraft, SessionBook, before, res, "", anju.ECONFLICT},
		{SessionCancelled, SessionBook, before, op, "", anju.ECONFLICT},
		{SessionPublished, SessionBook, before, anju.RoleAuditor, "", anju.EFORBIDDEN},
		{SessionHeld, SessionFileCase, during, sup, SessionHeld, ""},
		{SessionHeld, SessionFileCase, during, op, SessionHeld, ""},
		{SessionHeld, SessionFileCase, during, res, "", anju.EFORBIDDEN},
		{SessionPublished, SessionFileCase, during, sup, "", anju.ECONFLICT},
		{SessionClosed, SessionFileCase, after, sup, "", anju.ECONFLICT},
		{SessionDraft, "bless", before, sup, "", anju.EINVALID},
		{"lost", SessionPublish, before, sup, "", anju.EINVALID},
		{SessionPublished, SessionHold, during, cases.RoleSystem, SessionHeld, ""},
	} {
		got, err := SessionTransition(session(), tc.from, tc.a, tc.at, tc.role)
		if anju.ErrorCode(err) != tc.code || (tc.code == "" && got != tc.to) {
			t.Errorf("%s %s as %s at %v: %s %v, want %s %s", tc.from, tc.a, tc.role, tc.at, got, err, tc.to, tc.code)
		}
	}
}

func TestSessionValidate(t *testing.T) {
	for _, tc := range []struct {
		change func(*Session)
		field  string
	}{
		{func(s *Session) {}, ""},
		{func(s *Session) { s.Leader = "" }, "leader"},
		{func(s *Session) { s.LeaderTitle = " \u200b" }, "leader_title"},
		{func(s *Session) { s.LeaderTitle = strings.Repeat("长", MaxTitle+1) }, "leader_title"},
		{func(s *Session) { s.Region = "" }, "region"},
		{func(s *Session) { s.Place = "" }, "place"},
		{func(s *Session) { s.Topics = []string{" ", ""} }, "topics"},
		{func(s *Session) {
			s.Topics = make([]string, MaxTopics+1)
			for i := range s.Topics {
				s.Topics[i] = "x"
			}
		}, "topics"},
		{func(s *Session) { s.Topics = []string{strings.Repeat("题", MaxTopic+1)} }, "topics"},
		{func(s *Session) { s.Start = time.Time{} }, "start"},
		{func(s *Session) { s.Start = now.Add(-time.Hour); s.End = now.Add(time.Hour) }, "start"},
		{func(s *Session) { s.Start = now.AddDate(2, 0, 0); s.End = s.Start.Add(time.Hour) }, "start"},
		{func(s *Session) { s.End = s.Start }, "end"},
		{func(s *Session) { s.End = s.Start.Add(13 * time.Hour) }, "end"},
		{func(s *Session) { s.SlotMinutes = 4 }, "slot_minutes"},
		{func(s *Session) { s.SlotMinutes = 241 }, "slot_minutes"},
		{func(s *Session) { s.SlotMinutes = 180 }, "slot_minutes"},                                    // longer than the session
		{func(s *Session) { s.End = s.Start.Add(12 * time.Hour); s.SlotMinutes = 5 }, "slot_minutes"}, // 144 slots
		{func(s *Session) { s.Capacity = 0 }, "capacity"},
		{func(s *Session) { s.Capacity = MaxCapacity + 1 }, "capacity"},
	} {
		s := session()
		tc.change(&s)
		if err := s.Validate(now); anju.ErrorField(err) != tc.field || (tc.field == "") != (err == nil) {
			t.Errorf("want field %q, got %v", tc.field, err)
		}
	}
}

func TestSlots(t *testing.T) {
	s := session()
	s.End = s.Start.Add(110 * time.Minute) // five whole slots of 20 minutes and a remainder
	if s.Slots() != 5 {
		t.Fatalf("slots = %d", s.Slots())
	}
	if i, err := s.SlotAt(s.Start.Add(80*time.Minute), now); err != nil || i != 4 {
		t.Errorf("last slot: %d %v", i, err)
	}
	for _, tc := range []struct {
		at, now time.Time
	}{
		{s.Start.Add(100 * time.Minute), now}, // the remainder
		{s.Start.Add(10 * time.Minute), now},  // not on a slot boundary
		{s.Start.Add(-20 * time.Minute), now}, // before the session
		{s.Start, s.Start},                    // has begun
		{s.Start.Add(20 * time.Minute), s.Start.Add(25 * time.Minute)},
	} {
		if _, err := s.SlotAt(tc.at, tc.now); anju.ErrorField(err) != "slot" {
			t.Errorf("slot at %v (now %v): %v", tc.at, tc.now, err)
		}
	}
	if got := s.SlotStart(3); !got.Equal(s.Start.Add(time.Hour)) {
		t.Errorf("slot 3 starts %v", got)
	}
}

func TestBookingValidate(t *testing.T) {
	ok := Booking{Slot: start, Name: " 王芳 ", Phone: "13800001111", Topic: "小区加装电梯"}
	if err := ok.Validate(); err != nil || ok.Name != "王芳" {
		t.Fatalf("%+v %v", ok, err)
	}
	for field, b := range map[string]Booking{
		"slot":  {Name: "王芳", Phone: "13800001111", Topic: "x"},
		"name":  {Slot: start, Phone: "13800001111", Topic: "x"},
		"phone": {Slot: start, Name: "王芳", Topic: "x"},
		"topic": {Slot: start, Name: "王芳", Phone: "13800001111", Topic: strings.Repeat("字", MaxText+1)},
	} {
		if err := b.Validate(); anju.ErrorField(err) != field {
			t.Errorf("%s: %v", field, err)
		}
	}
}

func meeting() Meeting {
	return Meeting{Community: "330102001001", Title: "幸福社区民情恳谈会", Place: "社区议事厅", Start: start,
		End: start.Add(2 * time.Hour), Topics: []string{"电动车充电棚"}}
}

func TestMeetingTransitions(t *testing.T) {
	gw, res := anju.RoleGridWorker, anju.RoleResident
	before, after := now, start.Add(time.Hour)
	for _, tc := range []struct {
		from State
		a    Action
		at   time.Time
		role anju.Role
		to   State
		code string
	}{
		{Scheduled, ActionPropose, before, res, Scheduled, ""},
		{Scheduled, ActionPropose, before, anju.RoleOperator, Scheduled, ""},
		{Scheduled, ActionPropose, after, res, "", anju.EINVALID}, // started
		{Held, ActionPropose, after, res, "", anju.ECONFLICT},
		{Scheduled, ActionPropose, before, anju.RoleAuditor, "", anju.EFORBIDDEN},
		{Scheduled, ActionHold, after, gw, Held, ""},
		{Scheduled, ActionHold, before, gw, "", anju.EINVALID},
		{Scheduled, ActionHold, after, res, "", anju.EFORBIDDEN},
		{Held, ActionMinutes, after, anju.RoleSupervisor, Minuted, ""},
		{Scheduled, ActionMinutes, after, gw, "", anju.ECONFLICT}, // not held
		{Minuted, ActionMinutes, after, gw, "", anju.ECONFLICT},   // a second set
		{Minuted, ActionDecide, after, gw, Minuted, ""},
		{Held, ActionDecide, after, gw, "", anju.ECONFLICT},
		{Minuted, ActionDecide, after, res, "", anju.EFORBIDDEN},
		{Scheduled, ActionCancel, before, anju.RoleDispatcher, Cancelled, ""},
		{Held, ActionCancel, after, gw, "", anju.ECONFLICT},
		{Cancelled, ActionHold, after, gw, "", anju.ECONFLICT},
		{Scheduled, ActionModerate, before, gw, Scheduled, ""},
		{Scheduled, ActionModerate, after, anju.RoleSupervisor, Scheduled, ""}, // started, not yet held
		{Held, ActionModerate, after, gw, "", anju.ECONFLICT},
		{Scheduled, ActionModerate, before, res, "", anju.EFORBIDDEN},
		{Scheduled, ActionModerate, before, anju.RoleOperator, "", anju.EFORBIDDEN},
		{Scheduled, "vote", before, gw, "", anju.EINVALID},
		{"adjourned", ActionHold, after, gw, "", anju.EINVALID},
	} {
		got, err := Transition(meeting(), tc.from, tc.a, tc.at, tc.role)
		if anju.ErrorCode(err) != tc.code || (tc.code == "" && got != tc.to) {
			t.Errorf("%s %s as %s: %s %v, want %s %s", tc.from, tc.a, tc.role, got, err, tc.to, tc.code)
		}
	}
}

func TestProposalTransitions(t *testing.T) {
	for _, tc := range []struct {
		from ProposalState
		a    ProposalAction
		role anju.Role
		to   ProposalState
		code string
	}{
		{ProposalPending, ProposalAccept, anju.RoleGridWorker, ProposalAccepted, ""},
		{ProposalPending, ProposalDecline, anju.RoleSupervisor, ProposalDeclined, ""},
		{ProposalPending, ProposalAccept, anju.RoleResident, "", anju.EFORBIDDEN},
		{ProposalAccepted, ProposalDecline, anju.RoleGridWorker, "", anju.ECONFLICT},
		{ProposalDeclined, ProposalAccept, anju.RoleGridWorker, "", anju.ECONFLICT},
		{ProposalPending, "shelve", anju.RoleGridWorker, "", anju.EINVALID},
		{"odd", ProposalAccept, anju.RoleGridWorker, "", anju.EINVALID},
	} {
		got, err := ProposalTransition(tc.from, tc.a, tc.role)
		if anju.ErrorCode(err) != tc.code || (tc.code == "" && got != tc.to) {
			t.Errorf("%s %s as %s: %s %v", tc.from, tc.a, tc.role, got, err)
		}
	}
}

func TestMeetingInputs(t *testing.T) {
	for _, tc := range []struct {
		change func(*Meeting)
		field  string
	}{
		{func(m *Meeting) {}, ""},
		{func(m *Meeting) { m.Community = "" }, "community"},
		{func(m *Meeting) { m.Title = "" }, "title"},
		{func(m *Meeting) { m.Place = strings.Repeat("地", MaxPlace+1) }, "place"},
		{func(m *Meeting) { m.Topics = nil }, "topics"},
		{func(m *Meeting) { m.Start = now }, "start"},
		{func(m *Meeting) { m.End = m.Start.Add(-time.Minute) }, "end"},
		{func(m *Meeting) { m.End = m.Start.Add(13 * time.Hour) }, "end"},
	} {
		m := meeting()
		tc.change(&m)
		if err := m.Validate(now); anju.ErrorField(err) != tc.field || (tc.field == "") != (err == nil) {
			t.Errorf("want field %q, got %v", tc.field, err)
		}
	}
	for field, p := range map[string]Proposal{
		"text":  {Text: " "},
		"phone": {Text: "路灯", Name: "王芳"},
		"name":  {Text: "路灯", Name: strings.Repeat("名", MaxName+1), Phone: "1"},
	} {
		if err := p.Validate(); anju.ErrorField(err) != field {
			t.Errorf("proposal %s: %v", field, err)
		}
	}
	for field, m := range map[string]Minutes{
		"text":      {Attendees: 3},
		"attendees": {Text: "议定两件事", Attendees: 0},
	} {
		if err := m.Validate(); anju.ErrorField(err) != field {
			t.Errorf("minutes %s: %v", field, err)
		}
	}
	for field, d := range map[string]Decision{
		"text":     {Category: "0101"},
		"category": {Text: "修路灯"},
	} {
		if err := d.Validate(); anju.ErrorField(err) != field {
			t.Errorf("decision %s: %v", field, err)
		}
	}
}

// What a page offers is what the tables allow, state by state.
func TestAllowedActions(t *testing.T) {
	sup, op, res := anju.RoleSupervisor, anju.RoleOperator, anju.RoleResident
	before, during := now, start.Add(30*time.Minute)
	for _, tc := range []struct {
		state SessionState
		at    time.Time
		roles []anju.Role
		want  []SessionAction
	}{
		{SessionDraft, before, []anju.Role{sup}, []SessionAction{SessionPublish, SessionCancel}},
		{SessionPublished, before, []anju.Role{sup}, []SessionAction{SessionBook, SessionCancel}},
		{SessionPublished, during, []anju.Role{sup}, []SessionAction{SessionHold, SessionBook, SessionCancel}},
		{SessionPublished, before, []anju.Role{op}, []SessionAction{SessionBook}},
		{SessionHeld, during, []anju.Role{sup}, []SessionAction{SessionClose, SessionFileCase}},
		{SessionHeld, during, []anju.Role{op}, []SessionAction{SessionFileCase}},
		{SessionHeld, during, []anju.Role{res}, []SessionAction{}},
		{SessionClosed, during, []anju.Role{sup}, []SessionAction{}},
		{SessionDraft, before, nil, []SessionAction{}},
	} {
		if got := AllowedSessionActions(session(), tc.state, tc.at, tc.roles...); !slices.Equal(got, tc.want) {
			t.Errorf("session %s as %v at %v: %v, want %v", tc.state, tc.roles, tc.at, got, tc.want)
		}
	}
	gw := anju.RoleGridWorker
	for _, tc := range []struct {
		state State
		at    time.Time
		roles []anju.Role
		want  []Action
	}{
		{Scheduled, before, []anju.Role{gw}, []Action{ActionPropose, ActionModerate, ActionCancel}},
		{Scheduled, during, []anju.Role{gw}, []Action{ActionHold, ActionModerate, ActionCancel}},
		{Scheduled, before, []anju.Role{res}, []Action{ActionPropose}},
		{Held, during, []anju.Role{gw}, []Action{ActionMinutes}},
		{Minuted, during, []anju.Role{gw}, []Action{ActionDecide}},
		{Minuted, during, []anju.Role{op}, []Action{}},
		{Cancelled, before, []anju.Role{gw}, []Action{}},
	} {
		if got := AllowedActions(meeting(), tc.state, tc.at, tc.roles...); !slices.Equal(got, tc.want) {
			t.Errorf("meeting %s as %v at %v: %v, want %v", tc.state, tc.roles, tc.at, got, tc.want)
		}
	}
}
