package web_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"anju/internal/cases"
	"anju/internal/web/webtest"
)

// In Chromium: the dispatcher's workbench at phone and desk widths, then at
// the desk a filter applied in place (htmx, the address updated) and a bulk
// dispatch of what it left, reported after the redirect; screenshots and
// the accessibility check on each.
func TestWorkbenchBrowser(t *testing.T) {
	b := webtest.NewBrowser(t)
	w := newWorkWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	for _, width := range webtest.Widths {
		ctx := b.Tab(width)
		webtest.SignIn(t, ctx, w.f.URL, "dispatcher")
		webtest.Run(t, ctx, chromedp.Navigate(w.f.URL+"/work?queue=to_dispatch"), chromedp.WaitVisible(chromedp.CSS("table.cases")))
		webtest.Screenshot(t, ctx, "work-to_dispatch")
		webtest.Accessible(t, ctx, "/work?queue=to_dispatch")
		// At a phone's width the table is stacked, not wider than the screen.
		if over := webtest.Get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); over {
			t.Errorf("at %d px the workbench is wider than the screen", width)
		}
		webtest.Run(t, ctx, chromedp.Navigate(w.f.URL+"/work?from=nonsense"), chromedp.WaitVisible(chromedp.CSS(".filters .alert")))
		webtest.Screenshot(t, ctx, "work-bad-filter")
		webtest.Accessible(t, ctx, "/work?from=nonsense")
	}

	ctx := b.Tab(1280)
	webtest.SignIn(t, ctx, w.f.URL, "dispatcher")
	webtest.Run(t, ctx,
		chromedp.Navigate(w.f.URL+"/work?queue=to_dispatch"),
		chromedp.WaitVisible(chromedp.CSS("table.cases")),
		chromedp.Click(chromedp.CSS("details.more summary")),
		chromedp.SetValue(chromedp.CSS("#f-region"), "330105"),
		chromedp.Click(chromedp.CSS("form.filters button[type=submit]")),
	)
	webtest.Get(t, ctx, chromedp.Poll[bool](`location.search.includes("region=330105") && document.querySelectorAll("table.cases tbody tr").length === 1`))
	if loc := webtest.Get(t, ctx, chromedp.Location()); !strings.Contains(loc, "queue=to_dispatch") {
		t.Errorf("after filtering the address is %s", loc)
	}
	// The list was swapped in place: the page was not loaded again.
	if n := webtest.Get(t, ctx, chromedp.Evaluate[int](`performance.getEntriesByType("navigation").length`)); n != 1 {
		t.Errorf("%d navigations", n)
	}
	webtest.Screenshot(t, ctx, "work-filtered")
	webtest.Run(t, ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#pick-%d", w.b2))),
		chromedp.SetValue(chromedp.CSS("#dispatch-department"), "b-street"),
		chromedp.Click(chromedp.CSS("fieldset.bulk button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("section.report")),
	)
	report := webtest.Get(t, ctx, chromedp.Text(chromedp.CSS("section.report")))
	if !strings.Contains(report, "已派遣 1 件案件至 第2街道办") || !strings.Contains(report, "井盖缺失 2") {
		t.Errorf("report: %s", report)
	}
	webtest.Screenshot(t, ctx, "work-dispatched")
	webtest.Accessible(t, ctx, "/work after a dispatch")
	if c, err := w.f.DB.GetCase(context.Background(), w.actors["dispatcher"], w.b2); err != nil || c.State != cases.StateDispatched || c.Department != "b-street" {
		t.Errorf("b2 after the dispatch: %s %s %v", c.State, c.Department, err)
	}
}
