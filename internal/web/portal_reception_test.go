package web_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/meeting"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// publishReception publishes a session of street A, led by the city's
// supervisor, with one seat per slot, and schedules a meeting of community
// A; it returns both.
func publishReception(t *testing.T, db *store.DB) (store.ReceptionSession, store.Meeting) {
	t.Helper()
	ctx := context.Background()
	sys := anju.SystemActor("t")
	start := db.Now().Add(48 * time.Hour).Truncate(time.Hour)
	s, err := db.CreateReception(ctx, sys, meeting.Session{Leader: "supervisor", LeaderTitle: "第1区区长", Region: "330102001",
		Place: "第1街道便民服务中心", Start: start, End: start.Add(time.Hour), Topics: []string{"老旧小区改造", "停车难"}, SlotMinutes: 30, Capacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s, err = db.ActOnReception(ctx, sys, s.ID, meeting.SessionPublish); err != nil {
		t.Fatal(err)
	}
	m, err := db.CreateMeeting(ctx, sys, meeting.Meeting{Community: "330102001001", Title: "第1社区民情恳谈会", Place: "社区议事厅",
		Start: start.Add(24 * time.Hour), End: start.Add(26 * time.Hour), Topics: []string{"电动车充电棚"}})
	if err != nil {
		t.Fatal(err)
	}
	return s, m
}

func TestPortalReception(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		s, m := publishReception(t, f.DB)
		c := f.Anonymous()
		res := c.Get("/receptions")
		webtest.CheckPage(t, "/receptions", res)
		if res.Status != 200 || !strings.Contains(res.Body, "第1区区长") || !strings.Contains(res.Body, "第1街道便民服务中心") ||
			!strings.Contains(res.Body, "第1社区民情恳谈会") || strings.Contains(res.Body, ">supervisor<") {
			t.Fatalf("reception page: %d %s", res.Status, res.Body)
		}
		slot := s.SlotList[0].Start.UTC().Format(time.RFC3339)
		path := "/receptions/" + itoa(s.ID) + "/book"
		form := url.Values{"slot": {slot}, "name": {"王芳"}, "phone": {"13812345678"}, "topic": {"加装电梯补贴怎么申请"}}
		res = c.PostForm(path, form)
		webtest.CheckPage(t, path, res)
		code := regexp.MustCompile(`class="code">([2-9A-Z]{12})<`).FindStringSubmatch(res.Body)
		if res.Status != 200 || code == nil || strings.Contains(res.Body, "13812345678") || !strings.Contains(res.Body, "138****5678") {
			t.Fatalf("booking: %d %s", res.Status, res.Body)
		}
		got, _ := f.DB.GetReception(context.Background(), anju.SystemActor("t"), s.ID)
		if len(got.Bookings) != 1 || got.Bookings[0].Code != code[1] || got.Bookings[0].BookedBy != "public:web" {
			t.Fatalf("stored booking: %+v", got.Bookings)
		}
		// The same slot again: full, 409, and the form is kept.
		res = c.PostForm(path, form)
		if res.Status != http.StatusConflict || !strings.Contains(res.Body, "刚刚约满") {
			t.Fatalf("full slot: %d", res.Status)
		}
		// A bad phone: 400, the field named, what was typed kept.
		bad := url.Values{"slot": {s.SlotList[1].Start.UTC().Format(time.RFC3339)}, "name": {"李雷"}, "phone": {"12"}, "topic": {"路灯"}}
		res = c.PostForm(path, bad)
		webtest.CheckPage(t, path, res)
		if res.Status != 400 || !strings.Contains(res.Body, `id="session-`+itoa(s.ID)+`-phone-error"`) || !strings.Contains(res.Body, `value="李雷"`) {
			t.Fatalf("bad phone: %d %s", res.Status, res.Body)
		}
		// The honeypot and an unknown session.
		trap := url.Values{"slot": {slot}, "name": {"x"}, "phone": {"13812345678"}, "topic": {"x"}, "website": {"http://spam"}}
		if res := c.PostForm(path, trap); res.Status != 400 {
			t.Errorf("honeypot: %d", res.Status)
		}
		if res := c.PostForm("/receptions/999/book", form); res.Status != 404 {
			t.Errorf("unknown session: %d", res.Status)
		}
		// A proposal for the meeting, pending moderation.
		mpath := "/meetings/" + itoa(m.ID) + "/propose"
		res = c.PostForm(mpath, url.Values{"text": {"楼道堆物清理"}})
		webtest.CheckPage(t, mpath, res)
		if res.Status != 200 || !strings.Contains(res.Body, "楼道堆物清理") {
			t.Fatalf("proposal: %d %s", res.Status, res.Body)
		}
		if res := c.PostForm(mpath, url.Values{"text": {" "}}); res.Status != 400 || !strings.Contains(res.Body, "meeting-"+itoa(m.ID)+"-text-error") {
			t.Errorf("empty proposal: %d", res.Status)
		}
		mm, _ := f.DB.GetMeeting(context.Background(), anju.SystemActor("t"), m.ID)
		if len(mm.Proposals) != 1 || mm.Proposals[0].State != meeting.ProposalPending {
			t.Fatalf("stored proposals: %+v", mm.Proposals)
		}
		// In English.
		c.Lang = "en"
		if res := c.Get("/receptions"); !strings.Contains(res.Body, "Reception sessions") {
			t.Errorf("English page: %s", res.Body)
		}
	})
}

// TestPortalReceptionLimited: bookings and proposals count against the
// portal's per-address limit, as reports do.
func TestPortalReceptionLimited(t *testing.T) {
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"), webtest.Options{ReportLimit: auth.NewRateLimit(2, time.Minute, time.Hour)})
	s, m := publishReception(t, f.DB)
	c := f.Anonymous()
	for i, want := range []int{200, 200, http.StatusTooManyRequests} {
		var res webtest.Response
		if i == 1 {
			res = c.PostForm("/receptions/"+itoa(s.ID)+"/book", url.Values{"slot": {s.SlotList[0].Start.UTC().Format(time.RFC3339)},
				"name": {"王芳"}, "phone": {"13812345678"}, "topic": {"x"}})
		} else {
			res = c.PostForm("/meetings/"+itoa(m.ID)+"/propose", url.Values{"text": {"议题"}})
		}
		if res.Status != want {
			t.Fatalf("post %d: %d, want %d", i, res.Status, want)
		}
	}
}

// TestBrowserReception: the reception page passes axe at every width, and
// a resident books a slot and gets the receipt, which passes too.
func TestBrowserReception(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	publishReception(t, f.DB)
	for i, w := range webtest.Widths {
		ctx := b.Tab(w)
		webtest.Run(t, ctx, chromedp.Navigate(f.URL+"/receptions"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
		webtest.Screenshot(t, ctx, "portal-reception")
		webtest.Accessible(t, ctx, "/receptions")
		if i > 0 {
			continue // one booking is enough; every width is checked above
		}
		webtest.Run(t, ctx,
			chromedp.SetValue(chromedp.CSS(`section[id^="session-"] [name=name]`), "王芳"),
			chromedp.SetValue(chromedp.CSS(`section[id^="session-"] [name=phone]`), "13812345678"),
			chromedp.SetValue(chromedp.CSS(`section[id^="session-"] [name=topic]`), "加装电梯"),
			chromedp.Click(chromedp.CSS(`section[id^="session-"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.receipt .code`)),
		)
		webtest.Screenshot(t, ctx, "portal-reception-booked")
		webtest.Accessible(t, ctx, "/receptions/{id}/book")
	}
}
