package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/department"
	"anju/internal/dispute"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestDisputeMediatorIntake: a mediator takes a dispute in at his committee,
// which holds it at once (accepted and dispatched by the platform, signed
// for by him); he may name only a committee of his own reaching the place,
// and one who mediates for two must say which. Nobody else sends a dispute
// straight to a committee. A refusal writes nothing.
func TestDisputeMediatorIntake(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := disputeWorld(t, dsn)
		db := w.db
		cd, err := db.CreateDispute(ctx, w.actors["mediator-a"], noiseDispute(2, 800))
		if err != nil {
			t.Fatal(err)
		}
		if cd.State != cases.StateInProgress || cd.Department != "a-mediation" || cd.Dispute.State != dispute.StateMediating {
			t.Fatalf("the mediator's intake: case %s at %q, dispute %s", cd.State, cd.Department, cd.Dispute.State)
		}
		if !slices.Equal(cd.Dispute.AllowedSteps, []dispute.Action{dispute.ActionSession, dispute.ActionAgree, dispute.ActionRefer}) {
			t.Errorf("the mediator's steps after intake: %v", cd.Dispute.AllowedSteps)
		}
		hist, _ := db.History(ctx, system, cd.ID)
		var steps []string
		for _, e := range hist {
			steps = append(steps, e.Action+" by "+e.Actor)
		}
		if want := []string{"submit by mediator-a", "accept by system:dispute", "dispatch by system:dispute", "start by mediator-a"}; !slices.Equal(steps, want) {
			t.Errorf("history %v, want %v", steps, want)
		}

		// A community committee in street A, and a mediator of both.
		if _, err := db.SaveDepartment(ctx, system, store.Department{Code: "a1-mediation", Name: "第1社区人民调解委员会",
			Type: department.TypeMediationCommittee, Region: "330102001001", Categories: []string{"11"}}); err != nil {
			t.Fatal(err)
		}
		both := mustUser(t, db, "mediator-ab", anju.Grant{Role: anju.RoleMediator, Department: "a-mediation"})
		if _, err := db.GrantRole(ctx, system, "mediator-ab", anju.Grant{Role: anju.RoleMediator, Department: "a1-mediation"}); err != nil {
			t.Fatal(err)
		}
		tok, err := db.CreateAPIToken(ctx, system, "mediator-ab", "both")
		if err != nil {
			t.Fatal(err)
		}
		if both, err = db.ActorByToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		cases0, disputes0 := w.countRows(t, "cases"), w.countRows(t, "disputes")
		for _, tc := range []struct {
			actor     *anju.Actor
			committee string
		}{
			{both, ""},                                    // two committees reach the place: which?
			{w.actors["mediator-a"], "a1-mediation"},      // not his committee
			{w.actors["worker-a"], "a-mediation"},         // not a mediator
			{w.actors["dispatcher"], "a-mediation"},       // dispatchers dispatch, after intake
			{w.actors["mediator-a"], "no-such-committee"}, // nobody's
		} {
			nd := noiseDispute(2, 0)
			nd.Committee = tc.committee
			if _, err := db.CreateDispute(ctx, tc.actor, nd); anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != "committee" {
				t.Errorf("%s to %q: %v, want EINVALID on committee", tc.actor.Login, tc.committee, err)
			}
		}
		if c, d := w.countRows(t, "cases"), w.countRows(t, "disputes"); c != cases0 || d != disputes0 {
			t.Errorf("refused intakes wrote %d cases, %d disputes", c-cases0, d-disputes0)
		}
		nd := noiseDispute(2, 0)
		nd.Committee = "a1-mediation"
		cd, err = db.CreateDispute(ctx, both, nd)
		if err != nil || cd.Department != "a1-mediation" || cd.State != cases.StateInProgress {
			t.Fatalf("to the community's committee: %+v %v", cd.Case.Case, err)
		}
		// Outside his committee's area a mediator files nothing.
		outside := noiseDispute(2, 0)
		outside.Lat, outside.Lon = nil, nil
		outside.Grid = "330105001001001"
		if _, err := db.CreateDispute(ctx, w.actors["mediator-a"], outside); anju.ErrorField(err) != "grid" {
			t.Errorf("a mediator files in another district: %v", err)
		}
	})
}

// TestMediationCommitteeLevel: committees sit at streets and communities.
func TestMediationCommitteeLevel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		for region, ok := range map[string]bool{"330100": false, "330102": false, "330102001": true, "330102001001": true, "330102001001001": false} {
			_, err := w.db.SaveDepartment(ctx, system, store.Department{Code: "m-" + region, Name: "人民调解委员会",
				Type: department.TypeMediationCommittee, Region: region})
			if ok && err != nil || !ok && anju.ErrorField(err) != "region" {
				t.Errorf("a committee at %s: %v", region, err)
			}
		}
	})
}

// TestDisputeQueues: the mediator's queues hold his committee's disputes,
// the grid worker's the visits due and referrals awaiting a result in his
// area; another street's worker has them empty; a reader is refused a queue
// he does not see; the counts match the lists.
func TestDisputeQueues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := disputeWorld(t, dsn)
		db := w.db
		med, worker := w.actors["mediator-a"], w.actors["worker-a"]
		file := func() store.CaseWithDispute {
			cd, err := db.CreateDispute(ctx, med, noiseDispute(2, 0))
			if err != nil {
				t.Fatal(err)
			}
			return cd
		}
		mediating, agreed, referred := file(), file(), file()
		// One filed by the grid worker, still with the dispatchers.
		waiting, err := db.CreateDispute(ctx, worker, noiseDispute(2, 0))
		if err != nil {
			t.Fatal(err)
		}
		held := w.clock.Now().Add(-time.Hour)
		for _, cd := range []store.CaseWithDispute{agreed, referred} {
			if _, err := db.RecordDisputeSession(ctx, med, cd.ID, dispute.Session{HeldAt: held, Place: "调解室",
				Mediators: []string{"赵调解"}, Attended: []int64{cd.Dispute.Parties[0].ID}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.RecordDisputeOutcome(ctx, med, agreed.ID, dispute.Outcome{Agreement: true, Terms: "赔偿",
			Parties: []int64{agreed.Dispute.Parties[0].ID, agreed.Dispute.Parties[1].ID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordDisputeOutcome(ctx, med, referred.ID, dispute.Outcome{Referral: dispute.ChannelArbitration}); err != nil {
			t.Fatal(err)
		}
		ids := func(a *anju.Actor, q dispute.Queue) []int64 {
			t.Helper()
			l, err := db.ListDisputes(ctx, a, store.DisputeFilter{Queue: q})
			if err != nil {
				t.Fatalf("%s's %s: %v", a.Login, q, err)
			}
			var out []int64
			for _, d := range l.Disputes {
				out = append(out, d.CaseID)
			}
			return out
		}
		counts := func(a *anju.Actor) map[dispute.Queue]int {
			t.Helper()
			qs, err := db.DisputeQueueCounts(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			out := map[dispute.Queue]int{}
			for _, q := range qs {
				out[q.Queue] = q.Count
				if n := len(ids(a, q.Queue)); n != q.Count {
					t.Errorf("%s's %s counts %d, lists %d", a.Login, q.Queue, q.Count, n)
				}
			}
			return out
		}
		check := func(what string, got map[dispute.Queue]int, want map[dispute.Queue]int) {
			t.Helper()
			if len(got) != len(want) {
				t.Errorf("%s: queues %v, want %v", what, got, want)
			}
			for q, n := range want {
				if got[q] != n {
					t.Errorf("%s: %s %d, want %d", what, q, got[q], n)
				}
			}
		}
		check("mediator", counts(med), map[dispute.Queue]int{dispute.QueueCommittee: 3, dispute.QueueSessions: 1})
		if got := ids(med, dispute.QueueSessions); !slices.Equal(got, []int64{mediating.ID}) {
			t.Errorf("sessions to record: %v", got)
		}
		check("worker before the visit is due", counts(worker), map[dispute.Queue]int{dispute.QueueFollowUp: 0, dispute.QueueReferred: 1})
		w.clock.Advance(31 * 24 * time.Hour)
		check("worker", counts(worker), map[dispute.Queue]int{dispute.QueueFollowUp: 1, dispute.QueueReferred: 1})
		if got := ids(worker, dispute.QueueFollowUp); !slices.Equal(got, []int64{agreed.ID}) {
			t.Errorf("visits due: %v", got)
		}
		check("worker B", counts(w.actors["worker-b"]), map[dispute.Queue]int{dispute.QueueFollowUp: 0, dispute.QueueReferred: 0})
		check("operator", counts(w.actors["operator"]), map[dispute.Queue]int{})
		check("dispatcher", counts(w.actors["dispatcher"]), map[dispute.Queue]int{dispute.QueueFollowUp: 1, dispute.QueueReferred: 1})
		if _, err := db.ListDisputes(ctx, med, store.DisputeFilter{Queue: dispute.QueueFollowUp}); anju.ErrorField(err) != "queue" {
			t.Errorf("a mediator's visits: %v", err)
		}
		if _, err := db.ListDisputes(ctx, worker, store.DisputeFilter{Queue: "mine"}); anju.ErrorField(err) != "queue" {
			t.Errorf("an unknown queue: %v", err)
		}
		// The grid worker's own filing is on nobody's mediation list until
		// a dispatcher sends it to a committee.
		if slices.Contains(ids(med, dispute.QueueCommittee), waiting.ID) {
			t.Error("a dispute the dispatchers hold is on the committee's list")
		}
		// Lists page by key.
		l, err := db.ListDisputes(ctx, med, store.DisputeFilter{Queue: dispute.QueueCommittee, Limit: 2})
		if err != nil || len(l.Disputes) != 2 || l.Next == 0 {
			t.Fatalf("first page: %+v %v", l, err)
		}
		l2, err := db.ListDisputes(ctx, med, store.DisputeFilter{Queue: dispute.QueueCommittee, Limit: 2, Before: l.Next})
		if err != nil || len(l2.Disputes) != 1 || l2.Next != 0 || l2.Disputes[0].CaseID != mediating.ID {
			t.Errorf("second page: %+v %v", l2, err)
		}
		if s := l.Disputes[1]; s.Sessions != 1 || s.LastSession == nil || s.Department != "a-mediation" {
			t.Errorf("a listed dispute: %+v", s)
		}
	})
}

// TestDisputeCaseActionsOwned: a dispute's case is resolved and checked only
// through its mediation steps — directly, through the case workflow, the
// action is refused and nothing moves; a case of kind dispute without
// detail is resolved like any case. A reopened settled dispute is mediated
// again.
func TestDisputeCaseActionsOwned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := disputeWorld(t, dsn)
		db := w.db
		med := w.actors["mediator-a"]
		cd, err := db.CreateDispute(ctx, med, noiseDispute(2, 0))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Act(ctx, med, cd.ID, cases.ActionResolve, store.ActionInput{Input: cases.Input{Result: "已调解"}}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("a dispute resolved as a case: %v", err)
		}
		if c, _ := db.GetCase(ctx, med, cd.ID); c.State != cases.StateInProgress || c.Version != cd.Version {
			t.Errorf("the refused resolution moved the case: %s v%d", c.State, c.Version)
		}
		// Comments are anyone's.
		w.act(t, "mediator-a", cd.ID, cases.ActionComment, cases.Input{Note: "已约双方周五到场"})

		both := []int64{cd.Dispute.Parties[0].ID, cd.Dispute.Parties[1].ID}
		if _, err := db.RecordDisputeOutcome(ctx, med, cd.ID, dispute.Outcome{Agreement: true, Terms: "赔偿", Parties: both}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []cases.Action{cases.ActionVerify, cases.ActionFailVerification} {
			if _, err := db.Act(ctx, w.actors["worker-a"], cd.ID, a, store.ActionInput{Input: cases.Input{Method: cases.VerifyOnSite,
				Reason: "未履行"}}); anju.ErrorCode(err) != anju.ECONFLICT {
				t.Errorf("%s of an agreement as a case: %v", a, err)
			}
		}
		w.clock.Advance(31 * 24 * time.Hour)
		holds := true
		if _, err := db.RecordFollowUp(ctx, w.actors["worker-a"], cd.ID, dispute.FollowUp{Holds: &holds}); err != nil {
			t.Fatal(err)
		}
		// Settled and closed; the supervisor reopens it, and it is
		// mediated again once the dispatcher sends it back.
		w.act(t, "supervisor", cd.ID, cases.ActionReopen, cases.Input{Reason: "当事人再次来访"})
		got, err := db.GetDispute(ctx, w.actors["supervisor"], cd.ID)
		if err != nil || got.State != cases.StateAccepted || got.Dispute.State != dispute.StateMediating || got.Dispute.Terms != "赔偿" {
			t.Fatalf("reopened: case %s, dispute %+v, %v", got.State, got.Dispute, err)
		}
		w.act(t, "dispatcher", cd.ID, cases.ActionDispatch, cases.Input{Department: "a-mediation"})
		w.act(t, "mediator-a", cd.ID, cases.ActionStart, cases.Input{})
		if _, err := db.RecordDisputeOutcome(ctx, med, cd.ID, dispute.Outcome{Referral: dispute.ChannelLitigation}); err != nil {
			t.Errorf("the reopened dispute's new outcome: %v", err)
		}
		again, _ := db.GetDispute(ctx, med, cd.ID)
		if again.Dispute.Terms != "" || again.Dispute.FollowUpDue != nil || again.Dispute.Referral != dispute.ChannelLitigation {
			t.Errorf("a referral after an agreement keeps the agreement: %+v", again.Dispute)
		}

		// A case of kind dispute filed as a request has no mediation: the
		// workflow resolves it.
		nc := noiseDispute(2, 0).NewCase
		nc.Kind = cases.KindDispute
		plain, _, err := db.CreateCase(ctx, w.actors["operator"], nc, "")
		if err != nil {
			t.Fatal(err)
		}
		w.act(t, "dispatcher", plain.ID, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", plain.ID, cases.ActionDispatch, cases.Input{Department: "a-mediation"})
		w.act(t, "mediator-a", plain.ID, cases.ActionStart, cases.Input{})
		w.act(t, "mediator-a", plain.ID, cases.ActionResolve, cases.Input{Result: "已当场调解"})
	})
}

// TestAgreementSignatories: the printout's parties are those who signed.
func TestAgreementSignatories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := disputeWorld(t, dsn)
		db := w.db
		nd := noiseDispute(3, 0)
		nd.Dispute.Parties = append(nd.Dispute.Parties, dispute.Party{Kind: dispute.Organisation, Role: dispute.Respondent, Name: "某装修公司"})
		cd, err := db.CreateDispute(ctx, w.actors["mediator-a"], nd)
		if err != nil {
			t.Fatal(err)
		}
		ps := cd.Dispute.Parties
		if _, err := db.RecordDisputeOutcome(ctx, w.actors["mediator-a"], cd.ID, dispute.Outcome{Agreement: true, Terms: "公司赔偿",
			Parties: []int64{ps[0].ID, ps[2].ID}}); err != nil {
			t.Fatal(err)
		}
		ag, err := db.GetDisputeAgreement(ctx, w.actors["mediator-a"], cd.ID)
		if err != nil || len(ag.Dispute.Parties) != 2 || ag.Dispute.Parties[1].Name != "某装修公司" ||
			!slices.Equal(ag.Dispute.Signatories, []int64{ps[0].ID, ps[2].ID}) {
			t.Errorf("agreement of two of three: %+v %v", ag.Dispute, err)
		}
	})
}
