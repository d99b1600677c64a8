package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/httpx"
	"anju/internal/meeting"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// meetingWorld is the fixture with a clock that the tests move to a
// session's or a meeting's start, and a leader of district B (330105) who
// must find nothing of district A.
type meetingWorld struct {
	f     *webtest.Fixture
	clock *anju.FakeClock
}

func newMeetingWorld(t *testing.T, dsn string) meetingWorld {
	t.Helper()
	// The real time, so that the clients' cookies hold; moved on by hand.
	clock := anju.NewFakeClock(time.Now())
	f := webtest.New(t, dsn, webtest.Options{Clock: clock})
	addUser(t, f.DB, "leader-b", anju.Grant{Role: anju.RoleSupervisor, Region: "330105"})
	return meetingWorld{f: f, clock: clock}
}

// addUser adds a staff login with one grant and the fixture's password.
func addUser(t *testing.T, db *store.DB, login string, g anju.Grant) {
	t.Helper()
	ctx, sys := context.Background(), anju.SystemActor("t")
	hash, _ := auth.HashPassword(webtest.Password, auth.Params{Memory: 1024, Time: 1, Threads: 1})
	if _, err := db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: login, Name: login, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GrantRole(ctx, sys, login, g); err != nil {
		t.Fatal(err)
	}
}

// soon is an hour that starts within a few hours of now, as a form gives
// it in Beijing time: near enough for the clients' sessions to last until
// the clock is moved to it, and not running past midnight.
func soon(now time.Time) (day, start, end string, at time.Time) {
	at = now.Truncate(time.Hour).Add(2 * time.Hour).In(httpx.ChinaTime)
	if at.Hour() == 23 {
		at = at.Add(2 * time.Hour)
	}
	return at.Format("2006-01-02"), at.Format("15:04"), at.Add(time.Hour).Format("15:04"), at
}

var locationID = regexp.MustCompile(`^/work/(?:receptions|meetings|cases)/(\d+)`)

// idOf is the id a 303 sends to.
func idOf(t *testing.T, res webtest.Response) string {
	t.Helper()
	m := locationID.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("want 303 to a page, got %d %q: %s", res.Status, res.Location, brief(res.Body))
	}
	return m[1]
}

// want fails unless res has status and every one of parts.
func want(t *testing.T, what string, res webtest.Response, status int, parts ...string) {
	t.Helper()
	webtest.CheckPage(t, what, res)
	if res.Status != status {
		t.Fatalf("%s: %d, want %d: %s", what, res.Status, status, brief(res.Body))
	}
	for _, p := range parts {
		if !strings.Contains(res.Body, p) {
			t.Errorf("%s lacks %q: %s", what, p, brief(res.Body))
		}
	}
}

// The whole reception loop through the staff pages, without scripts: a
// leader arranges and publishes a session (refused input said on the form,
// nothing written), an operator books for a caller, the session is held and
// a case filed from the booking carries the session and the leader, who
// follows it on their own list. A leader of another district gets the 404
// page for every page and form of the session.
func TestWorkReceptionLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newMeetingWorld(t, dsn)
		ctx, sys := context.Background(), anju.SystemActor("t")
		leader := w.f.SignIn("supervisor")
		want(t, "the sessions", leader.Get("/work/receptions"), 200, `href="/work/receptions/new"`, `href="/work/receptions/mine"`)
		want(t, "the form", leader.Get("/work/receptions/new"), 200, `value="330102001"`, `value="supervisor"`)
		day, start, end, at := soon(w.clock.Now())
		form := url.Values{"leader": {"supervisor"}, "leader_title": {"第1区区长"}, "region": {"330102001"}, "place": {"第1街道便民服务中心"},
			"date": {day}, "start": {start}, "end": {end}, "topics": {"老旧小区改造\n\n停车难\n"}, "slot_minutes": {"3"}, "capacity": {"1"}}
		want(t, "a bad slot length", leader.PostForm("/work/receptions", form), 400, `id="slot_minutes-error"`, "每个时段 5 到 240 分钟",
			`value="第1街道便民服务中心"`, `aria-invalid="true"`)
		form.Set("slot_minutes", "30")
		form.Set("date", "13/05/2026")
		want(t, "a bad date", leader.PostForm("/work/receptions", form), 400, `id="date-error"`)
		form.Set("date", day)
		form.Set("leader", "worker-b") // works in district B
		want(t, "a leader of another district", leader.PostForm("/work/receptions", form), 400, `id="leader-error"`)
		if l, _ := w.f.DB.ListReceptions(ctx, sys, store.ReceptionFilter{}); len(l.Sessions) != 0 {
			t.Fatalf("refused forms wrote %d sessions", len(l.Sessions))
		}
		form.Set("leader", "supervisor")
		sid := idOf(t, leader.PostForm("/work/receptions", form))
		page := "/work/receptions/" + sid
		want(t, "the list", leader.Get("/work/receptions?state=draft"), 200, `href="`+page+`"`, "第1街道便民服务中心")
		want(t, "the draft", leader.Get(page+"?done=created"), 200, "草稿", `action="`+page+`/actions/publish"`, "老旧小区改造", "停车难")
		want(t, "publishing", leader.PostForm(page+"/actions/publish", nil), 303)
		want(t, "holding early", leader.PostForm(page+"/actions/hold", nil), 400, "接访还没到开始时间")

		// An operator books the first slot for a caller; the slot is
		// then full, and a bad phone is said on the form.
		op := w.f.SignIn("operator")
		slot := at.UTC().Format(time.RFC3339)
		booking := url.Values{"slot": {slot}, "name": {"王芳"}, "phone": {"13812345678"}, "topic": {"3号楼加装电梯的补贴"}}
		want(t, "booking", op.PostForm(page+"/bookings", booking), 303)
		want(t, "a full slot", op.PostForm(page+"/bookings", booking), 409, "刚刚约满", `value="王芳"`)
		bad := url.Values{"slot": {at.Add(30 * time.Minute).UTC().Format(time.RFC3339)}, "name": {"李雷"}, "phone": {"12"}, "topic": {"路灯"}}
		want(t, "a bad phone", op.PostForm(page+"/bookings", bad), 400, `id="book-phone-error"`, `value="李雷"`)
		res := leader.Get(page)
		want(t, "the session", res, 200, "王**", "138****5678", "3号楼加装电梯的补贴")
		if strings.Contains(res.Body, "13812345678") || strings.Contains(res.Body, "王芳") {
			t.Errorf("the session page shows the resident unmasked")
		}
		s, _ := w.f.DB.GetReception(ctx, sys, int64(atoi(sid)))
		if len(s.Bookings) != 1 {
			t.Fatalf("bookings: %+v", s.Bookings)
		}
		bid := itoa(s.Bookings[0].ID)

		// Another district's leader: the 404 page, whatever the page or form.
		other := w.f.SignIn("leader-b")
		for _, p := range []string{page, page + "/cases/new?booking=" + bid} {
			want(t, "leader-b GET "+p, other.Get(p), 404)
		}
		for _, p := range []string{page + "/actions/hold", page + "/actions/cancel", page + "/bookings", page + "/cases"} {
			want(t, "leader-b POST "+p, other.PostForm(p, url.Values{"slot": {slot}, "name": {"李雷"}, "phone": {"13812345678"},
				"topic": {"x"}, "text": {"x"}, "category": {"0101"}, "grid": {"330102001001001"}, "booking": {bid}}), 404)
		}
		if res := other.Get("/work/receptions"); strings.Contains(res.Body, "第1街道便民服务中心") {
			t.Errorf("leader-b lists district A's session")
		}

		// The session starts; a case is filed from the booking.
		w.clock.Set(at.Add(5 * time.Minute))
		want(t, "holding", leader.PostForm(page+"/actions/hold", nil), 303)
		want(t, "the case form", leader.Get(page+"/cases/new?booking="+bid), 200, "3号楼加装电梯的补贴</textarea>", `value="330102001001002"`)
		want(t, "a booking of no session", leader.Get(page+"/cases/new?booking=999999"), 404)
		filing := url.Values{"booking": {bid}, "title": {"3号楼加装电梯"}, "text": {"3号楼居民想加装电梯，问补贴怎么申请"},
			"category": {"9999"}, "grid": {"330102001001001"}}
		want(t, "an unknown category", leader.PostForm(page+"/cases", filing), 400, `id="category-error"`, "3号楼居民想加装电梯")
		filing.Set("category", "0101")
		filing.Set("grid", "330105001001001") // district B
		want(t, "a grid outside the session", leader.PostForm(page+"/cases", filing), 400, `id="grid-error"`)
		if s, _ := w.f.DB.GetReception(ctx, sys, int64(atoi(sid))); len(s.Cases) != 0 {
			t.Fatalf("refused filings wrote %d cases", len(s.Cases))
		}
		filing.Set("grid", "330102001001001")
		cid := idOf(t, leader.PostForm(page+"/cases", filing))
		want(t, "the case", leader.Get("/work/cases/"+cid), 200, `href="/work/receptions/`+sid+`"`, "supervisor（第1区区长）接访受理",
			"由 supervisor 跟踪至办结")
		want(t, "the same booking again", leader.PostForm(page+"/cases", filing), 409, "这个预约已经立过案了")
		want(t, "the session with its case", leader.Get(page), 200, `href="/work/cases/`+cid+`"`, "3号楼加装电梯")
		want(t, "the leader's list", leader.Get("/work/receptions/mine"), 200, `href="/work/cases/`+cid+`"`, `href="/work/receptions/`+sid+`"`)
		if res := other.Get("/work/receptions/mine"); res.Status != 200 || strings.Contains(res.Body, `href="/work/cases/`+cid+`"`) {
			t.Errorf("leader-b's list: %d %s", res.Status, brief(res.Body))
		}
		want(t, "a bad key", leader.Get("/work/receptions/mine?before=x"), 400)
		want(t, "a bad state", leader.Get("/work/receptions?state=lost"), 400, `id="f-state-error"`)
		want(t, "closing", leader.PostForm(page+"/actions/close", nil), 303)
		want(t, "an unknown action", leader.PostForm(page+"/actions/bless", nil), 404)
		// Handlers arrange nothing.
		want(t, "a handler's form", w.f.SignIn("handler-a").Get("/work/receptions/new"), 403)
	})
}

// The meeting loop through the staff pages: a grid worker publishes a
// meeting, a resident proposes a topic on the portal, the worker puts it on
// the agenda, marks the meeting held, records the minutes and a decision,
// which becomes a case shown with its state on the meeting's page and with
// its origin on its own. Refused input is said on the form; another
// district's staff get the 404 page.
func TestWorkMeetingLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newMeetingWorld(t, dsn)
		ctx, sys := context.Background(), anju.SystemActor("t")
		wa := w.f.SignIn("worker-a")
		want(t, "the meetings", wa.Get("/work/meetings"), 200, `href="/work/meetings/new"`)
		want(t, "the form", wa.Get("/work/meetings/new"), 200, `value="330102001001"`)
		day, start, end, at := soon(w.clock.Now())
		form := url.Values{"community": {"330102001001"}, "title": {"第1社区民情恳谈会"}, "place": {"社区议事厅"},
			"date": {day}, "start": {start}, "end": {end}, "topics": {" \n"}}
		want(t, "no topics", wa.PostForm("/work/meetings", form), 400, `id="topics-error"`, `value="社区议事厅"`)
		form.Set("topics", "电动车充电棚")
		form.Set("community", "330105001001")
		want(t, "another district's community", wa.PostForm("/work/meetings", form), 400, `id="community-error"`)
		if l, _ := w.f.DB.ListMeetings(ctx, sys, store.MeetingFilter{}); len(l.Meetings) != 0 {
			t.Fatalf("refused forms wrote %d meetings", len(l.Meetings))
		}
		form.Set("community", "330102001001")
		mid := idOf(t, wa.PostForm("/work/meetings", form))
		page := "/work/meetings/" + mid
		want(t, "the list", wa.Get("/work/meetings?state=scheduled"), 200, `href="`+page+`"`, "第1社区民情恳谈会")

		// A resident proposes on the portal.
		want(t, "the portal", w.f.Anonymous().Get("/receptions"), 200, "第1社区民情恳谈会")
		want(t, "a proposal", w.f.Anonymous().PostForm("/meetings/"+mid+"/propose", url.Values{"text": {"楼道堆物清理"}}), 200)
		m, _ := w.f.DB.GetMeeting(ctx, sys, int64(atoi(mid)))
		if len(m.Proposals) != 1 {
			t.Fatalf("proposals: %+v", m.Proposals)
		}
		pid := itoa(m.Proposals[0].ID)
		want(t, "the meeting", wa.Get(page), 200, "楼道堆物清理", "待审核", `action="`+page+`/proposals/`+pid+`/accept"`)

		other := w.f.SignIn("worker-b")
		want(t, "worker-b reads", other.Get(page), 404)
		for _, p := range []string{page + "/proposals/" + pid + "/accept", page + "/actions/hold", page + "/actions/cancel", page + "/minutes", page + "/decisions"} {
			want(t, "worker-b POST "+p, other.PostForm(p, url.Values{"text": {"x"}, "attendees": {"3"}, "category": {"0101"}}), 404)
		}

		want(t, "accepting", wa.PostForm(page+"/proposals/"+pid+"/accept", nil), 303)
		want(t, "accepting twice", wa.PostForm(page+"/proposals/"+pid+"/accept", nil), 409, "已经审核过")
		want(t, "minutes before it was held", wa.PostForm(page+"/minutes", url.Values{"text": {"议定"}, "attendees": {"20"}}), 409, "会议还没召开")
		want(t, "holding early", wa.PostForm(page+"/actions/hold", nil), 400, "会议还没到开始时间")
		w.clock.Set(at.Add(30 * time.Minute))
		want(t, "holding", wa.PostForm(page+"/actions/hold", nil), 303)
		want(t, "no attendees", wa.PostForm(page+"/minutes", url.Values{"text": {"议定建充电棚"}, "attendees": {"0"}}), 400,
			`id="minutes-attendees-error"`, "议定建充电棚</textarea>")
		want(t, "minutes", wa.PostForm(page+"/minutes", url.Values{"text": {"到会居民议定：在3号楼旁建电动车充电棚。"}, "attendees": {"23"}}), 303)
		want(t, "a decision without category", wa.PostForm(page+"/decisions", url.Values{"text": {"建充电棚"}}), 400,
			`id="decision-category-error"`, "建充电棚</textarea>")
		want(t, "a decision", wa.PostForm(page+"/decisions", url.Values{"text": {"在3号楼旁建电动车充电棚"}, "category": {"0101"},
			"grid": {"330102001001002"}}), 303)
		m, _ = w.f.DB.GetMeeting(ctx, sys, int64(atoi(mid)))
		if len(m.Decisions) != 1 || m.Decisions[0].Case.Grid.Code != "330102001001002" {
			t.Fatalf("decisions: %+v", m.Decisions)
		}
		cid := itoa(m.Decisions[0].Case.ID)
		want(t, "the minuted meeting", wa.Get(page), 200, "到会居民议定", "已列入议程", `href="/work/cases/`+cid+`"`, "在3号楼旁建电动车充电棚",
			"待受理")
		want(t, "the decision's case", wa.Get("/work/cases/"+cid), 200, `href="/work/meetings/`+mid+`"`, "社区议事会“第1社区民情恳谈会”议定")
		want(t, "an unknown verdict", wa.PostForm(page+"/proposals/"+pid+"/bless", nil), 404)
		if _, err := w.f.DB.ActOnMeeting(ctx, sys, int64(atoi(mid)), meeting.ActionCancel); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("cancelling a minuted meeting: %v", err)
		}
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// The scope matrix of the session and meeting pages: every route of
// routes.go about one session or meeting (read from the file, so that a
// route added there is held to this too), GET or POST, answers district
// A's staff with the 404 page for district B's session, meeting and
// proposal, as the API does; the city's staff reach them.
func TestMeetingPagesScope(t *testing.T) {
	f := webtest.New(t, "sqlite:"+t.TempDir()+"/anju.db")
	ctx, sys := context.Background(), anju.SystemActor("t")
	start := f.DB.Now().Add(48 * time.Hour).Truncate(time.Hour)
	s, err := f.DB.CreateReception(ctx, sys, meeting.Session{Leader: "worker-b", LeaderTitle: "网格长", Region: "330105001", Place: "第2街道",
		Start: start, End: start.Add(time.Hour), Topics: []string{"停车"}, SlotMinutes: 30, Capacity: 2})
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.DB.CreateMeeting(ctx, sys, meeting.Meeting{Community: "330105001001", Title: "第2社区议事会", Place: "议事厅",
		Start: start, End: start.Add(time.Hour), Topics: []string{"路灯"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.DB.ProposeTopic(ctx, sys, m.ID, meeting.Proposal{Text: "楼道灯"})
	if err != nil {
		t.Fatal(err)
	}
	fill := strings.NewReplacer("{proposal}", itoa(p.ID), "{action}", "cancel")
	form := url.Values{"slot": {start.UTC().Format(time.RFC3339)}, "name": {"李雷"}, "phone": {"13812345678"}, "topic": {"x"},
		"text": {"x"}, "category": {"0101"}, "attendees": {"3"}}
	n := 0
	for _, login := range []string{"dispatcher-a", "worker-a", "admin-a"} {
		c := f.SignIn(login)
		for _, rt := range pageRoutes(t) {
			var path string
			switch {
			case strings.HasPrefix(rt.path, "/work/receptions/{id}"):
				path = strings.Replace(rt.path, "{id}", itoa(s.ID), 1)
			case strings.HasPrefix(rt.path, "/work/meetings/{id}"):
				path = strings.Replace(rt.path, "{id}", itoa(m.ID), 1)
			default:
				continue
			}
			path = fill.Replace(path)
			var res webtest.Response
			if rt.method == "GET" {
				res = c.Get(path)
			} else {
				res = c.PostForm(path, form)
			}
			n++
			if res.Status != http.StatusNotFound {
				t.Errorf("%s: %s %s = %d, want the 404 page", login, rt.method, path, res.Status)
			}
		}
	}
	if n < 3*10 {
		t.Fatalf("only %d requests: have the routes changed form?", n)
	}
	city := f.SignIn("dispatcher")
	for _, path := range []string{"/work/receptions/" + itoa(s.ID), "/work/meetings/" + itoa(m.ID)} {
		want(t, "dispatcher "+path, city.Get(path), 200)
	}
	// Nothing was written by the refused forms.
	got, _ := f.DB.GetMeeting(ctx, sys, m.ID)
	if got.State != meeting.Scheduled || got.Proposals[0].State != meeting.ProposalPending {
		t.Errorf("district B's meeting moved: %s %s", got.State, got.Proposals[0].State)
	}
	if got, _ := f.DB.GetReception(ctx, sys, s.ID); got.State != meeting.SessionDraft || len(got.Bookings) != 0 {
		t.Errorf("district B's session moved: %s %d bookings", got.State, len(got.Bookings))
	}
}
