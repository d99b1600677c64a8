package store_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// queueWorld files seven cases and moves them into every queue: in street
// A c1 submitted, c2 accepted, c3 dispatched to a-office with a yellow
// card, c4 returned by a-office, c5 resolved, c6 closed; in street B c7
// submitted.
func queueWorld(t *testing.T, dsn string) (*caseWorld, []int64) {
	t.Helper()
	ctx := context.Background()
	w := newCaseWorld(t, dsn)
	var ids []int64
	for i := range 7 {
		nc := streetLight()
		if i == 6 {
			nc.Lon = f(120.12) // street B
		}
		c, _, err := w.db.CreateCase(ctx, w.actors["operator"], nc, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	dispatch := cases.Input{Department: "a-office"}
	for _, id := range ids[1:6] {
		w.act(t, "operator", id, cases.ActionAccept, cases.Input{})
	}
	for _, id := range ids[2:6] {
		w.act(t, "dispatcher", id, cases.ActionDispatch, dispatch)
	}
	w.act(t, "supervisor", ids[2], cases.ActionSupervise, cases.Input{Card: cases.CardYellow, Reason: "催办"})
	w.act(t, "handler-a", ids[3], cases.ActionReturn, cases.Input{Reason: "不是我们的"})
	for _, id := range ids[4:6] {
		w.act(t, "handler-a", id, cases.ActionStart, cases.Input{})
		w.act(t, "handler-a", id, cases.ActionResolve, cases.Input{Result: "已修好"})
	}
	w.act(t, "worker-a", ids[5], cases.ActionVerify, cases.Input{Method: cases.VerifyOnSite})
	w.act(t, "dispatcher", ids[5], cases.ActionClose, cases.Input{Outcome: cases.OutcomeSolved})
	return w, ids
}

// TestQueues counts every actor's queues and lists each: a queue's count is
// its list's length, holds the cases its definition says, within the reach
// of the actor's grants of the queue's roles, under the list's filters.
func TestQueues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w, ids := queueWorld(t, dsn)
		c1, c2, c3, c4, c5, c6, c7 := ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6]
		check := func(who string, f store.CaseFilter, want map[cases.Queue][]int64) {
			t.Helper()
			counts, err := w.db.QueueCounts(ctx, w.actors[who], f)
			if err != nil {
				t.Fatalf("%s: counts: %v", who, err)
			}
			var seen []cases.Queue
			for _, qc := range counts {
				seen = append(seen, qc.Queue)
				wantIDs, ok := want[qc.Queue]
				if !ok {
					t.Errorf("%s sees queue %s", who, qc.Queue)
					continue
				}
				lf := f
				lf.Queue = qc.Queue
				l, err := w.db.ListCases(ctx, w.actors[who], lf)
				if err != nil {
					t.Fatalf("%s: %s: %v", who, qc.Queue, err)
				}
				var got []int64
				for _, c := range l.Cases {
					got = append(got, c.ID)
				}
				slices.Sort(got)
				if qc.Count != len(wantIDs) || !slices.Equal(got, wantIDs) || l.Order != qc.Order {
					t.Errorf("%s %s: count %d, list %v (%s); want %v", who, qc.Queue, qc.Count, got, l.Order, wantIDs)
				}
			}
			if len(seen) != len(want) {
				t.Errorf("%s sees %v, want %d queues", who, seen, len(want))
			}
		}
		none := []int64(nil)
		check("dispatcher", store.CaseFilter{}, map[cases.Queue][]int64{
			cases.QueueToAccept: {c1, c7}, cases.QueueToDispatch: {c2, c4}, cases.QueueToVerify: {c5},
			cases.QueueOverdue: none, cases.QueueSupervised: {c3}, cases.QueueReturned: {c4}})
		check("operator", store.CaseFilter{}, map[cases.Queue][]int64{cases.QueueToAccept: {c1, c7}, cases.QueueAwaitingRating: {c6}})
		check("worker-a", store.CaseFilter{}, map[cases.Queue][]int64{cases.QueueToAccept: {c1}, cases.QueueToVerify: {c5}})
		check("worker-b", store.CaseFilter{}, map[cases.Queue][]int64{cases.QueueToAccept: {c7}, cases.QueueToVerify: none})
		check("handler-a", store.CaseFilter{}, map[cases.Queue][]int64{cases.QueueMine: {c3}, cases.QueueOverdue: none, cases.QueueSupervised: {c3}})
		check("handler-b", store.CaseFilter{}, map[cases.Queue][]int64{cases.QueueMine: none, cases.QueueOverdue: none, cases.QueueSupervised: none})
		check("supervisor", store.CaseFilter{}, map[cases.Queue][]int64{cases.QueueOverdue: none, cases.QueueSupervised: {c3},
			cases.QueueLongUnresolved: none})
		check("resident", store.CaseFilter{}, map[cases.Queue][]int64{})
		// Queues of two reaches, counted in one pass: street A's grid worker
		// and street B's office handler in one person. Street A's working
		// cases are in reach, but not through a handler's grant.
		w.actors["dual"] = mustUser(t, w.db, "dual", anju.Grant{Role: anju.RoleGridWorker, Region: "330102001"})
		if _, err := w.db.GrantRole(ctx, system, "dual", anju.Grant{Role: anju.RoleHandler, Department: "b-office"}); err != nil {
			t.Fatal(err)
		}
		u, err := w.db.GetUser(ctx, system, "dual")
		if err != nil {
			t.Fatal(err)
		}
		w.actors["dual"].Grants = u.Grants
		check("dual", store.CaseFilter{}, map[cases.Queue][]int64{cases.QueueToAccept: {c1}, cases.QueueToVerify: {c5},
			cases.QueueMine: none, cases.QueueOverdue: none, cases.QueueSupervised: none})
		// The list's filters narrow the counts as they narrow the lists.
		check("dispatcher", store.CaseFilter{Region: "330105"}, map[cases.Queue][]int64{
			cases.QueueToAccept: {c7}, cases.QueueToDispatch: none, cases.QueueToVerify: none,
			cases.QueueOverdue: none, cases.QueueSupervised: none, cases.QueueReturned: none})
		check("operator", store.CaseFilter{Text: "路灯", Channel: cases.ChannelHotline, Kind: cases.KindRequest}, map[cases.Queue][]int64{
			cases.QueueToAccept: {c1, c7}, cases.QueueAwaitingRating: {c6}})
		check("operator", store.CaseFilter{Channel: cases.ChannelWeb}, map[cases.Queue][]int64{cases.QueueToAccept: none, cases.QueueAwaitingRating: none})

		// Past every deadline the scheduler marks the working cases late.
		c, _ := w.db.GetCase(ctx, w.actors["dispatcher"], c1)
		w.clock.Set(c.Deadlines.Resolution.AddDate(0, 1, 0))
		if _, err := w.db.RunDue(ctx, store.Policy{}, 100); err != nil {
			t.Fatal(err)
		}
		counts, _ := w.db.QueueCounts(ctx, w.actors["handler-a"], store.CaseFilter{})
		l, _ := w.db.ListCases(ctx, w.actors["handler-a"], store.CaseFilter{Queue: cases.QueueOverdue})
		if counts[1].Queue != cases.QueueOverdue || counts[1].Count != 1 || len(l.Cases) != 1 || l.Cases[0].ID != c3 {
			t.Errorf("handler's overdue queue: %+v, %d cases", counts, len(l.Cases))
		}

		// Queues that are not the actor's, and unknown ones, are refused.
		if _, err := w.db.ListCases(ctx, w.actors["operator"], store.CaseFilter{Queue: cases.QueueMine}); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("operator lists mine: %v", err)
		}
		if _, err := w.db.ListCases(ctx, w.actors["dispatcher"], store.CaseFilter{Queue: "all"}); anju.ErrorField(err) != "queue" {
			t.Errorf("unknown queue: %v", err)
		}
	})
}

// TestCaseListKeyset follows next from page to page, newest first and by
// time left: every case once, in order, the same as one large page, whether
// SQLite gathers the candidates or reads the cases in order.
func TestCaseListKeyset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w, _ := queueWorld(t, dsn)
		defer store.SetGatherLimit(store.SetGatherLimit(1 << 30))
		for i, f := range []store.CaseFilter{{}, {Order: cases.OrderTimeLeft}, {Queue: cases.QueueToAccept}, {Region: "330102"},
			{Kind: cases.KindRequest, Text: "路灯"}, {State: cases.StateAccepted}, {Queue: cases.QueueToDispatch, Order: cases.OrderNewest},
			{}, {Order: cases.OrderTimeLeft}, {Queue: cases.QueueToAccept}, {Region: "330102"},
			{Kind: cases.KindRequest, Text: "路灯"}, {State: cases.StateAccepted}, {Queue: cases.QueueToDispatch, Order: cases.OrderNewest}} {
			// The first half gathers, the second reads in order.
			if i == 7 {
				store.SetGatherLimit(-1)
			}
			whole, err := w.db.ListCases(ctx, w.actors["dispatcher"], f)
			if err != nil || whole.HasMore || whole.Next != "" {
				t.Fatalf("%+v: whole list: %v %+v", f, err, whole)
			}
			var paged []int64
			pf := f
			pf.PageSize = 2
			for pages := 0; ; pages++ {
				l, err := w.db.ListCases(ctx, w.actors["dispatcher"], pf)
				if err != nil || pages > 10 {
					t.Fatalf("%+v: page %d: %v", f, pages, err)
				}
				for _, c := range l.Cases {
					paged = append(paged, c.ID)
				}
				if l.HasMore != (l.Next != "") {
					t.Fatalf("%+v: has_more %v with next %q", f, l.HasMore, l.Next)
				}
				if !l.HasMore {
					break
				}
				pf.Cursor = l.Next
			}
			var all []int64
			for _, c := range whole.Cases {
				all = append(all, c.ID)
			}
			if !slices.Equal(paged, all) || len(all) == 0 {
				t.Errorf("%+v: by key %v, whole %v", f, paged, all)
			}
		}
		// By time left: open cases only, the earliest deadline first.
		l, _ := w.db.ListCases(ctx, w.actors["dispatcher"], store.CaseFilter{Order: cases.OrderTimeLeft})
		for i, c := range l.Cases {
			if !c.State.Open() || i > 0 && c.Deadlines.Resolution.Before(l.Cases[i-1].Deadlines.Resolution) {
				t.Errorf("by time left, %d: %s due %v", c.ID, c.State, c.Deadlines.Resolution)
			}
		}
		if len(l.Cases) != 6 {
			t.Errorf("by time left: %d open cases, want 6", len(l.Cases))
		}
		// The page after the first is read by key, never by number.
		first, _ := w.db.ListCases(ctx, w.actors["dispatcher"], store.CaseFilter{PageSize: 2})
		byKey, err := w.db.ListCases(ctx, w.actors["dispatcher"], store.CaseFilter{PageSize: 2, Cursor: first.Next})
		if err != nil || len(byKey.Cases) != 2 || byKey.Cases[0].ID >= first.Cases[1].ID {
			t.Errorf("page 2 by key: %v %+v", err, byKey)
		}
		for _, tc := range []struct {
			f     store.CaseFilter
			field string
		}{
			{store.CaseFilter{Page: 202, PageSize: 50}, "page"},
			{store.CaseFilter{Page: 2, PageSize: 2}, "page"},
			{store.CaseFilter{Cursor: "x"}, "before"},
			{store.CaseFilter{Cursor: "-3"}, "before"},
			{store.CaseFilter{Cursor: "12", Order: cases.OrderTimeLeft}, "before"},
			{store.CaseFilter{Cursor: "12", Page: 2}, "page"},
			{store.CaseFilter{Order: "oldest"}, "order"},
			{store.CaseFilter{Order: cases.OrderTimeLeft, State: cases.StateClosed}, "order"},
			{store.CaseFilter{Channel: "fax"}, "channel"},
			{store.CaseFilter{Text: "   "}, "text"},
		} {
			if _, err := w.db.ListCases(ctx, w.actors["dispatcher"], tc.f); anju.ErrorField(err) != tc.field {
				t.Errorf("%+v: %v, want an error on %s", tc.f, err, tc.field)
			}
		}
		// Street B's worker never pages into street A.
		l, _ = w.db.ListCases(ctx, w.actors["worker-b"], store.CaseFilter{PageSize: 1, Cursor: "1000000"})
		if len(l.Cases) != 1 || l.Cases[0].Grid.Code[:9] != "330105001" || l.HasMore {
			t.Errorf("worker B: %+v", l)
		}
	})
}

// TestDispatchCases sends a selection to a department: each case on its
// own, through the workflow, audited; one failure leaves the others done.
func TestDispatchCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w, ids := queueWorld(t, dsn)
		c1, c2, c4, c7 := ids[0], ids[1], ids[3], ids[6]
		// c7 is in street B, which a-office does not serve; accepted first.
		w.act(t, "operator", c7, cases.ActionAccept, cases.Input{})
		stale, _ := w.db.GetCase(ctx, w.actors["dispatcher"], c4)
		res, err := w.db.DispatchCases(ctx, w.actors["dispatcher"], []int64{c2, c1, c7, 999999, c4}, map[int64]int64{c4: stale.Version - 1}, "a-office", cases.Input{Note: "批量派遣"})
		if err != nil || len(res) != 5 {
			t.Fatalf("%v %+v", err, res)
		}
		want := []struct {
			ok   bool
			code string
		}{{true, ""}, {false, anju.ECONFLICT}, {false, anju.EINVALID}, {false, anju.ENOTFOUND}, {false, anju.ECONFLICT}}
		for i, r := range res {
			if r.ID != []int64{c2, c1, c7, 999999, c4}[i] || r.OK != want[i].ok || r.Code != want[i].code || (r.OK != (r.Case != nil)) || (!r.OK && r.Error == "") {
				t.Errorf("result %d: %+v, want %+v", i, r, want[i])
			}
		}
		if got, _ := w.db.GetCase(ctx, w.actors["dispatcher"], c2); got.State != cases.StateDispatched || got.Department != "a-office" {
			t.Errorf("dispatched case: %s %s", got.State, got.Department)
		}
		for _, id := range []int64{c1, c7, c4} {
			if got, _ := w.db.GetCase(ctx, w.actors["dispatcher"], id); got.State == cases.StateDispatched {
				t.Errorf("case %d was dispatched", id)
			}
		}
		es, _ := w.db.History(ctx, w.actors["dispatcher"], c2)
		if last := es[len(es)-1]; last.Action != "dispatch" || last.Note != "批量派遣" || last.Data["department"] != "a-office" {
			t.Errorf("history: %+v", last)
		}
		entries, err := w.db.ListAudit(ctx, w.actors["auditor-city"], store.AuditFilter{Action: "case.dispatch"})
		if err != nil || len(entries) == 0 || entries[0].Object != "case:"+strconv.FormatInt(c2, 10) {
			t.Errorf("audit: %v %+v", err, entries)
		}
		// Only dispatchers dispatch: each case says so.
		res, err = w.db.DispatchCases(ctx, w.actors["worker-a"], []int64{c4}, nil, "a-office", cases.Input{})
		if err != nil || res[0].Code != anju.EFORBIDDEN {
			t.Errorf("grid worker: %v %+v", err, res)
		}
		for _, bad := range [][]int64{nil, {c1, c1}, {0}, make([]int64, 201)} {
			if _, err := w.db.DispatchCases(ctx, w.actors["dispatcher"], bad, nil, "a-office", cases.Input{}); anju.ErrorField(err) != "ids" {
				t.Errorf("ids %v: %v", len(bad), err)
			}
		}
	})
}
