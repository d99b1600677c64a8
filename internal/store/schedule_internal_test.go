package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"anju/internal/personal"
	"anju/internal/store/storetest"
)

// TestWorkingDueIndex checks that both engines read the scheduler's pick
// from the partial index of open cases by deadline, cases_open_deadline
// (migration 00014; it replaced cases_working_due, whose working states it
// holds), since its predicate follows from the pick's, and checks that on SQLite updating a case evaluates the
// predicate without building a temporary table, as an IN list of constants
// would at every update.
func TestWorkingDueIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		keys, _ := personal.ParseKeyring(personal.FormatKey("k1", personal.GenerateKey()))
		db, err := Open(ctx, dsn, Options{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		pick := `SELECT id FROM cases WHERE ` + workingStates + ` AND NOT overdue AND resolution_due <= 0 ORDER BY resolution_due LIMIT 100`
		plan := explain(t, db, pick)
		if !strings.Contains(plan, "cases_open_deadline") {
			t.Errorf("the scheduler's pick does not use cases_open_deadline:\n%s", plan)
		}

		if db.dialect.name() == "postgres" {
			return
		}
		// The program of an update, one opcode a row.
		rows, err := db.sql.QueryContext(ctx, `EXPLAIN UPDATE cases SET state = 'closed', version = version + 1 WHERE id = 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ops []string
		for rows.Next() {
			var addr, p1, p2, p3 int
			var op string
			var p4, p5, comment any
			if err := rows.Scan(&addr, &op, &p1, &p2, &p3, &p4, &p5, &comment); err != nil {
				t.Fatal(err)
			}
			ops = append(ops, op)
		}
		for _, op := range ops {
			if op == "OpenEphemeral" {
				t.Fatalf("updating a case builds a temporary table: %v", ops)
			}
		}
		if len(ops) == 0 {
			t.Fatal("no program for the update")
		}
	})
}

func toString(v any) string {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case string:
		return v
	}
	return ""
}

// TestDueBatchesEndInTime: a batch of due steps commits once it has run for
// dueBatchTime, not only after dueBatch steps, so that a slow pass does not
// hold the write lock (a hundred steps of a loaded machine held it for
// seconds). Every id is still taken exactly once.
func TestDueBatchesEndInTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := Open(ctx, dsn, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var ids []dueCase
		for id := range int64(8) {
			ids = append(ids, dueCase{id: id + 1, city: "330100"})
		}
		txs := map[*Tx]bool{}
		seen := map[int64]int{}
		n, err := db.eachInBatches(ctx, ids, func(tx *Tx, c dueCase) (bool, error) {
			txs[tx] = true
			seen[c.id]++
			time.Sleep(dueBatchTime / 2) // a slow step
			return true, nil
		})
		if err != nil || n != len(ids) {
			t.Fatalf("eachInBatches = %d, %v", n, err)
		}
		for _, c := range ids {
			if seen[c.id] != 1 {
				t.Errorf("id %d taken %d times", c.id, seen[c.id])
			}
		}
		if len(txs) < len(ids)/2 {
			t.Errorf("%d slow steps went into %d transactions; want one for every %v of work", len(ids), len(txs), dueBatchTime)
		}
	})
}
