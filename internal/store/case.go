package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/personal"
	"anju/internal/petition"
	"anju/internal/photo"
	"anju/internal/region"
	"anju/internal/taxonomy"
)

// Case is a stored case as the API shows it. Personal data appears only
// masked; unmasking is a separate, audited call.
type Case struct {
	cases.Case
	City            string       `json:"city"`
	TrackingCode    string       `json:"tracking_code"`
	Title           string       `json:"title"`
	Text            string       `json:"text"`
	Category        string       `json:"category"`
	CategoryName    string       `json:"category_name"`
	CategoryVersion int          `json:"category_version"`
	Lat             *float64     `json:"lat"`
	Lon             *float64     `json:"lon"`
	Address         string       `json:"address"`
	Grid            GridRef      `json:"grid"`
	Regions         []string     `json:"regions"`
	HandlingRegion  string       `json:"handling_region"`
	Reporter        *ReporterOut `json:"reporter,omitempty"`
	Deadlines       Deadlines    `json:"deadlines"`
	Overdue         bool         `json:"overdue"`
	// Supporters counts the residents who added their voice ("me too")
	// instead of filing the same problem again.
	Supporters int        `json:"supporters"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	// Origin is where the case was born when it was born face to face (at
	// a reception session or of a meeting's decision); GetCase fills it.
	Origin *CaseOrigin `json:"origin,omitempty"`
	// AllowedActions lists what the reading actor may do now.
	AllowedActions []cases.Action `json:"allowed_actions"`
	// ReporterSecret is the key of the reporter's secret link
	// (/track/{code}?key=…), handed out once, to whoever filed their own
	// report, in the answer to its intake; only its hash is stored.
	ReporterSecret string `json:"reporter_secret,omitempty"`

	regionPath     string
	reporterID     sql.NullInt64
	reporterUserID sql.NullInt64
	// words is the title, address and body cut for the search index, when
	// this process filed the case: a resolution then segments only its reply.
	words *searchDoc
}

// GridRef names a grid.
type GridRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Deadlines are a case's clocks.
type Deadlines struct {
	Response   time.Time `json:"response"`
	Resolution time.Time `json:"resolution"`
}

// ReporterOut is the masked reporter.
type ReporterOut struct {
	Name      string `json:"name,omitempty"`
	Phone     string `json:"phone,omitempty"`
	IDNumber  string `json:"id_number,omitempty"`
	Address   string `json:"address,omitempty"`
	Anonymous bool   `json:"anonymous"`
}

// NewCase is the intake input.
type NewCase struct {
	Title    string         `json:"title"`
	Text     string         `json:"text"`
	Category string         `json:"category"`
	Kind     cases.Kind     `json:"kind"`
	Lat      *float64       `json:"lat"`
	Lon      *float64       `json:"lon"`
	Grid     string         `json:"grid"`
	Address  string         `json:"address"`
	Channel  cases.Channel  `json:"channel"`
	Priority cases.Priority `json:"priority"`
	Reporter struct {
		Name      string `json:"name"`
		Phone     string `json:"phone"`
		IDNumber  string `json:"id_number"`
		Address   string `json:"address"`
		Anonymous bool   `json:"anonymous"`
	} `json:"reporter"`
	// Photos come with the report, processed by photo.Process; they are
	// stored in the case's transaction or not at all.
	Photos []photo.Photo `json:"-"`
}

// Limits of intake text.
const (
	MaxCaseText  = 5000
	MaxCaseTitle = 200
	maxNote      = 5000
)

// intakeRoles may file cases for others; residents file their own.
// Mediators take disputes in at their committees (CreateDispute).
var intakeRoles = []anju.Role{anju.RoleOperator, anju.RoleGridWorker, anju.RoleDispatcher, anju.RoleResident, anju.RoleSupervisor,
	anju.RoleMediator}

func (nc *NewCase) validate() error {
	nc.Title, nc.Text, nc.Address = anju.CleanText(nc.Title), anju.CleanText(nc.Text), anju.CleanText(nc.Address)
	// A title or address of nothing but invisible characters is none.
	if anju.Blank(nc.Title) {
		nc.Title = ""
	}
	if anju.Blank(nc.Address) {
		nc.Address = ""
	}
	switch {
	case anju.Blank(nc.Text):
		return anju.FieldError("text", "text is required: what is the problem?")
	case utf8.RuneCountInString(nc.Text) > MaxCaseText:
		return anju.FieldError("text", "text is longer than %d characters", MaxCaseText)
	case utf8.RuneCountInString(nc.Title) > MaxCaseTitle:
		return anju.FieldError("title", "title is longer than %d characters", MaxCaseTitle)
	case utf8.RuneCountInString(nc.Address) > 500:
		return anju.FieldError("address", "address is longer than 500 characters")
	case nc.Category == "":
		return anju.FieldError("category", "category is required")
	case nc.Channel != "" && !nc.Channel.Valid():
		return anju.FieldError("channel", "unknown channel %q", nc.Channel)
	case nc.Priority != "" && !nc.Priority.Valid():
		return anju.FieldError("priority", "priority must be normal or urgent")
	case nc.Kind != "" && !nc.Kind.Valid():
		return anju.FieldError("kind", "unknown kind %q", nc.Kind)
	case (nc.Lat == nil) != (nc.Lon == nil):
		return anju.FieldError("lat", "lat and lon go together")
	case nc.Lat == nil && nc.Grid == "":
		return anju.FieldError("lat", "a place is required: lat and lon, or a grid code")
	}
	if nc.Title == "" {
		nc.Title = firstRunes(nc.Text, 30)
	}
	return nil
}

// MayFileCases returns EFORBIDDEN unless the actor's roles let them file
// cases at all (where is checked with the place); the API asks before
// reading an upload.
func MayFileCases(actor *anju.Actor) error {
	if actor.System || slices.ContainsFunc(intakeRoles, actor.HasRole) {
		return nil
	}
	return anju.Errorf(anju.EFORBIDDEN, "your role may not file cases")
}

// staffIntake are the roles that file cases for others, within their area:
// a mediator's is his committee's region.
var staffIntake = []anju.Role{anju.RoleOperator, anju.RoleGridWorker, anju.RoleDispatcher, anju.RoleSupervisor, anju.RoleMediator}

// checkIntakeScope refuses a case that staff file outside their own area,
// where they could not see or follow it; a city-wide hotline operator's
// area is the city. Residents report anywhere in their city: they always see
// their own cases. EINVALID on lat (a point) or grid, naming the place.
func (db *DB) checkIntakeScope(ctx context.Context, actor *anju.Actor, grid RegionRecord, byPoint bool) error {
	if actor.System || actor.HasRole(anju.RoleResident) || actor.HasRoleAt(grid.Path, staffIntake...) {
		return nil
	}
	// Name the largest region around the place that holds none of the
	// actor's area: 第2区 for a district they have no part in, a street of
	// their own district otherwise.
	place := grid.Name
	for _, code := range splitPath(grid.Path)[1:] {
		r, err := db.regionNoGeometry(ctx, code)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(actor.Grants, func(g anju.Grant) bool {
			return slices.Contains(staffIntake, g.Role) && g.RegionPath != "" && strings.HasPrefix(g.RegionPath, r.Path)
		}) {
			place = r.Name
			break
		}
	}
	field := "grid"
	if byPoint {
		field = "lat"
	}
	return anju.FieldError(field, "the place lies in %s, outside your area", place)
}

func firstRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// CreateCase takes a case in. With an idempotency key, a retried request
// returns the case the first one created (created=false), and the same key
// with a different body answers EUNPROCESSABLE. Returns EINVALID naming the
// field for bad input, including a place outside the city.
func (db *DB) CreateCase(ctx context.Context, actor *anju.Actor, nc NewCase, idemKey string) (Case, bool, error) {
	p, err := db.PrepareCase(ctx, actor, nc, idemKey)
	if err != nil {
		return Case{}, false, err
	}
	var out Case
	var created bool
	if db.bound != nil {
		out, created, err = db.bound.InsertCase(ctx, p)
	} else {
		out, created, err = db.intake.submit(ctx, p)
	}
	if err != nil {
		return Case{}, false, err
	}
	out.AllowedActions = db.allowedActions(actor, out)
	return out, created, nil
}

// PreparedCase is an intake checked and resolved (place, category, clocks)
// outside any transaction, ready to insert.
type PreparedCase struct {
	actor    *anju.Actor
	nc       NewCase
	idemKey  string
	reqHash  string
	scope    string
	grid     RegionRecord
	cat      taxonomy.Category
	kind     cases.Kind
	priority cases.Priority
	channel  cases.Channel
	respDue  time.Time
	resDue   time.Time
	personal personal.Data
	now      time.Time
	doc      *searchDoc
	// secret is the reporter's secret link key of a self-filed report.
	secret string
	// petition is a petition's detail, filed with its case.
	petition *petitionRow
}

// PrepareCase validates an intake and does its reads — the spatial index,
// the taxonomy, the calendar — before the write transaction, which then
// holds its lock only for the inserts.
func (db *DB) PrepareCase(ctx context.Context, actor *anju.Actor, nc NewCase, idemKey string) (*PreparedCase, error) {
	if err := MayFileCases(actor); err != nil {
		return nil, err
	}
	if len(idemKey) > 200 {
		return nil, anju.Errorf(anju.EINVALID, "Idempotency-Key is longer than 200 characters")
	}
	p := &PreparedCase{actor: actor, idemKey: idemKey, scope: "user:" + actor.Login, now: db.clock.Now()}
	if idemKey != "" {
		p.keyRequest(nc, nc.Photos)
	}
	if err := nc.validate(); err != nil {
		return nil, err
	}
	if err := checkPhotos("submit", nc.Photos); err != nil {
		return nil, err
	}
	var grid RegionRecord
	var err error
	located := false
	if nc.Lat != nil {
		code, err := db.LocateGrid(ctx, actor, *nc.Lon, *nc.Lat)
		if err != nil {
			if anju.ErrorCode(err) == anju.ENOTFOUND {
				return nil, anju.FieldError("lat", "the point lat %g, lon %g is outside the city", *nc.Lat, *nc.Lon)
			}
			return nil, err
		}
		nc.Grid = code
		if !actor.System {
			grid, located = db.gridRecord(ctx, actor.City, code)
		}
	}
	if !located {
		grid, err = db.regionNoGeometry(ctx, nc.Grid)
		if err != nil || grid.Level != region.LevelGrid || (!actor.System && grid.City != actor.City) {
			return nil, anju.FieldError("grid", "grid %q not found", nc.Grid)
		}
	}
	if err := db.checkIntakeScope(ctx, actor, grid, nc.Lat != nil); err != nil {
		return nil, err
	}
	p.grid = grid
	if p.cat, err = db.category(ctx, grid.City, nc.Category); err != nil {
		return nil, err
	}
	p.kind, p.priority, p.channel = nc.Kind, nc.Priority, nc.Channel
	if p.kind == "" {
		p.kind = p.cat.Kind
	}
	if p.priority == "" {
		p.priority = p.cat.DefaultPriority
	}
	if p.channel == "" {
		p.channel = defaultChannel(actor)
	}
	cal, err := db.calendar(ctx, grid.City)
	if err != nil {
		return nil, err
	}
	if p.kind == cases.KindPetition {
		// A petition has no tracking page and no link to one; the portal
		// does not take petitions in.
		if actor.UserID == 0 && !actor.System && strings.HasPrefix(actor.Login, "public:") {
			return nil, anju.FieldError("category", "petitions (信访) are taken in by the petition office, by letter, visit, phone or web petition")
		}
		// The statute's clock, not the taxonomy's editable deadlines.
		pc := petition.NewClock(cal, db.clock)
		if err := pc.Received(p.now); err != nil {
			return nil, err
		}
		p.respDue, p.resDue = pc.CaseDeadlines()
	} else {
		dl := p.cat.Deadlines[p.priority]
		p.respDue, p.resDue = cal.Due(p.now, dl.Response), cal.Due(p.now, dl.Resolution)
	}
	p.personal = personal.Data{Name: nc.Reporter.Name, Phone: nc.Reporter.Phone, IDNumber: nc.Reporter.IDNumber, Address: nc.Reporter.Address}
	if nc.Reporter.Anonymous && !p.personal.IsZero() {
		return nil, anju.FieldError("reporter.anonymous", "an anonymous report carries no name, phone, ID number or address")
	}
	if !p.personal.IsZero() {
		if err := p.personal.Validate(); err != nil {
			return nil, err
		}
	}
	if selfFiled(actor, grid.Path) && p.kind != cases.KindPetition {
		p.secret = newReporterSecret()
	}
	p.nc = nc
	// Segmenting the text for search is CPU work; done here, it runs in the
	// request's goroutine, not in the single writer's transaction.
	if p.doc, err = db.newSearchDoc(ctx, db, grid.City, nc.Title, nc.Address, nc.Text, ""); err != nil {
		return nil, err
	}
	return p, nil
}

// InsertCase writes a prepared case inside the caller's transaction, so that
// the demo and benchmarks can group many cases into one commit through the
// same code as the API.
func (t *Tx) InsertCase(ctx context.Context, p *PreparedCase) (Case, bool, error) {
	if p.idemKey != "" {
		known, err := t.idempotencyKey(ctx, p.idemRef())
		if err != nil {
			return Case{}, false, err
		}
		if known.caseID != 0 {
			if known.hash != p.reqHash {
				return Case{}, false, anju.Errorf(anju.EUNPROCESSABLE, "Idempotency-Key %q was used with a different request body", p.idemKey)
			}
			c, err := t.getCase(ctx, anju.SystemActor("idempotency"), known.caseID)
			return c, false, err
		}
	}
	nc, grid, actor, now := p.nc, p.grid, p.actor, p.now
	var reporterID any
	if !p.personal.IsZero() {
		insert := t.insertReporter
		if p.kind == cases.KindPetition {
			insert = t.insertPetitioner
		}
		id, err := insert(ctx, grid.City, p.personal)
		if err != nil {
			return Case{}, false, err
		}
		reporterID = id
	}
	var reporterUser any
	if actor.UserID != 0 && selfFiled(actor, grid.Path) {
		reporterUser = actor.UserID
	}
	secretHash := ""
	if p.secret != "" {
		secretHash = hashSecret(p.secret)
	}
	wf := cases.Case{Kind: p.kind, Channel: p.channel, Priority: p.priority, State: cases.StateSubmitted, Version: 1}
	c := Case{Case: wf, City: grid.City, TrackingCode: newTrackingCode(), Title: nc.Title, Text: nc.Text,
		Category: p.cat.Code, CategoryName: p.cat.Name, CategoryVersion: p.cat.Version, Lat: nc.Lat, Lon: nc.Lon,
		Address: nc.Address, HandlingRegion: handlingRegionFor(grid, p.cat.DepartmentLevel),
		Deadlines: Deadlines{Response: p.respDue.UTC(), Resolution: p.resDue.UTC()}, CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
		regionPath: grid.Path}
	c.Grid = GridRef{Code: grid.Code, Name: grid.Name}
	if reporterUser != nil {
		c.reporterUserID = sql.NullInt64{Int64: actor.UserID, Valid: true}
	}
	wfJSON, _ := json.Marshal(wf)
	var lat, lon any
	if nc.Lat != nil {
		lat, lon = *nc.Lat, *nc.Lon
	}
	id, err := t.insertNewRow(ctx, "cases", `city, tracking_code, kind, channel, priority, state, version, title, body,
		category, category_version, lat, lon, address, grid, region_path, handling_region, reporter_id, reporter_user_id,
		anonymous, workflow, created_at, updated_at, response_due, resolution_due, reporter_secret`,
		c.City, c.TrackingCode, string(p.kind), string(p.channel), string(p.priority), string(wf.State), wf.Version, c.Title, c.Text,
		c.Category, c.CategoryVersion, lat, lon, c.Address, grid.Code, grid.Path, c.HandlingRegion, reporterID, reporterUser,
		nc.Reporter.Anonymous, string(wfJSON), micros(now), micros(now), micros(p.respDue), micros(p.resDue), secretHash)
	if err != nil {
		return Case{}, false, err
	}
	c.ID = id
	c.Case.ID = c.ID
	if reporterID != nil {
		c.reporterID = sql.NullInt64{Int64: reporterID.(int64), Valid: true}
	}
	data := map[string]any{"channel": p.channel}
	if len(nc.Photos) > 0 {
		data["photos"] = len(nc.Photos)
	}
	event, err := t.appendEvent(ctx, actor, &c, cases.Event{Action: "submit", From: "", To: cases.StateSubmitted, Version: 1}, "", true, data)
	if err != nil {
		return Case{}, false, err
	}
	if err := t.insertPhotos(ctx, &c, event, "submit", photosPublic("submit", false), nc.Photos); err != nil {
		return Case{}, false, err
	}
	if p.idemKey != "" {
		if err := t.send(ctx, `INSERT INTO idempotency_keys (city, scope, key, request_hash, case_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.City, p.scope, p.idemKey, p.reqHash, c.ID, micros(now)); err != nil {
			return Case{}, false, err
		}
		t.idem[p.idemRef()] = idemEntry{caseID: c.ID, hash: p.reqHash}
	}
	first := false
	if p.kind == cases.KindPetition {
		if err := t.insertPetition(ctx, &c, p.petition); err != nil {
			return Case{}, false, err
		}
		first = p.petition != nil && p.petition.first
	}
	t.insertCaseFacts(&c, now, first)
	c.Regions = splitPath(grid.Path)
	c.Reporter = &ReporterOut{Anonymous: nc.Reporter.Anonymous}
	if reporterID != nil {
		m := p.personal.Normalized()
		c.Reporter = &ReporterOut{Name: personal.MaskName(m.Name), Phone: personal.MaskPhone(m.Phone),
			IDNumber: personal.MaskIDNumber(m.IDNumber), Address: personal.MaskAddress(m.Address)}
	}
	c.words = p.doc
	if err := t.indexCaseDoc(ctx, &c, true, p.doc); err != nil {
		return Case{}, false, err
	}
	if p.secret != "" {
		c.ReporterSecret = p.secret
		if reporterID != nil && p.personal.Phone != "" {
			if err := t.enqueueReceipt(ctx, &c, reporterID.(int64), p.secret); err != nil {
				return Case{}, false, err
			}
		}
	}
	return c, true, nil
}

func defaultChannel(a *anju.Actor) cases.Channel {
	switch {
	case a.System:
		return cases.ChannelImport
	case a.HasRole(anju.RoleOperator):
		return cases.ChannelHotline
	case a.HasRole(anju.RoleGridWorker):
		return cases.ChannelGridPatrol
	}
	return cases.ChannelWeb
}

// handlingRegionFor is where a new case starts: the region of the category's
// default department level above the grid (small things are solved close to
// home, and move up only by escalation).
func handlingRegionFor(grid RegionRecord, level string) string {
	codes := splitPath(grid.Path) // city, district, street, community, grid
	depth := map[string]int{"city": 0, "district": 1, "street": 2, "community": 3, "grid": 4}[level]
	if level == "" {
		depth = 2
	}
	if depth >= len(codes) {
		depth = len(codes) - 1
	}
	return codes[depth]
}

// trackingAlphabet leaves out 0/O, 1/I/L and U, which people misread or mistype.
const trackingAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// newTrackingCode returns 12 random symbols (about 59 bits): short enough to
// read over the phone, too many to guess.
func newTrackingCode() string {
	out := make([]byte, 0, 12)
	buf := make([]byte, 16)
	for len(out) < 12 {
		rand.Read(buf)
		for _, x := range buf {
			// 240 is the largest multiple of 30 below 256: rejecting bytes
			// above it keeps every symbol equally likely.
			if x < 240 && len(out) < 12 {
				out = append(out, trackingAlphabet[int(x)%len(trackingAlphabet)])
			}
		}
	}
	return string(out)
}

// NormalizeTrackingCode accepts a code as people type it: any case, with
// dashes or spaces.
func NormalizeTrackingCode(s string) string {
	s = strings.ToUpper(s)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, s)
}

// FormatTrackingCode groups a code for display: ABCD-EFGH-JKMN.
func FormatTrackingCode(s string) string {
	if len(s) != 12 {
		return s
	}
	return s[:4] + "-" + s[4:8] + "-" + s[8:]
}

// keyRequest sets the hash an idempotency key is held to: the whole request
// (a dispute's parties, a petition's channel), not only its case, so that a
// retry with other details under the same key is refused, not taken for the
// first. The photos are part of the request: the same key with other photos
// is another request.
func (p *PreparedCase) keyRequest(request any, photos []photo.Photo) {
	h := sha256.New()
	b, _ := json.Marshal(request)
	h.Write(b)
	for _, ph := range photos {
		h.Write([]byte("\n" + ph.SHA256))
	}
	p.reqHash = hex.EncodeToString(h.Sum(nil))
}
