package web_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anju/internal/httpx"
	"anju/internal/web/webtest"
)

// In Chromium: the dispatcher opens the dashboard at every width, changes
// the period to the last two days, follows the received count and finds
// that many cases on the workbench; screenshots and the accessibility
// check on each page.
func TestDashBrowser(t *testing.T) {
	b := webtest.NewBrowser(t)
	w := newWorkWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	today := time.Now().In(httpx.ChinaTime)
	from := today.AddDate(0, 0, -1).Format(time.DateOnly)
	for _, width := range webtest.Widths {
		ctx := b.Tab(width)
		webtest.SignIn(t, ctx, w.f.URL, "dispatcher")
		webtest.Run(t, ctx, chromedp.Navigate(w.f.URL+"/work"), chromedp.Click(chromedp.CSS(`a[href="/dash"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.figures")))
		webtest.Screenshot(t, ctx, "dash")
		webtest.Accessible(t, ctx, "/dash")
		if over := webtest.Get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); over {
			t.Errorf("at %d px the dashboard is wider than the screen", width)
		}
		// The form is sent without scripts: a new page, which lacks the mark.
		webtest.Get(t, ctx, chromedp.Evaluate[bool](`document.body.dataset.before = "1"; true`))
		webtest.Run(t, ctx,
			chromedp.SetValue(chromedp.CSS("#f-from"), from),
			chromedp.SetValue(chromedp.CSS("#f-to"), today.Format(time.DateOnly)),
			chromedp.Click(chromedp.CSS("form.filters button[type=submit]")),
			chromedp.WaitNotPresent(chromedp.CSS("body[data-before]")),
			chromedp.WaitVisible(chromedp.CSS("table.figures")),
		)
		if loc := webtest.Get(t, ctx, chromedp.Location()); !strings.Contains(loc, "from="+from) {
			t.Errorf("after changing the period the address is %s", loc)
		}
		webtest.Screenshot(t, ctx, "dash-two-days")
		webtest.Accessible(t, ctx, "/dash for two days")
		shown := webtest.Get(t, ctx, chromedp.Text(chromedp.CSS(`a[data-figure-link="received"]`)))
		n, err := strconv.Atoi(strings.TrimSpace(shown))
		if err != nil || n != 8 {
			t.Fatalf("at %d px the received count reads %q, want 8", width, shown)
		}
		webtest.Run(t, ctx, chromedp.Click(chromedp.CSS(`a[data-figure-link="received"]`)), chromedp.WaitVisible(chromedp.CSS("table.cases")))
		if rows := webtest.Get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.cases tbody tr").length`)); rows != n {
			t.Errorf("at %d px the workbench lists %d cases, the dashboard counted %d", width, rows, n)
		}
		webtest.Screenshot(t, ctx, "dash-received-list")

		webtest.Run(t, ctx, chromedp.Navigate(w.f.URL+"/dash?from=nonsense"), chromedp.WaitVisible(chromedp.CSS(".filters .alert")))
		webtest.Screenshot(t, ctx, "dash-bad-filter")
		webtest.Accessible(t, ctx, "/dash?from=nonsense")
	}
}
