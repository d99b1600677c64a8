package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestVolunteerTeamAPI: a volunteer team saved through the API is listed by
// type and dispatched a case like any bureau: the team's handler signs for
// it and resolves it, a second case is returned by the team and sent on,
// and the team's figures count what it holds.
func TestVolunteerTeamAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		for _, tc := range []struct {
			method, path, body string
			status             int
			contains           []string
		}{
			{"PUT", "/api/v1/departments/a-volunteers", `{"name":"第1街道志愿服务队","type":"volunteer_team","region":"330102001"}`, 200,
				[]string{`"type":"volunteer_team"`}},
			{"PUT", "/api/v1/departments/a-club", `{"name":"俱乐部","type":"club","region":"330102001"}`, 400,
				[]string{`"field":"type"`}},
			{"PUT", "/api/v1/departments/a-club", `{"name":"俱乐部","type":7,"region":"330102001"}`, 400,
				[]string{`"field":"type"`}},
			{"GET", "/api/v1/departments/a-club", ``, 404, []string{`"not_found"`}},
			{"GET", "/api/v1/departments/a-street", ``, 200, []string{`"type":"government"`}},
			{"GET", "/api/v1/departments?type=volunteer_team", ``, 200, []string{`"code":"a-volunteers"`}},
			{"GET", "/api/v1/departments?type=club", ``, 400, []string{`"field":"type"`}},
		} {
			status, body := f.do("admin", tc.method, tc.path, tc.body)
			if status != tc.status {
				t.Errorf("%s %s: %d %s; want %d", tc.method, tc.path, status, trim(body), tc.status)
			}
			for _, s := range tc.contains {
				if !strings.Contains(body, s) {
					t.Errorf("%s %s: %s lacks %s", tc.method, tc.path, trim(body), s)
				}
			}
		}
		_, teams := f.do("dispatcher", "GET", "/api/v1/departments?type=volunteer_team", "")
		var list struct{ Departments []store.Department }
		if err := json.Unmarshal([]byte(teams), &list); err != nil || len(list.Departments) != 1 {
			t.Fatalf("volunteer teams seen by the dispatcher: %s", teams)
		}

		ctx := context.Background()
		sys := anju.SystemActor("test")
		if _, err := f.db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "volunteer-lead", Name: "志愿队长", PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.GrantRole(ctx, sys, "volunteer-lead", anju.Grant{Role: anju.RoleHandler, Department: "a-volunteers"}); err != nil {
			t.Fatal(err)
		}
		tok, err := f.db.CreateAPIToken(ctx, sys, "volunteer-lead", "test")
		if err != nil {
			t.Fatal(err)
		}
		f.tokens["volunteer-lead"] = tok

		file := func() string {
			status, body := f.post("operator", "/api/v1/cases", intake, nil)
			var c struct{ ID int64 }
			if json.Unmarshal([]byte(body), &c); status != 201 || c.ID == 0 {
				t.Fatalf("intake: %d %s", status, body)
			}
			return itoa(c.ID)
		}
		one, two := file(), file()
		for _, tc := range []struct {
			login, id, action, body string
			status                  int
			contains                string
		}{
			{"operator", one, "accept", ``, 200, `"state":"accepted"`},
			{"dispatcher", one, "dispatch", `{"department":"a-volunteers"}`, 200, `"state":"dispatched"`},
			{"handler-a", one, "start", ``, 404, `"not_found"`}, // street A's office does not hold it
			{"volunteer-lead", one, "start", ``, 200, `"state":"in_progress"`},
			{"volunteer-lead", one, "resolve", `{"result":"志愿者已陪同报修"}`, 200, `"state":"resolved"`},
			{"dispatcher", one, "verify", `{"method":"reporter"}`, 200, `"state":"verified"`},
			{"dispatcher", one, "close", `{"outcome":"solved"}`, 200, `"state":"closed"`},
			{"operator", two, "accept", ``, 200, `"state":"accepted"`},
			{"dispatcher", two, "dispatch", `{"department":"a-volunteers"}`, 200, `"state":"dispatched"`},
			{"volunteer-lead", two, "return", `{"reason":"需专业维修"}`, 200, `"state":"returned"`},
			{"dispatcher", two, "dispatch", `{"department":"a-street"}`, 200, `"state":"dispatched"`},
		} {
			status, body := f.post(tc.login, "/api/v1/cases/"+tc.id+"/actions/"+tc.action, tc.body, nil)
			if status != tc.status || !strings.Contains(body, tc.contains) {
				t.Errorf("%s %s case %s: %d %s; want %d with %s", tc.login, tc.action, tc.id, status, trim(body), tc.status, tc.contains)
			}
		}

		status, body := f.do("dispatcher", "GET", "/api/v1/figures?department=a-volunteers", "")
		var figs struct {
			Figures struct {
				Received       struct{ Count int }
				ResolutionRate struct{ Numerator, Denominator int } `json:"resolution_rate"`
				ClosedAtLevel  struct {
					Parts map[string]struct{ Numerator int }
				} `json:"closed_at_level"`
			}
		}
		if err := json.Unmarshal([]byte(body), &figs); err != nil || status != 200 {
			t.Fatalf("team figures: %d %s", status, body)
		}
		// The team holds case one, closed at the street's level where the team
		// sits; case two went on to street A's office.
		if figs.Figures.Received.Count != 1 || figs.Figures.ResolutionRate.Numerator != 1 || figs.Figures.ResolutionRate.Denominator != 1 ||
			figs.Figures.ClosedAtLevel.Parts["street"].Numerator != 1 {
			t.Errorf("the volunteer team's figures: %s", body)
		}
		_, street := f.do("dispatcher", "GET", "/api/v1/figures?department=a-street", "")
		if !strings.Contains(street, `"received":{"count":1}`) {
			t.Errorf("street A's office's figures after the team returned case two: %s", street)
		}
	})
}
