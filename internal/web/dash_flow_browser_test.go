package web_test

import (
	"context"
	"encoding/base64"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/httpx"
	"anju/internal/store"
	"anju/internal/web/webtest"
)

// In Chromium, a district's supervisor: opens the dashboard, changes the
// period, follows every number on it to a list as long as the number,
// drills from a department's overdue pile in the ranking to its
// cases on the workbench (as many as the number said), downloads them as
// XLSX (the workbook holds the same cases), and opens the wall screen;
// screenshots at desk and wall sizes, the accessibility check on each page.
func TestBrowserDashSupervisor(t *testing.T) {
	b := webtest.NewBrowser(t)
	ctx := context.Background()
	// Cases filed twenty days ago are overdue now.
	now := time.Now()
	clock := anju.NewFakeClock(now.AddDate(0, 0, -20))
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"), webtest.Options{Clock: clock})
	sys := anju.SystemActor("test")
	if _, err := f.DB.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "supervisor-a", Name: "区督办", Password: webtest.Password}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.GrantRole(ctx, sys, "supervisor-a", anju.Grant{Role: anju.RoleSupervisor, Region: "330102"}); err != nil {
		t.Fatal(err)
	}
	actor := func(login string) *anju.Actor {
		a, err := f.DB.Authenticate(ctx, login, webtest.Password)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	operator, dispatcher := actor("operator"), actor("dispatcher")
	var codes []string
	for i, lon := range []float64{120.02, 120.02, 120.02, 120.07, 120.12} {
		lat := 30.05
		nc := store.NewCase{Title: "路灯不亮 " + strconv.Itoa(i), Text: "小区门口的路灯坏了三天", Category: "0101", Lat: &lat, Lon: &lon}
		c, _, err := f.DB.CreateCase(ctx, operator, nc, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.DB.Act(ctx, operator, c.ID, cases.ActionAccept, store.ActionInput{}); err != nil {
			t.Fatal(err)
		}
		dept := "a-street"
		if lon > 120.1 {
			dept = "b-street" // district B's: out of the supervisor's reach
		}
		if _, err := f.DB.Act(ctx, dispatcher, c.ID, cases.ActionDispatch, store.ActionInput{Input: cases.Input{Department: dept}}); err != nil {
			t.Fatal(err)
		}
		if dept == "a-street" {
			codes = append(codes, c.TrackingCode)
		}
	}
	clock.Set(now)

	tab := b.Tab(1280)
	webtest.SignIn(t, tab, f.URL, "supervisor-a")
	webtest.Run(t, tab, chromedp.Navigate(f.URL+"/dash"), chromedp.WaitVisible(chromedp.CSS("table.figures")))
	webtest.Screenshot(t, tab, "supervisor-dash")
	webtest.Accessible(t, tab, "/dash as a district supervisor")

	// The period: the last 30 days, through the form.
	from := now.In(httpx.ChinaTime).AddDate(0, 0, -29).Format(time.DateOnly)
	webtest.Run(t, tab,
		chromedp.SetValue(chromedp.CSS("#f-from"), from),
		chromedp.Click(chromedp.CSS("form.filters button[type=submit]")))
	waitLocation(t, tab, "from="+from)
	webtest.Run(t, tab, chromedp.WaitVisible(chromedp.CSS("table.figures")))
	webtest.Screenshot(t, tab, "supervisor-dash-30-days")

	// Every number on this dashboard opens a list that says as many.
	type numberLink struct{ Href, N, Key string }
	links := webtest.Get(t, tab, chromedp.Evaluate[[]numberLink](`[...new Map([...document.querySelectorAll("a[data-figure-n]")]
		.map(a => [a.getAttribute("href"), {Href: a.getAttribute("href"), N: a.dataset.figureN, Key: a.dataset.figureLink}])).values()]`))
	if len(links) < 10 {
		t.Fatalf("only %d numbers on the dashboard are links", len(links))
	}
	numbers := webtest.Get(t, tab, chromedp.Location())
	for _, l := range links {
		webtest.Run(t, tab, chromedp.Navigate(f.URL+l.Href), chromedp.WaitVisible(chromedp.CSS("#figure-list")))
		if got := webtest.Get(t, tab, chromedp.Evaluate[string](`document.querySelector("#figure-list").dataset.total`)); got != l.N {
			t.Errorf("%s: the dashboard shows %s, its list holds %s (%s)", l.Key, l.N, got, l.Href)
		}
	}
	t.Logf("followed the %d numbers of the dashboard to their lists", len(links))
	webtest.Run(t, tab, chromedp.Navigate(numbers), chromedp.WaitVisible(chromedp.CSS("table.figures")))

	// The department ranking's overdue pile of 第1街道办, as a table.
	webtest.Run(t, tab, chromedp.Click(chromedp.CSS(`button[data-chart-toggle="departments"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#departments-table a[data-figure-link="overdue_by_age"]`)))
	shown := webtest.Get(t, tab, chromedp.Evaluate[string](`(() => {
		const row = [...document.querySelectorAll("#departments-table tbody tr")].find(r => r.textContent.includes("第1街道办"));
		const a = row && row.querySelector('a[data-figure-link="overdue_by_age"]');
		if (!a) return "";
		a.click();
		return a.dataset.figureN; })()`))
	if shown != strconv.Itoa(len(codes)) {
		t.Fatalf("第1街道办's overdue pile reads %q, want %d", shown, len(codes))
	}
	webtest.Run(t, tab, chromedp.WaitVisible(chromedp.CSS("#figure-list")))
	total := webtest.Get(t, tab, chromedp.Evaluate[string](`document.querySelector("#figure-list").dataset.total`))
	listed := webtest.Get(t, tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("table.cases tbody tr td:first-of-type, table.cases tbody tr th")].map(e => e.textContent.trim()).filter(s => /^[0-9A-Z-]{8,}$/.test(s))`))
	if total != shown || len(listed) != len(codes) {
		t.Fatalf("the overdue pile of %s opens a list of %s (%d rows: %v)", shown, total, len(listed), listed)
	}
	webtest.Screenshot(t, tab, "supervisor-overdue-cases")
	webtest.Accessible(t, tab, "the cases behind an overdue pile")

	// The same cases as XLSX, fetched as the page's link would.
	b64 := webtest.Get(t, tab, chromedp.Evaluate[string](`(async () => {
		const href = document.querySelector('#exports a[href*="format=xlsx"]').getAttribute("href");
		const buf = await (await fetch(href)).arrayBuffer();
		let s = ""; new Uint8Array(buf).forEach(c => s += String.fromCharCode(c));
		return btoa(s); })()`, chromedp.EvalAwaitPromise))
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	book, err := excelize.OpenReader(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("the XLSX does not open: %v", err)
	}
	rows, err := book.GetRows(book.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	var inBook []string
	for _, r := range rows[1:] {
		inBook = append(inBook, store.NormalizeTrackingCode(r[0]))
	}
	want := slices.Clone(codes)
	for i := range want {
		want[i] = store.NormalizeTrackingCode(want[i])
	}
	slices.Sort(inBook)
	slices.Sort(want)
	if !slices.Equal(inBook, want) {
		t.Errorf("the workbook holds %v, the list %v", inBook, want)
	}

	// The wall screen of the district, at 1920×1080.
	wall := b.Tab(1920)
	webtest.Run(t, wall, chromedp.EmulateViewport(1920, 1080))
	webtest.SignIn(t, wall, f.URL, "supervisor-a")
	webtest.Run(t, wall, chromedp.Navigate(f.URL+"/dash/wall?region=330102"), chromedp.WaitVisible(chromedp.CSS(`#wall-legend li`)))
	webtest.Screenshot(t, wall, "supervisor-wall")
	webtest.Accessible(t, wall, "/dash/wall as a district supervisor")
}
