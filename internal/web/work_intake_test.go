package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// intakeForm is a complete hotline report in street A's first grid.
func intakeForm(phone, text string) url.Values {
	return url.Values{"file": {"1"}, "phone": {phone}, "name": {"张三"}, "text": {text}, "category": {"0203"},
		"grid": {"330102001001001"}, "address": {"幸福家园3栋"}, "key": {"k-" + phone + "-" + strconv.Itoa(len(text))}}
}

// filed returns the id of the case a filing redirected to.
func filed(t *testing.T, res webtest.Response) int64 {
	t.Helper()
	m := regexp.MustCompile(`^/work/cases/(\d+)$`).FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("filing: %d %q, want 303 to the case page\n%s", res.Status, res.Location, res.Body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func TestIntakeFiling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		ctx := context.Background()
		sys := anju.SystemActor("test")
		op := f.SignIn("operator")

		res := op.Get("/work/new")
		webtest.CheckPage(t, "/work/new", res)
		if res.Status != 200 || !strings.Contains(res.Body, `id="intake-form"`) || !strings.Contains(res.Body, "Alt+S") {
			t.Fatalf("intake page: %d %s", res.Status, res.Body)
		}
		if res := f.Anonymous().Get("/work/new"); res.Status != 303 || !strings.HasPrefix(res.Location, "/login") {
			t.Errorf("anonymous: %d %q", res.Status, res.Location)
		}
		if res := f.SignIn("handler-a").Get("/work/new"); res.Status != 403 {
			t.Errorf("a handler files no cases for others: %d", res.Status)
		}

		// Filing answers 303 to the new case; the same form pressed twice
		// files once.
		form := intakeForm("13812341234", "幸福家园3栋门口路灯不亮三天了")
		id := filed(t, op.PostForm("/work/new", form))
		if again := filed(t, op.PostForm("/work/new", form)); again != id {
			t.Errorf("a second press filed case %d besides %d", again, id)
		}
		c, err := f.DB.GetCase(ctx, sys, id)
		if err != nil || c.Channel != cases.ChannelHotline || c.Category != "0203" || c.Grid.Code != "330102001001001" || c.Reporter.Phone == "13812341234" {
			t.Fatalf("filed case: %+v %v", c, err)
		}

		// A refused filing keeps everything typed and says what was wrong.
		bad := intakeForm("13812341234", "  ")
		bad.Set("title", "标题留着")
		bad.Set("cat_q", "路灯")
		res = op.PostForm("/work/new", bad)
		webtest.CheckPage(t, "refused", res)
		if res.Status != 400 || !strings.Contains(res.Body, `value="标题留着"`) || !strings.Contains(res.Body, `id="text-error"`) ||
			!strings.Contains(res.Body, `aria-invalid="true" aria-describedby="text-error"`) || !strings.Contains(res.Body, `role="alert"`) ||
			!strings.Contains(res.Body, `value="幸福家园3栋"`) || !strings.Contains(res.Body, `value="0203" selected`) {
			t.Errorf("missing text: %d %s", res.Status, res.Body)
		}
		for _, tc := range []struct {
			name, field, value, errID string
		}{
			{"bad phone", "phone", "12345", "phone-error"},
			{"no category", "category", "", "category-error"},
			{"a group, not a category", "category", "02", "category-error"},
			{"unknown grid", "grid", "999", "grid-error"},
			{"text too long", "text", strings.Repeat("长", 5001), "text-error"},
			{"bad point", "lat", "abc", "grid-error"},
		} {
			form := intakeForm("13812341234", "路灯不亮")
			form.Set(tc.field, tc.value)
			res := op.PostForm("/work/new", form)
			if res.Status != 400 || !strings.Contains(res.Body, `id="`+tc.errID+`"`) || !strings.Contains(res.Body, `value="张三"`) {
				t.Errorf("%s: %d, want 400 with %s and the name kept\n%.2000s", tc.name, res.Status, tc.errID, res.Body)
			}
		}
		if n, _ := f.DB.CaseStates(ctx, "330100"); sumStates(n) != 1 {
			t.Errorf("refused filings stored cases: %v", n)
		}

		// Script in every field is shown as text, on the page and in its
		// fragments; invalid UTF-8 is no error of the server's.
		evil := url.Values{"check": {"1"}}
		for _, k := range []string{"title", "text", "address", "name", "phone", "place_q", "cat_q", "grid", "priority", "channel", "key"} {
			evil.Set(k, xss)
		}
		res = op.PostForm("/work/new", evil)
		webtest.CheckPage(t, "script", res)
		if res.Status != 200 || !strings.Contains(res.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("script in every field: %d %s", res.Status, res.Body)
		}
		evil.Set("file", "1")
		evil.Set("phone", "13812341234")
		evil.Set("category", "0203")
		evil.Set("grid", "330102001001001")
		evil.Set("key", "evil")
		evil.Set("priority", "")
		evilID := filed(t, op.PostForm("/work/new", evil))
		if c, _ := f.DB.GetCase(ctx, sys, evilID); c.Title != xss {
			t.Errorf("the title is stored as typed: %q", c.Title)
		}
		res = op.PostForm("/work/new", url.Values{"check": {"1"}, "text": {"路灯\xff\xfe坏了"}, "phone": {"138\xff"}, "place_q": {"\xff"}})
		if res.Status >= 500 {
			t.Errorf("invalid UTF-8: %d", res.Status)
		}
	})
}

func sumStates(m map[cases.State]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// The caller's open cases appear for the same phone however typed, and not
// for another; the operator adds the caller to one instead of filing.
func TestIntakeCaller(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		ctx := context.Background()
		op := f.SignIn("operator")
		first := filed(t, op.PostForm("/work/new", intakeForm("13812341234", "幸福家园3栋门口路灯不亮三天了")))
		inB := intakeForm("13812341234", "第2区的井盖丢了")
		inB.Set("grid", "330105001001001")
		filed(t, op.PostForm("/work/new", inB))

		res := op.PostForm("/work/new", url.Values{"check": {"1"}, "phone": {"138-1234-1234"}})
		webtest.CheckPage(t, "caller", res)
		if !strings.Contains(res.Body, "幸福家园3栋门口路灯不亮三天了") || !strings.Contains(res.Body, `name="join" value="`+strconv.FormatInt(first, 10)+`"`) ||
			!strings.Contains(res.Body, "第2区的井盖丢了") {
			t.Errorf("the caller's cases are not offered: %s", res.Body)
		}
		if strings.Contains(res.Body, "13812341234") {
			t.Errorf("the page shows the caller's number")
		}
		res = op.PostForm("/work/new", url.Values{"check": {"1"}, "phone": {"13912345678"}})
		if strings.Contains(res.Body, "幸福家园3栋门口路灯不亮") || !strings.Contains(res.Body, "该号码没有在办事项") {
			t.Errorf("another phone sees the caller's cases: %s", res.Body)
		}
		// Worker B, in the other district, sees the caller's case there only.
		wb := f.SignIn("worker-b")
		res = wb.PostForm("/work/new", url.Values{"check": {"1"}, "phone": {"13812341234"}})
		if strings.Contains(res.Body, "幸福家园3栋门口路灯不亮") || !strings.Contains(res.Body, "第2区的井盖丢了") {
			t.Errorf("worker-b's lookup: %s", res.Body)
		}

		// htmx asks for the caller's cases alone when the phone changes.
		req, _ := http.NewRequest("POST", f.URL+"/work/new", strings.NewReader(url.Values{"assist": {"caller"}, "phone": {"13812341234"},
			"csrf": {op.CSRF()}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		res = op.Do(req)
		if res.Status != 200 || strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, "幸福家园3栋门口路灯不亮") {
			t.Errorf("htmx caller fragment: %d %s", res.Status, res.Body)
		}

		// Adding the caller's second call to the first.
		join := url.Values{"join": {strconv.FormatInt(first, 10)}, "phone": {"13912345678"}, "name": {"李四"}, "text": {"同一盏路灯"}}
		if res := op.PostForm("/work/new", join); res.Status != 303 || res.Location != "/work/cases/"+strconv.FormatInt(first, 10) {
			t.Fatalf("join: %d %q %s", res.Status, res.Location, res.Body)
		}
		if c, _ := f.DB.GetCase(ctx, anju.SystemActor("test"), first); c.Supporters != 1 {
			t.Errorf("supporters after join: %d", c.Supporters)
		}
		// The supporter's number now finds the case as theirs.
		if res := op.PostForm("/work/new", url.Values{"check": {"1"}, "phone": {"13912345678"}}); !strings.Contains(res.Body, "幸福家园3栋门口路灯不亮") {
			t.Errorf("the supporter's number does not find the case: %s", res.Body)
		}
		// A case that is not public and out of scope, or unknown: a 404
		// page, nothing counted.
		dispute := intakeForm("13812341234", "楼上邻居半夜噪声纠纷")
		dispute.Set("category", "1101")
		private := filed(t, op.PostForm("/work/new", dispute))
		res = wb.PostForm("/work/new", url.Values{"join": {strconv.FormatInt(private, 10)}, "phone": {"13700000000"}})
		if res.Status != 404 || !strings.Contains(res.Body, `value="13700000000"`) {
			t.Errorf("worker-b joins street A's case: %d %s", res.Status, res.Body)
		}
		for _, id := range []string{"0", "abc", "99999"} {
			if res := op.PostForm("/work/new", url.Values{"join": {id}}); res.Status != 404 {
				t.Errorf("join %q: %d", id, res.Status)
			}
		}
		if c, _ := f.DB.GetCase(ctx, anju.SystemActor("test"), private); c.Supporters != 0 {
			t.Errorf("supporters after refused joins: %d", c.Supporters)
		}
	})
}

// Place and category search set the grid and the category; without scripts
// each found place or category is a button that re-renders the form.
func TestIntakeSearch(t *testing.T) {
	f := webtest.New(t, "sqlite:"+t.TempDir()+"/anju.db")
	op := f.SignIn("operator")
	res := op.PostForm("/work/new", url.Values{"check": {"1"}, "place_q": {"第1社区"}, "cat_q": {"路灯"}, "text": {"路灯坏了"}})
	webtest.CheckPage(t, "search", res)
	for _, want := range []string{`name="pick_place" value="330102001001001|"`, `name="pick_place" value="330102001001002|"`,
		"第1区 › 第1街道 › 第1社区 › 第一网格", `name="pick_category" value="0203"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("search results lack %s\n%s", want, res.Body)
		}
	}
	res = op.PostForm("/work/new", url.Values{"pick_place": {"330102001001002|"}, "text": {"路灯坏了"}})
	if !strings.Contains(res.Body, `name="grid" value="330102001001002"`) || !strings.Contains(res.Body, "第1社区 › 第二网格") {
		t.Errorf("picked place: %s", res.Body)
	}
	res = op.PostForm("/work/new", url.Values{"pick_category": {"0203"}})
	if !strings.Contains(res.Body, `value="0203" selected`) {
		t.Errorf("picked category: %s", res.Body)
	}
	if res := op.PostForm("/work/new", url.Values{"check": {"1"}, "place_q": {strings.Repeat("区", 300)}}); res.Status != 400 ||
		!strings.Contains(res.Body, `id="place_q-error"`) {
		t.Errorf("over-long place search: %d", res.Status)
	}
	// Worker B finds no grid of street A: he may not file there.
	if res := f.SignIn("worker-b").PostForm("/work/new", url.Values{"check": {"1"}, "place_q": {"第1社区"}}); strings.Contains(res.Body, `name="pick_place"`) {
		t.Errorf("worker-b is offered street A's grids")
	}
	// English names.
	res = op.PostForm("/work/new?lang=en", url.Values{"check": {"1"}, "cat_q": {"street light"}})
	webtest.CheckPage(t, "en", res)
	if !strings.Contains(res.Body, "Hotline intake") || !strings.Contains(res.Body, `value="0203"`) {
		t.Errorf("English: %s", res.Body)
	}
}

// The grid worker's page: their area's open cases, nearest first from a
// position or by time left; never another street's; reports from a position
// go in as grid patrol.
func TestGridPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		op := f.SignIn("operator")
		far := intakeForm("13812341234", "远处的垃圾没人清")
		far.Del("grid")
		far.Set("lat", "30.09")
		far.Set("lon", "120.04")
		filed(t, op.PostForm("/work/new", far))
		near := intakeForm("13812341234", "近处的路灯不亮")
		near.Del("grid")
		near.Set("lat", "30.0505")
		near.Set("lon", "120.0205")
		filed(t, op.PostForm("/work/new", near))
		other := intakeForm("13812341234", "第2区的事")
		other.Set("grid", "330105001001001")
		filed(t, op.PostForm("/work/new", other))

		wa := f.SignIn("worker-a")
		res := wa.Get("/work/grid?lat=30.05&lon=120.02")
		webtest.CheckPage(t, "/work/grid", res)
		if res.Status != 200 || strings.Index(res.Body, "近处的路灯不亮") > strings.Index(res.Body, "远处的垃圾没人清") ||
			!strings.Contains(res.Body, "离您最近的在前") || !regexp.MustCompile(`>\d{1,4} 米<`).MatchString(res.Body) || strings.Contains(res.Body, "第2区的事") {
			t.Errorf("worker-a nearest first: %d %s", res.Status, res.Body)
		}
		if !strings.Contains(res.Body, `href="/work/new?from=grid&amp;lat=30.05&amp;lon=120.02"`) {
			t.Errorf("report from here lacks the position: %s", res.Body)
		}
		if res := wa.Get("/work/grid"); res.Status != 200 || !strings.Contains(res.Body, "剩余时间最少的在前") || !strings.Contains(res.Body, "due-ok") {
			t.Errorf("by time left: %d %s", res.Status, res.Body)
		}
		if res := wa.Get("/work/grid?lat=abc&lon=1"); res.Status != 400 || !strings.Contains(res.Body, "近处的路灯不亮") {
			t.Errorf("bad position: %d", res.Status)
		}
		res = f.SignIn("worker-b").Get("/work/grid?lat=30.05&lon=120.02")
		if strings.Contains(res.Body, "近处的路灯不亮") || strings.Contains(res.Body, "远处的垃圾") || !strings.Contains(res.Body, "第2区的事") {
			t.Errorf("worker-b sees street A's cases: %s", res.Body)
		}

		// Report from here: the intake page knows the grid from the point,
		// and the case goes in as grid patrol.
		res = wa.Get("/work/new?from=grid&lat=30.05&lon=120.02")
		if !strings.Contains(res.Body, "第1社区 › 第一网格") || !strings.Contains(res.Body, `name="channel" value="grid_patrol"`) {
			t.Fatalf("report from here: %s", res.Body)
		}
		rep := url.Values{"file": {"1"}, "channel": {"grid_patrol"}, "lat": {"30.05"}, "lon": {"120.02"}, "text": {"巡查发现井盖松动"},
			"category": {"0203"}, "key": {"patrol-1"}}
		id := filed(t, wa.PostForm("/work/new", rep))
		c, err := f.DB.GetCase(context.Background(), anju.SystemActor("test"), id)
		if err != nil || c.Channel != cases.ChannelGridPatrol || c.Grid.Code != "330102001001001" {
			t.Errorf("patrol report: %+v %v", c, err)
		}
		// Worker A may not file in street B.
		rep.Set("lon", "120.12")
		rep.Set("key", "patrol-2")
		if res := wa.PostForm("/work/new", rep); res.Status != 400 || !strings.Contains(res.Body, `id="grid-error"`) {
			t.Errorf("worker-a files in street B: %d", res.Status)
		}
	})
}
