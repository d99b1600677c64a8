package cases

import (
	"slices"

	"anju/internal/anju"
)

// Queue names one of the workbench's lists of cases waiting for someone.
type Queue string

const (
	QueueToAccept       Queue = "to_accept"       // submitted, waiting to be accepted or rejected
	QueueToDispatch     Queue = "to_dispatch"     // accepted or returned, waiting for a department
	QueueMine           Queue = "mine"            // held by the viewer's department, to be started and resolved
	QueueToVerify       Queue = "to_verify"       // resolved, waiting for the check on site or the reporter's confirmation
	QueueAwaitingRating Queue = "awaiting_rating" // closed, waiting for the reporter's rating (回访)
	QueueOverdue        Queue = "overdue"         // open and past its resolution deadline
	QueueSupervised     Queue = "supervised"      // open and carrying a yellow or red supervision card (督办)
	QueueReturned       Queue = "returned"        // sent back by a department, to be dispatched again
	// QueueLongUnresolved is the leaders' list of long-unresolved petitions
	// (信访积案): open past their statutory deadline, or gone to review
	// or re-review because the first answer did not settle them.
	QueueLongUnresolved Queue = "long_unresolved"
)

// Order is how a list of cases is sorted.
type Order string

const (
	// OrderNewest lists the most recently filed case first.
	OrderNewest Order = "newest"
	// OrderTimeLeft lists the case whose resolution deadline comes first
	// first, so overdue cases lead. It applies to open cases only: a case
	// that is no longer worked on has no time left.
	OrderTimeLeft Order = "deadline"
)

// Valid reports whether o is a known order.
func (o Order) Valid() bool { return o == OrderNewest || o == OrderTimeLeft }

// QueueDef says which cases a queue holds and who sees it. A case is in the
// queue when its state is one of States and, where set, it is overdue
// (Overdue) or carries a supervision card (Carded). A viewer sees the queue
// when they hold one of Roles, and then only the cases that a grant of one
// of those roles reaches (anju.Grant.Reaches): a handler's queue holds his
// department's cases, a dispatcher's the cases of his district.
type QueueDef struct {
	Queue   Queue
	States  []State
	Overdue bool
	Carded  bool
	// Longstanding keeps only petitions that are overdue or were taken
	// to review (the store knows the reviews; Holds does not look).
	Longstanding bool
	Roles        []anju.Role
	// Order is the queue's usual order: time left for work with a clock,
	// newest first for cases waiting on the reporter.
	Order Order
}

// Holds reports whether a case in state s, overdue or not and carrying
// card, is in the queue.
func (d QueueDef) Holds(s State, overdue bool, card Card) bool {
	return slices.Contains(d.States, s) && (!d.Overdue || overdue) && (!d.Carded || card != "")
}

// queues are derived from the workflow table: a queue that waits for an
// action holds the states the action is taken from and is seen by the roles
// that may take it, so that the workbench and the table cannot disagree.
// The reporter and the system are parties of the table, not people at a
// workbench, and are left out.
var queues = []QueueDef{
	actionQueue(QueueToAccept, ActionAccept, nil, OrderTimeLeft),
	actionQueue(QueueToDispatch, ActionDispatch, nil, OrderTimeLeft),
	// A department holds a case while it may hand it back: dispatched (to
	// be signed for) and in progress (to be resolved).
	actionQueue(QueueMine, ActionReturn, nil, OrderTimeLeft),
	actionQueue(QueueToVerify, ActionVerify, nil, OrderTimeLeft),
	actionQueue(QueueAwaitingRating, ActionRate, nil, OrderNewest),
	// Late and supervised cases are watched by those who decide about them
	// (dispatchers and supervisors, who grant extensions and escalate) and
	// by the department that holds them, which must answer.
	{Queue: QueueOverdue, States: openStates, Overdue: true, Roles: watchers(), Order: OrderTimeLeft},
	{Queue: QueueSupervised, States: openStates, Carded: true, Roles: watchers(), Order: OrderTimeLeft},
	actionQueue(QueueReturned, ActionDispatch, []State{StateReturned}, OrderTimeLeft),
	// Long-unresolved petitions are for the leaders who supervise them
	// and whose organ takes the reviews (复查、复核).
	{Queue: QueueLongUnresolved, States: openStates, Longstanding: true, Roles: []anju.Role{anju.RoleSupervisor}, Order: OrderTimeLeft},
}

// actionQueue is the queue of cases waiting for action a: in the states the
// table allows it from (or only in states, a subset), seen by the roles
// that may take it.
func actionQueue(q Queue, a Action, states []State, o Order) QueueDef {
	var d QueueDef
	for _, r := range rules {
		if r.Action != a {
			continue
		}
		for _, s := range r.From {
			if !slices.Contains(d.States, s) && (states == nil || slices.Contains(states, s)) {
				d.States = append(d.States, s)
			}
		}
		d.Roles = addPeople(d.Roles, r.Roles)
	}
	d.Queue, d.Order = q, o
	return d
}

func watchers() []anju.Role {
	var out []anju.Role
	for _, a := range []Action{ActionApproveExtension, ActionResolve} {
		for _, r := range rules {
			if r.Action == a {
				out = addPeople(out, r.Roles)
			}
		}
	}
	return out
}

// addPeople adds the roles a person can be granted, leaving out the
// reporter and the system.
func addPeople(to, roles []anju.Role) []anju.Role {
	for _, r := range roles {
		if r != RoleReporter && r != RoleSystem && !slices.Contains(to, r) {
			to = append(to, r)
		}
	}
	return to
}

// Queues returns every queue, in the order a workbench shows them. The
// result is a copy.
func Queues() []QueueDef {
	out := make([]QueueDef, len(queues))
	for i, d := range queues {
		d.States, d.Roles = slices.Clone(d.States), slices.Clone(d.Roles)
		out[i] = d
	}
	return out
}

// QueueFor returns the definition of q.
func QueueFor(q Queue) (QueueDef, bool) {
	for _, d := range Queues() {
		if d.Queue == q {
			return d, true
		}
	}
	return QueueDef{}, false
}

// QueuesFor returns the queues a holder of any of roles sees, in workbench
// order; the system sees them all.
func QueuesFor(roles ...anju.Role) []QueueDef {
	var out []QueueDef
	for _, d := range Queues() {
		if slices.Contains(roles, RoleSystem) || hasAny(d.Roles, roles) {
			out = append(out, d)
		}
	}
	return out
}

// OpenStates returns the states a case is being worked in (State.Open), in
// workflow order.
func OpenStates() []State { return slices.Clone(openStates) }
