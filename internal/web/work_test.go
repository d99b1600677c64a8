package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// workWorld is the fixture with cases in every queue: in street A (district
// 330102) a1 submitted, a2 accepted, a3 dispatched to a-street with a
// yellow card, a4 returned by a-street, a5 resolved, a6 closed; in street B
// (district 330105) b1 submitted and b2 accepted. a1's title is a script.
type workWorld struct {
	f                              *webtest.Fixture
	actors                         map[string]*anju.Actor
	a1, a2, a3, a4, a5, a6, b1, b2 int64
}

const scriptTitle = `<script>alert(1)</script>路灯`

func newWorkWorld(t *testing.T, dsn string) *workWorld {
	t.Helper()
	f := webtest.New(t, dsn)
	w := &workWorld{f: f, actors: map[string]*anju.Actor{}}
	for _, u := range webtest.Users {
		a, err := f.DB.Authenticate(context.Background(), u.Login, webtest.Password)
		if err != nil {
			t.Fatal(err)
		}
		w.actors[u.Login] = a
	}
	file := func(title string, lon float64) int64 {
		t.Helper()
		lat := 30.05
		nc := store.NewCase{Title: title, Text: "小区门口的路灯坏了三天", Category: "0101", Lat: &lat, Lon: &lon}
		nc.Reporter.Name, nc.Reporter.Phone = "张三", "13812341234"
		c, _, err := f.DB.CreateCase(context.Background(), w.actors["operator"], nc, "")
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	w.a1 = file(scriptTitle, 120.02)
	w.a2, w.a3, w.a4, w.a5, w.a6 = file("路灯不亮 2", 120.02), file("路灯不亮 3", 120.02), file("路灯不亮 4", 120.02),
		file("路灯不亮 5", 120.02), file("路灯不亮 6", 120.02)
	w.b1, w.b2 = file("井盖缺失 1", 120.12), file("井盖缺失 2", 120.12)
	for _, id := range []int64{w.a2, w.a3, w.a4, w.a5, w.a6, w.b2} {
		w.act(t, "operator", id, cases.ActionAccept, cases.Input{})
	}
	for _, id := range []int64{w.a3, w.a4, w.a5, w.a6} {
		w.act(t, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-street"})
	}
	w.act(t, "supervisor", w.a3, cases.ActionSupervise, cases.Input{Card: cases.CardYellow, Reason: "催办"})
	w.act(t, "handler-a", w.a4, cases.ActionReturn, cases.Input{Reason: "不是我们的"})
	for _, id := range []int64{w.a5, w.a6} {
		w.act(t, "handler-a", id, cases.ActionStart, cases.Input{})
		w.act(t, "handler-a", id, cases.ActionResolve, cases.Input{Result: "已修好"})
	}
	w.act(t, "worker-a", w.a6, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
	w.act(t, "dispatcher", w.a6, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
	return w
}

func (w *workWorld) act(t *testing.T, login string, id int64, a cases.Action, in cases.Input) {
	t.Helper()
	if _, err := w.f.DB.Act(context.Background(), w.actors[login], id, a, store.ActionInput{Input: in}); err != nil {
		t.Fatalf("%s %s case %d: %v", login, a, id, err)
	}
}

var (
	queueCount = regexp.MustCompile(`href="/work\?[^"]*\bqueue=([a-z_]+)[^"]*"[^>]*>[^<]*<span class="count">(\d+)</span>`)
	caseLink   = regexp.MustCompile(`<td data-label="[^"]*"><a href="/work/cases/(\d+)">`)
	nextLink   = regexp.MustCompile(`<a class="button" href="([^"]+)"[^>]*rel="next">`)
)

// brief is the part of a page that tells what went wrong, short enough
// for a failure message.
func brief(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 4000 {
		body = body[:4000] + "…"
	}
	return body
}

// counts reads the queue tabs of a workbench page.
func counts(body string) map[string]int {
	out := map[string]int{}
	for _, m := range queueCount.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.Atoi(m[2])
		out[m[1]] = n
	}
	return out
}

// listed reads the ids of the cases a workbench page lists, in order.
func listed(body string) []int64 {
	var out []int64
	for _, m := range caseLink.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, id)
	}
	return out
}

func sorted(ids ...int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// getWork fetches a workbench page and checks it.
func getWork(t *testing.T, c *webtest.Client, path string, status int) webtest.Response {
	t.Helper()
	res := c.Get(path)
	if res.Status != status {
		t.Fatalf("GET %s: %d, want %d\n%s", path, res.Status, status, brief(res.Body))
	}
	webtest.CheckPage(t, path, res)
	return res
}

// Each role sees its queues, and only those, with the counts of the cases
// its grants reach; each queue lists what it counts.
func TestWorkbenchQueues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		for _, tc := range []struct {
			login string
			want  map[string][]int64
		}{
			{"dispatcher", map[string][]int64{"to_accept": {w.a1, w.b1}, "to_dispatch": {w.a2, w.a4, w.b2}, "to_verify": {w.a5},
				"overdue": nil, "supervised": {w.a3}, "returned": {w.a4}}},
			{"dispatcher-a", map[string][]int64{"to_accept": {w.a1}, "to_dispatch": {w.a2, w.a4}, "to_verify": {w.a5},
				"overdue": nil, "supervised": {w.a3}, "returned": {w.a4}}},
			{"operator", map[string][]int64{"to_accept": {w.a1, w.b1}, "awaiting_rating": {w.a6}}},
			{"worker-a", map[string][]int64{"to_accept": {w.a1}, "to_verify": {w.a5}}},
			{"worker-b", map[string][]int64{"to_accept": {w.b1}, "to_verify": nil}},
			{"handler-a", map[string][]int64{"mine": {w.a3}, "overdue": nil, "supervised": {w.a3}}},
			{"handler-b", map[string][]int64{"mine": nil, "overdue": nil, "supervised": nil}},
			{"supervisor", map[string][]int64{"overdue": nil, "supervised": {w.a3}, "long_unresolved": nil}},
			{"admin", map[string][]int64{}},
		} {
			c := w.f.SignIn(tc.login)
			res := getWork(t, c, "/work", 200)
			got := counts(res.Body)
			if len(got) != len(tc.want) {
				t.Errorf("%s sees queues %v, want %d", tc.login, got, len(tc.want))
			}
			for q, ids := range tc.want {
				if got[q] != len(ids) {
					t.Errorf("%s: %s counts %d, want %d", tc.login, q, got[q], len(ids))
				}
				page := getWork(t, c, "/work?queue="+q, 200)
				if l := listed(page.Body); !slices.Equal(sorted(l...), sorted(ids...)) {
					t.Errorf("%s: %s lists %v, want %v", tc.login, q, l, ids)
				}
				if !strings.Contains(page.Body, `aria-current="page">`+w.label(q)) {
					t.Errorf("%s: %s is not marked as the current queue", tc.login, q)
				}
			}
			if !strings.Contains(res.Body, "我的角色") {
				t.Errorf("%s: no roles line", tc.login)
			}
		}
		// Words and colours: the dispatcher's list says each open case's
		// time left with the class of its urgency; a closed case has none.
		res := getWork(t, w.f.SignIn("dispatcher"), "/work", 200)
		if !strings.Contains(res.Body, `class="badge due-ok">剩余 `) || !strings.Contains(res.Body, "不计时") {
			t.Errorf("time left not shown: %s", brief(res.Body))
		}
		en := w.f.SignIn("dispatcher")
		if res := getWork(t, en, "/work?lang=en&queue=supervised", 200); !strings.Contains(res.Body, "Yellow card") ||
			!strings.Contains(res.Body, "To dispatch") || !strings.Contains(res.Body, " left</span>") {
			t.Errorf("English workbench: %s", brief(res.Body))
		}
	})
}

func (w *workWorld) label(q string) string {
	return map[string]string{"to_accept": "待受理", "to_dispatch": "待派遣", "mine": "我的待办", "to_verify": "待核查",
		"awaiting_rating": "待回访评价", "overdue": "已超期", "supervised": "督办", "returned": "被退回"}[q]
}

// Filters narrow the list and the counts; bad values are a message on the
// form, with the field marked, never a 500.
func TestWorkbenchFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		c := w.f.SignIn("dispatcher")
		for _, tc := range []struct {
			query string
			want  []int64
		}{
			{"region=330105", []int64{w.b1, w.b2}},
			{"region=330102001&state=accepted", []int64{w.a2}},
			{"department=a-street", []int64{w.a3, w.a5, w.a6}},
			{"text=井盖", []int64{w.b1, w.b2}},
			{"kind=request&channel=hotline&category=0101&queue=to_dispatch", []int64{w.a2, w.a4, w.b2}},
			{"channel=web", nil},
			{"from=2000-01-01&to=2001-01-01", nil},
			{"queue=to_accept&region=330105&order=newest", []int64{w.b1}},
		} {
			res := getWork(t, c, "/work?"+tc.query, 200)
			if got := listed(res.Body); !slices.Equal(sorted(got...), sorted(tc.want...)) {
				t.Errorf("%s lists %v, want %v", tc.query, got, tc.want)
			}
		}
		// Counts follow the filters.
		if got := counts(getWork(t, c, "/work?region=330105", 200).Body); got["to_accept"] != 1 || got["to_dispatch"] != 1 || got["to_verify"] != 0 {
			t.Errorf("counts in district B: %v", got)
		}
		// The form keeps what filters the list.
		res := getWork(t, c, "/work?region=330105&text=井盖", 200)
		if !strings.Contains(res.Body, `<option value="330105" selected>`) || !strings.Contains(res.Body, `value="井盖"`) ||
			!strings.Contains(res.Body, `<details class="more" open>`) {
			t.Errorf("form does not show the filters: %s", brief(res.Body))
		}

		for _, tc := range []struct {
			query, field string
			status       int
		}{
			{"kind=bogus", "kind", 400},
			{"state=%3Cscript%3Ealert(1)%3C/script%3E", "state", 400},
			{"channel=pigeon", "channel", 400},
			{"from=yesterday", "from", 400},
			{"from=2026-03-02&to=2026-03-01", "from", 400},
			{"region=999999", "region", 400},
			{"order=sideways", "order", 400},
			{"text=" + strings.Repeat("路", 300), "text", 400},
			{"queue=mine", "", 400},
			{"queue=nonsense", "", 400},
			{"before=garbage", "", 400},
		} {
			res := getWork(t, c, "/work?"+tc.query, tc.status)
			if !strings.Contains(res.Body, `class="alert" role="alert"`) {
				t.Errorf("%s: no message on the form: %s", tc.query, brief(res.Body))
			}
			if tc.field != "" && !regexp.MustCompile(`id="f-`+tc.field+`" name="`+tc.field+`"[^>]* aria-invalid="true" aria-describedby="f-`+tc.field+`-error"`).MatchString(res.Body) {
				t.Errorf("%s: field %s not marked: %s", tc.query, tc.field, brief(res.Body))
			}
			if len(listed(res.Body)) != 0 {
				t.Errorf("%s: lists cases under a bad filter", tc.query)
			}
		}
		// A closed queue has no time left.
		op := w.f.SignIn("operator")
		if res := getWork(t, op, "/work?queue=awaiting_rating&order=deadline", 400); !strings.Contains(res.Body, "只有办理中的案件有剩余时间") {
			t.Errorf("awaiting rating by deadline: %s", brief(res.Body))
		}
		// htmx gets the list alone, with the same message on a bad filter.
		for _, q := range []string{"region=330105", "kind=bogus"} {
			req, _ := http.NewRequest("GET", w.f.URL+"/work?"+q, nil)
			req.Header.Set("HX-Request", "true")
			res := c.Do(req)
			if strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `role="search"`) {
				t.Errorf("htmx %s: %d %s", q, res.Status, brief(res.Body))
			}
		}
		// Going back, htmx asks for the whole page.
		req, _ := http.NewRequest("GET", w.f.URL+"/work?region=330105", nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-History-Restore-Request", "true")
		if res := c.Do(req); !strings.Contains(res.Body, "<html") {
			t.Errorf("history restore: %s", brief(res.Body))
		}
	})
}

// Keyset paging walks every case the reader sees exactly once, in both
// orders, following the "next page" links.
func TestWorkbenchPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		c := w.f.SignIn("dispatcher")
		all := []int64{w.a1, w.a2, w.a3, w.a4, w.a5, w.a6, w.b1, w.b2}
		open := []int64{w.a1, w.a2, w.a3, w.a4, w.a5, w.b1, w.b2}
		for _, tc := range []struct {
			start string
			want  []int64
		}{
			{"/work?limit=3", all},
			{"/work?limit=2&order=deadline", open},
			{"/work?limit=2&queue=to_dispatch&region=330100", []int64{w.a2, w.a4, w.b2}},
		} {
			var seen []int64
			path, pages := tc.start, 0
			for path != "" && pages < 20 {
				res := getWork(t, c, path, 200)
				seen = append(seen, listed(res.Body)...)
				path = ""
				if m := nextLink.FindStringSubmatch(res.Body); m != nil {
					path = html.UnescapeString(m[1])
					if !strings.Contains(path, "before=") || !strings.Contains(res.Body, "下一页") {
						t.Errorf("next link %s", path)
					}
				}
				if pages > 0 && !strings.Contains(res.Body, "回到第一页") {
					t.Errorf("page %d of %s has no link back to the first", pages+1, tc.start)
				}
				pages++
			}
			if !slices.Equal(sorted(seen...), sorted(tc.want...)) {
				t.Errorf("%s walked %v, want each of %v once", tc.start, seen, tc.want)
			}
		}
	})
}

// Bulk dispatch sends the selected cases, reports each one after the
// redirect, and refuses a form it cannot act on with the selection kept.
func TestWorkbenchDispatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		c := w.f.SignIn("dispatcher")
		page := getWork(t, c, "/work?queue=to_dispatch", 200)
		for _, id := range []int64{w.a2, w.a4, w.b2} {
			if !strings.Contains(page.Body, fmt.Sprintf(`name="ids" value="%d"`, id)) {
				t.Errorf("case %d cannot be selected", id)
			}
		}
		if !strings.Contains(page.Body, `<option value="b-street">`) {
			t.Errorf("no department choice: %s", brief(page.Body))
		}
		id := func(n int64) string { return strconv.FormatInt(n, 10) }
		form := url.Values{"ids": {id(w.a2), id(w.a4), id(w.a1), id(w.b2)}, "department": {"a-street"},
			"back": {"queue=to_dispatch&region=330100"}, "version." + id(w.a2): {"1"}}
		res := c.PostForm("/work/dispatch", form)
		if res.Status != 303 {
			t.Fatalf("dispatch: %d %s", res.Status, brief(res.Body))
		}
		loc, _ := url.Parse(res.Location)
		q := loc.Query()
		if loc.Path != "/work" || q.Get("queue") != "to_dispatch" || q.Get("region") != "330100" || q.Get("dispatched_to") != "a-street" ||
			q.Get("dispatched") != id(w.a4) || q.Get("failed") != id(w.a2)+":conflict,"+id(w.a1)+":conflict,"+id(w.b2)+":department" {
			t.Fatalf("dispatch answered %s", res.Location)
		}
		report := getWork(t, c, res.Location, 200)
		for _, want := range []string{"已派遣 1 件案件至 第1街道办", "3 件案件未能派遣", "该部门不负责案件所在地", "当前状态：已受理", "当前状态：待受理"} {
			if !strings.Contains(report.Body, want) {
				t.Errorf("report lacks %q: %s", want, brief(report.Body))
			}
		}
		for login, want := range map[int64]cases.State{w.a4: cases.StateDispatched, w.a2: cases.StateAccepted, w.b2: cases.StateAccepted, w.a1: cases.StateSubmitted} {
			got, err := w.f.DB.GetCase(context.Background(), w.actors["dispatcher"], login)
			if err != nil || got.State != want {
				t.Errorf("case %d is %s, want %s (%v)", login, got.State, want, err)
			}
		}
		// The stale version was the only thing wrong with a2: without it, it goes.
		res = c.PostForm("/work/dispatch", url.Values{"ids": {id(w.a2)}, "department": {"a-street"}, "back": {"queue=to_dispatch"}})
		if loc, _ := url.Parse(res.Location); res.Status != 303 || loc.Query().Get("dispatched") != id(w.a2) {
			t.Errorf("dispatch a2: %d %s", res.Status, res.Location)
		}

		// Forms it cannot act on: the workbench again, the choice kept.
		for _, tc := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"department": {"b-street"}, "back": {"queue=to_dispatch"}}, "请先在列表中勾选"},
			{url.Values{"ids": {id(w.b2)}, "back": {"queue=to_dispatch"}}, "请选择要派往的部门"},
			{url.Values{"ids": {id(w.b2)}, "department": {"nowhere"}, "back": {"queue=to_dispatch"}}, "该部门不存在"},
			{url.Values{"ids": {"x"}, "department": {"b-street"}, "back": {"queue=to_dispatch"}}, "请先在列表中勾选"},
			{url.Values{"ids": {id(w.b2), id(w.b2)}, "department": {"b-street"}, "back": {"queue=to_dispatch"}}, "输入有误"},
		} {
			res := c.PostForm("/work/dispatch", tc.form)
			if res.Status != 400 || !strings.Contains(res.Body, tc.want) || !strings.Contains(res.Body, `id="dispatch-error"`) {
				t.Errorf("%v: %d %s", tc.form, res.Status, brief(res.Body))
			}
			webtest.CheckPage(t, "/work/dispatch", res)
			if tc.form.Get("ids") == id(w.b2) && !strings.Contains(res.Body, fmt.Sprintf(`value="%d" checked>`, w.b2)) {
				t.Errorf("%v: selection lost", tc.form)
			}
		}
		if res := c.PostForm("/work/dispatch", url.Values{"csrf": {"forged"}, "ids": {id(w.b2)}, "department": {"b-street"}}); res.Status != 403 {
			t.Errorf("forged token: %d", res.Status)
		}
		// A handler has nothing to dispatch here: each case is reported.
		h := w.f.SignIn("handler-a")
		res = h.PostForm("/work/dispatch", url.Values{"ids": {id(w.b2)}, "department": {"a-street"}})
		if loc, _ := url.Parse(res.Location); res.Status != 303 || loc.Query().Get("failed") != id(w.b2)+":not_found" {
			t.Errorf("handler dispatches: %d %s", res.Status, res.Location)
		}
		if b, _ := w.f.DB.GetCase(context.Background(), w.actors["dispatcher"], w.b2); b.State != cases.StateAccepted {
			t.Errorf("b2 moved: %s", b.State)
		}
		// A forged report says no more than the reader may see.
		rep := getWork(t, h, "/work?dispatched="+id(w.b2)+"&failed="+id(w.b1)+":conflict,zz,-3:x", 200)
		if strings.Contains(rep.Body, "井盖缺失 2") || !strings.Contains(rep.Body, "#"+id(w.b2)) || !strings.Contains(rep.Body, "案件不存在") {
			t.Errorf("report to a handler: %s", brief(rep.Body))
		}
	})
}

// A handler sees his department's cases and nothing of another district,
// whatever the filters say; titles are escaped everywhere.
func TestWorkbenchScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		hb := w.f.SignIn("handler-b")
		for _, p := range []string{"/work", "/work?queue=mine", "/work?queue=supervised", "/work?department=a-street", "/work?text=路灯"} {
			if l := listed(getWork(t, hb, p, 200).Body); len(l) != 0 {
				t.Errorf("handler-b %s lists %v", p, l)
			}
		}
		if res := getWork(t, hb, "/work?region=330102", 400); !strings.Contains(res.Body, "不在您的管辖范围内") {
			t.Errorf("handler-b filters by another district: %s", brief(res.Body))
		}
		ha := w.f.SignIn("handler-a")
		res := getWork(t, ha, "/work", 200)
		if got := listed(res.Body); !slices.Equal(sorted(got...), sorted(w.a3, w.a5, w.a6)) {
			t.Errorf("handler-a lists %v", got)
		}
		if strings.Contains(res.Body, `value="330105"`) || strings.Contains(res.Body, "b-street") {
			t.Errorf("handler-a is offered another district: %s", brief(res.Body))
		}
		da := w.f.SignIn("dispatcher-a")
		if got := listed(getWork(t, da, "/work", 200).Body); slices.Contains(got, w.b1) || slices.Contains(got, w.b2) || len(got) != 6 {
			t.Errorf("dispatcher-a lists %v", got)
		}
		for _, login := range []string{"dispatcher", "operator", "worker-a"} {
			res := getWork(t, w.f.SignIn(login), "/work?queue=to_accept", 200)
			if strings.Contains(res.Body, scriptTitle) || !strings.Contains(res.Body, "&lt;script&gt;alert(1)&lt;/script&gt;路灯") {
				t.Errorf("%s: the script title is not escaped", login)
			}
		}
		// Residents have no workbench.
		if res := w.f.Anonymous().Get("/work"); res.Status != 303 {
			t.Errorf("anonymous: %d", res.Status)
		}
	})
}
