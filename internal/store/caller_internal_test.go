package store

import (
	"context"
	"strings"
	"testing"

	"anju/internal/store/storetest"
)

// The caller's cases are found through the fingerprint indexes, never by
// reading the scope's cases to look at their reporters.
func TestCallerCasesPlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		db, err := Open(context.Background(), dsn, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		fp := "0123456789abcdef0123456789abcdef"
		args := []any{"330100", fp, "330100", fp, maxCallerIDs}
		if db.distributed {
			citusCallerPlan(t, db, args)
			return
		}
		plan := explain(t, db, db.callerIDsQuery(), args...)
		for _, want := range []string{"reporters_fingerprint", "case_supporters_fingerprint", "cases_reporter"} {
			if !strings.Contains(plan, want) {
				t.Errorf("the plan does not use %s:\n%s", want, plan)
			}
		}
		for _, bad := range []string{"SCAN rc", "SCAN s ", "Seq Scan", "cases_city_path"} {
			if strings.Contains(plan+"\n", bad) {
				t.Errorf("the plan has %q:\n%s", bad, plan)
			}
		}
	})
}

// citusCallerPlan checks the caller's cases on Citus: one task on the
// city's worker (a router plan), where the reporters are found by their
// fingerprint and their cases by the reporter, never by reading the
// city's cases, and the supporters by an index whose condition holds the
// fingerprint. Which of the two supporter indexes holding it the worker
// reads is the planner's choice on the test's empty shards (00034 put the
// city into the unique one), so either is accepted.
func citusCallerPlan(t *testing.T, db *DB, args []any) {
	t.Helper()
	plan := citusPlan(t, db, db.callerIDsQuery(), args...)
	if strings.Count(plan, "Task Count:") != 1 || !strings.Contains(plan, "Task Count: 1\n") {
		t.Errorf("the caller's cases are not answered by one worker:\n%s", plan)
	}
	for _, want := range []string{"reporters_fingerprint", "cases_reporter"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the worker's plan does not use %s:\n%s", want, plan)
		}
	}
	for _, bad := range []string{"Seq Scan", "cases_city_path"} {
		if strings.Contains(plan, bad) {
			t.Errorf("the worker's plan has %q:\n%s", bad, plan)
		}
	}
	lines := strings.Split(plan, "\n")
	supporters := false
	for i, l := range lines {
		if strings.Contains(l, " on case_supporters_") && i+1 < len(lines) &&
			strings.HasPrefix(lines[i+1], "Index Cond:") && strings.Contains(lines[i+1], "fingerprint = ") {
			supporters = true
		}
	}
	if !supporters {
		t.Errorf("the worker does not find the supporters by their fingerprint:\n%s", plan)
	}
}
