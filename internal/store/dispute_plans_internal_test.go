package store

import (
	"context"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/dispute"
	"anju/internal/store/storetest"
)

// TestDisputeReadPlans explains every query of the dispute counts and lists
// for a city-wide dispatcher, a street's mediator and a grid worker: each
// reads the disputes first and a case only by its key. Read the other way
// round, the workbench's counts read every case in the reader's reach (9 s
// for a city dispatcher at 2,000,000 cases).
func TestDisputeReadPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, actors := planWorld(t, dsn)
		street := "/330100/330102/330102001/"
		actors["mediator"] = &anju.Actor{UserID: 6, City: "330100", Grants: []anju.Grant{{Role: anju.RoleMediator, RegionPath: street}}}
		stop := recordQueries(db, "FROM disputes")
		for _, who := range []string{"dispatcher", "mediator", "worker"} {
			a := actors[who]
			if _, err := db.DisputeQueueCounts(ctx, a); err != nil {
				t.Fatalf("%s counts: %v", who, err)
			}
			filters := []DisputeFilter{{}, {State: dispute.StateAgreed, FollowUpDue: true}, {Before: 5000}}
			for _, def := range dispute.Queues() {
				if def.Sees(grantRoles(a)...) {
					filters = append(filters, DisputeFilter{Queue: def.Queue})
				}
			}
			for _, f := range filters {
				if _, err := db.ListDisputes(ctx, a, f); err != nil {
					t.Fatalf("%s list %+v: %v", who, f, err)
				}
			}
		}
		if _, err := db.largeDisputeCandidates(ctx, "330100", db.clock.Now(), WarningPolicy{}); err != nil {
			t.Fatal(err)
		}
		seen := stop()
		if len(seen) < 10 {
			t.Fatalf("only %d dispute queries seen", len(seen))
		}
		for _, s := range seen {
			q, plan := s.q, explain(t, db, s.q, s.args...)
			if db.dialect.name() != "sqlite" {
				if bad := badPlan("postgres", plan); bad != "" {
					t.Errorf("the plan reads the city's cases (%s):\n%s\n%s", bad, q, plan)
				}
				continue
			}
			first := true
			for _, line := range strings.Split(plan, "\n") {
				switch {
				case !strings.HasPrefix(line, "SCAN") && !strings.HasPrefix(line, "SEARCH"):
				case first && !strings.HasPrefix(line, "SEARCH d ") && !strings.HasPrefix(line, "SCAN d"):
					t.Errorf("the plan reads %q before the disputes:\n%s\n%s", line, q, plan)
				case strings.HasPrefix(line, "SEARCH c ") && !strings.Contains(line, "PRIMARY KEY"):
					t.Errorf("the plan reads cases other than by key (%s):\n%s\n%s", line, q, plan)
				}
				first = first && !strings.HasPrefix(line, "SCAN") && !strings.HasPrefix(line, "SEARCH")
			}
			if strings.Contains(q, "LIMIT") && strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
				t.Errorf("the list sorts the city's disputes:\n%s\n%s", q, plan)
			}
		}
	})
}
