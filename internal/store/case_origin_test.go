package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/meeting"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// A case born at a reception session carries the session and its leader,
// one born of a meeting's decision the meeting and the decision; a case
// taken in otherwise carries none. The leader's login is for staff only.
// The session and the meeting say what the reader may do to them now.
func TestCaseOrigin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		leader := mustUser(t, w.db, "leader-a", anju.Grant{Role: anju.RoleSupervisor, Region: "330102"})
		in := receptionDay(w)
		s, err := w.db.CreateReception(ctx, leader, in)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.AllowedActions, []meeting.SessionAction{meeting.SessionPublish, meeting.SessionCancel}) {
			t.Errorf("a draft offers its leader %v", s.AllowedActions)
		}
		if _, err := w.db.ActOnReception(ctx, leader, s.ID, meeting.SessionPublish); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.db.GetReception(ctx, w.actors["operator"], s.ID); !slices.Equal(got.AllowedActions, []meeting.SessionAction{meeting.SessionBook}) {
			t.Errorf("a published session offers an operator %v", got.AllowedActions)
		}
		w.clock.Set(in.Start.Add(5 * time.Minute))
		if _, err := w.db.ActOnReception(ctx, leader, s.ID, meeting.SessionHold); err != nil {
			t.Fatal(err)
		}
		nc := streetLight()
		nc.Reporter.Name, nc.Reporter.Phone, nc.Reporter.Anonymous = "", "", true
		born, err := w.db.FileSessionCase(ctx, leader, s.ID, store.SessionCase{NewCase: nc})
		if err != nil {
			t.Fatal(err)
		}
		c, err := w.db.GetCase(ctx, w.actors["dispatcher"], born.ID)
		if err != nil {
			t.Fatal(err)
		}
		o := c.Origin
		if o == nil || o.Kind != store.OriginReception || o.SessionID != s.ID || o.Leader != "leader-a" || o.LeaderName != "leader-a" ||
			o.LeaderTitle != "第1区区长" || o.RegionName != "第1街道" || o.Place != in.Place || !o.Start.Equal(in.Start) || o.MeetingID != 0 {
			t.Fatalf("origin of a case born at a session: %+v", o)
		}
		b, _ := json.Marshal(c)
		if !strings.Contains(string(b), `"origin":{"kind":"reception","session_id":`+strconv.FormatInt(s.ID, 10)+`,"leader":"leader-a"`) {
			t.Errorf("case JSON: %s", b)
		}
		// Another district's staff do not see the case at all.
		if _, err := w.db.GetCase(ctx, w.actors["worker-b"], born.ID); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B reads the case: %v", err)
		}

		// A meeting's decision.
		wa := w.actors["worker-a"]
		start := w.clock.Now().Add(24 * time.Hour)
		m, err := w.db.CreateMeeting(ctx, wa, meeting.Meeting{Community: "330102001001", Title: "第1社区民情恳谈会", Place: "社区议事厅",
			Start: start, End: start.Add(2 * time.Hour), Topics: []string{"电动车充电棚"}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m.AllowedActions, []meeting.Action{meeting.ActionPropose, meeting.ActionModerate, meeting.ActionCancel}) {
			t.Errorf("a scheduled meeting offers its convener %v", m.AllowedActions)
		}
		w.clock.Set(start.Add(time.Hour))
		if _, err := w.db.ActOnMeeting(ctx, wa, m.ID, meeting.ActionHold); err != nil {
			t.Fatal(err)
		}
		if m, err = w.db.RecordMinutes(ctx, wa, m.ID, meeting.Minutes{Text: "议定建充电棚", Attendees: 20}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m.AllowedActions, []meeting.Action{meeting.ActionDecide}) {
			t.Errorf("a minuted meeting offers %v", m.AllowedActions)
		}
		d, err := w.db.RecordDecision(ctx, wa, m.ID, meeting.Decision{Text: "在3号楼旁建电动车充电棚", Category: "0101"})
		if err != nil {
			t.Fatal(err)
		}
		c, err = w.db.GetCase(ctx, wa, d.Case.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o := c.Origin; o == nil || o.Kind != store.OriginMeeting || o.MeetingID != m.ID || o.DecisionID != d.ID || o.Title != "第1社区民情恳谈会" ||
			o.Decision != "在3号楼旁建电动车充电棚" || o.RegionName != "第1社区" || o.SessionID != 0 || o.Leader != "" {
			t.Fatalf("origin of a decision's case: %+v", o)
		}
		// A case taken in on the hotline has none.
		other, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}
		if c, err := w.db.GetCase(ctx, w.actors["operator"], other.ID); err != nil || c.Origin != nil {
			t.Fatalf("hotline case: %+v %v", c.Origin, err)
		}
		b, _ = json.Marshal(other)
		if strings.Contains(string(b), `"origin"`) {
			t.Errorf("hotline case JSON has an origin: %s", b)
		}
	})
}

// GridsOf lists the grids of a place inside the reader's area, and nothing
// of a place outside it.
func TestGridsOf(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		gs, err := w.db.GridsOf(ctx, w.actors["worker-a"], "330102001")
		if err != nil || len(gs) != 2 || gs[0].Code != "330102001001001" || gs[1].Code != "330102001001002" {
			t.Fatalf("grids of street A: %+v %v", gs, err)
		}
		if gs, err := w.db.GridsOf(ctx, w.actors["worker-a"], "330102001001002"); err != nil || len(gs) != 1 {
			t.Errorf("a grid's grids: %+v %v", gs, err)
		}
		if _, err := w.db.GridsOf(ctx, w.actors["worker-a"], "330105001"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("grids of street B for worker A: %v", err)
		}
	})
}
