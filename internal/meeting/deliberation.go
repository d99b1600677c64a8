package meeting

import (
	"slices"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
)

// State is where a community deliberation meeting stands.
type State string

const (
	Scheduled State = "scheduled" // published with its topics; residents propose more
	Held      State = "held"      // took place; its minutes are owed
	Minuted   State = "minuted"   // minutes recorded; decisions become cases
	Cancelled State = "cancelled"
)

// States lists every meeting state.
var States = []State{Scheduled, Held, Minuted, Cancelled}

// Valid reports whether s is one of States.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Action is something done to a meeting.
type Action string

const (
	ActionHold    Action = "hold"
	ActionMinutes Action = "record_minutes"
	ActionCancel  Action = "cancel"
	// ActionPropose is a resident proposing a topic; it leaves the state
	// as it is.
	ActionPropose Action = "propose"
	// ActionDecide records a decision, which becomes a case; it leaves the
	// state as it is.
	ActionDecide Action = "decide"
	// ActionModerate accepts or declines a proposed topic (ProposalRules
	// decide about the proposal itself); it leaves the state as it is.
	ActionModerate Action = "moderate"
)

// Actions lists every meeting action, in the order a page offers them.
var Actions = []Action{ActionHold, ActionMinutes, ActionDecide, ActionPropose, ActionModerate, ActionCancel}

// Conveners arrange a community's meetings and keep their records: the
// organisers and the community's grid workers, within their area.
var Conveners = append(slices.Clone(Organisers), anju.RoleGridWorker)

// proposers may propose a topic: residents for themselves, staff writing
// down what a resident said.
var proposers = append(slices.Clone(Conveners), anju.RoleResident, anju.RoleOperator)

// Rules is the meeting table:
//
//	scheduled → held → minuted
//	scheduled → cancelled
//	scheduled: residents propose topics, until the meeting starts;
//	           the conveners moderate them
//	minuted: each decision is recorded and becomes a case
var Rules = []Rule[State, Action]{
	{Action: ActionHold, From: []State{Scheduled}, To: Held, Roles: Conveners},
	{Action: ActionMinutes, From: []State{Held}, To: Minuted, Roles: Conveners},
	{Action: ActionCancel, From: []State{Scheduled}, To: Cancelled, Roles: Conveners},
	{Action: ActionPropose, From: []State{Scheduled}, To: Scheduled, Roles: proposers},
	{Action: ActionDecide, From: []State{Minuted}, To: Minuted, Roles: Conveners},
	{Action: ActionModerate, From: []State{Scheduled}, To: Scheduled, Roles: Conveners},
}

// Transition returns the state a meeting m in state s is in after action a
// taken at now by a party holding roles in the meeting's community:
// EINVALID for an unknown state or action, for holding a meeting before it
// starts and for a proposal once it has started; ECONFLICT when a is not
// allowed in s (minutes of a meeting not held, a second set of minutes);
// EFORBIDDEN when none of roles may take it.
func Transition(m Meeting, s State, a Action, now time.Time, roles ...anju.Role) (State, error) {
	if !s.Valid() {
		return "", anju.FieldError("state", "unknown meeting state %q", s)
	}
	next, err := cases.ApplyTable(Rules, "meeting", s, a, roles)
	if err != nil {
		return s, err
	}
	switch a {
	case ActionHold:
		if now.Before(m.Start) {
			return s, anju.FieldError("start", "the meeting has not started yet")
		}
	case ActionPropose:
		if !now.Before(m.Start) {
			return s, anju.FieldError("text", "the meeting has started; topics are proposed before it")
		}
	}
	return next, nil
}

// AllowedActions lists the actions of Actions that a party holding roles
// may take on meeting m in state s at now: those Transition allows.
func AllowedActions(m Meeting, s State, now time.Time, roles ...anju.Role) []Action {
	out := []Action{}
	for _, a := range Actions {
		if _, err := Transition(m, s, a, now, roles...); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// Meeting is a community deliberation meeting as the rules see it.
type Meeting struct {
	// Community is the code of the community (or village) that meets.
	Community string    `json:"community"`
	Title     string    `json:"title"`
	Place     string    `json:"place"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Topics    []string  `json:"topics"`
}

// MaxMeetingSpan bounds how long a meeting lasts.
const MaxMeetingSpan = 12 * time.Hour

// Validate cleans m and checks it against now: a community, a title, a
// place, at least one topic, a start in the future within a year and an end
// after it within 12 hours. EINVALID names the field at fault.
func (m *Meeting) Validate(now time.Time) error {
	var err error
	if m.Community == "" {
		return anju.FieldError("community", "community is required")
	}
	if err := cleanText("title", &m.Title, MaxTitle, true, "title"); err != nil {
		return err
	}
	if err := cleanText("place", &m.Place, MaxPlace, true, "place"); err != nil {
		return err
	}
	if m.Topics, err = cleanTopics("topics", m.Topics, true); err != nil {
		return err
	}
	switch {
	case m.Start.IsZero():
		return anju.FieldError("start", "start is required")
	case !m.Start.After(now):
		return anju.FieldError("start", "start must be in the future")
	case m.Start.After(now.AddDate(0, 0, MaxScheduleDays)):
		return anju.FieldError("start", "start must be within a year")
	case !m.End.After(m.Start):
		return anju.FieldError("end", "end must be after start")
	case m.End.Sub(m.Start) > MaxMeetingSpan:
		return anju.FieldError("end", "a meeting lasts at most %v", MaxMeetingSpan)
	}
	return nil
}

// ProposalState is where a resident's proposed topic stands.
type ProposalState string

const (
	ProposalPending  ProposalState = "pending"
	ProposalAccepted ProposalState = "accepted" // on the meeting's agenda
	ProposalDeclined ProposalState = "declined"
)

// ProposalStates lists every proposal state.
var ProposalStates = []ProposalState{ProposalPending, ProposalAccepted, ProposalDeclined}

// Valid reports whether s is one of ProposalStates.
func (s ProposalState) Valid() bool { return slices.Contains(ProposalStates, s) }

// ProposalAction is a moderator's verdict on a proposal.
type ProposalAction string

const (
	ProposalAccept  ProposalAction = "accept"
	ProposalDecline ProposalAction = "decline"
)

// ProposalRules is the moderation table: pending → accepted | declined,
// by the meeting's conveners.
var ProposalRules = []Rule[ProposalState, ProposalAction]{
	{Action: ProposalAccept, From: []ProposalState{ProposalPending}, To: ProposalAccepted, Roles: Conveners},
	{Action: ProposalDecline, From: []ProposalState{ProposalPending}, To: ProposalDeclined, Roles: Conveners},
}

// ProposalTransition moderates a proposal in state s; the errors are
// Transition's.
func ProposalTransition(s ProposalState, a ProposalAction, roles ...anju.Role) (ProposalState, error) {
	if !s.Valid() {
		return "", anju.FieldError("state", "unknown proposal state %q", s)
	}
	return cases.ApplyTable(ProposalRules, "proposal", s, a, roles)
}

// Proposal is a topic a resident proposes before a meeting. Name and Phone
// are optional personal data (so that the community can call back), kept
// encrypted by the store.
type Proposal struct {
	Text  string `json:"text"`
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Validate cleans p: a text of at most MaxText characters; a name and a
// phone either both given or neither. EINVALID names the field.
func (p *Proposal) Validate() error {
	if err := cleanText("text", &p.Text, MaxText, true, "the topic you propose"); err != nil {
		return err
	}
	if err := cleanText("name", &p.Name, MaxName, false, "name"); err != nil {
		return err
	}
	if err := cleanText("phone", &p.Phone, 30, false, "phone"); err != nil {
		return err
	}
	if (p.Name == "") != (p.Phone == "") {
		return anju.FieldError("phone", "give a name and a phone together, or neither")
	}
	return nil
}

// Minutes are the record of a held meeting.
type Minutes struct {
	Text      string `json:"text"`
	Attendees int    `json:"attendees"`
}

// Validate cleans m: a text of at most MaxMinutes characters and a
// plausible count of attendees. EINVALID names the field.
func (m *Minutes) Validate() error {
	if err := cleanText("text", &m.Text, MaxMinutes, true, "the minutes"); err != nil {
		return err
	}
	if m.Attendees < 1 || m.Attendees > MaxAttendee {
		return anju.FieldError("attendees", "attendees is 1 to %d", MaxAttendee)
	}
	return nil
}

// Decision is one decision of a meeting, which becomes a case in the
// community: what is to be done (Text), its category in the city's
// taxonomy, and where (a grid of the community; the store picks the
// community's first grid when none is named).
type Decision struct {
	Text     string `json:"text"`
	Category string `json:"category"`
	Grid     string `json:"grid,omitempty"`
}

// Validate cleans d: a text of at most MaxText characters and a category.
func (d *Decision) Validate() error {
	if err := cleanText("text", &d.Text, MaxText, true, "the decision"); err != nil {
		return err
	}
	if d.Category == "" {
		return anju.FieldError("category", "category is required")
	}
	return nil
}
