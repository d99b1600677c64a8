package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/dispute"
	"anju/internal/httpx"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// disputeForm is the intake form of a neighbours' dispute in street A's
// first grid, with two parties.
func disputeForm() url.Values {
	return url.Values{"file": {"1"}, "type": {"neighbour"}, "category": {"1101"}, "people": {"2"}, "amount": {"1200"},
		"text": {"楼上连续三周夜间装修，协商无果"}, "title": {"楼上装修噪声"}, "grid": {"330102001001001"},
		"party_role": {"applicant", "respondent"}, "party_kind": {"person", "person"},
		"party_name": {"李四", "王五"}, "party_phone": {"13912345678", "13698765432"}, "party_id_number": {"", ""}}
}

var caseLocation = regexp.MustCompile(`^/work/cases/(\d+)$`)

// fileDisputeAs files disputeForm (edited) through the page and returns the
// new case's id.
func fileDisputeAs(t *testing.T, c *webtest.Client, form url.Values) int64 {
	t.Helper()
	return fileOnPage(t, c, "/work/disputes/new", form)
}

// fileOnPage files form through the intake page at path and returns the new
// case's id.
func fileOnPage(t *testing.T, c *webtest.Client, path string, form url.Values) int64 {
	t.Helper()
	res := c.PostForm(path, form)
	m := caseLocation.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("filing: %d %q %s", res.Status, res.Location, brief(res.Body))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// partyIDsOn reads the parties' ids off a form of the case page.
func partyIDsOn(body, name string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`name="`+name+`" value="(\d+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestDisputeWorkbench: a mediator files a dispute with its parties on the
// page, finds it on his queues, records a session and an agreement through
// the case page's forms (refusals said in the form, nothing written), and a
// grid worker finds the follow-up due once the city's period has passed and
// records it broken; another street's worker sees none of it.
func TestDisputeWorkbench(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		// The store's clock, moved on to when the follow-up falls due;
		// sign-ins follow the real one.
		now := time.Now()
		clock := anju.NewFakeClock(now)
		f := webtest.New(t, dsn, webtest.Options{Clock: clock})
		withMediation(t, f)
		med := f.SignIn("mediator-a")

		// The intake: refusals name their field, a blank party row is
		// left out, the mediator's committee takes it at once.
		form := disputeForm()
		form.Set("type", "feud")
		res := med.PostForm("/work/disputes/new", form)
		if res.Status != 400 || !strings.Contains(res.Body, "请选择纠纷类型") || !strings.Contains(res.Body, `id="type" name="type" required aria-invalid="true"`) {
			t.Errorf("unknown type: %d %s", res.Status, brief(res.Body))
		}
		form = disputeForm()
		form["party_phone"] = []string{"13912345678", "123"}
		if res := med.PostForm("/work/disputes/new", form); res.Status != 400 || !strings.Contains(res.Body, `id="party-phone-1-error"`) ||
			!strings.Contains(res.Body, "楼上连续三周夜间装修") {
			t.Errorf("a bad phone: %d %s", res.Status, brief(res.Body))
		}
		form = disputeForm()
		form["party_role"] = []string{"applicant", "applicant"}
		if res := med.PostForm("/work/disputes/new", form); res.Status != 400 || !strings.Contains(res.Body, "至少包括一名申请人和一名被申请人") &&
			!strings.Contains(res.Body, "parties-error") {
			t.Errorf("no respondent: %d %s", res.Status, brief(res.Body))
		}
		// Another party row, then a search for the place: the form comes
		// back with what was typed.
		form = disputeForm()
		form.Del("file")
		form.Set("add_party", "1")
		if res := med.PostForm("/work/disputes/new", form); res.Status != 200 || strings.Count(res.Body, `name="party_name"`) != 3 {
			t.Errorf("add a party: %d, %d rows", res.Status, strings.Count(res.Body, `name="party_name"`))
		}
		form = disputeForm()
		form.Del("file")
		form.Set("place_q", "第1社区")
		if res := med.PostForm("/work/disputes/new", form); res.Status != 200 || !strings.Contains(res.Body, `name="pick_place" value="330102001001001"`) {
			t.Errorf("place search: %d %s", res.Status, brief(res.Body))
		}
		var n int
		f.DB.SQL().QueryRow(`SELECT COUNT(*) FROM cases`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d cases after refusals", n)
		}
		form = disputeForm()
		form["party_role"] = append(form["party_role"], "respondent")
		form["party_kind"] = append(form["party_kind"], "person")
		form["party_name"] = append(form["party_name"], "")
		form["party_phone"] = append(form["party_phone"], "")
		form["party_id_number"] = append(form["party_id_number"], "")
		id := fileDisputeAs(t, med, form)
		page := med.Get("/work/cases/" + itoa(id))
		if page.Status != 200 {
			t.Fatalf("case page: %d", page.Status)
		}
		for _, want := range []string{"矛盾纠纷调解", "调解中", "李**", "139****5678", "记录调解会", "达成调解协议", "未达成协议，引导至其他渠道"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the mediator's case page lacks %q", want)
			}
		}
		if strings.Contains(page.Body, "李四") || strings.Contains(page.Body, `data-action="resolve"`) {
			t.Errorf("the case page shows a party in clear, or the workflow's resolve")
		}
		parties := partyIDsOn(page.Body, "attended")
		if len(parties) != 2 {
			t.Fatalf("parties on the session form: %v", parties)
		}

		// The queues on the workbench and their page.
		work := med.Get("/work")
		if !strings.Contains(work.Body, `href="/work/disputes?queue=sessions">待记录调解会 <span class="count">1</span>`) {
			t.Errorf("the workbench's dispute queues: %s", brief(work.Body))
		}
		if l := med.Get("/work/disputes?queue=sessions"); l.Status != 200 || !strings.Contains(l.Body, `href="/work/cases/`+itoa(id)+`#mediation"`) {
			t.Errorf("sessions to record: %d %s", l.Status, brief(l.Body))
		}
		if l := med.Get("/work/disputes?queue=follow_up"); l.Status != 400 || !strings.Contains(l.Body, "没有这个纠纷队列") {
			t.Errorf("a queue the mediator does not see: %d", l.Status)
		}

		// A session: in the future it is refused, in the form (for htmx,
		// the form alone), and nothing is written.
		base := "/work/disputes/" + itoa(id)
		local := func(t time.Time) string { return t.In(httpx.ChinaTime).Format("2006-01-02T15:04") }
		session := url.Values{"held_at": {local(now.Add(72 * time.Hour))}, "place": {"第1社区调解室"}, "mediators": {"赵调解、钱调解"},
			"attended": parties, "notes": {"双方陈述"}}
		res = med.PostForm(base+"/sessions", session)
		if res.Status != 400 || !strings.Contains(res.Body, "不能晚于现在") || !strings.Contains(res.Body, `<details class="action" id="dispute-session" open>`) ||
			!strings.Contains(res.Body, "第1社区调解室") {
			t.Errorf("a session in the future: %d %s", res.Status, brief(res.Body))
		}
		req, _ := http.NewRequest("POST", f.URL+base+"/sessions", strings.NewReader(withCSRF(med, session).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		res = med.Do(req)
		if res.Status != 400 || !strings.HasPrefix(strings.TrimSpace(res.Body), `<form method="post" action="`+base+`/sessions"`) ||
			strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `aria-invalid="true"`) {
			t.Errorf("htmx: a session in the future: %d %s", res.Status, brief(res.Body))
		}
		held := now.Add(-30 * time.Minute)
		session.Set("held_at", local(held))
		if res := med.PostForm(base+"/sessions", session); res.Status != 303 || res.Location != "/work/cases/"+itoa(id)+"?done=dispute_session" {
			t.Fatalf("a session: %d %q %s", res.Status, res.Location, brief(res.Body))
		}
		page = med.Get("/work/cases/" + itoa(id) + "?done=dispute_session")
		if !strings.Contains(page.Body, "已记录调解会。") || !strings.Contains(page.Body, "赵调解、钱调解") || !strings.Contains(page.Body, held.In(httpx.ChinaTime).Format("2006-01-02 15:04")) {
			t.Errorf("after the session: %s", brief(page.Body))
		}

		// The agreement: nobody to sign is refused in the form.
		agree := url.Values{"agreement": {"1"}, "terms": {"王五于十日内赔偿李四1200元"}}
		if res := med.PostForm(base+"/outcome", agree); res.Status != 400 || !strings.Contains(res.Body, "请勾选签署协议的当事人") {
			t.Errorf("an agreement without parties: %d %s", res.Status, brief(res.Body))
		}
		agree["parties"] = parties
		if res := med.PostForm(base+"/outcome", agree); res.Status != 303 {
			t.Fatalf("the agreement: %d %s", res.Status, brief(res.Body))
		}
		page = med.Get("/work/cases/" + itoa(id))
		if !strings.Contains(page.Body, "已达成协议，待回访") || !strings.Contains(page.Body, `href="/work/disputes/`+itoa(id)+`/agreement"`) ||
			!strings.Contains(page.Body, dispute.FollowUpDue(now, dispute.DefaultFollowUpDays, httpx.ChinaTime).Format("2006-01-02")) {
			t.Errorf("after the agreement: %s", brief(page.Body))
		}

		// The grid worker: nothing due yet; after the city's period the
		// visit, which finds the agreement broken.
		worker := f.SignIn("worker-a")
		if !strings.Contains(worker.Get("/work").Body, `待回访 <span class="count">0</span>`) {
			t.Errorf("a follow-up due before its time")
		}
		clock.Advance(31 * 24 * time.Hour)
		worker = f.SignIn("worker-a")
		if l := worker.Get("/work/disputes?queue=follow_up"); !strings.Contains(l.Body, `href="/work/cases/`+itoa(id)+`#mediation"`) {
			t.Errorf("follow-ups due: %s", brief(l.Body))
		}
		if res := worker.PostForm(base+"/follow-up", url.Values{"holds": {"no"}}); res.Status != 400 || !strings.Contains(res.Body, "说明哪些条款没有履行") {
			t.Errorf("broken without a note: %d %s", res.Status, brief(res.Body))
		}
		if res := worker.PostForm(base+"/follow-up", url.Values{"holds": {"no"}, "note": {"王五未按期付款"}}); res.Status != 303 {
			t.Fatalf("the visit: %d %s", res.Status, brief(res.Body))
		}
		page = worker.Get("/work/cases/" + itoa(id))
		for _, want := range []string{"调解中", "1 次，已重新调解", "回访发现协议未履行，退回重新调解", "此前的调解协议"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("after the broken agreement, the page lacks %q", want)
			}
		}

		// Street B's worker: 404 for the page and every step.
		other := f.SignIn("worker-b")
		if res := other.Get("/work/cases/" + itoa(id)); res.Status != 404 {
			t.Errorf("worker B reads it: %d", res.Status)
		}
		for _, step := range []string{"sessions", "outcome", "referral", "follow-up"} {
			if res := other.PostForm(base+"/"+step, url.Values{"holds": {"yes"}}); res.Status != 404 {
				t.Errorf("worker B posts %s: %d", step, res.Status)
			}
		}
		if res := f.SignIn("mediator-a").PostForm(base+"/shrug", url.Values{}); res.Status != 404 {
			t.Errorf("an unknown step: %d", res.Status)
		}
		if l := other.Get("/work/disputes"); strings.Contains(l.Body, "楼上装修噪声") {
			t.Errorf("worker B lists it")
		}
	})
}

// TestDisputeReferFromCase: a case's page offers to refer it to mediation;
// the intake starts from its text and place, and the case notes it.
func TestDisputeReferFromCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		withMediation(t, w.Fixture)
		c := w.create(newReport("楼上漏水"))
		op := w.SignIn("operator")
		if page := op.Get("/work/cases/" + itoa(c.ID)); !strings.Contains(page.Body, `href="/work/disputes/new?from=`+itoa(c.ID)+`"`) {
			t.Errorf("no referral link: %s", brief(page.Body))
		}
		intake := op.Get("/work/disputes/new?from=" + itoa(c.ID))
		if intake.Status != 200 || !strings.Contains(intake.Body, "小区门口的路灯已经坏了三天") || !strings.Contains(intake.Body, `name="from_case" value="`+itoa(c.ID)+`"`) {
			t.Errorf("the intake from a case: %d %s", intake.Status, brief(intake.Body))
		}
		form := disputeForm()
		form.Set("from_case", itoa(c.ID))
		id := fileDisputeAs(t, op, form)
		if page := op.Get("/work/cases/" + itoa(id)); !strings.Contains(page.Body, `<a href="/work/cases/`+itoa(c.ID)+`">`) {
			t.Errorf("the dispute does not link its source")
		}
		if page := op.Get("/work/cases/" + itoa(c.ID)); !strings.Contains(page.Body, "转为矛盾纠纷调解：案件") {
			t.Errorf("the source case does not note the referral")
		}
		// Street B's worker may not start from street A's case.
		if res := w.SignIn("worker-b").Get("/work/disputes/new?from=" + itoa(c.ID)); res.Status != 404 {
			t.Errorf("worker B from street A's case: %d", res.Status)
		}
		// A handler files no disputes.
		if res := w.SignIn("handler-a").Get("/work/disputes/new"); res.Status != 403 {
			t.Errorf("a handler's intake: %d", res.Status)
		}
	})
}

// withCSRF is form with the client's CSRF token, for a request built by
// hand.
func withCSRF(c *webtest.Client, form url.Values) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set("csrf", c.CSRF())
	return out
}
