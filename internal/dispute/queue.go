package dispute

import (
	"slices"

	"anju/internal/anju"
	"anju/internal/cases"
)

// Queue names one of the workbench's lists of disputes waiting for someone.
type Queue string

const (
	// QueueCommittee is every open dispute held by the reader's mediation
	// committee: being mediated, waiting for its follow-up or for another
	// channel's result.
	QueueCommittee Queue = "committee"
	// QueueSessions are the mediations under way: sessions and the
	// outcome to record.
	QueueSessions Queue = "sessions"
	// QueueFollowUp are the agreements whose follow-up visit is due.
	QueueFollowUp Queue = "follow_up"
	// QueueReferred are the disputes referred to another channel, whose
	// result is awaited.
	QueueReferred Queue = "referred"
)

// QueueDef says which disputes a queue holds and who sees it. A dispute is
// in the queue when its state is one of States, its case's state one of
// CaseStates (any, when empty) and, with Due, its follow-up visit is due. A
// reader sees the queue when they hold one of Roles, and then only the
// disputes a grant of one of those roles reaches: a mediator's queues hold
// his committee's disputes, a grid worker's those of his area.
type QueueDef struct {
	Queue      Queue
	States     []State
	CaseStates []cases.State
	Due        bool
	Roles      []anju.Role
}

// queues are derived from the mediation table as the case workflow's are
// from its own: a queue that waits for a step holds the states the step is
// taken from and is seen by the roles that may take it, so that the lists
// and the table cannot disagree.
var queues = []QueueDef{
	// The committee's whole list, seen by those who mediate.
	{Queue: QueueCommittee, States: openStates(), Roles: mediators},
	stepQueue(QueueSessions, ActionSession, false),
	stepQueue(QueueFollowUp, ActionHold, true),
	stepQueue(QueueReferred, ActionConclude, false),
}

// stepQueue is the queue of disputes waiting for step a.
func stepQueue(q Queue, a Action, due bool) QueueDef {
	d := QueueDef{Queue: q, Due: due}
	for _, r := range Rules {
		if r.Action != a {
			continue
		}
		d.States = appendNew(d.States, r.From...)
		d.CaseStates = appendNew(d.CaseStates, r.CaseFrom...)
		d.Roles = appendNew(d.Roles, r.Roles...)
	}
	return d
}

func appendNew[T comparable](to []T, xs ...T) []T {
	for _, x := range xs {
		if !slices.Contains(to, x) {
			to = append(to, x)
		}
	}
	return to
}

func openStates() []State {
	var out []State
	for _, s := range States {
		if s.Open() {
			out = append(out, s)
		}
	}
	return out
}

// Queues returns every queue in the order a workbench shows them. The
// result is a copy.
func Queues() []QueueDef {
	out := make([]QueueDef, len(queues))
	for i, d := range queues {
		d.States, d.CaseStates, d.Roles = slices.Clone(d.States), slices.Clone(d.CaseStates), slices.Clone(d.Roles)
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

// ParseQueue reads a queue as a query names it: empty is no queue (every
// dispute the reader may see). EINVALID on field "queue" for an unknown one.
func ParseQueue(s string) (Queue, error) {
	if s == "" {
		return "", nil
	}
	if _, ok := QueueFor(Queue(s)); ok {
		return Queue(s), nil
	}
	names := make([]Queue, len(queues))
	for i, d := range queues {
		names[i] = d.Queue
	}
	return "", anju.FieldError("queue", "unknown dispute queue %q; one of %v", s, names)
}

// Sees reports whether a holder of roles sees the queue.
func (d QueueDef) Sees(roles ...anju.Role) bool {
	return slices.ContainsFunc(roles, func(r anju.Role) bool { return slices.Contains(d.Roles, r) })
}

// Holds reports whether a dispute in state s, on a case in caseState, whose
// follow-up is due or not, is in the queue.
func (d QueueDef) Holds(s State, caseState cases.State, due bool) bool {
	return slices.Contains(d.States, s) && (len(d.CaseStates) == 0 || slices.Contains(d.CaseStates, caseState)) && (!d.Due || due)
}
