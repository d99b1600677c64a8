package store

import (
	"context"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"anju/internal/anju"
	"anju/internal/region"
)

// locator keeps one in-memory spatial index per city in step with the
// database. An import through this process drops the city's index at once;
// imports by other processes (the CLI, another server) are noticed through the
// city's region version, checked at most once per recheck interval, so a
// lookup costs no query in the common case.
type locator struct {
	mu      sync.Mutex
	cities  map[string]*cityIndex
	recheck time.Duration
}

type cityIndex struct {
	version int64
	checked time.Time
	index   *region.Index
	bound   orb.Bound
	names   map[string]string // grid code → name, so intake reads no row to place a case
}

func newLocator() *locator {
	return &locator{cities: map[string]*cityIndex{}, recheck: 2 * time.Second}
}

func (l *locator) invalidate(city string) {
	l.mu.Lock()
	delete(l.cities, city)
	l.mu.Unlock()
}

// index returns a current index for city, building it when missing or stale.
// The lock is held while building so that concurrent lookups build it once.
func (l *locator) index(ctx context.Context, db *DB, city string) (*cityIndex, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	ci := l.cities[city]
	if ci != nil && now.Sub(ci.checked) < l.recheck {
		return ci, nil
	}
	v, err := db.RegionVersion(ctx, city)
	if err != nil {
		if ci != nil {
			return ci, nil // serve the last index while the database is unreachable
		}
		return nil, err
	}
	if ci != nil && ci.version == v {
		ci.checked = now
		return ci, nil
	}
	grids, err := db.Grids(ctx, city)
	if err != nil {
		return nil, err
	}
	ci = &cityIndex{version: v, checked: now, index: region.NewIndex(grids), names: make(map[string]string, len(grids))}
	for i, g := range grids {
		ci.names[g.Code] = g.Name
		if i == 0 {
			ci.bound = g.BBox
		} else {
			ci.bound = ci.bound.Union(g.BBox)
		}
	}
	l.cities[city] = ci
	return ci, nil
}

// Location is the answer to a point lookup: the grid and its ancestors, the
// city first.
type Location struct {
	Grid      RegionRecord
	Ancestors []RegionRecord
}

// Locate finds the grid that holds the point (lon, lat) among the cities the
// actor may see. It returns EINVALID for coordinates out of range and
// ENOTFOUND when the point lies in no visible grid.
func (db *DB) Locate(ctx context.Context, actor *anju.Actor, lon, lat float64) (Location, error) {
	code, err := db.LocateGrid(ctx, actor, lon, lat)
	if err != nil {
		return Location{}, err
	}
	g, err := db.GetRegion(ctx, actor, code)
	if err != nil {
		return Location{}, err
	}
	g.Geometry = nil
	anc, err := db.ancestorsOfPath(ctx, g.City, g.Path)
	if err != nil {
		return Location{}, err
	}
	return Location{Grid: g, Ancestors: anc}, nil
}

// LocateGrid returns only the code of the grid holding the point, without
// reading the database when the index is current. Scope is not checked here;
// callers that show the grid must read it through GetRegion.
func (db *DB) LocateGrid(ctx context.Context, actor *anju.Actor, lon, lat float64) (string, error) {
	if !(lat >= -90 && lat <= 90) {
		return "", anju.FieldError("lat", "latitude must be between -90 and 90")
	}
	if !(lon >= -180 && lon <= 180) {
		return "", anju.FieldError("lon", "longitude must be between -180 and 180")
	}
	var cities []string
	if actor.System {
		var err error
		if cities, err = db.AllCities(ctx); err != nil {
			return "", err
		}
	} else {
		cities = []string{actor.City}
	}
	p := orb.Point{lon, lat}
	for _, c := range cities {
		ci, err := db.locator.index(ctx, db, c)
		if err != nil {
			return "", err
		}
		if !ci.bound.Contains(p) {
			continue
		}
		if code, ok := ci.index.Locate(p); ok {
			return code, nil
		}
	}
	return "", anju.Errorf(anju.ENOTFOUND, "no grid of the city at lat %g, lon %g", lat, lon)
}

// gridRecord returns a grid of city as the spatial index knows it, without a
// query: its name and, from its code, its path (codes nest, see region.Path).
func (db *DB) gridRecord(ctx context.Context, city, code string) (RegionRecord, bool) {
	ci, err := db.locator.index(ctx, db, city)
	if err != nil || len(code) != region.LevelGrid.CodeLen() {
		return RegionRecord{}, false
	}
	name, ok := ci.names[code]
	if !ok {
		return RegionRecord{}, false
	}
	r := RegionRecord{City: city, Path: region.Path(city, code[:6], code[:9], code[:12], code)}
	r.Code, r.Name, r.Level, r.Parent = code, name, region.LevelGrid, code[:12]
	return r, true
}
