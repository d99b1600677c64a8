package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/textai"
	"anju/internal/warning"
)

// Early warnings (预警), on issues, places and departments only (DESIGN.md,
// principle 2). The rules — when a surge, a cluster, a reopened case, an
// overdue pile or a large dispute is worth raising, its window and its
// title, who may acknowledge it, when a detection is due — are package
// warning's; the store counts cases, gathers the candidates for those
// rules and stores, notifies and audits what they keep. Reporters enter
// the cluster check only as opaque keys to be counted, as in hotspots.
//
// Idempotency: a warning is one row, unique on (city, kind, subject, window),
// and a second unique index on (city, kind, subject) over unacknowledged rows
// keeps a subject from being raised again while its warning is open. Rows are
// inserted with ON CONFLICT DO NOTHING, and the outbox rows and the audit
// entry are written only when the insert took, in its transaction: with any
// number of processes each warning is raised, notified and audited once.

// WarningKind names what a warning is about: the store's rows and filters
// carry warning.Kind under the name they have always had here.
type WarningKind = warning.Kind

const (
	WarningSurge    = warning.KindSurge
	WarningCluster  = warning.KindCluster
	WarningReopened = warning.KindReopened
	WarningOverdue  = warning.KindOverdue
	// WarningLargeDispute: see largeDisputeCandidates (dispute.go).
	WarningLargeDispute = warning.KindLargeDispute
)

// WarningPolicy is the policy DetectWarnings takes (see warning.Policy).
type WarningPolicy = warning.Policy

// Warning is a raised warning, addressed to a region (and everything above
// it that oversees it) and, for a department's pile, to the department.
type Warning struct {
	ID             int64           `json:"id"`
	City           string          `json:"city"`
	Kind           WarningKind     `json:"kind"`
	Subject        string          `json:"subject"`
	Window         string          `json:"window"`
	Region         string          `json:"region"`
	Department     string          `json:"department,omitempty"`
	Title          string          `json:"title"`
	Detail         json.RawMessage `json:"detail"`
	CreatedAt      time.Time       `json:"created_at"`
	AcknowledgedBy string          `json:"acknowledged_by,omitempty"`
	AcknowledgedAt *time.Time      `json:"acknowledged_at,omitempty"`

	regionPath string
}

// WarningCounts says how many warnings of each kind one detection raised.
type WarningCounts map[WarningKind]int

// Total is the number of warnings raised.
func (n WarningCounts) Total() int {
	t := 0
	for _, v := range n {
		t += v
	}
	return t
}

// candidate is a warning found by a detector, not yet stored.
type candidate struct {
	kind       WarningKind
	subject    string
	window     string
	region     string
	regionPath string
	department string
	title      string
	detail     map[string]any
}

type warnRun struct {
	mu   sync.Mutex
	last time.Time
}

var warnRuns sync.Map // *DB's sql pool → *warnRun

// DetectWarnings looks for every kind of warning in every city as of now and
// raises the new ones. It is idempotent (see above) and safe to run in
// several processes at once. With p.MinInterval set, a call within that time
// of the last one in this process does nothing.
func (db *DB) DetectWarnings(ctx context.Context, now time.Time, p WarningPolicy) (WarningCounts, error) {
	n := WarningCounts{}
	if p.MinInterval > 0 {
		v, _ := warnRuns.LoadOrStore(db.sql, &warnRun{})
		run := v.(*warnRun)
		if !run.mu.TryLock() {
			return n, nil // a detection is running in this process
		}
		defer run.mu.Unlock()
		if !p.DetectNow(run.last, now) {
			return n, nil
		}
		run.last = now
	}
	p = p.WithDefaults()
	cities, err := db.AllCities(ctx)
	if err != nil {
		return n, err
	}
	// City by city, each detection naming its city (on a distributed
	// engine, asking the city's worker alone); a city that fails, its
	// worker down, leaves the others' warnings raised.
	err = forCities(ctx, cities, func(city string) error {
		var all []candidate
		for _, detect := range []func(context.Context, string, time.Time, WarningPolicy) ([]candidate, error){
			db.surgeCandidates, db.clusterCandidates, db.reopenCandidates, db.overdueCandidates, db.largeDisputeCandidates,
		} {
			cs, err := detect(ctx, city, now, p)
			if err != nil {
				return err
			}
			all = append(all, cs...)
		}
		for _, c := range all {
			raised, err := db.raiseWarning(ctx, city, now, c)
			if err != nil {
				return err
			}
			if raised {
				n[c.kind]++
			}
		}
		return nil
	})
	return n, err
}

// raiseWarning stores a candidate unless it is already raised (this window)
// or still open, and then, in the same transaction, queues its notifications
// and audits it. It reports whether the warning is new.
func (db *DB) raiseWarning(ctx context.Context, city string, now time.Time, c candidate) (bool, error) {
	detail, err := json.Marshal(c.detail)
	if err != nil {
		return false, err
	}
	raised := false
	err = db.inTx(ctx, func(tx *Tx) error {
		raised = false
		var dept any
		if c.department != "" {
			dept = c.department
		}
		var id int64
		err := tx.queryRow(ctx, `INSERT INTO warnings (city, kind, subject, window_key, region, region_path, department,
			title, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
			city, string(c.kind), c.subject, c.window, c.region, c.regionPath, dept, c.title, string(detail), micros(now)).Scan(&id)
		if err == sql.ErrNoRows {
			return nil // raised before, or still open
		}
		if err != nil {
			return err
		}
		raised = true
		w := Warning{ID: id, City: city, Kind: c.kind, Subject: c.subject, Window: c.window, Region: c.region,
			Department: c.department, Title: c.title, Detail: detail, CreatedAt: now.UTC(), regionPath: c.regionPath}
		if err := tx.enqueueWarning(ctx, w); err != nil {
			return err
		}
		return tx.appendAudit(ctx, anju.SystemActor("warnings"), audit.Record{City: city, Action: "warning.raise",
			Object: fmt.Sprintf("warning:%d", id), Detail: map[string]any{"kind": c.kind, "subject": c.subject,
				"window": c.window, "region": c.region, "department": c.department}})
	})
	return raised, err
}

// warningPayload is what warning subscribers receive.
type warningPayload struct {
	Event      string          `json:"event"` // "warning"
	WarningID  int64           `json:"warning_id"`
	City       string          `json:"city"`
	Kind       WarningKind     `json:"kind"`
	Subject    string          `json:"subject"`
	Region     string          `json:"region"`
	Department string          `json:"department,omitempty"`
	Title      string          `json:"title"`
	Detail     json.RawMessage `json:"detail"`
	At         time.Time       `json:"at"`
}

// enqueueWarning writes an outbox row for every warning subscription of the
// warning's level: those on its region or a region above it, and those on
// its department.
func (t *Tx) enqueueWarning(ctx context.Context, w Warning) error {
	rows, err := t.query(ctx, `SELECT channel, target, secret, region_path, department FROM warning_subscriptions
		WHERE city = ? ORDER BY id`, w.City)
	if err != nil {
		return err
	}
	type sub struct{ channel, target, secret string }
	var subs []sub
	for rows.Next() {
		var s sub
		var path, dept sql.NullString
		if err := rows.Scan(&s.channel, &s.target, &s.secret, &path, &dept); err != nil {
			rows.Close()
			return err
		}
		if (path.Valid && path.String != "" && strings.HasPrefix(w.regionPath, path.String)) ||
			(dept.Valid && dept.String != "" && dept.String == w.Department) {
			subs = append(subs, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(subs) == 0 {
		return nil
	}
	body, _ := json.Marshal(warningPayload{Event: "warning", WarningID: w.ID, City: w.City, Kind: w.Kind, Subject: w.Subject,
		Region: w.Region, Department: w.Department, Title: w.Title, Detail: w.Detail, At: w.CreatedAt})
	now := micros(t.db.clock.Now())
	for _, s := range subs {
		if _, err := t.exec(ctx, `INSERT INTO outbox (city, channel, target, subject, body, secret, status, next_attempt, created_at)
			VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`, w.City, s.channel, s.target, "[安居] 预警："+w.Title, string(body),
			s.secret, now, now); err != nil {
			return err
		}
	}
	return nil
}

// ---- surge ----

// surgeCandidates compares the last day and week with the same spans of the
// previous weeks, per category (leaf and groups, city-wide) and per street.
func (db *DB) surgeCandidates(ctx context.Context, city string, now time.Time, p WarningPolicy) ([]candidate, error) {
	const day, week = int64(24 * time.Hour / time.Microsecond), int64(7 * 24 * time.Hour / time.Microsecond)
	weeks := int64(p.SurgeWeeks)
	nowUS := micros(now)
	var first sql.NullInt64
	if err := db.queryRow(ctx, `SELECT MIN(created_at) FROM cases WHERE city = ?`, city).Scan(&first); err != nil {
		return nil, err
	}
	if !first.Valid || !warning.HasBaseline(fromMicros(first.Int64), now, p) {
		return nil, nil
	}
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return nil, err
	}
	// w is the week back (0 = the last 7 days), d the day back within it
	// (0 = the same weekday and hours as the last 24 h). Region codes have
	// fixed lengths (6, 6, 9, 12, 15 digits), so a path's first 25 bytes,
	// "/city/district/street/", name its street.
	rows, err := db.query(ctx, `SELECT category, street, w, d, COUNT(*) FROM (
		SELECT category, substr(region_path, 1, 25) AS street, (? - created_at) / ? AS w, ((? - created_at) % ?) / ? AS d
		FROM cases WHERE city = ? AND created_at > ? AND created_at <= ?) x GROUP BY category, street, w, d`,
		nowUS, week, nowUS, week, day, city, nowUS-(weeks+1)*week, nowUS)
	if err != nil {
		return nil, err
	}
	var counts []warning.Count
	for rows.Next() {
		var cat, street string
		var w, d, n int64
		if err := rows.Scan(&cat, &street, &w, &d, &n); err != nil {
			rows.Close()
			return nil, err
		}
		c := warning.Count{Category: cat, WeekBack: int(w), DayBack: int(d), N: int(n)}
		if codes := splitPath(street); len(codes) == 3 {
			c.Street = codes[2]
		}
		counts = append(counts, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	surges := warning.Surges(warning.Tally(counts, p.SurgeWeeks, tree.Lineage), tree.Lineage, p)
	loc := db.cityLocation(ctx, city)
	var out []candidate
	for _, h := range surges {
		c := candidate{kind: WarningSurge, subject: "surge:" + string(h.Period) + ":" + h.Subject.String(),
			window: h.Period.Window(now, loc)}
		var name string
		if h.Dimension == warning.ByCategory {
			c.region, c.regionPath = city, cityPath(city)
			name = db.categoryName(ctx, city, h.Code)
		} else {
			r, err := db.regionNoGeometry(ctx, h.Code)
			if err != nil {
				return nil, err
			}
			c.region, c.regionPath = h.Code, r.Path
			name = r.Name
		}
		c.title = h.Title(name)
		c.detail = map[string]any{"period": h.Period, "dimension": h.Dimension, "code": h.Code, "count": h.Count,
			"baseline_mean": round3(h.Mean), "baseline_sd": round3(h.SD), "threshold": round3(h.Limit), "weeks": h.Weeks}
		out = append(out, c)
	}
	return out, nil
}

func (db *DB) cityLocation(ctx context.Context, city string) *time.Location {
	if cal, err := db.calendar(ctx, city); err == nil && cal.Location() != nil {
		return cal.Location()
	}
	return time.FixedZone("CST", 8*3600)
}

// ---- cluster ----

// clusterCandidates reads the reports of the last ClusterWindow (the bounds
// warning.Clusters applies), each with its street, and raises the clusters
// warning.Clusters finds among them.
func (db *DB) clusterCandidates(ctx context.Context, city string, now time.Time, p WarningPolicy) ([]candidate, error) {
	rows, err := db.query(ctx, `SELECT `+reportCols+` FROM cases c LEFT JOIN reporters r ON r.id = c.reporter_id AND r.city = c.city
		WHERE c.city = ? AND c.created_at > ? AND c.created_at <= ? ORDER BY c.created_at, c.id`,
		city, micros(now.Add(-p.ClusterWindow)), micros(now))
	if err != nil {
		return nil, err
	}
	all, where, err := scanCaseReports(rows)
	if err != nil {
		return nil, err
	}
	var reports []textai.HotspotReport
	community := map[int64]string{}
	for i, r := range all {
		codes := splitPath(where[i].path)
		if len(codes) < 3 {
			continue
		}
		r.Place = codes[2] // the street: "nearby grids"
		if len(codes) >= 4 {
			community[r.ID] = codes[3]
		}
		reports = append(reports, r)
	}
	if len(reports) < p.ClusterMin { // too few to make a cluster: spare the lookup below
		return nil, nil
	}
	warned, err := db.recentClusterCases(ctx, city, warning.ClusterRaisedSince(now, p))
	if err != nil {
		return nil, err
	}
	var out []candidate
	for _, cl := range warning.Clusters(reports, warned, now, p) {
		street, err := db.regionNoGeometry(ctx, cl.Reports[0].Place)
		if err != nil {
			return nil, err
		}
		ids := cl.IDs()
		communities := map[string]bool{}
		for _, r := range cl.Reports {
			if c := community[r.ID]; c != "" {
				communities[c] = true
			}
		}
		comms := slices.AppendSeq(make([]string, 0, len(communities)), maps.Keys(communities)) // [] in JSON when none
		slices.Sort(comms)
		out = append(out, candidate{kind: WarningCluster, subject: "cluster:" + street.Code + ":" + strconv.FormatInt(ids[0], 10),
			region: street.Code, regionPath: street.Path, title: cl.Title(street.Name, p.ClusterWindow),
			detail: map[string]any{"cases": ids, "count": len(ids), "reporters": cl.Reporters, "keywords": cl.Keywords,
				"communities": comms, "from": cl.From.UTC(), "to": cl.To.UTC(), "window_hours": p.ClusterWindow.Hours()}})
	}
	return out, nil
}

// recentClusterCases returns the cases of the cluster warnings raised since.
func (db *DB) recentClusterCases(ctx context.Context, city string, since time.Time) (map[int64]bool, error) {
	rows, err := db.query(ctx, `SELECT detail FROM warnings WHERE city = ? AND kind = 'cluster' AND created_at >= ?`,
		city, micros(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		var v struct {
			Cases []int64 `json:"cases"`
		}
		json.Unmarshal([]byte(d), &v)
		for _, id := range v.Cases {
			out[id] = true
		}
	}
	return out, rows.Err()
}

// ---- reopened ----

func (db *DB) reopenCandidates(ctx context.Context, city string, now time.Time, p WarningPolicy) ([]candidate, error) {
	rows, err := db.query(ctx, `SELECT case_id, COUNT(*) FROM case_events WHERE action = 'reopen' AND city = ?
		AND case_id IN (SELECT case_id FROM case_events WHERE action = 'reopen' AND city = ? AND at >= ?)
		GROUP BY case_id ORDER BY case_id`, city, city, micros(now.Add(-p.ReopenLookback)))
	if err != nil {
		return nil, err
	}
	counts := map[int64]int{}
	var ids []int64
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		if warning.ReopenedEnough(n, p) {
			counts[id] = n
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sys := anju.SystemActor("warnings")
	var out []candidate
	for _, id := range ids {
		c, err := db.getCaseIn(ctx, db, sys, id, city)
		if err != nil {
			return nil, err
		}
		r, err := db.regionNoGeometry(ctx, c.HandlingRegion)
		if err != nil {
			return nil, err
		}
		n := counts[id]
		dept := c.Department
		if dept == "" {
			// Reopened cases wait for dispatch again: the department that
			// last had it is the one to hear of it.
			if dept, err = db.lastDispatch(ctx, city, id); err != nil {
				return nil, err
			}
		}
		out = append(out, candidate{kind: WarningReopened, subject: "reopened:case:" + strconv.FormatInt(id, 10),
			window: warning.ReopenWindow(n), region: r.Code, regionPath: r.Path, department: dept,
			title: warning.ReopenTitle(FormatTrackingCode(c.TrackingCode), n, c.Title),
			detail: map[string]any{"case": id, "tracking_code": c.TrackingCode, "reopened": n, "state": c.State,
				"category": c.Category, "grid": c.Grid.Code, "created_at": c.CreatedAt}})
	}
	return out, nil
}

// lastDispatch returns the department a case of city was last dispatched
// to, or "".
func (db *DB) lastDispatch(ctx context.Context, city string, caseID int64) (string, error) {
	var data string
	err := db.queryRow(ctx, `SELECT data FROM case_events WHERE case_id = ? AND city = ? AND action = 'dispatch' ORDER BY id DESC LIMIT 1`,
		caseID, city).Scan(&data)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var v struct {
		Department string `json:"department"`
	}
	json.Unmarshal([]byte(data), &v)
	return v.Department, nil
}

// ---- overdue pile ----

func (db *DB) overdueCandidates(ctx context.Context, city string, now time.Time, p WarningPolicy) ([]candidate, error) {
	rows, err := db.query(ctx, `SELECT x.department, d.name, r.code, r.path, x.total, x.late FROM (
		SELECT department, COUNT(*) AS total, SUM(CASE WHEN overdue THEN 1 ELSE 0 END) AS late
		FROM cases WHERE `+workingStates+` AND city = ? AND department IS NOT NULL GROUP BY department) x
		JOIN departments d ON d.code = x.department JOIN regions r ON r.code = d.region ORDER BY x.department`, city)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	day := warning.DayWindow(now, db.cityLocation(ctx, city))
	var out []candidate
	for rows.Next() {
		var dept, name, region, path string
		var total, late int
		if err := rows.Scan(&dept, &name, &region, &path, &total, &late); err != nil {
			return nil, err
		}
		if !warning.OverduePile(late, total, p) {
			continue
		}
		out = append(out, candidate{kind: WarningOverdue, subject: "overdue:department:" + dept, window: day,
			region: region, regionPath: path, department: dept, title: warning.OverdueTitle(name, late, total),
			detail: map[string]any{"department": dept, "overdue": late, "working": total,
				"share": round3(warning.OverdueShare(late, total))}})
	}
	return out, rows.Err()
}

// ---- reading and acknowledging ----

// warningScope is the predicate over warnings w that the actor may read:
// warnings addressed to a region inside a subtree the actor holds a staff
// role on, and warnings addressed to the actor's departments inside the
// department grant's subtree (anju.Grant.Reaches). A warning
// addressed above the actor's subtree (a city-wide category surge for a
// street worker) is the higher level's business and not shown.
func warningScope(a *anju.Actor) (string, []any) {
	if a == nil {
		return "1=0", nil
	}
	if a.System {
		return "1=1", nil
	}
	parts, args := grantScope(a, "w.region_path", "w.department")
	if len(parts) == 0 {
		return "1=0", nil
	}
	return "(w.city = ? AND (" + strings.Join(parts, " OR ") + "))", append([]any{a.City}, args...)
}

const warningCols = `w.id, w.city, w.kind, w.subject, w.window_key, w.region, w.region_path, w.department, w.title, w.detail,
	w.created_at, w.acknowledged_by, w.acknowledged_at`

func scanWarning(row interface{ Scan(...any) error }) (Warning, error) {
	var w Warning
	var kind, detail string
	var dept, ackBy sql.NullString
	var created int64
	var ackAt sql.NullInt64
	if err := row.Scan(&w.ID, &w.City, &kind, &w.Subject, &w.Window, &w.Region, &w.regionPath, &dept, &w.Title, &detail,
		&created, &ackBy, &ackAt); err != nil {
		return w, err
	}
	w.Kind, w.Department, w.AcknowledgedBy = WarningKind(kind), dept.String, ackBy.String
	w.Detail = json.RawMessage(detail)
	w.CreatedAt = fromMicros(created)
	if ackAt.Valid {
		t := fromMicros(ackAt.Int64)
		w.AcknowledgedAt = &t
	}
	return w, nil
}

// WarningFilter narrows ListWarnings.
type WarningFilter struct {
	Kind     WarningKind
	State    string // open, acknowledged, or "" for both
	Region   string // a region code: warnings addressed inside it
	Before   int64  // warnings older than this id: WarningList.Next of the page before
	Page     int    // from 1, at most maxOffset warnings in
	PageSize int    // at most 200
}

// WarningList is one page of warnings, newest first.
type WarningList struct {
	Warnings []Warning `json:"warnings"`
	Page     int       `json:"page"`
	PageSize int       `json:"page_size"`
	HasMore  bool      `json:"has_more"`
	// Next is the Before of the following page; 0 on the last.
	Next int64 `json:"next,omitempty"`
}

// ListWarnings returns the warnings the actor may read (see warningScope).
// EINVALID for an unknown kind or state, ENOTFOUND for a region outside the
// actor's scope.
func (db *DB) ListWarnings(ctx context.Context, actor *anju.Actor, f WarningFilter) (WarningList, error) {
	var err error
	if f.Page, f.PageSize, err = pageBounds(f.Page, f.PageSize, 50); err != nil {
		return WarningList{}, err
	}
	sc, args := warningScope(actor)
	q := `SELECT ` + warningCols + ` FROM warnings w WHERE ` + sc
	if f.Kind != "" {
		if !f.Kind.Valid() {
			return WarningList{}, anju.FieldError("kind", "unknown warning kind %q", f.Kind)
		}
		q += ` AND w.kind = ?`
		args = append(args, string(f.Kind))
	}
	switch f.State {
	case "":
	case "open":
		q += ` AND w.acknowledged_at IS NULL`
	case "acknowledged":
		q += ` AND w.acknowledged_at IS NOT NULL`
	default:
		return WarningList{}, anju.FieldError("state", "state must be open or acknowledged")
	}
	if f.Region != "" {
		r, err := db.GetRegion(ctx, actor, f.Region)
		if err != nil {
			return WarningList{}, err
		}
		q += ` AND w.region_path >= ? AND w.region_path < ?`
		args = append(args, r.Path, subtreeUpper(r.Path))
	}
	if f.Before > 0 {
		q += ` AND w.id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY w.id DESC LIMIT ? OFFSET ?`
	args = append(args, f.PageSize+1, (f.Page-1)*f.PageSize)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return WarningList{}, err
	}
	defer rows.Close()
	out := WarningList{Warnings: []Warning{}, Page: f.Page, PageSize: f.PageSize}
	for rows.Next() {
		w, err := scanWarning(rows)
		if err != nil {
			return WarningList{}, err
		}
		out.Warnings = append(out.Warnings, w)
	}
	if len(out.Warnings) > f.PageSize {
		out.Warnings, out.HasMore = out.Warnings[:f.PageSize], true
		out.Next = out.Warnings[f.PageSize-1].ID
	}
	return out, rows.Err()
}

// GetWarning returns one warning the actor may read, or ENOTFOUND.
func (db *DB) GetWarning(ctx context.Context, actor *anju.Actor, id int64) (Warning, error) {
	return db.getWarning(ctx, db, actor, id)
}

func (db *DB) getWarning(ctx context.Context, q querier, actor *anju.Actor, id int64) (Warning, error) {
	sc, args := warningScope(actor)
	w, err := scanWarning(q.queryRow(ctx, `SELECT `+warningCols+` FROM warnings w WHERE w.id = ? AND `+sc,
		append([]any{id}, args...)...))
	if err == sql.ErrNoRows {
		return w, notFound("warning", strconv.FormatInt(id, 10))
	}
	return w, err
}

// AcknowledgeWarning marks a warning seen and taken up, with an optional
// note, and audits it. ENOTFOUND when the warning is not visible, EFORBIDDEN
// for roles other than supervisor, dispatcher and administrator in its scope,
// ECONFLICT when it is already acknowledged.
func (db *DB) AcknowledgeWarning(ctx context.Context, actor *anju.Actor, id int64, note string) (Warning, error) {
	if utf8.RuneCountInString(note) > maxNote {
		return Warning{}, anju.FieldError("note", "note is longer than %d characters", maxNote)
	}
	var out Warning
	err := db.inTx(ctx, func(tx *Tx) error {
		w, err := db.getWarning(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if !actor.System && !warning.MayAcknowledge(actor.Grants, w.regionPath, w.Department) {
			return anju.Errorf(anju.EFORBIDDEN, "only a supervisor, dispatcher or administrator of the warning's region or department may acknowledge it")
		}
		now := db.clock.Now()
		r, err := tx.exec(ctx, `UPDATE warnings SET acknowledged_by = ?, acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL`,
			actorName(actor), micros(now), id)
		if err != nil {
			return err
		}
		if k, _ := r.RowsAffected(); k != 1 {
			return anju.Errorf(anju.ECONFLICT, "warning %d is already acknowledged", id)
		}
		at := fromMicros(micros(now))
		w.AcknowledgedBy, w.AcknowledgedAt = actorName(actor), &at
		out = w
		return tx.appendAudit(ctx, actor, audit.Record{City: w.City, Action: "warning.acknowledge",
			Object: fmt.Sprintf("warning:%d", id), Detail: map[string]any{"kind": w.Kind, "subject": w.Subject, "note": note}})
	})
	return out, err
}

// WarningSubscription sends the warnings of a level — a region and
// everything under it, or a department — to a webhook or an e-mail address.
type WarningSubscription struct {
	ID         int64  `json:"id"`
	Region     string `json:"region,omitempty"`
	Department string `json:"department,omitempty"`
	Channel    string `json:"channel"` // webhook or email
	Target     string `json:"target"`
	Secret     string `json:"secret,omitempty"`
}

// SaveWarningSubscription adds a subscription to a level's warnings. The
// actor must administer a subtree holding the region, or the department's
// region. EINVALID for bad fields, ENOTFOUND for an invisible region or
// department, EFORBIDDEN otherwise.
func (db *DB) SaveWarningSubscription(ctx context.Context, actor *anju.Actor, s WarningSubscription) (WarningSubscription, error) {
	if (s.Region == "") == (s.Department == "") {
		return s, anju.FieldError("region", "give a region or a department, not both")
	}
	if err := db.validateDelivery(ctx, s.Channel, s.Target, s.Secret); err != nil {
		return s, err
	}
	var city, path string
	var region, dept any
	if s.Region != "" {
		r, err := db.GetRegion(ctx, actor, s.Region)
		if err != nil {
			return s, err
		}
		city, path, region = r.City, r.Path, r.Code
	} else {
		d, err := db.GetDepartment(ctx, actor, s.Department)
		if err != nil {
			return s, err
		}
		city, path, dept = d.City, d.RegionPath, d.Code
	}
	if !actor.System && (actor.City != city || !actor.HasRoleAt(path, anju.RoleAdmin)) {
		return s, anju.Errorf(anju.EFORBIDDEN, "only an administrator of the level may subscribe to its warnings")
	}
	var regionPath any
	if region != nil {
		regionPath = path
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `INSERT INTO warning_subscriptions (city, region, region_path, department, channel, target, secret)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, city, region, regionPath, dept, s.Channel, s.Target, s.Secret).Scan(&s.ID); err != nil {
			return err
		}
		return tx.appendAudit(ctx, actor, auditRecord(city, "warning_subscription.create", fmt.Sprintf("warning_subscription:%d", s.ID),
			map[string]any{"region": s.Region, "department": s.Department, "channel": s.Channel, "target": s.Target}))
	})
	s.Secret = ""
	return s, err
}
