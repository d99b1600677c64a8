package web_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"anju/internal/cases"
	"anju/internal/web/webtest"
)

// A dispatcher opens an accepted case in Chromium, dispatches it to a
// department through its form and sees it in the timeline; at a phone's and
// a desk's width, with screenshots and the accessibility check of the page
// before and after.
func TestBrowserCasePage(t *testing.T) {
	b := webtest.NewBrowser(t)
	w := &caseWorld{Fixture: webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db")), t: t}
	w.create(newReport("文一路路灯不亮")) // a similar case for the panel
	for _, width := range webtest.Widths {
		c := w.create(newReport("文一路路灯不亮"))
		w.act("operator", c.ID, cases.ActionAccept, cases.Input{Note: "已电话联系反映人"})
		ctx := b.Tab(width)
		webtest.SignIn(t, ctx, w.URL, "dispatcher")
		webtest.Run(t, ctx,
			chromedp.Navigate(w.URL+path(c.ID)),
			chromedp.WaitVisible(chromedp.CSS("#act-dispatch > summary")),
			// The map has drawn its grids.
			chromedp.WaitVisible(chromedp.CSS(".map .leaflet-interactive")),
		)
		webtest.Screenshot(t, ctx, "case")
		webtest.Accessible(t, ctx, "case page")
		webtest.Run(t, ctx,
			chromedp.Click(chromedp.CSS("#act-dispatch > summary")),
			chromedp.WaitVisible(chromedp.CSS("#dispatch-department")),
			chromedp.SetValue(chromedp.CSS("#dispatch-department"), "a-street"),
			chromedp.SendKeys(chromedp.CSS("#dispatch-note"), "请今天处理"),
			chromedp.Click(chromedp.CSS("#act-dispatch button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("p.notice")),
		)
		if loc := webtest.Get(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, path(c.ID)+"?done=dispatch") {
			t.Errorf("after dispatching the browser is at %s", loc)
		}
		timeline := webtest.Get(t, ctx, chromedp.Text(chromedp.CSS("ol.timeline")))
		for _, want := range []string{"派遣", "第1街道办", "请今天处理", "已受理 → 已派遣", "已电话联系反映人"} {
			if !strings.Contains(timeline, want) {
				t.Errorf("at %d px the timeline lacks %q: %s", width, want, timeline)
			}
		}
		webtest.Screenshot(t, ctx, "case-dispatched")
		webtest.Accessible(t, ctx, "case page after dispatch")
	}
}
