package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/meeting"
	"anju/internal/personal"
	"anju/internal/region"
)

// Meeting is a community deliberation meeting as the API shows it.
type Meeting struct {
	ID int64 `json:"id"`
	meeting.Meeting
	City          string          `json:"city"`
	CommunityName string          `json:"community_name"`
	State         meeting.State   `json:"state"`
	Minutes       *MeetingMinutes `json:"minutes,omitempty"`
	CreatedBy     string          `json:"created_by"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	// AllowedActions, Proposals and Decisions are on the meeting's own
	// page: AllowedActions is what the reader may do to it now.
	AllowedActions []meeting.Action `json:"allowed_actions,omitempty"`
	Proposals      []Proposal       `json:"proposals,omitempty"`
	Decisions      []Decision       `json:"decisions,omitempty"`

	regionPath string
}

// MeetingMinutes are a meeting's minutes with who recorded them.
type MeetingMinutes struct {
	meeting.Minutes
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Proposal is a topic proposed before a meeting; the proposer's name and
// phone, when given, are shown masked.
type Proposal struct {
	ID          int64                 `json:"id"`
	MeetingID   int64                 `json:"meeting_id"`
	Text        string                `json:"text"`
	Name        string                `json:"name,omitempty"`
	Phone       string                `json:"phone,omitempty"`
	ProposedBy  string                `json:"proposed_by"`
	State       meeting.ProposalState `json:"state"`
	ModeratedBy string                `json:"moderated_by,omitempty"`
	CreatedAt   time.Time             `json:"created_at"`
}

// Decision is a meeting's decision and the case it became, as it stands.
type Decision struct {
	ID        int64      `json:"id"`
	MeetingID int64      `json:"meeting_id"`
	Text      string     `json:"text"`
	Case      OriginCase `json:"case"`
}

const meetingCols = `m.id, m.city, m.community, r.name, m.region_path, m.title, m.place, m.topics, m.starts_at, m.ends_at, m.state,
	m.minutes, m.attendees, m.minutes_by, m.minutes_at, m.created_by, m.created_at, m.updated_at`

const meetingFrom = ` FROM meetings m JOIN regions r ON r.code = m.community`

func scanMeeting(row interface{ Scan(...any) error }) (Meeting, error) {
	var m Meeting
	var topics string
	var minutes, minutesBy sql.NullString
	var attendees, minutesAt sql.NullInt64
	var start, end, created, updated int64
	err := row.Scan(&m.ID, &m.City, &m.Community, &m.CommunityName, &m.regionPath, &m.Title, &m.Place, &topics, &start, &end, &m.State,
		&minutes, &attendees, &minutesBy, &minutesAt, &m.CreatedBy, &created, &updated)
	if err != nil {
		return m, err
	}
	m.Start, m.End, m.CreatedAt, m.UpdatedAt = fromMicros(start), fromMicros(end), fromMicros(created), fromMicros(updated)
	if minutes.Valid {
		m.Minutes = &MeetingMinutes{Minutes: meeting.Minutes{Text: minutes.String, Attendees: int(attendees.Int64)},
			RecordedBy: minutesBy.String, RecordedAt: fromMicros(minutesAt.Int64)}
	}
	return m, json.Unmarshal([]byte(topics), &m.Topics)
}

// CreateMeeting publishes a community's meeting with its topics, at a
// community the actor convenes (meeting.Conveners). EINVALID names the
// field at fault; EFORBIDDEN for residents.
func (db *DB) CreateMeeting(ctx context.Context, actor *anju.Actor, in meeting.Meeting) (Meeting, error) {
	if !actor.System && !actor.Staff() {
		return Meeting{}, anju.Errorf(anju.EFORBIDDEN, "meetings are published by the community's staff")
	}
	now := db.clock.Now()
	if err := in.Validate(now); err != nil {
		return Meeting{}, err
	}
	place, err := db.placeOf(ctx, actor, "community", in.Community, []region.Level{region.LevelCommunity}, meeting.Conveners)
	if err != nil {
		return Meeting{}, err
	}
	topics, _ := json.Marshal(in.Topics)
	var id int64
	err = db.inTx(ctx, func(tx *Tx) error {
		id, err = tx.insertID(ctx, `INSERT INTO meetings (city, community, region_path, title, place, topics, starts_at, ends_at, state,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			place.City, place.Code, place.Path, in.Title, in.Place, string(topics), micros(in.Start), micros(in.End),
			string(meeting.Scheduled), actorName(actor), micros(now), micros(now))
		return err
	})
	if err != nil {
		return Meeting{}, err
	}
	return db.GetMeeting(ctx, actor, id)
}

// MeetingFilter narrows ListMeetings.
type MeetingFilter struct {
	Region string
	State  meeting.State
	Before int64
	Limit  int
}

// MeetingList is one page of meetings, the most recent first.
type MeetingList struct {
	Meetings []Meeting `json:"meetings"`
	Next     int64     `json:"next,omitempty"`
}

// ListMeetings returns the meetings of the communities in the actor's
// area. EINVALID for an unknown state or a bad limit.
func (db *DB) ListMeetings(ctx context.Context, actor *anju.Actor, f MeetingFilter) (MeetingList, error) {
	if f.State != "" && !f.State.Valid() {
		return MeetingList{}, anju.FieldError("state", "state must be one of %v", meeting.States)
	}
	meetings, next, err := listPlaced(ctx, db, actor, "m", `SELECT `+meetingCols+meetingFrom, string(f.State), f.Region, f.Before, f.Limit,
		scanMeeting, func(m Meeting) int64 { return m.ID })
	return MeetingList{Meetings: meetings, Next: next}, err
}

// getMeeting reads a meeting for the actor: staff see their area's;
// with public set, a resident of the city sees a scheduled one (to propose
// a topic). ENOTFOUND otherwise.
func (db *DB) getMeeting(ctx context.Context, q querier, actor *anju.Actor, id int64, public bool) (Meeting, error) {
	m, err := scanMeeting(q.queryRow(ctx, `SELECT `+meetingCols+meetingFrom+` WHERE m.id = ?`, id))
	if err == nil && !placeVisible(actor, m.City, m.regionPath) &&
		!(public && !actor.Staff() && actor.City == m.City && m.State == meeting.Scheduled) {
		err = sql.ErrNoRows
	}
	if err == sql.ErrNoRows {
		return Meeting{}, notFound("meeting", strconv.FormatInt(id, 10))
	}
	return m, err
}

// GetMeeting returns a meeting of a community in the actor's area with its
// proposals (proposers masked) and its decisions with their cases as they
// stand; ENOTFOUND otherwise.
func (db *DB) GetMeeting(ctx context.Context, actor *anju.Actor, id int64) (Meeting, error) {
	m, err := db.getMeeting(ctx, db, actor, id, false)
	if err != nil {
		return m, err
	}
	if m.Proposals, err = db.proposals(ctx, db, id); err != nil {
		return m, err
	}
	m.AllowedActions = meeting.AllowedActions(m.Meeting, m.State, db.clock.Now(), placeRoles(actor, m.City, m.regionPath)...)
	cs, err := db.originCases(ctx, actor, `o.decision_id IN (SELECT id FROM meeting_decisions WHERE meeting_id = ?)`, []any{id}, false, 0, 200)
	if err != nil {
		return m, err
	}
	byDecision := map[int64]OriginCase{}
	for _, c := range cs {
		byDecision[c.DecisionID] = c
	}
	rows, err := db.query(ctx, `SELECT id, text, case_id FROM meeting_decisions WHERE meeting_id = ? ORDER BY id`, id)
	if err != nil {
		return m, err
	}
	defer rows.Close()
	for rows.Next() {
		d := Decision{MeetingID: id}
		var caseID int64
		if err := rows.Scan(&d.ID, &d.Text, &caseID); err != nil {
			return m, err
		}
		d.Case = byDecision[d.ID]
		d.Case.ID = caseID
		m.Decisions = append(m.Decisions, d)
	}
	return m, rows.Err()
}

func (db *DB) proposals(ctx context.Context, q querier, meetingID int64) ([]Proposal, error) {
	rows, err := q.query(ctx, `SELECT p.id, p.text, r.masked, p.proposed_by, p.state, p.moderated_by, p.created_at
		FROM meeting_proposals p LEFT JOIN reporters r ON r.id = p.reporter_id AND r.city = p.city WHERE p.meeting_id = ? ORDER BY p.id LIMIT 1000`, meetingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Proposal
	for rows.Next() {
		p := Proposal{MeetingID: meetingID}
		var masked, moderator sql.NullString
		var at int64
		if err := rows.Scan(&p.ID, &p.Text, &masked, &p.ProposedBy, &p.State, &moderator, &at); err != nil {
			return nil, err
		}
		if masked.Valid {
			var m ReporterOut
			json.Unmarshal([]byte(masked.String), &m)
			p.Name, p.Phone = m.Name, m.Phone
		}
		p.ModeratedBy, p.CreatedAt = moderator.String, fromMicros(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ActOnMeeting holds or cancels a meeting (meeting.Rules). ENOTFOUND when
// the meeting is not in the actor's area; the transition's errors
// otherwise.
func (db *DB) ActOnMeeting(ctx context.Context, actor *anju.Actor, id int64, action meeting.Action) (Meeting, error) {
	switch action {
	case meeting.ActionHold, meeting.ActionCancel:
	default:
		return Meeting{}, anju.FieldError("action", "unknown meeting action %q", action)
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		_, err := db.moveMeeting(ctx, tx, actor, id, action, nil)
		return err
	})
	if err != nil {
		return Meeting{}, err
	}
	return db.GetMeeting(ctx, actor, id)
}

// moveMeeting applies action to meeting id inside tx, with set adding
// columns to the update, and returns the meeting as it was.
func (db *DB) moveMeeting(ctx context.Context, tx *Tx, actor *anju.Actor, id int64, action meeting.Action, set map[string]any) (Meeting, error) {
	m, err := db.getMeeting(ctx, tx, actor, id, action == meeting.ActionPropose)
	if err != nil {
		return m, err
	}
	now := db.clock.Now()
	next, err := meeting.Transition(m.Meeting, m.State, action, now, placeRoles(actor, m.City, m.regionPath)...)
	if err != nil {
		return m, err
	}
	if next == m.State && len(set) == 0 {
		return m, nil
	}
	q := `UPDATE meetings SET state = ?, updated_at = ?`
	args := []any{string(next), micros(now)}
	for _, col := range []string{"minutes", "attendees", "minutes_by", "minutes_at"} {
		if v, ok := set[col]; ok {
			q += `, ` + col + ` = ?`
			args = append(args, v)
		}
	}
	r, err := tx.exec(ctx, q+` WHERE id = ? AND state = ?`, append(args, id, string(m.State))...)
	if err != nil {
		return m, err
	}
	if k, _ := r.RowsAffected(); k != 1 {
		return m, anju.Errorf(anju.ECONFLICT, "meeting %d changed meanwhile", id)
	}
	return m, nil
}

// ProposeTopic records a topic proposed before a meeting, pending
// moderation: by a resident of the city for themselves, or by staff of the
// community writing down what a resident said. ENOTFOUND for a meeting the
// actor may not see; EINVALID once the meeting has started and for bad
// input; ECONFLICT when the meeting is no longer scheduled.
func (db *DB) ProposeTopic(ctx context.Context, actor *anju.Actor, meetingID int64, in meeting.Proposal) (Proposal, error) {
	if err := in.Validate(); err != nil {
		return Proposal{}, err
	}
	pd := personal.Data{Name: in.Name, Phone: in.Phone}
	if !pd.IsZero() {
		if err := validatePersonal(pd); err != nil {
			return Proposal{}, err
		}
	}
	out := Proposal{MeetingID: meetingID, Text: in.Text, ProposedBy: actorName(actor), State: meeting.ProposalPending}
	err := db.inTx(ctx, func(tx *Tx) error {
		m, err := db.moveMeeting(ctx, tx, actor, meetingID, meeting.ActionPropose, nil)
		if err != nil {
			return err
		}
		var rid any
		if !pd.IsZero() {
			id, err := tx.insertReporter(ctx, m.City, pd)
			if err != nil {
				return err
			}
			rid = id
			n := pd.Normalized()
			out.Name, out.Phone = personal.MaskName(n.Name), personal.MaskPhone(n.Phone)
		}
		now := db.clock.Now()
		out.CreatedAt = fromMicros(micros(now))
		out.ID, err = tx.insertID(ctx, `INSERT INTO meeting_proposals (meeting_id, city, text, reporter_id, proposed_by, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, meetingID, m.City, in.Text, rid, out.ProposedBy, string(out.State), micros(now))
		return err
	})
	return out, err
}

// ModerateProposal accepts a proposal onto the meeting's agenda or
// declines it (meeting.ProposalRules), while the meeting is scheduled.
// ENOTFOUND when the meeting is not in the actor's area or the proposal not
// of it; ECONFLICT for a proposal already moderated or a meeting no longer
// scheduled.
func (db *DB) ModerateProposal(ctx context.Context, actor *anju.Actor, meetingID, proposalID int64, action meeting.ProposalAction) (Proposal, error) {
	var out Proposal
	err := db.inTx(ctx, func(tx *Tx) error {
		m, err := db.getMeeting(ctx, tx, actor, meetingID, false)
		if err != nil {
			return err
		}
		ps, err := db.proposals(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		found := false
		for _, p := range ps {
			if p.ID == proposalID {
				out, found = p, true
			}
		}
		if !found {
			return notFound("proposal", strconv.FormatInt(proposalID, 10))
		}
		roles := placeRoles(actor, m.City, m.regionPath)
		next, err := meeting.ProposalTransition(out.State, action, roles...)
		if err != nil {
			return err
		}
		if _, err := meeting.Transition(m.Meeting, m.State, meeting.ActionModerate, db.clock.Now(), roles...); err != nil {
			return err
		}
		r, err := tx.exec(ctx, `UPDATE meeting_proposals SET state = ?, moderated_by = ?, moderated_at = ? WHERE id = ? AND state = ?`,
			string(next), actorName(actor), micros(db.clock.Now()), proposalID, string(out.State))
		if err != nil {
			return err
		}
		if k, _ := r.RowsAffected(); k != 1 {
			return anju.Errorf(anju.ECONFLICT, "proposal %d was moderated meanwhile", proposalID)
		}
		out.State, out.ModeratedBy = next, actorName(actor)
		return nil
	})
	return out, err
}

// RecordMinutes records the minutes of a held meeting, once. ENOTFOUND
// when the meeting is not in the actor's area; ECONFLICT for a meeting not
// held or already minuted; EINVALID for bad input.
func (db *DB) RecordMinutes(ctx context.Context, actor *anju.Actor, meetingID int64, in meeting.Minutes) (Meeting, error) {
	if err := in.Validate(); err != nil {
		return Meeting{}, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		_, err := db.moveMeeting(ctx, tx, actor, meetingID, meeting.ActionMinutes, map[string]any{
			"minutes": in.Text, "attendees": in.Attendees, "minutes_by": actorName(actor), "minutes_at": micros(db.clock.Now())})
		return err
	})
	if err != nil {
		return Meeting{}, err
	}
	return db.GetMeeting(ctx, actor, meetingID)
}

// RecordDecision records a decision of a minuted meeting and takes it in
// as a case in the community (channel reception), filed by the actor,
// followed on the meeting's page to its end; the decision, the case and
// its origin are written in one transaction. ENOTFOUND when the meeting is
// not in the actor's area; ECONFLICT for a meeting without minutes;
// EINVALID naming the field for bad input, a grid outside the community.
func (db *DB) RecordDecision(ctx context.Context, actor *anju.Actor, meetingID int64, in meeting.Decision) (Decision, error) {
	if err := in.Validate(); err != nil {
		return Decision{}, err
	}
	m, err := db.getMeeting(ctx, db, actor, meetingID, false)
	if err != nil {
		return Decision{}, err
	}
	if _, err := meeting.Transition(m.Meeting, m.State, meeting.ActionDecide, db.clock.Now(), placeRoles(actor, m.City, m.regionPath)...); err != nil {
		return Decision{}, err
	}
	grid := in.Grid
	if grid == "" {
		if err := db.queryRow(ctx, `SELECT code FROM regions WHERE path >= ? AND path < ? AND level = ? ORDER BY code LIMIT 1`,
			m.regionPath, subtreeUpper(m.regionPath), string(region.LevelGrid)).Scan(&grid); err != nil {
			if err == sql.ErrNoRows {
				return Decision{}, anju.FieldError("grid", "%s has no grid; name one", m.CommunityName)
			}
			return Decision{}, err
		}
	}
	p, err := db.PrepareCase(ctx, actor, NewCase{Title: truncateRunes(m.CommunityName+"议定："+in.Text, 30), Text: in.Text +
		"\n\n" + m.CommunityName + "「" + m.Title + "」议定事项", Category: in.Category, Grid: grid, Channel: cases.ChannelReception}, "")
	if err != nil {
		return Decision{}, err
	}
	if !strings.HasPrefix(p.grid.Path, m.regionPath) {
		return Decision{}, anju.FieldError("grid", "grid %s is not in %s", grid, m.CommunityName)
	}
	out := Decision{MeetingID: meetingID, Text: in.Text}
	err = db.inTx(ctx, func(tx *Tx) error {
		var st string
		if err := tx.queryRow(ctx, `SELECT state FROM meetings WHERE id = ?`, meetingID).Scan(&st); err != nil {
			return err
		}
		if meeting.State(st) != m.State {
			return anju.Errorf(anju.ECONFLICT, "meeting %d changed meanwhile", meetingID)
		}
		c, _, err := tx.InsertCase(ctx, p)
		if err != nil {
			return err
		}
		now := db.clock.Now()
		if out.ID, err = tx.insertID(ctx, `INSERT INTO meeting_decisions (meeting_id, city, text, case_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			meetingID, c.City, in.Text, c.ID, actorName(actor), micros(now)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO case_origins (case_id, city, decision_id, created_at) VALUES (?, ?, ?, ?)`,
			c.ID, c.City, out.ID, micros(now)); err != nil {
			return err
		}
		out.Case = OriginCase{ID: c.ID, TrackingCode: c.TrackingCode, Title: c.Title, State: c.State, Grid: c.Grid,
			Resolution: c.Deadlines.Resolution, DecisionID: out.ID, CreatedAt: c.CreatedAt}
		return nil
	})
	return out, err
}

// PublicMeetings lists a city's scheduled meetings that have not started,
// soonest first, for residents to propose topics: title, community, place,
// time and topics.
func (db *DB) PublicMeetings(ctx context.Context, city string, limit int) ([]Meeting, error) {
	if limit < 1 || limit > 200 {
		limit = 50
	}
	rows, err := db.query(ctx, `SELECT `+meetingCols+meetingFrom+` WHERE m.city = ? AND m.state = ? AND m.starts_at > ?
		ORDER BY m.starts_at, m.id LIMIT ?`, city, string(meeting.Scheduled), micros(db.clock.Now()), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Meeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, err
		}
		m.CreatedBy = ""
		out = append(out, m)
	}
	return out, rows.Err()
}
