package store

import (
	"context"
	"database/sql"
)

// RegionShapes returns a region and its children, with their polygons, for
// the maps. A city's region and grid boundaries are public geography — the
// resident portal draws them for anyone — so no actor is taken; what is
// inside the polygons (cases) is scoped by the queries that read it.
func (db *DB) RegionShapes(ctx context.Context, code string) (RegionRecord, []RegionRecord, error) {
	self, err := scanRegion(db.queryRow(ctx, `SELECT `+regionCols+` FROM regions WHERE code = ?`, code), true)
	if err == sql.ErrNoRows {
		return self, nil, notFound("region", code)
	}
	if err != nil {
		return self, nil, err
	}
	children, err := db.listRegions(ctx, `city = ? AND parent = ?`, []any{self.City, code}, true)
	return self, children, err
}
