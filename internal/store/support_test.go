package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestSupport: "me too" counts a resident once per case, keeps their contact
// encrypted, tells them of the case's progress, is audited, and reaches only
// open cases the actor may see or that are public.
func TestSupport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		public := anju.PublicActor("330100", "web")
		c := w.report(t, "0203", "路灯不亮", "小区门口的路灯坏了", 30.05, 120.02, "13812341234")

		s, err := w.db.Support(ctx, public, c.ID, store.Supporter{Name: "李四", Phone: "13900001111"})
		if err != nil || !s.Added || s.Supporters != 1 || s.TrackingCode != c.TrackingCode {
			t.Fatalf("first voice: %+v %v", s, err)
		}
		// The same person again, typed differently: counted once.
		if s, err = w.db.Support(ctx, public, c.ID, store.Supporter{Phone: "+86 139-0000-1111"}); err != nil || s.Added || s.Supporters != 1 {
			t.Errorf("same person again: %+v %v", s, err)
		}
		// The reporter pressing "me too" on their own case changes nothing.
		if s, err = w.db.Support(ctx, public, c.ID, store.Supporter{Phone: "13812341234"}); err != nil || s.Added || s.Supporters != 1 {
			t.Errorf("the reporter's own voice: %+v %v", s, err)
		}
		// Without a contact each voice counts (the portal rate-limits them).
		if s, err = w.db.Support(ctx, public, c.ID, store.Supporter{Anonymous: true}); err != nil || !s.Added || s.Supporters != 2 {
			t.Errorf("anonymous voice: %+v %v", s, err)
		}
		if _, err = w.db.Support(ctx, public, c.ID, store.Supporter{Anonymous: true, Name: "王五"}); anju.ErrorField(err) != "supporter.anonymous" {
			t.Errorf("anonymous with a name: %v", err)
		}
		if _, err = w.db.Support(ctx, public, c.ID, store.Supporter{Phone: "12345"}); anju.ErrorField(err) != "supporter.phone" {
			t.Errorf("bad phone: %v", err)
		}
		if _, err = w.db.Support(ctx, public, 999999, store.Supporter{}); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("unknown case: %v", err)
		}

		// The count is on the case and in lists.
		got, _ := w.db.GetCase(ctx, w.actors["dispatcher"], c.ID)
		if got.Supporters != 2 || got.Version != c.Version {
			t.Errorf("case after two voices: supporters %d version %d (was %d)", got.Supporters, got.Version, c.Version)
		}
		l, _ := w.db.ListCases(ctx, w.actors["dispatcher"], store.CaseFilter{})
		if len(l.Cases) != 1 || l.Cases[0].Supporters != 2 {
			t.Errorf("list: %+v", l.Cases)
		}

		// The contact is encrypted: neither the phone nor the name is in
		// the row, only their masked forms.
		var ct []byte
		var masked string
		if err := w.db.SQL().QueryRow(`SELECT r.ciphertext, r.masked FROM case_supporters s JOIN reporters r ON r.id = s.reporter_id AND r.city = s.city`).Scan(&ct, &masked); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(ct, []byte("13900001111")) || strings.Contains(masked, "13900001111") || strings.Contains(masked, "李四") {
			t.Errorf("supporter stored in clear: %q %q", ct, masked)
		}
		var audited int
		w.db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'case.support'`).Scan(&audited)
		if audited != 2 {
			t.Errorf("%d audit entries for two voices", audited)
		}

		// The supporter with a phone hears of the acceptance with the reporter.
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		rows, _ := w.db.SQL().Query(`SELECT target, body FROM outbox WHERE channel = 'sms' ORDER BY id`)
		var bodies []string
		for rows.Next() {
			var target, body string
			rows.Scan(&target, &body)
			if !strings.HasPrefix(target, "reporter:") {
				t.Errorf("SMS target %q holds no reporter reference", target)
			}
			bodies = append(bodies, body)
		}
		rows.Close()
		if len(bodies) != 2 || !strings.Contains(bodies[1], "您关注的诉求") || !strings.Contains(bodies[1], c.TrackingCode) {
			t.Errorf("SMS after acceptance: %q", bodies)
		}

		// A dispute is never public: the portal cannot reach it, staff in
		// scope can, staff out of scope cannot.
		d := w.report(t, "1101", "楼上噪声", "楼上每晚很吵", 30.05, 120.02, "13812345678")
		if _, err := w.db.Support(ctx, public, d.ID, store.Supporter{}); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("public voice on a dispute: %v", err)
		}
		if _, err := w.db.Support(ctx, w.actors["worker-b"], d.ID, store.Supporter{}); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("out-of-scope staff: %v", err)
		}
		if s, err := w.db.Support(ctx, w.actors["operator"], d.ID, store.Supporter{Phone: "13700002222"}); err != nil || !s.Added {
			t.Errorf("operator adds a caller's voice: %+v %v", s, err)
		}
		// Another city's portal does not reach this city's cases.
		if _, err := w.db.Support(ctx, anju.PublicActor("310100", "web"), c.ID, store.Supporter{}); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("other city: %v", err)
		}
		// A closed case takes no more voices.
		w.act(t, "operator", d.ID, cases.ActionReject, cases.Input{Reason: "不属于受理范围"})
		if _, err := w.db.Support(ctx, w.actors["operator"], d.ID, store.Supporter{}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("voice on a rejected case: %v", err)
		}
	})
}
