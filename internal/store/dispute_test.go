package store_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/department"
	"anju/internal/dispute"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/warning"
)

// disputeWorld is the case world with a street mediation committee in
// street A and its mediator.
func disputeWorld(t *testing.T, dsn string) *caseWorld {
	t.Helper()
	w := newCaseWorld(t, dsn)
	if _, err := w.db.SaveDepartment(context.Background(), system, store.Department{Code: "a-mediation", Name: "第1街道人民调解委员会",
		Type: department.TypeMediationCommittee, Region: "330102001", Categories: []string{"11"}}); err != nil {
		t.Fatal(err)
	}
	w.actors["mediator-a"] = mustUser(t, w.db, "mediator-a", anju.Grant{Role: anju.RoleMediator, Department: "a-mediation"})
	return w
}

func noiseDispute(people int, amount float64) store.NewDispute {
	nd := store.NewDispute{NewCase: store.NewCase{Title: "楼上装修噪声", Text: "楼上连续三周夜间装修，协商无果", Category: "1101",
		Lat: f(30.05), Lon: f(120.02)}}
	nd.Dispute = dispute.Dispute{Type: dispute.TypeNeighbour, Amount: amount, People: people, Parties: []dispute.Party{
		{Kind: dispute.Person, Role: dispute.Applicant, Name: "李四", Phone: "13912345678", IDNumber: "11010519491231002X"},
		{Kind: dispute.Person, Role: dispute.Respondent, Name: "王五", Phone: "13698765432"},
	}}
	return nd
}

func (w *caseWorld) countRows(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := w.db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDisputeMediation: intake with two parties, dispatched to the street's
// mediation committee, two sessions, an agreement, a follow-up that finds
// it broken and sends the case back to the committee, then one that finds
// it kept and closes it. Parties are stored encrypted and read masked.
func TestDisputeMediation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := disputeWorld(t, dsn)
		db := w.db
		cd, err := db.CreateDispute(ctx, w.actors["worker-a"], noiseDispute(2, 1200))
		if err != nil {
			t.Fatal(err)
		}
		id := cd.ID
		d := cd.Dispute
		if cd.Kind != cases.KindDispute || d.State != dispute.StateMediating || len(d.Parties) != 2 || d.Amount != 1200 {
			t.Fatalf("intake: %+v %+v", cd.Case.Case, d)
		}
		if p := d.Parties[0]; p.Name != "李**" || p.Phone != "139****5678" || strings.Contains(p.IDNumber, "19491231") {
			t.Errorf("party read unmasked: %+v", p)
		}
		var ct []byte
		if err := db.SQL().QueryRow(`SELECT r.ciphertext FROM reporters r JOIN dispute_parties p ON p.reporter_id = r.id AND p.city = r.city WHERE p.case_id = $1 AND p.seq = 0`, id).Scan(&ct); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(ct), "13912345678") || len(ct) == 0 {
			t.Error("party's phone stored in clear")
		}

		w.act(t, "dispatcher", id, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-mediation"})
		// Not yet signed for: no session.
		held := w.clock.Now().Add(-time.Hour)
		session := dispute.Session{HeldAt: held, Place: "第1社区调解室", Mediators: []string{"赵调解"},
			Attended: []int64{d.Parties[0].ID, d.Parties[1].ID}, Notes: "双方陈述"}
		if _, err := db.RecordDisputeSession(ctx, w.actors["mediator-a"], id, session); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("session before the committee signed for it: %v", err)
		}
		w.act(t, "mediator-a", id, cases.ActionStart, cases.Input{})
		if _, err := db.RecordDisputeSession(ctx, w.actors["mediator-a"], id, session); err != nil {
			t.Fatal(err)
		}
		session.HeldAt, session.Mediators = held.Add(30*time.Minute), []string{"赵调解", "钱调解"}
		if _, err := db.RecordDisputeSession(ctx, w.actors["mediator-a"], id, session); err != nil {
			t.Fatal(err)
		}
		// A session in the future, or with a stranger, is refused and not written.
		future := session
		future.HeldAt = w.clock.Now().Add(24 * time.Hour)
		if _, err := db.RecordDisputeSession(ctx, w.actors["mediator-a"], id, future); anju.ErrorField(err) != "held_at" {
			t.Errorf("future session: %v", err)
		}
		stranger := session
		stranger.Attended = []int64{999999}
		if _, err := db.RecordDisputeSession(ctx, w.actors["mediator-a"], id, stranger); anju.ErrorField(err) != "attended" {
			t.Errorf("stranger attended: %v", err)
		}
		// Street B's worker sees nothing of it.
		if _, err := db.RecordDisputeSession(ctx, w.actors["worker-b"], id, session); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B records a session: %v", err)
		}
		if _, err := db.GetDispute(ctx, w.actors["worker-b"], id); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B reads it: %v", err)
		}
		if n := w.countRows(t, "dispute_sessions"); n != 2 {
			t.Errorf("%d sessions stored", n)
		}

		both := []int64{d.Parties[0].ID, d.Parties[1].ID}
		if _, err := db.RecordDisputeOutcome(ctx, w.actors["mediator-a"], id, dispute.Outcome{Agreement: true, Parties: both}); anju.ErrorField(err) != "terms" {
			t.Errorf("agreement without terms: %v", err)
		}
		if _, err := db.RecordDisputeOutcome(ctx, w.actors["mediator-a"], id, dispute.Outcome{Agreement: true, Terms: "和解"}); anju.ErrorField(err) != "parties" {
			t.Errorf("agreement without parties: %v", err)
		}
		if _, err := db.RecordDisputeOutcome(ctx, w.actors["mediator-a"], id, dispute.Outcome{Agreement: true, Terms: "和解",
			Parties: []int64{d.Parties[0].ID, 999999}}); anju.ErrorField(err) != "parties" {
			t.Errorf("agreement signed by a stranger: %v", err)
		}
		cd, err = db.RecordDisputeOutcome(ctx, w.actors["mediator-a"], id, dispute.Outcome{Agreement: true, Terms: "王五于十日内赔偿李四1200元，今后装修不在夜间施工", Parties: both})
		if err != nil {
			t.Fatal(err)
		}
		if cd.State != cases.StateResolved || cd.Dispute.State != dispute.StateAgreed || cd.Dispute.FollowUpDue == nil {
			t.Fatalf("after agreement: case %s, dispute %+v", cd.State, cd.Dispute)
		}
		if want := time.Date(2026, 4, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)); !cd.Dispute.FollowUpDue.Equal(want) {
			t.Errorf("follow-up due %v, want %v", cd.Dispute.FollowUpDue, want)
		}
		// The printable agreement: in clear for the mediator (audited),
		// masked for the grid worker.
		ag, err := db.GetDisputeAgreement(ctx, w.actors["mediator-a"], id)
		if err != nil || !ag.Unmasked || ag.Dispute.Parties[0].Name != "李四" || len(ag.Mediators) != 2 {
			t.Errorf("mediator's agreement: %+v %v", ag, err)
		}
		ag, err = db.GetDisputeAgreement(ctx, w.actors["worker-a"], id)
		if err != nil || ag.Unmasked || ag.Dispute.Parties[0].Name != "李**" {
			t.Errorf("worker's agreement: %+v %v", ag, err)
		}

		broken := false
		if _, err := db.RecordFollowUp(ctx, w.actors["worker-a"], id, dispute.FollowUp{Holds: &broken, Note: "未按期赔偿"}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("follow-up before it is due: %v", err)
		}
		if l, _ := db.ListDisputes(ctx, w.actors["worker-a"], store.DisputeFilter{FollowUpDue: true}); len(l.Disputes) != 0 {
			t.Errorf("a visit due before its time: %+v", l)
		}
		w.clock.Advance(31 * 24 * time.Hour)
		if l, _ := db.ListDisputes(ctx, w.actors["worker-a"], store.DisputeFilter{FollowUpDue: true}); len(l.Disputes) != 1 || l.Disputes[0].CaseID != id {
			t.Errorf("visits due: %+v", l)
		}
		if _, err := db.RecordFollowUp(ctx, w.actors["worker-a"], id, dispute.FollowUp{Holds: &broken}); anju.ErrorField(err) != "note" {
			t.Errorf("broken without a note: %v", err)
		}
		cd, err = db.RecordFollowUp(ctx, w.actors["worker-a"], id, dispute.FollowUp{Holds: &broken, Note: "未按期赔偿"})
		if err != nil {
			t.Fatal(err)
		}
		if cd.State != cases.StateInProgress || cd.Department != "a-mediation" || cd.Dispute.State != dispute.StateMediating || cd.Dispute.Broken != 1 {
			t.Fatalf("after a broken agreement: case %s %s, dispute %+v", cd.State, cd.Department, cd.Dispute)
		}
		// The mediation begins anew on a clock of its own: the first
		// deadline passed while the agreement waited for its visit.
		if !cd.Deadlines.Resolution.After(w.clock.Now()) || cd.Overdue {
			t.Errorf("reopened mediation due %v (now %v), overdue %v", cd.Deadlines.Resolution, w.clock.Now(), cd.Overdue)
		}
		if n, err := db.RunDue(ctx, store.DefaultPolicy, 100); err != nil || n.Overdue != 0 {
			t.Errorf("the scheduler finds the reopened mediation overdue: %+v %v", n, err)
		}
		if !slices.Equal(cd.Dispute.AllowedSteps, []dispute.Action{}) {
			t.Errorf("the visitor's steps on a mediation: %v", cd.Dispute.AllowedSteps)
		}
		med, _ := db.GetDispute(ctx, w.actors["mediator-a"], id)
		if !slices.Equal(med.Dispute.AllowedSteps, []dispute.Action{dispute.ActionSession, dispute.ActionAgree, dispute.ActionRefer}) ||
			slices.Contains(med.AllowedActions, cases.ActionResolve) {
			t.Errorf("the mediator's steps %v and actions %v", med.Dispute.AllowedSteps, med.AllowedActions)
		}
		// Mediated again, agreed again, and this time it holds.
		session.HeldAt = w.clock.Now().Add(-time.Hour)
		if _, err := db.RecordDisputeSession(ctx, w.actors["mediator-a"], id, session); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordDisputeOutcome(ctx, w.actors["mediator-a"], id, dispute.Outcome{Agreement: true, Terms: "王五当场支付1200元", Parties: both}); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(31 * 24 * time.Hour)
		holds := true
		cd, err = db.RecordFollowUp(ctx, w.actors["worker-a"], id, dispute.FollowUp{Holds: &holds})
		if err != nil {
			t.Fatal(err)
		}
		if cd.State != cases.StateClosed || cd.Outcome != cases.OutcomeSolved || cd.Dispute.State != dispute.StateSettled {
			t.Fatalf("settled: case %s %s, dispute %s", cd.State, cd.Outcome, cd.Dispute.State)
		}
		hist, _ := db.History(ctx, system, id)
		var actions []string
		for _, e := range hist {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, ","); got != "submit,accept,dispatch,start,comment,comment,resolve,fail_verification,comment,resolve,verify,close" {
			t.Errorf("history %s", got)
		}
	})
}

// TestDisputeReferral: no agreement, referred to litigation, the dispute
// stays open on the list until the court's result is recorded.
func TestDisputeReferral(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := disputeWorld(t, dsn)
		db := w.db
		// Referred in from a request the operator took.
		req, _, err := db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}
		nd := noiseDispute(3, 50000)
		nd.FromCase = req.ID
		cd, err := db.CreateDispute(ctx, w.actors["operator"], nd)
		if err != nil {
			t.Fatal(err)
		}
		id := cd.ID
		if cd.Dispute.FromCase != req.ID {
			t.Errorf("from case %d", cd.Dispute.FromCase)
		}
		w.act(t, "dispatcher", id, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-mediation"})
		w.act(t, "mediator-a", id, cases.ActionStart, cases.Input{})
		if _, err := db.RecordDisputeOutcome(ctx, w.actors["mediator-a"], id, dispute.Outcome{Referral: "duel"}); anju.ErrorField(err) != "referral" {
			t.Errorf("unknown channel: %v", err)
		}
		cd, err = db.RecordDisputeOutcome(ctx, w.actors["mediator-a"], id, dispute.Outcome{Referral: dispute.ChannelLitigation})
		if err != nil {
			t.Fatal(err)
		}
		if cd.State != cases.StateResolved || !cd.State.Open() || cd.Dispute.State != dispute.StateReferred {
			t.Fatalf("referred: %s %s", cd.State, cd.Dispute.State)
		}
		l, err := db.ListDisputes(ctx, w.actors["worker-a"], store.DisputeFilter{State: dispute.StateReferred})
		if err != nil || len(l.Disputes) != 1 || l.Disputes[0].CaseID != id || l.Disputes[0].Referral != dispute.ChannelLitigation {
			t.Fatalf("referred list: %+v %v", l, err)
		}
		if l, _ := db.ListDisputes(ctx, w.actors["worker-b"], store.DisputeFilter{}); len(l.Disputes) != 0 {
			t.Errorf("worker B's list: %+v", l)
		}
		if _, err := db.RecordReferralResult(ctx, w.actors["mediator-a"], id, dispute.ReferralResult{Result: "x"}); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("the mediator records the court's result: %v", err)
		}
		cd, err = db.RecordReferralResult(ctx, w.actors["worker-a"], id, dispute.ReferralResult{Result: "法院判决王五赔偿李四五万元"})
		if err != nil {
			t.Fatal(err)
		}
		if cd.State != cases.StateClosed || cd.Dispute.State != dispute.StateConcluded || cd.Dispute.ReferralResult == "" {
			t.Fatalf("concluded: %s %+v", cd.State, cd.Dispute)
		}
		if l, _ := db.ListDisputes(ctx, w.actors["worker-a"], store.DisputeFilter{State: dispute.StateReferred}); len(l.Disputes) != 0 {
			t.Errorf("still on the referred list: %+v", l)
		}
	})
}

// TestDisputeBadInput: each refusal names its field and writes nothing.
func TestDisputeBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := disputeWorld(t, dsn)
		for _, tc := range []struct {
			edit  func(nd *store.NewDispute)
			actor string
			field string
		}{
			{func(nd *store.NewDispute) { nd.Dispute.Type = "feud" }, "worker-a", "type"},
			{func(nd *store.NewDispute) { nd.Dispute.Parties = nd.Dispute.Parties[:1] }, "worker-a", "parties"},
			{func(nd *store.NewDispute) { nd.Dispute.Amount = -5 }, "worker-a", "amount"},
			{func(nd *store.NewDispute) { nd.Dispute.People = 0 }, "worker-a", "people"},
			{func(nd *store.NewDispute) { nd.Dispute.Parties[1].Phone = "123" }, "worker-a", "parties[1].phone"},
			{func(nd *store.NewDispute) { nd.Kind = cases.KindHazard }, "worker-a", "kind"},
			{func(nd *store.NewDispute) { nd.Text = "" }, "worker-a", "text"},
			{func(nd *store.NewDispute) { nd.FromCase = 987654 }, "worker-a", "from_case"},
			{func(nd *store.NewDispute) {}, "worker-b", "lat"}, // street A, outside B's area
		} {
			nd := noiseDispute(2, 0)
			tc.edit(&nd)
			if _, err := w.db.CreateDispute(ctx, w.actors[tc.actor], nd); anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != tc.field {
				t.Errorf("want EINVALID on %s, got %v", tc.field, err)
			}
		}
		for _, table := range []string{"cases", "disputes", "dispute_parties", "reporters"} {
			if n := w.countRows(t, table); n != 0 {
				t.Errorf("%d rows in %s after refusals", n, table)
			}
		}
		if _, err := w.db.CreateDispute(ctx, w.actors["resident"], noiseDispute(2, 0)); err != nil {
			// A resident brings their own dispute like any report.
			t.Errorf("resident's dispute: %v", err)
		}
	})
}

// TestLargeDisputeWarning: a dispute of many people raises one warning to
// its street, seen by the district, not by the other street, without the
// parties' names; a small one raises none.
func TestLargeDisputeWarning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := disputeWorld(t, dsn)
		db := w.db
		big, err := db.CreateDispute(ctx, w.actors["worker-a"], noiseDispute(40, 0))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateDispute(ctx, w.actors["worker-a"], noiseDispute(3, 99999)); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := db.DetectWarnings(ctx, w.clock.Now(), warning.Policy{}); err != nil {
				t.Fatal(err)
			}
		}
		district := mustUser(t, db, "district-a", anju.Grant{Role: anju.RoleSupervisor, Region: "330102"})
		l, err := db.ListWarnings(ctx, district, store.WarningFilter{Kind: store.WarningLargeDispute})
		if err != nil || len(l.Warnings) != 1 {
			t.Fatalf("district's large dispute warnings: %+v %v", l, err)
		}
		wn := l.Warnings[0]
		if wn.Region != "330102001" || !strings.Contains(wn.Title, "40 人") || strings.Contains(wn.Title+string(wn.Detail), "李") ||
			!strings.Contains(string(wn.Detail), `"case":`+strconv.FormatInt(big.ID, 10)) {
			t.Errorf("warning %+v %s", wn, wn.Detail)
		}
		if l, _ := db.ListWarnings(ctx, w.actors["worker-b"], store.WarningFilter{Kind: store.WarningLargeDispute}); len(l.Warnings) != 0 {
			t.Errorf("street B sees street A's warning")
		}
		// A city that sets a higher bar raises none.
		if n, _ := db.DetectWarnings(ctx, w.clock.Now(), warning.Policy{LargeDisputePeople: 50}); n[store.WarningLargeDispute] != 0 {
			t.Errorf("raised again: %v", n)
		}
	})
}

// TestDisputeSettings: a city's follow-up period sets when the follow-up
// of a new agreement falls due, and its thresholds which disputes are
// large; only a city-wide administrator sets them, within bounds.
func TestDisputeSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := disputeWorld(t, dsn)
		db := w.db
		admin := mustUser(t, db, "admin", anju.Grant{Role: anju.RoleAdmin, Region: "330100"})
		streetAdmin := mustUser(t, db, "admin-a", anju.Grant{Role: anju.RoleAdmin, Region: "330102001"})
		if err := db.SetDisputeSettings(ctx, streetAdmin, dispute.Settings{FollowUpDays: 10}); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("a street's administrator sets the city's settings: %v", err)
		}
		if err := db.SetDisputeSettings(ctx, admin, dispute.Settings{FollowUpDays: 400}); anju.ErrorField(err) != "follow_up_days" {
			t.Errorf("a period of 400 days: %v", err)
		}
		if st, _ := db.DisputeSettings(ctx, "330100"); st != (dispute.Settings{}) {
			t.Errorf("refused settings were written: %+v", st)
		}
		if err := db.SetDisputeSettings(ctx, admin, dispute.Settings{FollowUpDays: 10, LargePeople: 50}); err != nil {
			t.Fatal(err)
		}
		cd, err := db.CreateDispute(ctx, w.actors["worker-a"], noiseDispute(40, 0))
		if err != nil {
			t.Fatal(err)
		}
		w.act(t, "dispatcher", cd.ID, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", cd.ID, cases.ActionDispatch, cases.Input{Department: "a-mediation"})
		w.act(t, "mediator-a", cd.ID, cases.ActionStart, cases.Input{})
		cd, err = db.RecordDisputeOutcome(ctx, w.actors["mediator-a"], cd.ID, dispute.Outcome{Agreement: true, Terms: "各方和解", Parties: []int64{cd.Dispute.Parties[0].ID, cd.Dispute.Parties[1].ID}})
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 3, 12, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)); !cd.Dispute.FollowUpDue.Equal(want) {
			t.Errorf("follow-up due %v, want %v (10 days)", cd.Dispute.FollowUpDue, want)
		}
		// 40 people are not many in a city that warns from 50.
		if n, err := db.DetectWarnings(ctx, w.clock.Now(), warning.Policy{}); err != nil || n[store.WarningLargeDispute] != 0 {
			t.Errorf("large dispute under the city's bar: %v %v", n, err)
		}
		if err := db.SetDisputeSettings(ctx, admin, dispute.Settings{FollowUpDays: 10, LargePeople: 40}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.DetectWarnings(ctx, w.clock.Now(), warning.Policy{}); err != nil || n[store.WarningLargeDispute] != 1 {
			t.Errorf("large dispute at the city's bar: %v %v", n, err)
		}
	})
}

// TestDisputeResidentView: a resident who brought a dispute follows it —
// its sessions' times and places — but not the mediators' notes.
func TestDisputeResidentView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := disputeWorld(t, dsn)
		db := w.db
		cd, err := db.CreateDispute(ctx, w.actors["resident"], noiseDispute(2, 0))
		if err != nil {
			t.Fatal(err)
		}
		w.act(t, "dispatcher", cd.ID, cases.ActionAccept, cases.Input{})
		w.act(t, "dispatcher", cd.ID, cases.ActionDispatch, cases.Input{Department: "a-mediation"})
		w.act(t, "mediator-a", cd.ID, cases.ActionStart, cases.Input{})
		if _, err := db.RecordDisputeSession(ctx, w.actors["mediator-a"], cd.ID, dispute.Session{HeldAt: w.clock.Now().Add(-time.Hour),
			Place: "调解室", Mediators: []string{"赵调解"}, Attended: []int64{cd.Dispute.Parties[0].ID}, Notes: "被申请人情绪激动"}); err != nil {
			t.Fatal(err)
		}
		mine, err := db.GetDispute(ctx, w.actors["resident"], cd.ID)
		if err != nil || len(mine.Dispute.Sessions) != 1 || mine.Dispute.Sessions[0].Place != "调解室" ||
			mine.Dispute.Sessions[0].Notes != "" || mine.Dispute.Sessions[0].RecordedBy != "" {
			t.Errorf("the resident's view: %+v %v", mine.Dispute, err)
		}
		c, _ := db.GetCase(ctx, w.actors["resident"], cd.ID)
		if d, err := db.DisputeOf(ctx, w.actors["resident"], c); err != nil || d.Sessions[0].Notes != "" {
			t.Errorf("the resident's case JSON: %+v %v", d, err)
		}
		staff, _ := db.GetDispute(ctx, w.actors["worker-a"], cd.ID)
		if staff.Dispute.Sessions[0].Notes != "被申请人情绪激动" {
			t.Errorf("staff's view lost the notes: %+v", staff.Dispute.Sessions)
		}
	})
}

// A case of kind dispute filed through the general intake has no detail:
// it reads as a case, with no dispute and no error.
func TestDisputeKindWithoutDetail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		nc := streetLight()
		nc.Kind = cases.KindDispute
		c, _, err := w.db.CreateCase(ctx, w.actors["operator"], nc, "")
		if err != nil || c.Kind != cases.KindDispute {
			t.Fatalf("%v, kind %s", err, c.Kind)
		}
		if d, err := w.db.DisputeOf(ctx, w.actors["dispatcher"], c); d != nil || err != nil {
			t.Errorf("a dispute without detail: %+v, %v", d, err)
		}
	})
}
