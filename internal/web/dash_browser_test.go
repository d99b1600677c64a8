package web_test

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
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

// In Chromium, at every width: each chart is drawn (an ECharts canvas in
// its container) with its table out of sight but read by the accessibility
// tree; the Table button swaps chart and table and back; on paper the
// tables show and the charts do not; nothing is written to the console as
// an error (a Content-Security-Policy refusal included).
func TestDashChartsBrowser(t *testing.T) {
	b := webtest.NewBrowser(t)
	w := newWorkWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	today := time.Now().In(httpx.ChinaTime)
	w.fileOn(t, today.AddDate(0, 0, -2), 3)
	w.fileOn(t, today.AddDate(0, 0, -1), 1)
	charts := []string{"trend", "categories", "departments", "regions"}
	for _, width := range webtest.Widths {
		ctx := b.Tab(width)
		var mu sync.Mutex
		var problems []string
		if err := chromedp.Listen(ctx, func(ev any) {
			mu.Lock()
			defer mu.Unlock()
			switch ev := ev.(type) {
			case *runtime.EventExceptionThrown:
				problems = append(problems, ev.ExceptionDetails.Text+" "+fmt.Sprint(ev.ExceptionDetails.Exception))
			case *runtime.EventConsoleAPICalled:
				if ev.Type == runtime.ConsoleAPICalledTypeError {
					problems = append(problems, fmt.Sprint("console.error ", ev.Args))
				}
			case *cdplog.EventEntryAdded:
				// The browser's own request for /favicon.ico (which Anju
				// does not serve) is no fault of the page.
				if ev.Entry.Level == cdplog.EntryLevelError && !strings.HasSuffix(ev.Entry.URL, "/favicon.ico") {
					problems = append(problems, ev.Entry.Text+" "+ev.Entry.URL)
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
		webtest.SignIn(t, ctx, w.f.URL, "dispatcher")
		for _, lang := range []string{"zh", "en"} {
			path := "/dash?from=" + today.AddDate(0, 0, -6).Format(time.DateOnly) + "&lang=" + lang
			webtest.Run(t, ctx, chromedp.Navigate(w.f.URL+path), chromedp.WaitVisible(chromedp.CSS("#regions-chart canvas")))
			for _, id := range charts {
				drawn := webtest.Get(t, ctx, chromedp.Evaluate[bool](`(function(){
					var el = document.getElementById("`+id+`-chart"), table = document.getElementById("`+id+`-table");
					return !el.hidden && el.querySelector("canvas") !== null && el.clientHeight > 100 &&
						table.classList.contains("is-collapsed") && table.querySelector("tbody tr") !== null;
				})()`))
				if !drawn {
					t.Errorf("at %d px (%s) chart %s is not drawn over its collapsed table", width, lang, id)
				}
			}
			webtest.Screenshot(t, ctx, "dash-charts-"+lang)
			webtest.Accessible(t, ctx, path)
			if over := webtest.Get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); over {
				t.Errorf("at %d px (%s) the dashboard is wider than the screen", width, lang)
			}
		}
		// The Table button swaps the department chart for its table, and back.
		toggle := chromedp.CSS(`[data-chart-toggle="departments"]`)
		state := `(function(){ var b = document.querySelector('[data-chart-toggle="departments"]');
			return b.getAttribute("aria-pressed") + " " + document.getElementById("departments-chart").hidden + " " +
				document.getElementById("departments-table").classList.contains("is-collapsed"); })()`
		webtest.Run(t, ctx, chromedp.ScrollIntoView(toggle), chromedp.Click(toggle), chromedp.WaitVisible(chromedp.CSS("#departments-table table")))
		if got := webtest.Get(t, ctx, chromedp.Evaluate[string](state)); got != "true true false" {
			t.Errorf("at %d px after Table: pressed, chart hidden, table collapsed = %s", width, got)
		}
		webtest.Screenshot(t, ctx, "dash-departments-table")
		webtest.Accessible(t, ctx, "/dash with the department table shown")
		webtest.Run(t, ctx, chromedp.Click(toggle), chromedp.WaitVisible(chromedp.CSS("#departments-chart canvas")))
		if got := webtest.Get(t, ctx, chromedp.Evaluate[string](state)); got != "false false true" {
			t.Errorf("at %d px after Table twice: pressed, chart hidden, table collapsed = %s", width, got)
		}
		// On paper: tables, no charts.
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatal(err)
		}
		printed := webtest.Get(t, ctx, chromedp.Evaluate[string](`Array.prototype.map.call(document.querySelectorAll(".chart-card"), function (s) {
			var chart = s.querySelector(".chart"), table = s.querySelector(".chart-table");
			return getComputedStyle(chart).display + "/" + (table.getBoundingClientRect().width > 100);
		}).join(" ")`))
		if want := strings.TrimSpace(strings.Repeat("none/true ", len(charts))); printed != want {
			t.Errorf("at %d px in print the charts/tables are %s, want %s", width, printed, want)
		}
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		if len(problems) > 0 {
			t.Errorf("at %d px the console has errors:\n%s", width, strings.Join(problems, "\n"))
		}
		mu.Unlock()
	}
}
