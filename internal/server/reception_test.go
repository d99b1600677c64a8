package server_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/meeting"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// receptionAndMeetingInB publishes a reception session led by worker-b and
// a meeting of district B's community with a proposal, and returns their
// ids.
func receptionAndMeetingInB(t *testing.T, db *store.DB) (string, string, string) {
	t.Helper()
	ctx := context.Background()
	sys := anju.SystemActor("t")
	start := db.Now().Add(48 * time.Hour).Truncate(time.Hour)
	s, err := db.CreateReception(ctx, sys, meeting.Session{Leader: "worker-b", LeaderTitle: "网格长", Region: "330105001", Place: "乙街道",
		Start: start, End: start.Add(time.Hour), Topics: []string{"x"}, SlotMinutes: 30, Capacity: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ActOnReception(ctx, sys, s.ID, meeting.SessionPublish); err != nil {
		t.Fatal(err)
	}
	m, err := db.CreateMeeting(ctx, sys, meeting.Meeting{Community: "330105001001", Title: "乙社区议事会", Place: "议事厅",
		Start: start, End: start.Add(time.Hour), Topics: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.ProposeTopic(ctx, sys, m.ID, meeting.Proposal{Text: "楼道灯"})
	if err != nil {
		t.Fatal(err)
	}
	return itoa(s.ID), itoa(m.ID), itoa(p.ID)
}

// sessionSlot is the first slot of a session, as a client sends it.
func (f *fixture) sessionSlot(id string) string {
	n, _ := strconv.ParseInt(id, 10, 64)
	s, err := f.db.GetReception(context.Background(), anju.SystemActor("t"), n)
	if err != nil || len(s.SlotList) == 0 {
		f.t.Fatalf("session %s: %+v %v", id, s, err)
	}
	return s.SlotList[0].Start.Format(time.RFC3339)
}

func decodeID(t *testing.T, body string) string {
	t.Helper()
	var v struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.ID == 0 {
		t.Fatalf("no id in %s", body)
	}
	return itoa(v.ID)
}

func TestReceptionAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		// Monday 09:00 in Beijing.
		clk := anju.NewFakeClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
		f := newFixtureWith(t, dsn, store.Options{Clock: clk})
		f.addUser("leader-a", anju.Grant{Role: anju.RoleSupervisor, Region: "330102"})
		start := "2026-03-04T09:00:00+08:00"
		session := `{"leader":"leader-a","leader_title":"第1区区长","region":"330102001","place":"第1街道便民服务中心",
			"start":"` + start + `","end":"2026-03-04T10:00:00+08:00","topics":["老旧小区改造"],"slot_minutes":%d,"capacity":1}`
		// Bad input: 400 naming the field, nothing written.
		status, body := f.post("leader-a", "/api/v1/receptions", strings.Replace(session, "%d", "0", 1), nil)
		if status != 400 || !strings.Contains(body, `"field":"slot_minutes"`) {
			t.Fatalf("bad session: %d %s", status, body)
		}
		if _, body := f.do("leader-a", "GET", "/api/v1/receptions", ""); !strings.Contains(body, `"sessions":[]`) {
			t.Fatalf("bad input wrote a session: %s", body)
		}
		// A grid worker does not arrange sessions.
		if status, _ := f.post("worker-a", "/api/v1/receptions", strings.Replace(session, "%d", "20", 1), nil); status != 403 {
			t.Fatalf("worker arranges: %d", status)
		}
		status, body = f.post("leader-a", "/api/v1/receptions", strings.Replace(session, "%d", "20", 1), nil)
		if status != 201 {
			t.Fatalf("session: %d %s", status, body)
		}
		sid := decodeID(t, body)
		if status, body := f.post("leader-a", "/api/v1/receptions/"+sid+"/publish", "", nil); status != 200 || !strings.Contains(body, `"state":"published"`) {
			t.Fatalf("publish: %d %s", status, body)
		}
		book := func(login, slot string) (int, string) {
			return f.post(login, "/api/v1/receptions/"+sid+"/bookings",
				`{"slot":"`+slot+`","name":"王芳","phone":"13812345678","topic":"加装电梯"}`, nil)
		}
		status, body = book("operator", start)
		if status != 201 || !strings.Contains(body, `"code":"`) || strings.Contains(body, "13812345678") {
			t.Fatalf("booking: %d %s", status, body)
		}
		bid := decodeID(t, body)
		if status, body := book("operator", start); status != 409 {
			t.Fatalf("full slot: %d %s", status, body)
		}
		if status, body := f.post("operator", "/api/v1/receptions/"+sid+"/bookings", `{"slot":"`+start+`","name":"王芳","topic":"x"}`, nil); status != 400 ||
			!strings.Contains(body, `"field":"phone"`) {
			t.Fatalf("booking without phone: %d %s", status, body)
		}
		// The session starts: past slots are refused, the leader holds it
		// and a case is born there.
		clk.Set(time.Date(2026, 3, 4, 1, 25, 0, 0, time.UTC))
		if status, body := book("operator", "2026-03-04T09:20:00+08:00"); status != 400 || !strings.Contains(body, `"field":"slot"`) {
			t.Fatalf("past slot: %d %s", status, body)
		}
		if status, body := f.post("leader-a", "/api/v1/receptions/"+sid+"/hold", "", nil); status != 200 {
			t.Fatalf("hold: %d %s", status, body)
		}
		status, body = f.post("leader-a", "/api/v1/receptions/"+sid+"/cases",
			`{"text":"3号楼想加装电梯，补贴怎么申请","category":"0101","lat":30.05,"lon":120.02,"booking_id":`+bid+`}`, nil)
		if status != 201 || !strings.Contains(body, `"channel":"reception"`) {
			t.Fatalf("case at the session: %d %s", status, body)
		}
		cid := decodeID(t, body)
		// The case's JSON says where it was born and who follows it.
		if status, body := f.do("dispatcher", "GET", "/api/v1/cases/"+cid, ""); status != 200 ||
			!strings.Contains(body, `"origin":{"kind":"reception","session_id":`+sid+`,"leader":"leader-a","leader_name":`) {
			t.Fatalf("case JSON of a case born at a session: %d %s", status, body)
		}
		if _, body := f.do("leader-a", "GET", "/api/v1/receptions/mine/cases", ""); !strings.Contains(body, `"id":`+cid) ||
			!strings.Contains(body, `"session_id":`+sid) || !strings.Contains(body, `"leader":"leader-a"`) {
			t.Fatalf("leader's list: %s", body)
		}
		// Another district's staff see none of it.
		for _, p := range []string{"/api/v1/receptions/" + sid} {
			if status, _ := f.do("worker-b", "GET", p, ""); status != 404 {
				t.Errorf("worker-b GET %s: %d", p, status)
			}
		}
		// Followed to its end, it leaves the leader's list.
		id, _ := strconv.ParseInt(cid, 10, 64)
		for _, step := range []struct {
			login string
			a     cases.Action
			in    cases.Input
		}{
			{"operator", cases.ActionAccept, cases.Input{}},
			{"dispatcher", cases.ActionDispatch, cases.Input{Department: "a-street"}},
			{"handler-a", cases.ActionStart, cases.Input{}},
			{"handler-a", cases.ActionResolve, cases.Input{Result: "已告知补贴申请办法并受理"}},
			{"worker-a", cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite}},
			{"dispatcher", cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved}},
		} {
			actor, err := f.db.ActorByToken(context.Background(), f.tokens[step.login])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.db.Act(context.Background(), actor, id, step.a, store.ActionInput{Input: step.in}); err != nil {
				t.Fatalf("%s: %v", step.a, err)
			}
		}
		if _, body := f.do("leader-a", "GET", "/api/v1/receptions/mine/cases", ""); strings.Contains(body, `"id":`+cid) {
			t.Fatalf("closed case on the leader's list: %s", body)
		}

		// A community meeting: a proposal accepted, minutes, two decisions.
		clk.Set(time.Date(2026, 3, 5, 1, 0, 0, 0, time.UTC))
		status, body = f.post("worker-a", "/api/v1/meetings", `{"community":"330102001001","title":"第1社区民情恳谈会","place":"议事厅",
			"start":"2026-03-06T19:00:00+08:00","end":"2026-03-06T21:00:00+08:00","topics":["充电棚"]}`, nil)
		if status != 201 {
			t.Fatalf("meeting: %d %s", status, body)
		}
		mid := decodeID(t, body)
		status, body = f.post("operator", "/api/v1/meetings/"+mid+"/proposals", `{"text":"楼道堆物清理","name":"赵敏","phone":"13912345678"}`, nil)
		if status != 201 || strings.Contains(body, "13912345678") {
			t.Fatalf("proposal: %d %s", status, body)
		}
		pid := decodeID(t, body)
		if status, body := f.post("worker-a", "/api/v1/meetings/"+mid+"/proposals/"+pid+"/accept", "", nil); status != 200 || !strings.Contains(body, `"state":"accepted"`) {
			t.Fatalf("accept: %d %s", status, body)
		}
		if status, body := f.post("worker-a", "/api/v1/meetings/"+mid+"/minutes", `{"text":"议定两件事","attendees":25}`, nil); status != 409 {
			t.Fatalf("minutes before held: %d %s", status, body)
		}
		clk.Set(time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC))
		if status, body := f.post("worker-a", "/api/v1/meetings/"+mid+"/hold", "", nil); status != 200 {
			t.Fatalf("hold: %d %s", status, body)
		}
		if status, body := f.post("worker-a", "/api/v1/meetings/"+mid+"/minutes", `{"text":"议定两件事","attendees":25}`, nil); status != 200 {
			t.Fatalf("minutes: %d %s", status, body)
		}
		if status, body := f.post("worker-a", "/api/v1/meetings/"+mid+"/decisions", `{"text":"建充电棚"}`, nil); status != 400 ||
			!strings.Contains(body, `"field":"category"`) {
			t.Fatalf("decision without category: %d %s", status, body)
		}
		for _, text := range []string{"在3号楼旁建电动车充电棚", "清理各楼道堆物"} {
			if status, body := f.post("worker-a", "/api/v1/meetings/"+mid+"/decisions", `{"text":"`+text+`","category":"0101"}`, nil); status != 201 {
				t.Fatalf("decision: %d %s", status, body)
			}
		}
		_, body = f.do("worker-a", "GET", "/api/v1/meetings/"+mid, "")
		var m store.Meeting
		if err := json.Unmarshal([]byte(body), &m); err != nil || len(m.Decisions) != 2 || m.Decisions[0].Case.ID == m.Decisions[1].Case.ID ||
			m.Decisions[1].Case.State != cases.StateSubmitted || m.State != meeting.Minuted {
			t.Fatalf("meeting afterwards: %s", body)
		}
		if status, _ := f.do("worker-b", "GET", "/api/v1/meetings/"+mid, ""); status != 404 {
			t.Errorf("worker-b reads the meeting: %d", status)
		}
		did := strconv.FormatInt(m.Decisions[0].ID, 10)
		if status, body := f.do("worker-a", "GET", "/api/v1/cases/"+strconv.FormatInt(m.Decisions[0].Case.ID, 10), ""); status != 200 ||
			!strings.Contains(body, `"origin":{"kind":"meeting","meeting_id":`+mid+`,"title":"第1社区民情恳谈会","decision_id":`+did+`,"decision":"在3号楼旁建电动车充电棚"`) {
			t.Fatalf("case JSON of a decision's case: %d %s", status, body)
		}
	})
}
