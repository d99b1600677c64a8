package store

import (
	"context"

	"anju/internal/anju"
)

// GridShapes returns the grids, with their polygons, inside the subtree of
// code that the actor works in — for the dashboard's grid map, which colours
// them by a figure of their cases. Without code, every grid of the actor's
// reach. Unlike RegionShapes (public outlines for any map) it is scoped:
// the grids are the ones the actor's figures can fall in, so a street's
// staff reading the city's map get their street's grids only. At most limit
// grids are read: EINVALID (field region) when the subtree holds more, so a
// map is never bigger than its caller allows; ENOTFOUND when code is outside
// the actor's scope.
func (db *DB) GridShapes(ctx context.Context, actor *anju.Actor, code string, limit int) ([]RegionRecord, error) {
	if actor == nil {
		return nil, anju.Errorf(anju.EUNAUTHORIZED, "sign in to see the grid map")
	}
	sc, args := subtreeScope(actor, "path")
	cc, cargs := cityClause(actor, "city")
	where := `level = 'grid' AND ` + cc + ` AND ` + sc
	args = append(cargs, args...)
	if code != "" {
		r, err := db.GetRegion(ctx, actor, code)
		if err != nil {
			return nil, err
		}
		where += ` AND path >= ? AND path < ?`
		args = append(args, r.Path, subtreeUpper(r.Path))
	}
	rows, err := db.query(ctx, `SELECT `+regionCols+` FROM regions WHERE `+where+` ORDER BY code LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RegionRecord
	for rows.Next() {
		if len(out) == limit {
			return nil, anju.FieldError("region", "the region holds more than %d grids; choose a smaller one", limit)
		}
		r, err := scanRegion(rows, true)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
