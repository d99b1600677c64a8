package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anju/internal/anju"
	"anju/internal/dispute"
	"anju/internal/httpx"
	"anju/internal/web/webtest"
)

// fromWorkbench follows, on tab, the workbench's link to path and waits
// for the page's element sel.
func fromWorkbench(t *testing.T, tab context.Context, base, path, sel string) {
	t.Helper()
	webtest.Run(t, tab,
		chromedp.Navigate(base+"/work"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="`+path+`"]`)),
		chromedp.Click(chromedp.CSS(`a[href="`+path+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(sel)))
}

// TestBrowserDisputeLoop follows one dispute in Chromium (issue 12, item
// 8): a mediator on a desk files it with its two parties and finds it on his
// queue; he records two sessions — the first tried in the future and
// refused in its form, in place — and the agreement, and prints it; after
// the city's period a grid worker on a phone finds the follow-up due,
// records the agreement broken, and the dispute is back in mediation with
// its committee. The pages at 360, 1280 and 1920 px, each checked by axe.
func TestBrowserDisputeLoop(t *testing.T) {
	b := webtest.NewBrowser(t)
	now := time.Now()
	clock := anju.NewFakeClock(now)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"), webtest.Options{Clock: clock})
	withMediation(t, f)
	desk := b.Tab(1280)
	webtest.SignIn(t, desk, f.URL, "mediator-a")

	// The intake, from the workbench.
	fromWorkbench(t, desk, f.URL, "/work/disputes/new", `#dispute-intake-form`)
	webtest.Run(t, desk,
		chromedp.SetValue(chromedp.CSS(`#type`), "neighbour"),
		chromedp.SetValue(chromedp.CSS(`#category`), "1101"),
		chromedp.SetValue(chromedp.CSS(`#amount`), "1200"),
		chromedp.SendKeys(chromedp.CSS(`#text`), "楼上连续三周夜间装修，噪声扰民，双方协商无果"),
		chromedp.SendKeys(chromedp.CSS(`#title`), "楼上装修噪声"),
		chromedp.SendKeys(chromedp.CSS(`#party-name-0`), "李四"),
		chromedp.SendKeys(chromedp.CSS(`#party-phone-0`), "13912345678"),
		chromedp.SendKeys(chromedp.CSS(`#party-id_number-0`), "11010519491231002X"),
		chromedp.SetValue(chromedp.CSS(`#party-kind-1`), "organisation"),
		chromedp.SendKeys(chromedp.CSS(`#party-name-1`), "幸福装饰有限公司"),
		chromedp.SendKeys(chromedp.CSS(`#party-phone-1`), "13698765432"),
		chromedp.SendKeys(chromedp.CSS(`#place_q`), "第1社区"),
		chromedp.Click(chromedp.CSS(`button[name=find]:not(.visually-hidden)`)),
		chromedp.WaitVisible(chromedp.CSS(`button[name=pick_place][value="330102001001001"]`)),
	)
	// htmx swapped the form with the places: what was typed is still there.
	if got := webtest.Get(t, desk, chromedp.Evaluate[string](`document.querySelector("#party-name-1").value`)); got != "幸福装饰有限公司" {
		t.Errorf("the place search lost the second party: %q", got)
	}
	webtest.Run(t, desk,
		chromedp.Click(chromedp.CSS(`button[name=pick_place][value="330102001001001"]`)),
		chromedp.WaitReady(chromedp.CSS(`input[name=grid][value="330102001001001"]`)),
	)
	webtest.Screenshot(t, desk, "dispute-1-intake")
	webtest.Accessible(t, desk, "/work/disputes/new")
	webtest.Run(t, desk, chromedp.Click(chromedp.CSS(`#file`)), chromedp.WaitVisible(chromedp.CSS(`#mediation`)))
	casePage := webtest.Get(t, desk, chromedp.Location())
	if !strings.Contains(casePage, "/work/cases/") {
		t.Fatalf("after filing the browser is at %s", casePage)
	}
	webtest.Run(t, desk, chromedp.Navigate(f.URL+"/work/disputes?queue=sessions"), chromedp.WaitVisible(chromedp.CSS(`table.disputes`)))
	webtest.Screenshot(t, desk, "dispute-2-queue")
	webtest.Accessible(t, desk, "/work/disputes")

	// The first session, tried in the future: refused in its form, which
	// htmx swaps in place; then at the right time.
	local := func(t time.Time) string { return t.In(httpx.ChinaTime).Format("2006-01-02T15:04") }
	session := func(at time.Time, mediators string) {
		t.Helper()
		webtest.Run(t, desk,
			chromedp.Navigate(casePage),
			chromedp.WaitVisible(chromedp.CSS(`#dispute-session > summary`)),
			chromedp.Click(chromedp.CSS(`#dispute-session > summary`)),
			chromedp.SetValue(chromedp.CSS(`#dispute-session-held_at`), local(at)),
			chromedp.SendKeys(chromedp.CSS(`#dispute-session-place`), "第1社区调解室"),
			chromedp.SendKeys(chromedp.CSS(`#dispute-session-mediators`), mediators),
			chromedp.SendKeys(chromedp.CSS(`#dispute-session-notes`), "双方陈述各自意见"),
			chromedp.Click(chromedp.CSS(`#dispute-session-form button[type=submit]`)),
		)
	}
	session(now.Add(48*time.Hour), "赵调解")
	webtest.Run(t, desk, chromedp.WaitVisible(chromedp.CSS(`#dispute-session-held_at-error`)))
	if msg := webtest.Get(t, desk, chromedp.Text(chromedp.CSS(`#dispute-session-held_at-error`))); !strings.Contains(msg, "不能晚于现在") {
		t.Errorf("the future session's message: %q", msg)
	}
	if loc := webtest.Get(t, desk, chromedp.Location()); loc != casePage {
		t.Errorf("the refused form left the page for %s", loc)
	}
	webtest.Screenshot(t, desk, "dispute-3-session-refused")
	webtest.Accessible(t, desk, "/work/cases/{id} (a refused session)")
	webtest.Run(t, desk,
		chromedp.SetValue(chromedp.CSS(`#dispute-session-held_at`), local(now.Add(-26*time.Hour))),
		chromedp.Click(chromedp.CSS(`#dispute-session-form button[type=submit]`)),
	)
	waitLocation(t, desk, "done=dispute_session")
	session(now.Add(-time.Hour), "赵调解、钱调解")
	waitLocation(t, desk, "done=dispute_session")

	// The agreement, and its printout.
	webtest.Run(t, desk,
		chromedp.WaitVisible(chromedp.CSS(`#dispute-agree > summary`)),
		chromedp.Click(chromedp.CSS(`#dispute-agree > summary`)),
		chromedp.SendKeys(chromedp.CSS(`#dispute-agree-terms`), "一、幸福装饰有限公司于十日内赔偿李四1200元；\n二、今后晚上八时后不再施工。"),
		chromedp.Click(chromedp.CSS(`#dispute-agree-form button[type=submit]`)),
	)
	waitLocation(t, desk, "done=dispute_agree")
	webtest.Run(t, desk, chromedp.WaitVisible(chromedp.CSS(`#mediation a[href$="/agreement"]`)))
	webtest.Screenshot(t, desk, "dispute-4-agreed")
	webtest.Accessible(t, desk, "/work/cases/{id} (agreed)")
	webtest.Run(t, desk,
		chromedp.Click(chromedp.CSS(`#mediation a[href$="/agreement"]`)),
		chromedp.WaitVisible(chromedp.CSS(`article.agreement`)),
	)
	text := webtest.Get(t, desk, chromedp.Text(chromedp.CSS(`article.agreement`)))
	for _, want := range []string{"李四", "幸福装饰有限公司", "晚上八时后不再施工", "调解员 赵调解", "调解员 钱调解"} {
		if !strings.Contains(text, want) {
			t.Errorf("the agreement lacks %q", want)
		}
	}
	webtest.Screenshot(t, desk, "dispute-5-agreement")

	// The city's period passes; a grid worker on a phone.
	clock.Advance(time.Duration(dispute.DefaultFollowUpDays+1) * 24 * time.Hour)
	// One tab throughout, its viewport changed (a tab is a browser to
	// start, and the budget is short).
	phone := desk
	webtest.Run(t, phone, viewport(360))
	webtest.SignIn(t, phone, f.URL, "worker-a")
	webtest.Run(t, phone,
		chromedp.Navigate(f.URL+"/work"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/work/disputes?queue=follow_up"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/work/disputes?queue=follow_up"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.disputes a`)),
	)
	webtest.Screenshot(t, phone, "dispute-6-follow-ups-due")
	webtest.Accessible(t, phone, "/work/disputes?queue=follow_up")
	webtest.Run(t, phone,
		chromedp.Click(chromedp.CSS(`table.disputes a`)),
		chromedp.WaitVisible(chromedp.CSS(`#dispute-follow-up > summary`)),
		chromedp.Click(chromedp.CSS(`#dispute-follow-up > summary`)),
		chromedp.Click(chromedp.CSS(`#dispute-follow-up-holds-no`)),
		chromedp.SendKeys(chromedp.CSS(`#dispute-follow-up-note`), "幸福装饰有限公司未按期赔偿，仍在夜间施工"),
	)
	webtest.Screenshot(t, phone, "dispute-7-follow-up")
	webtest.Run(t, phone, chromedp.Click(chromedp.CSS(`#dispute-follow-up-form button[type=submit]`)))
	waitLocation(t, phone, "done=dispute_follow_up")
	webtest.Run(t, phone, chromedp.WaitVisible(chromedp.CSS(`#mediation`)))
	webtest.Screenshot(t, phone, "dispute-8-reopened")
	webtest.Accessible(t, phone, "/work/cases/{id} (reopened)")
	panel := webtest.Get(t, phone, chromedp.Text(chromedp.CSS(`#mediation`)))
	for _, want := range []string{"调解中", "1 次，已重新调解", "协议未履行，重新调解", "此前的调解协议"} {
		if !strings.Contains(panel, want) {
			t.Errorf("the reopened dispute's card lacks %q", want)
		}
	}
	history := webtest.Get(t, phone, chromedp.Text(chromedp.CSS(`.case-timeline`)))
	if !strings.Contains(history, "回访发现协议未履行，退回重新调解") {
		t.Errorf("the history does not say the agreement broke")
	}

	// Back with the committee: on the mediator's list of sessions to
	// record; the case page at a wide desk.
	wide := desk
	webtest.Run(t, wide, viewport(1920))
	signOut(t, wide)
	webtest.SignIn(t, wide, f.URL, "mediator-a")
	webtest.Run(t, wide, chromedp.Navigate(f.URL+"/work/disputes?queue=sessions"), chromedp.WaitVisible(chromedp.CSS(`table.disputes a`)))
	webtest.Screenshot(t, wide, "dispute-9-back-to-mediation")
	webtest.Run(t, wide, chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.CSS(`#dispute-session`)))
	webtest.Screenshot(t, wide, "dispute-10-case")
	webtest.Accessible(t, wide, "/work/cases/{id} (mediated again)")
	// In English.
	webtest.Run(t, wide, chromedp.Navigate(casePage+"?lang=en"), chromedp.WaitVisible(chromedp.CSS(`#dispute-session`)))
	if got := webtest.Get(t, wide, chromedp.Text(chromedp.CSS(`#dispute-h`))); !strings.Contains(got, "Mediation") || !strings.Contains(got, "Being mediated") {
		t.Errorf("the mediation card in English: %q", got)
	}
	webtest.Screenshot(t, wide, "dispute-11-case-en")
	webtest.Run(t, wide, chromedp.Navigate(f.URL+"/work/disputes/new"), chromedp.WaitVisible(chromedp.CSS(`#dispute-intake-form`)))
	webtest.Screenshot(t, wide, "dispute-12-intake-en")
	webtest.Run(t, wide, chromedp.Navigate(f.URL+"/work/disputes/new?lang=zh"), chromedp.WaitVisible(chromedp.CSS(`#dispute-intake-form`)))
}

// viewport sets the tab's viewport as webtest.Browser.Tab opens one: below
// 600 px a phone (touch, device scale 2).
func viewport(width int) chromedp.Action[chromedp.Void] {
	if width < 600 {
		return chromedp.EmulateViewport(int64(width), 780, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2),
			chromedp.EmulatePortrait)
	}
	return chromedp.EmulateViewport(int64(width), 900)
}
