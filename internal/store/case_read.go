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
)

// caseScope returns a predicate over the cases table (alias c) that holds for
// the cases the actor may see: those inside a subtree granted with a staff
// role, those of a department the actor works in that lie inside that
// grant's subtree (anju.Grant.Reaches), and those the actor reported. A resident's grant gives no region-wide view, only their own cases.
func caseScope(a *anju.Actor) (string, []any) {
	if a == nil {
		return "1=0", nil
	}
	if a.System {
		return "1=1", nil
	}
	parts, args := grantScope(a, "c.region_path", "c.department")
	if a.UserID != 0 {
		parts = append(parts, "c.reporter_user_id = ?")
		args = append(args, a.UserID)
	}
	if len(parts) == 0 {
		return "1=0", nil
	}
	return "(c.city = ? AND (" + strings.Join(parts, " OR ") + "))", append([]any{a.City}, args...)
}

// caseVisible is caseScope for a row already read: the same rule in Go, for
// queries that select by primary key and must not let the planner scan.
func caseVisible(a *anju.Actor, city, path, department string, reporterUser int64) bool {
	if a == nil {
		return false
	}
	if a.System {
		return true
	}
	if city != a.City {
		return false
	}
	for _, g := range a.Grants {
		if g.Reaches(path, department) {
			return true
		}
	}
	return a.UserID != 0 && reporterUser == a.UserID
}

func pathGrants(paths []string) []anju.Grant {
	gs := make([]anju.Grant, len(paths))
	for i, p := range paths {
		gs[i] = anju.Grant{RegionPath: p}
	}
	return gs
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

const caseCols = `c.id, c.city, c.tracking_code, c.state, c.version, c.title, c.body, c.category, c.category_version,
	c.lat, c.lon, c.address, c.grid, g.name, c.region_path, c.handling_region, c.department, c.reporter_id,
	c.reporter_user_id, c.anonymous, c.workflow, c.created_at, c.updated_at, c.response_due, c.resolution_due,
	c.closed_at, c.overdue, c.card, r.masked, c.supporters`

const caseFrom = ` FROM cases c JOIN regions g ON g.code = c.grid LEFT JOIN reporters r ON r.id = c.reporter_id AND r.city = c.city`

// caseInCity reads a case by id and city.
const caseInCity = `SELECT ` + caseCols + caseFrom + ` WHERE c.id = ? AND c.city = ?`

func scanCase(row interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var state, wf, card string
	var lat, lon sql.NullFloat64
	var dept, masked sql.NullString
	var closed sql.NullInt64
	var anonymous bool
	var created, updated, resp, res int64
	if err := row.Scan(&c.ID, &c.City, &c.TrackingCode, &state, &c.Version, &c.Title, &c.Text, &c.Category, &c.CategoryVersion,
		&lat, &lon, &c.Address, &c.Grid.Code, &c.Grid.Name, &c.regionPath, &c.HandlingRegion, &dept, &c.reporterID,
		&c.reporterUserID, &anonymous, &wf, &created, &updated, &resp, &res, &closed, &c.Overdue, &card, &masked, &c.Supporters); err != nil {
		return c, err
	}
	id, version := c.ID, c.Version
	if err := json.Unmarshal([]byte(wf), &c.Case); err != nil {
		return c, err
	}
	// The columns are the truth for what queries filter on.
	c.Case.ID, c.Case.Version, c.Case.State, c.Case.Department = id, version, cases.State(state), dept.String
	c.Case.Card = cases.Card(card)
	if lat.Valid {
		c.Lat, c.Lon = &lat.Float64, &lon.Float64
	}
	c.Regions = splitPath(c.regionPath)
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	c.Deadlines = Deadlines{Response: fromMicros(resp), Resolution: fromMicros(res)}
	if closed.Valid {
		t := fromMicros(closed.Int64)
		c.ClosedAt = &t
	}
	c.Reporter = &ReporterOut{Anonymous: anonymous}
	if masked.Valid {
		json.Unmarshal([]byte(masked.String), c.Reporter)
	}
	return c, nil
}

// GetCase returns a case the actor may see, with where it was born when it
// was born face to face (Origin), or ENOTFOUND.
func (db *DB) GetCase(ctx context.Context, actor *anju.Actor, id int64) (Case, error) {
	c, err := db.getCase(ctx, db, actor, id)
	if err != nil {
		return c, err
	}
	c.AllowedActions = db.allowedActions(actor, c)
	c.CategoryName = db.categoryName(ctx, c.City, c.Category)
	c.Origin, err = db.caseOrigin(ctx, db, actor, c.ID, c.City)
	return c, err
}

func (t *Tx) getCase(ctx context.Context, actor *anju.Actor, id int64) (Case, error) {
	return t.db.getCase(ctx, t, actor, id)
}

// getCaseIn is getCase of a case known to be city's, for a system actor
// working city by city (the scheduler): with the city named, a distributed
// engine asks the one worker holding the city.
func (t *Tx) getCaseIn(ctx context.Context, actor *anju.Actor, id int64, city string) (Case, error) {
	return t.db.getCaseIn(ctx, t, actor, id, city)
}

func (db *DB) getCase(ctx context.Context, q querier, actor *anju.Actor, id int64) (Case, error) {
	// A city's actor sees only its city's cases; a system actor's may be
	// any city's.
	city := ""
	if actor != nil && !actor.System {
		city = actor.City
	}
	return db.getCaseIn(ctx, q, actor, id, city)
}

// getCaseIn reads case id, of city unless city is "", as actor sees it.
func (db *DB) getCaseIn(ctx context.Context, q querier, actor *anju.Actor, id int64, city string) (Case, error) {
	// By primary key, then the scope in Go: with the scope in SQL the
	// planner may prefer a range of the path index over the rowid, and the
	// query's text would vary with the actor's grants. With the city
	// named, a distributed engine asks the one worker holding the city.
	var row *sql.Row
	if city != "" {
		row = q.queryRow(ctx, caseInCity, id, city)
	} else {
		row = q.queryRow(ctx, `SELECT `+caseCols+caseFrom+` WHERE c.id = ?`, id)
	}
	c, err := scanCase(row)
	if err == nil && !caseVisible(actor, c.City, c.regionPath, c.Department, c.reporterUserID.Int64) {
		err = sql.ErrNoRows
	}
	if err == sql.ErrNoRows {
		return Case{}, notFound("case", strconv.FormatInt(id, 10))
	}
	return c, err
}

// rolesAt returns the parties the actor acts as on c: roles granted on a
// subtree holding the case, handler roles of its department, the reporter,
// or the system.
func (db *DB) rolesAt(actor *anju.Actor, c Case) []anju.Role {
	if actor.System {
		return []anju.Role{cases.RoleSystem}
	}
	var roles []anju.Role
	for _, g := range actor.Grants {
		if g.Role != anju.RoleResident && g.Reaches(c.regionPath, c.Department) {
			roles = append(roles, g.Role)
		}
	}
	if (actor.UserID != 0 && c.reporterUserID.Valid && c.reporterUserID.Int64 == actor.UserID) || (actor.ReporterOf != 0 && actor.ReporterOf == c.ID) {
		roles = append(roles, cases.RoleReporter)
	}
	return roles
}

func (db *DB) allowedActions(actor *anju.Actor, c Case) []cases.Action {
	as := cases.AllowedActions(c.State, db.rolesAt(actor, c)...)
	if as == nil {
		as = []cases.Action{}
	}
	return as
}

// Event is one entry of a case's history.
type Event struct {
	ID     int64          `json:"id"`
	Action string         `json:"action"`
	From   cases.State    `json:"from"`
	To     cases.State    `json:"to"`
	Actor  string         `json:"actor,omitempty"`
	Note   string         `json:"note,omitempty"`
	Public bool           `json:"public"`
	Data   map[string]any `json:"data,omitempty"`
	At     string         `json:"at"`
}

// History returns a case's events, oldest first. Staff who may see the case
// get every event; its reporter only the public ones, without staff names.
func (db *DB) History(ctx context.Context, actor *anju.Actor, id int64) ([]Event, error) {
	c, err := db.GetCase(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return db.events(ctx, id, c.City, !db.seesStaffRecord(actor, c))
}

func (db *DB) events(ctx context.Context, caseID int64, city string, publicOnly bool) ([]Event, error) {
	q := `SELECT id, action, from_state, to_state, actor, note, public, data, at FROM case_events WHERE case_id = ? AND city = ?`
	if publicOnly {
		q += ` AND public`
	}
	rows, err := db.query(ctx, q+` ORDER BY id`, caseID, city)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var from, to, data string
		var at int64
		if err := rows.Scan(&e.ID, &e.Action, &from, &to, &e.Actor, &e.Note, &e.Public, &data, &at); err != nil {
			return nil, err
		}
		e.From, e.To = cases.State(from), cases.State(to)
		e.At = fromMicros(at).Format("2006-01-02T15:04:05Z07:00")
		json.Unmarshal([]byte(data), &e.Data)
		if publicOnly {
			e.Actor = ""
			// The tracking code of the case this one was merged into
			// opens another resident's report.
			delete(e.Data, "into")
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Tracked is what anyone holding a tracking code may read: no personal data
// and no staff notes.
type Tracked struct {
	TrackingCode string      `json:"tracking_code"`
	State        cases.State `json:"state"`
	Kind         cases.Kind  `json:"kind"`
	Category     string      `json:"category"`
	CategoryName string      `json:"category_name"`
	Title        string      `json:"title"`
	CreatedAt    string      `json:"created_at"`
	Deadline     string      `json:"deadline"`
	Reply        string      `json:"reply,omitempty"`
	Outcome      string      `json:"outcome,omitempty"`
	Rating       string      `json:"rating,omitempty"`
	// Merged says the report is handled together with another one; State
	// and Outcome are then that report's.
	Merged  bool    `json:"merged,omitempty"`
	Notice  string  `json:"notice,omitempty"`
	History []Event `json:"history"`
	// ResponseDeadline is when staff must first respond; Deadline when the
	// matter must be resolved.
	ResponseDeadline string `json:"response_deadline"`
	Priority         string `json:"priority"`
	// GridName is where, at grid precision.
	GridName   string `json:"grid_name"`
	Supporters int    `json:"supporters"`
	// ClosedAt and ReporterUntil: when it was closed, and until when its
	// reporter may rate or reopen it (the city's period).
	ClosedAt      string `json:"closed_at,omitempty"`
	ReporterUntil string `json:"reporter_until,omitempty"`
	// Photos are the report's public photos (see photo.go), read with
	// TrackedPhoto; a merged report shows its own, not its master's.
	Photos []CasePhoto `json:"photos"`
}

// mergedNotice is shown on the tracking page of a merged report.
const mergedNotice = "已并入另一件同类诉求合并办理（merged into another report）"

// Track returns the public view of the case with the tracking code; a merged
// case shows its master's progress: its state, outcome and the steps of its
// public history, but never its code, title, reply or notes, which belong
// to another resident's report. ENOTFOUND for unknown codes.
func (db *DB) Track(ctx context.Context, code string) (Tracked, error) {
	code = NormalizeTrackingCode(code)
	sys := anju.SystemActor("track")
	var id int64
	// A petition has no tracking page: it answers as a code that does not
	// exist.
	if err := db.queryRow(ctx, `SELECT id FROM cases WHERE tracking_code = ? AND kind <> 'petition'`, code).Scan(&id); err != nil {
		if err == sql.ErrNoRows {
			return Tracked{}, anju.Errorf(anju.ENOTFOUND, "no case has tracking code %s", FormatTrackingCode(code))
		}
		return Tracked{}, err
	}
	c, err := db.getCase(ctx, db, sys, id)
	if err != nil {
		return Tracked{}, err
	}
	t := Tracked{TrackingCode: FormatTrackingCode(c.TrackingCode), State: c.State, Kind: c.Kind, Category: c.Category,
		CategoryName: db.categoryName(ctx, c.City, c.Category), Title: c.Title,
		CreatedAt: c.CreatedAt.Format("2006-01-02T15:04:05Z07:00"), Deadline: c.Deadlines.Resolution.Format("2006-01-02T15:04:05Z07:00"),
		Reply: c.Result, Outcome: string(c.Outcome), Rating: string(c.Rating),
		ResponseDeadline: c.Deadlines.Response.Format(time.RFC3339), Priority: string(c.Priority), GridName: c.Grid.Name,
		Supporters: c.Supporters}
	if c.ClosedAt != nil {
		until, err := db.reporterWindow(ctx, c)
		if err != nil {
			return Tracked{}, err
		}
		t.ClosedAt, t.ReporterUntil = c.ClosedAt.Format(time.RFC3339), until.Format(time.RFC3339)
	}
	if t.History, err = db.events(ctx, id, c.City, true); err != nil {
		return Tracked{}, err
	}
	if t.Photos, err = db.casePhotos(ctx, id, c.City, true); err != nil {
		return Tracked{}, err
	}
	if c.MergedInto != 0 {
		m, err := db.getCase(ctx, db, sys, c.MergedInto)
		if err == nil && m.Kind == cases.KindPetition {
			// Merged into a petition: that it was merged is the report's
			// own news; the petition's progress is not.
			t.Merged, t.Notice = true, mergedNotice
		} else if err == nil {
			t.Merged, t.Notice = true, mergedNotice
			t.State, t.Outcome = m.State, string(m.Outcome)
			mh, err := db.events(ctx, m.ID, m.City, true)
			if err != nil {
				return Tracked{}, err
			}
			for _, e := range mh {
				if e.Action == "submit" {
					continue // the other report's intake is not this one's step
				}
				t.History = append(t.History, Event{Action: e.Action, From: e.From, To: e.To, At: e.At, Public: true})
			}
		}
	}
	return t, nil
}

// Get reads a case inside the transaction without a scope check, for code
// that acts as the platform itself (the demo generator, the scheduler).
func (t *Tx) Get(ctx context.Context, id int64) (Case, error) {
	return t.getCase(ctx, anju.SystemActor("tx"), id)
}

// CaseStates counts a city's cases by state.
func (db *DB) CaseStates(ctx context.Context, city string) (map[cases.State]int, error) {
	rows, err := db.query(ctx, `SELECT state, COUNT(*) FROM cases WHERE city = ? GROUP BY state`, city)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[cases.State]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[cases.State(s)] = n
	}
	return out, rows.Err()
}
