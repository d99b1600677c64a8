package store

import (
	"cmp"
	"context"
	"database/sql"
	"math"
	"slices"
	"sync"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/textai"
)

// Similar open cases (possible duplicates).
//
// Each city's open cases sit in an in-memory textai.SimilarityIndex, built
// lazily from the database on first use. The index is only a candidate
// generator: the candidates it proposes are read back through the actor's
// case scope and must still be open, so a stale index can make an answer
// shorter but never show a case the actor may not see or one already closed.
//
// The index follows the database through case_events, whose id is an index
// range scan: each call reads the events after the last one seen, and the
// cases they touched are added (open) or removed (closed, rejected, merged).
// This picks up cases taken in by other processes. On PostgreSQL a sequence
// id can commit after a larger one, so the scan starts eventOverlap events
// back; and the whole index is rebuilt every simRebuild, which both catches
// anything missed and compacts the index's dead slots.

// SimilarCase is an open case that may be the same problem as another.
type SimilarCase struct {
	Case       CaseSummary `json:"case"`
	Score      float64     `json:"score"`
	TextScore  float64     `json:"text_score"`
	DistanceM  *float64    `json:"distance_m"` // null when either case lacks coordinates
	HoursApart float64     `json:"hours_apart"`
	Duplicate  bool        `json:"duplicate"` // the score reaches textai.DuplicateThreshold
}

// CaseSummary is what a list of related cases shows of each.
type CaseSummary struct {
	ID           int64       `json:"id"`
	TrackingCode string      `json:"tracking_code"`
	State        cases.State `json:"state"`
	Title        string      `json:"title"`
	Category     string      `json:"category"`
	Grid         GridRef     `json:"grid"`
	Address      string      `json:"address,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	Supporters   int         `json:"supporters"`
}

// padIDs pads an id list to the next power of two by repeating its last id
// (a repeat in an IN list changes nothing).
func padIDs(ids []any) []any {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	for len(ids) < n {
		ids = append(ids, ids[len(ids)-1])
	}
	return ids
}

func summarize(c Case) CaseSummary {
	return CaseSummary{ID: c.ID, TrackingCode: c.TrackingCode, State: c.State, Title: c.Title, Category: c.Category,
		Grid: c.Grid, Address: c.Address, CreatedAt: c.CreatedAt, Supporters: c.Supporters}
}

// summaryCols are a CaseSummary's columns and those caseVisible judges,
// over cases c joined with its grid g; scanSummary reads them.
const summaryCols = `c.id, c.tracking_code, c.state, c.title, c.category, c.grid, g.name, c.address, c.created_at,
	c.city, c.region_path, COALESCE(c.department, ''), COALESCE(c.reporter_user_id, 0), c.supporters`

// scanSummary reads a row of summaryCols and whether the actor may see it.
func scanSummary(row interface{ Scan(...any) error }, actor *anju.Actor) (CaseSummary, bool, error) {
	var oc CaseSummary
	var state, city, path, dept string
	var created, reporterUser int64
	if err := row.Scan(&oc.ID, &oc.TrackingCode, &state, &oc.Title, &oc.Category, &oc.Grid.Code, &oc.Grid.Name,
		&oc.Address, &created, &city, &path, &dept, &reporterUser, &oc.Supporters); err != nil {
		return oc, false, err
	}
	oc.State, oc.CreatedAt = cases.State(state), fromMicros(created)
	return oc, caseVisible(actor, city, path, dept, reporterUser), nil
}

// maxMerged bounds the list of cases merged into one: a case the city
// reported a thousand times over is shown with its first hundred.
const maxMerged = 100

// MergedCases returns the cases merged into case id as its duplicates that
// the actor may see, oldest first, at most maxMerged. ENOTFOUND when case id
// is not visible.
func (db *DB) MergedCases(ctx context.Context, actor *anju.Actor, id int64) ([]CaseSummary, error) {
	if _, err := db.getCase(ctx, db, actor, id); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT `+summaryCols+` FROM cases c JOIN regions g ON g.code = c.grid
		WHERE c.merged_into = ? ORDER BY c.id LIMIT ?`, id, maxMerged)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CaseSummary{}
	for rows.Next() {
		oc, visible, err := scanSummary(rows, actor)
		if err != nil {
			return nil, err
		}
		if visible {
			out = append(out, oc)
		}
	}
	return out, rows.Err()
}

const (
	simRebuild = 10 * time.Minute
	// eventOverlap covers the event ids a PostgreSQL transaction can hold
	// uncommitted: the intake committers take theirs for a whole group at
	// its start (intakeBatcher.commit).
	eventOverlap = 1024
)

// eventOverlap must cover every intake group in flight at once.
const _ = uint(eventOverlap - intakeWritersPostgres*maxGroup)

// citySimilar is one city's index and how far it has followed the events.
type citySimilar struct {
	mu      sync.Mutex // serialises refreshes; queries use the index's own lock
	ix      *textai.SimilarityIndex
	present map[int64]bool
	lastEv  int64
	seen    map[int64]bool // events at most eventOverlap before lastEv already applied
	builtAt time.Time
	// followedAt is when other writers' events were last read.
	followedAt time.Time
}

// similarIndexes holds the per-city indexes of a DB.
type similarIndexes struct {
	mu     sync.Mutex
	cities map[string]*citySimilar
}

// indexes returns the similarity indexes of db; handles made by WithClock
// share them, since they share the pointer.
func (db *DB) indexes() *similarIndexes { return db.similar }

// similarIndex returns the city's index, brought up to date.
func (db *DB) similarIndex(ctx context.Context, city string) (*textai.SimilarityIndex, error) {
	s := db.indexes()
	s.mu.Lock()
	ci := s.cities[city]
	if ci == nil {
		ci = &citySimilar{}
		s.cities[city] = ci
	}
	s.mu.Unlock()

	ci.mu.Lock()
	defer ci.mu.Unlock()
	if ci.ix == nil || time.Since(ci.builtAt) > simRebuild {
		if err := db.buildIndex(ctx, city, ci); err != nil {
			return nil, err
		}
		return ci.ix, nil
	}
	// Following other writers costs a query over recent events; at intake
	// rates it is enough to do it a few times a second.
	if time.Since(ci.followedAt) < simFollowEvery {
		return ci.ix, nil
	}
	ci.followedAt = time.Now()
	return ci.ix, db.followEvents(ctx, city, ci)
}

// simFollowEvery bounds how stale the similarity index may be for cases
// another request or process has just filed.
const simFollowEvery = 200 * time.Millisecond

// buildIndex loads every open case of the city into a fresh index.
func (db *DB) buildIndex(ctx context.Context, city string, ci *citySimilar) error {
	var lastEv sql.NullInt64
	// The watermark is read first: an event committed during the load is
	// then seen again by the next refresh, which is harmless.
	if err := db.queryRow(ctx, `SELECT MAX(id) FROM case_events`).Scan(&lastEv); err != nil {
		return err
	}
	rows, err := db.query(ctx, `SELECT c.id, c.title, c.body, c.lat, c.lon, c.grid, c.created_at FROM cases c
		WHERE c.city = ? AND `+openStates, city)
	if err != nil {
		return err
	}
	defer rows.Close()
	ix, present := textai.NewSimilarityIndex(), map[int64]bool{}
	for rows.Next() {
		r, err := scanSimReport(rows)
		if err != nil {
			return err
		}
		ix.Add(r)
		present[r.ID] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	ci.ix, ci.present, ci.lastEv, ci.seen, ci.builtAt = ix, present, lastEv.Int64, map[int64]bool{}, time.Now()
	return nil
}

func scanSimReport(row interface{ Scan(...any) error }) (textai.Report, error) {
	var r textai.Report
	var lat, lon sql.NullFloat64
	var created int64
	if err := row.Scan(&r.ID, &r.Title, &r.Text, &lat, &lon, &r.Grid, &created); err != nil {
		return r, err
	}
	if lat.Valid && lon.Valid {
		r.Lat, r.Lon, r.HasLocation = lat.Float64, lon.Float64, true
	}
	r.At = fromMicros(created)
	return r, nil
}

// followEvents applies the state changes since the index last looked.
func (db *DB) followEvents(ctx context.Context, city string, ci *citySimilar) error {
	rows, err := db.query(ctx, `SELECT id, case_id FROM case_events WHERE id > ? AND city = ?
		AND (from_state <> to_state OR action = 'submit') ORDER BY id`, max(0, ci.lastEv-eventOverlap), city)
	if err != nil {
		return err
	}
	touched := map[int64]bool{}
	last := ci.lastEv
	for rows.Next() {
		var ev, id int64
		if err := rows.Scan(&ev, &id); err != nil {
			rows.Close()
			return err
		}
		if ci.seen[ev] {
			continue
		}
		ci.seen[ev] = true
		touched[id] = true
		last = max(last, ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for ev := range ci.seen {
		if ev <= last-eventOverlap {
			delete(ci.seen, ev)
		}
	}
	if len(touched) == 0 {
		return nil
	}
	ids := make([]any, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(len(ids), start+500)]
		rows, err := db.sql.QueryContext(ctx, db.dialect.rebind(`SELECT id, title, body, lat, lon, grid, created_at, state
			FROM cases WHERE city = ? AND id IN (`+placeholders(len(chunk))+`)`), append([]any{city}, chunk...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r textai.Report
			var lat, lon sql.NullFloat64
			var created int64
			var state string
			if err := rows.Scan(&r.ID, &r.Title, &r.Text, &lat, &lon, &r.Grid, &created, &state); err != nil {
				rows.Close()
				return err
			}
			open := cases.State(state).Open()
			switch {
			case open && !ci.present[r.ID]:
				if lat.Valid && lon.Valid {
					r.Lat, r.Lon, r.HasLocation = lat.Float64, lon.Float64, true
				}
				r.At = fromMicros(created)
				ci.ix.Add(r)
				ci.present[r.ID] = true
			case !open && ci.present[r.ID]:
				ci.ix.Remove(r.ID)
				delete(ci.present, r.ID)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	ci.lastEv = last
	return nil
}

// SimilarCases returns up to k open cases of the same city, visible to the
// actor, most likely to be the same problem as case caseID, best first (text,
// place and time; see textai). Matches below the duplicate threshold are
// included and marked duplicate=false. ENOTFOUND when the case is not
// visible.
func (db *DB) SimilarCases(ctx context.Context, actor *anju.Actor, caseID int64, k int) ([]SimilarCase, error) {
	c, err := db.getCase(ctx, db, actor, caseID)
	if err != nil {
		return nil, err
	}
	return db.similarCases(ctx, actor, c, k, false)
}

func (db *DB) similarCases(ctx context.Context, actor *anju.Actor, c Case, k int, duplicatesOnly bool) ([]SimilarCase, error) {
	return db.similarWhere(ctx, c, k, duplicatesOnly, func(r similarRow) bool {
		return r.city == c.City && caseVisible(actor, r.city, r.path, r.dept, r.reporterUser)
	})
}

// similarRow is what similarWhere's filter judges a candidate by.
type similarRow struct {
	city, path, dept, category string
	kind                       cases.Kind
	state                      cases.State
	reporterUser               int64
}

// similarWhere is similarCases with the candidates kept by keep: the
// actor's scope, or for the public portal the public rule.
func (db *DB) similarWhere(ctx context.Context, c Case, k int, duplicatesOnly bool, keep func(similarRow) bool) ([]SimilarCase, error) {
	if k <= 0 || k > 50 {
		k = 10
	}
	ix, err := db.similarIndex(ctx, c.City)
	if err != nil {
		return nil, err
	}
	q := textai.Report{ID: c.ID, Title: c.Title, Text: c.Text, Grid: c.Grid.Code, At: c.CreatedAt}
	if c.Lat != nil && c.Lon != nil {
		q.Lat, q.Lon, q.HasLocation = *c.Lat, *c.Lon, true
	}
	// Ask for more than k: some candidates are outside the actor's scope or
	// closed since the index saw them.
	want := max(10*k, 100)
	if duplicatesOnly {
		// Intake shows only likely duplicates: few candidates, filtered by
		// score before any row is read, keep it cheap on the hot path.
		want = 2 * k
	}
	matches := ix.Query(q, want)
	out := []SimilarCase{}
	if len(matches) == 0 {
		return out, nil
	}
	byID := map[int64]textai.Match{}
	args := make([]any, 0, len(matches))
	for _, m := range matches {
		if duplicatesOnly && !m.Duplicate() {
			continue
		}
		if m.ID != c.ID && c.MergedInto != m.ID {
			byID[m.ID] = m
			args = append(args, m.ID)
		}
	}
	if len(args) == 0 {
		return out, nil
	}
	// Only the summary's columns, by primary key, with IN lists padded to a
	// power of two so that a handful of statement shapes stay prepared. The
	// actor's scope is applied to the rows read (caseVisible mirrors
	// caseScope): as a predicate in this query it lets SQLite's planner
	// prefer the city index and scan a city's cases for a few ids.
	ids := padIDs(args)
	rows, err := db.query(ctx, `SELECT c.id, c.tracking_code, c.state, c.title, c.category, c.grid, g.name, c.address, c.created_at,
		c.city, c.region_path, COALESCE(c.department, ''), COALESCE(c.reporter_user_id, 0), c.kind, c.supporters
		FROM cases c JOIN regions g ON g.code = c.grid WHERE c.id IN (`+placeholders(len(ids))+`) AND `+openStates, ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var oc CaseSummary
		var r similarRow
		var state, kind string
		var created int64
		if err := rows.Scan(&oc.ID, &oc.TrackingCode, &state, &oc.Title, &oc.Category, &oc.Grid.Code, &oc.Grid.Name,
			&oc.Address, &created, &r.city, &r.path, &r.dept, &r.reporterUser, &kind, &oc.Supporters); err != nil {
			return nil, err
		}
		oc.State, oc.CreatedAt = cases.State(state), fromMicros(created)
		r.kind, r.state, r.category = cases.Kind(kind), cases.State(state), oc.Category
		if !keep(r) {
			continue
		}
		m := byID[oc.ID]
		s := SimilarCase{Case: oc, Score: round3(m.Score), TextScore: round3(m.TextScore),
			HoursApart: round3(m.HoursApart), Duplicate: m.Duplicate()}
		if m.DistanceM >= 0 {
			d := round3(m.DistanceM)
			s.DistanceM = &d
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortSimilar(out)
	if len(out) > k {
		out = out[:k]
	}
	return out, nil
}

// DuplicatesOf returns the visible open cases at or above the duplicate
// threshold, at most k: what intake shows next to a new case.
func (db *DB) DuplicatesOf(ctx context.Context, actor *anju.Actor, c Case, k int) ([]SimilarCase, error) {
	all, err := db.similarCases(ctx, actor, c, k, true)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, s := range all {
		if s.Duplicate {
			out = append(out, s)
		}
	}
	return out, nil
}

func sortSimilar(ss []SimilarCase) {
	slices.SortFunc(ss, func(a, b SimilarCase) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Case.ID, b.Case.ID))
	})
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
