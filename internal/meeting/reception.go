package meeting

import (
	"slices"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
)

// SessionState is where a reception session stands.
type SessionState string

const (
	SessionDraft     SessionState = "draft"     // being prepared, not shown to residents
	SessionPublished SessionState = "published" // on the portal, open for booking until its slots pass
	SessionHeld      SessionState = "held"      // the leader is receiving (or has received) residents
	SessionClosed    SessionState = "closed"    // over; its cases are followed on the leader's list until each is closed
	SessionCancelled SessionState = "cancelled"
)

// SessionStates lists every session state.
var SessionStates = []SessionState{SessionDraft, SessionPublished, SessionHeld, SessionClosed, SessionCancelled}

// Valid reports whether s is one of SessionStates.
func (s SessionState) Valid() bool { return slices.Contains(SessionStates, s) }

// SessionAction is something done to a reception session.
type SessionAction string

const (
	SessionPublish SessionAction = "publish"
	SessionHold    SessionAction = "hold"
	SessionClose   SessionAction = "close"
	SessionCancel  SessionAction = "cancel"
	// SessionBook is a resident's booking; it leaves the state as it is.
	SessionBook SessionAction = "book"
	// SessionFileCase files a case born at the session; it leaves the
	// state as it is.
	SessionFileCase SessionAction = "file_case"
)

// SessionActions lists every session action, in the order a page offers
// them.
var SessionActions = []SessionAction{SessionPublish, SessionHold, SessionClose, SessionBook, SessionFileCase, SessionCancel}

// residentBooking stands for the resident booking their own slot on the
// portal; the store passes it for a resident actor.
var residentBooking = []anju.Role{anju.RoleResident}

// SessionRules is the session table:
//
//	draft → published → held → closed
//	draft | published → cancelled
//	published: residents book (portal) or staff book for them
//	held: cases are filed as born at the session
var SessionRules = []Rule[SessionState, SessionAction]{
	{Action: SessionPublish, From: []SessionState{SessionDraft}, To: SessionPublished, Roles: Organisers},
	{Action: SessionHold, From: []SessionState{SessionPublished}, To: SessionHeld, Roles: Organisers},
	{Action: SessionClose, From: []SessionState{SessionHeld}, To: SessionClosed, Roles: Organisers},
	{Action: SessionCancel, From: []SessionState{SessionDraft, SessionPublished}, To: SessionCancelled, Roles: Organisers},
	{Action: SessionBook, From: []SessionState{SessionPublished}, To: SessionPublished, Roles: append(slices.Clone(Bookers), residentBooking...)},
	{Action: SessionFileCase, From: []SessionState{SessionHeld}, To: SessionHeld, Roles: append(slices.Clone(Bookers), Organisers...)},
}

// SessionTransition returns the state a session in state s is in after
// action a taken by a party holding roles at the session's place, at now:
// EINVALID for an unknown state or action, for holding a session before it
// starts and for publishing one whose start has passed; ECONFLICT when a is
// not allowed in s; EFORBIDDEN when none of roles may take it.
func SessionTransition(s Session, state SessionState, a SessionAction, now time.Time, roles ...anju.Role) (SessionState, error) {
	if !state.Valid() {
		return "", anju.FieldError("state", "unknown session state %q", state)
	}
	next, err := cases.ApplyTable(SessionRules, "reception session", state, a, roles)
	if err != nil {
		return state, err
	}
	switch a {
	case SessionPublish:
		if !now.Before(s.Start) {
			return state, anju.FieldError("start", "the session's start has passed; set a new time before publishing")
		}
	case SessionHold:
		if now.Before(s.Start) {
			return state, anju.FieldError("start", "the session has not started yet")
		}
	case SessionBook:
		if !now.Before(s.End) {
			return state, anju.FieldError("slot", "the session is over")
		}
	}
	return next, nil
}

// AllowedSessionActions lists the actions of SessionActions that a party
// holding roles may take on session s in state state at now: those
// SessionTransition allows.
func AllowedSessionActions(s Session, state SessionState, now time.Time, roles ...anju.Role) []SessionAction {
	out := []SessionAction{}
	for _, a := range SessionActions {
		if _, err := SessionTransition(s, state, a, now, roles...); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// Session is a reception session as the rules see it. The store adds its
// id, city, region path, state and times of record.
type Session struct {
	// Leader is the login of the staff member who receives residents.
	Leader string `json:"leader"`
	// LeaderTitle is the leader's office as residents are told it
	// (区委书记, 街道办事处主任).
	LeaderTitle string `json:"leader_title"`
	// Region is the code of the street or community where the session
	// takes place; it sets who sees and arranges it.
	Region      string    `json:"region"`
	Place       string    `json:"place"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Topics      []string  `json:"topics"`
	SlotMinutes int       `json:"slot_minutes"`
	// Capacity is how many residents one slot takes (a leader may receive
	// a family or a group of neighbours together).
	Capacity int `json:"capacity"`
}

// Bounds of a session's times.
const (
	MinSlot         = 5 * time.Minute
	MaxSlot         = 4 * time.Hour
	MaxSessionSpan  = 12 * time.Hour
	MaxSlots        = 100
	MaxCapacity     = 20
	MaxScheduleDays = 366
)

// Validate cleans s and checks it against now: a leader and title, a place,
// at least one topic, a start in the future and within a year, an end after
// it within 12 hours, a slot of 5 minutes to 4 hours that fits at least once
// and at most 100 times, and a capacity of 1 to 20 per slot. It returns
// EINVALID naming the field at fault.
func (s *Session) Validate(now time.Time) error {
	var err error
	if s.Leader == "" {
		return anju.FieldError("leader", "name the leader (a staff login) who receives residents")
	}
	if err := cleanText("leader_title", &s.LeaderTitle, MaxTitle, true, "the leader's title"); err != nil {
		return err
	}
	if s.Region == "" {
		return anju.FieldError("region", "region is required: the street or community where the session takes place")
	}
	if err := cleanText("place", &s.Place, MaxPlace, true, "place"); err != nil {
		return err
	}
	if s.Topics, err = cleanTopics("topics", s.Topics, true); err != nil {
		return err
	}
	slot := time.Duration(s.SlotMinutes) * time.Minute
	switch {
	case s.Start.IsZero():
		return anju.FieldError("start", "start is required")
	case !s.Start.After(now):
		return anju.FieldError("start", "start must be in the future")
	case s.Start.After(now.AddDate(0, 0, MaxScheduleDays)):
		return anju.FieldError("start", "start must be within a year")
	case !s.End.After(s.Start):
		return anju.FieldError("end", "end must be after start")
	case s.End.Sub(s.Start) > MaxSessionSpan:
		return anju.FieldError("end", "a session lasts at most %v", MaxSessionSpan)
	case slot < MinSlot || slot > MaxSlot:
		return anju.FieldError("slot_minutes", "a slot lasts %d to %d minutes", int(MinSlot.Minutes()), int(MaxSlot.Minutes()))
	case s.End.Sub(s.Start) < slot:
		return anju.FieldError("slot_minutes", "a slot is longer than the session")
	case s.Slots() > MaxSlots:
		return anju.FieldError("slot_minutes", "a session has at most %d slots; make them longer", MaxSlots)
	case s.Capacity < 1 || s.Capacity > MaxCapacity:
		return anju.FieldError("capacity", "capacity is 1 to %d residents a slot", MaxCapacity)
	}
	return nil
}

// Slots is how many whole slots the session holds; a remainder shorter than
// a slot is not offered.
func (s Session) Slots() int {
	if s.SlotMinutes <= 0 {
		return 0
	}
	return int(s.End.Sub(s.Start) / (time.Duration(s.SlotMinutes) * time.Minute))
}

// SlotStart is the start of slot i (from 0).
func (s Session) SlotStart(i int) time.Time {
	return s.Start.Add(time.Duration(i*s.SlotMinutes) * time.Minute)
}

// SlotAt returns the index of the slot that starts at t, at now: EINVALID
// naming "slot" when no slot starts at t or the slot has begun.
func (s Session) SlotAt(t, now time.Time) (int, error) {
	n := s.Slots()
	d := t.Sub(s.Start)
	step := time.Duration(s.SlotMinutes) * time.Minute
	if step <= 0 || d < 0 || d%step != 0 || int(d/step) >= n {
		return 0, anju.FieldError("slot", "no slot of this session starts at %s", t.Format(time.RFC3339))
	}
	if !now.Before(t) {
		return 0, anju.FieldError("slot", "the slot at %s has passed", t.Format(time.RFC3339))
	}
	return int(d / step), nil
}

// Booking is a resident's request for a slot. Name and Phone are personal
// data, which the store keeps encrypted and shows masked.
type Booking struct {
	Slot  time.Time `json:"slot"`
	Name  string    `json:"name"`
	Phone string    `json:"phone"`
	Topic string    `json:"topic"`
}

// Validate cleans b and checks that it names the resident, gives a phone to
// call them on and says what they want to raise: EINVALID naming the field.
// The phone's format is checked with the other personal data (package
// personal), and the slot against the session (Session.SlotAt).
func (b *Booking) Validate() error {
	if b.Slot.IsZero() {
		return anju.FieldError("slot", "choose a slot")
	}
	if err := cleanText("name", &b.Name, MaxName, true, "your name"); err != nil {
		return err
	}
	if err := cleanText("phone", &b.Phone, 30, true, "a phone number"); err != nil {
		return err
	}
	return cleanText("topic", &b.Topic, MaxText, true, "what you want to raise")
}
