package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/upload"
	"anju/internal/web/webtest"
)

const xss = `<script>alert(1)</script>`

// report posts the report form as a browser does: multipart, the CSRF token
// in the action URL.
func report(c *webtest.Client, path string, fields map[string]string, photos ...[]byte) webtest.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for i, p := range photos {
		w, _ := mw.CreateFormFile("photos", "photo"+strconv.Itoa(i)+".jpg")
		w.Write(p)
	}
	mw.Close()
	return c.Post(path, mw.FormDataContentType(), &buf)
}

// goodReport is a valid report with a pin in grid 330102001001001.
func goodReport() map[string]string {
	return map[string]string{"title": "路灯不亮 " + xss, "text": "小区门口的路灯坏了三天 " + xss, "category": "0203",
		"lat": "30.05", "lon": "120.05", "name": "张三", "phone": "13812341234"}
}

func caseCount(t *testing.T, db *store.DB) int {
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM cases`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var keyLink = regexp.MustCompile(`/track/([A-Z0-9]{12})\?key=([A-Za-z0-9_-]+)`)

func staffActor(t *testing.T, f *webtest.Fixture, login string) *anju.Actor {
	a, err := f.DB.Authenticate(context.Background(), login, webtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// closeCase takes a case through the workflow to closed as the staff do.
func closeCase(t *testing.T, f *webtest.Fixture, id int64) {
	ctx := context.Background()
	for _, s := range []struct {
		login  string
		action cases.Action
		in     cases.Input
	}{
		{"operator", cases.ActionAccept, cases.Input{}},
		{"dispatcher", cases.ActionDispatch, cases.Input{Department: "a-street"}},
		{"handler-a", cases.ActionStart, cases.Input{}},
		{"handler-a", cases.ActionResolve, cases.Input{Result: "已更换灯泡 " + xss}},
		{"worker-a", cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite}},
		{"dispatcher", cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved}},
	} {
		if _, err := f.DB.Act(ctx, staffActor(t, f, s.login), id, s.action, store.ActionInput{Input: s.in}); err != nil {
			t.Fatalf("%s %s: %v", s.login, s.action, err)
		}
	}
}

// TestPortalReport: a resident reports without an account, gets the receipt
// with the secret link once, and through the link (and only it) rates the
// result and reopens the case.
func TestPortalReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		c := f.Anonymous()
		for _, p := range []string{"/", "/report", "/map", "/privacy", "/?lang=en", "/report?lang=en", "/privacy?lang=zh"} {
			res := c.Get(p)
			webtest.CheckPage(t, p, res)
			if res.Status != 200 {
				t.Errorf("%s: %d", p, res.Status)
			}
		}
		form := c.Get("/report")
		for _, want := range []string{`name="title"`, `name="text"`, `name="category"`, `value="0203"`, `name="lat"`, `name="lon"`,
			`name="district"`, `name="name"`, `name="phone"`, `name="anonymous"`, `name="website"`, `action="/report?csrf=`, `data-pin="report-form"`} {
			if !strings.Contains(form.Body, want) {
				t.Errorf("report form lacks %s", want)
			}
		}

		jpg, err := os.ReadFile("../photo/testdata/gps.jpg")
		if err != nil {
			t.Fatal(err)
		}
		res := report(c, "/report", goodReport(), jpg)
		if res.Status != 303 || !strings.HasPrefix(res.Location, "/track/") {
			t.Fatalf("report: %d %q %s", res.Status, res.Location, res.Body)
		}
		code := strings.TrimPrefix(res.Location, "/track/")
		receipt := c.Get(res.Location)
		webtest.CheckPage(t, res.Location, receipt)
		m := keyLink.FindStringSubmatch(receipt.Body)
		if receipt.Status != 200 || m == nil || m[1] != code {
			t.Fatalf("receipt without the secret link: %d %s", receipt.Status, receipt.Body)
		}
		key := m[2]
		// The photo came with it, re-encoded, and shows as a thumbnail.
		thumb := regexp.MustCompile(`src="(/api/v1/track/[A-Z0-9]+/photos/\d+/thumb)"`).FindStringSubmatch(receipt.Body)
		if thumb == nil {
			t.Fatalf("receipt shows no photo")
		}
		if img := c.Get(thumb[1]); img.Status != 200 || img.Header.Get("Content-Type") != "image/jpeg" || strings.Contains(img.Body, "GPS") {
			t.Errorf("thumbnail: %d %s", img.Status, img.Header.Get("Content-Type"))
		}
		for _, want := range []string{store.FormatTrackingCode(code), "&lt;script&gt;alert(1)&lt;/script&gt;"} {
			if !strings.Contains(receipt.Body, want) {
				t.Errorf("receipt lacks %q", want)
			}
		}
		// Nothing personal and no staff names; the link only once.
		for _, never := range []string{"张三", "13812341234", "1234", "小区门口的路灯坏了三天"} {
			if strings.Contains(receipt.Body, never) {
				t.Errorf("receipt shows %q", never)
			}
		}
		if again := c.Get(res.Location); strings.Contains(again.Body, key) {
			t.Errorf("the secret link is shown a second time")
		}

		id := caseID(t, f, code)
		got, _ := f.DB.GetCase(context.Background(), staffActor(t, f, "dispatcher"), id)
		if got.Channel != cases.ChannelWeb || got.Grid.Code != "330102001001001" || got.Reporter.Phone == "13812341234" {
			t.Errorf("filed case: channel %s grid %s reporter %+v", got.Channel, got.Grid.Code, got.Reporter)
		}

		// The link opens the reporter's part; a forged one or another code's
		// is refused; codes that are malformed or unknown are 404 pages.
		if p := c.Get("/track/" + code + "?key=" + key); p.Status != 200 || !strings.Contains(p.Body, "暂时无需操作") {
			t.Errorf("reporter's page before closure: %d", p.Status)
		}
		for path, status := range map[string]int{
			"/track/" + code + "?key=forged":       403,
			"/track/" + code + "?key=" + key + "x": 403,
			"/track/ZZZZZZZZZZZZ":                  404,
			"/track/abc":                           404,
			"/track/" + strings.Repeat("A", 500):   404,
			"/track/%3Cscript%3E":                  404,
			"/track?code=" + strings.ToLower(store.FormatTrackingCode(code)): 303,
			"/track?code=%3Cscript%3E":                                       400,
			"/track?code=":                                                   400,
		} {
			p := c.Get(path)
			webtest.CheckPage(t, path, p)
			if p.Status != status {
				t.Errorf("%s: %d, want %d", path, p.Status, status)
			}
		}

		closeCase(t, f, id)
		page := c.Get("/track/" + code + "?key=" + key)
		if !strings.Contains(page.Body, `action="/track/`+code+`/rate"`) || !strings.Contains(page.Body, "&lt;script&gt;") {
			t.Fatalf("closed case's page lacks the rating form or escapes badly: %s", page.Body)
		}
		rate := func(v url.Values) webtest.Response { return c.PostForm("/track/"+code+"/rate", v) }
		if r := rate(url.Values{"key": {key}}); r.Status != 400 || !strings.Contains(r.Body, "请选择一项评价") {
			t.Errorf("rating without a rating: %d", r.Status)
		}
		if r := rate(url.Values{"key": {"forged"}, "rating": {"satisfied"}}); r.Status != 403 {
			t.Errorf("forged link rates: %d", r.Status)
		}
		if r := rate(url.Values{"key": {key}, "rating": {"unsatisfied"}, "note": {"\xff\xfe"}}); r.Status != 400 {
			t.Errorf("invalid UTF-8 note: %d", r.Status)
		}
		if r := rate(url.Values{"key": {key}, "rating": {"unsatisfied"}, "note": {"灯还是不亮 " + xss}}); r.Status != 303 {
			t.Fatalf("rate: %d %s", r.Status, r.Body)
		}
		// The same link used again to rate: refused, the page says why.
		if r := rate(url.Values{"key": {key}, "rating": {"satisfied"}}); r.Status != 409 {
			t.Errorf("second rating: %d", r.Status)
		}
		reopen := func(v url.Values) webtest.Response { return c.PostForm("/track/"+code+"/reopen", v) }
		if r := reopen(url.Values{"key": {key}}); r.Status != 400 {
			t.Errorf("reopen without a reason: %d", r.Status)
		}
		if r := reopen(url.Values{"key": {key}, "reason": {"灯还是不亮"}}); r.Status != 303 {
			t.Fatalf("reopen: %d %s", r.Status, r.Body)
		}
		if got, _ := f.DB.GetCase(context.Background(), staffActor(t, f, "dispatcher"), id); got.State != cases.StateAccepted || got.Reopened != 1 {
			t.Errorf("after reopening: %s reopened %d", got.State, got.Reopened)
		}
		// Someone else's link for this case does not exist: a staff-filed
		// case has no key at all.
		staff, _, _ := f.DB.CreateCase(context.Background(), staffActor(t, f, "operator"),
			store.NewCase{Text: "井盖丢了", Category: "0202", Grid: "330102001001001"}, "")
		if r := c.Get("/track/" + staff.TrackingCode + "?key=" + key); r.Status != 403 {
			t.Errorf("another case with this key: %d", r.Status)
		}

		// The public list shows it (its category is public), by grid only.
		home := c.Get("/")
		if !strings.Contains(home.Body, "/track/"+code) || strings.Contains(home.Body, "张三") || strings.Contains(home.Body, "<script>alert") {
			t.Errorf("public list: %s", home.Body)
		}
		var gj struct {
			Features []struct {
				Geometry   struct{ Coordinates []float64 }
				Properties map[string]any
			}
		}
		pts := c.Get("/map/cases.geojson")
		if err := json.Unmarshal([]byte(pts.Body), &gj); err != nil || len(gj.Features) != 1 || gj.Features[0].Geometry.Coordinates[0] == 120.05 {
			t.Errorf("map points: %v %s", err, pts.Body)
		}
	})
}

// TestPortalBadInput: every bad input of the form gets the form again with
// what was typed and why, in the reader's language; nothing is stored.
func TestPortalBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		c := f.Anonymous()
		with := func(change map[string]string) map[string]string {
			r := goodReport()
			for k, v := range change {
				if v == "-" {
					delete(r, k)
				} else {
					r[k] = v
				}
			}
			return r
		}
		for _, tc := range []struct {
			name   string
			fields map[string]string
			status int
			says   string
		}{
			{"script everywhere", with(map[string]string{"name": xss, "phone": xss}), 400, "请填写正确的手机号"},
			{"invalid UTF-8", with(map[string]string{"text": "路灯\xff\xfe坏了"}), 400, "无法识别的字符"},
			{"text too long", with(map[string]string{"text": strings.Repeat("长", 7000)}), 400, "此栏内容过长"},
			{"no text", with(map[string]string{"text": " \u200b "}), 400, "请描述问题"},
			{"no category", with(map[string]string{"category": "-"}), 400, "请从列表中选择一个分类"},
			{"group category", with(map[string]string{"category": "02"}), 400, "请从列表中选择一个分类"},
			{"out-of-city pin", with(map[string]string{"lat": "10", "lon": "10"}), 400, "须在本市范围内"},
			{"pin not a number", with(map[string]string{"lat": "north", "lon": "120"}), 400, "须在本市范围内"},
			{"no place", with(map[string]string{"lat": "-", "lon": "-"}), 400, "须在本市范围内"},
			{"unknown grid", with(map[string]string{"lat": "-", "lon": "-", "grid": "999"}), 400, "须在本市范围内"},
			{"no phone, not anonymous", with(map[string]string{"phone": "-", "name": "-"}), 400, "或勾选"},
			{"anonymous with a phone", with(map[string]string{"anonymous": "on"}), 400, "匿名反映不留姓名和电话"},
			{"honeypot", with(map[string]string{"website": "http://spam.example"}), 400, "本次提交未被接受"},
		} {
			res := report(c, "/report", tc.fields)
			webtest.CheckPage(t, tc.name, res)
			if res.Status != tc.status || !strings.Contains(res.Body, tc.says) {
				t.Errorf("%s: %d, want %d saying %q", tc.name, res.Status, tc.status, tc.says)
				continue
			}
			if !strings.Contains(res.Body, `role="alert"`) || !strings.Contains(res.Body, `aria-invalid="true"`) && tc.name != "honeypot" {
				t.Errorf("%s: no alert or marked field", tc.name)
			}
			// What was typed comes back, escaped.
			if tc.name != "invalid UTF-8" && tc.name != "text too long" && tc.name != "no text" && !strings.Contains(res.Body, "小区门口的路灯坏了三天 &lt;script&gt;") {
				t.Errorf("%s: the text typed is lost", tc.name)
			}
			if strings.Contains(res.Body, "<script>alert") {
				t.Errorf("%s: script rendered", tc.name)
			}
		}
		// A body past the bound is refused before it is read whole; a
		// body that is not multipart is refused.
		big := with(map[string]string{"text": strings.Repeat("x", upload.MaxText+1)})
		if res := report(c, "/report", big); res.Status != 413 {
			t.Errorf("oversize body: %d", res.Status)
		}
		// (A JSON body carries no CSRF token the guard reads: refused first.)
		if res := c.Post("/report", "application/json", strings.NewReader(`{"text":"x"}`)); res.Status != 403 {
			t.Errorf("JSON body: %d", res.Status)
		}
		if res := c.Post("/report", "multipart/form-data; boundary=x", strings.NewReader("--x\r\nbroken")); res.Status != 400 {
			t.Errorf("broken multipart: %d", res.Status)
		}
		if n := caseCount(t, f.DB); n != 0 {
			t.Errorf("%d cases stored by refused reports", n)
		}
		// Photos: a PDF renamed .jpg and a seventh photo are refused with
		// the form kept; a decompression bomb too.
		pdf, _ := os.ReadFile("../photo/testdata/renamed-pdf.jpg")
		jpg, _ := os.ReadFile("../photo/testdata/gps.jpg")
		bomb, _ := os.ReadFile("../photo/testdata/bomb.png")
		for name, photos := range map[string][][]byte{"pdf": {pdf}, "seven": {jpg, jpg, jpg, jpg, jpg, jpg, jpg}, "bomb": {bomb}} {
			res := report(c, "/report", goodReport(), photos...)
			webtest.CheckPage(t, name, res)
			if res.Status != 400 || !strings.Contains(res.Body, `id="photos-error"`) || !strings.Contains(res.Body, "小区门口的路灯坏了三天") {
				t.Errorf("photos %s: %d", name, res.Status)
			}
		}
		if n := caseCount(t, f.DB); n != 0 {
			t.Errorf("%d cases stored by refused photos", n)
		}
		// English readers are told in English.
		c.Lang = "en"
		if res := report(c, "/report", with(map[string]string{"lat": "10", "lon": "10"})); !strings.Contains(res.Body, "must lie inside the city") {
			t.Errorf("English error: %s", res.Body)
		}
	})
}

// TestPortalRateLimit: past the limit an address is refused with 429, what
// was typed kept; a signed-in resident is not the anonymous portal.
func TestPortalRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn, webtest.Options{ReportLimit: auth.NewRateLimit(2, time.Minute, time.Hour)})
		c := f.Anonymous()
		for i := range 2 {
			if res := report(c, "/report", goodReport()); res.Status != 303 {
				t.Fatalf("report %d: %d", i, res.Status)
			}
		}
		res := report(c, "/report", goodReport())
		if res.Status != 429 || res.Header.Get("Retry-After") == "" || !strings.Contains(res.Body, "小区门口的路灯坏了三天") {
			t.Errorf("third report: %d %q", res.Status, res.Header.Get("Retry-After"))
		}
		if res := report(f.Anonymous(), "/report/metoo", map[string]string{"case": "1"}); res.Status != 429 {
			t.Errorf("me too past the limit: %d", res.Status)
		}
		if n := caseCount(t, f.DB); n != 2 {
			t.Errorf("%d cases, want 2", n)
		}
	})
}

// TestPortalMeToo: similar open public reports are offered while typing
// (htmx and scripts off), and "me too" joins one instead of filing again.
func TestPortalMeToo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		c := f.Anonymous()
		first := report(c, "/report", goodReport())
		code := strings.TrimPrefix(first.Location, "/track/")
		id := caseID(t, f, code)
		dispute, _, _ := f.DB.CreateCase(context.Background(), staffActor(t, f, "operator"),
			store.NewCase{Text: "楼上每晚很吵", Category: "1101", Grid: "330102001001001"}, "")

		q := url.Values{"title": {"路灯不亮"}, "text": {"小区门口路灯坏了"}, "lat": {"30.05"}, "lon": {"120.05"}}.Encode()
		// Scripts off: the form reloaded with GET lists them.
		page := c.Get("/report?" + q)
		if !strings.Contains(page.Body, `name="case" value="`) || !strings.Contains(page.Body, "/track/"+code) {
			t.Fatalf("reloaded form lacks the similar report: %s", page.Body)
		}
		// htmx: the fragment alone.
		req, _ := http.NewRequest("GET", f.URL+"/report/similar?"+q, nil)
		req.Header.Set("HX-Request", "true")
		frag := c.Do(req)
		if frag.Status != 200 || strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, "/track/"+code) {
			t.Errorf("similar fragment: %d %s", frag.Status, frag.Body)
		}
		req, _ = http.NewRequest("GET", f.URL+"/report/categories?cq="+url.QueryEscape("路灯"), nil)
		req.Header.Set("HX-Request", "true")
		if frag := c.Do(req); !strings.Contains(frag.Body, `data-category="0203"`) {
			t.Errorf("category search: %s", frag.Body)
		}
		if p := c.Get("/report?pick=0203&cq=" + url.QueryEscape("路灯")); !strings.Contains(p.Body, `value="0203" selected`) {
			t.Errorf("picking a category with scripts off")
		}

		vote := func(fields map[string]string) webtest.Response {
			fields["title"], fields["text"] = "路灯不亮", "小区门口路灯坏了"
			return report(f.Anonymous(), "/report/metoo", fields)
		}
		if r := vote(map[string]string{"case": itoa(id), "phone": "13900001111", "name": xss}); r.Status != 303 || r.Location != "/track/"+code+"?joined=1" {
			t.Fatalf("me too: %d %q %s", r.Status, r.Location, r.Body)
		}
		if r := vote(map[string]string{"case": itoa(id), "phone": "139 0000 1111"}); r.Location != "/track/"+code+"?already=1" {
			t.Errorf("me too again: %d %q", r.Status, r.Location)
		}
		if r := vote(map[string]string{"case": itoa(id), "phone": "12"}); r.Status != 400 || !strings.Contains(r.Body, "请填写正确的手机号") {
			t.Errorf("me too with a bad phone: %d", r.Status)
		}
		for _, bad := range []string{itoa(dispute.ID), "999999", "abc", "-1"} {
			if r := vote(map[string]string{"case": bad, "anonymous": "on"}); r.Status != 404 {
				t.Errorf("me too on %s: %d", bad, r.Status)
			}
		}
		tr := c.Get("/track/" + code + "?joined=1")
		if !strings.Contains(tr.Body, "1 位居民附议") || !strings.Contains(tr.Body, "您已附议") {
			t.Errorf("track after me too: %s", tr.Body)
		}
		if n := caseCount(t, f.DB); n != 2 {
			t.Errorf("%d cases, want 2: me too filed one", n)
		}
	})
}

// TestPortalRegionTree: without a map the place is chosen down the region
// tree with GET reloads that keep what was typed, and a report filed by grid.
func TestPortalRegionTree(t *testing.T) {
	f := webtest.New(t, "sqlite:"+t.TempDir()+"/anju.db")
	c := f.Anonymous()
	p := c.Get("/report?text=" + url.QueryEscape("井盖丢了") + "&district=330102")
	if !strings.Contains(p.Body, `name="street"`) || !strings.Contains(p.Body, "井盖丢了") {
		t.Fatalf("district chosen: %s", p.Body)
	}
	p = c.Get("/report?district=330102&street=330102001&community=330102001001&grid=330102001001001")
	if !strings.Contains(p.Body, `value="330102001001001" selected`) {
		t.Fatalf("grid chosen: %s", p.Body)
	}
	// A street of another district is dropped when the district changes.
	p = c.Get("/report?district=330105&street=330102001")
	if strings.Contains(p.Body, `value="330102001" selected`) {
		t.Errorf("a street of another district stays chosen")
	}
	fields := map[string]string{"text": "井盖丢了", "category": "0202", "grid": "330102001001001", "anonymous": "on"}
	if res := report(c, "/report", fields); res.Status != 303 {
		t.Fatalf("report by grid: %d %s", res.Status, res.Body)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// caseID finds a case by its tracking code as the city-wide dispatcher.
func caseID(t *testing.T, f *webtest.Fixture, code string) int64 {
	l, err := f.DB.ListCases(context.Background(), staffActor(t, f, "dispatcher"), store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range l.Cases {
		if c.TrackingCode == code {
			return c.ID
		}
	}
	t.Fatalf("no case %s", code)
	return 0
}
