package web_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/web/webtest"
)

var casePath = regexp.MustCompile(`/work/cases/(\d+)$`)

// caseAt is the id of the case page the tab is on (the case page may still
// answer 404 while it is being built elsewhere: the URL is what counts).
func caseAt(t *testing.T, ctx context.Context) int64 {
	t.Helper()
	loc := webtest.Get(t, ctx, chromedp.Location())
	m := casePath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("the browser is at %s, want a case page", loc)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// focused makes the tab behave as the one in front, whose page has the
// focus (headless tabs side by side have none, and :focus matches nothing).
func focused() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		return err
	})
}

func alt(key string) chromedp.Action[chromedp.Void] {
	return chromedp.KeyEvent(key, chromedp.KeyModifiers(chromedp.ModifierAlt))
}

// An operator files a case with the keyboard alone — shortcuts, Enter in
// the searches, Tab — and then adds the same caller's second call to it
// from the hotline page.
func TestBrowserIntakeKeyboard(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	ctx := b.Tab(1280)
	webtest.SignIn(t, ctx, f.URL, "operator")
	steps := []chromedp.Action[chromedp.Void]{
		focused(),
		chromedp.Navigate(f.URL + "/work/new"),
		chromedp.WaitVisible(chromedp.CSS(`#phone:focus`)),
		chromedp.KeyEvent("13812341234"),
		chromedp.KeyEvent("\t"), // the name
		chromedp.KeyEvent("张三"),
		alt("t"),
		chromedp.WaitVisible(chromedp.CSS(`#text:focus`)),
		chromedp.KeyEvent("幸福家园3栋门口的路灯不亮三天了"),
		alt("c"),
		chromedp.KeyEvent("路灯\r"),
		chromedp.WaitVisible(chromedp.CSS(`#category:focus`)),
		alt("p"),
		chromedp.KeyEvent("第1社区\r"),
		chromedp.WaitVisible(chromedp.CSS(`#address:focus`)),
		chromedp.KeyEvent("幸福家园3栋"),
	}
	for i, s := range steps {
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := chromedp.Do(tctx, s)
		cancel()
		if err != nil {
			t.Fatalf("step %d: %v; focus on %s", i, err, webtest.Get(t, ctx, chromedp.Evaluate[string](`document.activeElement.id || document.activeElement.tagName`)))
		}
	}
	if got := webtest.Get(t, ctx, chromedp.Value(chromedp.CSS(`#category`))); got != "0203" {
		t.Errorf("category after Enter in its search: %q", got)
	}
	if got := webtest.Get(t, ctx, chromedp.Text(chromedp.CSS(`#place-name`))); got != "第1区 › 第1街道 › 第1社区 › 第一网格" {
		t.Errorf("place after Enter in its search: %q", got)
	}
	webtest.Screenshot(t, ctx, "intake-filled")
	webtest.Accessible(t, ctx, "/work/new filled")
	webtest.Run(t, ctx, alt("s"), chromedp.WaitNotPresent(chromedp.CSS(`#intake-form`)))
	first := caseAt(t, ctx)
	c, err := f.DB.GetCase(context.Background(), anju.SystemActor("test"), first)
	if err != nil || c.Category != "0203" || c.Grid.Code != "330102001001001" || c.Address != "幸福家园3栋" || c.Channel != cases.ChannelHotline {
		t.Fatalf("filed by keyboard: %+v %v", c, err)
	}

	// The same caller again: their open case is offered; Tab reaches its
	// link, then its button, and Enter adds the call to it.
	webtest.Run(t, ctx,
		chromedp.Navigate(f.URL+"/work/new"),
		chromedp.WaitVisible(chromedp.CSS(`#phone:focus`)),
		chromedp.KeyEvent("138 1234 1234"),
		chromedp.WaitVisible(chromedp.CSS(`#zone-caller button.join`)),
		chromedp.KeyEvent("\t"),
		chromedp.KeyEvent("\t"),
		chromedp.WaitVisible(chromedp.CSS(`#zone-caller button.join:focus`)),
	)
	webtest.Screenshot(t, ctx, "intake-caller")
	webtest.Accessible(t, ctx, "/work/new caller")
	webtest.Run(t, ctx, chromedp.KeyEvent("\r"), chromedp.WaitNotPresent(chromedp.CSS(`#intake-form`)))
	if id := caseAt(t, ctx); id != first {
		t.Errorf("joined case %d, want %d", id, first)
	}
	if c, _ := f.DB.GetCase(context.Background(), anju.SystemActor("test"), first); c.Supporters != 0 {
		// The caller is the case's own reporter: counted once, as Support
		// rules; a second caller is counted below.
		t.Errorf("the reporter's own second call counted: %d", c.Supporters)
	}
	webtest.Run(t, ctx,
		chromedp.Navigate(f.URL+"/work/new"),
		chromedp.WaitVisible(chromedp.CSS(`#phone:focus`)),
		chromedp.KeyEvent("13912345678"),
		alt("t"),
		chromedp.KeyEvent("幸福家园3栋门口路灯坏了"),
		alt("p"),
		chromedp.KeyEvent("第1社区\r"),
		chromedp.WaitVisible(chromedp.CSS(`#zone-similar button.join`)),
	)
	webtest.Screenshot(t, ctx, "intake-similar")
	webtest.Run(t, ctx, chromedp.Click(chromedp.CSS(`#zone-similar button.join`)), chromedp.WaitNotPresent(chromedp.CSS(`#intake-form`)))
	if c, _ := f.DB.GetCase(context.Background(), anju.SystemActor("test"), first); c.Supporters != 1 {
		t.Errorf("a second caller added from the similar cases: supporters %d", c.Supporters)
	}

	phone := b.Tab(360)
	webtest.SignIn(t, phone, f.URL, "operator")
	webtest.Run(t, phone, chromedp.Navigate(f.URL+"/work/new"), chromedp.WaitVisible(chromedp.CSS(`#phone`)))
	webtest.Screenshot(t, phone, "intake")
	webtest.Accessible(t, phone, "/work/new at 360")
}

// A grid worker at 360 px lists their grid's cases nearest first from the
// browser's position and reports from where they stand; the pages stay
// under 150 KB transferred.
func TestBrowserGridWorker(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	op := f.SignIn("operator")
	for _, r := range []struct{ text, lat, lon string }{{"远处的垃圾没人清", "30.09", "120.04"}, {"近处的路灯不亮", "30.0505", "120.0205"}} {
		form := intakeForm("13812341234", r.text)
		form.Del("grid")
		form.Set("lat", r.lat)
		form.Set("lon", r.lon)
		filed(t, op.PostForm("/work/new", form))
	}
	for _, width := range webtest.Widths {
		ctx := b.Tab(width)
		lat, lon, acc := 30.05, 120.02, 10.0
		webtest.Run(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, browser.SetPermission, browser.SetPermissionParams{
				Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted, Origin: f.URL}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc})
			return err
		}))
		webtest.SignIn(t, ctx, f.URL, "worker-a")
		webtest.Run(t, ctx,
			chromedp.Navigate(f.URL+"/work/grid"),
			chromedp.WaitVisible(chromedp.CSS(`#locate`)),
			chromedp.Click(chromedp.CSS(`#locate`)),
		)
		// The list was on the page before the position came: wait for the
		// answer to the position, not for the list.
		for i := 0; i < 100; i++ {
			if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil && strings.Contains(loc, "lat=") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		webtest.Run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`a.grid-case`)))
		if loc := webtest.Get(t, ctx, chromedp.Location()); !strings.Contains(loc, "lat=30.05") || !strings.Contains(loc, "lon=120.02") {
			t.Fatalf("the position did not reach the server: %s", loc)
		}
		list := webtest.Get(t, ctx, chromedp.Text(chromedp.CSS(`ul.grid-cases`)))
		if near, far := strings.Index(list, "近处的路灯不亮"), strings.Index(list, "远处的垃圾没人清"); near < 0 || far < near {
			t.Errorf("nearest first: %q", list)
		}
		webtest.Screenshot(t, ctx, "grid")
		webtest.Accessible(t, ctx, "/work/grid")
		if width == 360 {
			// Touch targets: every case link is at least 44 px high.
			if h := webtest.Get(t, ctx, chromedp.Evaluate[float64](`Math.min(...[...document.querySelectorAll("a.grid-case, #report-here, #locate")].map(e => e.getBoundingClientRect().height))`)); h < 44 {
				t.Errorf("smallest touch target %.0f px", h)
			}
			if w := webtest.Get(t, ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`)); w > 360 {
				t.Errorf("the page is %.0f px wide at 360", w)
			}
		}

		// Report from here: the intake page opens with the grid found.
		webtest.Run(t, ctx,
			chromedp.Click(chromedp.CSS(`#report-here`)),
			chromedp.WaitVisible(chromedp.CSS(`#text`)),
		)
		if got := webtest.Get(t, ctx, chromedp.Text(chromedp.CSS(`#place-name`))); !strings.HasSuffix(got, "第一网格") {
			t.Errorf("report from here: place %q", got)
		}
		webtest.Screenshot(t, ctx, "grid-report")
		webtest.Accessible(t, ctx, "/work/new from the grid")
		webtest.Run(t, ctx,
			chromedp.SendKeys(chromedp.CSS(`#text`), "巡查发现井盖松动 "+strconv.Itoa(width)),
			chromedp.SetValue(chromedp.CSS(`#category`), "0203"),
			chromedp.Click(chromedp.CSS(`#file`)),
			chromedp.WaitNotPresent(chromedp.CSS(`#intake-form`)),
		)
		c, err := f.DB.GetCase(context.Background(), anju.SystemActor("test"), caseAt(t, ctx))
		if err != nil || c.Channel != cases.ChannelGridPatrol || c.Grid.Code != "330102001001001" || c.Lat == nil {
			t.Errorf("patrol report: %+v %v", c, err)
		}
	}

	// What a phone downloads for the grid page and the report page, on a
	// tab with an empty cache: the pages, the stylesheet and the scripts.
	for _, page := range []string{"/work/grid?lat=30.05&lon=120.02", "/work/new?from=grid&lat=30.05&lon=120.02"} {
		ctx := b.Tab(360)
		webtest.SignIn(t, ctx, f.URL, "worker-a")
		webtest.Run(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
			return err
		}), chromedp.Navigate(f.URL+page), chromedp.WaitReady(chromedp.CSS(`main`)), chromedp.Sleep(500*time.Millisecond))
		bytes := webtest.Get(t, ctx, chromedp.Evaluate[float64](`performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).reduce((n, e) => n + e.transferSize, 0)`))
		n := webtest.Get(t, ctx, chromedp.Evaluate[int](`performance.getEntriesByType("resource").length`))
		t.Logf("%s: %.1f KB transferred with a cold cache (%d files besides the page; static files gzipped)", page, bytes/1024, n)
		if bytes > 150*1024 {
			t.Errorf("%s transfers %.0f KB, over 150 KB", page, bytes/1024)
		}
	}
}

// The hint panels htmx fills on the hotline page as the operator types do
// not move the fields below them (no layout shift on swaps).
func TestBrowserIntakeNoLayoutShift(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	for _, width := range webtest.Widths {
		ctx := b.Tab(width)
		webtest.SignIn(t, ctx, f.URL, "operator")
		webtest.Run(t, ctx, chromedp.Navigate(f.URL+"/work/new"), chromedp.WaitVisible(chromedp.CSS("#text")))
		const tops = `[...document.querySelectorAll("#name, #category, #priority")].map(e => Math.round(e.getBoundingClientRect().top + scrollY)).join(",")`
		before := webtest.Get(t, ctx, chromedp.Evaluate[string](tops))
		webtest.Run(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#phone"), "13812341234"),
			chromedp.SendKeys(chromedp.CSS("#cat_q"), "路灯"),
			chromedp.SendKeys(chromedp.CSS("#text"), "小区门口的路灯不亮了"),
		)
		webtest.Get(t, ctx, chromedp.Poll[bool](`document.querySelector("#zone-categories").textContent.trim().length > 0`))
		time.Sleep(800 * time.Millisecond) // the caller panel's own delay
		if after := webtest.Get(t, ctx, chromedp.Evaluate[string](tops)); after != before {
			t.Errorf("at %d px the fields moved when the hints came: %s → %s", width, before, after)
		}
		webtest.Screenshot(t, ctx, "intake-hints")
	}
}
