package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/cases"
	"anju/internal/hazard"
	"anju/internal/region"
)

// Hazard is an entry of the hazard register as the API shows it.
type Hazard struct {
	ID int64 `json:"id"`
	hazard.Hazard
	City      string    `json:"city"`
	Grid      GridRef   `json:"grid"`
	Active    bool      `json:"active"`
	NextCheck string    `json:"next_check"`
	Frequency string    `json:"frequency"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version is what UpdateHazard is given back, to refuse a change made
	// on a copy that is no longer current.
	Version int64 `json:"version"`
	// Findings are the hazard's findings not yet closed, on its own page.
	Findings []Finding `json:"findings,omitempty"`

	regionPath string
}

// hazardRegisterRoles may add places to the register within their area.
var hazardRegisterRoles = []anju.Role{anju.RoleGridWorker, anju.RoleDispatcher, anju.RoleSupervisor, anju.RoleAdmin}

// hazardScope is caseScope for the register (alias h): the hazards inside a
// subtree granted with a staff role, and those a department supervises
// inside its grant's subtree (anju.Grant.Reaches). Residents see none.
func hazardScope(a *anju.Actor, alias string) (string, []any) {
	if a == nil {
		return "1=0", nil
	}
	if a.System {
		return "1=1", nil
	}
	parts, args := grantScope(a, alias+".region_path", alias+".department")
	if len(parts) == 0 {
		return "1=0", nil
	}
	return "(" + alias + ".city = ? AND (" + strings.Join(parts, " OR ") + "))", append([]any{a.City}, args...)
}

// hazardRoles are the roles the actor holds over a hazard at path supervised
// by department, for the transition tables of package hazard.
func hazardRoles(a *anju.Actor, path, department string) []anju.Role {
	if a.System {
		return []anju.Role{cases.RoleSystem}
	}
	var out []anju.Role
	for _, g := range a.Grants {
		if g.Role != anju.RoleResident && g.Reaches(path, department) {
			out = append(out, g.Role)
		}
	}
	return out
}

const hazardCols = `h.id, h.city, h.type, h.name, h.address, h.lat, h.lon, h.grid, r.name, h.region_path, h.risk_level,
	h.owner, h.department, h.note, h.active, h.next_check, h.created_by, h.created_at, h.updated_at`

const hazardFrom = ` FROM hazards h JOIN regions r ON r.code = h.grid`

func scanHazard(row interface{ Scan(...any) error }) (Hazard, error) {
	var h Hazard
	var dept sql.NullString
	var created, updated int64
	err := row.Scan(&h.ID, &h.City, &h.Type, &h.Name, &h.Address, &h.Lat, &h.Lon, &h.Grid.Code, &h.Grid.Name, &h.regionPath,
		&h.RiskLevel, &h.Owner, &dept, &h.Note, &h.Active, &h.NextCheck, &h.CreatedBy, &created, &updated)
	h.Department = dept.String
	h.CreatedAt, h.UpdatedAt, h.Version = fromMicros(created), fromMicros(updated), updated
	return h, err
}

// RegisterHazard adds a place or object to the register, in the grid that
// holds its point, and owes it an inspection task from today. EINVALID
// names the field at fault: an unknown type or risk level, a point outside
// the city or outside the actor's area, a department that does not exist
// or does not serve the place. EFORBIDDEN for roles that may not register.
func (db *DB) RegisterHazard(ctx context.Context, actor *anju.Actor, in hazard.Hazard) (Hazard, error) {
	if !actor.System && !slices.ContainsFunc(hazardRegisterRoles, actor.HasRole) {
		return Hazard{}, anju.Errorf(anju.EFORBIDDEN, "only grid workers, dispatchers, supervisors and administrators register hazards")
	}
	if err := in.Validate(); err != nil {
		return Hazard{}, err
	}
	grid, dept, err := db.placeHazard(ctx, actor, in)
	if err != nil {
		return Hazard{}, err
	}
	now := db.clock.Now()
	plan, err := db.hazardPlan(ctx, grid.City)
	if err != nil {
		return Hazard{}, err
	}
	today := hazard.Day(now).Format(time.DateOnly)
	var out Hazard
	err = db.inTx(ctx, func(tx *Tx) error {
		id, err := tx.insertID(ctx, `INSERT INTO hazards (city, type, name, address, lat, lon, grid, region_path, risk_level, owner,
			department, note, active, next_check, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			grid.City, string(in.Type), in.Name, in.Address, in.Lat, in.Lon, grid.Code, grid.Path, string(in.RiskLevel), in.Owner,
			dept, in.Note, true, today, actorName(actor), micros(now), micros(now))
		if err != nil {
			return err
		}
		out = Hazard{ID: id, Hazard: in, City: grid.City, Grid: GridRef{Code: grid.Code, Name: grid.Name}, Active: true,
			NextCheck: today, Frequency: plan.Frequency(in.RiskLevel).String(), CreatedBy: actorName(actor),
			CreatedAt: fromMicros(micros(now)), UpdatedAt: fromMicros(micros(now)), Version: micros(now), regionPath: grid.Path}
		return tx.appendAudit(ctx, actor, audit.Record{City: grid.City, Action: "hazard.register", Object: "hazard:" + strconv.FormatInt(id, 10),
			Detail: map[string]any{"type": in.Type, "risk_level": in.RiskLevel, "grid": grid.Code, "department": in.Department}})
	})
	return out, err
}

// placeHazard finds the grid that holds in's point, which must lie in the
// actor's area, and checks its supervising department: one that exists
// and serves the place, or none (nil).
func (db *DB) placeHazard(ctx context.Context, actor *anju.Actor, in hazard.Hazard) (RegionRecord, any, error) {
	code, err := db.LocateGrid(ctx, actor, in.Lon, in.Lat)
	if err != nil {
		if anju.ErrorCode(err) == anju.ENOTFOUND {
			return RegionRecord{}, nil, anju.FieldError("lat", "the point lat %g, lon %g is outside the city", in.Lat, in.Lon)
		}
		return RegionRecord{}, nil, err
	}
	grid, err := db.regionNoGeometry(ctx, code)
	if err != nil || grid.Level != region.LevelGrid {
		return RegionRecord{}, nil, anju.FieldError("lat", "no grid holds the point lat %g, lon %g", in.Lat, in.Lon)
	}
	if !actor.HasRoleAt(grid.Path, hazardRegisterRoles...) {
		return RegionRecord{}, nil, anju.FieldError("lat", "the place lies in %s, outside your area", grid.Name)
	}
	if in.Department == "" {
		return grid, nil, nil
	}
	places, err := db.departmentPlaces(ctx, db, grid.City)
	if err != nil {
		return RegionRecord{}, nil, err
	}
	p, ok := places[in.Department]
	if !ok {
		return RegionRecord{}, nil, anju.FieldError("department", "department %s not found", in.Department)
	}
	if !strings.HasPrefix(grid.Path, p.regionPath) {
		return RegionRecord{}, nil, anju.FieldError("department", "department %s does not serve %s", in.Department, grid.Name)
	}
	return grid, in.Department, nil
}

// UpdateHazard changes a register entry: what and where it is, its owner,
// supervising department and risk level. Version is the entry's
// UpdatedAt as read (Hazard.Version): ECONFLICT when it changed meanwhile.
// The actor must be one who registers hazards both where the place was
// (EFORBIDDEN otherwise) and where it is now (EINVALID on lat). A place
// moved to another grid takes its due tasks along, to that grid's workers;
// its findings stay where they were found. A change of risk level owes the
// hazard its new rhythm by hazard.Reschedule. ENOTFOUND when the hazard is
// not visible; EINVALID names the field at fault.
func (db *DB) UpdateHazard(ctx context.Context, actor *anju.Actor, id, version int64, in hazard.Hazard) (Hazard, error) {
	old, err := db.getHazard(ctx, db, actor, id)
	if err != nil {
		return Hazard{}, err
	}
	if !actor.System && !actor.HasRoleAt(old.regionPath, hazardRegisterRoles...) {
		return Hazard{}, anju.Errorf(anju.EFORBIDDEN, "only grid workers, dispatchers, supervisors and administrators of its area change a hazard")
	}
	if err := in.Validate(); err != nil {
		return Hazard{}, err
	}
	grid, dept, err := db.placeHazard(ctx, actor, in)
	if err != nil {
		return Hazard{}, err
	}
	plan, err := db.hazardPlan(ctx, grid.City)
	if err != nil {
		return Hazard{}, err
	}
	now := db.clock.Now()
	// The new version: now, or one more than the old one when the clock
	// has not moved on since (a version must change with every update).
	stamp := max(micros(now), version+1)
	next := old.NextCheck
	if in.RiskLevel != old.RiskLevel {
		was, err := hazard.ParseDay(old.NextCheck)
		if err != nil {
			return Hazard{}, fmt.Errorf("hazard %d next check %q: %w", id, old.NextCheck, err)
		}
		next = hazard.Reschedule(was, plan.Frequency(in.RiskLevel), hazard.Day(now)).Format(time.DateOnly)
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		r, err := tx.exec(ctx, `UPDATE hazards SET type = ?, name = ?, address = ?, lat = ?, lon = ?, grid = ?, region_path = ?, risk_level = ?,
			owner = ?, department = ?, note = ?, next_check = ?, updated_at = ? WHERE id = ? AND updated_at = ?`,
			string(in.Type), in.Name, in.Address, in.Lat, in.Lon, grid.Code, grid.Path, string(in.RiskLevel), in.Owner, dept, in.Note, next,
			stamp, id, version)
		if err != nil {
			return err
		}
		if k, _ := r.RowsAffected(); k != 1 {
			return anju.Errorf(anju.ECONFLICT, "hazard %d changed since you read it; reload it and try again", id)
		}
		if grid.Path != old.regionPath {
			if _, err := tx.exec(ctx, `UPDATE inspection_tasks SET region_path = ? WHERE hazard_id = ? AND state = ?`,
				grid.Path, id, string(hazard.TaskDue)); err != nil {
				return err
			}
		}
		changed := map[string]any{}
		for k, v := range map[string][2]any{"type": {old.Type, in.Type}, "risk_level": {old.RiskLevel, in.RiskLevel}, "grid": {old.Grid.Code, grid.Code},
			"department": {old.Department, in.Department}, "owner": {old.Owner, in.Owner}, "name": {old.Name, in.Name}} {
			if v[0] != v[1] {
				changed[k] = v[1]
			}
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: grid.City, Action: "hazard.update", Object: "hazard:" + strconv.FormatInt(id, 10), Detail: changed})
	})
	if err != nil {
		return Hazard{}, err
	}
	return db.GetHazard(ctx, actor, id)
}

// GetHazard returns a hazard the actor may see, with its open findings, or
// ENOTFOUND.
func (db *DB) GetHazard(ctx context.Context, actor *anju.Actor, id int64) (Hazard, error) {
	h, err := db.getHazard(ctx, db, actor, id)
	if err != nil {
		return h, err
	}
	plan, err := db.hazardPlan(ctx, h.City)
	if err != nil {
		return h, err
	}
	h.Frequency = plan.Frequency(h.RiskLevel).String()
	fs, err := db.listFindings(ctx, actor, `f.hazard_id = ? AND f.state <> ?`, []any{id, string(hazard.FindingClosed)}, 200)
	h.Findings = fs
	return h, err
}

func (db *DB) getHazard(ctx context.Context, q querier, actor *anju.Actor, id int64) (Hazard, error) {
	h, err := scanHazard(q.queryRow(ctx, `SELECT `+hazardCols+hazardFrom+` WHERE h.id = ?`, id))
	if err == nil && !hazardVisible(actor, h.City, h.regionPath, h.Department) {
		err = sql.ErrNoRows
	}
	if err == sql.ErrNoRows {
		return Hazard{}, notFound("hazard", strconv.FormatInt(id, 10))
	}
	return h, err
}

// hazardVisible is hazardScope for a row already read.
func hazardVisible(a *anju.Actor, city, path, department string) bool {
	return caseVisible(a, city, path, department, 0)
}

// HazardFilter narrows ListHazards.
type HazardFilter struct {
	Region    string // hazards inside this region; ENOTFOUND outside the actor's scope
	Type      hazard.Type
	RiskLevel hazard.RiskLevel
	Before    int64 // hazards with smaller ids: HazardList.Next of the page before
	Limit     int   // 1 to 200, default 50
}

// HazardList is one page of the register, newest first.
type HazardList struct {
	Hazards []Hazard `json:"hazards"`
	Next    int64    `json:"next,omitempty"`
}

// ListHazards returns the hazards the actor may see. EINVALID for an
// unknown type or risk level or a bad limit.
func (db *DB) ListHazards(ctx context.Context, actor *anju.Actor, f HazardFilter) (HazardList, error) {
	limit, err := listLimit(f.Limit)
	if err != nil {
		return HazardList{}, err
	}
	sc, args := hazardScope(actor, "h")
	q := `SELECT ` + hazardCols + hazardFrom + ` WHERE ` + sc
	if f.Type != "" {
		if !f.Type.Valid() {
			return HazardList{}, anju.FieldError("type", "unknown hazard type %q", f.Type)
		}
		q += ` AND h.type = ?`
		args = append(args, string(f.Type))
	}
	if f.RiskLevel != "" {
		if !f.RiskLevel.Valid() {
			return HazardList{}, anju.FieldError("risk_level", "unknown risk level %q", f.RiskLevel)
		}
		q += ` AND h.risk_level = ?`
		args = append(args, string(f.RiskLevel))
	}
	if f.Region != "" {
		r, err := db.GetRegion(ctx, actor, f.Region)
		if err != nil {
			return HazardList{}, err
		}
		q += ` AND h.region_path >= ? AND h.region_path < ?`
		args = append(args, r.Path, subtreeUpper(r.Path))
	}
	if f.Before > 0 {
		q += ` AND h.id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY h.id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return HazardList{}, err
	}
	defer rows.Close()
	out := HazardList{Hazards: []Hazard{}}
	for rows.Next() {
		h, err := scanHazard(rows)
		if err != nil {
			return HazardList{}, err
		}
		out.Hazards = append(out.Hazards, h)
	}
	if len(out.Hazards) > limit {
		out.Hazards = out.Hazards[:limit]
		out.Next = out.Hazards[limit-1].ID
	}
	return out, rows.Err()
}

func listLimit(n int) (int, error) {
	switch {
	case n == 0:
		return 50, nil
	case n < 1 || n > 200:
		return 0, anju.FieldError("limit", "limit must be 1 to 200")
	}
	return n, nil
}

// ---- plans and checklists ----

// hazardPlan returns the city's inspection frequencies: its own rows over
// package hazard's defaults.
func (db *DB) hazardPlan(ctx context.Context, city string) (hazard.Plan, error) {
	rows, err := db.query(ctx, `SELECT risk_level, every, unit FROM hazard_plans WHERE city = ?`, city)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := hazard.DefaultPlan()
	for rows.Next() {
		var l, u string
		var every int
		if err := rows.Scan(&l, &every, &u); err != nil {
			return nil, err
		}
		p[hazard.RiskLevel(l)] = hazard.Frequency{Every: every, Unit: hazard.Unit(u)}
	}
	return p, rows.Err()
}

// HazardPlan returns the inspection frequency of each risk level in the
// actor's city.
func (db *DB) HazardPlan(ctx context.Context, actor *anju.Actor) (hazard.Plan, error) {
	return db.hazardPlan(ctx, actor.City)
}

// SaveHazardPlan sets the city's inspection frequency of one risk level.
// Hazards of that level follow it from their next check on. Only a
// city-wide administrator may (EFORBIDDEN otherwise); EINVALID for a bad
// level or frequency.
func (db *DB) SaveHazardPlan(ctx context.Context, actor *anju.Actor, level hazard.RiskLevel, f hazard.Frequency) (hazard.Plan, error) {
	if !actor.CityWide(anju.RoleAdmin) || actor.System {
		return nil, anju.Errorf(anju.EFORBIDDEN, "only a city-wide administrator sets inspection frequencies")
	}
	if err := (hazard.Plan{level: f}).Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		now := micros(db.clock.Now())
		if _, err := tx.exec(ctx, `INSERT INTO hazard_plans (city, risk_level, every, unit, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (city, risk_level) DO UPDATE SET every = excluded.every, unit = excluded.unit, updated_at = excluded.updated_at`,
			actor.City, string(level), f.Every, string(f.Unit), now); err != nil {
			return err
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: actor.City, Action: "hazard.plan", Object: "hazard-plan:" + string(level),
			Detail: map[string]any{"every": f.Every, "unit": f.Unit}})
	})
	if err != nil {
		return nil, err
	}
	return db.hazardPlan(ctx, actor.City)
}

// checklist returns the city's checklist for type t, or the default.
func (db *DB) checklist(ctx context.Context, q querier, city string, t hazard.Type) (hazard.Checklist, error) {
	var cat, items string
	err := q.queryRow(ctx, `SELECT category, items FROM hazard_checklists WHERE city = ? AND type = ?`, city, string(t)).Scan(&cat, &items)
	if err == sql.ErrNoRows {
		return hazard.DefaultChecklist(t), nil
	}
	if err != nil {
		return hazard.Checklist{}, err
	}
	c := hazard.Checklist{Type: t, Category: cat}
	if err := json.Unmarshal([]byte(items), &c.Items); err != nil {
		return c, fmt.Errorf("checklist %s of %s: %w", t, city, err)
	}
	return c, nil
}

// Checklists returns the checklist of every hazard type in the actor's
// city.
func (db *DB) Checklists(ctx context.Context, actor *anju.Actor) ([]hazard.Checklist, error) {
	var out []hazard.Checklist
	for _, t := range hazard.Types {
		c, err := db.checklist(ctx, db, actor.City, t)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// SaveChecklist replaces the city's checklist of one hazard type. Answers
// already recorded keep their item keys. Only a city-wide administrator may
// (EFORBIDDEN otherwise); EINVALID names the field at fault, including a
// category that is not a current category of the city's taxonomy.
func (db *DB) SaveChecklist(ctx context.Context, actor *anju.Actor, c hazard.Checklist) (hazard.Checklist, error) {
	if !actor.CityWide(anju.RoleAdmin) || actor.System {
		return c, anju.Errorf(anju.EFORBIDDEN, "only a city-wide administrator edits checklists")
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	if _, err := db.category(ctx, actor.City, c.Category); err != nil {
		return c, err
	}
	for i, it := range c.Items {
		if it.Category == "" {
			continue
		}
		if _, err := db.category(ctx, actor.City, it.Category); err != nil {
			return c, anju.FieldError(fmt.Sprintf("items[%d].category", i), "%s", anju.ErrorMessage(err))
		}
	}
	items, _ := json.Marshal(c.Items)
	err := db.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO hazard_checklists (city, type, category, items, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (city, type) DO UPDATE SET category = excluded.category, items = excluded.items, updated_at = excluded.updated_at`,
			actor.City, string(c.Type), c.Category, string(items), micros(db.clock.Now())); err != nil {
			return err
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: actor.City, Action: "hazard.checklist", Object: "hazard-checklist:" + string(c.Type),
			Detail: map[string]any{"category": c.Category, "items": len(c.Items)}})
	})
	return c, err
}
