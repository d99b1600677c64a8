package store_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/petition"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

var cst = time.FixedZone("CST", 8*3600)

// dayEnd is 24:00 of a date in China, the way the statute's periods end.
func dayEnd(y int, m time.Month, d int) time.Time { return time.Date(y, m, d+1, 0, 0, 0, 0, cst) }

func cstAt(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, cst)
}

// petitionWorld adds to the case world the street's petition office and the
// district's, which takes the reviews, with a handler each.
func petitionWorld(t *testing.T, dsn string) *caseWorld {
	t.Helper()
	w := newCaseWorld(t, dsn)
	ctx := context.Background()
	for _, d := range []store.Department{
		{Code: "a-xf", Name: "第1街道信访办", Region: "330102001", Categories: []string{"16"}},
		{Code: "d1-xf", Name: "第1区信访局", Region: "330102", Categories: []string{"16"}},
	} {
		if _, err := w.db.SaveDepartment(ctx, system, d); err != nil {
			t.Fatal(err)
		}
	}
	w.actors["xf"] = mustUser(t, w.db, "xf", anju.Grant{Role: anju.RoleHandler, Department: "a-xf"})
	w.actors["xf-d"] = mustUser(t, w.db, "xf-d", anju.Grant{Role: anju.RoleHandler, Department: "d1-xf"})
	return w
}

func newPetition(first bool) store.NewPetition {
	np := store.NewPetition{NewCase: store.NewCase{Title: "征地补偿款未足额发放", Text: "村里征地补偿款至今未足额发放，多次询问无果",
		Category: "1603", Lat: f(30.05), Lon: f(120.02)}}
	np.Reporter.Name, np.Reporter.Phone, np.Reporter.IDNumber = "王五", "13900001111", "11010519491231002X"
	np.Petition = petition.Intake{Channel: petition.ChannelLetter, First: &first}
	return np
}

// TestPetitionLifecycle follows a petition through every statutory step on
// a fake clock, with every date the clock sets checked against dates worked
// out by hand: received just before the 2025 National Day break, accepted
// inside it, extended once, concluded, reviewed across the year end,
// re-review asked a minute too late.
func TestPetitionLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := petitionWorld(t, dsn)
		a := w.actors

		w.clock.Set(cstAt(2025, 9, 29, 10, 0)) // Monday
		cp, err := w.db.CreatePetition(ctx, a["operator"], newPetition(true))
		if err != nil {
			t.Fatal(err)
		}
		id := cp.ID
		// 15 days from 09-29: Tuesday 10-14. Until a decision the running
		// deadline is the notice, for the scheduler too.
		if !cp.Deadlines.Response.Equal(dayEnd(2025, 10, 14)) || !cp.Deadlines.Resolution.Equal(dayEnd(2025, 10, 14)) {
			t.Fatalf("deadlines at intake %+v", cp.Deadlines)
		}
		p := cp.Petition
		if cp.Kind != cases.KindPetition || p.Channel != petition.ChannelLetter || !p.First || p.Clock.Stage != petition.StageReceived ||
			p.Clock.DueFor != "accept_notice" || !slices.Equal(p.Steps, []petition.Action{petition.ActionAccept, petition.ActionDecline}) {
			t.Fatalf("petition at intake: %+v", p)
		}
		if cp.Reporter == nil || cp.Reporter.Name != "王**" || cp.Reporter.Phone != "139****1111" || cp.ReporterSecret != "" {
			t.Errorf("petitioner not masked, or given a tracking link: %+v %q", cp.Reporter, cp.ReporterSecret)
		}

		w.clock.Set(cstAt(2025, 10, 3, 10, 0)) // inside the break
		cp, err = w.db.AcceptPetition(ctx, a["operator"], id, petition.Acceptance{Notice: "交第1街道信访办调查处理，60日内书面答复"})
		if err != nil {
			t.Fatal(err)
		}
		// 60 days from 10-03: Tuesday 12-02.
		if cp.State != cases.StateAccepted || !cp.Deadlines.Resolution.Equal(dayEnd(2025, 12, 2)) ||
			!cp.Petition.Clock.ConclusionDue.Equal(dayEnd(2025, 12, 2)) || !cp.Deadlines.Response.Equal(dayEnd(2025, 10, 14)) {
			t.Fatalf("accepted: %s %+v %+v", cp.State, cp.Deadlines, cp.Petition.Clock)
		}
		if len(cp.Petition.Documents) != 1 || cp.Petition.Documents[0].Kind != petition.DocAcceptNotice {
			t.Errorf("documents %+v", cp.Petition.Documents)
		}
		w.act(t, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-xf"})
		w.act(t, "xf", id, cases.ActionStart, cases.Input{})

		w.clock.Set(cstAt(2025, 10, 10, 9, 0))
		if _, err := w.db.RequestPetitionExtension(ctx, a["xf"], id, petition.ExtensionRequest{Reason: "需调取档案", Days: 31}); anju.ErrorField(err) != "days" {
			t.Fatalf("31 days: %v", err)
		}
		if _, err := w.db.RequestPetitionExtension(ctx, a["xf"], id, petition.ExtensionRequest{Reason: "需调取土地档案", Days: 15}); err != nil {
			t.Fatal(err)
		}
		w.clock.Set(cstAt(2025, 10, 11, 9, 0))
		c := w.act(t, "dispatcher", id, cases.ActionApproveExtension, cases.Input{})
		// 75 days from the acceptance, as one period: Wednesday 12-17 (the
		// store once added the days to the moved date instead).
		if !c.Deadlines.Resolution.Equal(dayEnd(2025, 12, 17)) {
			t.Errorf("extended to %s", c.Deadlines.Resolution.In(cst))
		}
		// Once only, by the generic route as by the petition's.
		if _, err := w.db.Act(ctx, a["xf"], id, cases.ActionRequestExtension,
			store.ActionInput{Input: cases.Input{Reason: "再延", Days: 5}}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("second extension: %v", err)
		}

		w.clock.Set(cstAt(2025, 11, 20, 15, 0))
		if _, err := w.db.RecordPetitionOpinion(ctx, a["dispatcher"], id, petition.Opinion{Text: "x", Finding: petition.Supported}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("an opinion before the department's result: %v", err)
		}
		w.act(t, "xf", id, cases.ActionResolve, cases.Input{Result: "经核查，补偿款差额已由镇政府补发"})
		if _, err := w.db.RecordPetitionOpinion(ctx, a["operator"], id, petition.Opinion{Text: "x", Finding: petition.Supported}); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Fatalf("an opinion by an operator: %v", err)
		}
		w.clock.Set(cstAt(2025, 11, 21, 10, 0))
		cp, err = w.db.RecordPetitionOpinion(ctx, a["dispatcher"], id, petition.Opinion{
			Text: "经调查核实，您反映的补偿款差额属实，已责成镇政府补发。", Finding: petition.PartlySupported})
		if err != nil {
			t.Fatal(err)
		}
		// Delivered 11-21: the review window ends Sunday 12-21, a day off: Monday 12-22.
		if cp.State != cases.StateClosed || cp.Outcome != cases.OutcomePartlySolved || cp.Petition.Clock.Stage != petition.StageConcluded ||
			!cp.Petition.Clock.ReviewRequestBy.Equal(dayEnd(2025, 12, 22)) {
			t.Fatalf("concluded: %s %s %+v", cp.State, cp.Outcome, cp.Petition.Clock)
		}
		if got := queue(t, w, "supervisor", cases.QueueLongUnresolved); len(got) != 0 {
			t.Errorf("a petition concluded in time is long-unresolved: %v", got)
		}

		if _, err := w.db.RequestPetitionReview(ctx, a["dispatcher"], id, petition.ActionReview, petition.ReviewRequest{Reason: "x"}); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Fatalf("a review by a dispatcher: %v", err)
		}
		w.clock.Set(cstAt(2025, 12, 22, 23, 0)) // the window's last day
		cp, err = w.db.RequestPetitionReview(ctx, a["supervisor"], id, petition.ActionReview, petition.ReviewRequest{Reason: "补发金额计算有误"})
		if err != nil {
			t.Fatal(err)
		}
		// Reopened and taken up a level (from the district, where its
		// category is handled, to the city), the review due 30 days on:
		// Wednesday 2026-01-21.
		if cp.State != cases.StateAccepted || cp.HandlingRegion != "330100" || cp.Reopened != 1 ||
			!cp.Deadlines.Resolution.Equal(dayEnd(2026, 1, 21)) || cp.Petition.Clock.Stage != petition.StageReviewRequested {
			t.Fatalf("review requested: %s %s %d %s %s", cp.State, cp.HandlingRegion, cp.Reopened, cp.Deadlines.Resolution.In(cst), cp.Petition.Clock.Stage)
		}
		if got := queue(t, w, "supervisor", cases.QueueLongUnresolved); !slices.Contains(got, id) {
			t.Errorf("a petition under review is not on the leaders' list: %v", got)
		}
		if _, err := w.db.ListCases(ctx, a["dispatcher"], store.CaseFilter{Queue: cases.QueueLongUnresolved}); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("the long-unresolved list for a dispatcher: %v", err)
		}

		w.act(t, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "d1-xf"})
		w.act(t, "xf-d", id, cases.ActionStart, cases.Input{})
		w.clock.Set(cstAt(2026, 1, 14, 10, 0))
		w.act(t, "xf-d", id, cases.ActionResolve, cases.Input{Result: "复查认定补发金额计算无误"})
		w.clock.Set(cstAt(2026, 1, 15, 10, 0))
		cp, err = w.db.RecordPetitionOpinion(ctx, a["dispatcher"], id, petition.Opinion{Text: "复查意见：维持原处理意见。", Finding: petition.NotSupported})
		if err != nil {
			t.Fatal(err)
		}
		// The re-review window: 30 days from 01-15 end on Saturday 02-14,
		// a working day (调休).
		if cp.Petition.Clock.Stage != petition.StageReviewConcluded || !cp.Petition.Clock.ReReviewRequestBy.Equal(dayEnd(2026, 2, 14)) ||
			cp.Outcome != cases.OutcomeExplained {
			t.Fatalf("review concluded: %+v %s", cp.Petition.Clock, cp.Outcome)
		}
		if len(cp.Petition.Documents) != 3 || cp.Petition.Documents[2].Kind != petition.DocReviewOpinion {
			t.Errorf("documents %+v", cp.Petition.Documents)
		}

		// A minute past the window: refused, and nothing written.
		w.clock.Set(cstAt(2026, 2, 15, 0, 1))
		before, _ := w.db.History(ctx, a["supervisor"], id)
		_, err = w.db.RequestPetitionReview(ctx, a["supervisor"], id, petition.ActionReReview, petition.ReviewRequest{Reason: "仍不服"})
		if anju.ErrorCode(err) != anju.ECONFLICT {
			t.Fatalf("a re-review asked after its window: %v", err)
		}
		after, _ := w.db.History(ctx, a["supervisor"], id)
		now, _ := w.db.GetPetition(ctx, a["supervisor"], id)
		if len(after) != len(before) || now.State != cases.StateClosed || now.Version != cp.Version || now.Petition.Clock.OpenToSameMatter {
			t.Errorf("the refused re-review left %d events (was %d), state %s, version %d (was %d)", len(after), len(before), now.State, now.Version, cp.Version)
		}
		// Nor by the plain case action.
		if _, err := w.db.Act(ctx, a["supervisor"], id, cases.ActionReopen, store.ActionInput{Input: cases.Input{Reason: "x"}}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("a reopening after the window: %v", err)
		}

		// The documents print: the petitioner in clear for the office
		// (audited), masked for a supervisor.
		pr, err := w.db.GetPetitionPrint(ctx, a["dispatcher"], id, store.PrintOpinion)
		if err != nil || pr.Kind != petition.DocReviewOpinion || pr.Document == nil || pr.Document.Text != "复查意见：维持原处理意见。" ||
			!pr.Unmasked || pr.Petitioner.Name != "王五" || pr.Organ != "测试市" {
			t.Fatalf("opinion print: %+v %v", pr, err)
		}
		nt, err := w.db.GetPetitionPrint(ctx, a["supervisor"], id, store.PrintNotice)
		if err != nil || nt.Kind != petition.DocAcceptNotice || nt.Unmasked || nt.Petitioner.Name != "王**" || nt.Document == nil {
			t.Fatalf("notice print: %+v %v", nt, err)
		}
		entries, err := w.db.ListAudit(ctx, system, store.AuditFilter{Action: "petition.petitioner.unmask"})
		if err != nil || len(entries) != 1 {
			t.Errorf("unmask audit: %d entries, %v", len(entries), err)
		}
	})
}

func queue(t *testing.T, w *caseWorld, login string, q cases.Queue) []int64 {
	t.Helper()
	l, err := w.db.ListCases(context.Background(), w.actors[login], store.CaseFilter{Queue: q})
	if err != nil {
		t.Fatalf("%s queue %s: %v", login, q, err)
	}
	var ids []int64
	for _, c := range l.Cases {
		ids = append(ids, c.ID)
	}
	return ids
}

// TestPetitionBadInput: each refusal is a clear 4xx naming what is wrong,
// and writes nothing.
func TestPetitionBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := petitionWorld(t, dsn)
		a := w.actors
		count := func() int {
			var n int
			if err := w.db.SQL().QueryRow(`SELECT (SELECT COUNT(*) FROM cases) + (SELECT COUNT(*) FROM petitions) + (SELECT COUNT(*) FROM reporters)`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		request, _, err := w.db.CreateCase(ctx, a["operator"], streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}
		n := count()
		for _, tc := range []struct {
			name  string
			edit  func(*store.NewPetition)
			field string
		}{
			{"no channel", func(np *store.NewPetition) { np.Petition.Channel = "" }, "channel"},
			{"unknown channel", func(np *store.NewPetition) { np.Petition.Channel = "fax" }, "channel"},
			{"first unsaid", func(np *store.NewPetition) { np.Petition.First = nil }, "first"},
			{"no petitioner", func(np *store.NewPetition) { np.Reporter.Name, np.Reporter.Phone, np.Reporter.IDNumber = "", "", "" }, "reporter.name"},
			{"anonymous", func(np *store.NewPetition) {
				np.Reporter.Name, np.Reporter.Phone, np.Reporter.IDNumber, np.Reporter.Anonymous = "", "", "", true
			}, "reporter.name"},
			{"a repeat of a request", func(np *store.NewPetition) {
				no := false
				np.Petition.First, np.Petition.RepeatOf = &no, request.ID
			}, "repeat_of"},
			{"another kind", func(np *store.NewPetition) { np.Kind = cases.KindDispute }, "kind"},
			{"a bad ID number", func(np *store.NewPetition) { np.Reporter.IDNumber = "123" }, "reporter.id_number"},
		} {
			np := newPetition(true)
			tc.edit(&np)
			_, err := w.db.CreatePetition(ctx, a["operator"], np)
			if anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != tc.field {
				t.Errorf("%s: %v, want EINVALID on %s", tc.name, err, tc.field)
			}
		}
		if got := count(); got != n {
			t.Fatalf("refused intakes wrote %d rows", got-n)
		}
		if _, err := w.db.CreatePetition(ctx, a["handler-a"], newPetition(true)); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("intake by a handler: %v", err)
		}
		// The portal does not take petitions in.
		nc := newPetition(true).NewCase
		if _, _, err := w.db.CreateCase(ctx, anju.PublicActor("330100", "web"), nc, ""); anju.ErrorField(err) != "category" {
			t.Errorf("a petition from the portal: %v", err)
		}

		cp, err := w.db.CreatePetition(ctx, a["operator"], newPetition(true))
		if err != nil {
			t.Fatal(err)
		}
		id := cp.ID
		steps := []struct {
			name  string
			do    func() error
			code  string
			field string
		}{
			{"blank notice", func() error {
				_, err := w.db.AcceptPetition(ctx, a["operator"], id, petition.Acceptance{Notice: " \u200b"})
				return err
			}, anju.EINVALID, "notice"},
			{"bad input outside one's area", func() error {
				_, err := w.db.AcceptPetition(ctx, a["worker-b"], id, petition.Acceptance{})
				return err
			}, anju.ENOTFOUND, ""},
			{"accepted by a handler", func() error {
				_, err := w.db.AcceptPetition(ctx, a["handler-a"], id, petition.Acceptance{Notice: "x"})
				return err
			}, anju.ENOTFOUND, ""},
			{"declined with nowhere to turn", func() error {
				_, err := w.db.DeclinePetition(ctx, a["operator"], id, petition.Declining{Reason: "属诉讼程序"})
				return err
			}, anju.EINVALID, "refer_to"},
			{"an extension before acceptance", func() error {
				_, err := w.db.RequestPetitionExtension(ctx, a["xf"], id, petition.ExtensionRequest{Reason: "x", Days: 3})
				return err
			}, anju.ENOTFOUND, ""},
			{"an opinion with no finding", func() error {
				_, err := w.db.RecordPetitionOpinion(ctx, a["dispatcher"], id, petition.Opinion{Text: "x"})
				return err
			}, anju.EINVALID, "finding"},
			{"an opinion before acceptance", func() error {
				_, err := w.db.RecordPetitionOpinion(ctx, a["dispatcher"], id, petition.Opinion{Text: "x", Finding: petition.Supported})
				return err
			}, anju.ECONFLICT, ""},
			{"a review before any opinion", func() error {
				_, err := w.db.RequestPetitionReview(ctx, a["supervisor"], id, petition.ActionReview, petition.ReviewRequest{Reason: "x"})
				return err
			}, anju.ECONFLICT, ""},
			{"a step on a request", func() error {
				_, err := w.db.AcceptPetition(ctx, a["operator"], request.ID, petition.Acceptance{Notice: "x"})
				return err
			}, anju.ENOTFOUND, ""},
			{"a print before the decision", func() error {
				_, err := w.db.GetPetitionPrint(ctx, a["operator"], id, store.PrintNotice)
				return err
			}, anju.ECONFLICT, ""},
			{"an unknown document", func() error {
				_, err := w.db.GetPetitionPrint(ctx, a["operator"], id, "letter")
				return err
			}, anju.EINVALID, "document"},
		}
		for _, s := range steps {
			before := count()
			err := s.do()
			if anju.ErrorCode(err) != s.code || (s.field != "" && anju.ErrorField(err) != s.field) {
				t.Errorf("%s: %v, want %s %s", s.name, err, s.code, s.field)
			}
			if count() != before {
				t.Errorf("%s wrote rows", s.name)
			}
		}
		if got, _ := w.db.GetPetition(ctx, a["operator"], id); got.Version != cp.Version || len(got.Petition.Documents) != 0 {
			t.Errorf("the refusals moved the petition: version %d, %d documents", got.Version, len(got.Petition.Documents))
		}
	})
}

// TestPetitionScheduler: the scheduler's warnings and overdue marks follow
// the statutory clock — the written notice while the petition waits for a
// decision, the conclusion after — and an overdue petition is on the
// leaders' list of long-unresolved ones.
func TestPetitionScheduler(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := petitionWorld(t, dsn)
		// Received Friday 2026-02-06: 15 days end in the Spring Festival
		// break (02-21), so the notice is due Tuesday 02-24.
		w.clock.Set(cstAt(2026, 2, 6, 10, 0))
		cp, err := w.db.CreatePetition(ctx, w.actors["operator"], newPetition(false))
		if err != nil {
			t.Fatal(err)
		}
		id := cp.ID
		if !cp.Deadlines.Resolution.Equal(dayEnd(2026, 2, 24)) {
			t.Fatalf("notice due %s", cp.Deadlines.Resolution.In(cst))
		}
		w.clock.Set(cstAt(2026, 2, 24, 12, 0)) // a day ahead of the end
		n, err := w.db.RunDue(ctx, store.DefaultPolicy, 100)
		if err != nil || n.Warned != 1 || n.Overdue != 0 {
			t.Fatalf("warning pass: %+v %v", n, err)
		}
		w.clock.Set(dayEnd(2026, 2, 24)) // 24:00 of the last day: not yet late
		if n, _ := w.db.RunDue(ctx, store.DefaultPolicy, 100); n.Overdue != 0 {
			t.Fatalf("overdue at 24:00 of the last day: %+v", n)
		}
		w.clock.Set(dayEnd(2026, 2, 24).Add(time.Second))
		if n, _ := w.db.RunDue(ctx, store.DefaultPolicy, 100); n.Overdue != 1 {
			t.Fatalf("not marked overdue after the notice's day: %+v", n)
		}
		c, _ := w.db.GetCase(ctx, w.actors["supervisor"], id)
		if !c.Overdue || c.Card != cases.CardYellow {
			t.Errorf("overdue %v, card %q", c.Overdue, c.Card)
		}
		if got := queue(t, w, "supervisor", cases.QueueLongUnresolved); !slices.Equal(got, []int64{id}) {
			t.Errorf("long-unresolved: %v", got)
		}
		// Accepted late: the conclusion's clock runs from the acceptance,
		// 60 days from 02-25 to Monday 04-27; the mark is lifted.
		cp, err = w.db.AcceptPetition(ctx, w.actors["operator"], id, petition.Acceptance{Notice: "交第1街道信访办办理"})
		if err != nil {
			t.Fatal(err)
		}
		if cp.Overdue || !cp.Deadlines.Resolution.Equal(dayEnd(2026, 4, 27)) || !cp.Deadlines.Response.Equal(dayEnd(2026, 2, 24)) {
			t.Errorf("accepted: overdue %v, deadlines %+v", cp.Overdue, cp.Deadlines)
		}
		if got := queue(t, w, "supervisor", cases.QueueLongUnresolved); len(got) != 0 {
			t.Errorf("still long-unresolved after acceptance: %v", got)
		}
		w.clock.Set(cstAt(2026, 4, 27, 8, 0))
		if n, _ := w.db.RunDue(ctx, store.DefaultPolicy, 100); n.Warned != 1 {
			t.Errorf("no warning before the conclusion: %+v", n)
		}
		// The figures judge the response against the notice's date: late.
		p := storeFigures(t, w, cstAt(2026, 2, 1, 0, 0))
		if v := p["on_time_response"]; v.Count != 0 || v.Of != 1 {
			t.Errorf("on-time response %+v", v)
		}
	})
}

func storeFigures(t *testing.T, w *caseWorld, from time.Time) map[string]struct{ Count, Of int } {
	t.Helper()
	vs, _, err := w.db.CaseFigures(context.Background(), w.actors["dispatcher"], store.FigureFilter{Kind: cases.KindPetition},
		figures.Period{From: from, To: from.AddDate(0, 1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]struct{ Count, Of int }{}
	for k, v := range vs {
		out[string(k)] = struct{ Count, Of int }{v.Count, v.Of}
	}
	return out
}

// TestPetitionRepeat: a repeat petition names the earlier one; once the
// earlier matter is closed to petitions (its review window let pass) the
// repeat is taken in but not accepted, by the petition's step or the plain
// case action alike.
func TestPetitionRepeat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := petitionWorld(t, dsn)
		w.clock.Set(cstAt(2025, 9, 1, 10, 0))
		first, err := w.db.CreatePetition(ctx, w.actors["operator"], newPetition(true))
		if err != nil {
			t.Fatal(err)
		}
		id := first.ID
		if _, err := w.db.AcceptPetition(ctx, w.actors["operator"], id, petition.Acceptance{Notice: "受理"}); err != nil {
			t.Fatal(err)
		}
		w.act(t, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-xf"})
		w.act(t, "xf", id, cases.ActionStart, cases.Input{})
		w.act(t, "xf", id, cases.ActionResolve, cases.Input{Result: "已答复"})
		w.clock.Set(cstAt(2025, 9, 16, 10, 0))
		if _, err := w.db.RecordPetitionOpinion(ctx, w.actors["dispatcher"], id, petition.Opinion{Text: "不予支持", Finding: petition.NotSupported}); err != nil {
			t.Fatal(err)
		}
		np := newPetition(false)
		np.Petition.RepeatOf = id
		w.clock.Set(cstAt(2025, 10, 10, 10, 0)) // inside the review window (10-16)
		open, err := w.db.CreatePetition(ctx, w.actors["operator"], np)
		if err != nil || open.Petition.RepeatOf != id || open.Petition.First {
			t.Fatalf("repeat intake: %+v %v", open.Petition, err)
		}
		w.clock.Set(cstAt(2025, 10, 17, 10, 0)) // the window has passed
		late, err := w.db.CreatePetition(ctx, w.actors["operator"], np)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.AcceptPetition(ctx, w.actors["operator"], late.ID, petition.Acceptance{Notice: "受理"}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("a repeat on a closed matter accepted: %v", err)
		}
		if _, err := w.db.Act(ctx, w.actors["operator"], late.ID, cases.ActionAccept, store.ActionInput{}); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("a repeat on a closed matter accepted by the case action: %v", err)
		}
		if _, err := w.db.DeclinePetition(ctx, w.actors["operator"], late.ID, petition.Declining{Reason: "同一事项已办结，逾期未申请复查，不再受理",
			ReferTo: "如有新的事实和理由，可向第1区信访局反映"}); err != nil {
			t.Errorf("declining the repeat: %v", err)
		}
	})
}

// TestPetitionPrivacy: a petition is on no public page or list, even filed
// under a public category, its petitioner cannot be found by phone, and
// staff see the petitioner masked.
func TestPetitionPrivacy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := petitionWorld(t, dsn)
		tree, err := w.db.Taxonomy(ctx, "330100")
		if err != nil {
			t.Fatal(err)
		}
		light, _ := tree.Get("0101")
		light.Public = true
		if _, err := w.db.SaveCategory(ctx, system, light); err != nil {
			t.Fatal(err)
		}
		// A petition about the street lights: a public category, kind
		// petition.
		np := newPetition(true)
		np.Category, np.Title = "0101", "路灯长期不亮，多次反映无果"
		cp, err := w.db.CreatePetition(ctx, w.actors["operator"], np)
		if err != nil {
			t.Fatal(err)
		}
		req, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{cp.ID, req.ID} {
			w.act(t, "operator", id, cases.ActionAccept, cases.Input{})
		}
		if _, err := w.db.Track(ctx, cp.TrackingCode); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("a petition's tracking page: %v", err)
		}
		if _, err := w.db.Track(ctx, req.TrackingCode); err != nil {
			t.Errorf("the request's tracking page: %v", err)
		}
		if _, err := w.db.ReporterCase(ctx, cp.TrackingCode, "x"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("a petition's reporter link: %v", err)
		}
		page, err := w.db.PublicCases(ctx, "330100", store.PublicFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Cases) != 1 || page.Cases[0].ID != req.ID {
			t.Errorf("public list %+v", page.Cases)
		}
		grids, err := w.db.PublicGrids(ctx, "330100")
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, g := range grids {
			total += g.Open
		}
		if total != 1 {
			t.Errorf("public map counts %d cases, want the request alone", total)
		}
		// The caller lookup finds the request's reporter, never the
		// petitioner, whose phone leaves no fingerprint.
		if got, err := w.db.CallerCases(ctx, w.actors["operator"], "13900001111"); err != nil || len(got) != 0 {
			t.Errorf("the petitioner's phone finds %v, %v", got, err)
		}
		var fp string
		if err := w.db.SQL().QueryRow(`SELECT r.fingerprint FROM reporters r JOIN cases c ON c.reporter_id = r.id AND c.city = r.city WHERE c.id = ` +
			strconv.FormatInt(cp.ID, 10)).Scan(&fp); err != nil || fp != "" {
			t.Errorf("the petitioner's fingerprint %q, %v", fp, err)
		}
		if got, err := w.db.CallerCases(ctx, w.actors["operator"], "13812341234"); err != nil || len(got) != 1 {
			t.Errorf("the reporter's phone finds %v, %v", got, err)
		}
		got, _ := w.db.GetCase(ctx, w.actors["dispatcher"], cp.ID)
		if got.Reporter.Name != "王**" || got.Reporter.IDNumber == "11010519491231002X" {
			t.Errorf("the petitioner unmasked in the case: %+v", got.Reporter)
		}
	})
}
