package store_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/hazard"
	"anju/internal/photo"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

var (
	streetA = "/330100/330102/330102001/"
	streetB = "/330100/330105/330105001/"
)

func gridWorker(login, path string) *anju.Actor {
	return &anju.Actor{Login: login, City: "330100", Grants: []anju.Grant{{Role: anju.RoleGridWorker, RegionPath: path}}}
}

// hazardWorld opens the small city on a fake clock with a supervising
// department in street A.
func hazardWorld(t *testing.T, dsn string) (*store.DB, *anju.FakeClock) {
	t.Helper()
	ctx := context.Background()
	// Monday 2026-11-30 09:00 in Beijing.
	clk := anju.NewFakeClock(time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC))
	db, err := store.Open(ctx, dsn, store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ImportRegions(ctx, system, storetest.SmallCity()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveDepartment(ctx, system, store.Department{Code: "a-gas", Name: "第1街道燃气安全办", Region: "330102001"}); err != nil {
		t.Fatal(err)
	}
	return db, clk
}

func TestHazardLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, clk := hazardWorld(t, dsn)
		wa, wb := gridWorker("worker-a", streetA), gridWorker("worker-b", streetB)
		h, err := db.RegisterHazard(ctx, wa, hazard.Hazard{Type: hazard.TypeGas, Name: "幸福小区燃气调压站", Address: "幸福路1号",
			Lat: 30.05, Lon: 120.02, RiskLevel: hazard.RiskMajor, Owner: "测试市燃气集团", Department: "a-gas"})
		if err != nil {
			t.Fatal(err)
		}
		if h.Grid.Code != "330102001001001" || h.NextCheck != "2026-11-30" || h.Frequency != "every 1 week" {
			t.Fatalf("registered %+v", h)
		}
		// Bad input names the field.
		for _, tc := range []struct {
			in    hazard.Hazard
			field string
		}{
			{hazard.Hazard{Type: "volcano", Name: "x", Owner: "o", Lat: 30.05, Lon: 120.02, RiskLevel: hazard.RiskLow}, "type"},
			{hazard.Hazard{Type: hazard.TypeSlope, Name: "x", Owner: "o", Lat: 30.05, Lon: 120.02, RiskLevel: "dire"}, "risk_level"},
			{hazard.Hazard{Type: hazard.TypeSlope, Name: "x", Owner: "o", Lat: 31.5, Lon: 121.5, RiskLevel: hazard.RiskLow}, "lat"},
			{hazard.Hazard{Type: hazard.TypeSlope, Name: "x", Owner: "o", Lat: 30.05, Lon: 120.17, RiskLevel: hazard.RiskLow}, "lat"}, // street B
			{hazard.Hazard{Type: hazard.TypeSlope, Name: "x", Owner: "o", Lat: 30.05, Lon: 120.02, RiskLevel: hazard.RiskLow, Department: "nope"}, "department"},
		} {
			if _, err := db.RegisterHazard(ctx, wa, tc.in); anju.ErrorField(err) != tc.field {
				t.Errorf("%+v: %v, want field %s", tc.in, err, tc.field)
			}
		}
		// Street B's worker does not see it.
		if _, err := db.GetHazard(ctx, wb, h.ID); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B reads A's hazard: %v", err)
		}
		if l, err := db.ListHazards(ctx, wb, store.HazardFilter{}); err != nil || len(l.Hazards) != 0 {
			t.Errorf("worker B's register: %+v %v", l, err)
		}

		// Generation runs twice: one task.
		for i, want := range []int{1, 0} {
			n, err := db.GenerateInspectionTasks(ctx, clk.Now())
			if err != nil || n != want {
				t.Fatalf("generation %d: %d %v", i, n, err)
			}
		}
		l, err := db.ListInspections(ctx, wa, store.InspectionFilter{State: hazard.TaskDue})
		if err != nil || len(l.Inspections) != 1 {
			t.Fatalf("worker A's due tasks: %+v %v", l, err)
		}
		task := l.Inspections[0]
		if task.PeriodStart != "2026-11-30" || task.DueOn != "2026-12-06" || task.Grid.Code != "330102001001001" {
			t.Errorf("task %+v", task)
		}
		if l, _ := db.ListInspections(ctx, wb, store.InspectionFilter{}); len(l.Inspections) != 0 {
			t.Errorf("worker B sees A's tasks: %+v", l)
		}
		if _, err := db.ListInspections(ctx, wa, store.InspectionFilter{Region: "330105"}); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("region outside scope: %v", err)
		}

		answers := []hazard.Answer{{Item: "leak", Result: hazard.Pass}, {Item: "alarm", Result: hazard.Fail, Finding: "可燃气体报警器失效"},
			{Item: "hose", Result: hazard.NA}, {Item: "ventilation", Result: hazard.Pass}}
		if _, err := db.CompleteInspection(ctx, wb, task.ID, answers, nil); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B completes A's task: %v", err)
		}
		if _, err := db.CompleteInspection(ctx, wa, task.ID, nil, nil); anju.ErrorField(err) != "answers" {
			t.Errorf("empty answers: %v", err)
		}
		bad := append([]hazard.Answer{}, answers...)
		bad[0].Item = "roof"
		if _, err := db.CompleteInspection(ctx, wa, task.ID, bad, nil); anju.ErrorField(err) != "answers[0].item" {
			t.Errorf("item not on the checklist: %v", err)
		}
		clk.Advance(2 * time.Hour)
		done, err := db.CompleteInspection(ctx, wa, task.ID, answers, nil)
		if err != nil {
			t.Fatal(err)
		}
		if done.State != hazard.TaskDone || len(done.Answers) != 4 || len(done.Findings) != 1 {
			t.Fatalf("completed %+v", done)
		}
		if _, err := db.CompleteInspection(ctx, wa, task.ID, answers, nil); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("second completion: %v", err)
		}
		f := done.Findings[0]
		if f.State != hazard.FindingRectifying || f.Department != "a-gas" || f.RiskLevel != hazard.RiskMajor {
			t.Errorf("finding %+v", f)
		}
		c, err := db.GetCase(ctx, system, f.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Kind != cases.KindHazard || c.Category != "1202" || c.State != cases.StateDispatched || c.Department != "a-gas" ||
			c.Priority != cases.PriorityUrgent || c.Grid.Code != "330102001001001" || c.Channel != cases.ChannelGridPatrol {
			t.Errorf("rectification case %+v", c.Case)
		}

		// Re-inspection before the department reports: sent back, the case
		// gets the remark.
		if _, err := db.Reinspect(ctx, wa, f.ID, false, ""); anju.ErrorField(err) != "note" {
			t.Errorf("send back without a note: %v", err)
		}
		if _, err := db.Reinspect(ctx, wb, f.ID, true, ""); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B re-inspects: %v", err)
		}
		f2, err := db.Reinspect(ctx, wa, f.ID, false, "报警器仍未更换")
		if err != nil || f2.State != hazard.FindingRectifying || f2.SentBack != 1 {
			t.Fatalf("sent back: %+v %v", f2, err)
		}
		// The department rectifies and reports.
		handler := &anju.Actor{Login: "gas-handler", City: "330100", Grants: []anju.Grant{{Role: anju.RoleHandler, Department: "a-gas", RegionPath: streetA}}}
		if _, err := db.Act(ctx, handler, f.CaseID, cases.ActionStart, store.ActionInput{}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(36 * time.Hour)
		if _, err := db.Act(ctx, handler, f.CaseID, cases.ActionResolve, store.ActionInput{Input: cases.Input{Result: "已更换报警器"}}); err != nil {
			t.Fatal(err)
		}
		f3, err := db.Reinspect(ctx, wa, f.ID, true, "")
		if err != nil || f3.State != hazard.FindingClosed || f3.ClosedAt == nil {
			t.Fatalf("passed: %+v %v", f3, err)
		}
		if c, _ := db.GetCase(ctx, system, f.CaseID); c.State != cases.StateClosed || c.Outcome != cases.OutcomeSolved || c.Verified != cases.VerifyOnSite {
			t.Errorf("case after the re-inspection: %+v", c.Case)
		}
		if _, err := db.Reinspect(ctx, wa, f.ID, true, ""); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("closed finding re-inspected: %v", err)
		}

		// Next week, a new task; the old week is done, not missed.
		clk.Advance(7 * 24 * time.Hour)
		if n, err := db.GenerateInspectionTasks(ctx, clk.Now()); err != nil || n != 1 {
			t.Fatalf("next week's generation: %d %v", n, err)
		}
		fig, err := db.HazardFigures(ctx, wa, store.HazardFigureQuery{Region: "330102001"})
		if err != nil {
			t.Fatal(err)
		}
		if fig.TasksCounted != 1 || fig.DoneOnTime != 1 || fig.Rectified != 1 || fig.MedianRectifyDays == nil || *fig.MedianRectifyDays != 1.5 {
			t.Errorf("figures %+v", fig)
		}
		if _, err := db.HazardFigures(ctx, wa, store.HazardFigureQuery{Region: "330105"}); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("figures of B for A: %v", err)
		}
	})
}

func TestGenerateInspectionTasksConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, clk := hazardWorld(t, dsn)
		other, err := store.Open(ctx, dsn, store.Options{Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		wa := gridWorker("worker-a", streetA)
		for i := 0; i < 30; i++ {
			lvl := hazard.RiskLevels[i%4]
			if _, err := db.RegisterHazard(ctx, wa, hazard.Hazard{Type: hazard.TypeHighRise, Name: "楼" + string(rune('A'+i)),
				Lat: 30.01 + float64(i)/1000, Lon: 120.01, RiskLevel: lvl, Owner: "物业公司"}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		counts := make([]int, 2)
		errs := make([]error, 2)
		for i, h := range []*store.DB{db, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counts[i], errs[i] = h.GenerateInspectionTasks(ctx, clk.Now())
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || counts[0]+counts[1] != 30 {
			t.Fatalf("two servers created %v tasks (%v)", counts, errs)
		}
		l, err := db.ListInspections(ctx, system, store.InspectionFilter{Limit: 200})
		if err != nil || len(l.Inspections) != 30 {
			t.Fatalf("tasks: %d %v", len(l.Inspections), err)
		}
		// A week on (Monday 7 December), the 8 weekly (major) hazards are
		// owed a new week's task and the 7 monthly (medium) ones December's,
		// their first task having covered November, which ended on the day
		// they were registered; the fortnightly and quarterly ones are not
		// owed anything. The undone tasks of the past week and of November
		// are missed.
		clk.Advance(7 * 24 * time.Hour)
		if n, err := other.GenerateInspectionTasks(ctx, clk.Now()); err != nil || n != 15 {
			t.Fatalf("a week on: %d %v", n, err)
		}
		missed, _ := db.ListInspections(ctx, system, store.InspectionFilter{State: hazard.TaskMissed, Limit: 200})
		if len(missed.Inspections) != 15 {
			t.Errorf("missed: %d", len(missed.Inspections))
		}
	})
}

func TestHazardChecklistsAndPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, _ := hazardWorld(t, dsn)
		admin := &anju.Actor{Login: "admin", City: "330100", Grants: []anju.Grant{{Role: anju.RoleAdmin, RegionPath: "/330100/"}}}
		streetAdmin := &anju.Actor{Login: "admin-a", City: "330100", Grants: []anju.Grant{{Role: anju.RoleAdmin, RegionPath: streetA}}}
		c := hazard.DefaultChecklist(hazard.TypeWaterBody)
		c.Items = append(c.Items, hazard.Item{Key: "ice", Text: "冬季冰面设置警示"})
		if _, err := db.SaveChecklist(ctx, streetAdmin, c); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("street admin edits the city's checklist: %v", err)
		}
		c.Category = "0101x"
		if _, err := db.SaveChecklist(ctx, admin, c); anju.ErrorField(err) != "category" {
			t.Errorf("unknown category: %v", err)
		}
		c.Category = "1209"
		if _, err := db.SaveChecklist(ctx, admin, c); err != nil {
			t.Fatal(err)
		}
		all, err := db.Checklists(ctx, admin)
		if err != nil || len(all) != len(hazard.Types) || len(all[6].Items) != 5 || all[6].Type != hazard.TypeWaterBody {
			t.Errorf("checklists: %+v %v", all, err)
		}
		if _, err := db.SaveHazardPlan(ctx, admin, hazard.RiskMajor, hazard.Frequency{Every: 5, Unit: hazard.UnitMonth}); anju.ErrorField(err) != "every" {
			t.Errorf("bad frequency: %v", err)
		}
		p, err := db.SaveHazardPlan(ctx, admin, hazard.RiskLow, hazard.Monthly)
		if err != nil || p[hazard.RiskLow] != hazard.Monthly || p[hazard.RiskMajor] != hazard.Weekly {
			t.Errorf("plan %v %v", p, err)
		}
	})
}

// A register entry changes: stale copies, other areas and bad places are
// refused; a graver risk brings the next check forward; a move to another
// grid takes the due task to that grid's worker.
func TestUpdateHazard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, clk := hazardWorld(t, dsn)
		wa, wb := gridWorker("worker-a", streetA), gridWorker("worker-b", streetB)
		grid2 := gridWorker("worker-a2", "/330100/330102/330102001/330102001001/330102001001002/")
		h, err := db.RegisterHazard(ctx, wa, hazard.Hazard{Type: hazard.TypeSlope, Name: "北坡", Lat: 30.05, Lon: 120.02,
			RiskLevel: hazard.RiskLow, Owner: "园林公司"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.GenerateInspectionTasks(ctx, clk.Now()); err != nil {
			t.Fatal(err)
		}
		// Low risk: a quarterly task, the next check on 1 January.
		if got, _ := db.GetHazard(ctx, wa, h.ID); got.NextCheck != "2027-01-01" {
			t.Fatalf("next check %s", got.NextCheck)
		}
		clk.Advance(3 * 24 * time.Hour) // Thursday 3 December
		in := h.Hazard
		in.RiskLevel, in.Owner = hazard.RiskMajor, "园林养护公司"
		if _, err := db.UpdateHazard(ctx, wb, h.ID, h.Version, in); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("worker B changes A's hazard: %v", err)
		}
		moved := in
		moved.Lon = 120.17
		if _, err := db.UpdateHazard(ctx, wa, h.ID, h.Version, moved); anju.ErrorField(err) != "lat" {
			t.Errorf("moved out of the area: %v", err)
		}
		bad := in
		bad.Type = "volcano"
		if _, err := db.UpdateHazard(ctx, wa, h.ID, h.Version, bad); anju.ErrorField(err) != "type" {
			t.Errorf("unknown type: %v", err)
		}
		up, err := db.UpdateHazard(ctx, wa, h.ID, h.Version, in)
		if err != nil {
			t.Fatal(err)
		}
		if up.RiskLevel != hazard.RiskMajor || up.Owner != "园林养护公司" || up.NextCheck != "2026-12-07" || up.Frequency != "every 1 week" || up.Version == h.Version {
			t.Errorf("updated %+v", up)
		}
		if _, err := db.UpdateHazard(ctx, wa, h.ID, h.Version, in); anju.ErrorCode(err) != anju.ECONFLICT {
			t.Errorf("a stale copy: %v", err)
		}
		// Moved to the second grid: its worker gets the due task.
		if l, _ := db.ListInspections(ctx, grid2, store.InspectionFilter{}); len(l.Inspections) != 0 {
			t.Fatalf("grid 2 sees %d tasks before the move", len(l.Inspections))
		}
		in.Lon = 120.07
		up, err = db.UpdateHazard(ctx, wa, h.ID, up.Version, in)
		if err != nil || up.Grid.Code != "330102001001002" {
			t.Fatalf("moved: %+v %v", up, err)
		}
		if l, _ := db.ListInspections(ctx, grid2, store.InspectionFilter{State: hazard.TaskDue}); len(l.Inspections) != 1 {
			t.Errorf("grid 2 sees %d due tasks after the move", len(l.Inspections))
		}
		// The grid worker of the second grid may not change it back into
		// the first, outside their area.
		in.Lon = 120.02
		if _, err := db.UpdateHazard(ctx, grid2, h.ID, up.Version, in); anju.ErrorField(err) != "lat" {
			t.Errorf("moved out of grid 2's area by its worker: %v", err)
		}
	})
}

// The finding follows its case whichever page acts on it: dispatched by a
// dispatcher, verified or failed on site from the case page. Photos go
// with findings only, onto the rectification case.
func TestFindingFollowsItsCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, clk := hazardWorld(t, dsn)
		wa := gridWorker("worker-a", streetA)
		dispatcher := &anju.Actor{Login: "dispatcher", City: "330100", Grants: []anju.Grant{{Role: anju.RoleDispatcher, RegionPath: "/330100/"}}}
		handler := &anju.Actor{Login: "gas-handler", City: "330100", Grants: []anju.Grant{{Role: anju.RoleHandler, Department: "a-gas", RegionPath: streetA}}}
		// No supervising department: the finding waits for a dispatcher.
		h, err := db.RegisterHazard(ctx, wa, hazard.Hazard{Type: hazard.TypeGas, Name: "老街煤气站", Lat: 30.05, Lon: 120.02,
			RiskLevel: hazard.RiskHigh, Owner: "老街商户"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.GenerateInspectionTasks(ctx, clk.Now()); err != nil {
			t.Fatal(err)
		}
		l, _ := db.ListInspections(ctx, wa, store.InspectionFilter{HazardID: h.ID})
		if len(l.Inspections) != 1 {
			t.Fatalf("tasks of the hazard: %+v", l)
		}
		task := l.Inspections[0].ID
		answers := []hazard.Answer{{Item: "leak", Result: hazard.Fail, Finding: "阀门漏气"}, {Item: "alarm", Result: hazard.Pass},
			{Item: "hose", Result: hazard.Fail, Finding: "软管老化"}, {Item: "ventilation", Result: hazard.Pass}}
		ph := photoFixture(t, "small.webp")
		if _, err := db.CompleteInspection(ctx, wa, task, answers, map[string][]photo.Photo{"alarm": {ph}}); anju.ErrorField(err) != "photos" {
			t.Errorf("a photo of a passed item: %v", err)
		}
		if _, err := db.CompleteInspection(ctx, wa, task, answers, map[string][]photo.Photo{"roof": {ph}}); anju.ErrorField(err) != "photos" {
			t.Errorf("a photo of an item not on the checklist: %v", err)
		}
		done, err := db.CompleteInspection(ctx, wa, task, answers, map[string][]photo.Photo{"leak": {ph, ph}})
		if err != nil || len(done.Findings) != 2 {
			t.Fatalf("completed: %+v %v", done, err)
		}
		leak, hose := done.Findings[0], done.Findings[1]
		if leak.Item != "leak" || leak.State != hazard.FindingOpen || leak.CaseState != cases.StateAccepted || leak.HazardName != "老街煤气站" ||
			leak.CaseDue.IsZero() {
			t.Errorf("finding without a department: %+v", leak)
		}
		if ps, err := db.CasePhotos(ctx, system, leak.CaseID); err != nil || len(ps) != 2 {
			t.Errorf("the finding's photos on its case: %d %v", len(ps), err)
		}
		if ps, _ := db.CasePhotos(ctx, system, hose.CaseID); len(ps) != 0 {
			t.Errorf("the other finding's case has %d photos", len(ps))
		}
		c, _ := db.GetCase(ctx, system, leak.CaseID)
		if got, err := db.HazardOf(ctx, wa, c); err != nil || got == nil || got.ID != leak.ID {
			t.Errorf("the case's finding: %+v %v", got, err)
		}
		if got, _ := db.HazardOf(ctx, gridWorker("worker-b", streetB), c); got != nil {
			t.Errorf("worker B reads the finding of A's case: %+v", got)
		}
		state := func(id int64) store.Finding {
			t.Helper()
			f, err := db.GetFinding(ctx, wa, id)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		for _, f := range []store.Finding{leak, hose} {
			if _, err := db.Act(ctx, dispatcher, f.CaseID, cases.ActionDispatch, store.ActionInput{Input: cases.Input{Department: "a-gas"}}); err != nil {
				t.Fatal(err)
			}
			if got := state(f.ID); got.State != hazard.FindingRectifying {
				t.Errorf("dispatched by hand: %s", got.State)
			}
			if _, err := db.Act(ctx, handler, f.CaseID, cases.ActionStart, store.ActionInput{}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Act(ctx, handler, f.CaseID, cases.ActionResolve, store.ActionInput{Input: cases.Input{Result: "已整改"}}); err != nil {
				t.Fatal(err)
			}
		}
		if l, err := db.ListFindings(ctx, wa, store.FindingFilter{Reinspect: true}); err != nil || len(l.Findings) != 2 || !l.Findings[0].Reinspectable() {
			t.Errorf("waiting for a re-inspection: %+v %v", l, err)
		}
		// On the case page: verified on site, the finding closes; failed,
		// it is sent back.
		clk.Advance(50 * time.Hour)
		if _, err := db.Act(ctx, wa, leak.CaseID, cases.ActionVerify, store.ActionInput{Input: cases.Input{Method: cases.VerifyOnSite}}); err != nil {
			t.Fatal(err)
		}
		if got := state(leak.ID); got.State != hazard.FindingClosed || got.ClosedAt == nil {
			t.Errorf("verified on the case page: %+v", got)
		}
		if _, err := db.Act(ctx, wa, hose.CaseID, cases.ActionFailVerification, store.ActionInput{Input: cases.Input{Reason: "软管未换"}}); err != nil {
			t.Fatal(err)
		}
		if got := state(hose.ID); got.State != hazard.FindingRectifying || got.SentBack != 1 {
			t.Errorf("failed on the case page: %+v", got)
		}
		// The lists behind the figures hold what the figures count.
		fig, err := db.HazardFigures(ctx, wa, store.HazardFigureQuery{From: hazard.Day(clk.Now()).AddDate(0, 0, -7), To: hazard.Day(clk.Now())})
		if err != nil {
			t.Fatal(err)
		}
		open, _ := db.ListFindings(ctx, wa, store.FindingFilter{State: "open", RiskLevel: hazard.RiskHigh})
		closed, _ := db.ListFindings(ctx, wa, store.FindingFilter{State: "closed", ClosedFrom: hazard.Day(clk.Now()).AddDate(0, 0, -7), ClosedTo: hazard.Day(clk.Now())})
		if n, err := db.CountFindings(ctx, wa, store.FindingFilter{State: "open", RiskLevel: hazard.RiskHigh}); err != nil || n != 1 {
			t.Errorf("open high findings counted: %d %v", n, err)
		}
		if fig.OpenFindings[hazard.RiskHigh] != 1 || len(open.Findings) != 1 || fig.Rectified != 1 || len(closed.Findings) != 1 ||
			fig.MedianRectifyDays == nil || *fig.MedianRectifyDays != 2.1 {
			t.Errorf("figures %+v; %d open, %d closed", fig, len(open.Findings), len(closed.Findings))
		}
		if l, _ := db.ListFindings(ctx, wa, store.FindingFilter{State: "closed", ClosedFrom: hazard.Day(clk.Now()).AddDate(0, 0, 1)}); len(l.Findings) != 0 {
			t.Errorf("closed after today: %+v", l.Findings)
		}
		if _, err := db.ListFindings(ctx, wa, store.FindingFilter{State: "shut"}); anju.ErrorField(err) != "state" {
			t.Errorf("bad state: %v", err)
		}
	})
}

// The lists of tasks behind the on-time figure hold as many tasks as it
// counts, by risk level and period; the lists page by key.
func TestInspectionOutcomeLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, clk := hazardWorld(t, dsn)
		wa := gridWorker("worker-a", streetA)
		for i := range 6 {
			if _, err := db.RegisterHazard(ctx, wa, hazard.Hazard{Type: hazard.TypeOther, Name: "点" + strconv.Itoa(i), Lat: 30.01 + float64(i)/100,
				Lon: 120.01, RiskLevel: hazard.RiskLevels[i%2], Owner: "物业"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.GenerateInspectionTasks(ctx, clk.Now()); err != nil {
			t.Fatal(err)
		}
		due, _ := db.ListInspections(ctx, wa, store.InspectionFilter{State: hazard.TaskDue})
		answers := []hazard.Answer{{Item: "general", Result: hazard.Pass}, {Item: "equipment", Result: hazard.Pass}, {Item: "responsible", Result: hazard.Pass}}
		// Two done on time; after their weeks and fortnights end, the
		// others are missed, one of those done late.
		for _, in := range due.Inspections[:2] {
			if _, err := db.CompleteInspection(ctx, wa, in.ID, answers, nil); err != nil {
				t.Fatal(err)
			}
		}
		clk.Advance(15 * 24 * time.Hour)
		if _, err := db.GenerateInspectionTasks(ctx, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CompleteInspection(ctx, wa, due.Inspections[2].ID, answers, nil); err != nil {
			t.Fatal(err)
		}
		from, _ := hazard.ParseDay("2026-11-30")
		to, _ := hazard.ParseDay("2026-12-13")
		fig, err := db.HazardFigures(ctx, wa, store.HazardFigureQuery{From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if fig.TasksCounted != 6 || fig.DoneOnTime != 2 {
			t.Errorf("figures %+v", fig.Counts)
		}
		for _, r := range fig.ByRisk {
			for outcome, n := range map[string]int{store.OutcomeCounted: r.TasksCounted, store.OutcomeOnTime: r.DoneOnTime} {
				filter := store.InspectionFilter{RiskLevel: r.RiskLevel, Outcome: outcome, DueFrom: from, DueTo: to}
				l, err := db.ListInspections(ctx, wa, filter)
				if err != nil || len(l.Inspections) != n {
					t.Errorf("%s %s: %d listed, %d counted (%v)", r.RiskLevel, outcome, len(l.Inspections), n, err)
				}
				if c, err := db.CountInspections(ctx, wa, filter); err != nil || c != n {
					t.Errorf("%s %s: counted %d by the list, %d by the figures (%v)", r.RiskLevel, outcome, c, n, err)
				}
			}
		}
		// Paging by key: three pages of two, none twice.
		seen := map[int64]bool{}
		var before int64
		for page := 0; ; page++ {
			l, err := db.ListInspections(ctx, wa, store.InspectionFilter{Outcome: store.OutcomeCounted, DueFrom: from, DueTo: to, Limit: 2, Before: before})
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range l.Inspections {
				if seen[in.ID] {
					t.Errorf("task %d listed twice", in.ID)
				}
				seen[in.ID] = true
			}
			if before = l.Next; before == 0 {
				break
			}
		}
		if len(seen) != 6 {
			t.Errorf("paged through %d tasks", len(seen))
		}
		if _, err := db.ListInspections(ctx, wa, store.InspectionFilter{Outcome: "late"}); anju.ErrorField(err) != "outcome" {
			t.Errorf("bad outcome: %v", err)
		}
	})
}
