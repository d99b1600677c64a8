package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestGrantShapes has a district administrator grant every shape of grant
// (role × region × department, inside and outside the district) through the
// API. Shapes outside the district, and departments outside the granted
// region, are refused; for every shape accepted, the grantee mints no reach
// beyond the granter's: every case the grantee can read or unmask, and every
// user they can list, the administrator can see too.
func TestGrantShapes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		ctx := context.Background()
		sys := anju.SystemActor("test")
		for _, d := range []store.Department{
			{Code: "a-district", Name: "第1区城管", Region: "330102"},
			{Code: "b-district", Name: "第2区城管", Region: "330105"},
		} {
			if _, err := f.db.SaveDepartment(ctx, sys, d); err != nil {
				t.Fatal(err)
			}
		}
		f.addUser("admin-d", anju.Grant{Role: anju.RoleAdmin, Region: "330102"})

		// Cases in both districts, dispatched to the city's, each district's
		// and each street's departments, so that every grant shape has
		// something to reach for.
		var ids []string
		for _, c := range []struct {
			lon  float64
			dept string
		}{{120.02, "city-cg"}, {120.17, "city-cg"}, {120.02, "a-street"}, {120.02, "a-district"},
			{120.17, "b-street"}, {120.17, "b-district"}, {120.17, ""}} {
			status, body := f.post("operator", "/api/v1/cases", fmt.Sprintf(`{"text":"路灯坏了","category":"0101","lat":30.05,"lon":%g,
				"reporter":{"name":"李四","phone":"13912345678"}}`, c.lon), nil)
			if status != 201 {
				t.Fatalf("case: %d %s", status, body)
			}
			var out struct{ ID int64 }
			json.Unmarshal([]byte(body), &out)
			id := itoa(out.ID)
			ids = append(ids, id)
			if c.dept == "" {
				continue
			}
			for _, a := range []struct{ login, action, body string }{
				{"operator", "accept", ""}, {"dispatcher", "dispatch", `{"department":"` + c.dept + `"}`}} {
				if status, body := f.post(a.login, "/api/v1/cases/"+id+"/actions/"+a.action, a.body, nil); status != 200 {
					t.Fatalf("%s case %s: %d %s", a.action, id, status, body)
				}
			}
		}
		adminSees := f.visibleCases("admin-d", ids)
		if !slices.Contains(adminSees, ids[0]) || slices.Contains(adminSees, ids[1]) {
			t.Fatalf("the district administrator sees %v of %v", adminSees, ids)
		}

		// inside reports whether a region or department lies in district A.
		inside := map[string]bool{"": true, "330102": true, "330102001": true, "a-street": true, "a-district": true}
		regionPath := map[string]string{"330102": "2", "330102001": "21", "330100": "", "330105": "5"}
		deptPath := map[string]string{"a-street": "21", "a-district": "2", "city-cg": "", "b-street": "51", "b-district": "5"}
		n, accepted := 0, 0
		for _, role := range anju.Roles {
			for _, region := range []string{"", "330102", "330102001", "330100", "330105"} {
				for _, dept := range []string{"", "a-street", "a-district", "city-cg", "b-street", "b-district"} {
					if region == "" && dept == "" {
						continue
					}
					n++
					shape := fmt.Sprintf("%s@%s/%s", role, region, dept)
					login := fmt.Sprintf("shape%03d", n)
					if _, err := f.db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: login, Name: login, PasswordHash: cheapHash}); err != nil {
						t.Fatal(err)
					}
					want := inside[region] && inside[dept] &&
						(region == "" || dept == "" || strings.HasPrefix(deptPath[dept], regionPath[region]))
					status, body := f.do("admin-d", "POST", "/api/v1/users/"+login+"/grants",
						fmt.Sprintf(`{"role":%q,"region":%q,"department":%q}`, role, region, dept))
					if (status == 201) != want {
						t.Errorf("grant %s: %d %s, want accepted=%v", shape, status, body, want)
					}
					if status != 201 {
						if status != 400 && status != 403 && status != 404 {
							t.Errorf("grant %s refused with %d: %s", shape, status, body)
						}
						continue
					}
					accepted++
					status, body = f.do("admin-d", "POST", "/api/v1/users/"+login+"/tokens", `{"name":"t"}`)
					var tok struct{ Token string }
					if status != 201 || json.Unmarshal([]byte(body), &tok) != nil {
						t.Fatalf("token for %s: %d %s", shape, status, body)
					}
					f.tokens[login] = tok.Token
					for _, id := range f.visibleCases(login, ids) {
						if !slices.Contains(adminSees, id) {
							t.Errorf("%s reads case %s, which its granter cannot", shape, id)
						}
					}
					for _, id := range ids {
						if status, _ := f.post(login, "/api/v1/cases/"+id+"/reporter", `{"reason":"回访"}`, nil); status == 200 && !slices.Contains(adminSees, id) {
							t.Errorf("%s unmasks the reporter of case %s, which its granter cannot see", shape, id)
						}
					}
					adminUsers := f.userLogins("admin-d")
					for _, u := range f.userLogins(login) {
						if !slices.Contains(adminUsers, u) && u != login {
							t.Errorf("%s lists user %s, whom its granter cannot see", shape, u)
						}
					}
				}
			}
		}
		if accepted == 0 || accepted == n {
			t.Errorf("%d of %d shapes accepted", accepted, n)
		}
	})
}

var cheapHash, _ = auth.HashPassword(password, auth.Params{Memory: 1024, Time: 1, Threads: 1})

// addUser creates a user with one grant and an API token, as the system.
func (f *fixture) addUser(login string, g anju.Grant) {
	f.t.Helper()
	ctx := context.Background()
	sys := anju.SystemActor("test")
	if _, err := f.db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: login, Name: login, PasswordHash: cheapHash}); err != nil {
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

// visibleCases returns those of ids that login can read, one by one and in
// the case list.
func (f *fixture) visibleCases(login string, ids []string) []string {
	f.t.Helper()
	var seen []string
	_, body := f.do(login, "GET", "/api/v1/cases?page_size=100", "")
	var list struct{ Cases []struct{ ID int64 } }
	json.Unmarshal([]byte(body), &list)
	for _, c := range list.Cases {
		seen = append(seen, itoa(c.ID))
	}
	for _, id := range ids {
		if status, _ := f.do(login, "GET", "/api/v1/cases/"+id, ""); status == 200 && !slices.Contains(seen, id) {
			seen = append(seen, id)
		}
	}
	return seen
}

// userLogins returns the logins login may list (none when refused).
func (f *fixture) userLogins(login string) []string {
	f.t.Helper()
	_, body := f.do(login, "GET", "/api/v1/users", "")
	var list struct{ Users []struct{ Login string } }
	json.Unmarshal([]byte(body), &list)
	var out []string
	for _, u := range list.Users {
		out = append(out, u.Login)
	}
	return out
}

// TestUserDirectoryAPI: the user list is for administrators (in their scope)
// and department staff (their colleagues, by name); others get 403 for the
// list and 404 for a user, and everyone still reads /api/v1/me.
func TestUserDirectoryAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		f.addUser("resident", anju.Grant{Role: anju.RoleResident, Region: "330100"})
		f.addUser("handler-a2", anju.Grant{Role: anju.RoleHandler, Department: "a-street"})
		for _, tc := range []struct {
			login, path string
			status      int
			has, lacks  []string
		}{
			{"resident", "/api/v1/users", 403, nil, []string{`"login"`}},
			{"resident", "/api/v1/users/admin", 404, nil, nil},
			{"resident", "/api/v1/me", 200, []string{`"login":"resident"`, `"role":"resident"`}, nil},
			{"worker-a", "/api/v1/users", 403, nil, nil},
			{"operator", "/api/v1/users", 403, nil, nil},
			{"operator", "/api/v1/users/worker-a", 404, nil, nil},
			{"handler-a", "/api/v1/users", 200, []string{`"login":"handler-a2","name":"handler-a2","disabled":false,"grants":[]`},
				[]string{"worker-a", "handler-b"}},
			{"handler-a", "/api/v1/users/worker-a", 404, nil, nil},
			{"admin-a", "/api/v1/users", 200, []string{`"login":"worker-a"`, `"role":"grid_worker"`}, []string{"worker-b", "resident", `"login":"admin"`}},
			{"admin", "/api/v1/users", 200, []string{`"login":"worker-b"`, `"login":"resident"`}, nil},
		} {
			status, body := f.do(tc.login, "GET", tc.path, "")
			if status != tc.status {
				t.Errorf("%s GET %s: %d, want %d: %s", tc.login, tc.path, status, tc.status, body)
			}
			for _, s := range tc.has {
				if !strings.Contains(body, s) {
					t.Errorf("%s GET %s lacks %s: %s", tc.login, tc.path, s, body)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(body, s) {
					t.Errorf("%s GET %s shows %s: %s", tc.login, tc.path, s, body)
				}
			}
		}
	})
}

// TestTokenAPI lists, issues with an expiry and revokes tokens, and disables
// and re-enables a user, through the API.
func TestTokenAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		for _, tc := range []struct{ body, field string }{
			{`{"expires_in":"-1h"}`, "expires_in"}, {`{"expires_in":"soon"}`, "expires_in"},
			{`{"expires_in":"1h","expires_at":"2099-01-01T00:00:00Z"}`, "expires_in"},
			{`{"expires_at":"2001-01-01T00:00:00Z"}`, "expires_at"},
		} {
			if status, body := f.do("admin", "POST", "/api/v1/users/worker-a/tokens", tc.body); status != 400 || !strings.Contains(body, `"field":"`+tc.field+`"`) {
				t.Errorf("token %s: %d %s", tc.body, status, body)
			}
		}
		status, body := f.do("admin", "POST", "/api/v1/users/worker-a/tokens", `{"name":"ci","expires_in":"720h"}`)
		var tok struct {
			Token     string
			ID        int64
			ExpiresAt *string `json:"expires_at"`
		}
		if status != 201 || json.Unmarshal([]byte(body), &tok) != nil || tok.ExpiresAt == nil || tok.ID == 0 {
			t.Fatalf("token: %d %s", status, body)
		}
		f.tokens["ci"] = tok.Token
		if status, body := f.do("ci", "GET", "/api/v1/me", ""); status != 200 || !strings.Contains(body, `"login":"worker-a"`) {
			t.Fatalf("me with the new token: %d %s", status, body)
		}
		if status, body := f.do("worker-a", "GET", "/api/v1/users/worker-a/tokens", ""); status != 200 ||
			!strings.Contains(body, `"name":"ci"`) || !strings.Contains(body, `"revoked":false`) || strings.Contains(body, tok.Token) {
			t.Errorf("own tokens: %d %s", status, body)
		}
		for _, tc := range []struct {
			login, method, path, body string
			status                    int
		}{
			{"worker-b", "GET", "/api/v1/users/worker-a/tokens", "", 404},
			{"handler-a", "DELETE", "/api/v1/users/worker-a/tokens/" + itoa(tok.ID), "", 404},
			{"admin", "DELETE", "/api/v1/users/worker-a/tokens/x", "", 400},
			{"admin", "DELETE", "/api/v1/users/worker-a/tokens/99999", "", 404},
			{"admin", "DELETE", "/api/v1/users/worker-a/tokens/" + itoa(tok.ID), "", 204},
			{"ci", "GET", "/api/v1/me", "", 401},
			{"admin-a", "PUT", "/api/v1/users/worker-b/disabled", `{"disabled":true}`, 404},
			{"admin-a", "PUT", "/api/v1/users/admin-a/disabled", `{"disabled":true}`, 403},
			{"admin-a", "PUT", "/api/v1/users/worker-a/disabled", `{}`, 400},
			{"admin-a", "PUT", "/api/v1/users/worker-a/disabled", `{"disabled":true}`, 204},
			{"worker-a", "GET", "/api/v1/me", "", 401},
			{"admin-a", "PUT", "/api/v1/users/worker-a/disabled", `{"disabled":false}`, 204},
			{"worker-a", "GET", "/api/v1/me", "", 401},
		} {
			if status, body := f.do(tc.login, tc.method, tc.path, tc.body); status != tc.status {
				t.Errorf("%s %s %s: %d, want %d: %s", tc.login, tc.method, tc.path, status, tc.status, body)
			}
		}
		if _, body := f.do("admin", "GET", "/api/v1/users/worker-a/tokens", ""); !strings.Contains(body, `"revoked":true`) || strings.Contains(body, `"revoked":false`) {
			t.Errorf("tokens after revocation and disabling: %s", body)
		}
		for _, action := range []string{"token.revoke", "user.disable", "user.enable"} {
			if _, body := f.do("admin", "GET", "/api/v1/audit?action="+action, ""); !strings.Contains(body, `"object":"user:worker-a"`) {
				t.Errorf("audit lacks %s: %s", action, body)
			}
		}
	})
}
