package store

import (
	"context"
	"errors"
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
		ctx := context.Background()
		keys, _ := personal.ParseKeyring(personal.FormatKey("k1", personal.GenerateKey()))
		db, err := Open(ctx, dsn, Options{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		sys := anju.SystemActor("test")
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
		dispatcher, err := db.ActorByToken(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
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
		err = db.InTx(ctx, func(tx *Tx) error {
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
