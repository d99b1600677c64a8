package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/personal"
	"anju/internal/store/storetest"
)

// TestBufferedRows files cases and acts on them in transactions that buffer
// their events, audit entries and notifications (on SQLite): a read inside
// the transaction sees them, a commit of an odd number of rows writes every
// one with increasing ids that later transactions continue, a failed
// transaction leaves none, and the audit chain verifies.
func TestBufferedRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx, sys := context.Background(), anju.SystemActor("test")
		db, dispatcher := smallCityWithDispatcher(t, dsn)
		// Intakes are prepared outside the write transactions, as the
		// intake path does.
		var prepared []*PreparedCase
		for range 80 {
			lat, lon := 30.05, 120.02
			nc := NewCase{Text: "路灯不亮", Category: "0101", Lat: &lat, Lon: &lon}
			nc.Reporter.Phone = "13812341234"
			p, err := db.PrepareCase(ctx, sys, nc, "")
			if err != nil {
				t.Fatal(err)
			}
			prepared = append(prepared, p)
		}
		file := func(tx *Tx) int64 {
			p := prepared[0]
			prepared = prepared[1:]
			c, _, err := tx.InsertCase(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		count := func(q querier, table string) int {
			var n int
			if err := q.queryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		const n = 75 // 150 events: statements of 128, 16, 4 and 2 rows
		err := db.InTx(ctx, func(tx *Tx) error {
			for range n {
				id := file(tx)
				if _, err := tx.Act(ctx, dispatcher, id, cases.ActionAccept, ActionInput{}); err != nil {
					return err
				}
			}
			if got := count(tx, "case_events"); got != 2*n {
				t.Errorf("inside the transaction: %d events, want %d", got, 2*n)
			}
			id := file(tx) // buffered again after the read
			_, err := tx.Act(ctx, dispatcher, id, cases.ActionAccept, ActionInput{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := count(db, "case_events"); got != 2*(n+1) {
			t.Fatalf("events: %d, want %d", got, 2*(n+1))
		}
		if got := count(db, "outbox"); got != n+1 {
			t.Fatalf("notifications of acceptance: %d, want %d", got, n+1)
		}

		boom := errors.New("boom")
		if err := db.InTx(ctx, func(tx *Tx) error { file(tx); return boom }); !errors.Is(err, boom) {
			t.Fatalf("failed transaction: %v", err)
		}
		if got := count(db, "case_events"); got != 2*(n+1) {
			t.Fatalf("a failed transaction left events: %d", got)
		}

		if err := db.InTx(ctx, func(tx *Tx) error { file(tx); return nil }); err != nil {
			t.Fatal(err)
		}
		rows, err := db.query(ctx, `SELECT id FROM case_events ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		if len(ids) != 2*(n+1)+1 {
			t.Fatalf("events after a third transaction: %d", len(ids))
		}
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := count(db, "audit_log"); got < 2*(n+1)+1 {
			t.Fatalf("audit entries: %d", got)
		}
	})
}

// smallCityWithDispatcher opens dsn with the small city and a dispatcher
// for it.
func smallCityWithDispatcher(t *testing.T, dsn string) (*DB, *anju.Actor) {
	t.Helper()
	ctx, sys := context.Background(), anju.SystemActor("test")
	keys, _ := personal.ParseKeyring(personal.FormatKey("k1", personal.GenerateKey()))
	db, err := Open(ctx, dsn, Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ImportRegions(ctx, sys, storetest.SmallCity()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, sys, NewUser{City: "330100", Login: "dispatcher", Name: "调度", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GrantRole(ctx, sys, "dispatcher", anju.Grant{Role: anju.RoleDispatcher, Region: "330100"}); err != nil {
		t.Fatal(err)
	}
	tok, _ := db.CreateAPIToken(ctx, sys, "dispatcher", "test")
	a, err := db.ActorByToken(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	return db, a
}

// TestActOn follows one case through several transitions in a transaction
// with the copies ActOn returns, as the demo does: a read inside the
// transaction sees the last of them, a stale copy is refused with ECONFLICT
// and changes nothing, and the commit stores every event.
func TestActOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx, sys := context.Background(), anju.SystemActor("test")
		db, dispatcher := smallCityWithDispatcher(t, dsn)
		lat, lon := 30.05, 120.02
		nc := NewCase{Text: "路灯不亮", Category: "0101", Lat: &lat, Lon: &lon}
		nc.Reporter.Phone = "13812341234"
		filed, _, err := db.CreateCase(ctx, sys, nc, "")
		if err != nil {
			t.Fatal(err)
		}
		other, _, err := db.CreateCase(ctx, sys, NewCase{Text: "井盖缺失", Category: "0101", Lat: &lat, Lon: &lon}, "")
		if err != nil {
			t.Fatal(err)
		}
		third, _, err := db.CreateCase(ctx, sys, NewCase{Text: "路灯又坏了", Category: "0101", Lat: &lat, Lon: &lon}, "")
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx *Tx) error {
			c, err := tx.ActOn(ctx, dispatcher, filed, cases.ActionAccept, ActionInput{})
			if err != nil {
				return err
			}
			if _, err := tx.ActOn(ctx, dispatcher, other, cases.ActionAccept, ActionInput{}); err != nil {
				return err
			}
			for _, card := range []cases.Card{cases.CardYellow, cases.CardRed} {
				if c, err = tx.ActOn(ctx, sys, c, cases.ActionSupervise, ActionInput{Input: cases.Input{Card: card, Note: "督办"}}); err != nil {
					return err
				}
			}
			if _, err := tx.ActOn(ctx, sys, filed, cases.ActionEscalate, ActionInput{Input: cases.Input{Reason: "stale"}}); anju.ErrorCode(err) != anju.ECONFLICT {
				t.Errorf("a stale copy: %v, want ECONFLICT", err)
			}
			got, err := tx.Get(ctx, filed.ID)
			if err != nil {
				return err
			}
			if got.State != cases.StateAccepted || got.Card != cases.CardRed || got.Version != 4 {
				t.Errorf("inside the transaction: state %s card %s version %d", got.State, got.Card, got.Version)
			}
			if c, err = tx.ActOn(ctx, sys, c, cases.ActionEscalate, ActionInput{Input: cases.Input{Reason: "逾期"}}); err != nil {
				return err
			}
			if _, err = tx.ActOn(ctx, dispatcher, c, cases.ActionMerge, ActionInput{Input: cases.Input{Target: third.ID}}); err != nil {
				return err
			}
			// The master's acceptance in the same transaction tells the
			// merged case's reporter, although the transaction had already
			// found no merged case in the city.
			_, err = tx.Act(ctx, dispatcher, third.ID, cases.ActionAccept, ActionInput{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.GetCase(ctx, sys, filed.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != cases.StateMerged || got.Version != 6 || got.Card != cases.CardRed || got.HandlingRegion != "330102" {
			t.Fatalf("after commit: state %s card %s version %d", got.State, got.Card, got.Version)
		}
		hist, err := db.History(ctx, sys, filed.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 6 {
			t.Fatalf("history: %d events, want 6 (submit, accept, two cards, escalate, merge)", len(hist))
		}
		if o, err := db.GetCase(ctx, sys, other.ID); err != nil || o.State != cases.StateAccepted {
			t.Fatalf("the other case: %+v %v", o.State, err)
		}
		var told int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM outbox WHERE case_id = ?`, third.ID).Scan(&told); err != nil || told != 1 {
			t.Fatalf("notifications of the master's acceptance: %d %v, want 1 (the merged case's reporter)", told, err)
		}
	})
}

// TestIntakeGroupWithFailure files cases concurrently, so that they share
// group commits, with some reusing one idempotency key for different
// bodies: those fail alone (EUNPROCESSABLE) and the group is retried with a
// savepoint per case; every acknowledged case keeps its event and audit
// entry, and nothing of a failed one remains.
func TestIntakeGroupWithFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx, sys := context.Background(), anju.SystemActor("test")
		db, _ := smallCityWithDispatcher(t, dsn)
		lat, lon := 30.05, 120.02
		const n = 64
		start := make(chan struct{})
		type result struct {
			id      int64
			created bool
			err     error
		}
		results := make(chan result, n)
		for i := range n {
			go func() {
				<-start
				key := fmt.Sprintf("k-%d", i)
				if i%8 == 0 {
					key = "shared" // one of these wins; the others differ in body
				}
				c, created, err := db.CreateCase(ctx, sys, NewCase{Text: fmt.Sprintf("路灯不亮 %d", i), Category: "0101", Lat: &lat, Lon: &lon}, key)
				results <- result{c.ID, created, err}
			}()
		}
		close(start)
		ok, refused := map[int64]bool{}, 0
		for range n {
			r := <-results
			switch {
			case r.err == nil && r.created:
				ok[r.id] = true
			case anju.ErrorCode(r.err) == anju.EUNPROCESSABLE:
				refused++
			default:
				t.Errorf("intake: created=%v %v", r.created, r.err)
			}
		}
		if len(ok) != n-n/8+1 || refused != n/8-1 {
			t.Fatalf("%d created, %d refused; want %d and %d", len(ok), refused, n-n/8+1, n/8-1)
		}
		var cases, events int
		db.queryRow(ctx, `SELECT COUNT(*) FROM cases`).Scan(&cases)
		db.queryRow(ctx, `SELECT COUNT(*) FROM case_events WHERE action = 'submit'`).Scan(&events)
		if cases != len(ok) || events != len(ok) {
			t.Fatalf("stored: %d cases, %d submit events; want %d of each", cases, events, len(ok))
		}
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
