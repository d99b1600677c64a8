package web_test

import (
	"context"
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

// TestBrowserReceptionAndMeeting follows a reception day and a community
// meeting in Chromium, as issue 12 tells them: a leader arranges and
// publishes a session; a grid worker publishes the community's meeting; a
// resident on a phone books a slot and proposes a topic on the portal; when
// the session starts the leader files a case from the booking and finds it
// on their own list; the worker puts the topic on the agenda, marks the
// meeting held, records the minutes and a decision that becomes a case,
// listed with its state on the meeting's page. Each page is seen at 360,
// 1280 and 1920 px and checked with axe.
func TestBrowserReceptionAndMeeting(t *testing.T) {
	b := webtest.NewBrowser(t)
	clock := anju.NewFakeClock(time.Now())
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"), webtest.Options{Clock: clock})
	// One tab, and so one set of cookies, which the people of the story
	// take in turn; its viewport changes to see a page at each width.
	desk := b.Tab(1280)
	day, start, end, at := soon(clock.Now())
	sys := anju.SystemActor("test")

	// look shows the page at path at every width, checked with axe at the
	// desk's, and leaves the tab at the desk's width.
	look := func(path, name string) {
		t.Helper()
		for _, w := range webtest.Widths {
			webtest.Run(t, desk, viewport(w), chromedp.Navigate(f.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
			webtest.Screenshot(t, desk, name)
		}
		webtest.Run(t, desk, viewport(1280), chromedp.Navigate(f.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		webtest.Accessible(t, desk, path)
	}

	// The leader arranges the session and publishes it.
	webtest.SignIn(t, desk, f.URL, "supervisor")
	webtest.Run(t, desk,
		chromedp.Click(chromedp.CSS(`header nav a[href="/work/receptions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/work/receptions/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/work/receptions/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#leader_title`)),
		chromedp.SendKeys(chromedp.CSS(`#leader_title`), "第1区区长"),
		chromedp.SetValue(chromedp.CSS(`#region`), "330102001"),
		chromedp.SendKeys(chromedp.CSS(`#place`), "第1街道便民服务中心"),
		chromedp.SetValue(chromedp.CSS(`#date`), day),
		chromedp.SetValue(chromedp.CSS(`#start`), start),
		chromedp.SetValue(chromedp.CSS(`#end`), end),
		chromedp.SendKeys(chromedp.CSS(`#topics`), "老旧小区改造\n停车难"),
		chromedp.SetValue(chromedp.CSS(`#slot_minutes`), "30"),
	)
	webtest.Screenshot(t, desk, "reception-1-form")
	webtest.Accessible(t, desk, "/work/receptions/new")
	webtest.Run(t, desk,
		chromedp.Submit(chromedp.CSS(`#place`)),
		chromedp.WaitVisible(chromedp.CSS(`#act-publish`)),
		chromedp.Click(chromedp.CSS(`#act-publish`)),
	)
	waitLocation(t, desk, "done=published")
	sessionPage := webtest.Get(t, desk, chromedp.Location())
	sessionPage = sessionPage[len(f.URL):strings.Index(sessionPage, "?")]
	signOut(t, desk)

	// The community's grid worker publishes a meeting.
	webtest.SignIn(t, desk, f.URL, "worker-a")
	webtest.Run(t, desk,
		chromedp.Navigate(f.URL+"/work/meetings/new"),
		chromedp.WaitVisible(chromedp.CSS(`#title`)),
		chromedp.SetValue(chromedp.CSS(`#community`), "330102001001"),
		chromedp.SendKeys(chromedp.CSS(`#title`), "第1社区民情恳谈会"),
		chromedp.SendKeys(chromedp.CSS(`#place`), "社区议事厅"),
		chromedp.SetValue(chromedp.CSS(`#date`), day),
		chromedp.SetValue(chromedp.CSS(`#start`), start),
		chromedp.SetValue(chromedp.CSS(`#end`), end),
		chromedp.SendKeys(chromedp.CSS(`#topics`), "电动车充电棚选址"),
		chromedp.Submit(chromedp.CSS(`#place`)),
	)
	waitLocation(t, desk, "done=meeting_created")
	meetingPage := webtest.Get(t, desk, chromedp.Location())
	meetingPage = meetingPage[len(f.URL):strings.Index(meetingPage, "?")]
	signOut(t, desk)

	// A resident on a phone books the first slot and proposes a topic.
	phone := desk
	webtest.Run(t, phone,
		viewport(360),
		chromedp.Navigate(f.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`header nav a[href="/receptions"]`)),
		chromedp.Click(chromedp.CSS(`header nav a[href="/receptions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/book"] textarea`)),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/book"] input[name=name]`), "王芳"),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/book"] input[name=phone]`), "13812345678"),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/book"] textarea`), "3号楼想加装电梯，补贴怎么申请"),
	)
	webtest.Screenshot(t, phone, "reception-2-portal")
	webtest.Run(t, phone,
		chromedp.Click(chromedp.CSS(`form[action$="/book"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.receipt .code`)),
	)
	webtest.Screenshot(t, phone, "reception-3-booked")
	webtest.Run(t, phone,
		chromedp.Navigate(f.URL+"/receptions"),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/propose"] textarea`)),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/propose"] textarea`), "楼道堆物要清理"),
		chromedp.Click(chromedp.CSS(`form[action$="/propose"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#proposed-title`)),
		viewport(1280),
	)

	// The session starts: the leader receives, files a case from the
	// booking and finds it on their list.
	clock.Set(at.Add(10 * time.Minute))
	webtest.SignIn(t, desk, f.URL, "supervisor")
	webtest.Run(t, desk,
		chromedp.Navigate(f.URL+sessionPage),
		chromedp.WaitVisible(chromedp.CSS(`#act-hold`)),
		chromedp.Click(chromedp.CSS(`#act-hold`)),
	)
	waitLocation(t, desk, "done=held")
	look(sessionPage, "reception-4-held")
	webtest.Run(t, desk,
		chromedp.Navigate(f.URL+sessionPage),
		chromedp.WaitVisible(chromedp.CSS(`a[id^="file-"]`)),
		chromedp.Click(chromedp.CSS(`#bookings a[id^="file-"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#category`)),
		chromedp.SendKeys(chromedp.CSS(`#title`), "3号楼加装电梯补贴"),
		chromedp.SetValue(chromedp.CSS(`#category`), "0101"),
		chromedp.SetValue(chromedp.CSS(`#grid`), "330102001001001"),
	)
	if text := webtest.Get(t, desk, chromedp.Value(chromedp.CSS(`#text`))); text != "3号楼想加装电梯，补贴怎么申请" {
		t.Errorf("the case form's text is %q, want what the resident booked to raise", text)
	}
	webtest.Screenshot(t, desk, "reception-5-file")
	webtest.Accessible(t, desk, "/work/receptions/{id}/cases/new")
	webtest.Run(t, desk,
		chromedp.Click(chromedp.CSS(`#file-case`)),
		chromedp.WaitVisible(chromedp.CSS(`dd.origin`)),
	)
	if origin := webtest.Get(t, desk, chromedp.Text(chromedp.CSS(`dd.origin`))); !strings.Contains(origin, "supervisor（第1区区长）接访受理") {
		t.Errorf("the case page's origin says %q", origin)
	}
	// The case page is the workbench's own, seen at every width by its
	// own tests: here only its origin matters.
	casePath := webtest.Get(t, desk, chromedp.Location())[len(f.URL):]
	webtest.Screenshot(t, desk, "reception-6-case")
	webtest.Run(t, desk,
		chromedp.Navigate(f.URL+"/work/receptions"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/work/receptions/mine"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/work/receptions/mine"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.cases a[href="`+casePath+`"]`)),
	)
	look("/work/receptions/mine", "reception-7-mine")
	signOut(t, desk)

	// The meeting: the topic on the agenda, held, minuted, a decision.
	webtest.SignIn(t, desk, f.URL, "worker-a")
	webtest.Run(t, desk,
		chromedp.Navigate(f.URL+meetingPage),
		chromedp.WaitVisible(chromedp.CSS(`button[id^="accept-"]`)),
		chromedp.Click(chromedp.CSS(`button[id^="accept-"]`)),
	)
	waitLocation(t, desk, "done=proposal_accept")
	webtest.Run(t, desk, chromedp.WaitVisible(chromedp.CSS(`#act-hold`)), chromedp.Click(chromedp.CSS(`#act-hold`)))
	waitLocation(t, desk, "done=meeting_held")
	webtest.Run(t, desk,
		chromedp.WaitVisible(chromedp.CSS(`#minutes-text`)),
		chromedp.SendKeys(chromedp.CSS(`#minutes-text`), "到会居民23人。议定：在3号楼旁建电动车充电棚；楼道堆物由物业一周内清理。"),
		chromedp.SetValue(chromedp.CSS(`#minutes-attendees`), "23"),
		chromedp.Click(chromedp.CSS(`#record-minutes`)),
	)
	waitLocation(t, desk, "done=minuted")
	webtest.Run(t, desk,
		chromedp.WaitVisible(chromedp.CSS(`#decision-text`)),
		chromedp.SendKeys(chromedp.CSS(`#decision-text`), "在3号楼旁建电动车充电棚"),
		chromedp.SetValue(chromedp.CSS(`#decision-category`), "0101"),
		chromedp.Click(chromedp.CSS(`#record-decision`)),
	)
	waitLocation(t, desk, "done=decided")
	look(meetingPage, "meeting-1-decided")
	state := webtest.Get(t, desk, chromedp.Text(chromedp.CSS(`#decisions tbody tr td[data-label="状态"]`)))
	if state != "待受理" {
		t.Errorf("the decision's case stands as %q on the meeting's page", state)
	}
	look("/work/meetings", "meeting-2-list")

	// What the pages did is what the store holds.
	l, err := f.DB.ListCases(context.Background(), sys, store.CaseFilter{})
	if err != nil || len(l.Cases) != 2 {
		t.Fatalf("cases: %v %d", err, len(l.Cases))
	}
	for _, c := range l.Cases {
		got, err := f.DB.GetCase(context.Background(), sys, c.ID)
		if err != nil || got.Origin == nil || got.Channel != cases.ChannelReception {
			t.Errorf("case %d: %v origin %+v channel %s", c.ID, err, got.Origin, got.Channel)
		}
	}
}
