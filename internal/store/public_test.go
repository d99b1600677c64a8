package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/notify"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// portalReport files a report as the public portal does: no account, web.
func (w *caseWorld) portalReport(t *testing.T, category, title, text string, lat, lon float64, phone string) store.Case {
	t.Helper()
	nc := store.NewCase{Title: title, Text: text, Category: category, Lat: f(lat), Lon: f(lon)}
	if phone != "" {
		nc.Reporter.Name, nc.Reporter.Phone = "居民", phone
	} else {
		nc.Reporter.Anonymous = true
	}
	c, _, err := w.db.CreateCase(context.Background(), anju.PublicActor("330100", "web"), nc, "")
	if err != nil {
		t.Fatalf("portal intake %q: %v", title, err)
	}
	return c
}

// TestPublicCases: only requests in public categories, never rejected or
// merged ones, newest first by keyset, at grid precision, nothing personal.
func TestPublicCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		light := w.portalReport(t, "0203", "路灯不亮", "小区门口的路灯坏了", 30.051, 120.021, "13812341234")
		road := w.report(t, "0201", "道路破损", "人行道塌了一块", 30.052, 120.022, "")
		w.report(t, "1101", "楼上噪声", "楼上每晚很吵", 30.05, 120.02, "13812345678")    // a dispute
		w.report(t, "0701", "拖欠工资", "老板三个月没发工资", 30.05, 120.02, "13812345679") // own circumstances
		spam := w.report(t, "0203", "广告", "广告内容", 30.05, 120.02, "")
		w.act(t, "operator", spam.ID, cases.ActionReject, cases.Input{Reason: "无效诉求"})
		dup := w.report(t, "0203", "路灯坏了", "门口路灯不亮", 30.05, 120.02, "")
		w.act(t, "operator", dup.ID, cases.ActionMerge, cases.Input{Target: light.ID})
		// Staff made this one a dispute: its category is public, it is not.
		disputed := w.report(t, "0201", "占道", "邻居占了人行道", 30.05, 120.02, "")
		if _, err := w.db.SQL().Exec(fmt.Sprintf(`UPDATE cases SET kind = 'dispute', workflow = replace(workflow, '"kind":"request"', '"kind":"dispute"') WHERE id = %d`, disputed.ID)); err != nil {
			t.Fatal(err)
		}

		p, err := w.db.PublicCases(ctx, "330100", store.PublicFilter{Limit: 1})
		if err != nil || len(p.Cases) != 1 || p.Cases[0].ID != road.ID || p.Next != road.ID {
			t.Fatalf("first page: %+v %v", p, err)
		}
		p, err = w.db.PublicCases(ctx, "330100", store.PublicFilter{Limit: 1, Before: p.Next})
		if err != nil || len(p.Cases) != 1 || p.Cases[0].ID != light.ID || p.Next != 0 {
			t.Fatalf("second page: %+v %v", p, err)
		}
		pc := p.Cases[0]
		// The grid's centre, not the pin.
		if pc.Lat == 30.051 || pc.Lon == 120.021 || pc.Grid.Code != light.Grid.Code || pc.CategoryName == "" || pc.Title != "路灯不亮" {
			t.Errorf("public case: %+v", pc)
		}
		if _, err := w.db.PublicCases(ctx, "330100", store.PublicFilter{Limit: 101}); anju.ErrorField(err) != "limit" {
			t.Errorf("limit 101: %v", err)
		}
		grids, err := w.db.PublicGrids(ctx, "330100")
		if err != nil || len(grids) != 1 || grids[0].Open != 2 {
			t.Errorf("public grids: %+v %v", grids, err)
		}
		disputed, _ = w.db.GetCase(ctx, w.actors["operator"], disputed.ID)
		if ok, _ := w.db.PublicCase(ctx, disputed); ok || disputed.Kind != cases.KindDispute {
			t.Errorf("a dispute is public")
		}

		// A category the city makes private leaves the list.
		cat, _ := w.db.Taxonomy(ctx, "330100")
		c0201, _ := cat.Get("0201")
		c0201.Public = false
		admin := mustUser(t, w.db, "city-admin", anju.Grant{Role: anju.RoleAdmin, Region: "330100"})
		if _, err := w.db.SaveCategory(ctx, admin, c0201); err != nil {
			t.Fatal(err)
		}
		if p, _ := w.db.PublicCases(ctx, "330100", store.PublicFilter{}); len(p.Cases) != 1 || p.Cases[0].ID != light.ID {
			t.Errorf("after 0201 went private: %+v", p.Cases)
		}
		// A dispute category cannot be made public.
		d, _ := cat.Get("1101")
		d.Public = true
		if _, err := w.db.SaveCategory(ctx, admin, d); anju.ErrorField(err) != "public" {
			t.Errorf("public dispute category: %v", err)
		}

		// Similar open public reports for a draft near the place.
		sim, err := w.db.SimilarPublic(ctx, "330100", store.Draft{Title: "路灯不亮", Text: "小区门口路灯坏了", Lat: f(30.051), Lon: f(120.021)}, 5)
		if err != nil || len(sim) == 0 || sim[0].Case.ID != light.ID {
			t.Errorf("similar public: %+v %v", sim, err)
		}
		for _, s := range sim {
			if s.Case.ID != light.ID {
				t.Errorf("similar shows a case that is not public: %+v", s.Case)
			}
		}
		if sim, _ := w.db.SimilarPublic(ctx, "330100", store.Draft{Title: "楼上噪声", Text: "楼上每晚很吵"}, 5); len(sim) != 0 {
			t.Errorf("similar shows a dispute: %+v", sim)
		}
		if sim, err := w.db.SimilarPublic(ctx, "330100", store.Draft{}, 5); err != nil || len(sim) != 0 {
			t.Errorf("empty draft: %+v %v", sim, err)
		}
	})
}

// smsBox is an SMS sender that keeps what it is given.
type smsBox struct {
	mu   sync.Mutex
	sent []notify.Message
}

func (b *smsBox) Send(_ context.Context, m notify.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, m)
	return nil
}

// TestReporterLink: a self-filed report gets a secret key, stored only as a
// hash, sent sealed by SMS; with it — and only with it — its reporter rates
// and reopens, within the city's period.
func TestReporterLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		c := w.portalReport(t, "0203", "路灯不亮", "小区门口的路灯坏了", 30.05, 120.02, "13812341234")
		key := c.ReporterSecret
		if len(key) < 40 || c.Channel != cases.ChannelWeb {
			t.Fatalf("portal intake: key %q channel %s", key, c.Channel)
		}
		// Neither the case row nor the outbox holds the key.
		var hash, body, sealed string
		w.db.SQL().QueryRow(fmt.Sprintf(`SELECT reporter_secret FROM cases WHERE id = %d`, c.ID)).Scan(&hash)
		w.db.SQL().QueryRow(fmt.Sprintf(`SELECT body, secret FROM outbox WHERE case_id = %d`, c.ID)).Scan(&body, &sealed)
		if hash == "" || strings.Contains(hash, key) || strings.Contains(body, key) || strings.Contains(sealed, key) || sealed == "" {
			t.Errorf("key stored: hash %q body %q sealed %q", hash, body, sealed)
		}
		// The receipt SMS carries the link once sent, and then the outbox
		// forgets the sealed key.
		box := &smsBox{}
		if n, err := w.db.DeliverOutbox(ctx, notify.Router{notify.ChannelSMS: box}, 10); err != nil || n != 1 {
			t.Fatalf("deliver: %d %v", n, err)
		}
		if len(box.sent) != 1 || box.sent[0].Target != "13812341234" || !strings.Contains(box.sent[0].Body, "/track/"+c.TrackingCode+"?key="+key) {
			t.Errorf("receipt SMS: %+v", box.sent)
		}
		w.db.SQL().QueryRow(fmt.Sprintf(`SELECT secret FROM outbox WHERE case_id = %d`, c.ID)).Scan(&sealed)
		if sealed != "" {
			t.Errorf("sealed key kept after sending")
		}
		// Staff-filed reports have no link; an idempotent retry shows none.
		staff := w.report(t, "0203", "路灯", "路灯坏了", 30.05, 120.02, "13812340000")
		if staff.ReporterSecret != "" {
			t.Errorf("staff intake hands out a reporter key")
		}
		if _, err := w.db.ReporterCase(ctx, staff.TrackingCode, key); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("another case's link: %v", err)
		}
		if _, err := w.db.ReporterCase(ctx, c.TrackingCode, key+"x"); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("forged key: %v", err)
		}
		if _, err := w.db.ReporterCase(ctx, "ZZZZZZZZZZZZ", key); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("unknown code: %v", err)
		}
		if _, err := w.db.ReporterCase(ctx, c.TrackingCode, ""); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("empty key: %v", err)
		}

		// Not before it is closed, and only rate or reopen.
		if _, err := w.db.ReporterAct(ctx, c.TrackingCode, key, cases.ActionRate, cases.Input{Rating: cases.RatingSatisfied}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("rate an open case: %v", err)
		}
		if _, err := w.db.ReporterAct(ctx, c.TrackingCode, key, cases.ActionAccept, cases.Input{}); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("accept through the link: %v", err)
		}
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-office"})
		w.act(t, "handler-a", c.ID, cases.ActionStart, cases.Input{})
		w.act(t, "handler-a", c.ID, cases.ActionResolve, cases.Input{Result: "已修复"})
		w.act(t, "worker-a", c.ID, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
		w.act(t, "dispatcher", c.ID, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})

		tr, _ := w.db.Track(ctx, c.TrackingCode)
		if tr.ReporterUntil == "" || tr.ClosedAt == "" {
			t.Errorf("track of a closed case: %+v", tr)
		}
		rated, err := w.db.ReporterAct(ctx, c.TrackingCode, key, cases.ActionRate, cases.Input{Rating: cases.RatingUnsatisfied, Note: "灯还是不亮"})
		if err != nil || rated.State != cases.StateRated || rated.Rating != cases.RatingUnsatisfied {
			t.Fatalf("rate: %+v %v", rated, err)
		}
		// The link used again to rate: the workflow refuses, nothing changes.
		if _, err := w.db.ReporterAct(ctx, c.TrackingCode, key, cases.ActionRate, cases.Input{Rating: cases.RatingSatisfied}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("second rating: %v", err)
		}
		if _, err := w.db.ReporterAct(ctx, c.TrackingCode, key, cases.ActionReopen, cases.Input{}); anju.ErrorField(err) != "reason" {
			t.Errorf("reopen without a reason: %v", err)
		}
		re, err := w.db.ReporterAct(ctx, c.TrackingCode, key, cases.ActionReopen, cases.Input{Reason: "灯还是不亮"})
		if err != nil || re.State != cases.StateAccepted {
			t.Fatalf("reopen: %+v %v", re, err)
		}
		h, _ := w.db.History(ctx, w.actors["dispatcher"], c.ID)
		if last := h[len(h)-1]; last.Action != "reopen" || last.Actor != "reporter:link" {
			t.Errorf("reopen event: %+v", last)
		}

		// The city's period: after it, the reporter may no longer rate.
		w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-office"})
		w.act(t, "handler-a", c.ID, cases.ActionStart, cases.Input{})
		w.act(t, "handler-a", c.ID, cases.ActionResolve, cases.Input{Result: "换了新灯"})
		w.act(t, "worker-a", c.ID, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
		w.act(t, "dispatcher", c.ID, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
		admin := mustUser(t, w.db, "city-admin", anju.Grant{Role: anju.RoleAdmin, Region: "330100"})
		if err := w.db.SetReopenDays(ctx, w.actors["dispatcher"], 3); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("dispatcher sets the period: %v", err)
		}
		if err := w.db.SetReopenDays(ctx, admin, 0); anju.ErrorField(err) != "reopen_days" {
			t.Errorf("period 0: %v", err)
		}
		if err := w.db.SetReopenDays(ctx, admin, 3); err != nil {
			t.Fatal(err)
		}
		if d, _ := w.db.ReopenDays(ctx, "330100"); d != 3 {
			t.Errorf("period %d, want 3", d)
		}
		w.clock.Advance(4 * 24 * time.Hour)
		if _, err := w.db.ReporterAct(ctx, c.TrackingCode, key, cases.ActionRate, cases.Input{Rating: cases.RatingSatisfied}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("rating after the period: %v", err)
		}
		// Staff calling back are not bound by it.
		w.act(t, "operator", c.ID, cases.ActionRate, cases.Input{Rating: cases.RatingSatisfied})
	})
}
