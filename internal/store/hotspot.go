package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/textai"
)

// HotspotFilter selects the hotspots to read.
type HotspotFilter struct {
	Days int // the period ending now, 1–366 (default 30)
	// Since, when set, is the period's start instead of Days: the period
	// runs from it to now, at most 366 days (a dashboard's period, whose
	// start stays put while the period lasts).
	Since  time.Time
	Region string // a region code inside the actor's scope (default: all of it)
	Top    int    // at most this many hotspots, 1–100 (default 20)
}

// Hotspot is one problem at one place over the period. Reporters are only
// counted, never listed.
type Hotspot struct {
	Name        string    `json:"name"`
	Basis       string    `json:"basis"`           // "place": one problem in one community; "group": one problem of a class of people across communities
	Group       string    `json:"group,omitempty"` // the people affected, for basis "group" when the reports name them
	Place       GridRef   `json:"place"`           // the community (or grid) the reports come from; empty for basis "group"
	Keywords    []string  `json:"keywords"`
	Count       int       `json:"count"`
	Reporters   int       `json:"reporters"` // distinct reporters
	Heat        float64   `json:"heat"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	SampleCases []int64   `json:"sample_cases"`
}

// HotspotList is the answer of Hotspots.
type HotspotList struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// ComputedAt is when the hotspots were found (To, for a period ending
	// now): the scheduler finds them again every HotspotsEvery, so the list
	// may be that much behind the reports.
	ComputedAt time.Time `json:"computed_at"`
	Cases      int       `json:"cases"`     // the city's cases of the period that were looked at
	Truncated  bool      `json:"truncated"` // more cases than maxHotspotCases: the newest were used
	Hotspots   []Hotspot `json:"hotspots"`
}

// maxHotspotCases bounds the text held in memory for one clustering.
const maxHotspotCases = 50000

// maxStoredHotspots bounds the hotspots stored for one run: a viewer gets the
// hottest of those within their reach, so the run keeps many more than a
// page shows (a street's hotspots rank far below the city's).
const maxStoredHotspots = 5000

// HotspotsEvery is how old a period's hotspots may grow before the
// scheduler finds them again.
const HotspotsEvery = 10 * time.Minute

const (
	// hotspotLease is how long a server that claimed a run has to store
	// it before another may claim it: clustering 50,000 texts takes
	// seconds, not minutes.
	hotspotLease = 5 * time.Minute
	// hotspotKeep is how long a period nobody reads is still computed;
	// then it is dropped (each costs the scheduler seconds every
	// HotspotsEvery on a large city). The default period is always kept.
	hotspotKeep = 24 * time.Hour
	// hotspotWait is how long a read waits for another server finding a
	// new period before it gives up for now.
	hotspotWait = 30 * time.Second
	// hotspotReadMark is how stale a run's read_at may be before a read
	// updates it: reads stay reads.
	hotspotReadMark = time.Hour
	// defaultHotspotDays is the API's period, computed for every city
	// before anyone asks.
	defaultHotspotDays = 30
)

// hotspotRun names one stored period of one city: the last days days, or
// since to now (days 0).
type hotspotRun struct {
	city  string
	days  int
	since int64
}

// period is the run's period when computed at now.
func (k hotspotRun) period(now time.Time) (time.Time, time.Time) {
	if k.days == 0 {
		return fromMicros(k.since).UTC(), now.UTC()
	}
	return now.Add(-time.Duration(k.days) * 24 * time.Hour).UTC(), now.UTC()
}

// Hotspots returns the hottest stored hotspots of the actor's city over
// the period whose reports all lie within the actor's reach (and f's
// region): a hotspot is about a place and a problem, and one that spans
// places or departments beyond the viewer's is not theirs to see. The
// hotspots are found city-wide by the scheduler (RefreshHotspots); a period
// asked for the first time is found now, which takes seconds on a large
// city. EINVALID for a bad period or size, ENOTFOUND for a region outside
// the actor's scope.
func (db *DB) Hotspots(ctx context.Context, actor *anju.Actor, f HotspotFilter) (HotspotList, error) {
	if f.Days == 0 {
		f.Days = defaultHotspotDays
	}
	if f.Days < 1 || f.Days > 366 {
		return HotspotList{}, anju.FieldError("days", "days must be between 1 and 366")
	}
	if f.Top == 0 {
		f.Top = 20
	}
	if f.Top < 1 || f.Top > 100 {
		return HotspotList{}, anju.FieldError("top", "top must be between 1 and 100")
	}
	now := db.clock.Now()
	if actor == nil {
		return HotspotList{}, anju.Errorf(anju.EFORBIDDEN, "sign in to see the hotspots")
	}
	if actor.City == "" {
		return HotspotList{}, anju.Errorf(anju.EINVALID, "hotspots are a city's: act as one of its users")
	}
	run := hotspotRun{city: actor.City, days: f.Days}
	if !f.Since.IsZero() {
		if !f.Since.Before(now) || now.Sub(f.Since) > 366*24*time.Hour {
			return HotspotList{}, anju.FieldError("since", "since must lie in the 366 days before now")
		}
		run = hotspotRun{city: actor.City, since: micros(f.Since)}
	}
	path := ""
	if f.Region != "" {
		r, err := db.GetRegion(ctx, actor, f.Region)
		if err != nil {
			return HotspotList{}, err
		}
		path = r.Path
	}
	q, args := hotspotsSQL(actor, run, path, f.Top)
	st, err := db.storedHotspots(ctx, run)
	if err != nil {
		return HotspotList{}, err
	}
	out := HotspotList{ComputedAt: st.computedAt, Cases: st.cases, Truncated: st.truncated, Hotspots: []Hotspot{}}
	out.From, out.To = run.period(st.computedAt)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return HotspotList{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return HotspotList{}, err
		}
		var h Hotspot
		if err := json.Unmarshal([]byte(body), &h); err != nil {
			return HotspotList{}, err
		}
		out.Hotspots = append(out.Hotspots, h)
	}
	return out, rows.Err()
}

// hotspotsSQL reads the top hottest of run's stored hotspots within the
// actor's reach and, when regionPath is set, that region: read in rank
// order along the table's key, each checked against the reach.
func hotspotsSQL(actor *anju.Actor, run hotspotRun, regionPath string, top int) (string, []any) {
	scope, args := []string{}, []any{}
	if !actor.System {
		scope, args = grantScope(actor, "h.region_path", "h.department")
	}
	q := `SELECT h.body FROM hotspots h WHERE h.city = ? AND h.days = ? AND h.since = ?`
	args = append([]any{run.city, run.days, run.since}, args...)
	switch {
	case actor.System:
	case len(scope) == 0:
		q += ` AND 1=0`
	default:
		q += ` AND (` + strings.Join(scope, " OR ") + `)`
	}
	if regionPath != "" {
		q += ` AND h.region_path >= ? AND h.region_path < ?`
		args = append(args, regionPath, subtreeUpper(regionPath))
	}
	return q + ` ORDER BY h.rank LIMIT ?`, append(args, top)
}

// runState is what hotspot_runs says of a computed run.
type runState struct {
	computedAt time.Time
	cases      int
	truncated  bool
}

// storedHotspots returns the state of run, computing it first when it
// never was: claimed by this server, or, when another holds the claim,
// waited for. A read marks the run read (at most hourly), which keeps the
// scheduler computing it.
func (db *DB) storedHotspots(ctx context.Context, run hotspotRun) (runState, error) {
	giveUp := time.Now().Add(hotspotWait)
	for {
		var st runState
		var computed, readAt int64
		var truncated int
		err := db.queryRow(ctx, `SELECT computed_at, read_at, cases, truncated FROM hotspot_runs WHERE city = ? AND days = ? AND since = ?`,
			run.city, run.days, run.since).Scan(&computed, &readAt, &st.cases, &truncated)
		now := db.clock.Now()
		switch {
		case err == sql.ErrNoRows:
			if _, err := db.exec(ctx, `INSERT INTO hotspot_runs (city, days, since, read_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (city, days, since) DO NOTHING`, run.city, run.days, run.since, micros(now)); err != nil {
				return st, err
			}
			continue
		case err != nil:
			return st, err
		case computed > 0:
			if now.Sub(fromMicros(readAt)) > hotspotReadMark {
				if _, err := db.exec(ctx, `UPDATE hotspot_runs SET read_at = ? WHERE city = ? AND days = ? AND since = ?`,
					micros(now), run.city, run.days, run.since); err != nil {
					return st, err
				}
			}
			st.computedAt, st.truncated = fromMicros(computed).UTC(), truncated != 0
			return st, nil
		}
		lease, err := db.claimHotspots(ctx, run, time.Time{})
		if err != nil {
			return st, err
		}
		if lease != 0 {
			if err := db.computeHotspots(ctx, run, lease); err != nil {
				return st, err
			}
			continue
		}
		// Another server is finding them.
		if time.Now().After(giveUp) {
			return st, anju.Errorf(anju.EUNAVAILABLE, "the hotspots of this period are being found; try again shortly")
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// claimHotspots reserves run for this server when it was computed no later
// than due (the zero time: never) and no other server holds it, and returns
// the lease's end (0: not claimed).
func (db *DB) claimHotspots(ctx context.Context, run hotspotRun, due time.Time) (int64, error) {
	now := db.clock.Now()
	lease := micros(now.Add(hotspotLease))
	dueAt := int64(0)
	if !due.IsZero() {
		dueAt = micros(due)
	}
	r, err := db.exec(ctx, `UPDATE hotspot_runs SET lease_until = ? WHERE city = ? AND days = ? AND since = ?
		AND lease_until <= ? AND computed_at <= ?`, lease, run.city, run.days, run.since, micros(now), dueAt)
	if err != nil {
		return 0, err
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return 0, nil
	}
	return lease, nil
}

// computeHotspots finds run's hotspots among all the city's cases of the
// period and replaces those stored, if this server's lease still holds
// (else another server has taken the run over, and its answer stands).
func (db *DB) computeHotspots(ctx context.Context, run hotspotRun, lease int64) error {
	now := db.clock.Now()
	from, to := run.period(now)
	found, err := db.findHotspots(ctx, `c.city = ?`, []any{run.city}, from, to, maxStoredHotspots)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		// The run's row first: on PostgreSQL it locks the run against a
		// server whose lease ran out meanwhile.
		r, err := tx.exec(ctx, `UPDATE hotspot_runs SET computed_at = ?, lease_until = 0, cases = ?, truncated = ?
			WHERE city = ? AND days = ? AND since = ? AND lease_until = ?`,
			micros(now), found.list.Cases, boolInt(found.list.Truncated), run.city, run.days, run.since, lease)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return nil
		}
		if _, err := tx.exec(ctx, `DELETE FROM hotspots WHERE city = ? AND days = ? AND since = ?`, run.city, run.days, run.since); err != nil {
			return err
		}
		for i, h := range found.list.Hotspots {
			body, err := json.Marshal(h)
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO hotspots (city, days, since, rank, region_path, department, body) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				run.city, run.days, run.since, i, found.paths[i], found.departments[i], string(body)); err != nil {
				return err
			}
		}
		return nil
	})
}

// RefreshHotspots is the scheduler's step: it finds again the hotspots of
// every period read in the last hotspotKeep (and of every city's default
// period) computed more than every ago, each claimed by one server, and
// drops the periods nobody reads. It returns how many it computed. Every
// statement names its city, or (on SQLite and plain PostgreSQL) reads
// every city's runs at once (eachCity); a city that fails, its worker
// down on a distributed engine, leaves the others' found, its error a
// *CityError among those returned.
func (db *DB) RefreshHotspots(ctx context.Context, every time.Duration) (int, error) {
	cities, err := db.AllCities(ctx)
	if err != nil {
		return 0, err
	}
	now := db.clock.Now()
	errs := []error{forCities(ctx, cities, func(city string) error {
		var n int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM hotspot_runs WHERE city = ? AND days = ? AND since = 0`, city, defaultHotspotDays).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if _, err := db.exec(ctx, `INSERT INTO hotspot_runs (city, days, since, read_at) VALUES (?, ?, 0, ?)
				ON CONFLICT (city, days, since) DO NOTHING`, city, defaultHotspotDays, micros(now)); err != nil {
				return err
			}
		}
		return nil
	})}
	computed := 0
	errs = append(errs, db.eachCity(ctx, func(city string) error {
		n, err := db.refreshHotspots(ctx, city, now, every)
		computed += n
		return err
	}))
	return computed, errors.Join(errs...)
}

// refreshHotspots drops the forgotten periods of city (every city when "")
// and computes its due ones.
func (db *DB) refreshHotspots(ctx context.Context, city string, now time.Time, every time.Duration) (int, error) {
	cond, cityArgs := inCity("city", city)
	forgotten := micros(now.Add(-hotspotKeep))
	var stale int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM hotspot_runs WHERE read_at < ? AND NOT (days = ? AND since = 0)`+cond,
		append([]any{forgotten, defaultHotspotDays}, cityArgs...)...).Scan(&stale); err != nil {
		return 0, err
	}
	if stale > 0 {
		if err := db.inTx(ctx, func(tx *Tx) error {
			if _, err := tx.exec(ctx, `DELETE FROM hotspots WHERE EXISTS (SELECT 1 FROM hotspot_runs r WHERE r.city = hotspots.city
				AND r.days = hotspots.days AND r.since = hotspots.since AND r.read_at < ? AND NOT (r.days = ? AND r.since = 0))`+cond,
				append([]any{forgotten, defaultHotspotDays}, cityArgs...)...); err != nil {
				return err
			}
			_, err := tx.exec(ctx, `DELETE FROM hotspot_runs WHERE read_at < ? AND NOT (days = ? AND since = 0)`+cond,
				append([]any{forgotten, defaultHotspotDays}, cityArgs...)...)
			return err
		}); err != nil {
			return 0, err
		}
	}
	due := now.Add(-every)
	rows, err := db.query(ctx, `SELECT city, days, since FROM hotspot_runs WHERE computed_at <= ? AND lease_until <= ?`+cond+`
		ORDER BY computed_at, city, days, since`, append([]any{micros(due), micros(now)}, cityArgs...)...)
	if err != nil {
		return 0, err
	}
	var runs []hotspotRun
	for rows.Next() {
		var r hotspotRun
		if err := rows.Scan(&r.city, &r.days, &r.since); err != nil {
			rows.Close()
			return 0, err
		}
		runs = append(runs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	computed := 0
	var errs []error
	for _, r := range runs {
		if ctx.Err() != nil {
			return computed, ctx.Err()
		}
		lease, err := db.claimHotspots(ctx, r, due)
		if err == nil && lease == 0 {
			continue // another server has it
		}
		if err == nil {
			err = db.computeHotspots(ctx, r, lease)
		}
		if err != nil {
			// One city's failure leaves the other cities' runs to do
			// (on SQLite and PostgreSQL, where city is "").
			if city == "" {
				err = &CityError{City: r.city, Err: err}
			}
			errs = append(errs, err)
			continue
		}
		computed++
	}
	return computed, errors.Join(errs...)
}

// foundHotspots are hotspots as found, each with the deepest region
// holding all its reports and the one department they share (empty if not).
type foundHotspots struct {
	list        HotspotList
	paths       []string
	departments []string
}

// findHotspots groups the cases of scope (a condition on cases c) created
// in [from, to] into problems at places (textai.Hotspots, each report
// placed at its community) and returns the top hottest. Reporters enter
// only as an opaque key — the keyed phone fingerprint or the resident's
// user id — to be counted.
func (db *DB) findHotspots(ctx context.Context, scope string, args []any, from, to time.Time, top int) (foundHotspots, error) {
	out := foundHotspots{list: HotspotList{From: from, To: to, ComputedAt: to, Hotspots: []Hotspot{}}}
	q := `SELECT ` + reportCols + ` FROM cases c LEFT JOIN reporters r ON r.id = c.reporter_id AND r.city = c.city
		WHERE ` + scope + ` AND c.created_at >= ? AND c.created_at <= ? ORDER BY c.created_at DESC LIMIT ?`
	rows, err := db.query(ctx, q, append(slices.Clone(args), micros(from), micros(to), maxHotspotCases+1)...)
	if err != nil {
		return out, err
	}
	reports, where, err := scanCaseReports(rows)
	if err != nil {
		return out, err
	}
	at := map[int64]reportWhere{}
	for i := range reports {
		reports[i].Place = placeOfPath(where[i].path)
		at[reports[i].ID] = where[i]
	}
	if len(reports) > maxHotspotCases {
		reports, out.list.Truncated = reports[:maxHotspotCases], true
	}
	out.list.Cases = len(reports)
	// Oldest first: textai clusters in time order and is deterministic for a
	// given input order.
	for i, j := 0, len(reports)-1; i < j; i, j = i+1, j-1 {
		reports[i], reports[j] = reports[j], reports[i]
	}
	users := map[int64]string{}
	for _, r := range reports {
		users[r.ID] = r.User
	}
	names := map[string]string{}
	for _, h := range textai.Hotspots(reports, textai.HotspotOptions{Top: top, Now: to, Workers: 2}) {
		place := GridRef{Code: h.PlaceKey}
		if n, ok := names[h.PlaceKey]; ok {
			place.Name = n
		} else if h.PlaceKey != "" { // "" for basis "group": no community to name
			if rr, err := db.regionNoGeometry(ctx, h.PlaceKey); err == nil {
				place.Name, names[h.PlaceKey] = rr.Name, rr.Name
			}
		}
		name := place.Name
		if h.Basis == textai.BasisGroup {
			name = h.Group
		}
		if len(h.Keywords) > 0 {
			name += " — " + joinKeywords(h.Keywords, 3)
		}
		out.list.Hotspots = append(out.list.Hotspots, Hotspot{Name: name, Basis: h.Basis, Group: h.Group, Place: place, Keywords: h.Keywords, Count: len(h.Reports),
			Reporters: distinctReporters(h.Reports, users), Heat: round3(h.Heat), From: h.From.UTC(), To: h.To.UTC(),
			SampleCases: h.Reports[:min(5, len(h.Reports))]})
		path, dept := at[h.Reports[0]].path, at[h.Reports[0]].department
		for _, id := range h.Reports[1:] {
			path = commonPath(path, at[id].path)
			if at[id].department != dept {
				dept = ""
			}
		}
		out.paths, out.departments = append(out.paths, path), append(out.departments, dept)
	}
	return out, nil
}

// commonPath is the deepest region path both a and b lie in.
func commonPath(a, b string) string {
	n := 0
	for i := 0; i < min(len(a), len(b)) && a[i] == b[i]; i++ {
		if a[i] == '/' {
			n = i + 1
		}
	}
	return a[:n]
}

// reportCols are the columns scanCaseReports reads, from cases c and
// reporters r.
const reportCols = `c.id, c.title, c.body, c.region_path, COALESCE(c.department, ''), c.created_at, r.fingerprint, c.reporter_user_id`

// reportWhere is where a report is placed and who holds it.
type reportWhere struct {
	path, department string
}

// scanCaseReports reads cases as text analysis sees them, each with an
// opaque reporter key (see reporterKey), its region path and department,
// and closes rows.
func scanCaseReports(rows *sql.Rows) ([]textai.HotspotReport, []reportWhere, error) {
	defer rows.Close()
	var reports []textai.HotspotReport
	var where []reportWhere
	for rows.Next() {
		var r textai.HotspotReport
		var w reportWhere
		var created int64
		var fp sql.NullString
		var uid sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Title, &r.Text, &w.path, &w.department, &created, &fp, &uid); err != nil {
			return nil, nil, err
		}
		r.At, r.User = fromMicros(created), reporterKey(fp, uid)
		reports, where = append(reports, r), append(where, w)
	}
	return reports, where, rows.Err()
}

// placeOfPath is the community of a grid's path, or the deepest region when
// the path stops above community level.
func placeOfPath(path string) string {
	codes := splitPath(path)
	if len(codes) >= 4 {
		return codes[3]
	}
	if len(codes) == 0 {
		return ""
	}
	return codes[len(codes)-1]
}

// reporterKey is an opaque key for counting distinct reporters: the keyed
// hash of the phone, else the resident's user id; "" when neither is known.
func reporterKey(fp sql.NullString, uid sql.NullInt64) string {
	switch {
	case fp.Valid && fp.String != "":
		return "f:" + fp.String
	case uid.Valid:
		return "u:" + strconv.FormatInt(uid.Int64, 10)
	}
	return ""
}

// distinctReporters counts the known reporters of ids; a report with no
// known reporter (anonymous, no phone) counts as one of its own, as in
// textai.
func distinctReporters(ids []int64, users map[int64]string) int {
	seen := map[string]bool{}
	n := 0
	for _, id := range ids {
		u := users[id]
		if u == "" {
			n++
			continue
		}
		if !seen[u] {
			seen[u] = true
			n++
		}
	}
	return n
}

func joinKeywords(ks []string, n int) string {
	s := ""
	for i, k := range ks[:min(n, len(ks))] {
		if i > 0 {
			s += "、"
		}
		s += k
	}
	return s
}
