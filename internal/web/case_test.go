package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"mime/multipart"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/locale"
	"anju/internal/photo"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// caseWorld is a web fixture with store actors for setting cases up.
type caseWorld struct {
	*webtest.Fixture
	t *testing.T
}

func newCaseWorld(t *testing.T, dsn string) *caseWorld {
	return &caseWorld{Fixture: webtest.New(t, dsn), t: t}
}

func (w *caseWorld) actor(login string) *anju.Actor {
	w.t.Helper()
	a, err := w.DB.Authenticate(context.Background(), login, webtest.Password)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func ptr(f float64) *float64 { return &f }

// report is a case in grid 330102001001001 (street A of district 330102),
// with a reporter who left a name and phone.
func newReport(title string) store.NewCase {
	nc := store.NewCase{Title: title, Text: "小区门口的路灯已经坏了三天，晚上很黑", Category: "0101", Lat: ptr(30.05), Lon: ptr(120.02),
		Address: "文一路 1 号"}
	nc.Reporter.Name, nc.Reporter.Phone = "张三", "13812341234"
	return nc
}

func (w *caseWorld) create(nc store.NewCase) store.Case {
	w.t.Helper()
	c, _, err := w.DB.CreateCase(context.Background(), w.actor("operator"), nc, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// dispatched is a new case dispatched to street A's office.
func (w *caseWorld) dispatched(title string) store.Case {
	w.t.Helper()
	c := w.create(newReport(title))
	w.act("dispatcher", c.ID, cases.ActionAccept, cases.Input{})
	return w.act("dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-street"})
}

func (w *caseWorld) act(login string, id int64, a cases.Action, in cases.Input) store.Case {
	w.t.Helper()
	c, err := w.DB.Act(context.Background(), w.actor(login), id, a, store.ActionInput{Input: in})
	if err != nil {
		w.t.Fatalf("%s %s: %v", login, a, err)
	}
	return c
}

func path(id int64) string { return "/work/cases/" + strconv.FormatInt(id, 10) }

var actionForm = regexp.MustCompile(`data-action="([a-z_]+)"`)

// formsOn lists the actions whose forms a case page offers.
func formsOn(body string) []string {
	var out []string
	for _, m := range actionForm.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func get(t *testing.T, c *webtest.Client, p string) webtest.Response {
	t.Helper()
	res := c.Get(p)
	webtest.CheckPage(t, p, res)
	return res
}

// Each role sees the forms of exactly the actions the workflow table gives
// it on the case in its state; a case outside its reach, one that does not
// exist and a malformed id all get the same 404 page.
func TestCasePageFormsByRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		submitted := w.create(newReport("路灯不亮"))
		dispatched := w.dispatched("井盖缺失")

		for _, tt := range []struct {
			login string
			c     store.Case
			want  []string
		}{
			{"dispatcher", submitted, []string{"accept", "reject", "escalate", "merge", "comment"}},
			{"operator", submitted, []string{"accept", "reject", "merge", "comment"}},
			{"worker-a", submitted, []string{"accept", "reject", "escalate", "comment"}},
			{"supervisor", submitted, []string{"escalate", "supervise", "comment"}},
			{"auditor", submitted, nil},
			{"handler-a", dispatched, []string{"return", "start", "request_extension", "comment"}},
			{"dispatcher", dispatched, []string{"approve_extension", "deny_extension", "escalate", "merge", "comment"}},
			{"handler-cg", submitted, nil},
		} {
			c := w.SignIn(tt.login)
			res := get(t, c, path(tt.c.ID))
			if tt.login == "handler-cg" {
				if res.Status != 404 {
					t.Errorf("handler-cg on an undispatched case: %d, want 404", res.Status)
				}
				continue
			}
			if res.Status != 200 {
				t.Fatalf("%s on case %d: %d %s", tt.login, tt.c.ID, res.Status, res.Body)
			}
			if got := formsOn(res.Body); !slices.Equal(got, tt.want) {
				t.Errorf("%s on a %s case sees forms %v, want %v", tt.login, tt.c.State, got, tt.want)
			}
		}

		// The dispatcher's dispatch form offers the departments serving the
		// place: street A's office and the city bureau, not street B's.
		accepted := w.create(newReport("垃圾堆放"))
		w.act("dispatcher", accepted.ID, cases.ActionAccept, cases.Input{})
		res := get(t, w.SignIn("dispatcher"), path(accepted.ID))
		if !strings.Contains(res.Body, `<option value="a-street">`) || !strings.Contains(res.Body, `<option value="city-cg">`) ||
			strings.Contains(res.Body, `value="b-street"`) {
			t.Errorf("dispatch departments: %s", res.Body)
		}
		if !slices.Equal(formsOn(res.Body), []string{"dispatch", "escalate", "merge", "comment"}) {
			t.Errorf("dispatcher on an accepted case: %v", formsOn(res.Body))
		}

		// Out of scope, absent, malformed: one 404 page.
		hb := w.SignIn("handler-b")
		out := get(t, hb, path(dispatched.ID))
		if out.Status != 404 || !strings.Contains(out.Body, "不存在") {
			t.Fatalf("handler-b on a case of district 330102: %d %s", out.Status, out.Body)
		}
		for _, p := range []string{"/work/cases/999999", "/work/cases/abc", "/work/cases/0", "/work/cases/-3",
			"/work/cases/99999999999999999999", "/work/cases/1.5"} {
			res := get(t, hb, p)
			if res.Status != 404 {
				t.Errorf("%s: %d, want 404", p, res.Status)
			}
			if strings.ReplaceAll(res.Body, p, "") != strings.ReplaceAll(out.Body, path(dispatched.ID), "") {
				t.Errorf("%s: the 404 page differs from the one for a case out of scope", p)
			}
		}
		for _, p := range []string{path(dispatched.ID) + "/actions/fly", "/work/cases/abc/actions/accept", path(dispatched.ID) + "/actions/start"} {
			if res := hb.PostForm(p, url.Values{"version": {"3"}}); res.Status != 404 {
				t.Errorf("POST %s by handler-b: %d, want 404", p, res.Status)
			}
		}
		if res := w.Anonymous().Get(path(submitted.ID)); res.Status != 303 || !strings.HasPrefix(res.Location, "/login?next=") {
			t.Errorf("anonymous: %d %q, want the sign-in page", res.Status, res.Location)
		}
	})
}

// An action taken through its form answers 303 to the case page, which says
// it was done and shows it in the timeline in plain words.
func TestCaseActionSucceeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		c := w.create(newReport("路灯不亮"))
		d := w.SignIn("dispatcher")
		page := get(t, d, path(c.ID))
		if !strings.Contains(page.Body, `name="version" value="1"`) || !strings.Contains(page.Body, "提交了诉求") ||
			!strings.Contains(page.Body, "测试市 › 第1区 › 第1街道 › 第1社区 › 第一网格") ||
			!strings.Contains(page.Body, `data-region="330102001001"`) || !strings.Contains(page.Body, `data-lat="30.050000"`) ||
			!strings.Contains(page.Body, "due-ok") || !strings.Contains(page.Body, "张*") || strings.Contains(page.Body, "13812341234") {
			t.Fatalf("case page: %s", page.Body)
		}
		res := d.PostForm(path(c.ID)+"/actions/accept", url.Values{"version": {"1"}, "note": {"已电话联系"}})
		if res.Status != 303 || res.Location != path(c.ID)+"?done=accept" {
			t.Fatalf("accept: %d %q %s", res.Status, res.Location, res.Body)
		}
		res = d.PostForm(path(c.ID)+"/actions/dispatch", url.Values{"version": {"2"}, "department": {"a-street"}, "note": {"请尽快"}})
		if res.Status != 303 {
			t.Fatalf("dispatch: %d %s", res.Status, res.Body)
		}
		page = get(t, d, res.Location)
		for _, want := range []string{"已派遣。", `role="status"`, "受理", "已电话联系", "派遣", "第1街道办", "请尽快", "dispatcher",
			"已受理 → 已派遣", `name="version" value="3"`} {
			if !strings.Contains(html.UnescapeString(page.Body), want) {
				t.Errorf("after dispatching, the page lacks %q", want)
			}
		}
		// The handler signs for it, asks for more time, and resolves it;
		// each step is in the timeline.
		h := w.SignIn("handler-a")
		for _, step := range []struct {
			action string
			form   url.Values
		}{
			{"start", url.Values{}},
			{"request_extension", url.Values{"reason": {"需协调供电公司"}, "days": {"3"}}},
			{"resolve", url.Values{"result": {"已更换灯泡"}}},
		} {
			cur, _ := w.DB.GetCase(context.Background(), w.actor("handler-a"), c.ID)
			step.form.Set("version", strconv.FormatInt(cur.Version, 10))
			if res := h.PostForm(path(c.ID)+"/actions/"+step.action, step.form); res.Status != 303 {
				t.Fatalf("%s: %d %s", step.action, res.Status, res.Body)
			}
		}
		page = get(t, h, path(c.ID))
		for _, want := range []string{"签收并开始办理", "申请延期", "需协调供电公司", "提交办理结果", "已更换灯泡"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("handler's timeline lacks %q", want)
			}
		}
		// A handler returning a case no longer sees it: the workbench.
		other := w.dispatched("井盖缺失")
		if res := h.PostForm(path(other.ID)+"/actions/return", url.Values{"version": {"3"}, "reason": {"不属本街道"}}); res.Status != 303 || res.Location != "/work" {
			t.Errorf("return: %d %q", res.Status, res.Location)
		}
		// English.
		if res := get(t, d, path(c.ID)+"?lang=en"); !strings.Contains(res.Body, "Timeline") || !strings.Contains(res.Body, "reported the result") {
			t.Errorf("English case page: %s", res.Body)
		}
	})
}

// A refused action is answered on the case page with its reason and
// everything typed kept: a stale version, a missing field, a forbidden
// action, text that is not text.
func TestCaseActionRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		c := w.create(newReport("路灯不亮"))
		w.act("dispatcher", c.ID, cases.ActionAccept, cases.Input{})
		d := w.SignIn("dispatcher")

		// Opened at version 1, accepted meanwhile by someone else.
		res := d.PostForm(path(c.ID)+"/actions/escalate", url.Values{"version": {"1"}, "reason": {"<script>alert(1)</script>需区里协调"}})
		webtest.CheckPage(t, "stale", res)
		if res.Status != 409 || !strings.Contains(res.Body, "您打开页面后案件已有变化") ||
			!strings.Contains(res.Body, `<details class="action" id="act-escalate" open>`) ||
			!strings.Contains(res.Body, "&lt;script&gt;alert(1)&lt;/script&gt;需区里协调</textarea>") ||
			!strings.Contains(res.Body, `name="version" value="2"`) {
			t.Errorf("stale version: %d %s", res.Status, res.Body)
		}
		if cur, _ := w.DB.GetCase(context.Background(), w.actor("dispatcher"), c.ID); cur.Version != 2 || cur.State != cases.StateAccepted {
			t.Errorf("a stale form changed the case: %+v", cur.Case)
		}

		// A missing reason; the note typed beside it is kept.
		res = d.PostForm(path(c.ID)+"/actions/dispatch", url.Values{"version": {"2"}, "department": {""}, "note": {"先派街道"}})
		webtest.CheckPage(t, "missing", res)
		if res.Status != 400 || !strings.Contains(res.Body, "请填写“承办部门”") ||
			!regexp.MustCompile(`id="dispatch-department" name="department" required aria-invalid="true" aria-describedby="dispatch-department-error"`).MatchString(res.Body) ||
			!strings.Contains(res.Body, `<p class="field-error" id="dispatch-department-error">此项必填。</p>`) ||
			!strings.Contains(res.Body, ">先派街道</textarea>") {
			t.Errorf("missing department: %d %s", res.Status, res.Body)
		}
		res = d.PostForm(path(c.ID)+"/actions/escalate", url.Values{"version": {"2"}, "reason": {" \u200b "}})
		if res.Status != 400 || !strings.Contains(res.Body, `id="escalate-reason-error"`) {
			t.Errorf("blank reason: %d %s", res.Status, res.Body)
		}
		// A department that does not serve the place.
		res = d.PostForm(path(c.ID)+"/actions/dispatch", url.Values{"version": {"2"}, "department": {"b-street"}})
		if res.Status != 400 || !strings.Contains(res.Body, `id="dispatch-department-error"`) {
			t.Errorf("department elsewhere: %d %s", res.Status, res.Body)
		}

		// A grid worker may not dispatch: forbidden, said on the page, with
		// what was typed listed since there is no form for it.
		wa := w.SignIn("worker-a")
		res = wa.PostForm(path(c.ID)+"/actions/dispatch", url.Values{"version": {"2"}, "department": {"a-street"}, "note": {"<b>急</b>"}})
		webtest.CheckPage(t, "forbidden", res)
		if res.Status != 403 || !strings.Contains(res.Body, "您的角色不能") || !strings.Contains(res.Body, "您填写的内容") ||
			!strings.Contains(res.Body, "&lt;b&gt;急&lt;/b&gt;") || strings.Contains(res.Body, `data-action="dispatch"`) {
			t.Errorf("forbidden dispatch: %d %s", res.Status, res.Body)
		}
		// An action the state does not allow.
		res = d.PostForm(path(c.ID)+"/actions/resolve", url.Values{"version": {"2"}, "result": {"done"}})
		if res.Status != 409 || !strings.Contains(res.Body, "done") {
			t.Errorf("resolve an accepted case: %d %s", res.Status, res.Body)
		}

		// Text that is not UTF-8, a number that is not one, no version.
		for _, tt := range []struct {
			form   url.Values
			status int
		}{
			{url.Values{"version": {"2"}, "note": {"bad \xff\xfe text"}}, 400},
			{url.Values{"version": {"2"}, "note": {"nul \x00 here"}}, 400},
			{url.Values{"note": {"no version"}}, 400},
			{url.Values{"version": {"x"}, "note": {"bad version"}}, 400},
			{url.Values{"version": {"2"}, "note": {strings.Repeat("长", 5001)}}, 400},
		} {
			res := d.PostForm(path(c.ID)+"/actions/comment", tt.form)
			webtest.CheckPage(t, "comment", res)
			if res.Status != tt.status || !strings.Contains(res.Body, `role="alert"`) {
				t.Errorf("comment %q: %d, want %d: %s", tt.form, res.Status, tt.status, res.Body)
			}
		}
		if res := d.PostForm(path(c.ID)+"/actions/escalate", url.Values{"version": {"2"}, "reason": {"需区里协调"}}); res.Status != 303 {
			t.Errorf("escalate: %d", res.Status)
		}
		cur, _ := w.DB.GetCase(context.Background(), w.actor("dispatcher"), c.ID)
		if cur.Version != 3 {
			t.Errorf("refused forms changed the case: version %d, want 3 (the escalation only)", cur.Version)
		}
	})
}

// Unmasking asks for a reason, shows the data on that answer only, and is
// audited; roles without the right see no form and are refused.
func TestCaseUnmask(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		c := w.create(newReport("路灯不亮"))
		op := w.SignIn("operator")
		page := get(t, op, path(c.ID))
		if !strings.Contains(page.Body, `action="`+path(c.ID)+`/reporter"`) || strings.Contains(page.Body, "13812341234") {
			t.Fatalf("operator's reporter panel: %s", page.Body)
		}
		res := op.PostForm(path(c.ID)+"/reporter", url.Values{"reason": {"  "}})
		if res.Status != 400 || !strings.Contains(res.Body, "请说明查看理由") || strings.Contains(res.Body, "13812341234") {
			t.Errorf("unmask without a reason: %d %s", res.Status, res.Body)
		}
		res = op.PostForm(path(c.ID)+"/reporter", url.Values{"reason": {"<script>alert(1)</script>回访"}})
		webtest.CheckPage(t, "unmask", res)
		if res.Status != 200 || !strings.Contains(res.Body, "13812341234") || !strings.Contains(res.Body, "张三") ||
			!strings.Contains(res.Body, "已记入审计日志") || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("unmask: %d %s", res.Status, res.Body)
		}
		entries, err := w.DB.ListAudit(context.Background(), w.actor("auditor"), store.AuditFilter{Action: "reporter.unmask"})
		if err != nil || len(entries) != 1 || entries[0].Actor != "operator" || entries[0].Object != fmt.Sprintf("case:%d", c.ID) ||
			!strings.Contains(entries[0].Detail, "回访") {
			t.Errorf("audit of the unmasking: %+v %v", entries, err)
		}
		// A grid worker sees the masked reporter, no form, and is refused.
		wa := w.SignIn("worker-a")
		if page := get(t, wa, path(c.ID)); strings.Contains(page.Body, "/reporter\"") {
			t.Errorf("grid worker offered unmasking")
		}
		if res := wa.PostForm(path(c.ID)+"/reporter", url.Values{"reason": {"curious"}}); res.Status != 403 || strings.Contains(res.Body, "13812341234") {
			t.Errorf("grid worker unmasking: %d", res.Status)
		}
		if res := w.SignIn("handler-b").PostForm(path(c.ID)+"/reporter", url.Values{"reason": {"x"}}); res.Status != 404 {
			t.Errorf("unmasking a case out of scope: %d", res.Status)
		}
		if entries, _ := w.DB.ListAudit(context.Background(), w.actor("auditor"), store.AuditFilter{Action: "reporter.unmask"}); len(entries) != 1 {
			t.Errorf("refused unmaskings were audited as done: %d entries", len(entries))
		}
	})
}

var mergeForm = regexp.MustCompile(`(?s)<form method="post" action="/work/cases/(\d+)/actions/merge" class="merge">(.*?)</form>`)
var hiddenInput = regexp.MustCompile(`name="([a-z]+)" value="([^"]*)"`)

// A possible duplicate is merged from the similar-cases panel with the form
// the page gives; the case that remains lists it as merged.
func TestCaseMergeFromSimilar(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		first := w.create(newReport("文一路路灯不亮"))
		second := w.create(newReport("文一路路灯不亮"))
		d := w.SignIn("dispatcher")
		page := get(t, d, path(second.ID))
		if !strings.Contains(page.Body, fmt.Sprintf("将本案并入 #%d", first.ID)) || !strings.Contains(page.Body, fmt.Sprintf("将 #%d 并入本案", first.ID)) {
			t.Fatalf("similar panel: %s", page.Body)
		}
		var form url.Values
		for _, m := range mergeForm.FindAllStringSubmatch(page.Body, -1) {
			if m[1] == strconv.FormatInt(second.ID, 10) {
				form = url.Values{}
				for _, in := range hiddenInput.FindAllStringSubmatch(m[2], -1) {
					form.Set(in[1], in[2])
				}
			}
		}
		if form.Get("target") != strconv.FormatInt(first.ID, 10) || form.Get("version") != "1" {
			t.Fatalf("merge-into form: %v", form)
		}
		res := d.PostForm(path(second.ID)+"/actions/merge", form)
		if res.Status != 303 || res.Location != path(first.ID)+"?done=merge" {
			t.Fatalf("merge: %d %q %s", res.Status, res.Location, res.Body)
		}
		page = get(t, d, res.Location)
		if !strings.Contains(page.Body, "已合并。") || !strings.Contains(page.Body, `href="`+path(second.ID)+`"`) {
			t.Errorf("the remaining case does not list the merged one: %s", page.Body)
		}
		page = get(t, d, path(second.ID))
		if !strings.Contains(page.Body, fmt.Sprintf("已并入案件 #%d", first.ID)) || slices.Contains(formsOn(page.Body), "merge") {
			t.Errorf("the merged case: %v %s", formsOn(page.Body), page.Body)
		}
		// Merging again from a stale page is refused on the page.
		res = d.PostForm(path(second.ID)+"/actions/merge", form)
		if res.Status != 409 || !strings.Contains(res.Body, "您打开页面后案件已有变化") {
			t.Errorf("second merge: %d %s", res.Status, res.Body)
		}
	})
}

// Script typed anywhere — the report, the reporter, an action's text, a
// refused form's kept values — is shown as text.
func TestCasePageEscapes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		const js = `<script>alert("x")</script>`
		nc := newReport(js)
		nc.Text, nc.Address, nc.Reporter.Name = js+"正文", js+"地址", js
		c := w.create(nc)
		w.act("dispatcher", c.ID, cases.ActionAccept, cases.Input{Note: js})
		w.act("dispatcher", c.ID, cases.ActionComment, cases.Input{Note: js + "意见"})
		w.create(nc) // a similar case with the same title
		d := w.SignIn("dispatcher")
		page := get(t, d, path(c.ID))
		if strings.Contains(page.Body, "<script>alert") || strings.Count(page.Body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") < 5 {
			t.Errorf("script not escaped: %s", page.Body)
		}
		res := d.PostForm(path(c.ID)+"/actions/merge", url.Values{"version": {"1"}, "target": {js}, "note": {js}})
		webtest.CheckPage(t, "merge", res)
		if res.Status != 409 && res.Status != 400 {
			t.Errorf("bad merge: %d", res.Status)
		}
	})
}

// Result photos: sent with a resolution through the multipart form, shown
// as thumbnails linking to the photo, served under the case's scope; a file
// that is not an image is refused on the page with the text kept.
func TestCasePhotos(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		c := w.dispatched("路灯不亮")
		w.act("handler-a", c.ID, cases.ActionStart, cases.Input{})
		h := w.SignIn("handler-a")
		page := get(t, h, path(c.ID))
		if !strings.Contains(page.Body, `enctype="multipart/form-data" data-action="resolve"`) || !strings.Contains(page.Body, `id="resolve-photos"`) {
			t.Fatalf("resolve form takes no photos: %s", page.Body)
		}

		upload := func(client *webtest.Client, action, file string, fields map[string]string) webtest.Response {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			for k, v := range fields {
				mw.WriteField(k, v)
			}
			if file != "" {
				data, err := os.ReadFile("../photo/testdata/" + file)
				if err != nil {
					t.Fatal(err)
				}
				fw, _ := mw.CreateFormFile("photos", file)
				fw.Write(data)
			}
			mw.Close()
			return client.Post(path(c.ID)+"/actions/"+action, mw.FormDataContentType(), &body)
		}
		res := upload(h, "resolve", "renamed-pdf.jpg", map[string]string{"version": "4", "result": "已更换灯泡<b>"})
		webtest.CheckPage(t, "bad photo", res)
		if res.Status != 400 || !strings.Contains(res.Body, locale.Printer{Lang: locale.ZH}.T(photo.KeyUnsupported, 1)) || !strings.Contains(res.Body, "已更换灯泡&lt;b&gt;</textarea>") ||
			!strings.Contains(res.Body, "请重新选择") {
			t.Errorf("a PDF as a photo: %d %s", res.Status, res.Body)
		}
		res = upload(h, "resolve", "photo.png", map[string]string{"version": "4", "result": "已更换灯泡"})
		if res.Status != 303 {
			t.Fatalf("resolve with a photo: %d %s", res.Status, res.Body)
		}
		// The grid worker verifies on site and the handler comments, each
		// with a photo.
		if res := upload(w.SignIn("worker-a"), "verify", "photo.webp", map[string]string{"version": "5", "method": "on_site"}); res.Status != 303 {
			t.Fatalf("verify with a photo: %d %s", res.Status, res.Body)
		}
		if res := upload(h, "comment", "photo.png", map[string]string{"version": "6", "note": "补充照片"}); res.Status != 303 {
			t.Fatalf("comment with a photo: %d %s", res.Status, res.Body)
		}
		if ps, _ := w.DB.CasePhotos(context.Background(), w.actor("handler-a"), c.ID); len(ps) != 3 {
			t.Errorf("photos stored: %d, want 3", len(ps))
		}
		page = get(t, h, path(c.ID))
		m := regexp.MustCompile(`<a href="(/work/cases/\d+/photos/(\d+))"><img src="(/work/cases/\d+/photos/\d+/thumb)"`).FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatalf("no photo in the timeline: %s", page.Body)
		}
		for _, p := range []string{m[1], m[3]} {
			if res := h.Get(p); res.Status != 200 || res.Header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(res.Body, "\xff\xd8") {
				t.Errorf("%s: %d %v", p, res.Status, res.Header)
			}
		}
		other := w.create(newReport("别的案件"))
		for _, tt := range []struct {
			who, path string
		}{
			{"handler-b", m[1]},
			{"handler-a", path(other.ID) + "/photos/" + m[2]},
			{"handler-a", path(c.ID) + "/photos/999999"},
			{"handler-a", path(c.ID) + "/photos/x/thumb"},
		} {
			if res := w.SignIn(tt.who).Get(tt.path); res.Status != 404 {
				t.Errorf("%s GET %s: %d, want 404", tt.who, tt.path, res.Status)
			}
		}
	})
}

// BenchmarkCasePage renders a dispatched case with a long history and
// similar cases, as its dispatcher sees it (server time, over HTTP).
func BenchmarkCasePage(b *testing.B) {
	f := webtest.New(b, "sqlite:"+b.TempDir()+"/anju.db")
	ctx := context.Background()
	op, _ := f.DB.Authenticate(ctx, "operator", webtest.Password)
	d, _ := f.DB.Authenticate(ctx, "dispatcher", webtest.Password)
	var c store.Case
	for range 200 {
		var err error
		if c, _, err = f.DB.CreateCase(ctx, op, newReport("文一路路灯不亮"), ""); err != nil {
			b.Fatal(err)
		}
	}
	f.DB.Act(ctx, d, c.ID, cases.ActionAccept, store.ActionInput{})
	f.DB.Act(ctx, d, c.ID, cases.ActionDispatch, store.ActionInput{Input: cases.Input{Department: "a-street"}})
	for i := range 30 {
		f.DB.Act(ctx, d, c.ID, cases.ActionComment, store.ActionInput{Input: cases.Input{Note: fmt.Sprintf("第 %d 条意见", i)}})
	}
	client := f.SignIn("dispatcher")
	b.ResetTimer()
	for b.Loop() {
		if res := client.Get(path(c.ID)); res.Status != 200 {
			b.Fatalf("%d", res.Status)
		}
	}
}

// The case page counts the people who added their voice to the case.
func TestCasePageSupporters(t *testing.T) {
	w := &caseWorld{Fixture: webtest.New(t, "sqlite:"+t.TempDir()+"/anju.db"), t: t}
	c := w.create(newReport("路灯不亮"))
	dispatcher := w.SignIn("dispatcher")
	if res := get(t, dispatcher, path(c.ID)); strings.Contains(res.Body, "反映了同一问题") {
		t.Errorf("a case nobody joined shows supporters")
	}
	for _, phone := range []string{"13900000001", "13900000002"} {
		if _, err := w.DB.Support(context.Background(), w.actor("operator"), c.ID, store.Supporter{Phone: phone}); err != nil {
			t.Fatal(err)
		}
	}
	if res := get(t, dispatcher, path(c.ID)); !strings.Contains(res.Body, "另有 2 人反映了同一问题") {
		t.Errorf("two supporters not shown: %s", res.Body)
	}
}
