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
		plan := explain(t, db, db.callerIDsQuery(), "330100", fp, "330100", fp, maxCallerIDs)
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
