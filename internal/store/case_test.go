package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/notify"
	"anju/internal/personal"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// caseWorld is a database with the small city, departments, staff and a
// fake clock, for the case workflow.
type caseWorld struct {
	db     *store.DB
	clock  *anju.FakeClock
	actors map[string]*anju.Actor
}

// A Monday morning in Shanghai, clear of holidays.
var monday = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newCaseWorld(t *testing.T, dsn string) *caseWorld {
	t.Helper()
	ctx := context.Background()
	clock := anju.NewFakeClock(monday)
	keys, err := personal.ParseKeyring(personal.FormatKey("k1", personal.GenerateKey()))
	if err != nil {
		t.Fatal(err)
	}
	// The tests' webhook receivers listen on loopback, as a receiver on
	// the server's own host does once the operator allows it.
	loopback, _ := notify.ParseAllowList("127.0.0.1,::1")
	db, err := store.Open(ctx, dsn, store.Options{Clock: clock, Keys: keys, PublicURL: "https://anju.example", WebhookAllow: loopback})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ImportRegions(ctx, system, storetest.SmallCity()); err != nil {
		t.Fatal(err)
	}
	for _, d := range []store.Department{
		{Code: "a-office", Name: "第1街道办", Region: "330102001", Categories: []string{"01"}},
		{Code: "b-office", Name: "第2街道办", Region: "330105001", Categories: []string{"01"}},
		{Code: "city-cg", Name: "市城管局", Region: "330100", Categories: []string{"01"}},
	} {
		if _, err := db.SaveDepartment(ctx, system, d); err != nil {
			t.Fatal(err)
		}
	}
	w := &caseWorld{db: db, clock: clock, actors: map[string]*anju.Actor{}}
	for login, g := range map[string]anju.Grant{
		"operator":     {Role: anju.RoleOperator, Region: "330100"},
		"dispatcher":   {Role: anju.RoleDispatcher, Region: "330100"},
		"handler-a":    {Role: anju.RoleHandler, Department: "a-office"},
		"handler-b":    {Role: anju.RoleHandler, Department: "b-office"},
		"worker-a":     {Role: anju.RoleGridWorker, Region: "330102001"},
		"worker-b":     {Role: anju.RoleGridWorker, Region: "330105001"},
		"supervisor":   {Role: anju.RoleSupervisor, Region: "330100"},
		"resident":     {Role: anju.RoleResident, Region: "330100"},
		"auditor-city": {Role: anju.RoleAuditor, Region: "330100"},
	} {
		w.actors[login] = mustUser(t, db, login, g)
	}
	return w
}

func f(v float64) *float64 { return &v }

// streetLight is a report in street A's first grid.
func streetLight() store.NewCase {
	nc := store.NewCase{Title: "路灯不亮", Text: "小区门口的路灯已经坏了三天，晚上很黑", Category: "0101", Lat: f(30.05), Lon: f(120.02)}
	nc.Reporter.Name, nc.Reporter.Phone = "张三", "13812341234"
	return nc
}

func (w *caseWorld) act(t *testing.T, login string, id int64, a cases.Action, in cases.Input) store.Case {
	t.Helper()
	c, err := w.db.Act(context.Background(), w.actors[login], id, a, store.ActionInput{Input: in})
	if err != nil {
		t.Fatalf("%s %s: %v", login, a, err)
	}
	return c
}

func TestCaseLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		c, created, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "key-1")
		if err != nil || !created {
			t.Fatalf("intake: %v", err)
		}
		if c.State != cases.StateSubmitted || c.Grid.Code != "330102001001001" || c.Channel != cases.ChannelHotline ||
			len(c.TrackingCode) != 12 || c.Reporter.Phone != "138****1234" || c.Reporter.Name != "张**" {
			t.Fatalf("intake answer: %+v %+v", c, c.Reporter)
		}
		if !c.Deadlines.Response.After(monday) || !c.Deadlines.Resolution.After(c.Deadlines.Response) {
			t.Errorf("deadlines %+v", c.Deadlines)
		}
		// The retried request returns the same case; a different body with
		// the same key is refused.
		again, created, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "key-1")
		if err != nil || created || again.ID != c.ID {
			t.Fatalf("retry: %v created=%v id=%d", err, created, again.ID)
		}
		other := streetLight()
		other.Text = "另一件事"
		if _, _, err := w.db.CreateCase(ctx, w.actors["operator"], other, "key-1"); anju.ErrorCode(err) != anju.EUNPROCESSABLE {
			t.Fatalf("same key, other body: %v", err)
		}

		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		// Two dispatchers at once: the second, on the stale version, gets 409
		// and changes nothing.
		cur, _ := w.db.GetCase(ctx, w.actors["dispatcher"], c.ID)
		if _, err := w.db.Act(ctx, w.actors["dispatcher"], c.ID, cases.ActionDispatch,
			store.ActionInput{Version: cur.Version, Input: cases.Input{Department: "a-office"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.Act(ctx, w.actors["dispatcher"], c.ID, cases.ActionDispatch,
			store.ActionInput{Version: cur.Version, Input: cases.Input{Department: "city-cg"}}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("stale dispatch: %v", err)
		}
		if got, _ := w.db.GetCase(ctx, w.actors["dispatcher"], c.ID); got.Department != "a-office" {
			t.Fatalf("stale dispatch changed the case: %s", got.Department)
		}
		// Street B's handler cannot see it; street A's handler works it.
		if _, err := w.db.Act(ctx, w.actors["handler-b"], c.ID, cases.ActionStart, store.ActionInput{}); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Fatalf("other street's handler: %v", err)
		}
		if _, err := w.db.Act(ctx, w.actors["operator"], c.ID, cases.ActionStart, store.ActionInput{}); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Fatalf("operator starts: %v", err)
		}
		w.act(t, "handler-a", c.ID, cases.ActionStart, cases.Input{})
		if _, err := w.db.Act(ctx, w.actors["handler-a"], c.ID, cases.ActionResolve, store.ActionInput{}); anju.ErrorField(err) != "result" {
			t.Fatalf("resolve without a result: %v", err)
		}
		w.act(t, "handler-a", c.ID, cases.ActionResolve, cases.Input{Result: "已更换灯泡，恢复照明"})
		w.act(t, "worker-a", c.ID, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
		closed := w.act(t, "dispatcher", c.ID, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
		if closed.State != cases.StateClosed || closed.ClosedAt == nil {
			t.Fatalf("closed: %+v", closed)
		}
		if _, err := w.db.Act(ctx, w.actors["dispatcher"], c.ID, cases.ActionDispatch,
			store.ActionInput{Input: cases.Input{Department: "a-office"}}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("dispatch a closed case: %v", err)
		}

		hist, err := w.db.History(ctx, w.actors["dispatcher"], c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range hist {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, ","); got != "submit,accept,dispatch,start,resolve,verify,close" {
			t.Errorf("history: %s", got)
		}

		// The public page: state, reply and public history, nothing personal.
		tr, err := w.db.Track(ctx, strings.ToLower(store.FormatTrackingCode(c.TrackingCode)))
		if err != nil {
			t.Fatal(err)
		}
		if tr.State != cases.StateClosed || tr.Reply != "已更换灯泡，恢复照明" || len(tr.History) != 6 {
			t.Errorf("track: %+v", tr)
		}
		for _, e := range tr.History {
			if e.Actor != "" || e.Action == "start" {
				t.Errorf("track shows staff detail: %+v", e)
			}
		}
		if _, err := w.db.Track(ctx, "ZZZZZZZZZZZZ"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("unknown code: %v", err)
		}

		// Residents' notifications were queued in the events' transactions:
		// accept, resolve, close (not submit, dispatch, start, verify).
		st, _ := w.db.OutboxStatus(ctx)
		if st["pending"] != 3 {
			t.Errorf("outbox: %v, want 3 pending", st)
		}

		// Unmasking: a reason is required, the grid worker may not, the
		// operator may, and it is audited.
		if _, err := w.db.UnmaskReporter(ctx, w.actors["worker-a"], c.ID, "回访"); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("grid worker unmasks: %v", err)
		}
		if _, err := w.db.UnmaskReporter(ctx, w.actors["operator"], c.ID, ""); anju.ErrorField(err) != "reason" {
			t.Errorf("unmask without a reason: %v", err)
		}
		d, err := w.db.UnmaskReporter(ctx, w.actors["operator"], c.ID, "电话回访")
		if err != nil || d.Phone != "13812341234" || d.Name != "张三" {
			t.Fatalf("unmask: %+v %v", d, err)
		}
		es, _ := w.db.ListAudit(ctx, w.actors["auditor-city"], store.AuditFilter{Action: "reporter.unmask"})
		if len(es) != 1 || es[0].Actor != "operator" {
			t.Errorf("unmask audit: %+v", es)
		}
		if _, err := w.db.VerifyAudit(ctx); err != nil {
			t.Errorf("audit chain: %v", err)
		}
	})
}

// TestDispatchDepartment checks what a dispatch asks of the department: that
// it exists in the city and serves the case's place, including a department
// created or renamed a moment before (the store keeps departments in a cache
// that a change through it empties).
func TestDispatchDepartment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		c, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		dispatch := func(dept string) error {
			_, err := w.db.Act(ctx, w.actors["dispatcher"], c.ID, cases.ActionDispatch, store.ActionInput{Input: cases.Input{Department: dept}})
			return err
		}
		if err := dispatch("no-such-office"); anju.ErrorField(err) != "department" || !strings.Contains(err.Error(), "not found") {
			t.Fatalf("unknown department: %v", err)
		}
		// Street B's office does not serve a case in street A.
		if err := dispatch("b-office"); anju.ErrorField(err) != "department" || !strings.Contains(err.Error(), "does not serve") {
			t.Fatalf("other street's office: %v", err)
		}
		// A department created and then renamed just now is dispatched to
		// under its new name.
		d := store.Department{Code: "a-wy", Name: "物业科", Region: "330102001", Categories: []string{"01"}}
		if _, err := w.db.SaveDepartment(ctx, system, d); err != nil {
			t.Fatal(err)
		}
		d.Name = "第1街道物业管理科"
		if _, err := w.db.SaveDepartment(ctx, system, d); err != nil {
			t.Fatal(err)
		}
		if err := dispatch("a-wy"); err != nil {
			t.Fatal(err)
		}
		events, err := w.db.History(ctx, w.actors["dispatcher"], c.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := events[len(events)-1]
		if last.Action != "dispatch" || last.Data["department"] != "a-wy" || last.Data["department_name"] != "第1街道物业管理科" {
			t.Fatalf("dispatch event %+v", last)
		}
		if got, _ := w.db.GetCase(ctx, w.actors["dispatcher"], c.ID); got.Department != "a-wy" || got.State != cases.StateDispatched {
			t.Fatalf("case after dispatch: %s %s", got.State, got.Department)
		}
	})
}

func TestIntakeValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		for _, tc := range []struct {
			name  string
			edit  func(*store.NewCase)
			field string
		}{
			{"no text", func(n *store.NewCase) { n.Text = " " }, "text"},
			{"text too long", func(n *store.NewCase) { n.Text = strings.Repeat("长", store.MaxCaseText+1) }, "text"},
			{"no place", func(n *store.NewCase) { n.Lat, n.Lon = nil, nil }, "lat"},
			{"outside the city", func(n *store.NewCase) { n.Lat, n.Lon = f(39.9), f(116.4) }, "lat"},
			{"latitude out of range", func(n *store.NewCase) { n.Lat = f(95) }, "lat"},
			{"unknown category", func(n *store.NewCase) { n.Category = "9999" }, "category"},
			{"group category", func(n *store.NewCase) { n.Category = "01" }, "category"},
			{"bad priority", func(n *store.NewCase) { n.Priority = "asap" }, "priority"},
			{"bad phone", func(n *store.NewCase) { n.Reporter.Phone = "12345" }, "reporter.phone"},
			{"anonymous with a name", func(n *store.NewCase) { n.Reporter.Anonymous = true }, "reporter.anonymous"},
			{"unknown grid", func(n *store.NewCase) { n.Lat, n.Lon, n.Grid = nil, nil, "330102001001999" }, "grid"},
		} {
			nc := streetLight()
			tc.edit(&nc)
			_, _, err := w.db.CreateCase(ctx, w.actors["operator"], nc, "")
			if anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != tc.field {
				t.Errorf("%s: got %v (field %q), want EINVALID on %s", tc.name, err, anju.ErrorField(err), tc.field)
			}
		}
		// Anonymous reports carry no personal data at all.
		nc := streetLight()
		nc.Reporter.Name, nc.Reporter.Phone, nc.Reporter.Anonymous = "", "", true
		c, _, err := w.db.CreateCase(ctx, w.actors["operator"], nc, "")
		if err != nil || !c.Reporter.Anonymous || c.Reporter.Phone != "" {
			t.Fatalf("anonymous: %+v %v", c.Reporter, err)
		}
		if _, err := w.db.UnmaskReporter(ctx, w.actors["operator"], c.ID, "x"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("unmask anonymous: %v", err)
		}
		// Nothing was stored by the refused intakes.
		list, _ := w.db.ListCases(ctx, w.actors["dispatcher"], store.CaseFilter{})
		if len(list.Cases) != 1 {
			t.Errorf("cases stored: %d, want 1", len(list.Cases))
		}
	})
}

// TestResidentAndMerge: a resident files and sees only their own case; a
// duplicate is merged and follows its master on the tracking page.
func TestResidentAndMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		mine, _, err := w.db.CreateCase(ctx, w.actors["resident"], streetLight(), "")
		if err != nil || mine.Channel != cases.ChannelWeb {
			t.Fatalf("resident intake: %v %v", err, mine.Channel)
		}
		master, _, _ := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		if _, err := w.db.GetCase(ctx, w.actors["resident"], master.ID); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("resident reads another's case: %v", err)
		}
		if l, _ := w.db.ListCases(ctx, w.actors["resident"], store.CaseFilter{}); len(l.Cases) != 1 || l.Cases[0].ID != mine.ID {
			t.Errorf("resident's list: %+v", l.Cases)
		}
		w.act(t, "operator", mine.ID, cases.ActionMerge, cases.Input{Target: master.ID})
		if _, err := w.db.Act(ctx, w.actors["operator"], master.ID, cases.ActionMerge, store.ActionInput{Input: cases.Input{Target: master.ID}}); anju.ErrorField(err) != "target" {
			t.Errorf("merge into itself: %v", err)
		}
		w.act(t, "operator", master.ID, cases.ActionAccept, cases.Input{})
		tr, err := w.db.Track(ctx, mine.TrackingCode)
		if err != nil || tr.State != cases.StateAccepted || !tr.Merged || tr.Notice == "" {
			t.Fatalf("merged case track: %+v %v", tr, err)
		}
		// The master's code would open another resident's report: neither
		// the tracking page nor the resident's history nor the SMS shows it.
		codes := []string{master.TrackingCode, store.FormatTrackingCode(master.TrackingCode)}
		page, _ := json.Marshal(tr)
		// The master's acceptance told both reporters (after the receipt
		// of the resident's own report, which carries its secret link).
		if st, _ := w.db.OutboxStatus(ctx); st["pending"] != 3 {
			t.Errorf("outbox after master accepted: %v", st)
		}
		var sms []string
		rows, _ := w.db.SQL().Query(`SELECT body FROM outbox WHERE channel = 'sms' AND event_id IS NOT NULL ORDER BY id`)
		for rows.Next() {
			var b string
			rows.Scan(&b)
			sms = append(sms, b)
		}
		rows.Close()
		if len(sms) != 2 || !strings.Contains(sms[1], mine.TrackingCode) {
			t.Errorf("SMS to the merged case's reporter: %q", sms)
		}
		// The resident sees public history of their own case only.
		h, err := w.db.History(ctx, w.actors["resident"], mine.ID)
		if err != nil || len(h) != 2 || h[0].Actor != "" {
			t.Errorf("resident history: %+v %v", h, err)
		}
		hist, _ := json.Marshal(h)
		for _, code := range codes {
			for what, s := range map[string]string{"tracking page": string(page), "resident's history": string(hist), "SMS": strings.Join(sms[1:], " ")} {
				if strings.Contains(s, code) {
					t.Errorf("the %s of the merged case shows the master's code %s: %s", what, code, s)
				}
			}
		}
	})
}

var (
	grantAdminCity    = anju.Grant{Role: anju.RoleAdmin, Region: "330100"}
	grantOperatorCity = anju.Grant{Role: anju.RoleOperator, Region: "330100"}
)
