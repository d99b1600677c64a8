package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"anju/internal/anju"
	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/region"
)

// Figures from the rollups.
//
// A figure query adds up contributions (package figures, Tally) in two
// parts. What a case contributes whatever the time comes from
// figure_rollups and figure_close_times, when the query names at most one
// of region, department and category (the rows are summed by one of them)
// and its period starts and ends at China midnights; otherwise from the
// case_facts rows it selects, through an index. What still changes with
// time (clocks running, the piles of open cases) comes from the case_facts
// rows flagged live, read one by one: the open cases, in the main.

// CaseFigures computes every figure (figures.Compute) over the actor's
// visible cases that match f and were received in p, as things stand now;
// the backlog and overdue piles also count the matching cases still open
// that were received before p. It returns the moment the figures hold
// for. EINVALID for an empty or too long period, an unknown kind, category
// or department; ENOTFOUND for a region outside the actor's scope.
func (db *DB) CaseFigures(ctx context.Context, actor *anju.Actor, f FigureFilter, p figures.Period) (map[figures.Key]figures.Value, time.Time, error) {
	return db.caseFigures(ctx, actor, f, p, nil)
}

// caseFigures is CaseFigures, with what a dashboard's reads share (sh, nil
// for none).
func (db *DB) caseFigures(ctx context.Context, actor *anju.Actor, f FigureFilter, p figures.Period, sh *figureShare) (map[figures.Key]figures.Value, time.Time, error) {
	a, err := db.askFigures(ctx, actor, f, p)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := a.shared(sh, db.clock)
	parts := []figures.Period{p}
	ts, err := db.tallyByTime(ctx, a, parts, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	return ts[0].Values(), now, nil
}

// FigureGroups computes every figure over the cases CaseFigures counts for
// f and p, split by by: the trend of a period, its category breakdown, the
// ranking of its departments or regions, the grid map. Parts with no case
// are left out of the splits by place, category and department; every day,
// week or month of the period is kept. The errors are CaseFigures' and
// EINVALID for an unknown grouping. With only, each part holds those
// figures alone, and what no figure of them needs is not read (the time to
// close histogram, unless a time is asked for): a ranking's columns cost
// what they show.
func (db *DB) FigureGroups(ctx context.Context, actor *anju.Actor, f FigureFilter, p figures.Period, by FigureGroupBy, only ...figures.Key) ([]FigureGroup, time.Time, error) {
	return db.figureGroupsOnly(ctx, actor, f, p, by, only, nil)
}

// figureGroupsOnly is FigureGroups, with what a dashboard's reads share
// (sh, nil for none).
func (db *DB) figureGroupsOnly(ctx context.Context, actor *anju.Actor, f FigureFilter, p figures.Period, by FigureGroupBy, only []figures.Key, sh *figureShare) ([]FigureGroup, time.Time, error) {
	gs, now, err := db.figureGroups(ctx, actor, f, p, by, only, sh)
	if err != nil || len(only) == 0 {
		return gs, now, err
	}
	for _, g := range gs {
		for k := range g.Figures {
			if !slices.Contains(only, k) {
				delete(g.Figures, k)
			}
		}
	}
	return gs, now, nil
}

func (db *DB) figureGroups(ctx context.Context, actor *anju.Actor, f FigureFilter, p figures.Period, by FigureGroupBy, only []figures.Key, sh *figureShare) ([]FigureGroup, time.Time, error) {
	if !by.Valid() {
		return nil, time.Time{}, anju.FieldError("by", "unknown grouping %q (day, week, month, category, department, region or grid)", by)
	}
	a, err := db.askFigures(ctx, actor, f, p)
	if err != nil {
		return nil, time.Time{}, err
	}
	a.noCloses = len(only) > 0 && !slices.ContainsFunc(only, func(k figures.Key) bool {
		d, ok := figures.Lookup(k)
		return ok && d.Unit == figures.UnitDuration
	})
	if len(only) > 0 {
		// What only's figures read, and what tells whether a part has a
		// case: its receipts, and the settled cases in its piles.
		a.counts = figures.CountsRead(only...)
		for _, k := range []figures.Counter{figures.CReceived, figures.COpenSettled} {
			if !slices.Contains(a.counts, int(k)) {
				a.counts = append(a.counts, int(k))
			}
		}
		slices.Sort(a.counts)
	}
	now := a.shared(sh, db.clock)
	switch by {
	case ByDay, ByWeek, ByMonth:
		parts := splitPeriod(p, by)
		a.monthsOK = by == ByMonth
		ts, err := db.tallyByTime(ctx, a, parts, now)
		if err != nil {
			return nil, time.Time{}, err
		}
		out := make([]FigureGroup, len(parts))
		for i, part := range parts {
			out[i] = FigureGroup{Key: part.From.In(httpx.ChinaTime).Format(time.DateOnly), Period: part, Figures: ts[i].Values()}
		}
		return out, now, nil
	}
	key, name, err := db.groupKeys(ctx, actor, f, by)
	if err != nil {
		return nil, time.Time{}, err
	}
	tallies, err := db.tallyByGroup(ctx, a, by, key, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	out := make([]FigureGroup, 0, len(tallies))
	for k, t := range tallies {
		g := FigureGroup{Key: k, Period: p, Figures: t.Values()}
		g.Name, g.NameEn = name(k)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b FigureGroup) int { return cmp.Compare(a.Key, b.Key) })
	return out, now, nil
}

// figureAsk is a checked figure query and how the rollups can answer it.
type figureAsk struct {
	actor *anju.Actor
	f     FigureFilter
	p     figures.Period
	terms []caseTerm // over case_facts c: scope, filter, received before p ends
	// The rollups' reading, when there is one (rollup): the cities, and
	// the region of each (its root for the whole city).
	rollup bool
	pairs  bool // the region is a district or a street (pairDepth)
	// pairRegions: the regions whose pair rows make up the region's, when
	// pairs (pairRegionsOf).
	pairRegions []string
	cities      []string
	regions     []string // region codes, one per city
	paths       []string
	// monthsOK: month rows may stand for their days (not for a split by
	// day or week).
	monthsOK bool
	// noCloses: no time to close is asked for; its histogram is not read.
	noCloses bool
	// counts: the indexes into figures.Counts the answer reads from the
	// rollups (nil: every one).
	counts []int
	// today: the China day of now, after which no day has rows yet
	// (spansOf).
	today int64
	// share: the dashboard's shared reads, when a dashboard asks (the
	// live rows by day of a time split or a period's figures).
	share *figureShare
}

// askFigures checks the query and decides how the rollups can answer it.
func (db *DB) askFigures(ctx context.Context, actor *anju.Actor, f FigureFilter, p figures.Period) (*figureAsk, error) {
	terms, err := db.figureTerms(ctx, actor, f, p)
	if err != nil {
		return nil, err
	}
	a := &figureAsk{actor: actor, f: f, p: p, terms: terms, monthsOK: true}
	if !chinaMidnight(p.From) || !chinaMidnight(p.To) {
		return a, nil
	}
	// The reach as one subtree, or one department's cases in one, or no
	// rollup.
	var reach, department string
	if !actor.System {
		var paths []string
		type branch struct{ department, path string }
		var branches []branch
		for _, g := range actor.Grants {
			switch {
			case g.RegionPath == "":
			case g.Department != "":
				branches = append(branches, branch{g.Department, g.RegionPath})
			case g.Role != anju.RoleResident:
				paths = append(paths, g.RegionPath)
			}
		}
		tops := (&anju.Actor{Grants: pathGrants(paths)}).ScopePaths()
		// A department's cases in a region the actor sees whole add none
		// (a street's mediator, who mediates for the street's committee).
		branches = slices.DeleteFunc(branches, func(b branch) bool {
			return slices.ContainsFunc(tops, func(top string) bool { return strings.HasPrefix(b.path, top) })
		})
		switch {
		case len(branches) == 0 && len(tops) == 1:
			reach = tops[0]
		case len(branches) == 1 && len(tops) == 0 && (f.Department == "" || f.Department == branches[0].department):
			// A handler: the filter's department is the reach's.
			reach, department = branches[0].path, branches[0].department
		default:
			return a, nil
		}
		if !strings.HasPrefix(reach, anju.CityPath(actor.City)) {
			return a, nil
		}
		if department != "" {
			a.f.Department = department
		}
	}
	var region, city string
	if f.Region != "" {
		r, err := db.GetRegion(ctx, actor, f.Region)
		if err != nil {
			return nil, err
		}
		region, city = r.Path, r.City
		switch {
		case reach == "" || strings.HasPrefix(region, reach):
		case strings.HasPrefix(reach, region):
			region = reach
		default:
			return a, nil
		}
	} else if reach != "" {
		region, city = reach, actor.City
	}
	if region != "" {
		codes := splitPath(region)
		a.cities, a.regions, a.paths = []string{city}, []string{codes[len(codes)-1]}, []string{region}
	} else {
		cities, err := column[string](db.query(ctx, `SELECT code FROM regions WHERE parent IS NULL ORDER BY code`))
		if err != nil {
			return nil, err
		}
		a.cities, a.regions = cities, cities
		for _, c := range cities {
			a.paths = append(a.paths, anju.CityPath(c))
		}
	}
	dims := 0
	if !a.regionWide() {
		dims++
	}
	if a.f.Department != "" {
		dims++
	}
	if f.Category != "" {
		dims++
	}
	// A district or a street with a department or a category: their
	// pairs' rows.
	if a.pairs = !a.regionWide() && len(a.paths) == 1 && pairDepth(a.paths[0]); a.pairs {
		if a.pairRegions, _, err = db.pairRegionsOf(ctx, a.cities[0], a.regions[0]); err != nil {
			return nil, err
		}
	}
	// Of two, a department with a category (whole cities), or either with
	// a district or a street: their pairs' rows.
	a.rollup = dims <= 1 || dims == 2 && (a.pairs || a.regionWide())
	if a.rollup && reach != "" {
		// The rollups count the reach as one subtree (of one department):
		// its live rows are selected so too, by their path or department,
		// where the scope's grants ORed together would keep SQLite from
		// either index (a street's mediator read every live row of the
		// city).
		a.terms[0] = reachTerm(actor.City, reach, department)
	}
	return a, nil
}

// reachTerm selects the cases of city under path, of department unless "".
func reachTerm(city, path, department string) caseTerm {
	args := []any{city, path, subtreeUpper(path)}
	if department != "" {
		args = append(args, department)
	}
	return caseTerm{text: func(col func(string) string) string {
		q := "(" + col("c.city") + " = ? AND " + col("c.region_path") + " >= ? AND " + col("c.region_path") + " < ?"
		if department != "" {
			q += " AND " + col("c.department") + " = ?"
		}
		return q + ")"
	}, args: args, gathers: true}
}

// shared makes a read part of a dashboard's (sh; nil: a read of its own)
// and returns the moment it holds for: the dashboard's, or now (and its
// day, a.today).
func (a *figureAsk) shared(sh *figureShare, clock anju.Clock) time.Time {
	now := clock.Now()
	if sh != nil {
		now = sh.now
		if a.rollup && sh.to.Sub(a.p.To) >= 0 {
			a.share = sh
		}
	}
	a.today = chinaDay(now)
	return now
}

func chinaMidnight(t time.Time) bool {
	c := t.In(httpx.ChinaTime)
	return c.Hour() == 0 && c.Minute() == 0 && c.Second() == 0 && c.Nanosecond() == 0
}

// regionWide reports whether the query's region is a whole city.
func (a *figureAsk) regionWide() bool {
	for _, p := range a.paths {
		if len(splitPath(p)) > 1 {
			return false
		}
	}
	return true
}

// liveRow is a case_facts row as a figure query reads it.
type liveRow struct {
	facts figures.Facts
	dims  caseDims
}

// termsOf is the query's selection of case_facts c, for a WHERE clause.
func (a *figureAsk) termsOf() ([]string, []any) {
	return a.termsWith(func(s string) string { return strings.TrimPrefix(s, "!") })
}

// termsWith is termsOf with the columns written by col.
func (a *figureAsk) termsWith(col func(string) string) ([]string, []any) {
	var where []string
	var args []any
	for _, t := range a.terms {
		where = append(where, t.text(col))
		args = append(args, t.args...)
	}
	return where, args
}

// wholeCities reports whether the query reads whole cities: the system's,
// or a city-wide staff grant's with no region below the city asked for.
func (a *figureAsk) wholeCities() bool {
	if a.f.Region != "" && a.f.Region != a.actor.City {
		return false
	}
	if a.actor.System {
		return true
	}
	for _, g := range a.actor.Grants {
		if g.Department == "" && g.Role != anju.RoleResident && g.RegionPath == anju.CityPath(a.actor.City) {
			return true
		}
	}
	return false
}

// readFacts calls fn for every case_facts row the query selects that was
// received in [p.From, p.To), or is live and was received before p.To,
// or counts settled in the piles.
func (db *DB) readFacts(ctx context.Context, a *figureAsk, fn func(r *liveRow, n int64)) error {
	col := func(c string) string { return strings.TrimPrefix(c, "!") }
	if db.dialect.name() == "sqlite" && !a.wholeCities() {
		// A reach narrower than a city is gathered by its own indexes (a
		// region's path, 00045; a department, 00046; each grant's through
		// its own): the receipt time, which the city's index leads with,
		// is written unkeyed, or SQLite, knowing nothing of sizes, reads
		// every case of the city in the period by it.
		col = func(c string) string {
			if c = strings.TrimPrefix(c, "!"); c == "c.created_at" {
				return "+" + c
			}
			return c
		}
	}
	where, args := a.termsWith(col)
	where = append(where, "(c.created_at >= ? OR c.flags <> 0 OR (c.member & ?) <> 0)")
	args = append(args, micros(a.p.From), int64(1)<<figures.COpenSettled)
	rows, err := db.query(ctx, `SELECT c.created_at, c.category, c.department, c.region_path, c.member, c.yellow, c.red,
		c.close_hours, c.flags, c.response_due, c.resolution_due FROM case_facts c WHERE `+strings.Join(where, " AND "), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r liveRow
	for rows.Next() {
		var created, member, yellow, red, closeHours, flags, respDue, resDue int64
		if err := rows.Scan(&created, &r.dims.category, &r.dims.department, &r.dims.path, &member, &yellow, &red,
			&closeHours, &flags, &respDue, &resDue); err != nil {
			return err
		}
		r.facts = factsOfRow(created, respDue, resDue, member, yellow, red, closeHours, flags)
		fn(&r, 1)
	}
	return rows.Err()
}

// liveGroup is a group of live case_facts rows alike to the figures at
// now (readLive): one row standing for n, received on day (0 unless the
// rows were grouped by day).
type liveGroup struct {
	row liveRow
	day int64
	n   int64
}

// Bits of a live group's class (readLive), one integer the database groups
// by: a sort over one column costs about half as much as one over the six
// it packs.
const (
	liveOverdueShift  = 0 // overdue bucket + 1 (0: not overdue), 3 bits
	liveRespLateShift = 3 // the response deadline passed, 1 bit
	liveAgeShift      = 4 // age bucket, 3 bits
	liveSettledShift  = 7 // settled in the piles, 1 bit
	liveInShift       = 8 // received in the period, 1 bit
	liveFlagsShift    = 9 // flags, 3 bits
)

// readLive returns the live case_facts rows the query selects (those whose
// contribution still changes with time), counted by the database in groups
// of rows alike to the figures at now: received in the period or before it
// (or on the same day, byDay), of the same flags and settled piles, in the
// same age bucket (figures.AgeBuckets) and as overdue in answer and
// resolution. Each group is one row of it standing for its n rows: the
// figures' rules applied to it (Tally.AddPending, AddPile) give each of
// them the same contribution. Only the bucket edges are read here, so that
// a few rows stand for thousands of open cases. (Splits by a text column
// read the rows one by one instead: readLiveRows.)
func (db *DB) readLive(ctx context.Context, a *figureAsk, now time.Time, byDay bool) ([]liveGroup, error) {
	where, args := a.termsOf()
	where = append(where, "c.flags <> 0")
	// An instant to the microsecond as stored: t < due ⇔ due ≥ ceil(t);
	// t − due < edge ⇔ due > floor(t − edge).
	nowCeil := micros(now)
	if now.Sub(fromMicros(nowCeil)) > 0 {
		nowCeil++
	}
	fromCeil := micros(a.p.From)
	if a.p.From.Sub(fromMicros(fromCeil)) > 0 {
		fromCeil++
	}
	bucket := func(col string) (string, []any) {
		var q strings.Builder
		var bargs []any
		q.WriteString("CASE")
		for i, b := range figures.AgeBuckets {
			if b.Below > 0 {
				fmt.Fprintf(&q, " WHEN %s > ? THEN %d", col, i)
				bargs = append(bargs, micros(now.Add(-b.Below)))
			}
		}
		fmt.Fprintf(&q, " ELSE %d END", len(figures.AgeBuckets)-1)
		return q.String(), bargs
	}
	age, ageArgs := bucket("c.created_at")
	overdue, overdueArgs := bucket("c.resolution_due")
	// The class: what the figures' rules read of a row at now, packed.
	var class []string
	var classArgs []any
	class = append(class, fmt.Sprintf("c.flags * %d", 1<<liveFlagsShift))
	if !byDay { // by day, the day tells (parts start at China midnights)
		class = append(class, fmt.Sprintf("CASE WHEN c.created_at >= ? THEN %d ELSE 0 END", 1<<liveInShift))
		classArgs = append(classArgs, fromCeil)
	}
	class = append(class, fmt.Sprintf("CASE WHEN (c.member & ?) <> 0 THEN %d ELSE 0 END", 1<<liveSettledShift),
		fmt.Sprintf("(%s) * %d", age, 1<<liveAgeShift),
		fmt.Sprintf("CASE WHEN c.response_due < ? THEN %d ELSE 0 END", 1<<liveRespLateShift),
		"CASE WHEN c.resolution_due >= ? THEN 0 ELSE 1 + "+overdue+" END")
	classArgs = append(classArgs, int64(1)<<figures.COpenSettled)
	classArgs = append(classArgs, ageArgs...)
	classArgs = append(classArgs, nowCeil, nowCeil)
	classArgs = append(classArgs, overdueArgs...)
	cols := []string{"(" + strings.Join(class, " + ") + ")"}
	if byDay {
		cols = append(cols, "c.day")
	}
	group := make([]string, len(cols))
	for i := range cols {
		group[i] = fmt.Sprint(i + 1)
	}
	rows, err := db.query(ctx, `SELECT `+strings.Join(cols, ", ")+`, MIN(c.created_at), MIN(c.response_due), MIN(c.resolution_due),
		COUNT(*) FROM case_facts c WHERE `+strings.Join(where, " AND ")+` GROUP BY `+strings.Join(group, ", "),
		append(classArgs, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []liveGroup
	for rows.Next() {
		var g liveGroup
		var class, created, respDue, resDue int64
		dest := []any{&class}
		if byDay {
			dest = append(dest, &g.day)
		}
		if err := rows.Scan(append(dest, &created, &respDue, &resDue, &g.n)...); err != nil {
			return nil, err
		}
		var member int64
		if class&(1<<liveSettledShift) != 0 {
			member = 1 << figures.COpenSettled
		}
		g.row.facts = factsOfRow(created, respDue, resDue, member, 0, 0, -1, class>>liveFlagsShift)
		out = append(out, g)
	}
	return out, rows.Err()
}

// readLiveRows calls fn for each live case_facts row the query selects
// (readLive's), one by one, with its dims.
func (db *DB) readLiveRows(ctx context.Context, a *figureAsk, fn func(r *liveRow, n int64)) error {
	where, args := a.termsOf()
	where = append(where, "c.flags <> 0")
	from := " FROM case_facts c"
	switch {
	case db.dialect.name() != "sqlite":
	case a.f.Department != "":
		// A department's rows by it (migration 00047), not the city's or
		// a region's.
		from += " INDEXED BY case_facts_live_department"
	case !a.regionWide():
		// A region's rows by its path (migration 00029), not the city's
		// by receipt, which SQLite's planner may prefer.
		from += " INDEXED BY case_facts_live_path"
	}
	rows, err := db.query(ctx, `SELECT c.created_at, c.response_due, c.resolution_due, c.flags, c.member & ?,
		c.category, c.department, c.region_path`+from+` WHERE `+strings.Join(where, " AND "),
		append([]any{int64(1) << figures.COpenSettled}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r liveRow
	for rows.Next() {
		var created, respDue, resDue, flags, settled int64
		if err := rows.Scan(&created, &respDue, &resDue, &flags, &settled, &r.dims.category, &r.dims.department, &r.dims.path); err != nil {
			return err
		}
		r.facts = factsOfRow(created, respDue, resDue, settled, 0, 0, -1, flags)
		fn(&r, 1)
	}
	return rows.Err()
}

// figureShare is what the reads of one dashboard share (Dashboard): the
// moment their figures hold for, and the live rows of their filter
// received before to, the end of the latest period, read once and folded
// by each read.
type figureShare struct {
	now  time.Time
	to   time.Time
	once sync.Once
	live []liveRow
	err  error
}

// sharedLive returns the live rows a's dashboard shares, reading them
// first if no read of the dashboard has.
func (db *DB) sharedLive(ctx context.Context, a *figureAsk) ([]liveRow, error) {
	sh := a.share
	sh.once.Do(func() {
		// Terms for the filter's rows received before to (the period's
		// start plays no part in them), at the China midnight on or after
		// it: a dashboard's latest period may end at any minute (today so
		// far), and only whole days are a rollup's. The rows past to are
		// left out by each fold (foldShared).
		to := dayStart(chinaDay(sh.to))
		if to.Before(sh.to) {
			to = to.AddDate(0, 0, 1)
		}
		wide, err := db.askFigures(ctx, a.actor, a.f, figures.Period{From: to.AddDate(0, 0, -1), To: to})
		if err == nil && !wide.rollup {
			err = anju.Errorf(anju.EINTERNAL, "figures: a shared read of %+v is not a rollup's", a.f)
		}
		if err != nil {
			sh.err = err
			return
		}
		sh.err = db.readLiveRows(ctx, wide, func(r *liveRow, _ int64) { sh.live = append(sh.live, *r) })
	})
	return sh.live, sh.err
}

// foldShared calls fold for each live row a's dashboard shares that was
// received before a's period ends.
func (db *DB) foldShared(ctx context.Context, a *figureAsk, fold func(r *liveRow, n int64)) error {
	rows, err := db.sharedLive(ctx, a)
	if err != nil {
		return err
	}
	for i := range rows {
		if rows[i].facts.CreatedAt.Before(a.p.To) {
			fold(&rows[i], 1)
		}
	}
	return nil
}

// rollupSpan is a run of rollup rows of one grain, days [from, to),
// added (sign 1) or taken off (sign -1).
type rollupSpan struct {
	grain    string
	from, to int64
	sign     int64
}

// spansOf cuts days [d0, d1) into whole months and the days around them,
// or, months false, into days alone. With complements, a month cut by d0
// or d1 may be read as its month row less the days of it outside
// [d0, d1), where that reads fewer rows than its days inside: a row exists
// only for a day up to today, so the days of the month after today cost
// nothing, and a month's part from its first day to today is one row.
func spansOf(d0, d1 int64, months, complements bool, today int64) []rollupSpan {
	if !months {
		return []rollupSpan{{grainDay, d0, d1, 1}}
	}
	rowsOf := func(from, to int64) int64 { return max(0, min(to, today+1)-from) }
	var out []rollupSpan
	add := func(sp rollupSpan) {
		if sp.from >= sp.to {
			return
		}
		// Runs of one grain and sign that touch are read as one.
		for i := range out {
			if out[i].grain == sp.grain && out[i].sign == sp.sign && out[i].to == sp.from {
				out[i].to = sp.to
				return
			}
		}
		out = append(out, sp)
	}
	for m := monthOf(d0); m < d1; m = nextMonth(m) {
		end := nextMonth(m)
		a, b := max(d0, m), min(d1, end)
		switch {
		case a == m && b == end:
			add(rollupSpan{grainMonth, m, end, 1})
		case complements && 1+rowsOf(m, a)+rowsOf(b, end) < rowsOf(a, b):
			add(rollupSpan{grainMonth, m, end, 1})
			add(rollupSpan{grainDay, m, a, -1})
			add(rollupSpan{grainDay, b, end, -1})
		default:
			add(rollupSpan{grainDay, a, b, 1})
		}
	}
	return out
}

// readRollups calls fn for every rollup row of dim with one of keys (per
// city, in a.cities order) over days [d0, d1), and closes for every row of
// the time-to-close histogram; settledOnly: only the rows that count
// settled open cases (COpenSettled), and no histogram.
func (db *DB) readRollups(ctx context.Context, a *figureAsk, dim string, keys [][]string, d0, d1 int64, settledOnly, perDay bool,
	fn func(key string, day int64, c *figures.Counts), closes func(key string, day int64, hours, n int64)) error {
	// The counts asked for alone (each column read costs), the others
	// left 0.
	counts := a.counts
	if settledOnly {
		counts = []int{int(figures.COpenSettled)}
	}
	names := figures.CountNames()
	if counts == nil {
		counts = make([]int, len(names))
		for i := range counts {
			counts[i] = i
		}
	}
	// Summed by the database unless the days matter: a row costs far more
	// to hand over than to add.
	cols, group, closeCols := []string{"day"}, "", "day, hours, cases"
	for _, i := range counts {
		cols = append(cols, names[i])
	}
	if !perDay {
		cols = []string{"0"}
		for _, i := range counts {
			cols = append(cols, "CAST(SUM("+names[i]+") AS BIGINT)")
		}
		group, closeCols = " GROUP BY key", "0, hours, CAST(SUM(cases) AS BIGINT)"
	}
	for ci, city := range a.cities {
		ks := keys[ci]
		if len(ks) == 0 {
			continue
		}
		// The settled rows of many regions under one region's code (a
		// district's grids: a code below a district's extends its
		// parent's) are read as the range of codes under it, few rows
		// through the partial index, and the keys not asked for left out
		// here: a list of hundreds of keys costs a search each, and
		// PostgreSQL's generic plan of one ran twenty times slower.
		var wanted map[string]bool
		if under := a.regions[ci]; settledOnly && dim == dimRegion && len(ks) > 1 &&
			!slices.ContainsFunc(ks, func(k string) bool { return !strings.HasPrefix(k, under) }) {
			wanted = make(map[string]bool, len(ks))
			for _, k := range ks {
				wanted[k] = true
			}
		}
		for start := 0; start < len(ks); start += 500 {
			part := ks[start:min(start+500, len(ks))]
			keyCond, keyArgs := `key IN (`+placeholders(len(part))+`)`, make([]any, len(part))
			for i, k := range part {
				keyArgs[i] = k
			}
			if wanted != nil {
				if start > 0 {
					break // the range held every key
				}
				keyCond, keyArgs = `key >= ? AND key < ?`, []any{a.regions[ci], a.regions[ci] + ":"}
			}
			// Summed, a month may stand for its days less some (they are
			// added alike); by day, each row counts on its own day.
			for _, sp := range spansOf(d0, d1, a.monthsOK, !perDay, a.today) {
				cond := ` WHERE city = ? AND dim = ? AND ` + keyCond + ` AND grain = ? AND day >= ? AND day < ?`
				args := append(append([]any{city, dim}, keyArgs...), sp.grain, sp.from, sp.to)
				if a.f.Kind != "" {
					cond += ` AND kind = ?`
					args = append(args, string(a.f.Kind))
				}
				where, from := cond, " FROM figure_rollups"
				if settledOnly {
					where += ` AND open_settled <> 0`
					if db.dialect.name() == "sqlite" {
						// SQLite takes the primary key, which holds the
						// columns, and reads every row of the history
						// (ten times the partial index's few; migration
						// 00032).
						from += " INDEXED BY figure_rollups_settled_cover"
					}
				}
				rows, err := db.query(ctx, `SELECT key, `+strings.Join(cols, ", ")+from+where+group, args...)
				if err != nil {
					return err
				}
				var c figures.Counts
				dest := make([]any, 2+len(counts))
				var key string
				var day int64
				dest[0], dest[1] = &key, &day
				for j, i := range counts {
					dest[2+j] = &c[i]
				}
				for rows.Next() {
					if err := rows.Scan(dest...); err != nil {
						rows.Close()
						return err
					}
					if wanted != nil && !wanted[key] {
						continue
					}
					if !perDay {
						// Summed over the span: the first day asked for
						// stands for it, and a span taken off counts less.
						day = d0
						for _, i := range counts {
							c[i] *= sp.sign
						}
					}
					fn(key, day, &c)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				if settledOnly || a.noCloses {
					continue
				}
				closeGroup := ""
				if !perDay {
					closeGroup = " GROUP BY key, hours"
				}
				rows, err = db.query(ctx, `SELECT key, `+closeCols+` FROM figure_close_times`+cond+` AND cases <> 0`+closeGroup, args...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var hours, n int64
					if err := rows.Scan(&key, &day, &hours, &n); err != nil {
						rows.Close()
						return err
					}
					if !perDay {
						day, n = d0, n*sp.sign
					}
					closes(key, day, hours, n)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// wholeKeys are the rollup rows of the query's whole filter: its one
// dimension, the region, or the region's pair with the other.
func (db *DB) wholeKeys(ctx context.Context, a *figureAsk) (string, [][]string, error) {
	keys := make([][]string, len(a.cities))
	switch {
	case a.f.Department != "" && a.f.Category != "":
		leaves, err := db.leavesUnder(ctx, a.actor.City, a.f.Category)
		if err != nil {
			return "", nil, err
		}
		for i := range keys {
			keys[i] = pairedWith(a.f.Department, leaves)
		}
		return dimDepartmentCategory, keys, nil
	case a.f.Department != "":
		for i := range keys {
			keys[i] = []string{a.f.Department}
		}
		if !a.regionWide() {
			return dimRegionDepartment, a.paired(keys), nil
		}
		return dimDepartment, keys, nil
	case a.f.Category != "":
		leaves, err := db.leavesUnder(ctx, a.actor.City, a.f.Category)
		if err != nil {
			return "", nil, err
		}
		for i := range keys {
			keys[i] = leaves
		}
		if !a.regionWide() {
			return dimRegionCategory, a.paired(keys), nil
		}
		return dimCategory, keys, nil
	}
	for i, r := range a.regions {
		keys[i] = []string{r}
	}
	return dimRegion, keys, nil
}

// paired makes each city's keys of a category or department the keys of
// their pairs with the city's region of the query.
func (a *figureAsk) paired(keys [][]string) [][]string {
	out := make([][]string, len(keys))
	for i, ks := range keys {
		for _, code := range a.pairRegions {
			out[i] = append(out[i], pairedWith(code, ks)...)
		}
	}
	return out
}

// pairRegionsOf are the regions whose pair rows make up those of region
// code of city (a district or a street: pairRegion): a street's own, a
// district's own and its streets'; and the path of each.
func (db *DB) pairRegionsOf(ctx context.Context, city, code string) ([]string, map[string]string, error) {
	tree, err := db.placesOf(ctx, city)
	if err != nil {
		return nil, nil, err
	}
	r, ok := tree[code]
	if !ok {
		return nil, nil, anju.Errorf(anju.ENOTFOUND, "region %s not found", code)
	}
	out, paths := []string{code}, map[string]string{code: r.path}
	if len(splitPath(r.path)) == 2 {
		for c, sub := range tree {
			if len(splitPath(sub.path)) == 3 && strings.HasPrefix(sub.path, r.path) {
				out, paths[c] = append(out, c), sub.path
			}
		}
		slices.Sort(out[1:])
	}
	return out, paths, nil
}

// pairedWith is the pair keys of first with each of others.
func pairedWith(first string, others []string) []string {
	out := make([]string, len(others))
	for i, o := range others {
		out[i] = pairKey(first, o)
	}
	return out
}

// leavesUnder lists the category leaves at or under code ("" every leaf).
func (db *DB) leavesUnder(ctx context.Context, city, code string) ([]string, error) {
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range tree.Leaves() {
		if strings.HasPrefix(l.Code, code) {
			out = append(out, l.Code)
		}
	}
	return out, nil
}

// tallyByTime adds up the query's figures for each of parts, consecutive
// periods that make up a.p: each part's own cases, and the piles of the
// cases open now received before it ends.
func (db *DB) tallyByTime(ctx context.Context, a *figureAsk, parts []figures.Period, now time.Time) ([]*figures.Tally, error) {
	ts := make([]*figures.Tally, len(parts))
	piles := make([]figures.Tally, len(parts))
	for i := range ts {
		ts[i] = &figures.Tally{}
	}
	partOf := func(t time.Time) int {
		i, ok := slices.BinarySearchFunc(parts, t, func(part figures.Period, t time.Time) int {
			switch {
			case !t.Before(part.To):
				return -1
			case t.Before(part.From):
				return 1
			}
			return 0
		})
		if !ok {
			return -1
		}
		return i
	}
	dayPart := func(day int64) int { return partOf(dayStart(day)) }
	if a.rollup {
		dim, keys, err := db.wholeKeys(ctx, a)
		if err != nil {
			return nil, err
		}
		// The cases received before the period and settled in the piles.
		months := a.monthsOK
		a.monthsOK = true
		err = db.readRollups(ctx, a, dim, keys, 0, chinaDay(a.p.From), true, false,
			func(_ string, _ int64, c *figures.Counts) { piles[0].AddPileSettled(c[figures.COpenSettled]) },
			func(string, int64, int64, int64) {})
		a.monthsOK = months
		if err != nil {
			return nil, err
		}
		err = db.readRollups(ctx, a, dim, keys, chinaDay(a.p.From), chinaDay(a.p.To), false, len(parts) > 1,
			func(_ string, day int64, c *figures.Counts) {
				if i := dayPart(day); i >= 0 {
					ts[i].AddCounts(c, 1)
					piles[i].AddPileSettled(c[figures.COpenSettled])
				}
			}, func(_ string, day, hours, n int64) {
				if i := dayPart(day); i >= 0 {
					ts[i].AddClose(hours, n)
				}
			})
		if err != nil {
			return nil, err
		}
	}
	fold := func(r *liveRow, n int64) {
		i := partOf(r.facts.CreatedAt)
		if i >= 0 {
			if !a.rollup {
				ts[i].AddReceived(&r.facts)
			}
			ts[i].AddPending(&r.facts, now, n)
		}
		piles[max(i, 0)].AddPile(&r.facts, now, n)
	}
	if a.rollup {
		if a.share != nil {
			if err := db.foldShared(ctx, a, fold); err != nil {
				return nil, err
			}
		} else {
			// Parts start at China midnights (the rollups' days): a day
			// of receipts lies in one part.
			groups, err := db.readLive(ctx, a, now, len(parts) > 1)
			if err != nil {
				return nil, err
			}
			for i := range groups {
				fold(&groups[i].row, groups[i].n)
			}
		}
	} else if err := db.readFacts(ctx, a, fold); err != nil {
		return nil, err
	}
	// A case open now is in the piles of every part that ends after its
	// receipt.
	var carried figures.Tally
	for i := range parts {
		carried.Merge(&piles[i])
		for b := range carried.Backlog {
			ts[i].Backlog[b] += carried.Backlog[b]
			ts[i].Overdue[b] += carried.Overdue[b]
		}
	}
	return ts, nil
}

// tallyByGroup adds up the query's figures for each part of a split by
// place, category or department (key tells a case's part), leaving out
// the parts with no case.
func (db *DB) tallyByGroup(ctx context.Context, a *figureAsk, by FigureGroupBy, key func(caseDims) (string, bool), now time.Time) (map[string]*figures.Tally, error) {
	out := map[string]*figures.Tally{}
	part := func(k string) *figures.Tally {
		t := out[k]
		if t == nil {
			t = &figures.Tally{}
			out[k] = t
		}
		return t
	}
	var dim string
	var keys [][]string
	var dimsOf func(k string) caseDims
	rollup := a.rollup
	if rollup {
		var err error
		// Below a city, a district's or a street's splits by category
		// and department are its pairs' rows.
		wide := a.regionWide()
		switch by {
		case ByCategory:
			rollup = wide || a.pairs && a.f.Department == ""
			dim, dimsOf = dimCategory, func(k string) caseDims { return caseDims{category: k} }
			leaves, err := db.leavesUnder(ctx, a.actor.City, a.f.Category)
			if err != nil {
				return nil, err
			}
			keys = make([][]string, len(a.cities))
			for i := range keys {
				keys[i] = leaves
			}
			switch {
			case a.f.Department != "":
				for i := range keys {
					keys[i] = pairedWith(a.f.Department, keys[i])
				}
				dim = dimDepartmentCategory
			case !wide:
				dim, keys = dimRegionCategory, a.paired(keys)
			}
			if dim != dimCategory {
				dimsOf = func(k string) caseDims { return caseDims{category: pairOther(k)} }
			}
		case ByDepartment:
			rollup = a.f.Category == "" && (wide || a.pairs)
			dim, dimsOf = dimDepartment, func(k string) caseDims { return caseDims{department: k} }
			keys, err = db.departmentKeys(ctx, a)
			if !wide {
				dim, keys = dimRegionDepartment, a.paired(keys)
				dimsOf = func(k string) caseDims { return caseDims{department: pairOther(k)} }
			}
		default: // ByRegion, ByGrid
			dim = dimRegion
			var paths map[string]string
			keys, paths, err = db.regionKeys(ctx, a, by, key)
			dimsOf = func(k string) caseDims { return caseDims{path: paths[k]} }
			if err == nil && a.f.Department != "" && a.f.Category != "" {
				rollup = false // three keys: no rollup
			} else if err == nil && (a.f.Department != "" || a.f.Category != "") {
				// Districts and streets with the filter's department or
				// category: their pairs' rows.
				dim, rollup = dimRegionDepartment, true
				others := []string{a.f.Department}
				if a.f.Category != "" {
					dim = dimRegionCategory
					others, err = db.leavesUnder(ctx, a.actor.City, a.f.Category)
				}
				for i := range keys {
					var pairs []string
					for _, code := range keys[i] {
						if rollup = rollup && pairDepth(paths[code]); !rollup {
							break
						}
						codes, more, perr := db.pairRegionsOf(ctx, a.cities[i], code)
						if perr != nil {
							return nil, perr
						}
						maps.Copy(paths, more)
						for _, c := range codes {
							pairs = append(pairs, pairedWith(c, others)...)
						}
					}
					keys[i] = pairs
				}
				dimsOf = func(k string) caseDims {
					code, _, _ := strings.Cut(k, pairSeparator)
					return caseDims{path: paths[code]}
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if rollup {
		a.monthsOK = true
		cache := map[string]string{}
		groupOf := func(k string) (string, bool) {
			g, ok := cache[k]
			if !ok {
				var in bool
				if g, in = key(dimsOf(k)); !in {
					g = "\x00"
				}
				cache[k] = g
			}
			return g, g != "\x00"
		}
		err := db.readRollups(ctx, a, dim, keys, 0, chinaDay(a.p.From), true, false,
			func(k string, _ int64, c *figures.Counts) {
				if g, ok := groupOf(k); ok && c[figures.COpenSettled] != 0 {
					part(g).AddPileSettled(c[figures.COpenSettled])
				}
			}, func(string, int64, int64, int64) {})
		if err != nil {
			return nil, err
		}
		err = db.readRollups(ctx, a, dim, keys, chinaDay(a.p.From), chinaDay(a.p.To), false, false,
			func(k string, _ int64, c *figures.Counts) {
				if g, ok := groupOf(k); ok {
					t := part(g)
					t.AddCounts(c, 1)
					t.AddPileSettled(c[figures.COpenSettled])
				}
			}, func(k string, _ int64, hours, n int64) {
				if g, ok := groupOf(k); ok {
					part(g).AddClose(hours, n)
				}
			})
		if err != nil {
			return nil, err
		}
	}
	fold := func(r *liveRow, n int64) {
		in := a.p.Contains(r.facts.CreatedAt)
		if !in && !r.facts.Open && !r.facts.Has(figures.COpenSettled) {
			return // clocks of a case before the period: nothing of it counts
		}
		g, ok := key(r.dims)
		if !ok {
			return
		}
		t := part(g)
		if in {
			if !rollup {
				t.AddReceived(&r.facts)
			}
			t.AddPending(&r.facts, now, n)
		}
		t.AddPile(&r.facts, now, n)
	}
	var err error
	if rollup {
		// The live rows one by one (grouped by the database over a text
		// column they cost several times more: a sort of every row), and
		// each value's part found once.
		field := func(d caseDims) string { return d.path }
		switch by {
		case ByCategory:
			field = func(d caseDims) string { return d.category }
		case ByDepartment:
			field = func(d caseDims) string { return d.department }
		}
		type found struct {
			part string
			ok   bool
		}
		parts := map[string]found{}
		inner := key
		key = func(d caseDims) (string, bool) {
			v := field(d)
			f, seen := parts[v]
			if !seen {
				f.part, f.ok = inner(d)
				parts[v] = f
			}
			return f.part, f.ok
		}
		if a.share != nil {
			err = db.foldShared(ctx, a, fold)
		} else {
			err = db.readLiveRows(ctx, a, fold)
		}
	} else {
		err = db.readFacts(ctx, a, fold)
	}
	if err != nil {
		return nil, err
	}
	// A part whose cases are all live and received before the period, and
	// none open, has no case of the recount's.
	for k, t := range out {
		if t.Counts[figures.CReceived] == 0 && t.Backlog == [5]int64{} {
			delete(out, k)
		}
	}
	return out, nil
}

// departmentKeys are the rollup keys of a split by department: the
// filter's department, or every department of the city and none ("").
func (db *DB) departmentKeys(ctx context.Context, a *figureAsk) ([][]string, error) {
	keys := make([][]string, len(a.cities))
	for i, city := range a.cities {
		if a.f.Department != "" {
			keys[i] = []string{a.f.Department}
			continue
		}
		places, err := db.departmentPlaces(ctx, db, city)
		if err != nil {
			return nil, err
		}
		keys[i] = append([]string{""}, slices.Sorted(maps.Keys(places))...)
	}
	return keys, nil
}

// regionKeys are the rollup keys of a split by region or grid: the regions
// of the query's region that are parts of the split, and each one's path.
func (db *DB) regionKeys(ctx context.Context, a *figureAsk, by FigureGroupBy, key func(caseDims) (string, bool)) ([][]string, map[string]string, error) {
	keys := make([][]string, len(a.cities))
	paths := map[string]string{}
	for i, city := range a.cities {
		tree, err := db.placesOf(ctx, city)
		if err != nil {
			return nil, nil, err
		}
		// A reader whose reach lies below the split's level sees one part:
		// the region at that level holding the reach.
		if k, ok := key(caseDims{path: a.paths[i]}); ok && by == ByRegion {
			if r, known := tree[k]; known && strings.HasPrefix(a.paths[i], r.path) {
				keys[i] = []string{a.regions[i]}
				paths[a.regions[i]] = a.paths[i]
				continue
			}
		}
		for code, r := range tree {
			if !strings.HasPrefix(r.path, a.paths[i]) || by == ByGrid && r.level != region.LevelGrid {
				continue
			}
			if k, ok := key(caseDims{path: r.path}); ok && k == code {
				keys[i] = append(keys[i], code)
				paths[code] = r.path
			}
		}
		slices.Sort(keys[i])
	}
	return keys, paths, nil
}

// regionPlace is where a region sits and what it is called, without its
// shape: what splits by region need.
type regionPlace struct {
	name, path string
	level      region.Level
}

// placesOf maps a city's region codes to their places, cached as the
// taxonomy is.
func (db *DB) placesOf(ctx context.Context, city string) (map[string]regionPlace, error) {
	return db.regionPlaces.get(city, func() (map[string]regionPlace, error) {
		rows, err := db.query(ctx, `SELECT code, name, path, level FROM regions WHERE city = ?`, city)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string]regionPlace{}
		for rows.Next() {
			var code string
			var p regionPlace
			if err := rows.Scan(&code, &p.name, &p.path, &p.level); err != nil {
				return nil, err
			}
			out[code] = p
		}
		return out, rows.Err()
	})
}
