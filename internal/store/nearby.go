package store

import (
	"context"
	"math"
	"slices"
	"strings"

	"anju/internal/anju"
	"anju/internal/textai"
)

// NearbyCase is an open case on a grid worker's list, with how far it is
// from where the worker stands when that is known.
type NearbyCase struct {
	Case      Case     `json:"case"`
	DistanceM *float64 `json:"distance_m"` // null without the worker's or the case's position
}

// maxNearby bounds the grid worker's list: what a phone shows on one
// screen-and-a-bit, and what a street's open cases need; the workbench
// lists them all.
const maxNearby = 30

// OpenCasesNear returns the open cases placed in the actor's own area —
// the subtrees of their grid-worker, operator, dispatcher or supervisor
// grants, never a department's cases elsewhere — at most 30: nearest first
// when the actor's position is given (cases without a point last, by time
// left), else by time left (the soonest resolution deadline first, overdue
// ones leading). EINVALID for a position outside the earth's ranges.
func (db *DB) OpenCasesNear(ctx context.Context, actor *anju.Actor, lat, lon *float64) ([]NearbyCase, error) {
	out := []NearbyCase{}
	if actor == nil {
		return out, nil
	}
	if (lat == nil) != (lon == nil) {
		return nil, anju.FieldError("lat", "lat and lon go together")
	}
	if lat != nil && (math.IsNaN(*lat) || math.IsNaN(*lon) || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
		return nil, anju.FieldError("lat", "lat must be from -90 to 90 and lon from -180 to 180")
	}
	if actor.System {
		return nil, anju.Errorf(anju.EINVALID, "the system has no area of its own")
	}
	var areas []string
	for _, g := range actor.Grants {
		if slices.Contains(staffIntake, g.Role) && g.RegionPath != "" && g.Department == "" {
			areas = append(areas, g.RegionPath)
		}
	}
	if len(areas) == 0 {
		return out, nil
	}
	sc, args := subtreeScope(&anju.Actor{City: actor.City, Grants: pathGrants(areas)}, "c.region_path")
	from := strings.Replace(caseFrom, " FROM cases c ", " FROM cases c"+db.openCasesIndex()+" ", 1)
	q := `SELECT ` + caseCols + from + ` WHERE c.city = ? AND ` + sc + ` AND ` + openStates
	args = append([]any{actor.City}, args...)
	if lat != nil {
		// An equirectangular distance orders points within a city as the
		// true one does; the true one is computed in Go for the page.
		k := math.Cos(*lat * math.Pi / 180)
		q += ` ORDER BY CASE WHEN c.lat IS NULL THEN 1 ELSE 0 END,
			(c.lat - ?) * (c.lat - ?) + (c.lon - ?) * (c.lon - ?) * ?, c.resolution_due, c.id`
		args = append(args, *lat, *lat, *lon, *lon, k*k)
	} else {
		q += ` ORDER BY c.resolution_due, c.id`
	}
	q += ` LIMIT ?`
	args = append(args, maxNearby)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		c.AllowedActions = db.allowedActions(actor, c)
		c.CategoryName = db.categoryName(ctx, c.City, c.Category)
		n := NearbyCase{Case: c}
		if lat != nil && c.Lat != nil {
			d := math.Round(textai.HaversineM(*lat, *lon, *c.Lat, *c.Lon))
			n.DistanceM = &d
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
