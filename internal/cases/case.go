// Package cases is the case workflow as data plus one pure function: the
// states a case passes through, the actions that move it, who may take each
// action and what each needs (the table in workflow.go), and Transition,
// which applies one action to a snapshot of a case. It does no I/O: the store
// loads the case, calls Transition, checks the version and appends the event
// in one transaction, and checks the actor's region and department scope,
// which this package knows nothing about.
package cases

import "slices"

// State is where a case stands in the workflow.
type State string

const (
	StateSubmitted  State = "submitted"   // taken in, not yet looked at
	StateAccepted   State = "accepted"    // accepted, waiting to be dispatched (also after escalation or reopening)
	StateRejected   State = "rejected"    // not accepted, with a reason; final
	StateDispatched State = "dispatched"  // sent to a department, not yet signed for
	StateReturned   State = "returned"    // the department says it is not theirs; back with the dispatcher
	StateInProgress State = "in_progress" // the department is working on it
	StateResolved   State = "resolved"    // the department reports a result
	StateVerified   State = "verified"    // the result was checked on site or confirmed by the reporter
	StateClosed     State = "closed"      // closed with an outcome, waiting for the reporter's rating
	StateRated      State = "rated"       // the reporter rated the closed case
	StateMerged     State = "merged"      // a duplicate, merged into another case; final
)

// States lists every state in workflow order.
var States = []State{StateSubmitted, StateAccepted, StateRejected, StateDispatched,
	StateReturned, StateInProgress, StateResolved, StateVerified, StateClosed,
	StateRated, StateMerged}

// Valid reports whether s is one of States.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Open reports whether the case is still being worked on, which is what
// deadlines, supervision and escalation apply to.
func (s State) Open() bool {
	switch s {
	case StateRejected, StateClosed, StateRated, StateMerged:
		return false
	}
	return s.Valid()
}

// Kind is what sort of matter a case is. Every kind runs the same workflow;
// kind-specific detail (dispute parties, hazard register entries, the
// petition clock) lives in its own package.
type Kind string

const (
	KindRequest  Kind = "request"  // complaint, suggestion, consultation, help, report
	KindDispute  Kind = "dispute"  // 矛盾纠纷
	KindHazard   Kind = "hazard"   // 隐患整改
	KindPetition Kind = "petition" // 信访
)

// Kinds lists every kind.
var Kinds = []Kind{KindRequest, KindDispute, KindHazard, KindPetition}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Channel is how a case came in.
type Channel string

const (
	ChannelWeb        Channel = "web"
	ChannelHotline    Channel = "hotline"
	ChannelGridPatrol Channel = "grid_patrol"
	ChannelOpen311    Channel = "open311"
	ChannelImport     Channel = "import"
	ChannelReception  Channel = "reception" // 领导干部接访日
	// A letter (来信) or a visit (来访) to the office that takes it in: how
	// petitions come in beside a call and the web (package petition's
	// channels are named onto these, Channel.CaseChannel).
	ChannelLetter Channel = "letter"
	ChannelVisit  Channel = "visit"
)

// Channels lists every channel.
var Channels = []Channel{ChannelWeb, ChannelHotline, ChannelGridPatrol, ChannelOpen311, ChannelImport, ChannelReception,
	ChannelLetter, ChannelVisit}

// Valid reports whether c is one of Channels.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Priority decides which deadlines apply (see deadline.Policy, which uses
// the same strings).
type Priority string

const (
	PriorityNormal Priority = "normal"
	PriorityUrgent Priority = "urgent"
)

// Valid reports whether p is normal or urgent.
func (p Priority) Valid() bool { return p == PriorityNormal || p == PriorityUrgent }

// Outcome is how a closed case ended.
type Outcome string

const (
	OutcomeSolved         Outcome = "solved"
	OutcomePartlySolved   Outcome = "partly_solved"
	OutcomeExplained      Outcome = "explained"        // answered or explained; nothing to fix
	OutcomeNotSolvableNow Outcome = "not_solvable_now" // needs a reason
	OutcomeNotRemit       Outcome = "not_remit"        // not for the government to solve; needs Input.WhoIs
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomeSolved, OutcomePartlySolved, OutcomeExplained, OutcomeNotSolvableNow, OutcomeNotRemit}

// Valid reports whether o is one of Outcomes.
func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

// Rating is the reporter's verdict on a closed case.
type Rating string

const (
	RatingSatisfied   Rating = "satisfied"
	RatingBasically   Rating = "basically_satisfied"
	RatingUnsatisfied Rating = "unsatisfied"
)

// Ratings lists every rating.
var Ratings = []Rating{RatingSatisfied, RatingBasically, RatingUnsatisfied}

// Valid reports whether r is one of Ratings.
func (r Rating) Valid() bool { return slices.Contains(Ratings, r) }

// VerifyMethod is how a result was verified.
type VerifyMethod string

const (
	VerifyOnSite   VerifyMethod = "on_site"  // a grid worker checked on site (核查)
	VerifyReporter VerifyMethod = "reporter" // the reporter confirmed it (回访)
)

// VerifyMethods lists every verification method.
var VerifyMethods = []VerifyMethod{VerifyOnSite, VerifyReporter}

// Card is a supervision (督办) card: yellow when a deadline is near or just
// passed, red when it is well past or the matter is grave.
type Card string

const (
	CardYellow Card = "yellow"
	CardRed    Card = "red"
)

// Cards lists every card, the milder first.
var Cards = []Card{CardYellow, CardRed}

// Case is the part of a case the workflow reads and writes: a snapshot the
// store loads before a transition and saves after it. Everything else about
// a case (text, place, reporter, attachments) is none of the workflow's
// business.
type Case struct {
	ID       int64    `json:"id"`
	Kind     Kind     `json:"kind"`
	Channel  Channel  `json:"channel"`
	Priority Priority `json:"priority"`
	State    State    `json:"state"`
	// Version is incremented by every transition; the store saves only if
	// the stored version is still the one it loaded (optimistic locking) and
	// reports ECONFLICT otherwise.
	Version int64 `json:"version"`
	// Department holds the case while dispatched or in progress.
	Department string `json:"department,omitempty"`
	// Escalations counts the levels the case moved up; the store moves it to
	// the parent region on each.
	Escalations int `json:"escalations,omitempty"`
	// Result is the department's report of what was done.
	Result   string       `json:"result,omitempty"`
	Evidence []string     `json:"evidence,omitempty"`
	Verified VerifyMethod `json:"verified,omitempty"`
	Outcome  Outcome      `json:"outcome,omitempty"`
	Rating   Rating       `json:"rating,omitempty"`
	// ExtensionDays is the extension asked for and not yet decided (0 when
	// none is pending); ExtendedDays is the total granted.
	ExtensionDays int   `json:"extension_days,omitempty"`
	ExtendedDays  int   `json:"extended_days,omitempty"`
	Card          Card  `json:"card,omitempty"`
	MergedInto    int64 `json:"merged_into,omitempty"`
	Reopened      int   `json:"reopened,omitempty"`
}
