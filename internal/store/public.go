package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/taxonomy"
)

// What everyone may see of a city's cases: the public list and map of the
// resident portal, and the open reports a resident is offered to join ("me
// too"). Only cases that taxonomy.Public allows, never rejected or merged
// ones; no text but the title, no personal data, no staff names, and the
// place only at grid precision — the middle of the grid's bounds, never the
// reporter's pin.

// PublicCase is one case as the public sees it.
type PublicCase struct {
	ID           int64       `json:"id"`
	TrackingCode string      `json:"tracking_code"`
	Title        string      `json:"title"`
	Category     string      `json:"category"`
	CategoryName string      `json:"category_name"`
	State        cases.State `json:"state"`
	Grid         GridRef     `json:"grid"`
	// Lat and Lon are the grid's centre, not where the report was made.
	Lat        float64   `json:"lat"`
	Lon        float64   `json:"lon"`
	CreatedAt  time.Time `json:"created_at"`
	Supporters int       `json:"supporters"`
}

// PublicFilter narrows PublicCases.
type PublicFilter struct {
	// Before is the keyset cursor: only cases with a smaller id (older).
	Before int64
	// Limit is the page size, 1–100 (default 20).
	Limit int
	// Grid keeps one grid's cases; Open only cases still being worked on.
	Grid string
	Open bool
}

// PublicPage is a page of public cases, newest first; Next is the cursor
// of the following page, 0 at the end.
type PublicPage struct {
	Cases []PublicCase `json:"cases"`
	Next  int64        `json:"next,omitempty"`
}

// publicCaseSQL is PublicCase's rule over the cases table (alias c) for the
// given public category codes (taxonomy.Tree.PublicCodes), with its
// arguments; "1=0" when the city made no category public.
func publicCaseSQL(codes []string) (string, []any) {
	if len(codes) == 0 {
		return "1=0", nil
	}
	args := []any{string(taxonomy.PublicKind)}
	for _, c := range codes {
		args = append(args, c)
	}
	return `c.kind = ? AND c.state NOT IN ('rejected', 'merged') AND c.category IN (` + placeholders(len(codes)) + `)`, args
}

// PublicCases lists a city's public cases, newest first, by keyset.
// EINVALID for a bad page size.
func (db *DB) PublicCases(ctx context.Context, city string, f PublicFilter) (PublicPage, error) {
	out := PublicPage{Cases: []PublicCase{}}
	if f.Limit == 0 {
		f.Limit = 20
	}
	if f.Limit < 1 || f.Limit > 100 {
		return out, anju.FieldError("limit", "limit must be from 1 to 100")
	}
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return out, err
	}
	where, args := publicCaseSQL(tree.PublicCodes())
	q := `SELECT c.id, c.tracking_code, c.title, c.category, c.state, c.grid, g.name,
		(g.min_lat + g.max_lat) / 2, (g.min_lon + g.max_lon) / 2, c.created_at, c.supporters
		FROM cases c JOIN regions g ON g.code = c.grid WHERE c.city = ? AND ` + where
	args = append([]any{city}, args...)
	if f.Before > 0 {
		q += ` AND c.id < ?`
		args = append(args, f.Before)
	}
	if f.Grid != "" {
		q += ` AND c.grid = ?`
		args = append(args, f.Grid)
	}
	if f.Open {
		q += ` AND ` + openStates
	}
	rows, err := db.query(ctx, q+` ORDER BY c.id DESC LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var p PublicCase
		var state string
		var created int64
		if err := rows.Scan(&p.ID, &p.TrackingCode, &p.Title, &p.Category, &state, &p.Grid.Code, &p.Grid.Name,
			&p.Lat, &p.Lon, &created, &p.Supporters); err != nil {
			return out, err
		}
		p.State, p.CreatedAt = cases.State(state), fromMicros(created)
		if c, err := tree.Get(p.Category); err == nil {
			p.CategoryName = c.Name
		}
		out.Cases = append(out.Cases, p)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if len(out.Cases) > f.Limit {
		out.Cases = out.Cases[:f.Limit]
		out.Next = out.Cases[f.Limit-1].ID
	}
	return out, nil
}

// PublicGrid is a grid with open public cases, for the public map: one
// point per grid, at its centre.
type PublicGrid struct {
	Grid GridRef `json:"grid"`
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
	Open int     `json:"open"`
}

// maxPublicGrids bounds the public map: the grids with the most open public
// cases first.
const maxPublicGrids = 2000

// PublicGrids returns the grids of a city that hold open public cases, with
// how many each holds, the busiest first.
func (db *DB) PublicGrids(ctx context.Context, city string) ([]PublicGrid, error) {
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return nil, err
	}
	where, args := publicCaseSQL(tree.PublicCodes())
	rows, err := db.query(ctx, `SELECT g.code, g.name, (g.min_lat + g.max_lat) / 2, (g.min_lon + g.max_lon) / 2, n FROM
		(SELECT c.grid, COUNT(*) AS n FROM cases c`+db.openCasesIndex()+` WHERE c.city = ? AND `+openStates+` AND `+where+` GROUP BY c.grid) t
		JOIN regions g ON g.code = t.grid ORDER BY n DESC, g.code LIMIT ?`, append(append([]any{city}, args...), maxPublicGrids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PublicGrid{}
	for rows.Next() {
		var g PublicGrid
		if err := rows.Scan(&g.Grid.Code, &g.Grid.Name, &g.Lat, &g.Lon, &g.Open); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Draft is a report being typed, for finding the open public cases it may
// duplicate before it is filed.
type Draft struct {
	Title, Text string
	Grid        string
	Lat, Lon    *float64
}

// SimilarPublic returns up to k open public cases of the city that look
// like the same problem near the same place as the draft, best first: what
// the portal offers to join instead of filing again. A draft without text
// has none.
func (db *DB) SimilarPublic(ctx context.Context, city string, d Draft, k int) ([]SimilarCase, error) {
	d.Title, d.Text = strings.TrimSpace(anju.CleanText(d.Title)), strings.TrimSpace(anju.CleanText(d.Text))
	if d.Title == "" && d.Text == "" {
		return []SimilarCase{}, nil
	}
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return nil, err
	}
	public := tree.PublicCodes()
	c := Case{City: city, Title: d.Title, Text: d.Text, Lat: d.Lat, Lon: d.Lon, CreatedAt: db.clock.Now()}
	c.Grid.Code = d.Grid
	if d.Lat != nil && d.Lon != nil && d.Grid == "" {
		if code, err := db.LocateGrid(ctx, anju.SystemActor("similar"), *d.Lon, *d.Lat); err == nil {
			c.Grid.Code = code
		}
	}
	all, err := db.similarWhere(ctx, c, max(k, 1), false, func(r similarRow) bool {
		_, isPublic := slices.BinarySearch(public, r.category)
		return r.city == city && isPublic && r.kind == taxonomy.PublicKind
	})
	if err != nil {
		return nil, err
	}
	// Only what is likely the same problem: a weak text match far away
	// is noise to a resident.
	out := all[:0]
	for _, s := range all {
		if s.Duplicate || (s.TextScore >= 0.3 && (s.DistanceM == nil || *s.DistanceM <= 1000)) {
			out = append(out, s)
		}
	}
	return out, nil
}
