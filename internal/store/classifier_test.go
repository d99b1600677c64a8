package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestSuggestionModels learns from closed cases filed through the workflow
// and suggests the category and department of a new text.
func TestSuggestionModels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		admin := mustUser(t, w.db, "admin", grantAdminCity)
		if _, err := w.db.TrainSuggestionModels(ctx, admin, "330100"); anju.ErrorCode(err) != anju.EINVALID {
			t.Fatalf("training without closed cases: %v", err)
		}
		if s, err := w.db.Suggest(ctx, w.actors["operator"], "", "路灯坏了", ""); err != nil || len(s.Categories) != 0 {
			t.Fatalf("suggestions before any model: %+v %v", s, err)
		}
		// The scheduler finds the city too young to learn from, and does not
		// read its cases again for an hour.
		if n, err := w.db.RetrainDue(ctx, 24*time.Hour); err != nil || n != 0 {
			t.Fatalf("retrain without closed cases: %d %v", n, err)
		}
		// Street lights go to the city bureau, rubbish to the street office.
		kinds := []struct {
			category, department, handler string
			texts                         []string
		}{
			{"0203", "city-cg", "handler-city", []string{"路灯不亮了，晚上很黑", "小区门口路灯坏了好几天", "这条路的路灯一直闪，请维修", "路灯杆倒了，灯也不亮"}},
			{"010201", "a-office", "handler-a", []string{"生活垃圾好几天没人清运", "垃圾堆在楼下没人收", "垃圾站满了没人清运，很臭", "垃圾车一直不来，垃圾堆满"}},
		}
		w.actors["handler-city"] = mustUser(t, w.db, "handler-city", anju.Grant{Role: anju.RoleHandler, Department: "city-cg"})
		for i := range 60 {
			k := kinds[i%2]
			nc := streetLight()
			nc.Title, nc.Text, nc.Category = "", fmt.Sprintf("%s（%d号楼）", k.texts[i%4], i), k.category
			c, _, err := w.db.CreateCase(ctx, w.actors["operator"], nc, "")
			if err != nil {
				t.Fatal(err)
			}
			w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
			w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: k.department})
			w.act(t, k.handler, c.ID, cases.ActionStart, cases.Input{})
			w.act(t, k.handler, c.ID, cases.ActionResolve, cases.Input{Result: "已处理"})
			w.act(t, "worker-a", c.ID, cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
			w.act(t, "dispatcher", c.ID, cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
		}
		if _, err := w.db.TrainSuggestionModels(ctx, w.actors["operator"], "330100"); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("operator trains: %v", err)
		}
		if n, err := w.db.RetrainDue(ctx, 24*time.Hour); err != nil || n != 0 {
			t.Fatalf("retrain within the hour of finding too few cases: %d %v", n, err)
		}
		w.clock.Advance(time.Hour)
		if n, err := w.db.RetrainDue(ctx, 24*time.Hour); err != nil || n != 1 {
			t.Fatalf("retrain an hour later: %d %v", n, err)
		}
		models, err := w.db.TrainSuggestionModels(ctx, admin, "330100")
		if err != nil || len(models) != 2 || models[0].Kind != store.ModelCategory || models[0].Version != 2 || models[0].Evaluation.TestSize == 0 {
			t.Fatalf("train: %+v %v", models, err)
		}
		t.Logf("category model: accuracy %.2f on %d held-out cases", models[0].Evaluation.Accuracy, models[0].Evaluation.TestSize)
		s, err := w.db.Suggest(ctx, w.actors["operator"], "", "门口的路灯晚上不亮", "330102001001001")
		if err != nil || len(s.Categories) != 2 || s.Categories[0].Code != "0203" || s.Departments[0].Code != "city-cg" ||
			s.Categories[0].Name != "路灯不亮" || s.Departments[0].Name != "市城管局" {
			t.Fatalf("suggest street light: %+v %v", s, err)
		}
		if p := s.Categories[0].Probability + s.Categories[1].Probability; p < 0.99 || p > 1.01 {
			t.Errorf("probabilities sum to %g", p)
		}
		s, _ = w.db.Suggest(ctx, w.actors["operator"], "", "楼下的垃圾没人清运", "330102001001001")
		if s.Categories[0].Code != "010201" || s.Departments[0].Code != "a-office" {
			t.Errorf("suggest rubbish: %+v", s)
		}
		// RetrainDue leaves fresh models alone.
		if n, err := w.db.RetrainDue(ctx, 24*time.Hour); err != nil || n != 0 {
			t.Errorf("retrain of fresh models: %d %v", n, err)
		}
		if list, _ := w.db.SuggestionModels(ctx, admin); len(list) != 4 { // two versions of two models
			t.Errorf("models listed: %+v", list)
		}
	})
}
