package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/region"
)

// RegionRecord is a stored region with its place in the tree.
type RegionRecord struct {
	region.Region
	City string
	Path string
}

const regionCols = `code, city, parent, level, name, path, geometry, min_lon, min_lat, max_lon, max_lat`

func scanRegion(row interface{ Scan(...any) error }, withGeometry bool) (RegionRecord, error) {
	var r RegionRecord
	var parent, geom sql.NullString
	var level string
	if err := row.Scan(&r.Code, &r.City, &parent, &level, &r.Name, &r.Path, &geom,
		&r.BBox.Min[0], &r.BBox.Min[1], &r.BBox.Max[0], &r.BBox.Max[1]); err != nil {
		return r, err
	}
	r.Parent = parent.String
	r.Level = region.Level(level)
	if withGeometry && geom.Valid && geom.String != "" {
		g, err := geojson.UnmarshalGeometry([]byte(geom.String))
		if err != nil {
			return r, fmt.Errorf("region %s: stored geometry: %w", r.Code, err)
		}
		r.Geometry = g.Geometry()
	}
	return r, nil
}

// Cities lists the cities the actor belongs to (every city for system actors).
func (db *DB) Cities(ctx context.Context, actor *anju.Actor) ([]RegionRecord, error) {
	cc, cargs := cityClause(actor, "city")
	return db.listRegions(ctx, `level = 'city' AND `+cc, cargs, false)
}

// GetRegion returns the region with code, with its geometry. It returns
// ENOTFOUND when there is none or the actor may not see it.
func (db *DB) GetRegion(ctx context.Context, actor *anju.Actor, code string) (RegionRecord, error) {
	sc, sargs := regionScope(actor, "path")
	cc, cargs := cityClause(actor, "city")
	args := append(append([]any{code}, cargs...), sargs...)
	r, err := scanRegion(db.queryRow(ctx, `SELECT `+regionCols+` FROM regions WHERE code = ? AND `+cc+` AND `+sc, args...), true)
	if err == sql.ErrNoRows {
		return r, notFound("region", code)
	}
	return r, err
}

// regionNoGeometry reads a region without its polygon and without a scope
// check, for intake, which has already placed the case.
func (db *DB) regionNoGeometry(ctx context.Context, code string) (RegionRecord, error) {
	rs, err := db.listRegions(ctx, `code = ?`, []any{code}, false)
	if err != nil {
		return RegionRecord{}, err
	}
	if len(rs) == 0 {
		return RegionRecord{}, notFound("region", code)
	}
	return rs[0], nil
}

// Children lists the regions directly below code that the actor may see,
// without geometry. It returns ENOTFOUND when code itself is not visible.
func (db *DB) Children(ctx context.Context, actor *anju.Actor, code string) ([]RegionRecord, error) {
	if _, err := db.GetRegion(ctx, actor, code); err != nil {
		return nil, err
	}
	sc, sargs := regionScope(actor, "path")
	return db.listRegions(ctx, `parent = ? AND `+sc, append([]any{code}, sargs...), false)
}

// Ancestors lists the regions above code, the city first. It returns
// ENOTFOUND when code is not visible.
func (db *DB) Ancestors(ctx context.Context, actor *anju.Actor, code string) ([]RegionRecord, error) {
	r, err := db.GetRegion(ctx, actor, code)
	if err != nil {
		return nil, err
	}
	return db.ancestorsOfPath(ctx, r.City, r.Path)
}

// ancestorsOfPath reads the regions named by a materialised path, root first,
// excluding the last (the region itself). Seeing a region implies seeing its
// ancestors, so no scope is applied.
func (db *DB) ancestorsOfPath(ctx context.Context, city, path string) ([]RegionRecord, error) {
	codes := splitPath(path)
	if len(codes) <= 1 {
		return nil, nil
	}
	codes = codes[:len(codes)-1]
	args := []any{city}
	q := `city = ? AND code IN (`
	for i, c := range codes {
		if i > 0 {
			q += ","
		}
		q += "?"
		args = append(args, c)
	}
	q += ")"
	rs, err := db.listRegions(ctx, q, args, false)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rs, func(a, b RegionRecord) int { return len(a.Path) - len(b.Path) })
	return rs, nil
}

func splitPath(p string) []string {
	var out []string
	start := 1
	for i := 1; i < len(p); i++ {
		if p[i] == '/' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}

func (db *DB) listRegions(ctx context.Context, where string, args []any, withGeometry bool) ([]RegionRecord, error) {
	cols := regionCols
	if !withGeometry {
		cols = `code, city, parent, level, name, path, NULL, min_lon, min_lat, max_lon, max_lat`
	}
	rows, err := db.query(ctx, `SELECT `+cols+` FROM regions WHERE `+where+` ORDER BY code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RegionRecord
	for rows.Next() {
		r, err := scanRegion(rows, withGeometry)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CityTree loads every region of a city, with geometry, keyed by code.
func (db *DB) CityTree(ctx context.Context, city string) (map[string]region.Region, error) {
	rs, err := db.listRegions(ctx, `city = ?`, []any{city}, true)
	if err != nil {
		return nil, err
	}
	m := make(map[string]region.Region, len(rs))
	for _, r := range rs {
		m[r.Code] = r.Region
	}
	return m, nil
}

// Grids loads a city's grids with geometry, for the spatial index.
func (db *DB) Grids(ctx context.Context, city string) ([]region.Region, error) {
	rs, err := db.listRegions(ctx, `city = ? AND level = 'grid'`, []any{city}, true)
	if err != nil {
		return nil, err
	}
	out := make([]region.Region, len(rs))
	for i, r := range rs {
		out[i] = r.Region
	}
	return out, nil
}

// AllCities lists every city code, for components that serve all of them.
func (db *DB) AllCities(ctx context.Context) ([]string, error) {
	return column[string](db.query(ctx, `SELECT code FROM regions WHERE level = 'city' ORDER BY code`))
}

// RegionVersion returns the version of a city's tree, 0 before any import.
func (db *DB) RegionVersion(ctx context.Context, city string) (int64, error) {
	var v int64
	err := db.queryRow(ctx, `SELECT version FROM region_versions WHERE city = ?`, city).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return v, err
}

// ImportResult says what an import changed.
type ImportResult struct {
	City     string `json:"city"`
	Created  int    `json:"created"`
	Updated  int    `json:"updated"`
	Version  int64  `json:"version"`
	Features int    `json:"features"`
}

// ImportRegions validates incoming against the stored tree and writes it, all
// or nothing: on any error nothing is stored. Only administrators granted the
// whole city (and system actors) may import. Returns EINVALID naming the
// first bad feature, EFORBIDDEN for other actors.
func (db *DB) ImportRegions(ctx context.Context, actor *anju.Actor, incoming []region.Region) (ImportResult, error) {
	var res ImportResult
	if len(incoming) == 0 {
		return res, anju.Errorf(anju.EINVALID, "the file holds no features")
	}
	city, err := cityOf(incoming)
	if err != nil {
		return res, err
	}
	if city == "" {
		// A file of streets, communities or grids only: its codes begin with
		// their district's code, whose city is stored.
		code := incoming[0].Code
		if len(code) >= 6 {
			db.queryRow(ctx, `SELECT city FROM regions WHERE code = ?`, code[:6]).Scan(&city)
		}
		if city == "" {
			return res, anju.Errorf(anju.EINVALID, "feature 0 (code %s): its district is neither in the file nor stored, so its city is unknown", code)
		}
	}
	if !actor.System && (actor.City != city || !actor.HasRoleAt(cityPath(city), anju.RoleAdmin)) {
		return res, anju.Errorf(anju.EFORBIDDEN, "only an administrator of city %s may import its regions", city)
	}
	res.City, res.Features = city, len(incoming)
	err = db.inTx(ctx, func(tx *Tx) error {
		// Bumping the version first takes the row lock that serialises
		// imports of one city, so two cannot validate against the same old
		// tree; on SQLite the immediate transaction already does.
		if err := tx.queryRow(ctx, `INSERT INTO region_versions (city, version) VALUES (?, 1)
			ON CONFLICT (city) DO UPDATE SET version = region_versions.version + 1 RETURNING version`, city).Scan(&res.Version); err != nil {
			return err
		}
		if err := tx.noteChange(ctx, city, changeRegions); err != nil {
			return err
		}
		existing, err := tx.cityTree(ctx, city)
		if err != nil {
			return err
		}
		changed, err := region.ApplyImport(existing, incoming)
		if err != nil {
			return err
		}
		now := micros(db.clock.Now())
		merged := maps.Clone(existing)
		for _, r := range changed {
			merged[r.Code] = r
		}
		// changed comes parents first, so foreign keys hold at every insert.
		for _, r := range changed {
			code := r.Code
			old, had := existing[code]
			if had && sameRegion(old, r) {
				continue
			}
			path, _ := region.PathOf(merged, code)
			var geom any
			if r.Geometry != nil {
				b, err := geojson.NewGeometry(r.Geometry).MarshalJSON()
				if err != nil {
					return err
				}
				geom = string(b)
			}
			var parent any
			if r.Parent != "" {
				parent = r.Parent
			}
			if had {
				res.Updated++
				_, err = tx.exec(ctx, `UPDATE regions SET name = ?, geometry = ?, min_lon = ?, min_lat = ?, max_lon = ?, max_lat = ?, updated_at = ?
					WHERE code = ?`, r.Name, geom, r.BBox.Min[0], r.BBox.Min[1], r.BBox.Max[0], r.BBox.Max[1], now, code)
			} else {
				res.Created++
				_, err = tx.exec(ctx, `INSERT INTO regions (code, city, parent, level, depth, name, path, geometry, min_lon, min_lat, max_lon, max_lat, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, code, city, parent, string(r.Level), r.Level.Depth(), r.Name, path, geom,
					r.BBox.Min[0], r.BBox.Min[1], r.BBox.Max[0], r.BBox.Max[1], now)
			}
			if err != nil {
				return fmt.Errorf("region %s: %w", code, err)
			}
		}
		return tx.appendAudit(ctx, actor, audit.Record{City: city, Action: "regions.import", Object: "city:" + city,
			Detail: map[string]any{"features": res.Features, "created": res.Created, "updated": res.Updated, "version": res.Version}})
	})
	if err != nil {
		return ImportResult{}, err
	}
	db.locator.invalidate(city)
	db.regionPlaces.drop(city)
	return res, nil
}

func (t *Tx) cityTree(ctx context.Context, city string) (map[string]region.Region, error) {
	rows, err := t.query(ctx, `SELECT `+regionCols+` FROM regions WHERE city = ?`, city)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]region.Region{}
	for rows.Next() {
		r, err := scanRegion(rows, true)
		if err != nil {
			return nil, err
		}
		m[r.Code] = r.Region
	}
	return m, rows.Err()
}

// cityOf finds the city an import belongs to from its city feature or its
// districts' parent; it returns "" when the file holds neither. Code prefixes
// cannot tell, since a municipality's districts share only two digits with it.
func cityOf(rs []region.Region) (string, error) {
	city := ""
	for _, r := range rs {
		c := ""
		switch r.Level {
		case region.LevelCity:
			c = r.Code
		case region.LevelDistrict:
			c = r.Parent
		}
		if c == "" {
			continue
		}
		if city != "" && c != city {
			return "", anju.Errorf(anju.EINVALID, "one import holds one city; found %s and %s", city, c)
		}
		city = c
	}
	return city, nil
}

func sameRegion(a, b region.Region) bool {
	if a.Name != b.Name || a.Parent != b.Parent || a.Level != b.Level || a.BBox != b.BBox {
		return false
	}
	ja, _ := json.Marshal(geojson.NewGeometry(orbOrNil(a.Geometry)))
	jb, _ := json.Marshal(geojson.NewGeometry(orbOrNil(b.Geometry)))
	return string(ja) == string(jb)
}

func orbOrNil(g orb.Geometry) orb.Geometry {
	if g == nil {
		return orb.Collection{}
	}
	return g
}
