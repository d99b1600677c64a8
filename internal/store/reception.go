package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/meeting"
	"anju/internal/personal"
	"anju/internal/region"
)

// ReceptionSession is a leader's reception session as the API shows it.
type ReceptionSession struct {
	ID int64 `json:"id"`
	meeting.Session
	City       string               `json:"city"`
	RegionName string               `json:"region_name"`
	LeaderName string               `json:"leader_name"`
	State      meeting.SessionState `json:"state"`
	CreatedBy  string               `json:"created_by"`
	CreatedAt  time.Time            `json:"created_at"`
	UpdatedAt  time.Time            `json:"updated_at"`
	// AllowedActions, SlotList, Bookings and Cases are on the session's
	// own page: AllowedActions is what the reader may do to it now.
	AllowedActions []meeting.SessionAction `json:"allowed_actions,omitempty"`
	SlotList       []Slot                  `json:"slots,omitempty"`
	Bookings       []ReceptionBooking      `json:"bookings,omitempty"`
	Cases          []OriginCase            `json:"cases,omitempty"`

	regionPath string
}

// Slot is one slot of a session and how many seats it has left.
type Slot struct {
	Start time.Time `json:"start"`
	Free  int       `json:"free"`
}

// ReceptionBooking is a booked seat, with the resident's data masked.
type ReceptionBooking struct {
	ID        int64     `json:"id"`
	SessionID int64     `json:"session_id"`
	Slot      time.Time `json:"slot"`
	// Code is what the resident shows at the session.
	Code     string    `json:"code"`
	Name     string    `json:"name"`
	Phone    string    `json:"phone"`
	Topic    string    `json:"topic"`
	BookedBy string    `json:"booked_by"`
	CaseID   int64     `json:"case_id,omitempty"`
	BookedAt time.Time `json:"booked_at"`

	reporterID int64
}

// placeScope is the predicate over a table with region_path (alias)
// that holds for the rows inside a subtree the actor holds a staff role
// on. Department grants reach no session: a session belongs to a place.
func placeScope(a *anju.Actor, alias string) (string, []any) {
	if a == nil {
		return "1=0", nil
	}
	if a.System {
		return "1=1", nil
	}
	parts, args := grantScope(a, alias+".region_path", "NULL")
	if len(parts) == 0 {
		return "1=0", nil
	}
	return "(" + alias + ".city = ? AND (" + strings.Join(parts, " OR ") + "))", append([]any{a.City}, args...)
}

// placeRoles are the roles the actor holds at the place at path, for the
// transition tables of package meeting: its staff roles there, the
// resident role of a resident of the city, or the system.
func placeRoles(a *anju.Actor, city, path string) []anju.Role {
	if a.System {
		return []anju.Role{cases.RoleSystem}
	}
	var out []anju.Role
	for _, g := range a.Grants {
		if g.Role != anju.RoleResident && g.Department == "" && g.Reaches(path, "") {
			out = append(out, g.Role)
		}
	}
	if a.City == city && a.HasRole(anju.RoleResident) {
		out = append(out, anju.RoleResident)
	}
	return out
}

const sessionCols = `s.id, s.city, s.region, r.name, s.region_path, s.leader, s.leader_name, s.leader_title, s.place, s.topics,
	s.starts_at, s.ends_at, s.slot_minutes, s.capacity, s.state, s.created_by, s.created_at, s.updated_at`

const sessionFrom = ` FROM reception_sessions s JOIN regions r ON r.code = s.region`

func scanSession(row interface{ Scan(...any) error }) (ReceptionSession, error) {
	var s ReceptionSession
	var topics string
	var start, end, created, updated int64
	err := row.Scan(&s.ID, &s.City, &s.Region, &s.RegionName, &s.regionPath, &s.Leader, &s.LeaderName, &s.LeaderTitle, &s.Place, &topics,
		&start, &end, &s.SlotMinutes, &s.Capacity, &s.State, &s.CreatedBy, &created, &updated)
	if err != nil {
		return s, err
	}
	s.Start, s.End, s.CreatedAt, s.UpdatedAt = fromMicros(start), fromMicros(end), fromMicros(created), fromMicros(updated)
	return s, json.Unmarshal([]byte(topics), &s.Topics)
}

// placeOf resolves the region where a session or meeting takes place for
// an organiser: EINVALID naming field for a region that is not in the
// actor's city, not at one of levels, or outside the actor's area for roles.
func (db *DB) placeOf(ctx context.Context, actor *anju.Actor, field, code string, levels []region.Level, roles []anju.Role) (RegionRecord, error) {
	r, err := db.regionNoGeometry(ctx, code)
	if err != nil || (!actor.System && r.City != actor.City) {
		return r, anju.FieldError(field, "region %q not found", code)
	}
	ok := false
	for _, l := range levels {
		ok = ok || r.Level == l
	}
	if !ok {
		return r, anju.FieldError(field, "%s is a %s; give a %v", r.Name, r.Level, levels)
	}
	if !actor.HasRoleAt(r.Path, roles...) {
		return r, anju.FieldError(field, "%s lies outside your area", r.Name)
	}
	return r, nil
}

// CreateReception prepares a reception session, in draft, at a street or
// community the actor organises (meeting.Organisers). The leader must be a
// staff member of the city whose area holds the place, so that they can
// follow the cases born there. EINVALID names the field at fault;
// EFORBIDDEN for roles that do not organise sessions.
func (db *DB) CreateReception(ctx context.Context, actor *anju.Actor, in meeting.Session) (ReceptionSession, error) {
	if !actor.System && !actor.Staff() {
		return ReceptionSession{}, anju.Errorf(anju.EFORBIDDEN, "reception sessions are arranged by staff")
	}
	now := db.clock.Now()
	if err := in.Validate(now); err != nil {
		return ReceptionSession{}, err
	}
	place, err := db.placeOf(ctx, actor, "region", in.Region, []region.Level{region.LevelDistrict, region.LevelStreet, region.LevelCommunity}, meeting.Organisers)
	if err != nil {
		return ReceptionSession{}, err
	}
	leader, err := db.userByLogin(ctx, in.Leader)
	if err != nil || leader.City != place.City || leader.Disabled {
		return ReceptionSession{}, anju.FieldError("leader", "no staff member %q in the city", in.Leader)
	}
	if !(&anju.Actor{Grants: leader.Grants}).HasRoleAt(place.Path, staffRoles()...) {
		return ReceptionSession{}, anju.FieldError("leader", "%s does not work in %s and could not follow its cases", leader.Name, place.Name)
	}
	topics, _ := json.Marshal(in.Topics)
	var id int64
	err = db.inTx(ctx, func(tx *Tx) error {
		id, err = tx.insertID(ctx, `INSERT INTO reception_sessions (city, region, region_path, leader, leader_name, leader_title, place, topics,
			starts_at, ends_at, slot_minutes, capacity, state, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			place.City, place.Code, place.Path, leader.Login, leader.Name, in.LeaderTitle, in.Place, string(topics),
			micros(in.Start), micros(in.End), in.SlotMinutes, in.Capacity, string(meeting.SessionDraft), actorName(actor), micros(now), micros(now))
		return err
	})
	if err != nil {
		return ReceptionSession{}, err
	}
	return db.GetReception(ctx, actor, id)
}

// GridsOf lists the grids inside the region with code, without geometry,
// in code order: where a case born at a session or of a meeting held there
// may lie. ENOTFOUND when the actor may not see the region.
func (db *DB) GridsOf(ctx context.Context, actor *anju.Actor, code string) ([]RegionRecord, error) {
	r, err := db.GetRegion(ctx, actor, code)
	if err != nil {
		return nil, err
	}
	if r.Level == region.LevelGrid {
		return []RegionRecord{r}, nil
	}
	return db.listRegions(ctx, `city = ? AND path >= ? AND path < ? AND level = ?`,
		[]any{r.City, r.Path, subtreeUpper(r.Path), string(region.LevelGrid)}, false)
}

// staffRoles are every role but the resident's.
func staffRoles() []anju.Role {
	var out []anju.Role
	for _, r := range anju.Roles {
		if r != anju.RoleResident {
			out = append(out, r)
		}
	}
	return out
}

// ReceptionFilter narrows ListReceptions.
type ReceptionFilter struct {
	Region string // sessions inside this region; ENOTFOUND outside the actor's scope
	State  meeting.SessionState
	Before int64
	Limit  int // 1 to 200, default 50
}

// ReceptionList is one page of sessions, the most recent first.
type ReceptionList struct {
	Sessions []ReceptionSession `json:"sessions"`
	Next     int64              `json:"next,omitempty"`
}

// ListReceptions returns the sessions at places inside the actor's area.
// EINVALID for an unknown state or a bad limit.
func (db *DB) ListReceptions(ctx context.Context, actor *anju.Actor, f ReceptionFilter) (ReceptionList, error) {
	if f.State != "" && !f.State.Valid() {
		return ReceptionList{}, anju.FieldError("state", "state must be one of %v", meeting.SessionStates)
	}
	sessions, next, err := listPlaced(ctx, db, actor, "s", `SELECT `+sessionCols+sessionFrom, string(f.State), f.Region, f.Before, f.Limit,
		scanSession, func(s ReceptionSession) int64 { return s.ID })
	return ReceptionList{Sessions: sessions, Next: next}, err
}

// listPlaced pages the rows of a table of things held at a place of the
// region tree (reception sessions, meetings) inside the actor's area, the
// newest first: selectFrom reads the table as alias; state (already
// checked) and region narrow it; before continues after the page whose
// next it was. It returns the page and the next page's before, 0 at the
// end.
func listPlaced[T any](ctx context.Context, db *DB, actor *anju.Actor, alias, selectFrom, state, region string, before int64, limit int,
	scan func(interface{ Scan(...any) error }) (T, error), id func(T) int64) ([]T, int64, error) {
	limit, err := listLimit(limit)
	if err != nil {
		return nil, 0, err
	}
	sc, args := placeScope(actor, alias)
	q := selectFrom + ` WHERE ` + sc
	if state != "" {
		q += ` AND ` + alias + `.state = ?`
		args = append(args, state)
	}
	if region != "" {
		r, err := db.GetRegion(ctx, actor, region)
		if err != nil {
			return nil, 0, err
		}
		q += ` AND ` + alias + `.region_path >= ? AND ` + alias + `.region_path < ?`
		args = append(args, r.Path, subtreeUpper(r.Path))
	}
	if before > 0 {
		q += ` AND ` + alias + `.id < ?`
		args = append(args, before)
	}
	rows, err := db.query(ctx, q+` ORDER BY `+alias+`.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return out, 0, err
		}
		out = append(out, x)
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = id(out[limit-1])
	}
	return out, next, rows.Err()
}

func (db *DB) getReception(ctx context.Context, q querier, actor *anju.Actor, id int64) (ReceptionSession, error) {
	s, err := scanSession(q.queryRow(ctx, `SELECT `+sessionCols+sessionFrom+` WHERE s.id = ?`, id))
	if err == nil && !placeVisible(actor, s.City, s.regionPath) {
		err = sql.ErrNoRows
	}
	if err == sql.ErrNoRows {
		return ReceptionSession{}, notFound("reception session", strconv.FormatInt(id, 10))
	}
	return s, err
}

// placeVisible is placeScope for a row already read.
func placeVisible(a *anju.Actor, city, path string) bool {
	if a.System {
		return true
	}
	if a.City != city {
		return false
	}
	for _, g := range a.Grants {
		if g.Role != anju.RoleResident && g.Department == "" && g.Reaches(path, "") {
			return true
		}
	}
	return false
}

// GetReception returns a session at a place in the actor's area, with its
// slots, its bookings (masked) and the cases born at it that the actor may
// see; ENOTFOUND otherwise.
func (db *DB) GetReception(ctx context.Context, actor *anju.Actor, id int64) (ReceptionSession, error) {
	s, err := db.getReception(ctx, db, actor, id)
	if err != nil {
		return s, err
	}
	if s.Bookings, err = db.sessionBookings(ctx, db, id); err != nil {
		return s, err
	}
	s.SlotList = slotsOf(s, s.Bookings)
	s.AllowedActions = meeting.AllowedSessionActions(s.Session, s.State, db.clock.Now(), placeRoles(actor, s.City, s.regionPath)...)
	s.Cases, err = db.originCases(ctx, actor, `o.session_id = ?`, []any{id}, false, 0, 200)
	return s, err
}

func slotsOf(s ReceptionSession, bs []ReceptionBooking) []Slot {
	out := make([]Slot, s.Slots())
	for i := range out {
		out[i] = Slot{Start: s.SlotStart(i), Free: s.Capacity}
	}
	for _, b := range bs {
		if i := int(b.Slot.Sub(s.Start) / (time.Duration(s.SlotMinutes) * time.Minute)); i >= 0 && i < len(out) {
			out[i].Free--
		}
	}
	return out
}

func (db *DB) sessionBookings(ctx context.Context, q querier, sessionID int64) ([]ReceptionBooking, error) {
	var start int64
	var slotMinutes int
	if err := q.queryRow(ctx, `SELECT starts_at, slot_minutes FROM reception_sessions WHERE id = ?`, sessionID).Scan(&start, &slotMinutes); err != nil {
		return nil, err
	}
	rows, err := q.query(ctx, `SELECT b.id, b.slot, b.code, b.reporter_id, r.masked, b.topic, b.booked_by, b.case_id, b.created_at
		FROM reception_bookings b JOIN reporters r ON r.id = b.reporter_id AND r.city = b.city WHERE b.session_id = ? ORDER BY b.slot, b.seat`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReceptionBooking
	for rows.Next() {
		b := ReceptionBooking{SessionID: sessionID}
		var slot int
		var masked string
		var caseID sql.NullInt64
		var at int64
		if err := rows.Scan(&b.ID, &slot, &b.Code, &b.reporterID, &masked, &b.Topic, &b.BookedBy, &caseID, &at); err != nil {
			return nil, err
		}
		var m ReporterOut
		json.Unmarshal([]byte(masked), &m)
		b.Name, b.Phone, b.CaseID, b.BookedAt = m.Name, m.Phone, caseID.Int64, fromMicros(at)
		b.Slot = fromMicros(start).Add(time.Duration(slot*slotMinutes) * time.Minute)
		out = append(out, b)
	}
	return out, rows.Err()
}

// ActOnReception publishes, holds, closes or cancels a session
// (meeting.SessionRules). ENOTFOUND when the session is not in the actor's
// area; the transition's errors otherwise.
func (db *DB) ActOnReception(ctx context.Context, actor *anju.Actor, id int64, action meeting.SessionAction) (ReceptionSession, error) {
	switch action {
	case meeting.SessionPublish, meeting.SessionHold, meeting.SessionClose, meeting.SessionCancel:
	default:
		return ReceptionSession{}, anju.FieldError("action", "unknown session action %q", action)
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		s, err := db.getReception(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		next, err := meeting.SessionTransition(s.Session, s.State, action, db.clock.Now(), placeRoles(actor, s.City, s.regionPath)...)
		if err != nil {
			return err
		}
		r, err := tx.exec(ctx, `UPDATE reception_sessions SET state = ?, updated_at = ? WHERE id = ? AND state = ?`,
			string(next), micros(db.clock.Now()), id, string(s.State))
		if err != nil {
			return err
		}
		if k, _ := r.RowsAffected(); k != 1 {
			return anju.Errorf(anju.ECONFLICT, "reception session %d changed meanwhile", id)
		}
		return nil
	})
	if err != nil {
		return ReceptionSession{}, err
	}
	return db.GetReception(ctx, actor, id)
}

// validatePersonal checks a resident's name and phone with the rules of
// package personal, naming the input's own fields.
func validatePersonal(d personal.Data) error {
	if err := d.ValidateAs("p"); err != nil {
		if e, ok := err.(*anju.Error); ok {
			e.Field = strings.TrimPrefix(e.Field, "p.")
		}
		return err
	}
	return nil
}

// BookSlot books a seat of a slot of a published session: a resident for
// themselves (on the portal: anju.PublicActor), or staff for a resident who
// calls or walks in (meeting.Bookers, in their area). The resident's name
// and phone are kept as reporters' are, encrypted and shown masked; the
// answer carries the booking code. ENOTFOUND for a session the actor may not
// book (a draft, another city, outside a staff member's area); ECONFLICT
// when the slot is full — two residents racing for its last seat get one
// booking and one ECONFLICT — or the session is not open for booking;
// EINVALID naming the field for bad input or a slot that has passed.
func (db *DB) BookSlot(ctx context.Context, actor *anju.Actor, sessionID int64, in meeting.Booking) (ReceptionBooking, error) {
	if err := in.Validate(); err != nil {
		return ReceptionBooking{}, err
	}
	pd := personal.Data{Name: in.Name, Phone: in.Phone}
	if err := validatePersonal(pd); err != nil {
		return ReceptionBooking{}, err
	}
	var out ReceptionBooking
	// Two bookings racing for the same free seat both read it free; the
	// seat's unique key lets one in and sends the other round again, to
	// the next seat or to "full". The rounds are bounded by the capacity.
	for range meeting.MaxCapacity {
		err := db.inTx(ctx, func(tx *Tx) error {
			s, err := db.bookableSession(ctx, tx, actor, sessionID)
			if err != nil {
				return err
			}
			now := db.clock.Now()
			if _, err := meeting.SessionTransition(s.Session, s.State, meeting.SessionBook, now, placeRoles(actor, s.City, s.regionPath)...); err != nil {
				return err
			}
			slot, err := s.SlotAt(in.Slot, now)
			if err != nil {
				return err
			}
			taken, err := column[int](tx.query(ctx, `SELECT seat FROM reception_bookings WHERE session_id = ? AND slot = ?`, sessionID, slot))
			if err != nil {
				return err
			}
			seat := -1
			for i := 0; i < s.Capacity && seat < 0; i++ {
				seat = i
				for _, t := range taken {
					if t == i {
						seat = -1
					}
				}
			}
			if seat < 0 {
				return anju.Errorf(anju.ECONFLICT, "the slot at %s is full", in.Slot.Format(time.RFC3339))
			}
			rid, err := tx.insertReporter(ctx, s.City, pd)
			if err != nil {
				return err
			}
			out = ReceptionBooking{SessionID: sessionID, Slot: s.SlotStart(slot), Code: newTrackingCode(), Topic: in.Topic,
				BookedBy: actorName(actor), BookedAt: fromMicros(micros(now)), reporterID: rid}
			m := pd.Normalized()
			out.Name, out.Phone = personal.MaskName(m.Name), personal.MaskPhone(m.Phone)
			out.ID, err = tx.insertID(ctx, `INSERT INTO reception_bookings (session_id, city, slot, seat, code, reporter_id, topic, booked_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sessionID, s.City, slot, seat, out.Code, rid, in.Topic, out.BookedBy, micros(now))
			// insertID leaves PostgreSQL's error untranslated (RETURNING
			// makes the insert a query).
			if anju.ErrorCode(db.dialect.translate(err)) == anju.ECONFLICT {
				return errSeatTaken
			}
			return err
		})
		if !errors.Is(err, errSeatTaken) {
			return out, err
		}
	}
	return ReceptionBooking{}, anju.Errorf(anju.ECONFLICT, "the slot at %s is full", in.Slot.Format(time.RFC3339))
}

// errSeatTaken is a seat booked by another request between this one's
// read and its insert.
var errSeatTaken = errors.New("seat taken meanwhile")

// bookableSession reads a session for a booking: staff see the sessions of
// their area; a resident those of their city that are open to the public.
func (db *DB) bookableSession(ctx context.Context, q querier, actor *anju.Actor, id int64) (ReceptionSession, error) {
	if actor.Staff() {
		return db.getReception(ctx, q, actor, id)
	}
	s, err := scanSession(q.queryRow(ctx, `SELECT `+sessionCols+sessionFrom+` WHERE s.id = ?`, id))
	if err == nil && (s.City != actor.City || s.State == meeting.SessionDraft) {
		err = sql.ErrNoRows
	}
	if err == sql.ErrNoRows {
		return ReceptionSession{}, notFound("reception session", strconv.FormatInt(id, 10))
	}
	return s, err
}

// PublicReceptions lists the published sessions of a city that have not
// ended, soonest first, with their free slots, for residents: the leader's
// name and title, the place and the topics, never a booking.
func (db *DB) PublicReceptions(ctx context.Context, city string, limit int) ([]ReceptionSession, error) {
	if limit < 1 || limit > 200 {
		limit = 50
	}
	now := db.clock.Now()
	rows, err := db.query(ctx, `SELECT `+sessionCols+sessionFrom+` WHERE s.city = ? AND s.state = ? AND s.ends_at > ?
		ORDER BY s.starts_at, s.id LIMIT ?`, city, string(meeting.SessionPublished), micros(now), limit)
	if err != nil {
		return nil, err
	}
	var out []ReceptionSession
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		bs, err := db.sessionBookings(ctx, db, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].SlotList = slotsOf(out[i], bs)
		out[i].CreatedBy, out[i].Leader = "", ""
	}
	return out, nil
}

// SessionCase is a case born at a reception session: the intake, and the
// booking of the resident who raised it, if they booked (their name and
// phone become the case's reporter's).
type SessionCase struct {
	NewCase
	BookingID int64 `json:"booking_id"`
}

// FileSessionCase takes in a case born at a held session, through the case
// intake (channel reception), and records that it was born there and that
// the session's leader follows it, in the same transaction. The place must
// lie inside the session's region. ENOTFOUND for a session outside the
// actor's area; ECONFLICT for a session not held, or a booking that
// already has its case; EINVALID naming the field for bad input.
func (db *DB) FileSessionCase(ctx context.Context, actor *anju.Actor, sessionID int64, in SessionCase) (Case, error) {
	s, err := db.getReception(ctx, db, actor, sessionID)
	if err != nil {
		return Case{}, err
	}
	now := db.clock.Now()
	if _, err := meeting.SessionTransition(s.Session, s.State, meeting.SessionFileCase, now, placeRoles(actor, s.City, s.regionPath)...); err != nil {
		return Case{}, err
	}
	nc := in.NewCase
	nc.Channel = cases.ChannelReception
	var booking *ReceptionBooking
	if in.BookingID != 0 {
		bs, err := db.sessionBookings(ctx, db, sessionID)
		if err != nil {
			return Case{}, err
		}
		for i := range bs {
			if bs[i].ID == in.BookingID {
				booking = &bs[i]
			}
		}
		if booking == nil {
			return Case{}, anju.FieldError("booking_id", "booking %d is not of this session", in.BookingID)
		}
		if booking.CaseID != 0 {
			return Case{}, anju.Errorf(anju.ECONFLICT, "booking %d already has case %d", booking.ID, booking.CaseID)
		}
		d, err := db.decryptReporter(ctx, db, s.City, booking.reporterID)
		if err != nil {
			return Case{}, err
		}
		nc.Reporter.Name, nc.Reporter.Phone, nc.Reporter.Anonymous = d.Name, d.Phone, false
	}
	p, err := db.PrepareCase(ctx, actor, nc, "")
	if err != nil {
		return Case{}, err
	}
	if !strings.HasPrefix(p.grid.Path, s.regionPath) {
		field := "grid"
		if nc.Lat != nil {
			field = "lat"
		}
		return Case{}, anju.FieldError(field, "the place lies outside %s, where this session receives", s.RegionName)
	}
	var out Case
	err = db.inTx(ctx, func(tx *Tx) error {
		var st string
		if err := tx.queryRow(ctx, `SELECT state FROM reception_sessions WHERE id = ?`, sessionID).Scan(&st); err != nil {
			return err
		}
		if meeting.SessionState(st) != s.State {
			return anju.Errorf(anju.ECONFLICT, "reception session %d changed meanwhile", sessionID)
		}
		c, _, err := tx.InsertCase(ctx, p)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO case_origins (case_id, city, session_id, leader, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.ID, c.City, sessionID, s.Leader, micros(now)); err != nil {
			return err
		}
		if booking != nil {
			r, err := tx.exec(ctx, `UPDATE reception_bookings SET case_id = ? WHERE id = ? AND case_id IS NULL`, c.ID, booking.ID)
			if err != nil {
				return err
			}
			if k, _ := r.RowsAffected(); k != 1 {
				return anju.Errorf(anju.ECONFLICT, "booking %d got its case meanwhile", booking.ID)
			}
		}
		out = c
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	out.AllowedActions = db.allowedActions(actor, out)
	return out, nil
}

// OriginCase is a case born face to face, with where it was born.
type OriginCase struct {
	ID           int64       `json:"id"`
	TrackingCode string      `json:"tracking_code"`
	Title        string      `json:"title"`
	State        cases.State `json:"state"`
	Grid         GridRef     `json:"grid"`
	Overdue      bool        `json:"overdue"`
	Resolution   time.Time   `json:"resolution_due"`
	SessionID    int64       `json:"session_id,omitempty"`
	DecisionID   int64       `json:"decision_id,omitempty"`
	Leader       string      `json:"leader,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	ClosedAt     *time.Time  `json:"closed_at,omitempty"`
}

// originCases reads the cases born face to face that match where and that
// the actor may see (caseScope), the newest first; openOnly keeps those
// still being worked on.
func (db *DB) originCases(ctx context.Context, actor *anju.Actor, where string, args []any, openOnly bool, before int64, limit int) ([]OriginCase, error) {
	sc, sargs := caseScope(actor)
	// CROSS JOIN keeps SQLite's planner on the origins (a session's or a
	// meeting's few) and looks each case up by id: joined plainly, it
	// walked every case of the reader's area by its region index and
	// probed the origins for each — 0.5 s for a district leader's session
	// on the 200,000-case demo. PostgreSQL plans it as the join it is.
	q := `SELECT c.id, c.tracking_code, c.title, c.state, c.grid, g.name, c.overdue, c.resolution_due, o.session_id, o.decision_id,
		o.leader, c.created_at, c.closed_at FROM case_origins o CROSS JOIN cases c JOIN regions g ON g.code = c.grid
		WHERE c.id = o.case_id AND c.city = o.city AND ` + where + ` AND ` + sc
	args = append(append([]any{}, args...), sargs...)
	if openOnly {
		open := cases.OpenStates()
		q += ` AND c.state IN (` + placeholders(len(open)) + `)`
		for _, s := range open {
			args = append(args, string(s))
		}
	}
	if before > 0 {
		q += ` AND c.id < ?`
		args = append(args, before)
	}
	rows, err := db.query(ctx, q+` ORDER BY c.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []OriginCase{}
	for rows.Next() {
		var c OriginCase
		var session, decision, closed sql.NullInt64
		var leader sql.NullString
		var res, created int64
		if err := rows.Scan(&c.ID, &c.TrackingCode, &c.Title, &c.State, &c.Grid.Code, &c.Grid.Name, &c.Overdue, &res, &session, &decision,
			&leader, &created, &closed); err != nil {
			return nil, err
		}
		c.SessionID, c.DecisionID, c.Leader = session.Int64, decision.Int64, leader.String
		c.Resolution, c.CreatedAt = fromMicros(res), fromMicros(created)
		if closed.Valid {
			t := fromMicros(closed.Int64)
			c.ClosedAt = &t
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LeaderCaseList is one page of a leader's own list.
type LeaderCaseList struct {
	Cases []OriginCase `json:"cases"`
	Next  int64        `json:"next,omitempty"`
}

// LeaderCases is the leader's own list: the cases born at the actor's
// reception sessions that are still being worked on, the newest first,
// within what the actor may see. A case leaves the list when it is closed.
func (db *DB) LeaderCases(ctx context.Context, actor *anju.Actor, before int64, limit int) (LeaderCaseList, error) {
	limit, err := listLimit(limit)
	if err != nil {
		return LeaderCaseList{}, err
	}
	cs, err := db.originCases(ctx, actor, `o.city = ? AND o.leader = ?`, []any{actor.City, actor.Login}, true, before, limit+1)
	if err != nil {
		return LeaderCaseList{}, err
	}
	out := LeaderCaseList{Cases: cs}
	if len(cs) > limit {
		out.Cases = cs[:limit]
		out.Next = cs[limit-1].ID
	}
	return out, nil
}
