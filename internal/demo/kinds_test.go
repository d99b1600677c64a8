package demo_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"anju/internal/store"
	"anju/internal/store/storetest"
)

// kindsSummary counts what the demo's fill wrote of the other kinds, by
// state, as lines "what state count".
func kindsSummary(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for what, q := range map[string]string{
		"dispute":           `SELECT state, COUNT(*) FROM disputes GROUP BY state`,
		"dispute_broken":    `SELECT state, COUNT(*) FROM disputes WHERE broken > 0 GROUP BY state`,
		"dispute_signed":    `SELECT state, COUNT(*) FROM disputes WHERE agreed_at IS NOT NULL AND signatories <> '' GROUP BY state`,
		"dispute_sessions":  `SELECT 'all', COUNT(*) FROM dispute_sessions`,
		"dispute_large":     `SELECT 'warned', COUNT(*) FROM warnings WHERE kind = 'large_dispute'`,
		"hazard":            `SELECT risk_level, COUNT(*) FROM hazards GROUP BY risk_level`,
		"inspection":        `SELECT state, COUNT(*) FROM inspection_tasks GROUP BY state`,
		"finding":           `SELECT state, COUNT(*) FROM hazard_findings GROUP BY state`,
		"finding_case":      `SELECT c.state, COUNT(*) FROM hazard_findings f JOIN cases c ON c.id = f.case_id GROUP BY c.state`,
		"finding_overdue":   `SELECT 'open', COUNT(*) FROM hazard_findings f JOIN cases c ON c.id = f.case_id WHERE f.state <> 'closed' AND c.overdue`,
		"reception":         `SELECT state, COUNT(*) FROM reception_sessions GROUP BY state`,
		"reception_booking": `SELECT 'all', COUNT(*) FROM reception_bookings`,
		"reception_case":    `SELECT c.state, COUNT(*) FROM case_origins o JOIN cases c ON c.id = o.case_id JOIN reception_bookings b ON b.case_id = c.id WHERE o.session_id IS NOT NULL AND o.leader <> '' GROUP BY c.state`,
		"meeting":           `SELECT state, COUNT(*) FROM meetings GROUP BY state`,
		"meeting_proposal":  `SELECT state, COUNT(*) FROM meeting_proposals GROUP BY state`,
		"meeting_decision":  `SELECT c.state, COUNT(*) FROM meeting_decisions d JOIN cases c ON c.id = d.case_id JOIN case_origins o ON o.decision_id = d.id GROUP BY c.state`,
	} {
		rows, err := db.SQL().Query(q)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for rows.Next() {
			var state string
			var n int
			if err := rows.Scan(&state, &n); err != nil {
				t.Fatal(err)
			}
			out[what+" "+state] = n
			out[what] += n
		}
		rows.Close()
	}
	// Two years of inspections: the earliest task's period starts about
	// two years before the end of the history.
	var earliest string
	if err := db.SQL().QueryRow(`SELECT MIN(period_start) FROM inspection_tasks`).Scan(&earliest); err != nil {
		t.Fatal(err)
	}
	out["inspection from "+earliest] = 1
	return out
}

// TestDemoKinds: the demo's fill writes disputes, the hazard register with
// two years of inspections, reception sessions and community meetings,
// through the store, in every state their fates reach; the same for the
// same seed on either engine.
func TestDemoKinds(t *testing.T) {
	now := time.Date(2026, 11, 20, 16, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var first map[string]int
	storetest.Each(t, func(t *testing.T, dsn string) {
		db := smallDemo(t, dsn, now)
		got := kindsSummary(t, db)
		for _, want := range []struct {
			key   string
			least int
		}{
			{"dispute", 30},
			{"dispute settled", 1}, {"dispute concluded", 1}, {"dispute referred", 1}, {"dispute agreed", 1}, {"dispute mediating", 1},
			{"dispute_broken settled", 1}, // broken, mediated again, and kept
			{"dispute_signed settled", 1}, {"dispute_large warned", 3},
			{"hazard", 40}, {"inspection done", 150}, {"inspection missed", 1}, {"inspection due", 1},
			{"finding closed", 1}, {"finding rectifying", 1}, {"finding_case closed", 1},
			{"reception closed", 12}, {"reception published", 1}, {"reception_booking", 20}, {"reception_case closed", 1},
			{"meeting minuted", 10}, {"meeting scheduled", 1}, {"meeting_proposal accepted", 1}, {"meeting_proposal declined", 1},
			{"meeting_decision closed", 1},
		} {
			if got[want.key] < want.least {
				t.Errorf("%s: %d, want at least %d", want.key, got[want.key], want.least)
			}
		}
		if got["dispute_sessions"] < got["dispute"] {
			t.Errorf("%d sessions for %d disputes", got["dispute_sessions"], got["dispute"])
		}
		if got["dispute_signed"] < got["dispute settled"]+got["dispute agreed"] {
			t.Errorf("agreements without signatories: %v", got)
		}
		if from := keys(got, "inspection from "); len(from) != 1 || from[0] > "inspection from 2024-12-01" {
			t.Errorf("the inspections do not go back two years: %v", from)
		}
		if first == nil {
			first = got
		} else if fmt.Sprint(first) != fmt.Sprint(got) {
			t.Errorf("the same seed wrote other kinds on the second engine:\n%v\n%v", first, got)
		}
	})
}

func keys(m map[string]int, prefix string) []string {
	var out []string
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}
