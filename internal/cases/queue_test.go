package cases

import (
	"slices"
	"testing"

	"anju/internal/anju"
)

// TestQueues pins what the workflow table makes of each queue, so that a
// change to the table that moves a queue shows up here.
func TestQueues(t *testing.T) {
	want := map[Queue]struct {
		states []State
		roles  []anju.Role
		order  Order
	}{
		QueueToAccept:       {[]State{StateSubmitted}, []anju.Role{anju.RoleOperator, anju.RoleDispatcher, anju.RoleGridWorker}, OrderTimeLeft},
		QueueToDispatch:     {[]State{StateAccepted, StateReturned}, []anju.Role{anju.RoleDispatcher}, OrderTimeLeft},
		QueueMine:           {[]State{StateDispatched, StateInProgress}, []anju.Role{anju.RoleHandler, anju.RoleMediator}, OrderTimeLeft},
		QueueToVerify:       {[]State{StateResolved}, []anju.Role{anju.RoleGridWorker, anju.RoleDispatcher}, OrderTimeLeft},
		QueueAwaitingRating: {[]State{StateClosed}, []anju.Role{anju.RoleOperator}, OrderNewest},
		QueueOverdue:        {openStates, []anju.Role{anju.RoleDispatcher, anju.RoleSupervisor, anju.RoleHandler, anju.RoleMediator}, OrderTimeLeft},
		QueueSupervised:     {openStates, []anju.Role{anju.RoleDispatcher, anju.RoleSupervisor, anju.RoleHandler, anju.RoleMediator}, OrderTimeLeft},
		QueueReturned:       {[]State{StateReturned}, []anju.Role{anju.RoleDispatcher}, OrderTimeLeft},
		QueueLongUnresolved: {openStates, []anju.Role{anju.RoleSupervisor}, OrderTimeLeft},
	}
	qs := Queues()
	if len(qs) != len(want) {
		t.Fatalf("%d queues, want %d", len(qs), len(want))
	}
	for _, d := range qs {
		w, ok := want[d.Queue]
		if !ok {
			t.Errorf("unexpected queue %q", d.Queue)
			continue
		}
		if !slices.Equal(d.States, w.states) || !slices.Equal(d.Roles, w.roles) || d.Order != w.order {
			t.Errorf("%s = states %v roles %v order %s; want %v %v %s", d.Queue, d.States, d.Roles, d.Order, w.states, w.roles, w.order)
		}
		for _, s := range d.States {
			// Someone who sees the queue can move every case in it.
			if len(AllowedActions(s, d.Roles...)) == 0 {
				t.Errorf("%s holds %s cases that none of %v may act on", d.Queue, s, d.Roles)
			}
		}
	}
	if d, _ := QueueFor(QueueOverdue); !d.Overdue || d.Carded {
		t.Errorf("overdue queue: %+v", d)
	}
	if d, _ := QueueFor(QueueSupervised); !d.Carded || d.Overdue {
		t.Errorf("supervised queue: %+v", d)
	}
	if d, _ := QueueFor(QueueLongUnresolved); !d.Longstanding || d.Overdue || d.Carded {
		t.Errorf("long-unresolved queue: %+v", d)
	}
	if _, ok := QueueFor("everything"); ok {
		t.Error("an unknown queue was found")
	}
	// Queues returns copies.
	qs[0].States[0] = StateRated
	if d, _ := QueueFor(qs[0].Queue); d.States[0] == StateRated {
		t.Error("Queues shares its slices with the table")
	}
}

func TestQueuesFor(t *testing.T) {
	names := func(ds []QueueDef) []Queue {
		var out []Queue
		for _, d := range ds {
			out = append(out, d.Queue)
		}
		return out
	}
	for _, tc := range []struct {
		roles []anju.Role
		want  []Queue
	}{
		{[]anju.Role{anju.RoleOperator}, []Queue{QueueToAccept, QueueAwaitingRating}},
		{[]anju.Role{anju.RoleDispatcher}, []Queue{QueueToAccept, QueueToDispatch, QueueToVerify, QueueOverdue, QueueSupervised, QueueReturned}},
		{[]anju.Role{anju.RoleHandler}, []Queue{QueueMine, QueueOverdue, QueueSupervised}},
		{[]anju.Role{anju.RoleGridWorker}, []Queue{QueueToAccept, QueueToVerify}},
		{[]anju.Role{anju.RoleSupervisor}, []Queue{QueueOverdue, QueueSupervised, QueueLongUnresolved}},
		{[]anju.Role{anju.RoleAuditor, anju.RoleResident, RoleReporter}, nil},
		{[]anju.Role{RoleSystem}, []Queue{QueueToAccept, QueueToDispatch, QueueMine, QueueToVerify, QueueAwaitingRating, QueueOverdue, QueueSupervised, QueueReturned, QueueLongUnresolved}},
	} {
		if got := names(QueuesFor(tc.roles...)); !slices.Equal(got, tc.want) {
			t.Errorf("QueuesFor(%v) = %v, want %v", tc.roles, got, tc.want)
		}
	}
}

func TestQueueHolds(t *testing.T) {
	over, _ := QueueFor(QueueOverdue)
	sup, _ := QueueFor(QueueSupervised)
	disp, _ := QueueFor(QueueToDispatch)
	for _, tc := range []struct {
		d       QueueDef
		s       State
		overdue bool
		card    Card
		want    bool
	}{
		{over, StateInProgress, true, "", true},
		{over, StateInProgress, false, "", false},
		{over, StateClosed, true, "", false}, // a closed case is late no more
		{sup, StateDispatched, false, CardYellow, true},
		{sup, StateDispatched, false, "", false},
		{sup, StateRated, false, CardRed, false},
		{disp, StateReturned, false, "", true},
		{disp, StateDispatched, false, "", false},
	} {
		if got := tc.d.Holds(tc.s, tc.overdue, tc.card); got != tc.want {
			t.Errorf("%s holds %s overdue=%v card=%q: %v, want %v", tc.d.Queue, tc.s, tc.overdue, tc.card, got, tc.want)
		}
	}
}
