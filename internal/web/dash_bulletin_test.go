package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// bulletinWorld files, on the 10th of last month, 8 cases in district 1
// for a-street (2 resolved that day, 6 left in progress), 6 in district 2
// for b-street (5 resolved), and 1 for city-cg, resolved; none verified,
// so all are open and past their deadlines now.
type bulletinWorld struct {
	f     *webtest.Fixture
	month time.Time
}

func newBulletinWorld(t *testing.T, dsn string) *bulletinWorld {
	t.Helper()
	f := webtest.New(t, dsn)
	ctx := context.Background()
	actors := map[string]*anju.Actor{}
	for _, login := range []string{"operator", "dispatcher", "handler-a", "handler-b", "handler-cg"} {
		a, err := f.DB.Authenticate(ctx, login, webtest.Password)
		if err != nil {
			t.Fatal(err)
		}
		actors[login] = a
	}
	month := store.LastFullMonth(time.Now()).From
	db := f.DB.WithClock(anju.NewFakeClock(month.AddDate(0, 0, 9).Add(10 * time.Hour)))
	act := func(login string, id int64, a cases.Action, in cases.Input) {
		t.Helper()
		if _, err := db.Act(ctx, actors[login], id, a, store.ActionInput{Input: in}); err != nil {
			t.Fatalf("%s %s %d: %v", login, a, id, err)
		}
	}
	file := func(n, resolved int, lon float64, dept, handler string) {
		for i := range n {
			lat := 30.05
			nc := store.NewCase{Title: "井盖缺失 " + dept, Text: "路口井盖不见了", Category: "0101", Lat: &lat, Lon: &lon}
			nc.Reporter.Name, nc.Reporter.Phone = "李四", "13812341235"
			c, _, err := db.CreateCase(ctx, actors["operator"], nc, "")
			if err != nil {
				t.Fatal(err)
			}
			act("operator", c.ID, cases.ActionAccept, cases.Input{})
			act("dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: dept})
			if i < resolved {
				act(handler, c.ID, cases.ActionStart, cases.Input{})
				act(handler, c.ID, cases.ActionResolve, cases.Input{Result: "已修好"})
			}
		}
	}
	file(8, 2, 120.02, "a-street", "handler-a")
	file(6, 5, 120.12, "b-street", "handler-b")
	file(1, 1, 120.02, "city-cg", "handler-cg")
	return &bulletinWorld{f: f, month: month}
}

var rankRow = regexp.MustCompile(`<tr data-department="([a-z-]+)"><td class="num">(\d+)</td>`)

// sectionOf is the bulletin's section holding id.
func sectionOf(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `aria-labelledby="`+id+`"`)
	if i < 0 {
		t.Fatalf("no section %s\n%s", id, brief(body))
	}
	s := body[i:]
	return s[:strings.Index(s, "</section>")]
}

// GET /dash/bulletin on both engines: the month's figures and change, the
// ranking, best and worst by the stated rule, the overdue cases by
// department with the rest counted, the reader's scope, bad months.
func TestBulletin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newBulletinWorld(t, dsn)
		c := w.f.SignIn("dispatcher")
		res := c.Get("/dash/bulletin")
		if res.Status != http.StatusOK {
			t.Fatalf("GET /dash/bulletin: %d\n%s", res.Status, brief(res.Body))
		}
		webtest.CheckPage(t, "/dash/bulletin", res)
		heading := "测试市 " + w.month.Format("2006年1月") + " 城市治理工作通报"
		if !strings.Contains(res.Body, "<h1>"+heading+"</h1>") {
			t.Errorf("no heading %q", heading)
		}
		if !regexp.MustCompile(`data-figure="received"><th scope="row">[^<]+</th><td class="num">15</td><td class="num">(\+|&#43;)15</td>`).MatchString(res.Body) {
			t.Errorf("received is not 15, +15 on the month before\n%s", sectionOf(t, res.Body, "b-figures"))
		}
		var order []string
		for _, m := range rankRow.FindAllStringSubmatch(sectionOf(t, res.Body, "b-ranking"), -1) {
			order = append(order, m[1])
		}
		if strings.Join(order, " ") != "city-cg b-street a-street" {
			t.Errorf("ranking %v, want city-cg (1 of 1), b-street (5 of 6), a-street (2 of 8)", order)
		}
		perf := sectionOf(t, res.Body, "b-performers")
		best := perf[strings.Index(perf, `data-performers="best"`):strings.Index(perf, `data-performers="worst"`)]
		worst := perf[strings.Index(perf, `data-performers="worst"`):]
		if !strings.Contains(best, "第2街道办") || strings.Contains(best, "市城管局") || !strings.Contains(worst, "第1街道办") {
			t.Errorf("best and worst: the one-case department must not be named\n%s", perf)
		}
		// Open past the deadline, as the overdue pile counts them: a
		// resolved case awaiting verification too. a-street has 8, b-street
		// 6, city-cg 1.
		over := sectionOf(t, res.Body, "b-overdue")
		if n := strings.Count(over, `<a href="/work/cases/`); n != 11 {
			t.Errorf("%d overdue cases listed, want 5 + 5 + 1", n)
		}
		if !strings.Contains(over, "另有3件") || !strings.Contains(over, "另有1件") || strings.Index(over, "<caption>第1街道办</caption>") > strings.Index(over, "<caption>第2街道办</caption>") {
			t.Errorf("overdue by department, the largest pile first\n%s", over)
		}
		// Scope: district 1's dispatcher sees district 1 only; district 2
		// is no region at all to them.
		a := w.f.SignIn("dispatcher-a")
		res = a.Get("/dash/bulletin")
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "第1区 ") || strings.Contains(res.Body, "第2街道办") {
			t.Errorf("dispatcher-a's bulletin: %d, district 2 shows: %v", res.Status, strings.Contains(res.Body, "第2街道办"))
		}
		if res := a.Get("/dash/bulletin?region=330105"); res.Status != http.StatusNotFound {
			t.Errorf("a region out of reach: %d, want 404", res.Status)
		}
		// Bad months: the form's message, 400.
		for _, m := range []string{"2026-13", "nonsense", time.Now().AddDate(0, 2, 0).Format("2006-01"), "2019-01", "%3Cb%3E"} {
			res := c.Get("/dash/bulletin?month=" + m)
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `id="f-month-error"`) || strings.Contains(res.Body, "<b>") {
				t.Errorf("month %s: %d, want 400 with the month's message", m, res.Status)
			}
		}
		// The month before holds nothing, and says so.
		res = c.Get("/dash/bulletin?month=" + w.month.AddDate(0, -1, 0).Format("2006-01"))
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "本月没有部门办理案件") {
			t.Errorf("an empty month: %d", res.Status)
		}
	})
}
