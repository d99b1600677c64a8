package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"

	"anju/internal/anju"
	"anju/internal/store/storetest"
)

// TestIntakeGroupRoundTrips holds PostgreSQL intake to its round trips: a
// group of cases with reporters and idempotency keys begins with its keys
// and ids, sends its writes with the audit head, and commits with its audit
// entries — three round trips for one case or sixteen.
func TestIntakeGroupRoundTrips(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx, sys := context.Background(), anju.SystemActor("test")
		db, _ := smallCityWithDispatcher(t, dsn)
		if db.Engine() != "postgres" {
			t.Skip("SQLite statements are calls, not round trips")
		}
		var mu sync.Mutex
		var trips []int
		db.observeTrips = func(n int) {
			mu.Lock()
			trips = append(trips, n)
			mu.Unlock()
		}
		lat, lon := 30.05, 120.02
		// The first group also fills the store's caches (the city's
		// subscriptions), which later groups find filled.
		for round, n := range []int{4, 1, 16} {
			group := make([]*intakeReq, n)
			for i := range group {
				nc := NewCase{Text: fmt.Sprintf("路灯不亮 %d-%d", round, i), Category: "0101", Lat: &lat, Lon: &lon}
				nc.Reporter.Name, nc.Reporter.Phone = "张三", "13800138000"
				p, err := db.PrepareCase(ctx, sys, nc, fmt.Sprintf("trips-%d-%d", round, i))
				if err != nil {
					t.Fatal(err)
				}
				group[i] = &intakeReq{ctx: ctx, p: p, done: make(chan intakeResult, 1)}
			}
			mu.Lock()
			trips = nil
			mu.Unlock()
			db.intake.commit(group)
			for _, r := range group {
				if res := <-r.done; res.err != nil || !res.created || res.c.ID == 0 {
					t.Fatalf("intake: %+v", res)
				}
			}
			mu.Lock()
			got := trips
			mu.Unlock()
			if round > 0 && (len(got) != 1 || got[0] != 3) {
				t.Fatalf("a group of %d: transactions with round trips %v, want one with 3", n, got)
			}
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n < 21 {
			t.Fatalf("audit: %d entries, %v", n, err)
		}
	})
}

// TestQueuedStatementFails: a write queued in the pipeline that fails
// fails its transaction with its own error (a conflict, not "transaction
// aborted"), leaves nothing of the transaction, and leaves no connection in
// a transaction behind; a read's "no row" in the pipeline is an answer, not
// a failure.
func TestQueuedStatementFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx, sys := context.Background(), anju.SystemActor("test")
		db, _ := smallCityWithDispatcher(t, dsn)
		err := db.inTx(ctx, func(tx *Tx) error {
			if err := tx.appendAudit(ctx, sys, auditRecord("330100", "test.lost", "x", nil)); err != nil {
				return err
			}
			// The head row exists: the insert conflicts.
			return tx.send(ctx, `INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '')`)
		})
		if anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("queued conflict: %v, want ECONFLICT", err)
		}
		var lost int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'test.lost'`).Scan(&lost); err != nil || lost != 0 {
			t.Fatalf("entries of the failed transaction: %d %v", lost, err)
		}
		// More transactions than the pool has connections: none finds one
		// left inside the failed transaction.
		for i := range 25 {
			if err := db.Audit(ctx, sys, auditRecord("330100", "test.after", fmt.Sprint(i), nil)); err != nil {
				t.Fatalf("transaction %d after the failure: %v", i, err)
			}
		}
		err = db.inTx(ctx, func(tx *Tx) error {
			if err := tx.appendAudit(ctx, sys, auditRecord("330100", "test.kept", "y", nil)); err != nil {
				return err
			}
			if err := tx.send(ctx, `UPDATE audit_head SET seq = seq WHERE id = 1`); err != nil {
				return err
			}
			var id int64
			if err := tx.queryRowAfterQueued(ctx, `SELECT id FROM cases WHERE id = ?`, []any{-1}, &id); err != sql.ErrNoRows {
				return fmt.Errorf("a missing row: %v, want sql.ErrNoRows", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var kept int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action IN ('test.after', 'test.kept')`).Scan(&kept); err != nil || kept != 26 {
			t.Fatalf("entries after the failure: %d %v, want 26", kept, err)
		}
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
