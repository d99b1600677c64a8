package web_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/web/webtest"
)

// TestBrowserCaseLifecycle follows one report through every hand in a real
// Chromium, as issue 10 tells it: a resident reports with a map pin and a
// photo and gets the receipt; an operator accepts; a dispatcher dispatches;
// the handler signs for it and resolves with a result photo; a grid worker on
// a phone (360 px) verifies on site with a photo; the dispatcher closes; the
// resident, through the secret link, rates it unsatisfied and reopens it; a
// handler of the other district gets the 404 page; English sticks.
func TestBrowserCaseLifecycle(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	desk, phone := b.Tab(1280), b.Tab(360) // one browser: the two tabs share cookies
	photo, _ := filepath.Abs("../photo/testdata/gps.jpg")
	result, _ := filepath.Abs("../photo/testdata/photo.png")

	// The resident: a pin through the map's own placing (what a click or
	// "use my location" calls), a category from the suggestions, a photo.
	webtest.Run(t, desk,
		chromedp.Navigate(f.URL+"/report"),
		chromedp.WaitVisible(chromedp.CSS(`.leaflet-container path`)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#report-form [data-map]")._anjuPlace(30.05, 120.05); undefined`),
	)
	webtest.Get(t, desk, chromedp.Poll[bool](`document.querySelector("[data-grid-name]").textContent.includes("网格") && document.querySelector("[name=lat]").value !== ""`))
	webtest.Run(t, desk,
		chromedp.SendKeys(chromedp.CSS(`#title`), "文三路路灯不亮"),
		chromedp.SendKeys(chromedp.CSS(`#text`), "文三路12号门口的路灯坏了三天，晚上很黑"),
		chromedp.SendKeys(chromedp.CSS(`#cq`), "路灯"),
		chromedp.WaitVisible(chromedp.CSS(`#category-help button[data-category="0203"]`)),
		chromedp.Click(chromedp.CSS(`#category-help button[data-category="0203"]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#photos`), []string{photo}),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "13812341234"),
		chromedp.Click(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`.receipt`)),
	)
	link := webtest.Get(t, desk, chromedp.Text(chromedp.CSS(`.link-box a`)))
	webtest.Screenshot(t, desk, "flow-1-receipt")
	list, err := f.DB.ListCases(context.Background(), anju.SystemActor("test"), store.CaseFilter{})
	if err != nil || len(list.Cases) != 1 {
		t.Fatalf("after the report: %v %+v", err, list)
	}
	c := list.Cases[0]
	if c.Grid.Code != "330102001001001" || c.Category != "0203" || c.Channel != cases.ChannelWeb {
		t.Fatalf("stored case: grid %s category %s channel %s", c.Grid.Code, c.Category, c.Channel)
	}
	casePage := fmt.Sprintf("%s/work/cases/%d", f.URL, c.ID)

	act := func(ctx context.Context, login string, action cases.Action, fill ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		webtest.SignIn(t, ctx, f.URL, login)
		id := "#act-" + string(action)
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(casePage),
			chromedp.WaitVisible(chromedp.CSS(id + " > summary")),
			chromedp.Click(chromedp.CSS(id + " > summary")),
		}
		steps = append(steps, fill...)
		steps = append(steps, chromedp.Click(chromedp.CSS(id+" button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("p.notice")))
		webtest.Run(t, ctx, steps...)
		webtest.Screenshot(t, ctx, "flow-"+login+"-"+string(action))
		signOut(t, ctx)
	}
	act(desk, "operator", cases.ActionAccept)
	act(desk, "dispatcher", cases.ActionDispatch, chromedp.SetValue(chromedp.CSS("#dispatch-department"), "a-street"))
	act(desk, "handler-a", cases.ActionStart)
	act(desk, "handler-a", cases.ActionResolve,
		chromedp.SendKeys(chromedp.CSS("#resolve-result"), "已更换灯泡并检修线路"),
		chromedp.SetUploadFiles(chromedp.CSS("#resolve-photos"), []string{result}))
	act(phone, "worker-a", cases.ActionVerify,
		chromedp.SetValue(chromedp.CSS("#verify-method"), string(cases.VerifyOnSite)),
		chromedp.SetUploadFiles(chromedp.CSS("#verify-photos"), []string{result}))
	act(desk, "dispatcher", cases.ActionClose, chromedp.SetValue(chromedp.CSS("#close-outcome"), string(cases.OutcomeSolved)))

	// The resident, with the link only: unsatisfied, then reopened.
	webtest.Run(t, desk,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`#yours-title`)),
		chromedp.Click(chromedp.CSS(`#rating-unsatisfied`)),
		chromedp.Click(chromedp.CSS(`form[action$="/rate"] button[type=submit]`)),
	)
	// The reopening form was on the page before the rating too: wait for the
	// page that answers the rating before typing into it.
	waitLocation(t, desk, "done=rate")
	webtest.Run(t, desk,
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/reopen"] #reason`)),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/reopen"] #reason`), "灯又不亮了"),
		chromedp.Click(chromedp.CSS(`form[action$="/reopen"] button[type=submit]`)),
	)
	waitLocation(t, desk, "done=reopen")
	webtest.Run(t, desk, chromedp.WaitVisible(chromedp.CSS(`#state-title`)))
	webtest.Screenshot(t, desk, "flow-9-reopened")
	if state := webtest.Get(t, desk, chromedp.Text(chromedp.CSS(`#state-title .badge`))); state != "已受理" {
		t.Errorf("after the reopening the track page says %q, want 已受理", state)
	}
	got, err := f.DB.GetCase(context.Background(), anju.SystemActor("test"), c.ID)
	if err != nil || got.State != cases.StateAccepted {
		t.Fatalf("the case after the resident's rating and reopening: %v state %s", err, got.State)
	}
	history, err := f.DB.History(context.Background(), anju.SystemActor("test"), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for _, e := range history {
		trail = append(trail, e.Action)
		if e.Action == string(cases.ActionRate) && fmt.Sprint(e.Data["rating"]) != string(cases.RatingUnsatisfied) {
			t.Errorf("the rating event holds %v, want unsatisfied", e.Data)
		}
	}
	if want := "submit accept dispatch start resolve verify close rate reopen"; !strings.HasSuffix(strings.Join(trail, " "), strings.TrimPrefix(want, "submit ")) {
		t.Errorf("the case went through %v, want %s", trail, want)
	}
	photos, err := f.DB.CasePhotos(context.Background(), anju.SystemActor("test"), c.ID)
	if err != nil || len(photos) != 3 {
		t.Errorf("photos of the case: %v, %d (want the report's, the result's and the verification's)", err, len(photos))
	}

	// Another district's handler: the 404 page, in the language chosen.
	webtest.SignIn(t, desk, f.URL, "handler-b")
	webtest.Run(t, desk, chromedp.Navigate(casePage+"?lang=en"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if h := webtest.Get(t, desk, chromedp.Text(chromedp.CSS("main h1"))); h != "Not found" {
		t.Errorf("handler-b on district 330102's case sees %q, want the 404 page", h)
	}
	webtest.Screenshot(t, desk, "flow-10-other-district")
	webtest.Run(t, desk, chromedp.Navigate(f.URL+"/work"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if nav := webtest.Get(t, desk, chromedp.Text(chromedp.CSS("header nav"))); !strings.Contains(nav, "Workbench") {
		t.Errorf("English did not stick: %q", nav)
	}
}

// waitLocation waits until the tab's address holds part: the answer to a
// form whose page looked like the one before it (a wait for an element would
// find it on the old page).
func waitLocation(t *testing.T, ctx context.Context, part string) {
	t.Helper()
	for range 300 {
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil && strings.Contains(loc, part) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the browser never reached a page with %q in its address", part)
}

// signOut presses the header's sign-out button.
func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	webtest.Run(t, ctx,
		chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#login`)),
	)
}
