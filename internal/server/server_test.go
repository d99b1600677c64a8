package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/cases"
	"anju/internal/personal"
	"anju/internal/photo"
	"anju/internal/server"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// fixture is a running server over the small two-district city with a user
// per interesting scope, each with an API token.
type fixture struct {
	t      testing.TB
	db     *store.DB
	srv    *httptest.Server
	tokens map[string]string
}

const password = "right-password"

func newFixture(t testing.TB, dsn string) *fixture {
	t.Helper()
	return newFixtureWith(t, dsn, store.Options{})
}

// newFixtureWith is newFixture with store options, such as a fake clock
// for a test that spans a session's start.
func newFixtureWith(t testing.TB, dsn string, opts store.Options) *fixture {
	t.Helper()
	ctx := context.Background()
	opts.Keys, _ = personal.ParseKeyring(personal.FormatKey("k1", personal.GenerateKey()))
	db, err := store.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sys := anju.SystemActor("test")
	if _, err := db.ImportRegions(ctx, sys, storetest.SmallCity()); err != nil {
		t.Fatal(err)
	}
	for _, d := range []store.Department{
		{Code: "city-cg", Name: "市城管局", Region: "330100", Categories: []string{"city_appearance"}},
		{Code: "a-street", Name: "第1街道办", Region: "330102001"},
		{Code: "b-street", Name: "第2街道办", Region: "330105001"},
	} {
		if _, err := db.SaveDepartment(ctx, sys, d); err != nil {
			t.Fatal(err)
		}
	}
	hash, _ := auth.HashPassword(password, auth.Params{Memory: 1024, Time: 1, Threads: 1})
	f := &fixture{t: t, db: db, tokens: map[string]string{}}
	for _, u := range []struct {
		login string
		g     anju.Grant
	}{
		{"admin", anju.Grant{Role: anju.RoleAdmin, Region: "330100"}},
		{"auditor", anju.Grant{Role: anju.RoleAuditor, Region: "330100"}},
		{"admin-a", anju.Grant{Role: anju.RoleAdmin, Region: "330102001"}},
		{"worker-a", anju.Grant{Role: anju.RoleGridWorker, Region: "330102001"}},
		{"worker-b", anju.Grant{Role: anju.RoleGridWorker, Region: "330105001"}},
		{"handler-b", anju.Grant{Role: anju.RoleHandler, Department: "b-street"}},
		{"handler-a", anju.Grant{Role: anju.RoleHandler, Department: "a-street"}},
		{"operator", anju.Grant{Role: anju.RoleOperator, Region: "330100"}},
		{"dispatcher", anju.Grant{Role: anju.RoleDispatcher, Region: "330100"}},
	} {
		if _, err := db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: u.login, Name: u.login, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GrantRole(ctx, sys, u.login, u.g); err != nil {
			t.Fatal(err)
		}
		tok, err := db.CreateAPIToken(ctx, sys, u.login, "test")
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[u.login] = tok
	}
	f.srv = httptest.NewServer(server.New(server.Config{DB: db}))
	t.Cleanup(f.srv.Close)
	return f
}

// do sends a request as login ("" for none) and returns status and body.
func (f *fixture) do(login, method, path, body string) (int, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if login != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[login])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		for _, tc := range []struct {
			name, login, method, path, body string
			status                          int
			contains                        []string
		}{
			{"cities", "admin", "GET", "/api/v1/regions", "", 200, []string{`"code":"330100"`, `"level":"city"`}},
			{"region", "admin", "GET", "/api/v1/regions/330102", "", 200, []string{`"parent":"330100"`, `"bbox":[120,30,120.1,30.1]`}},
			{"grid has geometry", "admin", "GET", "/api/v1/regions/330102001001001", "", 200, []string{`"geometry":{"type":"Polygon"`}},
			{"children", "admin", "GET", "/api/v1/regions/330100/children", "", 200, []string{`"330102"`, `"330105"`}},
			{"ancestors", "admin", "GET", "/api/v1/regions/330105001/ancestors", "", 200, []string{`"330100"`, `"330105"`}},
			{"locate", "admin", "GET", "/api/v1/locate?lat=30.05&lon=120.07", "", 200,
				[]string{`"grid":{"code":"330102001001002","name":"第二网格"}`, `"ancestors":[{"code":"330100","level":"city","name":"测试市"}`}},
			{"locate outside", "admin", "GET", "/api/v1/locate?lat=31&lon=121", "", 404, []string{`"code":"not_found"`}},
			{"locate bad lat", "admin", "GET", "/api/v1/locate?lat=91&lon=120", "", 400, []string{`"field":"lat"`}},
			{"locate lat not a number", "admin", "GET", "/api/v1/locate?lat=abc&lon=120", "", 400, []string{`"field":"lat"`}},
			{"locate missing lon", "admin", "GET", "/api/v1/locate?lat=30", "", 400, []string{`"field":"lon"`}},
			{"unknown region", "admin", "GET", "/api/v1/regions/999999", "", 404, []string{`"not_found"`}},
			{"departments", "admin", "GET", "/api/v1/departments?category=city_appearance", "", 200, []string{`"code":"city-cg"`, `"categories":["city_appearance"]`}},
			{"no token", "", "GET", "/api/v1/regions", "", 401, []string{`"unauthorized"`}},
			{"unknown endpoint", "admin", "GET", "/api/v1/nothing", "", 404, []string{`no such endpoint`}},
			{"save department", "admin", "PUT", "/api/v1/departments/new-dept", `{"name":"新部门","region":"330105","categories":["roads"]}`, 200, []string{`"region":"330105"`}},
			{"malformed json", "admin", "PUT", "/api/v1/departments/x1", `{"name":`, 400, []string{`malformed JSON`}},
			{"unknown field", "admin", "PUT", "/api/v1/departments/x1", `{"name":"x","region":"330105","color":"red"}`, 400, []string{`"field":"color"`}},
			{"wrong type", "admin", "PUT", "/api/v1/departments/x1", `{"name":5,"region":"330105"}`, 400, []string{`"field":"name"`}},
			{"trailing data", "admin", "PUT", "/api/v1/departments/x1", `{"name":"x","region":"330105"} {}`, 400, []string{`one JSON object`}},
			{"unknown region code", "admin", "PUT", "/api/v1/departments/x1", `{"name":"x","region":"999999"}`, 400, []string{`"field":"region"`}},
			{"oversize body", "admin", "PUT", "/api/v1/departments/x1", `{"name":"` + strings.Repeat("a", 2<<20) + `"}`, 413, []string{`"too_large"`}},
			{"bad role", "admin", "POST", "/api/v1/users/worker-a/grants", `{"role":"king","region":"330100"}`, 400, []string{`"field":"role"`}},
			{"worker may not create departments", "worker-a", "PUT", "/api/v1/departments/x2", `{"name":"x","region":"330102001"}`, 403, []string{`"forbidden"`}},
			{"worker may not read audit", "worker-a", "GET", "/api/v1/audit", "", 403, nil},
			{"auditor reads audit", "auditor", "GET", "/api/v1/audit?action=regions.import", "", 200, []string{`"action":"regions.import"`}},
			{"create user", "admin", "POST", "/api/v1/users", `{"login":"newbie","name":"新人","password":"long-enough"}`, 201, []string{`"login":"newbie"`}},
			{"duplicate user", "admin", "POST", "/api/v1/users", `{"login":"admin","name":"x","password":"long-enough"}`, 400, []string{`"field":"login"`}},
			{"grant", "admin", "POST", "/api/v1/users/newbie/grants", `{"role":"operator","region":"330100"}`, 201, []string{`"role":"operator"`}},
			{"no self grant", "admin-a", "POST", "/api/v1/users/admin-a/grants", `{"role":"admin","region":"330102001"}`, 403, nil},
			{"me", "worker-a", "GET", "/api/v1/me", "", 200, []string{`"login":"worker-a"`, `"role":"grid_worker"`}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body := f.do(tc.login, tc.method, tc.path, tc.body)
				if status != tc.status {
					t.Fatalf("%s %s: status %d, want %d; body %s", tc.method, tc.path, status, tc.status, body)
				}
				for _, c := range tc.contains {
					if !strings.Contains(body, c) {
						t.Errorf("%s %s: body lacks %s: %s", tc.method, tc.path, c, body)
					}
				}
				if status >= 400 {
					var e struct {
						Error struct{ Code, Message string }
					}
					if json.Unmarshal([]byte(body), &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
						t.Errorf("error body is not {\"error\":{\"code\",\"message\"}}: %s", body)
					}
				}
			})
		}
	})
}

// TestScopeMatrix sends, as users scoped to street A, a request to every
// endpoint that names an object of district B and expects 404 from each, while
// the same requests about street A's own objects succeed.
func TestScopeMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		var bGrant int64
		if u, err := f.db.GetUser(context.Background(), anju.SystemActor("t"), "worker-b"); err == nil {
			bGrant = u.Grants[0].ID
		}
		// A case in district B, filed by the city operator.
		status, body := f.post("operator", "/api/v1/cases", `{"text":"第2网格路灯坏了","category":"0101","lat":30.05,"lon":120.17,
			"reporter":{"name":"李四","phone":"13912345678"}}`, nil)
		if status != 201 {
			t.Fatalf("case in B: %d %s", status, body)
		}
		var bCase struct {
			ID int64 `json:"id"`
		}
		json.Unmarshal([]byte(body), &bCase)
		cid := itoa(bCase.ID)
		// With a photo from the grid worker on site.
		ph, err := photo.Process(photoFile(t, "small.webp"))
		if err != nil {
			t.Fatal(err)
		}
		sys := anju.SystemActor("t")
		if _, err := f.db.Act(context.Background(), sys, bCase.ID, cases.ActionComment,
			store.ActionInput{Input: cases.Input{Note: "现场照片"}, Photos: []photo.Photo{ph}}); err != nil {
			t.Fatal(err)
		}
		photos, err := f.db.CasePhotos(context.Background(), sys, bCase.ID)
		if err != nil || len(photos) != 1 {
			t.Fatalf("photos of the case in B: %v %v", photos, err)
		}
		pid := itoa(photos[0].ID)
		// A hazard in district B, inspected, with a finding.
		bHazard, bTask, bFinding := hazardInB(t, f.db)
		// A dispute in district B.
		bDispute := "/api/v1/disputes/" + disputeInB(t, f.db)
		bSession, bMeeting, bProposal := receptionAndMeetingInB(t, f.db)
		// A petition in district B.
		bPetition := "/api/v1/petitions/" + petitionInB(t, f.db)
		booking := `{"slot":"` + f.sessionSlot(bSession) + `","name":"王芳","phone":"13812345678","topic":"x"}`
		other := []struct{ method, path, body string }{
			{"GET", "/api/v1/cases/" + cid + "/photos", ""},
			{"GET", "/api/v1/photos/" + pid, ""},
			{"GET", "/api/v1/photos/" + pid + "/thumb", ""},
			{"GET", "/api/v1/cases/" + cid, ""},
			{"GET", "/api/v1/cases/" + cid + "/history", ""},
			{"GET", "/api/v1/cases/" + cid + "/similar", ""},
			{"POST", "/api/v1/cases/" + cid + "/actions/accept", ""},
			{"POST", "/api/v1/cases/" + cid + "/actions/comment", `{"note":"x"}`},
			{"POST", "/api/v1/cases/" + cid + "/reporter", `{"reason":"x"}`},
			{"GET", "/api/v1/cases?region=330105", ""},
			{"GET", "/api/v1/cases?region=330105&format=csv", ""},
			{"GET", "/api/v1/cases?region=330105&format=xlsx", ""},
			{"GET", "/api/v1/search?q=路灯&region=330105", ""},
			{"GET", "/api/v1/hotspots?region=330105", ""},
			{"GET", "/api/v1/figures?region=330105", ""},
			{"GET", "/api/v1/regions/330105", ""},
			{"GET", "/api/v1/regions/330105001", ""},
			{"GET", "/api/v1/regions/330105001001", ""},
			{"GET", "/api/v1/regions/330105001001001", ""},
			{"GET", "/api/v1/regions/330105/children", ""},
			{"GET", "/api/v1/regions/330105001/children", ""},
			{"GET", "/api/v1/regions/330105001001001/ancestors", ""},
			{"GET", "/api/v1/locate?lat=30.05&lon=120.17", ""},
			{"GET", "/api/v1/departments?region=330105", ""},
			{"GET", "/api/v1/departments/b-street", ""},
			{"PUT", "/api/v1/departments/b-street", `{"name":"x","region":"330102001"}`},
			{"GET", "/api/v1/users/worker-b", ""},
			{"GET", "/api/v1/users/handler-b", ""},
			{"POST", "/api/v1/users/worker-b/grants", `{"role":"operator","region":"330102001"}`},
			{"DELETE", "/api/v1/users/worker-b/grants/" + itoa(bGrant), ""},
			{"POST", "/api/v1/users/worker-b/tokens", `{"name":"x"}`},
			{"GET", "/api/v1/users/worker-b/tokens", ""},
			{"DELETE", "/api/v1/users/worker-b/tokens/1", ""},
			{"PUT", "/api/v1/users/worker-b/disabled", `{"disabled":true}`},
			{"PUT", "/api/v1/users/worker-b/password", `{"password":"long-enough-1"}`},
			{"GET", "/api/v1/hazards/" + bHazard, ""},
			{"GET", "/api/v1/hazards?region=330105", ""},
			{"PUT", "/api/v1/hazards/" + bHazard, `{"type":"gas","name":"x","lat":30.05,"lon":120.03,"risk_level":"high","owner":"x","version":1}`},
			{"GET", "/api/v1/hazards/findings?region=330105", ""},
			{"GET", "/api/v1/hazards/figures?region=330105", ""},
			{"GET", "/api/v1/inspections?region=330105", ""},
			{"GET", "/api/v1/inspections/" + bTask, ""},
			{"POST", "/api/v1/inspections/" + bTask + "/complete", `{"answers":[{"item":"leak","result":"pass"}]}`},
			{"POST", "/api/v1/hazards/findings/" + bFinding + "/reinspect", `{"passed":true}`},
			{"GET", bDispute, ""},
			{"GET", bDispute + "/agreement", ""},
			{"POST", bDispute + "/sessions", `{"held_at":"2026-01-01T00:00:00Z","place":"x","mediators":["x"],"attended":[1]}`},
			{"POST", bDispute + "/outcome", `{"agreement":true,"terms":"x","parties":[1,2]}`},
			{"POST", bDispute + "/referral", `{"result":"x"}`},
			{"POST", bDispute + "/follow-up", `{"holds":true}`},
			{"POST", "/api/v1/disputes", `{"text":"x","category":"1101","lat":30.05,"lon":120.17,"dispute":{"type":"other","people":2,
				"parties":[{"kind":"person","role":"applicant","name":"甲"},{"kind":"person","role":"respondent","name":"乙"}]}}`},
			{"GET", bPetition, ""},
			{"GET", bPetition + "/notice", ""},
			{"GET", bPetition + "/opinion", ""},
			{"POST", bPetition + "/accept", `{"notice":"x"}`},
			{"POST", bPetition + "/decline", `{"reason":"x","refer_to":"x"}`},
			{"POST", bPetition + "/extension", `{"reason":"x","days":3}`},
			{"POST", bPetition + "/opinion", `{"text":"x","finding":"supported"}`},
			{"POST", bPetition + "/review", `{"reason":"x"}`},
			{"POST", bPetition + "/re-review", `{"reason":"x"}`},
			{"POST", bPetition + "/accept", `{"notice":""}`},
			{"POST", "/api/v1/petitions", `{"text":"x","category":"1603","lat":30.05,"lon":120.17,"reporter":{"name":"甲"},
				"petition":{"channel":"letter","first":true}}`},
			{"GET", "/api/v1/receptions/" + bSession, ""},
			{"GET", "/api/v1/receptions?region=330105", ""},
			{"POST", "/api/v1/receptions/" + bSession + "/publish", ""},
			{"POST", "/api/v1/receptions/" + bSession + "/hold", ""},
			{"POST", "/api/v1/receptions/" + bSession + "/close", ""},
			{"POST", "/api/v1/receptions/" + bSession + "/cancel", ""},
			{"POST", "/api/v1/receptions/" + bSession + "/bookings", booking},
			{"POST", "/api/v1/receptions/" + bSession + "/cases", `{"text":"路灯坏了","category":"0101","lat":30.05,"lon":120.17}`},
			{"GET", "/api/v1/meetings/" + bMeeting, ""},
			{"GET", "/api/v1/meetings?region=330105", ""},
			{"POST", "/api/v1/meetings/" + bMeeting + "/hold", ""},
			{"POST", "/api/v1/meetings/" + bMeeting + "/cancel", ""},
			{"POST", "/api/v1/meetings/" + bMeeting + "/proposals", `{"text":"楼道堆物"}`},
			{"POST", "/api/v1/meetings/" + bMeeting + "/proposals/" + bProposal + "/accept", ""},
			{"POST", "/api/v1/meetings/" + bMeeting + "/minutes", `{"text":"议定","attendees":3}`},
			{"POST", "/api/v1/meetings/" + bMeeting + "/decisions", `{"text":"修路灯","category":"0101"}`},
		}
		for _, login := range []string{"worker-a", "admin-a"} {
			for _, r := range other {
				status, body := f.do(login, r.method, r.path, r.body)
				// Administrators' routes refuse a non-administrator by role
				// alone, before looking at the object, which reveals nothing.
				want := http.StatusNotFound
				if login == "worker-a" && (r.method == "PUT" && strings.HasPrefix(r.path, "/api/v1/departments/") || strings.Contains(r.path, "/grants")) {
					want = http.StatusForbidden
				}
				// Inspecting is for grid workers: an administrator is
				// refused by role alone, as above.
				if login == "admin-a" && (strings.HasSuffix(r.path, "/complete") || strings.HasSuffix(r.path, "/reinspect")) {
					want = http.StatusForbidden
				}
				// Filing a dispute in B names the place outside one's area
				// (a worker) or is not an administrator's to do at all.
				if r.method == "POST" && (r.path == "/api/v1/disputes" || r.path == "/api/v1/petitions") {
					want = http.StatusBadRequest
					if login == "admin-a" {
						want = http.StatusForbidden
					}
				}
				// Sessions are arranged by leaders and dispatchers: a grid
				// worker is refused by role alone.
				if login == "worker-a" && r.method == "POST" && strings.HasPrefix(r.path, "/api/v1/receptions/") &&
					!strings.HasSuffix(r.path, "/bookings") && !strings.HasSuffix(r.path, "/cases") {
					want = http.StatusForbidden
				}
				if status != want {
					t.Errorf("%s: %s %s = %d, want %d: %s", login, r.method, r.path, status, want, body)
				}
			}
		}
		// The same endpoints about street A's own objects answer.
		own := []string{"/api/v1/regions/330102001", "/api/v1/regions/330102001/children",
			"/api/v1/regions/330102001001001/ancestors", "/api/v1/locate?lat=30.05&lon=120.02",
			"/api/v1/departments/a-street", "/api/v1/departments/city-cg", "/api/v1/users/worker-a"}
		for _, p := range own {
			if status, body := f.do("admin-a", "GET", p, ""); status != 200 {
				t.Errorf("admin-a: GET %s = %d: %s", p, status, body)
			}
		}
		// Lists leave district B out.
		for _, p := range []string{"/api/v1/regions/330100/children", "/api/v1/departments",
			"/api/v1/cases", "/api/v1/cases?format=csv", "/api/v1/search?q=路灯", "/api/v1/hotspots", "/api/v1/warnings", "/api/v1/figures",
			"/api/v1/hazards", "/api/v1/inspections", "/api/v1/disputes", "/api/v1/disputes?queue=follow_up", "/api/v1/disputes?queue=referred",
			"/api/v1/disputes/queues", "/api/v1/cases?kind=dispute", "/api/v1/cases?kind=petition", "/api/v1/receptions", "/api/v1/meetings", "/api/v1/receptions/mine/cases"} {
			_, body := f.do("worker-a", "GET", p, "")
			if status, _ := f.do("worker-a", "GET", p, ""); status != 200 {
				t.Errorf("worker-a: GET %s = %d", p, status)
			}
			if strings.Contains(body, "330105") || strings.Contains(body, "b-street") || strings.Contains(body, "worker-b") ||
				strings.Contains(body, "第2区") || strings.Contains(body, "第2网格") {
				t.Errorf("worker-a: GET %s shows district B: %s", p, body)
			}
		}
	})
}

func itoa(n int64) string { return strings.TrimSpace(strings.Replace(jsonString(n), `"`, "", -1)) }

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestBrowserLogin signs in through the form, uses the session cookie, is
// throttled after repeated failures, and signs out.
func TestBrowserLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		resp, err := postForm(c, f.srv.URL+"/login", url.Values{"login": {"worker-a"}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "worker-a") {
			t.Fatalf("login: %d %s", resp.StatusCode, body)
		}
		var cookie string
		for _, h := range resp.Request.Response.Header.Values("Set-Cookie") {
			cookie = h
		}
		if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
			t.Errorf("session cookie lacks HttpOnly/SameSite: %s", cookie)
		}
		resp, _ = c.Get(f.srv.URL + "/api/v1/me")
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"login":"worker-a"`) {
			t.Fatalf("me with cookie: %d %s", resp.StatusCode, body)
		}
		// A cross-site form post is refused.
		req, _ := http.NewRequest("POST", f.srv.URL+"/logout", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, _ = c.Do(req)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site logout: %d", resp.StatusCode)
		}
		resp, _ = postForm(c, f.srv.URL+"/logout", nil)
		resp.Body.Close()
		resp, _ = c.Get(f.srv.URL + "/api/v1/me")
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("me after logout: %d", resp.StatusCode)
		}
		// Wrong passwords: a form message, then throttling.
		var last int
		var lastBody string
		for range 7 {
			resp, _ = postForm(c, f.srv.URL+"/login", url.Values{"login": {"worker-b"}, "password": {"wrong"}})
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last, lastBody = resp.StatusCode, string(b)
		}
		if last != http.StatusTooManyRequests || !strings.Contains(lastBody, "操作过于频繁") {
			t.Errorf("after 7 failures: %d %s", last, lastBody)
		}
	})
}

// postForm posts a sign-in or sign-out form as a browser does: with the
// CSRF token of the cookie the pages set.
func postForm(c *http.Client, target string, form url.Values) (*http.Response, error) {
	if form == nil {
		form = url.Values{}
	}
	u, _ := url.Parse(target)
	token := ""
	for range 2 {
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == "csrf" {
				token = ck.Value
			}
		}
		if token != "" {
			break
		}
		resp, err := c.Get(u.Scheme + "://" + u.Host + "/login")
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
	}
	form.Set("csrf", token)
	return c.PostForm(target, form)
}

func TestOperations(t *testing.T) {
	f := newFixture(t, storetest.Engines()[0].NewDSN(t))
	if status, body := f.do("", "GET", "/healthz", ""); status != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz: %d %s", status, body)
	}
	if status, body := f.do("", "GET", "/readyz", ""); status != 200 || !strings.Contains(body, `"ready"`) {
		t.Errorf("readyz: %d %s", status, body)
	}
	// Without a metrics token the main listener has no /metrics.
	if status, _ := f.do("admin", "GET", "/metrics", ""); status != 404 {
		t.Errorf("metrics without a configured token: %d, want 404", status)
	}
	reg := server.NewRegistry()
	h := server.New(server.Config{DB: f.db, Registry: reg, MetricsToken: "metrics-secret"})
	metricsAs := func(h http.Handler, token string) (int, string) {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	for _, token := range []string{"", "wrong", f.tokens["admin"]} {
		if status, _ := metricsAs(h, token); status != 404 {
			t.Errorf("metrics with token %q: %d, want 404", token, status)
		}
	}
	req := httptest.NewRequest("GET", "/api/v1/regions/330100", nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
	h.ServeHTTP(httptest.NewRecorder(), req)
	status, body := metricsAs(h, "metrics-secret")
	if status != 200 {
		t.Errorf("metrics with the token: %d", status)
	}
	// The metrics' own listener serves the same registry, and only /metrics.
	if _, own := metricsAs(server.MetricsHandler(reg), ""); own == "" || !strings.Contains(own, "anju_http_requests_total") {
		t.Errorf("MetricsHandler: %s", own)
	}
	rec := httptest.NewRecorder()
	server.MetricsHandler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/regions", nil))
	if rec.Code != 404 {
		t.Errorf("metrics listener answers the API: %d", rec.Code)
	}
	for _, want := range []string{`anju_http_requests_total{code="200",method="GET",route="GET /api/v1/regions/{code}"} 1`,
		"anju_http_request_duration_seconds_bucket", `go_sql_max_open_connections{db_name="anju"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	f.db.Close()
	if status, _ := f.do("", "GET", "/readyz", ""); status != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: %d", status)
	}
}
