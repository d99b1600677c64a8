package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/region"
)

// Figures by full recount.
//
// CaseFigures reads, for every case the filter selects, the facts the
// definitions of package figures need, and computes every figure from them.
// It is the reference: the rollups that will make dashboards fast are to be
// checked against this recount, never the other way round. Its cost grows
// with the cases read, so it is bounded twice: a period of at most
// MaxFigurePeriod, and at most maxFigureCases cases read.

// FigureFilter narrows CaseFigures; empty fields do not filter.
type FigureFilter struct {
	Region     string // a region code: cases placed inside its subtree
	Department string // the department holding (or that held) the case
	Category   string // a leaf, or a group: every category under it
	Kind       cases.Kind
}

// MaxFigurePeriod is the longest period CaseFigures recounts.
const MaxFigurePeriod = 3*366*24*time.Hour + 24*time.Hour

// maxFigureCases bounds the cases one recount holds in memory (a few
// hundred bytes each): a year of the 200,000-case demo city fits.
var maxFigureCases = 300_000

// reopenFirstResponseDue is the key under which a case's first reopening
// records the first response deadline its clocks restart from.
const reopenFirstResponseDue = "first_response_due"

// RecountFigures is CaseFigures by full recount: it reads every case and
// its events, as the reference the rollups are checked against (and the
// reading RebuildFigures counts from). EINVALID also for more cases than a
// recount holds.
func (db *DB) RecountFigures(ctx context.Context, actor *anju.Actor, f FigureFilter, p figures.Period) (map[figures.Key]figures.Value, time.Time, error) {
	cs, _, err := db.caseFigureFacts(ctx, actor, f, p)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := db.clock.Now()
	return figures.Compute(cs, p, now), now, nil
}

// figureTerms checks a figure query and returns its conditions over the
// cases (alias c), which case_facts names alike: the actor's staff reach,
// the filter, receipt before the period ends.
func (db *DB) figureTerms(ctx context.Context, actor *anju.Actor, f FigureFilter, p figures.Period) ([]caseTerm, error) {
	if actor == nil {
		return nil, anju.Errorf(anju.EUNAUTHORIZED, "sign in to see figures")
	}
	if !p.From.Before(p.To) {
		return nil, anju.FieldError("to", "the period ends before it starts")
	}
	if p.To.Sub(p.From) > MaxFigurePeriod {
		return nil, anju.FieldError("to", "a period covers at most 3 years")
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return nil, anju.FieldError("kind", "unknown kind %q", f.Kind)
	}
	// Staff reach only: a resident's own reports are not a population.
	terms := []caseTerm{scopeTerm(actor, grantsOf(actor), false)}
	fts, err := db.filterTerms(ctx, actor, CaseFilter{Kind: f.Kind, Region: f.Region, To: p.To})
	if err != nil {
		return nil, err
	}
	terms = append(terms, fts...)
	if f.Category != "" {
		tree, err := db.Taxonomy(ctx, actor.City)
		if err != nil {
			return nil, err
		}
		if _, err := tree.Get(f.Category); err != nil {
			return nil, anju.FieldError("category", "category %q does not exist", f.Category)
		}
		// Codes are digits, two per level: ':' sorts right after '9', so
		// the range holds the code and every code under it.
		terms = append(terms, caseTerm{text: func(col func(string) string) string {
			return "(" + col("c.category") + " >= ? AND " + col("c.category") + " < ?)"
		}, args: []any{f.Category, f.Category + ":"}, gathers: true, index: "cases_category"})
	}
	if f.Department != "" {
		places, err := db.departmentPlaces(ctx, db, actor.City)
		if err != nil {
			return nil, err
		}
		if _, ok := places[f.Department]; !ok && !actor.System {
			return nil, anju.FieldError("department", "department %q does not exist", f.Department)
		}
		terms = append(terms, caseTerm{text: func(col func(string) string) string { return col("c.department") + " = ?" },
			args: []any{f.Department}, gathers: true, index: "cases_department"})
	}
	return terms, nil
}

// caseDims is where a case sits, for FigureGroups: its category, the
// department holding it and its place in the region tree.
type caseDims struct {
	category, department, path string
}

// caseFigureFacts reads the facts of every case CaseFigures counts, and
// beside each its dims.
func (db *DB) caseFigureFacts(ctx context.Context, actor *anju.Actor, f FigureFilter, p figures.Period) ([]figures.Case, []caseDims, error) {
	terms, err := db.figureTerms(ctx, actor, f, p)
	if err != nil {
		return nil, nil, err
	}
	// Received in the period, or received before it and open now (the piles).
	terms = append(terms, plainTerm("(c.created_at >= ? OR "+openStates+")", micros(p.From)))
	plan := casePlan{terms: terms, gather: -1, cursor: -1}
	if err := db.choose(ctx, &plan); err != nil {
		return nil, nil, err
	}
	where, args := db.planWhere(plan)
	from := " FROM cases c" + db.planIndex(plan)
	if db.dialect.name() == "sqlite" && plan.gather < 0 {
		from = " FROM cases c" // no order to keep: let SQLite choose
	}

	cs, dims, reopened, err := db.figureFacts(ctx, db, from, where, args)
	if err != nil {
		return nil, nil, err
	}
	if err := db.figureEvents(ctx, db, from, where, args, cs, reopened); err != nil {
		return nil, nil, err
	}
	return cs, dims, nil
}

// figureFacts reads the cases' own columns. The first response is the
// first acceptance or dispatch event: the store's responded_at moves to the
// dispatch of an accepted case, and again on a dispatch after reopening.
// The resolving department's level is its region's. It returns the cases
// and the index of each reopened one by id.
func (db *DB) figureFacts(ctx context.Context, q querier, from, where string, args []any) ([]figures.Case, []caseDims, map[int64]int, error) {
	sel := `SELECT c.id, c.city, c.category, c.workflow, c.state, c.created_at, c.response_due, c.resolution_due,
		c.resolved_at, c.closed_at, r.level, c.department, c.region_path,
		(SELECT MIN(e.at) FROM case_events e WHERE e.case_id = c.id AND e.city = c.city AND (e.action = 'accept' OR e.action = 'dispatch')),
		COALESCE(pt.first_petition, FALSE), CASE WHEN pt.first_petition THEN ` + repeatedPetition("c.id", "c.city") + ` ELSE FALSE END` +
		from + ` LEFT JOIN departments d ON d.code = c.department LEFT JOIN regions r ON r.code = d.region
		LEFT JOIN petitions pt ON pt.case_id = c.id AND pt.city = c.city WHERE ` + where
	rows, err := q.query(ctx, sel, args...)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	var cs []figures.Case
	var dims []caseDims
	reopened := map[int64]int{}
	type origin struct{ city, category string }
	origins := map[int64]origin{}
	for rows.Next() {
		if len(cs) >= maxFigureCases {
			return nil, nil, nil, anju.FieldError("from", "the filter holds more than %d cases; choose a shorter period or a smaller region", maxFigureCases)
		}
		var c figures.Case
		var id, created, respDue, resDue int64
		var city, category, wf, state string
		var resolved, closed, responded sql.NullInt64
		var level, department sql.NullString
		var path string
		if err := rows.Scan(&id, &city, &category, &wf, &state, &created, &respDue, &resDue, &resolved, &closed, &level, &department, &path, &responded,
			&c.FirstPetition, &c.Repeated); err != nil {
			return nil, nil, nil, err
		}
		if err := json.Unmarshal([]byte(wf), &c.Case); err != nil {
			return nil, nil, nil, err
		}
		c.ID, c.State = id, cases.State(state)
		c.CreatedAt, c.ResponseDue, c.ResolutionDue = fromMicros(created), fromMicros(respDue), fromMicros(resDue)
		if resolved.Valid {
			c.ResolvedAt = fromMicros(resolved.Int64)
		}
		if closed.Valid && (c.State == cases.StateClosed || c.State == cases.StateRated) {
			c.ClosedAt = fromMicros(closed.Int64)
		}
		if responded.Valid {
			c.RespondedAt = fromMicros(responded.Int64)
		}
		if level.Valid {
			c.ClosedLevel = region.Level(level.String)
		}
		if c.Reopened > 0 {
			reopened[id] = len(cs)
			origins[id] = origin{city, category}
		}
		cs = append(cs, c)
		dims = append(dims, caseDims{category: category, department: department.String, path: path})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	// A reopened case's first response deadline, where its first reopening
	// did not record it (reopenings before it did): the category's
	// deadline from the receipt, as intake computes it, with today's
	// taxonomy and calendar, which may differ from those of the day.
	// A category whose deadlines can no longer be found keeps the deadline
	// in force.
	for id, i := range reopened {
		o := origins[id]
		tree, err := db.Taxonomy(ctx, o.city)
		if err != nil {
			return nil, nil, nil, err
		}
		cal, err := db.calendar(ctx, o.city)
		if err != nil {
			return nil, nil, nil, err
		}
		if d, err := tree.Deadlines(o.category, cs[i].Priority); err == nil {
			cs[i].ResponseDue = cal.Due(cs[i].CreatedAt, d.Response).UTC()
		}
	}
	return cs, dims, reopened, nil
}

// figureEvents adds what only the events hold: the supervision cards
// issued, in order, and the first response deadline that a reopened case's
// first reopening recorded.
func (db *DB) figureEvents(ctx context.Context, q querier, from, where string, args []any, cs []figures.Case, reopened map[int64]int) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[int64]int, len(cs))
	for i := range cs {
		byID[cs[i].ID] = i
	}
	sel := `SELECT e.case_id, e.action, e.data FROM case_events e WHERE (e.action = 'supervise' OR e.action = 'reopen')
		AND (e.case_id, e.city) IN (SELECT c.id, c.city` + from + ` WHERE ` + where + `) ORDER BY e.id`
	rows, err := q.query(ctx, sel, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := map[int64]bool{}
	for rows.Next() {
		var id int64
		var action, data string
		if err := rows.Scan(&id, &action, &data); err != nil {
			return err
		}
		i, ok := byID[id]
		if !ok {
			continue // changed since the first read
		}
		var d struct {
			Card  cases.Card `json:"card"`
			First string     `json:"first_response_due"`
		}
		if err := json.Unmarshal([]byte(data), &d); err != nil {
			return err
		}
		switch cases.Action(action) {
		case cases.ActionSupervise:
			cs[i].Cards = append(cs[i].Cards, d.Card)
		case cases.ActionReopen:
			if _, ok := reopened[id]; !ok || seen[id] {
				continue
			}
			seen[id] = true
			if t, err := time.Parse(time.RFC3339Nano, d.First); err == nil {
				cs[i].ResponseDue = t.UTC()
			}
		}
	}
	return rows.Err()
}
