package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"anju/internal/store/storetest"
)

// The fuzz targets below send arbitrary input to the real server over a real
// SQLite store, signed in as the city's administrator, and hold every answer
// to the API's contract: never a panic or a 5xx, always JSON, and every 4xx
// in the one error shape. The fixture is built once per target (per fuzzing
// process), not per input, so that the fuzzer spends its time in handlers.

// bodyRoutes are the routes that read a request body, each with a real body
// as the seed and the user who would send it: the city's administrator,
// except for the case routes, which an administrator may not act on and
// whose deeper paths only the staff who work cases reach. The case id 1 is
// the case the fixture files first.
var bodyRoutes = []struct{ login, method, path, seed string }{
	{"admin", "POST", "/api/v1/session", `{"login":"worker-a","password":"right-password"}`},
	{"admin", "POST", "/api/v1/regions/import", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"330100","name":"测试市","level":"city"},"geometry":null}]}`},
	{"admin", "PUT", "/api/v1/departments/fuzz-dept", `{"name":"新部门","region":"330105","categories":["roads"]}`},
	{"admin", "POST", "/api/v1/users", `{"login":"newbie","name":"新人","password":"long-enough"}`},
	{"admin", "POST", "/api/v1/users/worker-a/grants", `{"role":"operator","region":"330102001"}`},
	{"admin", "POST", "/api/v1/users/worker-a/tokens", `{"name":"phone"}`},
	{"admin", "PUT", "/api/v1/users/worker-a/password", `{"password":"long-enough-1"}`},
	{"admin", "PUT", "/api/v1/categories/0101", `{"code":"0101","parent":"01","name":"路灯","name_en":"Street lights","kind":"request","leaf":true,"default_priority":"normal","department_level":"street","version":1,"active":true}`},
	{"admin", "PUT", "/api/v1/calendar/2027-01-01", `{"kind":"holiday","note":"元旦"}`},
	{"admin", "POST", "/api/v1/subscriptions", `{"channel":"webhook","target":"https://example.org/hook","secret":"a-secret-of-24-characters","actions":["resolve"]}`},
	{"operator", "POST", "/api/v1/cases", intake},
	{"operator", "POST", "/api/v1/cases/1/actions/accept", `{"version":1}`},
	{"dispatcher", "POST", "/api/v1/cases/1/actions/dispatch", `{"department":"a-street","note":"请处理"}`},
	{"operator", "POST", "/api/v1/cases/1/actions/comment", `{"note":"已联系"}`},
	{"handler-a", "POST", "/api/v1/cases/1/actions/start", ``},
	{"handler-a", "POST", "/api/v1/cases/1/actions/resolve", `{"result":"已修复"}`},
	{"operator", "POST", "/api/v1/cases/1/actions/reject", `{"reason":"重复"}`},
	{"operator", "POST", "/api/v1/cases/1/reporter", `{"reason":"电话回访"}`},
	{"admin", "POST", "/api/v1/warnings/1/acknowledge", `{"note":"已知悉"}`},
	{"admin", "POST", "/api/v1/warning-subscriptions", `{"region":"330102","channel":"webhook","target":"https://example.org/w","secret":"a-secret-of-24-characters"}`},
	{"operator", "POST", "/api/v1/suggest", `{"title":"路灯不亮","text":"小区门口路灯坏了","lat":30.05,"lon":120.02}`},
	{"admin", "POST", "/api/v1/classifier/train", ``},
	{"admin", "PUT", "/api/v1/users/worker-a/disabled", `{"disabled":false}`},
	{"dispatcher", "POST", "/api/v1/cases/dispatch", `{"ids":[1],"versions":{"1":2},"department":"a-street","note":"请处理"}`},
	{"worker-a", "POST", "/api/v1/hazards", `{"type":"gas","name":"调压站","address":"幸福路1号","lat":30.05,"lon":120.02,"risk_level":"major","owner":"燃气公司","department":"a-street"}`},
	{"worker-a", "POST", "/api/v1/inspections/1/complete", `{"answers":[{"item":"leak","result":"fail","finding":"阀门漏气"},{"item":"alarm","result":"pass"},{"item":"hose","result":"na"},{"item":"ventilation","result":"pass"}]}`},
	{"worker-a", "POST", "/api/v1/hazards/findings/1/reinspect", `{"passed":false,"note":"仍未整改"}`},
	{"admin", "PUT", "/api/v1/hazards/checklists/slope", `{"category":"1209","items":[{"key":"cracks","text":"坡体无裂缝","category":"1209"}]}`},
	{"admin", "PUT", "/api/v1/hazards/plan/major", `{"every":1,"unit":"week"}`},
	{"worker-a", "PUT", "/api/v1/hazards/1", `{"type":"gas","name":"调压站","address":"幸福路1号","lat":30.05,"lon":120.03,"risk_level":"high","owner":"燃气公司","version":1}`},
	{"worker-a", "POST", "/api/v1/disputes", disputeIntake},
	{"worker-a", "POST", "/api/v1/disputes/1/sessions", `{"held_at":"2026-01-01T08:00:00Z","place":"调解室","mediators":["赵调解"],"attended":[1,2],"notes":"x"}`},
	{"worker-a", "POST", "/api/v1/disputes/1/outcome", `{"agreement":true,"terms":"赔偿1200元","parties":[1,2]}`},
	{"worker-a", "POST", "/api/v1/disputes/1/referral", `{"result":"法院判决"}`},
	{"worker-a", "POST", "/api/v1/disputes/1/follow-up", `{"holds":false,"note":"未履行"}`},
	{"admin", "PUT", "/api/v1/disputes/settings", `{"follow_up_days":20,"large_people":30,"large_amount":500000}`},
	{"operator", "POST", "/api/v1/petitions", petitionIntake},
	{"operator", "POST", "/api/v1/petitions/1/accept", `{"notice":"交第1街道信访办办理"}`},
	{"operator", "POST", "/api/v1/petitions/1/decline", `{"reason":"属诉讼程序","refer_to":"区人民法院"}`},
	{"handler-a", "POST", "/api/v1/petitions/1/extension", `{"reason":"需调取档案","days":15}`},
	{"dispatcher", "POST", "/api/v1/petitions/1/opinion", `{"text":"经核查属实","finding":"supported"}`},
	{"dispatcher", "POST", "/api/v1/petitions/1/review", `{"reason":"不服处理意见"}`},
	{"dispatcher", "POST", "/api/v1/petitions/1/re-review", `{"reason":"不服复查意见"}`},
	{"dispatcher", "POST", "/api/v1/receptions", `{"leader":"dispatcher","leader_title":"区长","region":"330102001","place":"便民服务中心","start":"2030-03-04T09:00:00+08:00","end":"2030-03-04T10:00:00+08:00","topics":["停车"],"slot_minutes":20,"capacity":2}`},
	{"dispatcher", "POST", "/api/v1/receptions/1/publish", ``},
	{"operator", "POST", "/api/v1/receptions/1/bookings", `{"slot":"2030-03-04T09:20:00+08:00","name":"王芳","phone":"13812345678","topic":"加装电梯"}`},
	{"operator", "POST", "/api/v1/receptions/1/cases", `{"text":"加装电梯","category":"0101","lat":30.05,"lon":120.02,"booking_id":1}`},
	{"worker-a", "POST", "/api/v1/meetings", `{"community":"330102001001","title":"恳谈会","place":"议事厅","start":"2030-03-06T19:00:00+08:00","end":"2030-03-06T21:00:00+08:00","topics":["充电棚"]}`},
	{"operator", "POST", "/api/v1/meetings/1/proposals", `{"text":"楼道堆物","name":"赵敏","phone":"13912345678"}`},
	{"worker-a", "POST", "/api/v1/meetings/1/proposals/1/accept", ``},
	{"worker-a", "POST", "/api/v1/meetings/1/minutes", `{"text":"议定两件事","attendees":25}`},
	{"worker-a", "POST", "/api/v1/meetings/1/decisions", `{"text":"建充电棚","category":"0101","grid":"330102001001002"}`},
	{"admin", "DELETE", "/api/v1/session", ``},
}

// queryRoutes are the GET routes that read query parameters, with real
// query strings as seeds.
var queryRoutes = []struct{ path, seed string }{
	{"/api/v1/cases", "state=resolved&region=330102&page=2&page_size=20&overdue=true&kind=complaint&category=0101&department=a-street"},
	{"/api/v1/search", "q=路灯&region=330105&sort=time&from=2026-03-02&to=2026-12-01T00:00:00Z&page=1&page_size=10"},
	{"/api/v1/hotspots", "region=330102&days=30&top=5"},
	{"/api/v1/warnings", "kind=surge&state=open&region=330102&page=1&page_size=50"},
	{"/api/v1/audit", "action=regions.import&before=100&limit=20"},
	{"/api/v1/departments", "region=330105&category=city_appearance"},
	{"/api/v1/locate", "lat=30.05&lon=120.07"},
	{"/api/v1/users", ""},
	{"/api/v1/hazards", "region=330102&type=gas&risk_level=major&before=100&limit=20"},
	{"/api/v1/hazards/figures", "region=330102&from=2026-03-02&to=2026-03-31"},
	{"/api/v1/hazards/checklists", ""},
	{"/api/v1/hazards/plan", ""},
	{"/api/v1/inspections", "state=due&region=330102001&risk_level=major&hazard=1&due_from=2026-03-02&due_to=2026-03-31&outcome=on_time&before=100&limit=20"},
	{"/api/v1/hazards/findings", "state=open&risk_level=major&region=330102&hazard=1&reinspect=true&closed_from=2026-03-02&closed_to=2026-03-31&before=100&limit=20"},
	{"/api/v1/receptions", "state=published&region=330102&before=100&limit=20"},
	{"/api/v1/receptions/mine/cases", "before=100&limit=20"},
	{"/api/v1/meetings", "state=scheduled&region=330102001001&before=100&limit=20"},
	{"/api/v1/cases/1/similar", "limit=3"},
	{"/api/v1/cases/1/history", ""},
	{"/api/v1/regions", ""},
	{"/api/v1/queues", "queue=dispatch&region=330102&overdue=true&from=2026-03-02"},
	{"/api/v1/me", ""},
	{"/api/v1/classifier", ""},
	{"/api/v1/categories", ""},
	{"/api/v1/figures", "region=330102&department=a-street&category=01&kind=request&from=2026-03-02&to=2026-12-01"},
	{"/api/v1/disputes", "queue=follow_up&state=referred&follow_up_due=true&before=100&limit=20"},
	{"/api/v1/disputes/queues", ""},
	{"/api/v1/disputes/settings", ""},
}

var fuzzMu sync.Mutex

// newFuzzFixture is the test server with one case filed, so that the case
// routes have something to act on. It runs on SQLite, or on PostgreSQL with
// ANJU_FUZZ_ENGINE=postgres (and ANJU_TEST_PG): some inputs fail on one
// engine only.
func newFuzzFixture(f *testing.F) *fixture {
	engine := storetest.Engines()[0]
	if os.Getenv("ANJU_FUZZ_ENGINE") == "postgres" {
		engine = storetest.Engines()[1]
	}
	fx := newFixture(f, engine.NewDSN(f))
	if status, body := fx.post("operator", "/api/v1/cases", intake, nil); status != 201 {
		f.Fatalf("seed case: %d %s", status, body)
	}
	return fx
}

// serveFuzz sends one request straight to the server's handler and checks the
// answer against the API contract.
func (fx *fixture) serveFuzz(t *testing.T, login string, req *http.Request) {
	t.Helper()
	if login != "" {
		req.Header.Set("Authorization", "Bearer "+fx.tokens[login])
	}
	rec := httptest.NewRecorder()
	// The handlers share one database and one throttle; the fuzzer's
	// workers are processes, so this only orders the seeds of a plain run.
	fuzzMu.Lock()
	fx.srv.Config.Handler.ServeHTTP(rec, req)
	fuzzMu.Unlock()
	checkAnswer(t, req, rec)
}

func checkAnswer(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	status, body := rec.Code, rec.Body.Bytes()
	where := req.Method + " " + req.URL.RequestURI()
	if status >= 500 {
		t.Fatalf("%s: status %d: %s", where, status, trim(string(body)))
	}
	if status == http.StatusNoContent || status == http.StatusNotModified ||
		status == http.StatusOK && rec.Header().Get("Content-Type") == "image/jpeg" {
		return
	}
	if status >= 300 && status < 400 {
		// The mux sends an unclean path (a//b, a/./b) to its clean form.
		if rec.Header().Get("Location") == "" {
			t.Fatalf("%s: status %d without a Location", where, status)
		}
		return
	}
	if !json.Valid(body) {
		t.Fatalf("%s: status %d, body is not JSON: %q", where, status, trim(string(body)))
	}
	if status >= 400 {
		var e struct {
			Error *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(body, &e); err != nil || e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("%s: status %d, body is not {\"error\":{\"code\",\"message\"}}: %s", where, status, trim(string(body)))
		}
	}
}

// FuzzAPIBody sends the fuzzed bytes as the body of every route that reads
// one; route picks the route (modulo their number).
func FuzzAPIBody(f *testing.F) {
	fx := newFuzzFixture(f)
	for i, r := range bodyRoutes {
		f.Add(uint8(i), []byte(r.seed))
	}
	f.Add(uint8(0), []byte(`{"login":"admin","password":""}`))
	f.Add(uint8(10), []byte(`{"text":"x","category":"0101","lat":1e400,"lon":120.02}`))
	f.Add(uint8(10), []byte(`{"text":"x","category":"0101","lat":30.05,"lon":120.02,"reporter":{"phone":"１３８１２３４１２３４"}}`))
	f.Add(uint8(2), []byte(`{"name":"x","region":"330105"} {}`))
	f.Add(uint8(2), []byte(`{"name":5}`))
	f.Add(uint8(4), []byte(`[]`))
	f.Add(uint8(8), []byte(`null`))
	// PostgreSQL refuses a NUL character in text.
	f.Add(uint8(0), []byte(`{"login":"worker-a\u0000","password":"right-password"}`))
	f.Add(uint8(2), []byte(`{"name":"新\u0000部门","region":"330105"}`))
	f.Add(uint8(10), []byte(`{"text":"路灯\u0000坏了","category":"0101","lat":30.05,"lon":120.02}`))
	f.Add(uint8(13), []byte(`{"note":"\u0000"}`))
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := bodyRoutes[int(route)%len(bodyRoutes)]
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "fuzz-"+strconv.Itoa(len(body)))
		fx.serveFuzz(t, r.login, req)
	})
}

// FuzzAPIQuery sends the fuzzed string as the raw query of every GET route
// that reads parameters; route picks the route.
func FuzzAPIQuery(f *testing.F) {
	fx := newFuzzFixture(f)
	for i, r := range queryRoutes {
		f.Add(uint8(i), r.seed)
	}
	f.Add(uint8(0), "page=99999999999999999999&page_size=-1")
	f.Add(uint8(0), "page=9223372036854775807&page_size=9223372036854775807")
	f.Add(uint8(1), "q=%ZZ&from=yesterday")
	f.Add(uint8(1), "q="+strings.Repeat("路", 300)+"&sort=nonsense")
	f.Add(uint8(4), "limit=501&before=-1")
	f.Add(uint8(6), "lat=NaN&lon=Inf")
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		r := queryRoutes[int(route)%len(queryRoutes)]
		req := httptest.NewRequest("GET", r.path, nil)
		req.URL.RawQuery = query
		fx.serveFuzz(t, "admin", req)
	})
}

// pathRoutes are the routes that read a path segment, the fuzzed one put
// where %s is, with a body where the route needs one.
var pathRoutes = []struct{ login, method, path, body, seed string }{
	{"admin", "GET", "/api/v1/regions/%s", "", "330102"},
	{"admin", "GET", "/api/v1/regions/%s/children", "", "330100"},
	{"admin", "GET", "/api/v1/regions/%s/ancestors", "", "330105001001001"},
	{"admin", "GET", "/api/v1/departments/%s", "", "a-street"},
	{"admin", "GET", "/api/v1/users/%s", "", "worker-a"},
	{"admin", "GET", "/api/v1/cases/%s", "", "1"},
	{"admin", "GET", "/api/v1/cases/%s/history", "", "1"},
	{"admin", "GET", "/api/v1/hazards/%s", "", "1"},
	{"admin", "GET", "/api/v1/inspections/%s", "", "1"},
	{"worker-a", "PUT", "/api/v1/hazards/%s", `{"type":"gas","name":"x","lat":30.05,"lon":120.03,"risk_level":"high","owner":"x","version":1}`, "1"},
	{"admin", "GET", "/api/v1/cases/%s/similar", "", "1"},
	{"", "GET", "/api/v1/track/%s", "", "ABCD-EFGH-JKLM"},
	{"operator", "POST", "/api/v1/cases/1/actions/%s", `{"note":"x"}`, "comment"},
	{"admin", "PUT", "/api/v1/calendar/%s", `{"kind":"holiday","note":"x"}`, "2027-01-01"},
	{"admin", "PUT", "/api/v1/categories/%s", `{"parent":"01","name":"x","name_en":"x","kind":"request","leaf":true,"default_priority":"normal","department_level":"street","active":true}`, "0199"},
	{"admin", "POST", "/api/v1/warnings/%s/acknowledge", "", "1"},
	{"admin", "GET", "/api/v1/cases/%s/photos", "", "1"},
	{"admin", "GET", "/api/v1/photos/%s", "", "1"},
	{"admin", "GET", "/api/v1/photos/%s/thumb", "", "1"},
	{"", "GET", "/api/v1/track/%s/photos/1", "", "ABCD-EFGH-JKLM"},
	{"", "GET", "/api/v1/track/ABCDEFGHJKMN/photos/%s/thumb", "", "1"},
	{"admin", "GET", "/api/v1/users/%s/tokens", "", "worker-a"},
	{"admin", "DELETE", "/api/v1/users/worker-a/tokens/%s", "", "999999"},
	{"admin", "DELETE", "/api/v1/users/worker-a/grants/%s", "", "999999"},
	{"admin", "PUT", "/api/v1/departments/%s", `{"name":"x","region":"330105"}`, "fuzz-dept"},
	{"operator", "POST", "/api/v1/cases/%s/reporter", `{"reason":"电话回访"}`, "1"},
	{"worker-a", "GET", "/api/v1/disputes/%s", "", "1"},
	{"worker-a", "GET", "/api/v1/disputes/%s/agreement", "", "1"},
	{"operator", "GET", "/api/v1/petitions/%s", "", "1"},
	{"operator", "GET", "/api/v1/petitions/%s/notice", "", "1"},
	{"operator", "GET", "/api/v1/petitions/%s/opinion", "", "1"},
	{"dispatcher", "GET", "/api/v1/receptions/%s", "", "1"},
	{"dispatcher", "POST", "/api/v1/receptions/%s/hold", "", "1"},
	{"dispatcher", "POST", "/api/v1/receptions/%s/close", "", "1"},
	{"dispatcher", "POST", "/api/v1/receptions/%s/cancel", "", "1"},
	{"worker-a", "GET", "/api/v1/meetings/%s", "", "1"},
	{"worker-a", "POST", "/api/v1/meetings/%s/hold", "", "1"},
	{"worker-a", "POST", "/api/v1/meetings/%s/cancel", "", "1"},
}

// TestFuzzReachesEveryRoute holds the lists above to the API's routes: each
// route in internal/api/routes.go is fuzzed through its body, its query or
// its path.
func TestFuzzReachesEveryRoute(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "api", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	var reached []string
	for _, r := range bodyRoutes {
		reached = append(reached, r.method+" "+r.path)
	}
	for _, r := range queryRoutes {
		reached = append(reached, "GET "+r.path)
	}
	for _, r := range pathRoutes {
		reached = append(reached, r.method+" "+strings.Replace(r.path, "%s", r.seed, 1))
	}
	routes := regexp.MustCompile(`"((?:GET|POST|PUT|DELETE) /api/v1/[^"]*)"`).FindAllSubmatch(src, -1)
	if len(routes) < 50 {
		t.Fatalf("found %d routes in api/routes.go; has its form changed?", len(routes))
	}
	param := regexp.MustCompile(`\\\{[a-z]+\\\}`) // {name}, as QuoteMeta writes it
	for _, m := range routes {
		pattern := regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(string(m[1])), `[^/]+`) + "$")
		if !slices.ContainsFunc(reached, pattern.MatchString) {
			t.Errorf("no fuzz target reaches %s", m[1])
		}
	}
}

// FuzzAPIPath puts the fuzzed string in the path segment of every route
// that reads one; route picks the route.
func FuzzAPIPath(f *testing.F) {
	fx := newFuzzFixture(f)
	for i, r := range pathRoutes {
		f.Add(uint8(i), r.seed)
	}
	f.Add(uint8(0), "\x00")
	f.Add(uint8(5), "-1")
	f.Add(uint8(5), "99999999999999999999")
	f.Add(uint8(10), "2027-02-30")
	f.Add(uint8(8), "%zz")
	f.Fuzz(func(t *testing.T, route uint8, seg string) {
		r := pathRoutes[int(route)%len(pathRoutes)]
		req := httptest.NewRequest(r.method, "/", strings.NewReader(r.body))
		req.URL = &url.URL{Path: strings.Replace(r.path, "%s", seg, 1)}
		if r.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		fx.serveFuzz(t, r.login, req)
	})
}
