package server_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/petition"
	"anju/internal/server"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

const petitionIntake = `{"title":"征地补偿款未足额发放","text":"村里征地补偿款至今未足额发放","category":"1603","lat":30.05,"lon":120.02,
	"reporter":{"name":"王五","phone":"13900001111"},"petition":{"channel":"visit","first":true}}`

// withPetitionOffice adds street A's petition office and its handler, a
// city-wide supervisor and a resident.
func (f *fixture) withPetitionOffice() {
	f.t.Helper()
	ctx := context.Background()
	sys := anju.SystemActor("t")
	if _, err := f.db.SaveDepartment(ctx, sys, store.Department{Code: "a-xf", Name: "第1街道信访办", Region: "330102001",
		Categories: []string{"16"}}); err != nil {
		f.t.Fatal(err)
	}
	for login, g := range map[string]anju.Grant{
		"xf-a":       {Role: anju.RoleHandler, Department: "a-xf"},
		"supervisor": {Role: anju.RoleSupervisor, Region: "330100"},
		"resident":   {Role: anju.RoleResident, Region: "330100"},
	} {
		if _, err := f.db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: login, Name: login, PasswordHash: "x"}); err != nil {
			f.t.Fatal(err)
		}
		if _, err := f.db.GrantRole(ctx, sys, login, g); err != nil {
			f.t.Fatal(err)
		}
		tok, err := f.db.CreateAPIToken(ctx, sys, login, "test")
		if err != nil {
			f.t.Fatal(err)
		}
		f.tokens[login] = tok
	}
}

// petitionInB is a petition in district B, accepted, for the scope matrix.
func petitionInB(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	sys := anju.SystemActor("t")
	first := true
	np := store.NewPetition{NewCase: store.NewCase{Text: "第2网格征地补偿", Category: "1603", Grid: "330105001001001"},
		Petition: petition.Intake{Channel: petition.ChannelLetter, First: &first}}
	np.Reporter.Name = "丙"
	cp, err := db.CreatePetition(ctx, sys, np)
	if err != nil {
		t.Fatal(err)
	}
	op, err := db.Authenticate(ctx, "operator", password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AcceptPetition(ctx, op, cp.ID, petition.Acceptance{Notice: "受理"}); err != nil {
		t.Fatal(err)
	}
	return itoa(cp.ID)
}

type petitionJSON struct {
	ID           int64  `json:"id"`
	Kind         string `json:"kind"`
	Channel      string `json:"channel"`
	State        string `json:"state"`
	TrackingCode string `json:"tracking_code"`
	Reporter     struct {
		Name string `json:"name"`
	} `json:"reporter"`
	Deadlines struct {
		Resolution time.Time `json:"resolution"`
	} `json:"deadlines"`
	Petition struct {
		Channel  string   `json:"channel"`
		First    bool     `json:"first"`
		RepeatOf int64    `json:"repeat_of"`
		Steps    []string `json:"steps"`
		Clock    struct {
			Stage           string     `json:"stage"`
			AcceptNoticeDue time.Time  `json:"accept_notice_due"`
			ConclusionDue   *time.Time `json:"conclusion_due"`
			ReviewRequestBy *time.Time `json:"review_request_by"`
			DueFor          string     `json:"due_for"`
		} `json:"clock"`
		Documents []struct {
			Kind string `json:"kind"`
			Text string `json:"text"`
		} `json:"documents"`
	} `json:"petition"`
}

// TestPetitionAPI: a petition through every route of its own and the
// generic case actions between them, on a fake clock: intake, acceptance
// with its notice, an extension asked and granted, the opinion, the
// printable documents, a review asked too late and one in time; the case
// JSON carries it under "petition", the workbench lists find it, the
// tracking page does not.
func TestPetitionAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		clk := anju.NewFakeClock(time.Date(2026, 2, 2, 10, 0, 0, 0, cstZone)) // Monday before Spring Festival
		f := newFixtureWith(t, dsn, store.Options{Clock: clk})
		f.withPetitionOffice()
		status, body := f.post("operator", "/api/v1/petitions", petitionIntake, nil)
		if status != 201 {
			t.Fatalf("intake: %d %s", status, body)
		}
		var p petitionJSON
		json.Unmarshal([]byte(body), &p)
		// 15 days end on 02-17, in the break: Tuesday 02-24.
		if p.Kind != "petition" || p.Channel != "visit" || p.Petition.Channel != "visit" || !p.Petition.First || p.Reporter.Name != "王**" ||
			p.Petition.Clock.Stage != "received" || !p.Petition.Clock.AcceptNoticeDue.Equal(dayEndCST(2026, 2, 24)) {
			t.Fatalf("intake answer: %s", body)
		}
		id := itoa(p.ID)
		base := "/api/v1/petitions/" + id
		if status, body := f.do("operator", "POST", base+"/accept", `{"notice":" "}`); status != 400 || !strings.Contains(body, `"field":"notice"`) {
			t.Errorf("blank notice: %d %s", status, body)
		}
		if status, _ := f.do("xf-a", "POST", base+"/accept", `{"notice":"x"}`); status != 404 {
			t.Errorf("a handler of no holding department accepting: %d", status)
		}
		clk.Set(time.Date(2026, 2, 6, 10, 0, 0, 0, cstZone))
		f.must("operator", "POST", base+"/accept", `{"notice":"交第1街道信访办调查处理"}`)
		f.must("dispatcher", "POST", "/api/v1/cases/"+id+"/actions/dispatch", `{"department":"a-xf"}`)
		f.must("xf-a", "POST", "/api/v1/cases/"+id+"/actions/start", ``)
		if status, body := f.do("xf-a", "POST", base+"/extension", `{"reason":"需调取档案","days":31}`); status != 400 || !strings.Contains(body, `"field":"days"`) {
			t.Errorf("31 days: %d %s", status, body)
		}
		f.must("xf-a", "POST", base+"/extension", `{"reason":"需调取档案","days":28}`)
		f.must("dispatcher", "POST", "/api/v1/cases/"+id+"/actions/approve_extension", `{}`)
		// 88 days from 02-06 end on 05-05, Labour Day: Wednesday 05-06.
		json.Unmarshal([]byte(f.must("operator", "GET", "/api/v1/cases/"+id, "")), &p)
		if p.Petition.Clock.ConclusionDue == nil || !p.Petition.Clock.ConclusionDue.Equal(dayEndCST(2026, 5, 6)) ||
			!p.Deadlines.Resolution.Equal(dayEndCST(2026, 5, 6)) {
			t.Fatalf("the case JSON after the extension: %+v %v", p.Petition.Clock, p.Deadlines.Resolution)
		}
		if status, _ := f.do("xf-a", "POST", base+"/extension", `{"reason":"再延","days":2}`); status != 409 {
			t.Errorf("a second extension: %d", status)
		}
		f.must("xf-a", "POST", "/api/v1/cases/"+id+"/actions/resolve", `{"result":"经核查，差额已补发"}`)
		clk.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, cstZone))
		if status, body := f.do("dispatcher", "POST", base+"/opinion", `{"text":"经核查","finding":"maybe"}`); status != 400 || !strings.Contains(body, `"field":"finding"`) {
			t.Errorf("unknown finding: %d %s", status, body)
		}
		json.Unmarshal([]byte(f.must("dispatcher", "POST", base+"/opinion", `{"text":"经调查，您反映的问题属实，已责成补发。","finding":"supported"}`)), &p)
		// Delivered 03-02: the review window ends Wednesday 04-01.
		if p.State != "closed" || p.Petition.Clock.Stage != "concluded" || p.Petition.Clock.ReviewRequestBy == nil ||
			!p.Petition.Clock.ReviewRequestBy.Equal(dayEndCST(2026, 4, 1)) || len(p.Petition.Documents) != 2 {
			t.Fatalf("concluded: %+v", p)
		}
		if out := f.must("dispatcher", "GET", base+"/opinion", ""); !strings.Contains(out, `"kind":"opinion"`) ||
			!strings.Contains(out, `"name":"王五"`) || !strings.Contains(out, `"unmasked":true`) {
			t.Errorf("the opinion for the office: %s", out)
		}
		if out := f.must("supervisor", "GET", base+"/notice", ""); !strings.Contains(out, `"kind":"accept_notice"`) ||
			!strings.Contains(out, `"name":"王**"`) || strings.Contains(out, "13900001111") {
			t.Errorf("the notice for a supervisor: %s", out)
		}
		if out := f.must("dispatcher", "GET", "/api/v1/cases?kind=petition", ""); !strings.Contains(out, `"id":`+id) {
			t.Errorf("the petition is not on the kind=petition list: %s", out)
		}
		// The tracking code opens nothing.
		if status, _ := f.do("", "GET", "/api/v1/track/"+p.TrackingCode, ""); status != 404 {
			t.Errorf("a petition's tracking page: %d", status)
		}
		if status, _ := f.do("dispatcher", "POST", base+"/review", `{"reason":"不服"}`); status != 403 {
			t.Errorf("a review by a dispatcher: %d", status)
		}
		clk.Set(time.Date(2026, 4, 2, 0, 0, 1, 0, cstZone))
		events := func() (n int) {
			f.db.SQL().QueryRow(`SELECT COUNT(*) FROM case_events WHERE case_id = $1`, p.ID).Scan(&n)
			return n
		}
		eventsBefore := events()
		if status, body := f.do("supervisor", "POST", base+"/review", `{"reason":"不服"}`); status != 409 || !strings.Contains(body, "2026-04-01 24:00") {
			t.Errorf("a review after its window: %d %s", status, body)
		}
		// Nothing half-written: not reopened, not escalated, no event.
		if out := f.must("dispatcher", "GET", "/api/v1/cases/"+id, ""); !strings.Contains(out, `"state":"closed"`) || !strings.Contains(out, `"stage":"concluded"`) ||
			events() != eventsBefore {
			t.Errorf("the refused review wrote: %d events (were %d): %s", events(), eventsBefore, out)
		}
		clk.Set(time.Date(2026, 4, 1, 23, 0, 0, 0, cstZone))
		json.Unmarshal([]byte(f.must("supervisor", "POST", base+"/review", `{"reason":"补发金额有误"}`)), &p)
		if p.State != "accepted" || p.Petition.Clock.Stage != "review_requested" {
			t.Fatalf("review requested: %s %s", p.State, p.Petition.Clock.Stage)
		}
		if out := f.must("supervisor", "GET", "/api/v1/cases?queue=long_unresolved", ""); !strings.Contains(out, `"id":`+id) {
			t.Errorf("not on the leaders' list of long-unresolved petitions: %s", out)
		}
		if status, _ := f.do("dispatcher", "GET", "/api/v1/cases?queue=long_unresolved", ""); status != 403 {
			t.Errorf("the long-unresolved list for a dispatcher: %d", status)
		}
		// A repeat petition on the matter names the earlier one, and is
		// then no first petition; a letter is its case's channel; a case
		// channel other than its petition channel's is refused.
		repeat := strings.Replace(petitionIntake, `"petition":{"channel":"visit","first":true}`, `"petition":{"channel":"letter","repeat_of":`+id+`}`, 1)
		status, body = f.post("operator", "/api/v1/petitions", repeat, nil)
		var rp petitionJSON
		if json.Unmarshal([]byte(body), &rp); status != 201 || rp.Channel != "letter" || rp.Petition.Channel != "letter" ||
			rp.Petition.First || rp.Petition.RepeatOf != p.ID {
			t.Errorf("a repeat petition: %d %s", status, body)
		}
		for _, tc := range []struct{ body, field string }{
			{strings.Replace(repeat, `"category"`, `"channel":"web","category"`, 1), "channel"},
			{strings.Replace(repeat, `"repeat_of":`+id, `"repeat_of":999999`, 1), "repeat_of"},
			{strings.Replace(repeat, `"repeat_of":`, `"first":true,"repeat_of":`, 1), "repeat_of"},
			{strings.Replace(petitionIntake, `,"first":true`, ``, 1), "first"},
		} {
			if status, body := f.post("operator", "/api/v1/petitions", tc.body, nil); status != 400 || !strings.Contains(body, `"field":"`+tc.field+`"`) {
				t.Errorf("%s: %d %s, want 400 on %s", tc.body, status, body, tc.field)
			}
		}
		// A step on a case that is not a petition names no petition.
		status, body = f.post("operator", "/api/v1/cases", `{"text":"路灯坏了","category":"0101","lat":30.05,"lon":120.02}`, nil)
		var req struct {
			ID int64 `json:"id"`
		}
		json.Unmarshal([]byte(body), &req)
		if status, _ := f.do("operator", "GET", "/api/v1/petitions/"+itoa(req.ID), ""); status != 404 {
			t.Errorf("a request read as a petition: %d", status)
		}
	})
}

// TestPetitionRoutesRefuseBeforeBody: every petition route is for staff;
// a resident is refused with 403 before one byte of the body is read.
func TestPetitionRoutesRefuseBeforeBody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.withPetitionOffice()
		h := server.New(server.Config{DB: f.db})
		for _, path := range []string{"/api/v1/petitions", "/api/v1/petitions/1/accept", "/api/v1/petitions/1/decline",
			"/api/v1/petitions/1/extension", "/api/v1/petitions/1/opinion", "/api/v1/petitions/1/review", "/api/v1/petitions/1/re-review"} {
			req := httptest.NewRequest("POST", path, untouchable{t})
			req.ContentLength = 127 << 20
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+f.tokens["resident"])
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 403 {
				t.Errorf("resident: POST %s = %d, want 403: %s", path, rec.Code, rec.Body)
			}
		}
		for _, path := range []string{"/api/v1/petitions/1", "/api/v1/petitions/1/notice", "/api/v1/petitions/1/opinion"} {
			if status, _ := f.do("resident", "GET", path, ""); status != 403 {
				t.Errorf("resident: GET %s = %d", path, status)
			}
			if status, _ := f.do("", "GET", path, ""); status != 401 {
				t.Errorf("anonymous: GET %s = %d", path, status)
			}
		}
	})
}

var cstZone = time.FixedZone("CST", 8*3600)

func dayEndCST(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d+1, 0, 0, 0, 0, cstZone)
}
