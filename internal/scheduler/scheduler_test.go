package scheduler

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/notify"
	"anju/internal/personal"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// delivered is a sender every message reaches.
type delivered struct{ n int }

func (d *delivered) Send(context.Context, notify.Message) error { d.n++; return nil }

// TestPassPrunesSettledNotifications runs passes over a case's
// notifications: the pass delivers them, keeps them OutboxKeep, then
// deletes them, at most pruneRounds×pruneRound a pass.
func TestPassPrunesSettledNotifications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := anju.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		keys, err := personal.ParseKeyring(personal.FormatKey("k1", personal.GenerateKey()))
		if err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(ctx, dsn, store.Options{Clock: clock, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		sys := anju.SystemActor("test")
		if _, err := db.ImportRegions(ctx, sys, storetest.SmallCity()); err != nil {
			t.Fatal(err)
		}
		// Every case event is mailed to the city's operations desk.
		if _, err := db.SaveSubscription(ctx, &anju.Actor{System: true, City: "330100"}, store.Subscription{Channel: "email", Target: "ops@anju.example"}); err != nil {
			t.Fatal(err)
		}
		nc := store.NewCase{Title: "路灯不亮", Text: "小区门口的路灯已经坏了三天", Category: "0101", Grid: "330102001001001"}
		nc.Reporter.Name, nc.Reporter.Phone = "张三", "13812341234"
		for range 3 {
			if _, _, err := db.CreateCase(ctx, sys, nc, ""); err != nil {
				t.Fatal(err)
			}
		}
		sender := &delivered{}
		s := &Scheduler{DB: db, Sender: sender}
		log := slog.New(slog.DiscardHandler)
		s.Pass(ctx, log)
		st, err := db.OutboxStatus(ctx)
		if err != nil || sender.n == 0 || st["sent"] != sender.n || st["pending"] != 0 {
			t.Fatalf("after the first pass: %v %v, %d delivered", st, err, sender.n)
		}
		first := sender.n
		clock.Advance(store.OutboxKeep - time.Hour)
		s.Pass(ctx, log)
		if st, _ := db.OutboxStatus(ctx); st["sent"] != sender.n {
			t.Fatalf("pruned before OutboxKeep: %v", st)
		}
		// That pass marked the cases overdue, and mailed it: those stay.
		clock.Advance(2 * time.Hour)
		s.Pass(ctx, log)
		if st, _ := db.OutboxStatus(ctx); st["sent"] != sender.n-first || sender.n == first {
			t.Fatalf("after OutboxKeep: %v, want the %d of the later passes", st, sender.n-first)
		}
	})
}
