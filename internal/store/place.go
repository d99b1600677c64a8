package store

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/region"
)

// Place search, for intake: a caller names where the problem is — a
// community, a street, a landmark — and the operator needs the grid. What
// the store knows of places is the region tree's names and the addresses of
// earlier cases; both are searched.

// Place is one answer of SearchPlaces: a grid, how it is named from the
// city down, and for an address found on an earlier case, that address and
// the case's point when it had one.
type Place struct {
	Grid    GridRef  `json:"grid"`
	Lineage []string `json:"lineage"` // names from the district down to the grid
	Address string   `json:"address,omitempty"`
	Lat     *float64 `json:"lat,omitempty"`
	Lon     *float64 `json:"lon,omitempty"`
}

// maxPlaces bounds one answer: a list to pick from while a caller waits.
const maxPlaces = 10

// SearchPlaces finds the grids the actor may file cases in whose name, or
// the name of a region above them, holds every word of q ("第1社区 第一网格"),
// then addresses of earlier cases in the actor's scope that hold q, each
// with the grid it lies in. EINVALID for an empty or over-long query.
func (db *DB) SearchPlaces(ctx context.Context, actor *anju.Actor, q string) ([]Place, error) {
	words := strings.Fields(anju.CleanText(q))
	switch {
	case len(words) == 0:
		return nil, anju.FieldError("place_q", "say a place to search for")
	case utf8.RuneCountInString(q) > maxSearchRunes || len(words) > maxSearchWords:
		return nil, anju.FieldError("place_q", "a place is at most %d characters", maxSearchRunes)
	}
	if actor == nil || actor.City == "" {
		return []Place{}, nil
	}
	out, err := db.gridsNamed(ctx, actor, words)
	if err != nil {
		return nil, err
	}
	addrs, err := db.addressesLike(ctx, actor, strings.Join(words, " "), maxPlaces-len(out))
	if err != nil {
		return nil, err
	}
	return append(out, addrs...), nil
}

// gridsNamed reads the regions of the actor's city whose name holds the
// longest word, then the grids at or under them, and keeps the grids whose
// lineage holds every word and where the actor may file a case.
func (db *DB) gridsNamed(ctx context.Context, actor *anju.Actor, words []string) ([]Place, error) {
	longest := slices.MaxFunc(words, func(a, b string) int { return utf8.RuneCountInString(a) - utf8.RuneCountInString(b) })
	// A city has tens of thousands of regions; a name is matched anywhere
	// inside it, which no index serves, and the scan of the city's range
	// of the path index takes a few milliseconds.
	rows, err := db.query(ctx, `SELECT path FROM regions WHERE city = ? AND name LIKE ? ESCAPE '\' ORDER BY depth, path LIMIT 50`,
		actor.City, "%"+escapeLike(longest)+"%")
	if err != nil {
		return nil, err
	}
	var roots []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return nil, err
		}
		// A region under one already found adds nothing: its grids are among
		// the first one's.
		if !slices.ContainsFunc(roots, func(r string) bool { return strings.HasPrefix(p, r) }) {
			roots = append(roots, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []Place{}
	names := map[string]string{}
	for _, root := range roots {
		grids, err := db.query(ctx, `SELECT code, name, path FROM regions WHERE city = ? AND level = ? AND path >= ? AND path < ?
			ORDER BY path LIMIT 200`, actor.City, region.LevelGrid, root, subtreeUpper(root))
		if err != nil {
			return nil, err
		}
		type grid struct{ code, name, path string }
		var gs []grid
		for grids.Next() {
			var g grid
			if err := grids.Scan(&g.code, &g.name, &g.path); err != nil {
				grids.Close()
				return nil, err
			}
			if actor.HasRoleAt(g.path, staffIntake...) || actor.HasRole(anju.RoleResident) {
				gs = append(gs, g)
			}
		}
		grids.Close()
		if err := grids.Err(); err != nil {
			return nil, err
		}
		for _, g := range gs {
			lineage, err := db.lineage(ctx, g.path, names)
			if err != nil {
				return nil, err
			}
			all := strings.Join(lineage, " ")
			if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(all, w) }) {
				out = append(out, Place{Grid: GridRef{Code: g.code, Name: g.name}, Lineage: lineage})
				if len(out) == maxPlaces {
					return out, nil
				}
			}
		}
	}
	return out, nil
}

// lineage names a grid's regions below the city, reading the names it has
// not seen yet into names.
func (db *DB) lineage(ctx context.Context, path string, names map[string]string) ([]string, error) {
	codes := splitPath(path)[1:]
	var missing []any
	for _, c := range codes {
		if _, ok := names[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		rows, err := db.query(ctx, `SELECT code, name FROM regions WHERE code IN (`+placeholders(len(missing))+`)`, missing...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c, n string
			if err := rows.Scan(&c, &n); err != nil {
				rows.Close()
				return nil, err
			}
			names[c] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = names[c]
	}
	return out, nil
}

// addressesLike finds addresses of the actor's visible cases that hold
// text, newest first, through the full-text index (addresses are indexed
// with each case), one answer per distinct address.
func (db *DB) addressesLike(ctx context.Context, actor *anju.Actor, text string, limit int) ([]Place, error) {
	out := []Place{}
	if limit <= 0 {
		return out, nil
	}
	res, err := db.SearchCases(ctx, actor, SearchQuery{Q: text, Sort: "time", PageSize: 50})
	if err != nil {
		if anju.ErrorCode(err) == anju.EINVALID {
			return out, nil // words the index does not hold, such as punctuation alone
		}
		return nil, err
	}
	seen := map[string]bool{}
	names := map[string]string{}
	for _, h := range res.Hits {
		addr := h.Case.Address
		if addr == "" || seen[addr] || slices.ContainsFunc(strings.Fields(text), func(w string) bool { return !strings.Contains(addr, w) }) {
			continue
		}
		seen[addr] = true
		c, err := db.getCase(ctx, db, actor, h.Case.ID)
		if err != nil {
			continue // gone out of scope since the search
		}
		if !actor.HasRoleAt(c.regionPath, staffIntake...) && !actor.HasRole(anju.RoleResident) {
			continue
		}
		lineage, err := db.lineage(ctx, c.regionPath, names)
		if err != nil {
			return nil, err
		}
		out = append(out, Place{Grid: c.Grid, Lineage: lineage, Address: addr, Lat: c.Lat, Lon: c.Lon})
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
