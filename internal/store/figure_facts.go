package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/httpx"
)

// Figure facts and rollups (migration 00017).
//
// Every case write keeps, in its own transaction, the case's row of
// case_facts (its contribution, figures.FactsOf, settled at the write) and
// the rollups: the old contribution comes off every rollup row the case
// counted in, the new one goes on. The transaction gathers these changes and
// writes them, summed by row, when it commits (flushFigures): an intake
// group or a day of the demo touches the same rollup rows many times.

// Dimensions of figure_rollups: every region a case lies in (its city
// included: the whole city is its root region), the department holding it
// ("" none) and its category leaf; and pairs: the department with the
// category leaf, and the street a case lies in (its district when it lies
// in no street: pairRegion) with the category leaf and with the
// department (keys pairKey(department or region, leaf or department)). A
// district's pairs are its own rows and its streets'. The pairs answer a
// district's, a street's or a department's splits and filters by the
// other from rollup rows, which would otherwise read every case of the
// reach in the period (a district's dashboard at 10,000,000 cases took
// 33 s). The regions below a street hold few cases each, and the rows of
// a pair at every grid would cost about a row per case; rows of the
// districts too would cost every case write two more rows a grain.
const (
	dimRegion             = "region"
	dimDepartment         = "department"
	dimCategory           = "category"
	dimDepartmentCategory = "department.category"
	dimRegionCategory     = "region.category"
	dimRegionDepartment   = "region.department"
	pairSeparator         = "|"
)

// pairKey is the key of a pair dimension's row: region code, then the
// category leaf or department.
func pairKey(region, other string) string { return region + pairSeparator + other }

// pairOther is the category leaf or department of a pair key.
func pairOther(key string) string {
	_, other, _ := strings.Cut(key, pairSeparator)
	return other
}

// pairRegion is the region whose pair rows a case at codes (its path,
// split) counts in: its street, or its district when it lies in no
// street; "" for the city itself.
func pairRegion(codes []string) string {
	switch {
	case len(codes) > 2:
		return codes[2]
	case len(codes) == 2:
		return codes[1]
	}
	return ""
}

// pairDepth reports whether a region at path is answered by pair rows: a
// district or a street (its depth below the city, 1 or 2).
func pairDepth(path string) bool {
	d := len(splitPath(path)) - 1
	return d == 1 || d == 2
}

// Grains of figure_rollups: a row sums a day, or a calendar month, of
// receipts (China Standard Time).
const (
	grainDay   = "d"
	grainMonth = "m"
)

// Flags of case_facts: what of the contribution still changes with time.
const (
	flagOpen              = 1
	flagPendingResponse   = 2
	flagPendingResolution = 4
)

// chinaDay numbers the China Standard Time day of t from 1970-01-01.
func chinaDay(t time.Time) int64 {
	y, m, d := t.In(httpx.ChinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// dayStart is the first instant of day number d.
func dayStart(d int64) time.Time {
	y, m, dd := time.Unix(d*86400, 0).UTC().Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, httpx.ChinaTime)
}

// monthOf is the day number of the first day of d's month.
func monthOf(d int64) int64 {
	y, m, _ := time.Unix(d*86400, 0).UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// nextMonth is the day number of the first day of the month after d's.
func nextMonth(d int64) int64 {
	y, m, _ := time.Unix(d*86400, 0).UTC().Date()
	return time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// factRow is a case's row of case_facts: where it counts, the facts the
// definitions need that events alone hold, and its contribution.
type factRow struct {
	caseID                                 int64
	city, kind, category, department, path string
	createdAt                              time.Time
	respondedAt, resolvedAt                time.Time // zero: not yet
	responseDue, resolutionDue             time.Time // the first response deadline; the resolution deadline in force
	facts                                  figures.Facts
}

const factColumns = `case_id, city, day, created_at, kind, category, department, region_path, responded_at, response_due,
	resolution_due, resolved_at, member, yellow, red, close_hours, flags`

func microsOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

func timeOrZero(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return fromMicros(us)
}

func (r *factRow) flags() int64 {
	var f int64
	if r.facts.Open {
		f |= flagOpen
	}
	if r.facts.PendingResponse {
		f |= flagPendingResponse
	}
	if r.facts.PendingResolution {
		f |= flagPendingResolution
	}
	return f
}

func (r *factRow) args() []any {
	return []any{r.caseID, r.city, chinaDay(r.createdAt), micros(r.createdAt), r.kind, r.category, r.department, r.path,
		microsOrZero(r.respondedAt), micros(r.responseDue), micros(r.resolutionDue), microsOrZero(r.resolvedAt),
		int64(r.facts.Member), int64(r.facts.Cards[0]), int64(r.facts.Cards[1]), r.facts.CloseHours, r.flags()}
}

// factsOfRow rebuilds the stored contribution from its columns.
func factsOfRow(created, respDue, resDue, member, yellow, red, closeHours, flags int64) figures.Facts {
	return figures.Facts{CreatedAt: fromMicros(created), Member: uint32(member), Cards: [2]int{int(yellow), int(red)},
		CloseHours: closeHours, PendingResponse: flags&flagPendingResponse != 0, ResponseDue: fromMicros(respDue),
		PendingResolution: flags&flagPendingResolution != 0, ResolutionDue: fromMicros(resDue), Open: flags&flagOpen != 0}
}

// newFactRow computes the row of case c (the figures' view of it) at now.
func newFactRow(c figures.Case, city, category, department, path string, now time.Time) *factRow {
	// As stored, to the microsecond: the recount reads them so.
	for _, t := range []*time.Time{&c.CreatedAt, &c.ResponseDue, &c.ResolutionDue, &c.RespondedAt, &c.ResolvedAt, &c.ClosedAt} {
		if !t.IsZero() {
			*t = fromMicros(micros(*t))
		}
	}
	f := figures.FactsOf(c)
	f.Settle(now)
	return &factRow{caseID: c.ID, city: city, kind: string(c.Kind), category: category, department: department, path: path,
		createdAt: c.CreatedAt, respondedAt: c.RespondedAt, resolvedAt: c.ResolvedAt,
		responseDue: c.ResponseDue, resolutionDue: c.ResolutionDue, facts: f}
}

// rollupKey is a row of figure_rollups.
type rollupKey struct {
	city, dim, key, grain string
	day                   int64
	kind                  string
}

type closeKey struct {
	rollupKey
	hours int64
}

// eachRollup calls f for every rollup row r counts in.
func (r *factRow) eachRollup(f func(rollupKey)) {
	r.eachGrain(func(k rollupKey) {
		for _, code := range splitPath(r.path) {
			k.dim, k.key = dimRegion, code
			f(k)
		}
		k.dim, k.key = dimDepartment, r.department
		f(k)
		k.dim, k.key = dimCategory, r.category
		f(k)
		r.eachPair(k, f)
	})
}

// eachPairRollup calls f for every pair dimension's row r counts in.
func (r *factRow) eachPairRollup(f func(rollupKey)) {
	r.eachGrain(func(k rollupKey) { r.eachPair(k, f) })
}

// eachGrain calls f with the key of r's city, kind, and day and month of
// receipt, its dimension left to fill.
func (r *factRow) eachGrain(f func(rollupKey)) {
	day := chinaDay(r.createdAt)
	f(rollupKey{city: r.city, grain: grainDay, day: day, kind: r.kind})
	f(rollupKey{city: r.city, grain: grainMonth, day: monthOf(day), kind: r.kind})
}

// eachPair calls f for every pair dimension's row r counts in, of k's
// grain and day.
func (r *factRow) eachPair(k rollupKey, f func(rollupKey)) {
	k.dim, k.key = dimDepartmentCategory, pairKey(r.department, r.category)
	f(k)
	if code := pairRegion(splitPath(r.path)); code != "" {
		k.dim, k.key = dimRegionCategory, pairKey(code, r.category)
		f(k)
		k.dim, k.key = dimRegionDepartment, pairKey(code, r.department)
		f(k)
	}
}

// figureBuffer is what a transaction changed in case_facts and the
// rollups, not yet written.
type figureBuffer struct {
	rows   map[int64]*factRow // every row read or written in the transaction
	dirty  map[int64]bool     // the rows to write
	sums   map[rollupKey]*figures.Counts
	closes map[closeKey]int64
}

// addRollups adds r's contribution to the pending rollup changes, times sign.
func (b *figureBuffer) addRollups(r *factRow, sign int64) {
	b.addRows(r, sign, r.eachRollup)
}

// addRows adds r's contribution, times sign, to the rows each calls back.
func (b *figureBuffer) addRows(r *factRow, sign int64, each func(func(rollupKey))) {
	if b.sums == nil {
		b.sums = map[rollupKey]*figures.Counts{}
		b.closes = map[closeKey]int64{}
	}
	counts := r.facts.Counts()
	each(func(k rollupKey) {
		s := b.sums[k]
		if s == nil {
			s = &figures.Counts{}
			b.sums[k] = s
		}
		s.Add(&counts, sign)
		if r.facts.CloseHours >= 0 {
			b.closes[closeKey{k, r.facts.CloseHours}] += sign
		}
	})
}

// putFacts replaces case next.caseID's row (old, nil for a new case) by
// next, in the transaction.
func (t *Tx) putFacts(old, next *factRow) {
	b := &t.figs
	if b.rows == nil {
		b.rows = map[int64]*factRow{}
	}
	if old != nil && *old == *next {
		return
	}
	if old != nil {
		b.addRollups(old, -1)
	}
	b.addRollups(next, 1)
	if b.dirty == nil {
		b.dirty = map[int64]bool{}
	}
	b.dirty[next.caseID] = true
	b.rows[next.caseID] = next
}

// loadFacts returns the row of case id, of city, as the transaction sees
// it (the city named, a distributed engine asks the city's worker); nil when the
// case has none (it predates the facts, and no rebuild has counted it).
func (t *Tx) loadFacts(ctx context.Context, id int64, city string) (*factRow, error) {
	if r, ok := t.figs.rows[id]; ok {
		cp := *r
		return &cp, nil
	}
	var sc factScan
	err := t.queryRowAfterQueued(ctx, `SELECT `+factReadColumns+` FROM case_facts WHERE case_id = ? AND city = ?`, []any{id, city},
		sc.dest()...)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r := sc.row(id)
	if t.figs.rows == nil {
		t.figs.rows = map[int64]*factRow{}
	}
	stored := *r
	t.figs.rows[id] = &stored
	return r, nil
}

// factReadColumns are the columns of case_facts a factScan reads.
const factReadColumns = `city, created_at, kind, category, department, region_path, responded_at, response_due,
	resolution_due, resolved_at, member, yellow, red, close_hours, flags`

// factScan receives factReadColumns and makes the row of them.
type factScan struct {
	r                                                                               factRow
	created, respAt, respDue, resDue, resAt, member, yellow, red, closeHours, flags int64
}

func (s *factScan) dest() []any {
	return []any{&s.r.city, &s.created, &s.r.kind, &s.r.category, &s.r.department, &s.r.path, &s.respAt, &s.respDue,
		&s.resDue, &s.resAt, &s.member, &s.yellow, &s.red, &s.closeHours, &s.flags}
}

// row is case id's row as scanned.
func (s *factScan) row(id int64) *factRow {
	r := s.r
	r.caseID = id
	r.createdAt, r.respondedAt, r.resolvedAt = fromMicros(s.created), timeOrZero(s.respAt), timeOrZero(s.resAt)
	r.responseDue, r.resolutionDue = fromMicros(s.respDue), fromMicros(s.resDue)
	r.facts = factsOfRow(s.created, s.respDue, s.resDue, s.member, s.yellow, s.red, s.closeHours, s.flags)
	return &r
}

// insertCaseFacts counts a case just filed.
func (t *Tx) insertCaseFacts(c *Case, now time.Time, firstPetition bool) {
	fc := figures.Case{Case: c.Case, CreatedAt: c.CreatedAt, ResponseDue: c.Deadlines.Response, ResolutionDue: c.Deadlines.Resolution,
		FirstPetition: firstPetition}
	t.putFacts(nil, newFactRow(fc, c.City, c.Category, c.Department, c.regionPath, now))
}

// actFacts recounts case next after action (from c): the workflow and the
// deadlines from the case, the rest from its row, with what this action
// adds to it.
func (t *Tx) actFacts(ctx context.Context, c, next *Case, action cases.Action, in ActionInput, now time.Time) error {
	old, err := t.loadFacts(ctx, next.ID, next.City)
	if err != nil {
		return err
	}
	if old == nil {
		return anju.Errorf(anju.EINTERNAL, "case %d has no figure facts; run anju rollups rebuild --city %s", next.ID, next.City)
	}
	fc := figures.Case{Case: next.Case, CreatedAt: old.createdAt, ResponseDue: old.responseDue,
		ResolutionDue: next.Deadlines.Resolution, RespondedAt: old.respondedAt, ResolvedAt: old.resolvedAt,
		FirstPetition: old.facts.Has(figures.CFirstPetition)}
	fc.ID = next.ID
	if fc.FirstPetition {
		if err := t.queryRow(ctx, `SELECT `+repeatedPetition("?", "?"), next.ID, next.City).Scan(&fc.Repeated); err != nil {
			return err
		}
	}
	cards := old.facts.Cards
	switch action {
	case cases.ActionAccept, cases.ActionDispatch:
		if fc.RespondedAt.IsZero() {
			fc.RespondedAt = now.UTC()
		}
	case cases.ActionResolve:
		fc.ResolvedAt = now.UTC()
	case cases.ActionSupervise:
		if i := slices.Index(cases.Cards, in.Card); i >= 0 {
			cards[i]++
		}
	}
	if next.ClosedAt != nil {
		fc.ClosedAt = *next.ClosedAt
	}
	if next.Department != "" {
		places, err := t.db.departmentPlaces(ctx, t, next.City)
		if err != nil {
			return err
		}
		fc.ClosedLevel = places[next.Department].level
	}
	for i, card := range cases.Cards {
		for range cards[i] {
			fc.Cards = append(fc.Cards, card)
		}
	}
	t.putFacts(old, newFactRow(fc, old.city, old.category, next.Department, old.path, now))
	return nil
}

// settleFacts settles the facts of case id, of city, at now
// (Facts.Settle); false when nothing changed.
func (t *Tx) settleFacts(ctx context.Context, id int64, city string, now time.Time) (bool, error) {
	old, err := t.loadFacts(ctx, id, city)
	if err != nil || old == nil {
		return false, err
	}
	next := *old
	next.facts.Settle(now)
	if next.facts == old.facts {
		return false, nil
	}
	t.putFacts(old, &next)
	return true, nil
}

// flushFigures writes the gathered rows of case_facts and changes of the
// rollups, in key order (so that concurrent PostgreSQL transactions lock
// rollup rows in one order), summed.
func (t *Tx) flushFigures(ctx context.Context) error {
	b := t.figs
	t.figs = figureBuffer{rows: b.rows}
	if len(b.dirty) > 0 {
		var rows [][]any
		for _, id := range slices.Sorted(maps.Keys(b.dirty)) {
			rows = append(rows, b.rows[id].args())
		}
		set := []string{}
		for _, c := range strings.Split(factColumns, ",") {
			c = strings.TrimSpace(c)
			if c != "case_id" {
				set = append(set, c+" = excluded."+c)
			}
		}
		if err := t.upsert(ctx, "case_facts", factColumns, t.db.dialect.cityKey("case_id"), strings.Join(set, ", "), rows); err != nil {
			return err
		}
	}
	if len(b.sums) > 0 {
		keys := slices.SortedFunc(maps.Keys(b.sums), compareRollupKeys)
		names := figures.CountNames()
		set := make([]string, len(names))
		for i, n := range names {
			set[i] = n + " = figure_rollups." + n + " + excluded." + n
		}
		var rows [][]any
		for _, k := range keys {
			s := b.sums[k]
			if *s == (figures.Counts{}) {
				continue
			}
			row := []any{k.city, k.dim, k.key, k.grain, k.day, k.kind}
			for _, n := range s {
				row = append(row, n)
			}
			rows = append(rows, row)
		}
		if err := t.upsert(ctx, "figure_rollups", "city, dim, key, grain, day, kind, "+strings.Join(names, ", "),
			"city, dim, key, grain, day, kind", strings.Join(set, ", "), rows); err != nil {
			return err
		}
	}
	if len(b.closes) > 0 {
		keys := slices.SortedFunc(maps.Keys(b.closes), func(a, b closeKey) int {
			return cmp.Or(compareRollupKeys(a.rollupKey, b.rollupKey), cmp.Compare(a.hours, b.hours))
		})
		var rows [][]any
		for _, k := range keys {
			if n := b.closes[k]; n != 0 {
				rows = append(rows, []any{k.city, k.dim, k.key, k.grain, k.day, k.kind, k.hours, n})
			}
		}
		if err := t.upsert(ctx, "figure_close_times", "city, dim, key, grain, day, kind, hours, cases",
			"city, dim, key, grain, day, kind, hours", "cases = figure_close_times.cases + excluded.cases", rows); err != nil {
			return err
		}
	}
	return nil
}

func compareRollupKeys(a, b rollupKey) int {
	return cmp.Or(cmp.Compare(a.city, b.city), cmp.Compare(a.dim, b.dim), cmp.Compare(a.key, b.key),
		cmp.Compare(a.grain, b.grain), cmp.Compare(a.day, b.day), cmp.Compare(a.kind, b.kind))
}

// upsert inserts rows into table, or updates the row of the same conflict
// key by set, in multi-row statements of statementChunks' sizes: a
// transaction's count of changed rows differs every time, and a statement
// of each count was a new text to prepare (on SQLite, a tenth of the demo's
// fill was preparing them), where a handful of shapes stay prepared.
func (t *Tx) upsert(ctx context.Context, table, cols, conflict, set string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	ncol := len(rows[0])
	one := "(" + placeholders(ncol) + ")"
	tail := " ON CONFLICT (" + conflict + ") DO UPDATE SET " + set
	for start, n := range statementChunks(len(rows)) {
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + one + strings.Repeat(","+one, n-1) + tail
		args := make([]any, 0, n*ncol)
		for _, r := range rows[start : start+n] {
			args = append(args, r...)
		}
		if err := t.send(ctx, q, args...); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}
	return nil
}

// holdFactWrites makes case writes wait, on PostgreSQL, to write their
// facts (which they do before the rollups) until the transaction, which
// recounts rollups from case_facts, commits. One that read its case's row
// before then changes it by the same delta as it would have: recounted,
// the row is what it was. (A lock that also stopped reads would stop the
// statements the transaction prepares on other connections.) SQLite's
// single writer needs none.
func (t *Tx) holdFactWrites(ctx context.Context) error {
	if t.db.dialect.name() != "postgres" {
		return nil
	}
	if _, err := t.exec(ctx, `LOCK TABLE case_facts IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return err
	}
	t.unprepared = true
	return nil
}

// RebuildFigures recomputes a city's case_facts and rollups from its cases
// and events, by the recount's reading of them (RecountFigures), in one
// transaction: the answers switch from the old rollups to the new at its
// commit, and case writes wait for it. It returns the cases counted.
func (db *DB) RebuildFigures(ctx context.Context, city string) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx *Tx) error {
		n = 0
		if err := tx.holdFactWrites(ctx); err != nil {
			return err
		}
		for _, table := range []string{"case_facts", "figure_rollups", "figure_close_times"} {
			if _, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE city = ?`, city); err != nil {
				return err
			}
		}
		now := db.clock.Now()
		const batch = 20_000
		for last := int64(0); ; {
			cs, dims, reopened, err := db.figureFacts(ctx, tx, " FROM cases c",
				"c.city = ? AND c.id > ? ORDER BY c.id LIMIT "+fmt.Sprint(batch), []any{city, last})
			if err != nil {
				return err
			}
			if len(cs) == 0 {
				if err := tx.flushFigures(ctx); err != nil {
					return err
				}
				return tx.pairsCounted(ctx, city)
			}
			hi := cs[len(cs)-1].ID
			if err := db.figureEvents(ctx, tx, " FROM cases c", "c.city = ? AND c.id > ? AND c.id <= ?",
				[]any{city, last, hi}, cs, reopened); err != nil {
				return err
			}
			for i := range cs {
				tx.putFacts(nil, newFactRow(cs[i], city, dims[i].category, dims[i].department, dims[i].path, now))
			}
			last, n = hi, n+len(cs)
			if err := tx.flushFigures(ctx); err != nil {
				return err
			}
			tx.figs = figureBuffer{}
		}
	})
	return n, err
}

// pairsCounted records that city's pair rows are counted: the cities of a
// database from before them are listed in figure_pairs_uncounted
// (migration 00047) until they are.
func (t *Tx) pairsCounted(ctx context.Context, city string) error {
	_, err := t.exec(ctx, `DELETE FROM figure_pairs_uncounted WHERE city = ?`, city)
	return err
}

// pairsUncounted reports whether figure_pairs_uncounted lists city.
func pairsUncounted(ctx context.Context, q querier, city string) (bool, error) {
	var listed bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM figure_pairs_uncounted WHERE city = ?)`, city).Scan(&listed)
	return listed, err
}

// countPairRollups counts a city's rows of the pair dimensions
// (dimDepartmentCategory, dimRegionCategory, dimRegionDepartment) from its
// case_facts, in one transaction, as RebuildFigures does every row, while
// figure_pairs_uncounted lists the city: a database from before the pairs
// (migration 00047) has none. It returns the cases counted, and false
// when the city was not listed (another server counted it first).
func (db *DB) countPairRollups(ctx context.Context, city string) (int, bool, error) {
	n, listed := 0, false
	err := db.inTx(ctx, func(tx *Tx) error {
		n = 0
		// Another server's count waits here too, and then finds the city
		// counted.
		if err := tx.holdFactWrites(ctx); err != nil {
			return err
		}
		var err error
		if listed, err = pairsUncounted(ctx, tx, city); err != nil || !listed {
			return err
		}
		for _, table := range []string{"figure_rollups", "figure_close_times"} {
			if _, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE city = ? AND dim IN (?, ?, ?)`,
				city, dimDepartmentCategory, dimRegionCategory, dimRegionDepartment); err != nil {
				return err
			}
		}
		const batch = 20_000
		for last := int64(0); ; {
			rows, err := tx.query(ctx, `SELECT case_id, `+factReadColumns+` FROM case_facts
				WHERE city = ? AND case_id > ? ORDER BY case_id LIMIT `+fmt.Sprint(batch), city, last)
			if err != nil {
				return err
			}
			var sc factScan
			var id int64
			dest := append([]any{&id}, sc.dest()...)
			read := 0
			for rows.Next() {
				if err := rows.Scan(dest...); err != nil {
					rows.Close()
					return err
				}
				r := sc.row(id)
				tx.figs.addRows(r, 1, r.eachPairRollup)
				last, read = id, read+1
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if err := tx.flushFigures(ctx); err != nil {
				return err
			}
			n += read
			if read < batch {
				return tx.pairsCounted(ctx, city)
			}
		}
	})
	return n, listed, err
}

// rebuildMissingFigures rebuilds the figures of every city that has cases
// but no facts: a database migrated from before the rollups.
func (db *DB) rebuildMissingFigures(ctx context.Context, logf func(format string, args ...any)) error {
	// City by city: on a distributed engine each question is then answered
	// by the one worker holding the city's rows.
	cities, err := column[string](db.query(ctx, `SELECT DISTINCT city FROM regions`))
	if err != nil {
		return err
	}
	for _, city := range cities {
		var missing bool
		if err := db.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE city = ?)
			AND NOT EXISTS (SELECT 1 FROM case_facts WHERE city = ?)`, city, city).Scan(&missing); err != nil {
			return err
		}
		if missing {
			start := time.Now()
			n, err := db.RebuildFigures(ctx, city)
			if err != nil {
				return fmt.Errorf("rebuilding the figures of %s: %w", city, err)
			}
			logf("figures: counted %d cases of %s into the rollups in %s", n, city, time.Since(start).Round(time.Millisecond))
			continue
		}
		if err := db.countMissingPairs(ctx, city, logf); err != nil {
			return err
		}
	}
	return nil
}

// countMissingPairs counts city's pair rows when its rollups predate them
// (countPairRollups).
func (db *DB) countMissingPairs(ctx context.Context, city string, logf func(format string, args ...any)) error {
	// Checked first, so that a start finding nothing to count takes no
	// lock; and again under the count's.
	if uncounted, err := pairsUncounted(ctx, db, city); err != nil || !uncounted {
		return err
	}
	start := time.Now()
	n, counted, err := db.countPairRollups(ctx, city)
	if err != nil {
		return fmt.Errorf("counting the figures of %s by region and category or department: %w", city, err)
	}
	if counted && n > 0 {
		logf("figures: counted %d cases of %s by region and category or department in %s", n, city, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
