package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/store/storetest"
)

// TestAuditListIndex checks that every shape of ListAudit's query reads a
// page backwards from an index that holds its filters, on both engines:
// neither sorting the city's entries nor scanning the table, which took
// seconds over a log of a million and a half entries.
func TestAuditListIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := Open(ctx, dsn, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		auditor := &anju.Actor{City: "330100"}
		for _, tc := range []struct {
			f     AuditFilter
			index string
		}{
			{AuditFilter{Limit: 100}, "audit_log_city_seq"},
			{AuditFilter{Limit: 100, Before: 5000}, "audit_log_city_seq"},
			{AuditFilter{Limit: 100, Action: "case.accept"}, "audit_log_city_action_seq"},
			{AuditFilter{Limit: 100, Action: "case.accept", Before: 5000}, "audit_log_city_action_seq"},
		} {
			q, args := auditQuery(auditor, tc.f)
			plan := explain(t, db, q, args...)
			if !strings.Contains(plan, tc.index) {
				t.Errorf("%+v: the query does not use %s:\n%s", tc.f, tc.index, plan)
			}
			for _, bad := range []string{"TEMP B-TREE", "Sort", "Seq Scan", "SCAN audit_log"} {
				if strings.Contains(plan, bad) {
					t.Errorf("%+v: the plan has %q:\n%s", tc.f, bad, plan)
				}
			}
		}
	})
}

// explain returns the engine's plan for q, one line a step. On PostgreSQL
// sequential and bitmap scans are disabled: an empty table is read faster
// whole or through a bitmap, and the test asks which index the planner can
// use, not whether it should.
func explain(t *testing.T, db *DB, q string, args ...any) string {
	t.Helper()
	var plan []string
	err := db.InTx(context.Background(), func(tx *Tx) error {
		ctx := context.Background()
		prefix := `EXPLAIN QUERY PLAN `
		if db.dialect.name() == "postgres" {
			if db.distributed {
				// Citus plans each shard's part on its worker, which sees
				// the SET LOCALs below only when told to pass them on.
				if _, err := tx.exec(ctx, `SET LOCAL citus.propagate_set_commands = 'local'`); err != nil {
					return err
				}
			}
			for _, off := range []string{"enable_seqscan", "enable_bitmapscan"} {
				if _, err := tx.exec(ctx, `SET LOCAL `+off+` = off`); err != nil {
					return err
				}
			}
			prefix = `EXPLAIN `
		}
		rows, err := tx.query(ctx, prefix+q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			plan = append(plan, strings.TrimSpace(toString(vals[len(vals)-1])))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// TestAuditLegacyChain migrates a database whose one chain ran through two
// cities' entries, appended as before migration 00039 (numbered 1, 2, …,
// each linked to the one before, audit_head at the last): the chain stays
// verifiable as it was and its head closed; each city's chain goes on from
// its end; ranges of it keep their meaning, and one that runs on into a
// city's chain is checked across.
func TestAuditLegacyChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		old, err := open(dsn, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := old.provider()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(ctx, 38); err != nil {
			t.Fatal(err)
		}
		var legacy audit.Head
		for i := int64(1); i <= 7; i++ {
			e := audit.Entry{Seq: i, At: fromMicros(1764400000000000 + i), City: []string{"330100", "330200"}[i%2],
				Actor: "admin", Action: "test.legacy", Object: fmt.Sprint(i), Detail: "{}", PrevHash: legacy.Hash}
			e.Hash = audit.ComputeHash(e.PrevHash, e)
			if _, err := old.sql.ExecContext(ctx, old.dialect.rebind(`INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				e.Seq, micros(e.At), e.City, e.Actor, e.Action, e.Object, e.Detail, e.PrevHash, e.Hash); err != nil {
				t.Fatal(err)
			}
			legacy = audit.Head{Seq: e.Seq, Hash: e.Hash}
		}
		if _, err := old.sql.ExecContext(ctx, old.dialect.rebind(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), legacy.Seq, legacy.Hash); err != nil {
			t.Fatal(err)
		}
		old.Close()

		db, err := Open(ctx, dsn, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if db.auditLegacy != legacy {
			t.Fatalf("legacy head %+v, want %+v", db.auditLegacy, legacy)
		}
		// A server of the older version, still running, appends to the
		// legacy chain and moves its head: refused.
		if _, err := db.sql.ExecContext(ctx, db.dialect.rebind(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), legacy.Seq+1, "x"); err == nil {
			t.Fatal("the closed legacy head moved")
		}
		sys := anju.SystemActor("test")
		for i := range 3 {
			for _, city := range []string{"330300", "330100", "330200"} {
				if err := db.Audit(ctx, sys, auditRecord(city, "test.city", fmt.Sprint(i), nil)); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, city := range []string{"330100", "330200", "330300"} {
			var first audit.Entry
			if err := db.queryRow(ctx, `SELECT seq, prev_hash FROM audit_log WHERE city = ? AND seq > ? ORDER BY seq LIMIT 1`, city, legacy.Seq).
				Scan(&first.Seq, &first.PrevHash); err != nil || first.PrevHash != legacy.Hash {
				t.Errorf("the first entry of %s's chain: %+v %v, want it linked to legacy entry %d", city, first, err, legacy.Seq)
			}
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n != 7+9 {
			t.Fatalf("verify: %d %v", n, err)
		}

		// The whole log, every city's, paged by number as before: numbers
		// stay unique across the chains.
		var paged []int64
		for before := int64(0); ; {
			page, err := db.ListAudit(ctx, sys, AuditFilter{Limit: 4, Before: before})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				if len(paged) > 0 && e.Seq >= paged[len(paged)-1] {
					t.Fatalf("all cities' log, page before %d: entry %d after %d", before, e.Seq, paged[len(paged)-1])
				}
				paged = append(paged, e.Seq)
			}
			if len(page) < 4 {
				break
			}
			before = page[len(page)-1].Seq
		}
		if len(paged) != 7+9 || paged[len(paged)-1] != 1 {
			t.Errorf("all cities' log in pages of 4: %v", paged)
		}
		auditor := &anju.Actor{Login: "auditor", City: "330100", Grants: []anju.Grant{{Role: anju.RoleAuditor, RegionPath: cityPath("330100")}}}
		es, err := db.ListAudit(ctx, auditor, AuditFilter{})
		if err != nil || len(es) != 3+3 || es[0].Seq <= es[3].Seq || es[3].Seq > legacy.Seq || es[2].Seq <= legacy.Seq {
			t.Fatalf("330100's log, newest first: %+v %v", es, err)
		}
		check := func(from, to int64, checked int64, broken string) {
			t.Helper()
			c, err := db.VerifyAuditRange(ctx, auditor, from, to)
			if err != nil || c.Checked != checked || !strings.HasPrefix(c.Broken, broken) || (broken == "") != (c.Broken == "") {
				t.Errorf("range %d..%d: %+v %v; want %d checked, broken %q", from, to, c, err, checked, broken)
			}
		}
		// The web page's range: its oldest entry to its newest.
		check(es[len(es)-1].Seq, es[0].Seq, 7-es[len(es)-1].Seq+1+3, "")
		check(2, 6, 5, "")

		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.sql.ExecContext(ctx, db.dialect.rebind(q), args...); err != nil {
				t.Fatal(err)
			}
		}
		exec(`UPDATE audit_log SET detail = '{"forged":true}' WHERE seq = 3`)
		if _, err := db.VerifyAudit(ctx); err == nil || !strings.HasPrefix(err.Error(), "legacy chain: entry 3: content") {
			t.Errorf("edited legacy entry 3: %v", err)
		}
		check(2, 6, 1, "entry 3: content")
		check(4, 6, 3, "")
		exec(`UPDATE audit_log SET detail = '{}' WHERE seq = 3`)
		exec(`DELETE FROM audit_log WHERE seq = 5`)
		if _, err := db.VerifyAudit(ctx); err == nil || !strings.HasPrefix(err.Error(), "legacy chain: entry 6: expected sequence 5") {
			t.Errorf("deleted legacy entry 5: %v", err)
		}
		check(4, 6, 1, "entry 6:")
		check(6, 7, 0, "entry 5 is missing")
		exec(`DELETE FROM audit_log WHERE seq >= 6 AND seq <= 7`)
		if _, err := db.VerifyAudit(ctx); err == nil || !strings.HasPrefix(err.Error(), "legacy chain: entry 5: chain ends at entry 4") {
			t.Errorf("deleted legacy tail: %v", err)
		}
	})
}

// TestAuditCitiesAppendApart: cities appending at once, each alone and
// several in one transaction in either order, form valid chains of their
// own. On PostgreSQL a transaction holding one city's head holds up
// appends to that city and no other.
func TestAuditCitiesAppendApart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx, sys := context.Background(), anju.SystemActor("test")
		db, err := Open(ctx, dsn, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		cities := []string{"330100", "330200"}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				for i := range 10 {
					var err error
					if g < 6 {
						err = db.Audit(ctx, sys, auditRecord(cities[g%2], "test.one", fmt.Sprint(g, i), nil))
					} else {
						// Both cities in one transaction, in either order.
						err = db.inTx(ctx, func(tx *Tx) error {
							for _, c := range []string{cities[g%2], cities[1-g%2], cities[g%2]} {
								if err := tx.appendAudit(ctx, sys, auditRecord(c, "test.both", fmt.Sprint(g, i), nil)); err != nil {
									return err
								}
							}
							return nil
						})
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n != 6*10+2*10*3 {
			t.Fatalf("verify: %d %v", n, err)
		}
		for _, city := range cities {
			var head, last audit.Head
			if err := db.queryRow(ctx, `SELECT seq, hash FROM audit_heads WHERE city = ?`, city).Scan(&head.Seq, &head.Hash); err != nil {
				t.Fatal(err)
			}
			if err := db.queryRow(ctx, `SELECT seq, hash FROM audit_log WHERE city = ? ORDER BY seq DESC LIMIT 1`, city).Scan(&last.Seq, &last.Hash); err != nil {
				t.Fatal(err)
			}
			n, err := db.VerifyAuditCity(ctx, city)
			if err != nil || n != 3*10+10*3 || head != last {
				t.Errorf("%s: %d entries, %v; head %+v, last entry %+v", city, n, err, head, last)
			}
		}
		if db.Engine() != "postgres" {
			return // one writer at a time
		}

		held, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		holder := make(chan error, 1)
		go func() {
			holder <- db.inTx(ctx, func(tx *Tx) error {
				if err := tx.appendAudit(ctx, sys, auditRecord("330200", "test.held", "x", nil)); err != nil {
					return err
				}
				if err := tx.flushAll(ctx); err != nil { // takes 330200's head
					return err
				}
				once.Do(func() { close(held) })
				<-release
				return nil
			})
		}()
		<-held
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = db.Audit(actx, sys, auditRecord("330100", "test.beside", "y", nil))
		cancel()
		if err != nil {
			close(release)
			t.Fatalf("an append to 330100 while 330200's head is held: %v", err)
		}
		behind := make(chan error, 1)
		go func() { behind <- db.Audit(ctx, sys, auditRecord("330200", "test.behind", "z", nil)) }()
		var behindErr error
		select {
		case behindErr = <-behind:
			t.Errorf("an append to 330200 went ahead while its head was held: %v", behindErr)
			behind = nil
		case <-time.After(300 * time.Millisecond):
		}
		close(release)
		if behind != nil {
			behindErr = <-behind
		}
		if err := errors.Join(<-holder, behindErr); err != nil {
			t.Fatal(err)
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n != 6*10+2*10*3+3 {
			t.Fatalf("verify: %d %v", n, err)
		}
	})
}
