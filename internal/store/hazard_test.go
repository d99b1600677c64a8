package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/hazard"
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
		fig, err := db.HazardFigures(ctx, wa, "330102001")
		if err != nil {
			t.Fatal(err)
		}
		if fig.TasksCounted != 1 || fig.DoneOnTime != 1 || fig.Rectified != 1 || fig.MedianRectifyDays == nil || *fig.MedianRectifyDays != 1.5 {
			t.Errorf("figures %+v", fig)
		}
		if _, err := db.HazardFigures(ctx, wa, "330105"); anju.ErrorCode(err) != anju.ENOTFOUND {
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
