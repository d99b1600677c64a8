package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/department"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestDispatchToEveryType (issue 12, item 5): a dispatcher sends the same
// case to a street office, a volunteer team and a property management
// company through the API. Each body is dispatched, signs for, resolves and
// returns on the same terms: the same deadlines as the office's, a return
// that goes back to the dispatcher, and figures that count each body's
// cases alike.
func TestDispatchToEveryType(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		ctx := context.Background()
		sys := anju.SystemActor("t")
		bodies := []struct {
			code, handler string
			typ           department.Type
		}{
			{"a-street", "handler-a", department.TypeGovernment},
			{"a-volunteers", "volunteer-lead", department.TypeVolunteerTeam},
			{"a-property", "property-manager", department.TypePropertyManagement},
		}
		for _, b := range bodies[1:] {
			if _, err := f.db.SaveDepartment(ctx, sys, store.Department{Code: b.code, Name: string(b.typ), Type: b.typ, Region: "330102001"}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: b.handler, Name: b.handler, PasswordHash: "x"}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.db.GrantRole(ctx, sys, b.handler, anju.Grant{Role: anju.RoleHandler, Department: b.code}); err != nil {
				t.Fatal(err)
			}
			tok, err := f.db.CreateAPIToken(ctx, sys, b.handler, "test")
			if err != nil {
				t.Fatal(err)
			}
			f.tokens[b.handler] = tok
		}
		// The dispatcher finds them by type.
		for _, b := range bodies {
			if out := f.must("dispatcher", "GET", "/api/v1/departments?type="+string(b.typ), ""); !strings.Contains(out, `"code":"`+b.code+`"`) {
				t.Errorf("departments of type %s: %s", b.typ, out)
			}
		}

		type caseOut struct {
			ID         int64
			State      string
			Department string
			Deadlines  struct{ Response, Resolution string }
		}
		act := func(login string, id int64, action, body, state string) caseOut {
			t.Helper()
			status, out := f.post(login, "/api/v1/cases/"+itoa(id)+"/actions/"+action, body, nil)
			var c caseOut
			if json.Unmarshal([]byte(out), &c); status != 200 || c.State != state {
				t.Fatalf("%s %s case %d: %d %s, want %s", login, action, id, status, trim(out), state)
			}
			return c
		}
		filed := map[int64]caseOut{}
		file := func() int64 {
			t.Helper()
			status, out := f.post("operator", "/api/v1/cases", intake, nil)
			var c caseOut
			if json.Unmarshal([]byte(out), &c); status != 201 {
				t.Fatalf("intake: %d %s", status, out)
			}
			filed[c.ID] = c
			return c.ID
		}
		for _, b := range bodies {
			// One case each body resolves, one it returns.
			kept, returned := file(), file()
			for _, id := range []int64{kept, returned} {
				act("operator", id, "accept", ``, "accepted")
				c := act("dispatcher", id, "dispatch", `{"department":"`+b.code+`"}`, "dispatched")
				if c.Department != b.code {
					t.Errorf("dispatched to %q, want %s", c.Department, b.code)
				}
			}
			// The clocks the case was filed with run on whoever holds it:
			// no type of body has a period of its own.
			for _, c := range []caseOut{act(b.handler, kept, "start", ``, "in_progress"),
				act(b.handler, kept, "resolve", `{"result":"已处理"}`, "resolved")} {
				if c.Deadlines != filed[kept].Deadlines || c.Deadlines.Resolution == "" {
					t.Errorf("%s holds case %d due %+v; it was filed due %+v", b.typ, kept, c.Deadlines, filed[kept].Deadlines)
				}
			}
			act("dispatcher", kept, "verify", `{"method":"reporter"}`, "verified")
			act("dispatcher", kept, "close", `{"outcome":"solved"}`, "closed")

			r := act(b.handler, returned, "return", `{"reason":"不属于本单位"}`, "returned")
			if r.Department != "" {
				t.Errorf("%s: a returned case still with %q", b.typ, r.Department)
			}
			// Back with the dispatcher, out of the body's reach.
			if status, _ := f.do(b.handler, "GET", "/api/v1/cases/"+itoa(returned), ""); status != 404 {
				t.Errorf("%s still reads the case it returned: %d", b.typ, status)
			}
			if out := f.must("dispatcher", "GET", "/api/v1/cases?queue=returned", ""); !strings.Contains(out, `"id":`+itoa(returned)) {
				t.Errorf("%s's return is not on the dispatcher's returned queue", b.typ)
			}

			var figs struct {
				Figures struct {
					Received       struct{ Count int }
					ResolutionRate struct{ Numerator, Denominator int } `json:"resolution_rate"`
				}
			}
			status, body := f.do("dispatcher", "GET", "/api/v1/figures?department="+b.code, "")
			if err := json.Unmarshal([]byte(body), &figs); err != nil || status != 200 {
				t.Fatalf("%s figures: %d %s", b.typ, status, body)
			}
			// The body holds the case it closed; the returned one left it.
			if figs.Figures.Received.Count != 1 || figs.Figures.ResolutionRate.Numerator != 1 || figs.Figures.ResolutionRate.Denominator != 1 {
				t.Errorf("%s's figures: %s", b.typ, trim(body))
			}
		}
	})
}
