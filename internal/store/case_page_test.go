package store_test

import (
	"context"
	"slices"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// What the case page reads besides the case: the departments it may be
// dispatched to, the cases merged into it, whether the reporter may be
// unmasked — each under the actor's scope.
func TestCasePageReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		c, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}

		codes := func(ds []store.Department) []string {
			var out []string
			for _, d := range ds {
				out = append(out, d.Code)
			}
			return out
		}
		ds, err := w.db.DepartmentsServing(ctx, w.actors["dispatcher"], c.ID)
		if err != nil || !slices.Equal(codes(ds), []string{"a-office", "city-cg"}) {
			t.Fatalf("departments serving street A's case: %v %v, want the street's office then the city's", codes(ds), err)
		}
		if _, err := w.db.SaveDepartment(ctx, system, store.Department{Code: "lamps", Name: "路灯所", Region: "330100", Categories: []string{"0101"}}); err != nil {
			t.Fatal(err)
		}
		ds, _ = w.db.DepartmentsServing(ctx, w.actors["dispatcher"], c.ID)
		if !slices.Equal(codes(ds), []string{"lamps", "a-office", "city-cg"}) {
			t.Errorf("with a department for the category: %v, want it first", codes(ds))
		}
		// Every department offered is one a dispatch accepts.
		for _, d := range ds {
			fresh, _, err := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
			if err != nil {
				t.Fatal(err)
			}
			w.act(t, "dispatcher", fresh.ID, cases.ActionAccept, cases.Input{})
			if _, err := w.db.Act(ctx, w.actors["dispatcher"], fresh.ID, cases.ActionDispatch,
				store.ActionInput{Input: cases.Input{Department: d.Code}}); err != nil {
				t.Errorf("dispatch to offered %s: %v", d.Code, err)
			}
		}
		if _, err := w.db.DepartmentsServing(ctx, w.actors["handler-b"], c.ID); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("departments for a case out of scope: %v, want ENOTFOUND", err)
		}

		// A duplicate in the same street, one in the other district.
		near, _, _ := w.db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		farCase := streetLight()
		farCase.Lon = f(120.12)
		far, _, err := w.db.CreateCase(ctx, w.actors["operator"], farCase, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []store.Case{near, far} {
			w.act(t, "operator", d.ID, cases.ActionMerge, cases.Input{Target: c.ID})
		}
		merged := func(login string) ([]int64, error) {
			ms, err := w.db.MergedCases(ctx, w.actors[login], c.ID)
			var ids []int64
			for _, m := range ms {
				ids = append(ids, m.ID)
			}
			return ids, err
		}
		if ids, err := merged("dispatcher"); err != nil || !slices.Equal(ids, []int64{near.ID, far.ID}) {
			t.Errorf("merged cases for the city's dispatcher: %v %v", ids, err)
		}
		if ids, err := merged("worker-a"); err != nil || !slices.Equal(ids, []int64{near.ID}) {
			t.Errorf("merged cases for street A's worker: %v %v, want only the one in the street", ids, err)
		}
		if _, err := merged("worker-b"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("merged cases of a case out of scope: %v, want ENOTFOUND", err)
		}

		anon := streetLight()
		anon.Reporter.Name, anon.Reporter.Phone, anon.Reporter.Anonymous = "", "", true
		a, _, err := w.db.CreateCase(ctx, w.actors["operator"], anon, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			login string
			c     store.Case
			want  bool
		}{{"operator", c, true}, {"dispatcher", c, true}, {"worker-a", c, false}, {"supervisor", c, false}, {"operator", a, false}} {
			got, err := w.db.GetCase(ctx, w.actors[tt.login], tt.c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if w.db.CanUnmaskReporter(w.actors[tt.login], got) != tt.want {
				t.Errorf("%s may unmask case %d: %v, want %v", tt.login, tt.c.ID, !tt.want, tt.want)
			}
			_, err = w.db.UnmaskReporter(ctx, w.actors[tt.login], tt.c.ID, "call back")
			if (err == nil) != tt.want {
				t.Errorf("%s unmasking case %d: %v; CanUnmaskReporter says %v", tt.login, tt.c.ID, err, tt.want)
			}
		}
	})
}
