package store

import (
	"context"
	"strings"
	"testing"

	"anju/internal/anju"
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
