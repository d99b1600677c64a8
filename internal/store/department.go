package store

import (
	"cmp"
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strings"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/department"
	"anju/internal/region"
)

// Department is a functional department (职能部门) sitting at a region of any
// level, with the categories of case it handles. Its type says what sort of
// body it is: a government one, or a mediation committee, property company,
// social organisation or volunteer team handling cases the same way.
type Department struct {
	Code       string          `json:"code"`
	Name       string          `json:"name"`
	Type       department.Type `json:"type"`
	Region     string          `json:"region"`
	Level      string          `json:"level"`
	Categories []string        `json:"categories"`
	City       string          `json:"-"`
	RegionPath string          `json:"-"`
}

var (
	departmentCode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$`)
	categoryCode   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
)

// departmentColumns are what queryDepartments scans, from departments d
// joined to their regions r.
const departmentColumns = `d.code, d.name, d.type, d.region, r.level, d.city, r.path`

// Validate checks a department's own fields; an empty type is the default
// one. Returns EINVALID naming the field.
func (d *Department) Validate() error {
	d.Name = strings.TrimSpace(d.Name)
	t, err := department.ParseType(string(d.Type))
	if err != nil {
		return err
	}
	d.Type = t
	switch {
	case !departmentCode.MatchString(d.Code):
		return anju.FieldError("code", "department code must be 2–64 letters, digits, '.', '_' or '-'")
	case d.Name == "" || len([]rune(d.Name)) > 100:
		return anju.FieldError("name", "department name must be 1–100 characters")
	case d.Region == "":
		return anju.FieldError("region", "department needs the code of the region it sits in")
	}
	seen := map[string]bool{}
	for _, c := range d.Categories {
		if !categoryCode.MatchString(c) {
			return anju.FieldError("categories", "category code %q must be letters, digits, '.', '_' or '-'", c)
		}
		if seen[c] {
			return anju.FieldError("categories", "category %q listed twice", c)
		}
		seen[c] = true
	}
	slices.Sort(d.Categories)
	return nil
}

// SaveDepartment creates or replaces a department and its categories. The
// actor must be an administrator of a subtree holding the department's
// region. Returns EINVALID for bad fields or an unknown region, EFORBIDDEN or
// ENOTFOUND (region not visible) otherwise.
func (db *DB) SaveDepartment(ctx context.Context, actor *anju.Actor, d Department) (Department, error) {
	if err := d.Validate(); err != nil {
		return d, err
	}
	// Changing a department one may not see must look exactly like changing
	// one that does not exist.
	var oldPath string
	err := db.queryRow(ctx, `SELECT r.path FROM departments d JOIN regions r ON r.code = d.region WHERE d.code = ?`, d.Code).Scan(&oldPath)
	switch {
	case err == nil:
		if _, err := db.GetDepartment(ctx, actor, d.Code); err != nil {
			return d, err
		}
		if !actor.HasRoleAt(oldPath, anju.RoleAdmin) {
			return d, anju.Errorf(anju.EFORBIDDEN, "only an administrator over department %s may change it", d.Code)
		}
	case err != sql.ErrNoRows:
		return d, err
	}
	r, err := db.GetRegion(ctx, actor, d.Region)
	if err != nil {
		if anju.ErrorCode(err) == anju.ENOTFOUND {
			return d, anju.FieldError("region", "region %s not found", d.Region)
		}
		return d, err
	}
	if !actor.HasRoleAt(r.Path, anju.RoleAdmin) {
		return d, anju.Errorf(anju.EFORBIDDEN, "only an administrator over region %s may change its departments", r.Code)
	}
	d.City, d.RegionPath, d.Level = r.City, r.Path, string(r.Level)
	if err := d.Type.CheckLevel(d.Level); err != nil {
		return d, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		var existingCity string
		err := tx.queryRow(ctx, `SELECT city FROM departments WHERE code = ?`, d.Code).Scan(&existingCity)
		now := micros(db.clock.Now())
		action := "department.update"
		switch {
		case err == sql.ErrNoRows:
			action = "department.create"
			_, err = tx.exec(ctx, `INSERT INTO departments (code, city, name, type, region, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				d.Code, d.City, d.Name, string(d.Type), d.Region, now)
		case err != nil:
		case existingCity != d.City:
			err = anju.FieldError("code", "department code %s is taken", d.Code)
		default:
			_, err = tx.exec(ctx, `UPDATE departments SET name = ?, type = ?, region = ?, updated_at = ? WHERE code = ?`,
				d.Name, string(d.Type), d.Region, now, d.Code)
		}
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM department_categories WHERE department = ?`, d.Code); err != nil {
			return err
		}
		if err := tx.noteChange(ctx, d.City, changeDepartments); err != nil {
			return err
		}
		for _, c := range d.Categories {
			if _, err := tx.exec(ctx, `INSERT INTO department_categories (department, city, category) VALUES (?, ?, ?)`,
				d.Code, d.City, c); err != nil {
				return err
			}
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: d.City, Action: action, Object: "department:" + d.Code,
			Detail: map[string]any{"name": d.Name, "type": string(d.Type), "region": d.Region, "categories": d.Categories}})
	})
	db.dispatchable.drop(d.City)
	return d, err
}

// departmentPlace is what a dispatch needs to know of a department.
type departmentPlace struct {
	name, regionPath string
	level            region.Level // its region's: the level a case it closes is closed at
}

// serves reports whether a department at this place may be dispatched case
// c: it sits at the case's region or above it.
func (p departmentPlace) serves(c Case) bool { return strings.HasPrefix(c.regionPath, p.regionPath) }

// DepartmentsServing returns the departments case id may be dispatched to,
// those sitting at its place or above it, of the given types when some are
// given: the ones that handle its category first, then the nearest first.
// ENOTFOUND when the case is not visible, EINVALID about "type" for an
// unknown type.
func (db *DB) DepartmentsServing(ctx context.Context, actor *anju.Actor, id int64, types ...department.Type) ([]Department, error) {
	for _, t := range types {
		if !t.Valid() {
			return nil, anju.FieldError("type", "unknown department type %q", t)
		}
	}
	c, err := db.getCase(ctx, db, actor, id)
	if err != nil {
		return nil, err
	}
	places, err := db.departmentPlaces(ctx, db, c.City)
	if err != nil {
		return nil, err
	}
	var codes []any
	for code, p := range places {
		if p.serves(c) {
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 {
		return []Department{}, nil
	}
	q := `SELECT ` + departmentColumns + ` FROM departments d JOIN regions r ON r.code = d.region
		WHERE d.code IN (` + placeholders(len(codes)) + `)`
	if len(types) > 0 {
		q += ` AND d.type IN (` + placeholders(len(types)) + `)`
		for _, t := range types {
			codes = append(codes, string(t))
		}
	}
	ds, err := db.queryDepartments(ctx, q, codes...)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ds, func(a, b Department) int {
		return cmp.Or(-cmp.Compare(boolInt(slices.Contains(a.Categories, c.Category)), boolInt(slices.Contains(b.Categories, c.Category))),
			-cmp.Compare(len(a.RegionPath), len(b.RegionPath)), cmp.Compare(a.Code, b.Code))
	})
	return ds, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// departmentPlaces maps the city's department codes to their names and
// places, for checking dispatches: every dispatch asked the database before,
// a tenth of a dispatch's cost. A change made here is seen at once, one made
// by another process within a fraction of a second, as for the taxonomy
// (changes.go).
func (db *DB) departmentPlaces(ctx context.Context, q querier, city string) (map[string]departmentPlace, error) {
	return db.dispatchable.get(city, func() (map[string]departmentPlace, error) {
		rows, err := q.query(ctx, `SELECT d.code, d.name, r.path, r.level FROM departments d JOIN regions r ON r.code = d.region WHERE d.city = ?`, city)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string]departmentPlace{}
		for rows.Next() {
			var code string
			var p departmentPlace
			if err := rows.Scan(&code, &p.name, &p.regionPath, &p.level); err != nil {
				return nil, err
			}
			out[code] = p
		}
		return out, rows.Err()
	})
}

// DepartmentFilter narrows ListDepartments.
type DepartmentFilter struct {
	Region   string // departments sitting in this region's subtree
	Category string // departments handling this category
	// Type, when set, keeps departments of that type only.
	Type department.Type
	// Limit, when set (1 to 500), pages the list by code instead: at most
	// Limit departments whose codes sort after After.
	After string
	Limit int
}

// ListDepartments returns the departments the actor may see: those sitting in
// the actor's subtrees and above them (a street worker sees the district and
// city bureaus, not a neighbouring street's office).
func (db *DB) ListDepartments(ctx context.Context, actor *anju.Actor, f DepartmentFilter) ([]Department, error) {
	sc, sargs := regionScope(actor, "r.path")
	cc, cargs := cityClause(actor, "d.city")
	q := `SELECT ` + departmentColumns + ` FROM departments d JOIN regions r ON r.code = d.region
		WHERE ` + cc + ` AND ` + sc
	args := append(cargs, sargs...)
	if f.Type != "" {
		if !f.Type.Valid() {
			return nil, anju.FieldError("type", "unknown department type %q", f.Type)
		}
		q += ` AND d.type = ?`
		args = append(args, string(f.Type))
	}
	if f.Region != "" {
		reg, err := db.GetRegion(ctx, actor, f.Region)
		if err != nil {
			return nil, err
		}
		q += ` AND r.path >= ? AND r.path < ?`
		args = append(args, reg.Path, subtreeUpper(reg.Path))
	}
	if f.Category != "" {
		q += ` AND EXISTS (SELECT 1 FROM department_categories dc WHERE dc.department = d.code AND dc.category = ?)`
		args = append(args, f.Category)
	}
	if f.Limit > 0 {
		q += ` AND d.code > ? ORDER BY d.code LIMIT ?`
		return db.queryDepartments(ctx, q, append(args, f.After, min(f.Limit, 500))...)
	}
	return db.queryDepartments(ctx, q+` ORDER BY r.depth, d.code`, args...)
}

// GetDepartment returns one department, or ENOTFOUND when absent or not visible.
func (db *DB) GetDepartment(ctx context.Context, actor *anju.Actor, code string) (Department, error) {
	sc, sargs := regionScope(actor, "r.path")
	cc, cargs := cityClause(actor, "d.city")
	ds, err := db.queryDepartments(ctx, `SELECT `+departmentColumns+` FROM departments d
		JOIN regions r ON r.code = d.region WHERE d.code = ? AND `+cc+` AND `+sc,
		append(append([]any{code}, cargs...), sargs...)...)
	if err != nil {
		return Department{}, err
	}
	if len(ds) == 0 {
		return Department{}, notFound("department", code)
	}
	return ds[0], nil
}

func (db *DB) queryDepartments(ctx context.Context, q string, args ...any) ([]Department, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []Department
	idx := map[string]int{}
	for rows.Next() {
		var d Department
		if err := rows.Scan(&d.Code, &d.Name, &d.Type, &d.Region, &d.Level, &d.City, &d.RegionPath); err != nil {
			rows.Close()
			return nil, err
		}
		d.Categories = []string{}
		idx[d.Code] = len(out)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// One query for the listed departments' categories rather than one per row.
	codes := make([]any, len(out))
	for i, d := range out {
		codes[i] = d.Code
	}
	crows, err := db.query(ctx, `SELECT department, category FROM department_categories WHERE department IN (`+
		placeholders(len(codes))+`) ORDER BY department, category`, codes...)
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	for crows.Next() {
		var dep, cat string
		if err := crows.Scan(&dep, &cat); err != nil {
			return nil, err
		}
		if i, ok := idx[dep]; ok {
			out[i].Categories = append(out[i].Categories, cat)
		}
	}
	return out, crows.Err()
}
