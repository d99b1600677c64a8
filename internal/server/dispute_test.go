package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/department"
	"anju/internal/dispute"
	"anju/internal/server"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/warning"
)

const disputeIntake = `{"title":"楼上装修噪声","text":"楼上连续三周夜间装修，协商无果","category":"1101","lat":30.05,"lon":120.02,
	"dispute":{"type":"neighbour","amount":1200,"people":2,"parties":[
		{"kind":"person","role":"applicant","name":"李四","phone":"13912345678"},
		{"kind":"person","role":"respondent","name":"王五","phone":"13698765432"}]}}`

// withMediation adds street A's mediation committee and its mediator.
func (f *fixture) withMediation() {
	f.t.Helper()
	ctx := context.Background()
	sys := anju.SystemActor("t")
	if _, err := f.db.SaveDepartment(ctx, sys, store.Department{Code: "a-mediation", Name: "第1街道人民调解委员会",
		Type: department.TypeMediationCommittee, Region: "330102001"}); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "mediator-a", Name: "赵调解", PasswordHash: "x"}); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.db.GrantRole(ctx, sys, "mediator-a", anju.Grant{Role: anju.RoleMediator, Department: "a-mediation"}); err != nil {
		f.t.Fatal(err)
	}
	tok, err := f.db.CreateAPIToken(ctx, sys, "mediator-a", "test")
	if err != nil {
		f.t.Fatal(err)
	}
	f.tokens["mediator-a"] = tok
}

// disputeInB is a dispute in district B, agreed, for the scope matrix.
func disputeInB(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	sys := anju.SystemActor("t")
	nd := store.NewDispute{NewCase: store.NewCase{Text: "第2网格邻里纠纷", Category: "1101", Grid: "330105001001001"}}
	nd.Dispute = dispute.Dispute{Type: dispute.TypeNeighbour, People: 2, Parties: []dispute.Party{
		{Kind: dispute.Person, Role: dispute.Applicant, Name: "甲"}, {Kind: dispute.Person, Role: dispute.Respondent, Name: "乙"}}}
	cd, err := db.CreateDispute(ctx, sys, nd)
	if err != nil {
		t.Fatal(err)
	}
	return itoa(cd.ID)
}

func (f *fixture) must(login, method, path, body string) string {
	f.t.Helper()
	status, out := f.do(login, method, path, body)
	if status != 200 && status != 201 {
		f.t.Fatalf("%s %s %s: %d %s", login, method, path, status, out)
	}
	return out
}

// TestDisputeAPI: a grid worker takes a dispute in, the dispatcher sends it
// to the street's mediation committee, the mediator holds two sessions and
// records an agreement, prints it, and a follow-up finding it broken sends
// it back to the committee. Another street's worker sees none of it; bad
// input is a 400 naming the field and writes nothing.
func TestDisputeAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.withMediation()
		status, body := f.post("worker-a", "/api/v1/disputes", disputeIntake, nil)
		if status != 201 {
			t.Fatalf("intake: %d %s", status, body)
		}
		var cd struct {
			ID      int64  `json:"id"`
			Kind    string `json:"kind"`
			State   string `json:"state"`
			Dispute struct {
				State   string `json:"state"`
				Parties []struct {
					ID   int64  `json:"id"`
					Name string `json:"name"`
				} `json:"parties"`
			} `json:"dispute"`
		}
		json.Unmarshal([]byte(body), &cd)
		if cd.Kind != "dispute" || cd.Dispute.State != "mediating" || len(cd.Dispute.Parties) != 2 || cd.Dispute.Parties[0].Name != "李**" {
			t.Fatalf("intake answer: %s", body)
		}
		id := itoa(cd.ID)
		base := "/api/v1/disputes/" + id
		// The case's own JSON carries the detail, and the kind lists it.
		if out := f.must("worker-a", "GET", "/api/v1/cases/"+id, ""); !strings.Contains(out, `"dispute":{"case_id":`+id) || strings.Contains(out, "李四") {
			t.Errorf("case JSON: %s", out)
		}
		if out := f.must("worker-a", "GET", "/api/v1/cases?kind=dispute", ""); !strings.Contains(out, `"id":`+id) {
			t.Errorf("cases of kind dispute: %s", out)
		}
		if status, _ := f.do("worker-b", "GET", "/api/v1/cases/"+id, ""); status != 404 {
			t.Errorf("worker B reads it: %d", status)
		}

		f.must("dispatcher", "POST", "/api/v1/cases/"+id+"/actions/accept", `{}`)
		f.must("dispatcher", "POST", "/api/v1/cases/"+id+"/actions/dispatch", `{"department":"a-mediation"}`)
		f.must("mediator-a", "POST", "/api/v1/cases/"+id+"/actions/start", `{}`)
		p1, p2 := cd.Dispute.Parties[0].ID, cd.Dispute.Parties[1].ID
		for i, at := range []time.Time{time.Now().Add(-48 * time.Hour), time.Now().Add(-time.Hour)} {
			f.must("mediator-a", "POST", base+"/sessions", fmt.Sprintf(`{"held_at":%q,"place":"第1社区调解室","mediators":["赵调解"],"attended":[%d,%d],"notes":"第%d次调解"}`,
				at.Format(time.RFC3339), p1, p2, i+1))
		}
		if status, _ := f.do("worker-b", "POST", base+"/sessions", `{}`); status != 404 {
			t.Errorf("worker B records a session: %d", status)
		}
		// The workflow's resolve is the outcome's to take: refused as a
		// case action, and not offered.
		if status, body := f.post("mediator-a", "/api/v1/cases/"+id+"/actions/resolve", `{"result":"已调解"}`, nil); status != 409 {
			t.Errorf("a dispute resolved as a case: %d %s", status, body)
		}
		if out := f.must("mediator-a", "GET", "/api/v1/cases/"+id, ""); strings.Contains(out, `"resolve"`) ||
			!strings.Contains(out, `"allowed_steps":["session","agree","refer"]`) {
			t.Errorf("the mediator's case JSON: %s", out)
		}
		if out := f.must("mediator-a", "GET", "/api/v1/disputes/queues", ""); out != `{"queues":[{"queue":"committee","count":1},{"queue":"sessions","count":1}]}`+"\n" {
			t.Errorf("the mediator's queues: %q", out)
		}
		if out := f.must("mediator-a", "GET", "/api/v1/disputes?queue=sessions", ""); !strings.Contains(out, `"case_id":`+id) {
			t.Errorf("sessions to record: %s", out)
		}
		out := f.must("mediator-a", "POST", base+"/outcome", fmt.Sprintf(`{"agreement":true,"terms":"被申请人于十日内赔偿申请人1200元，今后夜间不再施工","parties":[%d,%d]}`, p1, p2))
		if !strings.Contains(out, `"state":"agreed"`) || !strings.Contains(out, `"follow_up_due"`) {
			t.Errorf("agreement: %s", out)
		}
		// The mediator prints it with the parties in clear; the grid worker
		// sees them masked.
		if out := f.must("mediator-a", "GET", base+"/agreement", ""); !strings.Contains(out, "李四") || !strings.Contains(out, `"unmasked":true`) {
			t.Errorf("mediator's agreement: %s", out)
		}
		if out := f.must("worker-a", "GET", base+"/agreement", ""); strings.Contains(out, "李四") || !strings.Contains(out, "李**") {
			t.Errorf("worker's agreement: %s", out)
		}
		if status, body := f.do("worker-a", "POST", base+"/follow-up", `{"holds":false,"note":"未付款"}`); status != 409 {
			t.Errorf("follow-up before it is due: %d %s", status, body)
		}
		// The city's period passes.
		if _, err := f.db.SQL().Exec(`UPDATE disputes SET follow_up_due = $1 WHERE case_id = $2`, time.Now().Add(-time.Hour).UnixMicro(), cd.ID); err != nil {
			t.Fatal(err)
		}
		if out := f.must("worker-a", "GET", "/api/v1/disputes?queue=follow_up", ""); !strings.Contains(out, `"case_id":`+id) {
			t.Errorf("visits due: %s", out)
		}
		out = f.must("worker-a", "POST", base+"/follow-up", `{"holds":false,"note":"王五未按期付款"}`)
		if !strings.Contains(out, `"state":"in_progress"`) || !strings.Contains(out, `"department":"a-mediation"`) || !strings.Contains(out, `"broken":1`) {
			t.Errorf("broken agreement: %s", out)
		}

		// Bad input: 400 naming the field, nothing written.
		var before int
		f.db.SQL().QueryRow(`SELECT COUNT(*) FROM cases`).Scan(&before)
		type disputeRow struct {
			state   string
			updated int64
			events  int
		}
		row := func() (r disputeRow) {
			f.db.SQL().QueryRow(`SELECT d.state, d.updated_at, (SELECT COUNT(*) FROM case_events e WHERE e.case_id = d.case_id)
				FROM disputes d WHERE d.case_id = $1`, cd.ID).Scan(&r.state, &r.updated, &r.events)
			return r
		}
		rowBefore := row()
		for _, tc := range []struct{ login, path, body, field string }{
			{"worker-a", "/api/v1/disputes", strings.Replace(disputeIntake, `"neighbour"`, `"feud"`, 1), "type"},
			{"worker-a", "/api/v1/disputes", strings.Replace(disputeIntake, `"people":2`, `"people":0`, 1), "people"},
			{"worker-a", "/api/v1/disputes", strings.Replace(disputeIntake, `"amount":1200`, `"amount":-1`, 1), "amount"},
			{"worker-a", "/api/v1/disputes", `{"text":"纠纷","category":"1101","lat":30.05,"lon":120.02,"dispute":{"type":"other","people":1,"parties":[]}}`, "parties"},
			{"mediator-a", base + "/sessions", fmt.Sprintf(`{"held_at":%q,"place":"调解室","mediators":["赵调解"],"attended":[%d]}`,
				time.Now().Add(48*time.Hour).Format(time.RFC3339), p1), "held_at"},
			{"mediator-a", base + "/outcome", fmt.Sprintf(`{"agreement":true,"terms":"","parties":[%d,%d]}`, p1, p2), "terms"},
			{"mediator-a", base + "/outcome", `{"agreement":true,"terms":"赔偿"}`, "parties"},
			{"mediator-a", base + "/outcome", fmt.Sprintf(`{"agreement":true,"terms":"赔偿","parties":[%d]}`, p1), "parties"},
			{"mediator-a", "/api/v1/disputes", strings.Replace(disputeIntake, `"dispute":`, `"committee":"a-street","dispute":`, 1), "committee"},
			{"mediator-a", base + "/outcome", `{"agreement":false,"referral":"duel"}`, "referral"},
		} {
			status, body := f.post(tc.login, tc.path, tc.body, nil)
			var e struct {
				Error struct {
					Field string `json:"field"`
				} `json:"error"`
			}
			json.Unmarshal([]byte(body), &e)
			if status != 400 || e.Error.Field != tc.field {
				t.Errorf("%s %s: %d %s, want 400 on %s", tc.login, tc.path, status, body, tc.field)
			}
		}
		if status, body := f.do("worker-a", "GET", "/api/v1/disputes?queue=mine", ""); status != 400 || !strings.Contains(body, `"field":"queue"`) {
			t.Errorf("an unknown queue: %d %s", status, body)
		}
		if status, body := f.do("mediator-a", "GET", "/api/v1/disputes?queue=follow_up", ""); status != 400 || !strings.Contains(body, `"field":"queue"`) {
			t.Errorf("a queue the mediator does not see: %d %s", status, body)
		}
		var after, sessions int
		f.db.SQL().QueryRow(`SELECT COUNT(*) FROM cases`).Scan(&after)
		f.db.SQL().QueryRow(`SELECT COUNT(*) FROM dispute_sessions`).Scan(&sessions)
		if after != before || sessions != 2 {
			t.Errorf("refusals wrote: cases %d → %d, sessions %d", before, after, sessions)
		}
		// The refused outcomes (an agreement without parties among them)
		// left the dispute as it was: still in mediation, no event.
		if r := row(); r != rowBefore || r.state != "mediating" {
			t.Errorf("refusals changed the dispute: %+v, was %+v", r, rowBefore)
		}
	})
}

// TestDisputeReferralAPI: without agreement, referred to litigation, the
// dispute stays on the referred list until the court's result is recorded;
// a large dispute raises one warning to its street.
func TestDisputeReferralAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.withMediation()
		status, body := f.post("operator", "/api/v1/disputes", strings.Replace(disputeIntake, `"people":2`, `"people":25`, 1), nil)
		if status != 201 {
			t.Fatalf("intake: %d %s", status, body)
		}
		var cd struct{ ID int64 }
		json.Unmarshal([]byte(body), &cd)
		id := itoa(cd.ID)
		f.must("dispatcher", "POST", "/api/v1/cases/"+id+"/actions/accept", `{}`)
		f.must("dispatcher", "POST", "/api/v1/cases/"+id+"/actions/dispatch", `{"department":"a-mediation"}`)
		f.must("mediator-a", "POST", "/api/v1/cases/"+id+"/actions/start", `{}`)
		f.must("mediator-a", "POST", "/api/v1/disputes/"+id+"/outcome", `{"agreement":false,"referral":"litigation","note":"双方分歧过大"}`)
		if out := f.must("worker-a", "GET", "/api/v1/disputes?state=referred", ""); !strings.Contains(out, `"case_id":`+id) || !strings.Contains(out, `"referral":"litigation"`) {
			t.Errorf("referred list: %s", out)
		}
		if out := f.must("worker-a", "GET", "/api/v1/cases/"+id, ""); !strings.Contains(out, `"state":"resolved"`) {
			t.Errorf("the case is not open: %s", out)
		}
		if status, _ := f.do("worker-a", "GET", "/api/v1/disputes/"+id+"/agreement", ""); status != 409 {
			t.Errorf("agreement of a referred dispute: %d", status)
		}

		if _, err := f.db.DetectWarnings(context.Background(), time.Now(), warning.Policy{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.DetectWarnings(context.Background(), time.Now(), warning.Policy{}); err != nil {
			t.Fatal(err)
		}
		out := f.must("worker-a", "GET", "/api/v1/warnings?kind=large_dispute", "")
		if strings.Count(out, `"kind":"large_dispute"`) != 1 || !strings.Contains(out, "涉及 25 人") || strings.Contains(out, "李") {
			t.Errorf("large dispute warnings: %s", out)
		}
		if out := f.must("worker-b", "GET", "/api/v1/warnings?kind=large_dispute", ""); strings.Contains(out, "large_dispute\"") {
			t.Errorf("street B sees it: %s", out)
		}

		// The city's settings: a street's administrator may not set them,
		// bad values name their field, and the city's administrator's stick.
		if status, _ := f.do("admin-a", "PUT", "/api/v1/disputes/settings", `{"follow_up_days":10}`); status != 403 {
			t.Errorf("street administrator sets the city's settings: %d", status)
		}
		if status, body := f.do("admin", "PUT", "/api/v1/disputes/settings", `{"follow_up_days":0,"large_people":-1}`); status != 400 || !strings.Contains(body, `"field":"large_people"`) {
			t.Errorf("bad settings: %d %s", status, body)
		}
		f.must("admin", "PUT", "/api/v1/disputes/settings", `{"follow_up_days":15,"large_people":30,"large_amount":500000}`)
		if out := f.must("worker-a", "GET", "/api/v1/disputes/settings", ""); strings.TrimSpace(out) != `{"follow_up_days":15,"large_people":30,"large_amount":500000}` {
			t.Errorf("settings read back: %q", out)
		}

		f.must("worker-a", "POST", "/api/v1/disputes/"+id+"/referral", `{"result":"法院判决被申请人赔偿申请人1200元"}`)
		if out := f.must("worker-a", "GET", "/api/v1/disputes?state=referred", ""); strings.Contains(out, `"case_id":`+id) {
			t.Errorf("still on the referred list: %s", out)
		}
		if out := f.must("worker-a", "GET", "/api/v1/cases/"+id, ""); !strings.Contains(out, `"state":"closed"`) || !strings.Contains(out, `"state":"concluded"`) {
			t.Errorf("concluded: %s", out)
		}
	})
}

// TestDisputeStepsRefuseBeforeBody: the mediation steps are the staff's: a
// resident's request is refused with 403 before one byte of its body is
// read, and so are the dispute queues.
func TestDisputeStepsRefuseBeforeBody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		ctx := context.Background()
		sys := anju.SystemActor("t")
		if _, err := f.db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "resident", Name: "居民", PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.GrantRole(ctx, sys, "resident", anju.Grant{Role: anju.RoleResident, Region: "330100"}); err != nil {
			t.Fatal(err)
		}
		tok, err := f.db.CreateAPIToken(ctx, sys, "resident", "test")
		if err != nil {
			t.Fatal(err)
		}
		h := server.New(server.Config{DB: f.db})
		for _, step := range []string{"sessions", "outcome", "referral", "follow-up"} {
			req := httptest.NewRequest("POST", "/api/v1/disputes/1/"+step, untouchable{t})
			req.ContentLength = 127 << 20
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 403 {
				t.Errorf("a resident's %s: %d %s", step, rec.Code, rec.Body)
			}
		}
		req := httptest.NewRequest("GET", "/api/v1/disputes/queues", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 403 {
			t.Errorf("a resident's dispute queues: %d", rec.Code)
		}
	})
}

// TestDisputeMediatorIntakeAPI: a mediator files a dispute that his
// committee holds at once, and finds it on his list of sessions to record.
func TestDisputeMediatorIntakeAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.withMediation()
		status, body := f.post("mediator-a", "/api/v1/disputes", disputeIntake, nil)
		if status != 201 || !strings.Contains(body, `"state":"in_progress"`) || !strings.Contains(body, `"department":"a-mediation"`) {
			t.Fatalf("mediator's intake: %d %s", status, trim(body))
		}
		var cd struct{ ID int64 }
		json.Unmarshal([]byte(body), &cd)
		if out := f.must("mediator-a", "GET", "/api/v1/disputes?queue=sessions", ""); !strings.Contains(out, `"case_id":`+itoa(cd.ID)) {
			t.Errorf("sessions to record: %s", out)
		}
	})
}
