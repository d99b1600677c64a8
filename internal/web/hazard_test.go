package web_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/hazard"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// inspectionForm posts a completion as the task page's form does: the
// answers and findings by item, and a photo for each item named in photos.
func inspectionForm(t *testing.T, c *webtest.Client, path string, fields map[string]string, photos ...string) webtest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for _, item := range photos {
		data, err := os.ReadFile("../photo/testdata/photo.png")
		if err != nil {
			t.Fatal(err)
		}
		fw, _ := mw.CreateFormFile("photos."+item, "p.png")
		fw.Write(data)
	}
	mw.Close()
	return c.Post(path, mw.FormDataContentType(), &body)
}

var (
	taskLink    = regexp.MustCompile(`href="/work/inspections/(\d+)" data-task`)
	findingLink = regexp.MustCompile(`href="/work/findings/(\d+)" data-finding`)
)

// The hazard loop through the pages without scripts: register a place,
// its task on the grid worker's list, completion with bad input refused on
// the form (an item not on the checklist, an item unanswered, a photo of a
// passed item, another grid's task, a second completion), a finding with
// its photo and case, its re-inspection; every page in both languages.
func TestHazardPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		ctx := context.Background()
		wa, wb := f.SignIn("worker-a"), f.SignIn("worker-b")
		check := func(c *webtest.Client, path string, want int) webtest.Response {
			t.Helper()
			res := c.Get(path)
			if res.Status != want {
				t.Fatalf("GET %s: %d, want %d\n%s", path, res.Status, want, brief(res.Body))
			}
			webtest.CheckPage(t, path, res)
			return res
		}

		// Register: refused, then accepted.
		check(wa, "/work/hazards/new", 200)
		form := url.Values{"name": {"幸福小区燃气调压站"}, "type": {"gas"}, "risk_level": {"major"}, "owner": {"幸福燃气公司"},
			"department": {"a-street"}, "address": {"幸福路1号"}, "lat": {"30.05"}, "lon": {"120.02"}}
		for _, tc := range []struct{ field, value, says string }{
			{"type", "volcano", "volcano"},
			{"lon", "120.17", "第2社区"}, // street B, outside worker A's area
			{"lat", "", "纬度"},
			{"owner", " ", "owner"},
		} {
			bad := url.Values{}
			for k, v := range form {
				bad[k] = v
			}
			bad.Set(tc.field, tc.value)
			res := wa.PostForm("/work/hazards", bad)
			webtest.CheckPage(t, "refused registration", res)
			if res.Status != 400 || !strings.Contains(res.Body, `aria-invalid="true"`) || !strings.Contains(res.Body, "幸福小区燃气调压站") {
				t.Errorf("%s=%q: %d %s", tc.field, tc.value, res.Status, brief(res.Body))
			}
		}
		if res := f.SignIn("handler-a").PostForm("/work/hazards", form); res.Status != 403 {
			t.Errorf("a handler registers: %d", res.Status)
		}
		res := wa.PostForm("/work/hazards", form)
		if res.Status != 303 || !strings.HasPrefix(res.Location, "/work/hazards/") {
			t.Fatalf("register: %d %s %s", res.Status, res.Location, brief(res.Body))
		}
		hazardPage := strings.TrimSuffix(res.Location, "?done=saved")
		page := check(wa, hazardPage+"?done=saved", 200)
		if !strings.Contains(page.Body, "幸福燃气公司") || !strings.Contains(page.Body, "第1街道办") || !strings.Contains(page.Body, "每周一次") {
			t.Errorf("hazard page: %s", brief(page.Body))
		}
		check(wb, hazardPage, 404)
		list := check(wa, "/work/hazards?risk_level=major", 200)
		if !strings.Contains(list.Body, "幸福小区燃气调压站") {
			t.Errorf("register list: %s", brief(list.Body))
		}
		if res := wa.Get("/work/hazards?risk_level=dire"); res.Status != 400 {
			t.Errorf("a bad risk level: %d", res.Status)
		}
		if l := check(wb, "/work/hazards", 200); strings.Contains(l.Body, "幸福小区") {
			t.Errorf("worker B's register shows A's place")
		}

		// The task, on the worker's list.
		if _, err := f.DB.GenerateInspectionTasks(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		tasks := check(wa, "/work/inspections", 200)
		m := taskLink.FindStringSubmatch(tasks.Body)
		if m == nil {
			t.Fatalf("no task on worker A's list: %s", brief(tasks.Body))
		}
		task := "/work/inspections/" + m[1]
		if l := check(wb, "/work/inspections", 200); taskLink.MatchString(l.Body) {
			t.Errorf("worker B's list shows A's task")
		}
		page = check(wa, task, 200)
		for _, item := range []string{"leak", "alarm", "hose", "ventilation"} {
			if !strings.Contains(page.Body, `name="answer.`+item+`"`) || !strings.Contains(page.Body, `name="photos.`+item+`"`) {
				t.Errorf("the form lacks item %s", item)
			}
		}
		answers := map[string]string{"answer.leak": "fail", "finding.leak": "调压阀接口漏气", "answer.alarm": "pass", "answer.hose": "na",
			"answer.ventilation": "pass"}
		with := func(k, v string) map[string]string {
			out := map[string]string{}
			for a, b := range answers {
				out[a] = b
			}
			if v == "" {
				delete(out, k)
			} else {
				out[k] = v
			}
			return out
		}
		for _, tc := range []struct {
			name   string
			fields map[string]string
			photos []string
			status int
			says   string
		}{
			{"an item not on the checklist", with("answer.roof", "pass"), nil, 400, "“roof”不在本类隐患的检查表上"},
			{"an item unanswered", with("answer.hose", ""), nil, 400, "请逐项选择检查结果"},
			{"a failure unexplained", with("finding.leak", ""), nil, 400, "请写明发现的问题"},
			{"a photo of a passed item", answers, []string{"alarm"}, 400, "照片只随不合格项提交"},
			{"a field of no form", with("note", "x"), nil, 400, "note"},
		} {
			res := inspectionForm(t, wa, task, tc.fields, tc.photos...)
			webtest.CheckPage(t, tc.name, res)
			if res.Status != tc.status || !strings.Contains(html.UnescapeString(res.Body), tc.says) {
				t.Errorf("%s: %d %s", tc.name, res.Status, brief(res.Body))
			}
		}
		if res := inspectionForm(t, wb, task, answers, "leak"); res.Status != 404 {
			t.Errorf("worker B completes A's task: %d", res.Status)
		}
		if res := inspectionForm(t, f.SignIn("dispatcher"), task, answers); res.Status != 403 {
			t.Errorf("a dispatcher completes a task: %d", res.Status)
		}
		res = inspectionForm(t, wa, task, answers, "leak")
		if res.Status != 303 || res.Location != task+"?done=completed" {
			t.Fatalf("complete: %d %s", res.Status, brief(res.Body))
		}
		res = inspectionForm(t, wa, task, answers, "leak")
		webtest.CheckPage(t, "second completion", res)
		if res.Status != 409 || !strings.Contains(res.Body, "该任务已完成") {
			t.Errorf("a second completion: %d %s", res.Status, brief(res.Body))
		}
		done := check(wa, task+"?done=completed", 200)
		fm := findingLink.FindStringSubmatch(done.Body)
		if fm == nil || !strings.Contains(done.Body, "调压阀接口漏气") || strings.Contains(done.Body, `name="answer.leak"`) {
			t.Fatalf("the completed task: %s", brief(done.Body))
		}
		finding := "/work/findings/" + fm[1]
		page = check(wa, finding, 200)
		if !regexp.MustCompile(`<img src="/work/cases/\d+/photos/\d+/thumb"`).MatchString(page.Body) || !strings.Contains(page.Body, "整改期限") {
			t.Errorf("the finding's photo and deadline: %s", brief(page.Body))
		}
		check(wb, finding, 404)

		// Re-inspection: the verdict is required, a failure needs its note.
		if res := wa.PostForm(finding+"/reinspect", url.Values{"note": {"x"}}); res.Status != 400 || !strings.Contains(res.Body, "请选择复查结论") {
			t.Errorf("no verdict: %d %s", res.Status, brief(res.Body))
		}
		if res := wa.PostForm(finding+"/reinspect", url.Values{"passed": {"false"}}); res.Status != 400 || !strings.Contains(res.Body, "不合格时请写明") {
			t.Errorf("sent back without a note: %d %s", res.Status, brief(res.Body))
		}
		if res := wb.PostForm(finding+"/reinspect", url.Values{"passed": {"true"}}); res.Status != 404 {
			t.Errorf("worker B re-inspects: %d", res.Status)
		}
		if res := wa.PostForm(finding+"/reinspect", url.Values{"passed": {"false"}, "note": {"仍有漏气"}}); res.Status != 303 {
			t.Errorf("sent back: %d %s", res.Status, brief(res.Body))
		}
		if res := wa.PostForm(finding+"/reinspect", url.Values{"passed": {"true"}, "note": {"已更换接口"}}); res.Status != 303 {
			t.Fatalf("passed: %d %s", res.Status, brief(res.Body))
		}
		if res := wa.PostForm(finding+"/reinspect", url.Values{"passed": {"true"}}); res.Status != 409 {
			t.Errorf("a closed finding re-inspected: %d", res.Status)
		}
		closed := check(wa, "/work/findings?state=closed", 200)
		if !findingLink.MatchString(closed.Body) {
			t.Errorf("the closed finding is not listed: %s", brief(closed.Body))
		}

		// Changing the entry: from a stale copy refused, then saved.
		edit := check(wa, hazardPage+"/edit", 200)
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(edit.Body)
		if version == nil {
			t.Fatalf("the edit form has no version: %s", brief(edit.Body))
		}
		form.Set("version", version[1])
		form.Set("risk_level", "high")
		if res := wa.PostForm(hazardPage, form); res.Status != 303 {
			t.Fatalf("change: %d %s", res.Status, brief(res.Body))
		}
		res = wa.PostForm(hazardPage, form)
		if res.Status != 409 || !strings.Contains(res.Body, "已被他人修改") {
			t.Errorf("a change from a stale copy: %d %s", res.Status, brief(res.Body))
		}

		// Every page in English too.
		en := f.SignIn("worker-a")
		en.Lang = "en"
		for _, p := range []string{"/work/hazards", hazardPage, hazardPage + "/edit", "/work/hazards/new", "/work/inspections", task,
			"/work/findings", finding, "/work/inspections?state=done", "/work/findings?reinspect=true"} {
			res := en.Get(p)
			webtest.CheckPage(t, p, res)
			if res.Status != 200 || !strings.Contains(res.Body, `lang="en"`) {
				t.Errorf("%s in English: %d", p, res.Status)
			}
		}
	})
}

// The city's settings: frequencies and checklists, for city-wide
// administrators only, bad input said on the form.
func TestAdminHazardPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		admin := f.SignIn("admin")
		res := admin.Get("/admin")
		if !strings.Contains(res.Body, `href="/admin/hazards"`) {
			t.Errorf("the admin index lacks hazards")
		}
		if res := f.SignIn("admin-a").Get("/admin"); strings.Contains(res.Body, `href="/admin/hazards"`) {
			t.Errorf("a street administrator is offered the city's hazard settings")
		}
		res = admin.Get("/admin/hazards")
		webtest.CheckPage(t, "/admin/hazards", res)
		if res.Status != 200 || !strings.Contains(res.Body, `id="every-major"`) || !strings.Contains(res.Body, `/admin/hazards/checklists/water_body`) {
			t.Fatalf("/admin/hazards: %d %s", res.Status, brief(res.Body))
		}
		if res := admin.PostForm("/admin/hazards/plan/major", url.Values{"every": {"5"}, "unit": {"month"}}); res.Status != 400 ||
			!strings.Contains(res.Body, `id="plan-major-error"`) {
			t.Errorf("every 5 months: %d %s", res.Status, brief(res.Body))
		}
		if res := admin.PostForm("/admin/hazards/plan/dire", url.Values{"every": {"1"}, "unit": {"week"}}); res.Status != 404 {
			t.Errorf("an unknown level: %d", res.Status)
		}
		if res := f.SignIn("admin-a").PostForm("/admin/hazards/plan/major", url.Values{"every": {"2"}, "unit": {"week"}}); res.Status != 403 {
			t.Errorf("a street administrator sets the plan: %d %s", res.Status, brief(res.Body))
		}
		if res := admin.PostForm("/admin/hazards/plan/low", url.Values{"every": {"1"}, "unit": {"month"}}); res.Status != 303 {
			t.Fatalf("save the plan: %d %s", res.Status, brief(res.Body))
		}
		if res := admin.Get("/admin/hazards?done=hazard_plan_saved"); !regexp.MustCompile(`id="unit-low"[^>]*>\s*<option value="week">[^<]*</option><option value="month" selected>`).MatchString(res.Body) {
			t.Errorf("the low level is not monthly: %s", brief(res.Body))
		}

		// A checklist: one item changed, one removed, one added.
		res = admin.Get("/admin/hazards/checklists/slope")
		webtest.CheckPage(t, "checklist", res)
		if res.Status != 200 || !strings.Contains(res.Body, `value="cracks"`) {
			t.Fatalf("checklist page: %d %s", res.Status, brief(res.Body))
		}
		post := url.Values{"category": {"1209"}, "rows": {"7"},
			"item.0.key": {"cracks"}, "item.0.text": {"坡体无新增裂缝"},
			"item.1.key": {"drainage"}, "item.1.text": {"截排水沟畅通"},
			"item.2.key": {"retaining"}, "item.2.text": {"挡土墙完好"}, "item.2.remove": {"1"},
			"item.3.key": {"warning"}, "item.3.text": {"警示标志完好"},
			"item.4.text": {"雨后专项巡查"}, "item.4.category": {"1209"},
			"item.5.text": {""}, "item.6.text": {""}}
		dup := url.Values{}
		for k, v := range post {
			dup[k] = v
		}
		dup.Set("item.5.text", "截排水沟畅通")
		res = admin.PostForm("/admin/hazards/checklists/slope", dup)
		webtest.CheckPage(t, "duplicate item", res)
		if res.Status != 400 || !strings.Contains(res.Body, `class="invalid"`) || !strings.Contains(res.Body, "雨后专项巡查") {
			t.Errorf("a question twice: %d %s", res.Status, brief(res.Body))
		}
		if res := admin.PostForm("/admin/hazards/checklists/slope", post); res.Status != 303 {
			t.Fatalf("save the checklist: %d %s", res.Status, brief(res.Body))
		}
		res = admin.Get("/admin/hazards/checklists/slope")
		if !strings.Contains(res.Body, "雨后专项巡查") || strings.Contains(res.Body, `value="retaining"`) || !strings.Contains(res.Body, "坡体无新增裂缝") {
			t.Errorf("saved checklist: %s", brief(res.Body))
		}
		if res := f.SignIn("dispatcher").Get("/admin/hazards"); res.Status != 403 {
			t.Errorf("a dispatcher opens the settings: %d", res.Status)
		}
		if res := admin.Get("/admin/hazards/checklists/volcano"); res.Status != 404 {
			t.Errorf("an unknown type: %d", res.Status)
		}
		en := f.SignIn("admin")
		en.Lang = "en"
		for _, p := range []string{"/admin/hazards", "/admin/hazards/checklists/gas"} {
			webtest.CheckPage(t, p, en.Get(p))
		}
	})
}

var hazardNumber = regexp.MustCompile(`<a href="([^"]+)" data-figure-link="hazards" data-figure-count="([a-z_]+)" data-figure-n="(\d+)">`)

// The dashboard's hazard section: every count is a link to a list that
// holds as many.
func TestDashHazards(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		// Three weeks ago, when the places were registered and two of
		// their first tasks done; the store's clock then moves to now, as
		// the browser's cookies live in real time.
		clk := anju.NewFakeClock(time.Now().Add(-21 * 24 * time.Hour))
		f := webtest.New(t, dsn, webtest.Options{Clock: clk})
		ctx := context.Background()
		wa, err := f.DB.Authenticate(ctx, "worker-a", webtest.Password)
		if err != nil {
			t.Fatal(err)
		}
		for i, lvl := range []hazard.RiskLevel{hazard.RiskMajor, hazard.RiskHigh, hazard.RiskMajor} {
			if _, err := f.DB.RegisterHazard(ctx, wa, hazard.Hazard{Name: "隐患点" + strconv.Itoa(i), Type: hazard.TypeOther, RiskLevel: lvl,
				Owner: "物业", Department: "a-street", Lat: 30.02 + float64(i)/100, Lon: 120.02}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.DB.GenerateInspectionTasks(ctx, clk.Now()); err != nil {
			t.Fatal(err)
		}
		tasks, err := f.DB.ListInspections(ctx, wa, store.InspectionFilter{})
		if err != nil || len(tasks.Inspections) != 3 {
			t.Fatalf("tasks: %+v %v", tasks, err)
		}
		for i, in := range tasks.Inspections[:2] {
			answers := []hazard.Answer{{Item: "general", Result: hazard.Pass}, {Item: "equipment", Result: hazard.Pass}, {Item: "responsible", Result: hazard.Pass}}
			if i == 0 {
				answers[0] = hazard.Answer{Item: "general", Result: hazard.Fail, Finding: "杂物堵塞通道"}
			}
			if _, err := f.DB.CompleteInspection(ctx, wa, in.ID, answers, nil); err != nil {
				t.Fatal(err)
			}
		}
		// Now every task's period has ended: two done on time, one missed;
		// the finding is still open.
		clk.Set(time.Now())
		if _, err := f.DB.GenerateInspectionTasks(ctx, clk.Now()); err != nil {
			t.Fatal(err)
		}
		d := f.SignIn("dispatcher")
		res := d.Get("/dash")
		webtest.CheckPage(t, "/dash", res)
		if res.Status != 200 || !strings.Contains(res.Body, `id="hazards"`) {
			t.Fatalf("/dash: %d %s", res.Status, brief(res.Body))
		}
		links := hazardNumber.FindAllStringSubmatch(res.Body, -1)
		if len(links) < 8 {
			t.Fatalf("only %d hazard numbers are links", len(links))
		}
		for _, m := range links {
			href := html.UnescapeString(m[1])
			body := d.Get(href).Body
			got := regexp.MustCompile(`id="figure-list" data-total="(\d+)"`).FindStringSubmatch(body)
			if got == nil || got[1] != m[3] {
				t.Errorf("%s %s: the dashboard shows %s, its list %v", m[2], href, m[3], got)
			}
			rows := len(taskLink.FindAllString(body, -1)) + len(findingLink.FindAllString(body, -1))
			if strconv.Itoa(rows) != m[3] {
				t.Errorf("%s: %d rows listed, %s counted", href, rows, m[3])
			}
		}
		// Worker B's dashboard counts none of A's.
		if !strings.Contains(cellText(res.Body), "66.7%（2/3）") {
			t.Errorf("the section lacks 2 of 3 on time in all")
		}
		if res := f.SignIn("worker-b").Get("/dash"); hazardNumber.MatchString(res.Body) {
			t.Errorf("worker B's dashboard links hazard numbers of A")
		}
		if res := d.Get("/work/inspections?outcome=late"); res.Status != 400 {
			t.Errorf("a bad outcome: %d", res.Status)
		}
		if res := d.Get("/work/findings?closed_from=2026-02-30"); res.Status != 400 {
			t.Errorf("a bad day: %d", res.Status)
		}
	})
}
