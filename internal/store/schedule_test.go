package store_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/cases"
	"anju/internal/notify"
	"anju/internal/notify/smtptest"
	"anju/internal/personal"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestSchedulerClock drives a fake clock past a case's deadlines and checks
// that each step happens once, at its time, however many passes run.
func TestSchedulerClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		c, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-office"})
		p := store.DefaultPolicy
		pass := func() store.DueCounts {
			t.Helper()
			var total store.DueCounts
			for range 3 { // repeated passes must not repeat steps
				n, err := w.db.RunDue(ctx, p, 100)
				if err != nil {
					t.Fatal(err)
				}
				total.Warned += n.Warned
				total.Overdue += n.Overdue
				total.Red += n.Red
				total.Escalated += n.Escalated
			}
			return total
		}
		due := c.Deadlines.Resolution
		if n := pass(); n != (store.DueCounts{}) {
			t.Fatalf("at intake: %+v", n)
		}
		w.clock.Set(due.Add(-p.WarnBefore + time.Minute))
		if n := pass(); n != (store.DueCounts{Warned: 1}) {
			t.Fatalf("a day before: %+v", n)
		}
		w.clock.Set(due.Add(time.Minute))
		if n := pass(); n != (store.DueCounts{Overdue: 1}) {
			t.Fatalf("just late: %+v", n)
		}
		got, _ := w.db.GetCase(ctx, w.actors["supervisor"], c.ID)
		if !got.Overdue || got.Card != cases.CardYellow {
			t.Fatalf("after the deadline: overdue=%v card=%q", got.Overdue, got.Card)
		}
		if l, _ := w.db.ListCases(ctx, w.actors["supervisor"], store.CaseFilter{Overdue: true}); len(l.Cases) != 1 {
			t.Errorf("overdue filter: %d cases", len(l.Cases))
		}
		w.clock.Set(due.Add(p.RedAfter + time.Minute))
		if n := pass(); n != (store.DueCounts{Red: 1}) {
			t.Fatalf("two days late: %+v", n)
		}
		w.clock.Set(due.Add(p.EscalateAfter + time.Minute))
		if n := pass(); n != (store.DueCounts{Escalated: 1}) {
			t.Fatalf("three days late: %+v", n)
		}
		got, _ = w.db.GetCase(ctx, w.actors["supervisor"], c.ID)
		if got.HandlingRegion != "330102" || got.State != cases.StateAccepted || got.Escalations != 1 {
			t.Fatalf("escalated: region %s state %s escalations %d", got.HandlingRegion, got.State, got.Escalations)
		}
		h, _ := w.db.History(ctx, w.actors["supervisor"], c.ID)
		var acts []string
		for _, e := range h {
			acts = append(acts, e.Action)
		}
		if s := strings.Join(acts, ","); s != "submit,accept,dispatch,deadline_warning,supervise,supervise,escalate" {
			t.Errorf("history %s", s)
		}

		// The overdue flag is the scheduler's: the case's later steps keep
		// it (they write only what they change), and reopening clears it
		// with the card, as the clocks start again.
		w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-office"})
		w.act(t, "handler-a", c.ID, cases.ActionStart, cases.Input{})
		w.act(t, "handler-a", c.ID, cases.ActionResolve, cases.Input{Result: "已修复"})
		w.act(t, "dispatcher", c.ID, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
		w.act(t, "dispatcher", c.ID, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
		got, _ = w.db.GetCase(ctx, w.actors["supervisor"], c.ID)
		if !got.Overdue || got.Card != cases.CardRed || got.Department != "a-office" || got.State != cases.StateClosed {
			t.Fatalf("closed late: overdue=%v card=%q department %s state %s", got.Overdue, got.Card, got.Department, got.State)
		}
		w.act(t, "supervisor", c.ID, cases.ActionReopen, cases.Input{Reason: "诉求人不满意"})
		got, _ = w.db.GetCase(ctx, w.actors["supervisor"], c.ID)
		if got.Overdue || got.Card != "" || !got.Deadlines.Resolution.After(w.clock.Now()) || got.ClosedAt != nil {
			t.Fatalf("reopened: overdue=%v card=%q due %v closed %v", got.Overdue, got.Card, got.Deadlines.Resolution, got.ClosedAt)
		}
		if n := pass(); n != (store.DueCounts{}) {
			t.Fatalf("after reopening: %+v", n)
		}
	})
}

// TestOutboxDelivery delivers the outbox through real servers: a webhook
// receiver that checks the signature, an SMS gateway that fails once, and an
// in-process SMTP server.
func TestOutboxDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		const secret = "0123456789abcdef-secret"
		var mu sync.Mutex
		var hooks []map[string]any
		hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if err := notify.VerifySignature([]byte(secret), r.Header.Get(notify.HeaderTimestamp), body,
				r.Header.Get(notify.HeaderSignature), time.Now(), 5*time.Minute); err != nil {
				http.Error(rw, err.Error(), http.StatusUnauthorized)
				return
			}
			var m map[string]any
			json.Unmarshal(body, &m)
			mu.Lock()
			hooks = append(hooks, m)
			mu.Unlock()
		}))
		defer hook.Close()
		var sms []url.Values
		smsFails := 1
		gateway := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if smsFails > 0 {
				smsFails--
				http.Error(rw, "busy", http.StatusServiceUnavailable)
				return
			}
			sms = append(sms, r.URL.Query())
		}))
		defer gateway.Close()
		smtp, err := smtptest.NewServer(smtptest.Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer smtp.Close()

		if _, err := w.db.SaveSubscription(ctx, w.actors["operator"], store.Subscription{Channel: "webhook", Target: hook.URL, Secret: secret}); err == nil {
			t.Fatal("a non-administrator added a subscription")
		}
		admin := mustUser(t, w.db, "admin", grantAdminCity)
		if _, err := w.db.SaveSubscription(ctx, admin, store.Subscription{Channel: "webhook", Target: hook.URL, Secret: secret}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.SaveSubscription(ctx, admin, store.Subscription{Channel: "email", Target: "ops@anju.example", Actions: []string{"close"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.SaveSubscription(ctx, admin, store.Subscription{Channel: "webhook", Target: hook.URL, Secret: "short"}); err == nil {
			t.Error("short secret accepted")
		}

		c, _, _ := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-office"})
		w.act(t, "handler-a", c.ID, cases.ActionStart, cases.Input{})
		w.act(t, "handler-a", c.ID, cases.ActionResolve, cases.Input{Result: "修好了"})
		w.act(t, "worker-a", c.ID, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
		w.act(t, "dispatcher", c.ID, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})

		sender := notify.Router{
			notify.ChannelSMS:   &notify.SMSSender{URL: gateway.URL + "/send?to={phone}&text={text}", Method: "GET"},
			notify.ChannelEmail: &notify.SMTPSender{Addr: smtp.Addr, From: "anju@anju.example"},
		}
		// 7 webhooks (every event), 3 SMS (accept, resolve, close), 1 e-mail (close).
		if st, _ := w.db.OutboxStatus(ctx); st["pending"] != 11 {
			t.Fatalf("queued: %v", st)
		}
		for range 3 {
			if _, err := w.db.DeliverOutbox(ctx, sender, 100); err != nil {
				t.Fatal(err)
			}
			w.clock.Advance(time.Hour) // past the backoff of the failed SMS
		}
		st, _ := w.db.OutboxStatus(ctx)
		if st["sent"] != 11 || st["pending"] != 0 {
			t.Fatalf("after delivery: %v", st)
		}
		if len(hooks) != 7 || hooks[0]["event"] != "submit" || hooks[6]["event"] != "close" {
			t.Errorf("webhooks: %d %v", len(hooks), hooks)
		}
		for _, h := range hooks {
			if b, _ := json.Marshal(h); strings.Contains(string(b), "13812341234") || strings.Contains(string(b), "张三") {
				t.Errorf("webhook carries personal data: %s", b)
			}
		}
		if len(sms) != 3 || sms[0].Get("to") != "13812341234" || !strings.Contains(sms[2].Get("text"), "https://anju.example/track/"+c.TrackingCode) {
			t.Errorf("sms: %v", sms)
		}
		msgs := smtp.Messages()
		if len(msgs) != 1 || msgs[0].To[0] != "ops@anju.example" {
			t.Fatalf("mail: %+v", msgs)
		}

		// Settled notifications are kept OutboxKeep, then pruned in rounds;
		// pending ones stay, however old.
		if n, err := w.db.PruneOutbox(ctx, w.clock.Now().Add(-store.OutboxKeep), 5); err != nil || n != 0 {
			t.Fatalf("pruned recent notifications: %d %v", n, err)
		}
		w.clock.Advance(store.OutboxKeep + time.Hour)
		if _, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), ""); err != nil {
			t.Fatal(err)
		}
		pending := w.mustOutbox(t)["pending"]
		for i, want := range []int{5, 5, 1, 0} {
			if n, err := w.db.PruneOutbox(ctx, w.clock.Now().Add(-store.OutboxKeep), 5); err != nil || n != want {
				t.Fatalf("round %d pruned %d (%v), want %d", i, n, err, want)
			}
		}
		if st := w.mustOutbox(t); st["sent"] != 0 || st["pending"] != pending || pending == 0 {
			t.Fatalf("after pruning: %v (pending before %d)", st, pending)
		}
	})
}

func (w *caseWorld) mustOutbox(t *testing.T) map[string]int {
	t.Helper()
	st, err := w.db.OutboxStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		k1 := personal.FormatKey("k1", personal.GenerateKey())
		old, _ := personal.ParseKeyring(k1)
		db, err := store.Open(ctx, dsn, store.Options{Keys: old})
		if err != nil {
			t.Fatal(err)
		}
		db.ImportRegions(ctx, system, storetest.SmallCity())
		op := mustUser(t, db, "operator", grantOperatorCity)
		c, _, err := db.CreateCase(ctx, op, streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		both, _ := personal.ParseKeyring(personal.FormatKey("k2", personal.GenerateKey()) + "," + k1)
		db, err = store.Open(ctx, dsn, store.Options{Keys: both})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		n, err := db.RotateKeys(ctx)
		if err != nil || n != 1 {
			t.Fatalf("rotate: %d %v", n, err)
		}
		var keyID string
		db.SQL().QueryRow(`SELECT key_id FROM reporters`).Scan(&keyID)
		if keyID != "k2" {
			t.Errorf("key after rotation: %s", keyID)
		}
		d, err := db.UnmaskReporter(ctx, op, c.ID, "test")
		if err != nil || d.Phone != "13812341234" {
			t.Errorf("unmask after rotation: %+v %v", d, err)
		}
	})
}
