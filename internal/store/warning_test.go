package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// testWarnings is a policy with small thresholds for small test data.
var testWarnings = store.WarningPolicy{SurgeWeeks: 8, SurgeSigma: 3, SurgeMinDay: 5, SurgeMinWeek: 15,
	ClusterMin: 5, ClusterWindow: 6 * time.Hour, ReopenMin: 2, OverdueMin: 5, OverdueShare: 0.5, OverdueShareMin: 3}

// report files a case through the real intake as the operator, with the
// given reporter phone ("" for an anonymous report).
func (w *caseWorld) report(t *testing.T, category, title, text string, lat, lon float64, phone string) store.Case {
	t.Helper()
	nc := store.NewCase{Title: title, Text: text, Category: category, Lat: f(lat), Lon: f(lon)}
	if phone != "" {
		nc.Reporter.Name, nc.Reporter.Phone = "居民", phone
	} else {
		nc.Reporter.Anonymous = true
	}
	c, _, err := w.db.CreateCase(context.Background(), w.actors["operator"], nc, "")
	if err != nil {
		t.Fatalf("intake %q: %v", title, err)
	}
	return c
}

func phone(i int) string { return fmt.Sprintf("139%08d", i) }

func (w *caseWorld) detect(t *testing.T) store.WarningCounts {
	t.Helper()
	n, err := w.db.DetectWarnings(context.Background(), w.clock.Now(), testWarnings)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (w *caseWorld) warnings(t *testing.T, login string, f store.WarningFilter) []store.Warning {
	t.Helper()
	l, err := w.db.ListWarnings(context.Background(), w.actors[login], f)
	if err != nil {
		t.Fatal(err)
	}
	return l.Warnings
}

func subjects(ws []store.Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Subject)
	}
	slices.Sort(out)
	return out
}

func TestWarningSurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		now := monday.Add(8 * 7 * 24 * time.Hour)
		// A steady baseline: street lights out in street A, on the same
		// weekday and hours in each of the eight weeks before.
		for i, k := range []int{2, 3, 4, 3, 2, 3, 4, 3} {
			w.clock.Set(now.Add(-time.Duration(i+1)*7*24*time.Hour - 2*time.Hour))
			for j := range k {
				w.report(t, "0203", "路灯不亮", fmt.Sprintf("幸福路%d号门口路灯不亮", j), 30.05, 120.02, phone(100*i+j))
			}
		}
		// Today as usual: no surge.
		w.clock.Set(now.Add(-time.Hour))
		for j := range 3 {
			w.report(t, "0203", "路灯不亮", fmt.Sprintf("和平路%d号路灯坏了", j), 30.05, 120.02, phone(900+j))
		}
		w.clock.Set(now)
		if n := w.detect(t); n.Total() != 0 {
			t.Fatalf("steady baseline raised %v: %v", n, subjects(w.warnings(t, "supervisor", store.WarningFilter{})))
		}
		// Nine more today in street B's category 0101 stays below the minimum
		// for anything but is unrelated; a spike of 9 more street-light
		// reports in street A is a surge of the category and of the street.
		w.clock.Set(now.Add(-30 * time.Minute))
		for j := range 9 {
			w.report(t, "0203", "路灯不亮", fmt.Sprintf("建设路%d号一排路灯都不亮", j), 30.05, 120.02, phone(950+j))
		}
		w.report(t, "0101", "道路脏", "路面很脏没人扫", 30.05, 120.12, phone(990))
		w.clock.Set(now)
		n := w.detect(t)
		got := subjects(w.warnings(t, "supervisor", store.WarningFilter{Kind: store.WarningSurge}))
		want := []string{"surge:day:category:0203", "surge:day:street:330102001"}
		if n[store.WarningSurge] != 2 || !slices.Equal(got, want) {
			t.Fatalf("spike: raised %v, warnings %v; want %v", n, got, want)
		}
		t.Logf("%s: spike of 12 against a baseline of 2–4 raised %v", w.db.Engine(), got)
		// The same pass again, an hour later: nothing new.
		w.clock.Advance(time.Hour)
		if n := w.detect(t); n.Total() != 0 {
			t.Errorf("second pass raised %v", n)
		}
		// The street's warning goes to the street: a street-A worker sees it,
		// street B's does not, and the city-wide category surge is the city's.
		// (The spike, nine reports of one problem by nine people within the
		// hour, is also a cluster.)
		if got := subjects(w.warnings(t, "worker-a", store.WarningFilter{Kind: store.WarningSurge})); !slices.Equal(got, want[1:]) {
			t.Errorf("worker-a sees %v", got)
		}
		if got := w.warnings(t, "worker-b", store.WarningFilter{}); len(got) != 0 {
			t.Errorf("worker-b sees %v", subjects(got))
		}
	})
}

// waterOutage is five residents' own words about one problem.
var waterOutage = [][2]string{
	{"小区停水一整天没有通知", "幸福家园从早上开始停水，到现在也没有通知，做饭都成问题"},
	{"幸福家园停水", "我们小区突然停水，没有任何通知，请尽快恢复供水"},
	{"停水没有通知", "幸福家园小区全天停水，老人孩子用水困难，自来水公司也不接电话"},
	{"小区没有自来水", "幸福家园今天停水到现在，没有提前通知，希望尽快恢复供水"},
	{"突然停水", "幸福家园小区突发停水，物业说不知道原因，请相关部门协调恢复供水"},
	{"停水影响生活", "幸福家园停水大半天了，洗漱做饭都没水，请尽快恢复供水"},
}

var unrelated = [][2]string{
	{"路灯不亮", "和平路路灯坏了三天，晚上很黑"},
	{"工地噪音", "建设路工地半夜施工，噪音扰民"},
	{"垃圾没人清运", "菜市场门口垃圾堆积发臭"},
	{"违章停车", "学校门口车辆乱停堵塞交通"},
	{"井盖丢失", "解放路银行门口井盖不见了"},
}

func TestWarningCluster(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		// Street B: one person reports the outage five times — no cluster.
		for i, r := range waterOutage[:5] {
			w.clock.Advance(20 * time.Minute)
			w.report(t, "0301", r[0], r[1], 30.05, 120.12+0.01*float64(i%2), phone(1))
		}
		// Street A: five people report five different problems — no cluster.
		for i, r := range unrelated {
			w.clock.Advance(10 * time.Minute)
			w.report(t, "0101", r[0], r[1], 30.05, 120.02, phone(10+i))
		}
		// Street A, anonymously: five reports, no known reporters — no cluster.
		for _, r := range waterOutage[:5] {
			w.clock.Advance(5 * time.Minute)
			w.report(t, "0301", r[0], r[1], 30.03, 120.07, "")
		}
		if n := w.detect(t); n.Total() != 0 {
			t.Fatalf("no cluster expected, raised %v: %v", n, subjects(w.warnings(t, "supervisor", store.WarningFilter{})))
		}
		// Street B, the day after: five people report the outage — but over
		// two days, not within hours — no cluster.
		for i, r := range waterOutage[:5] {
			w.clock.Advance(9 * time.Hour)
			w.report(t, "0301", r[0], r[1], 30.05, 120.12, phone(20+i))
			if n := w.detect(t); n.Total() != 0 {
				t.Fatalf("reports %d apart: raised %v", 9*time.Hour, n)
			}
		}
		// Street A: five people within two hours, in both grids — a cluster.
		w.clock.Advance(24 * time.Hour)
		for i, r := range waterOutage[:5] {
			w.clock.Advance(25 * time.Minute)
			w.report(t, "0301", r[0], r[1], 30.05, 120.02+0.03*float64(i%2), phone(30+i))
		}
		n := w.detect(t)
		ws := w.warnings(t, "supervisor", store.WarningFilter{Kind: store.WarningCluster})
		if n[store.WarningCluster] != 1 || len(ws) != 1 || ws[0].Region != "330102001" {
			t.Fatalf("cluster: raised %v, warnings %+v", n, ws)
		}
		t.Logf("%s: %s %s", w.db.Engine(), ws[0].Title, ws[0].Detail)
		// A sixth report an hour later joins the known cluster: nothing new.
		w.clock.Advance(time.Hour)
		w.report(t, "0301", waterOutage[5][0], waterOutage[5][1], 30.05, 120.03, phone(40))
		if n := w.detect(t); n.Total() != 0 {
			t.Errorf("sixth report raised %v", n)
		}
	})
}

// cycle takes an accepted case through to closure.
func (w *caseWorld) cycle(t *testing.T, id int64) {
	w.act(t, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-office"})
	w.act(t, "handler-a", id, cases.ActionStart, cases.Input{})
	w.act(t, "handler-a", id, cases.ActionResolve, cases.Input{Result: "已修复"})
	w.act(t, "worker-a", id, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
	w.act(t, "dispatcher", id, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
}

func TestWarningReopenedOverdueAndAcknowledge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		for _, s := range []store.WarningSubscription{
			{Region: "330100", Channel: "webhook", Target: "https://hooks.example/city", Secret: "0123456789abcdef"},
			{Region: "330102001", Channel: "email", Target: "street-a@example.org"},
			{Region: "330105001", Channel: "email", Target: "street-b@example.org"},
			{Department: "a-office", Channel: "email", Target: "a-office@example.org"},
		} {
			if _, err := w.db.SaveWarningSubscription(ctx, system, s); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.db.SaveWarningSubscription(ctx, w.actors["dispatcher"], store.WarningSubscription{Region: "330100",
			Channel: "email", Target: "x@example.org"}); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("a dispatcher subscribes: %v", err)
		}
		warningMail := func() int {
			var n int
			w.db.SQL().QueryRow(`SELECT COUNT(*) FROM outbox WHERE case_id IS NULL`).Scan(&n)
			return n
		}

		// Reopened once: no warning; twice: one.
		c := w.report(t, "0101", "道路脏", "幸福路路面很脏没人扫", 30.05, 120.02, phone(1))
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		w.cycle(t, c.ID)
		w.act(t, "supervisor", c.ID, cases.ActionReopen, cases.Input{Reason: "仍然很脏"})
		if n := w.detect(t); n.Total() != 0 {
			t.Fatalf("reopened once: %v", n)
		}
		w.cycle(t, c.ID)
		w.act(t, "supervisor", c.ID, cases.ActionReopen, cases.Input{Reason: "还是没扫"})
		if n := w.detect(t); n[store.WarningReopened] != 1 || n.Total() != 1 {
			t.Fatalf("reopened twice: %v", n)
		}
		// Street A's case (handled at street level, in a-office): the city,
		// the street and the department hear of it, street B does not.
		if got := warningMail(); got != 3 {
			t.Errorf("notifications for the reopened case: %d, want 3", got)
		}

		// An overdue pile: five of a-office's cases run late; b-office has
		// two late out of six.
		for i := range 5 {
			c := w.report(t, "0101", "道路脏", fmt.Sprintf("第%d条路没人扫", i), 30.05, 120.02, phone(10+i))
			w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
			w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-office"})
		}
		dispatchB := func(n int) {
			for i := range n {
				c := w.report(t, "0101", "道路脏", fmt.Sprintf("B区第%d条路没人扫", i), 30.05, 120.12, phone(20+i))
				w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
				w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "b-office"})
			}
		}
		dispatchB(2)
		w.clock.Advance(60 * 24 * time.Hour)
		dispatchB(4)
		if _, err := w.db.RunDue(ctx, store.Policy{}, 1000); err != nil {
			t.Fatal(err)
		}
		n := w.detect(t)
		pile := w.warnings(t, "supervisor", store.WarningFilter{Kind: store.WarningOverdue})
		if n[store.WarningOverdue] != 1 || len(pile) != 1 || pile[0].Department != "a-office" {
			t.Fatalf("overdue pile: raised %v, %+v", n, pile)
		}
		// (The reopened case waits for dispatch again: it is in no
		// department's pile.)
		t.Logf("%s: %s", w.db.Engine(), pile[0].Title)

		// Two processes detect at once: each warning is raised once.
		w.clock.Advance(24 * time.Hour) // a new day: the pile is still open, so not raised again
		other, err := store.Open(ctx, dsn, store.Options{Clock: w.clock})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		before := warningMail()
		c2 := w.report(t, "0101", "道路脏", "和平路没人扫", 30.05, 120.02, phone(50))
		w.act(t, "operator", c2.ID, cases.ActionAccept, cases.Input{})
		w.cycle(t, c2.ID)
		w.act(t, "supervisor", c2.ID, cases.ActionReopen, cases.Input{Reason: "没扫"})
		w.cycle(t, c2.ID)
		w.act(t, "supervisor", c2.ID, cases.ActionReopen, cases.Input{Reason: "还没扫"})
		var wg sync.WaitGroup
		counts := make([]store.WarningCounts, 4)
		for i := range counts {
			db := w.db
			if i%2 == 1 {
				db = other
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if counts[i], err = db.DetectWarnings(ctx, w.clock.Now(), testWarnings); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		total := 0
		for _, c := range counts {
			total += c.Total()
		}
		if total != 1 || warningMail()-before != 3 {
			t.Fatalf("concurrent detection raised %d (%v), notified %d", total, counts, warningMail()-before)
		}

		// Reading and acknowledging: scope and roles.
		reopened := w.warnings(t, "supervisor", store.WarningFilter{Kind: store.WarningReopened, State: "open"})
		if len(reopened) != 2 {
			t.Fatalf("open reopened warnings: %v", subjects(reopened))
		}
		id := reopened[1].ID // the first case's
		if got := w.warnings(t, "handler-a", store.WarningFilter{}); len(got) != 3 {
			t.Errorf("a-office's handler sees %v", subjects(got))
		}
		if got := w.warnings(t, "handler-b", store.WarningFilter{}); len(got) != 0 {
			t.Errorf("b-office's handler sees %v", subjects(got))
		}
		if got := w.warnings(t, "resident", store.WarningFilter{}); len(got) != 0 {
			t.Errorf("a resident sees %v", subjects(got))
		}
		if _, err := w.db.AcknowledgeWarning(ctx, w.actors["worker-b"], id, ""); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("street B acknowledges: %v", err)
		}
		if _, err := w.db.AcknowledgeWarning(ctx, w.actors["handler-a"], id, ""); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("a handler acknowledges: %v", err)
		}
		ack, err := w.db.AcknowledgeWarning(ctx, w.actors["supervisor"], id, "已安排督办")
		if err != nil || ack.AcknowledgedBy != "supervisor" || ack.AcknowledgedAt == nil {
			t.Fatalf("acknowledge: %+v %v", ack, err)
		}
		if _, err := w.db.AcknowledgeWarning(ctx, w.actors["supervisor"], id, ""); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("acknowledged twice: %v", err)
		}
		es, _ := w.db.ListAudit(ctx, w.actors["auditor-city"], store.AuditFilter{Action: "warning.acknowledge"})
		if len(es) != 1 || es[0].Actor != "supervisor" {
			t.Errorf("audit of acknowledgement: %+v", es)
		}
		es, _ = w.db.ListAudit(ctx, w.actors["auditor-city"], store.AuditFilter{Action: "warning.raise"})
		if len(es) != 3 {
			t.Errorf("audit of raised warnings: %d entries, want 3", len(es))
		}
		// Acknowledged, the case is not raised again until it is reopened again.
		if n := w.detect(t); n.Total() != 0 {
			t.Errorf("after acknowledgement: %v", n)
		}
		w.cycle(t, c.ID)
		w.act(t, "supervisor", c.ID, cases.ActionReopen, cases.Input{Reason: "第三次"})
		if n := w.detect(t); n[store.WarningReopened] != 1 {
			t.Errorf("reopened a third time: %v", n)
		}
		if got := w.warnings(t, "supervisor", store.WarningFilter{State: "acknowledged"}); len(got) != 1 {
			t.Errorf("acknowledged filter: %v", subjects(got))
		}
		if _, err := w.db.ListWarnings(ctx, w.actors["supervisor"], store.WarningFilter{Kind: "gossip"}); anju.ErrorField(err) != "kind" {
			t.Errorf("unknown kind: %v", err)
		}
		if got := warningMail(); got != 3+3+3+3 {
			t.Errorf("warning notifications: %d, want 12", got)
		}
	})
}

func TestWarningThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		p := testWarnings
		p.MinInterval = 5 * time.Minute
		c := w.report(t, "0101", "道路脏", "幸福路路面很脏没人扫", 30.05, 120.02, phone(1))
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		if _, err := w.db.DetectWarnings(ctx, w.clock.Now(), p); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			w.cycle(t, c.ID)
			w.act(t, "supervisor", c.ID, cases.ActionReopen, cases.Input{Reason: "没扫"})
		}
		if n, _ := w.db.DetectWarnings(ctx, w.clock.Now().Add(time.Minute), p); n.Total() != 0 {
			t.Errorf("within the interval: %v", n)
		}
		if n, _ := w.db.DetectWarnings(ctx, w.clock.Now().Add(6*time.Minute), p); n.Total() != 1 {
			t.Errorf("after the interval: %v", n)
		}
	})
}
