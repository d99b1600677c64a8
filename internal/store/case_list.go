package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
)

// Case lists and the workbench's queues.
//
// A page of cases can be read two ways. Reading the cases newest first (or,
// for open cases, by deadline from cases_open_deadline) and keeping those
// that match stops as soon as the page is full: right when most cases of
// the scope match, as for a city-wide dispatcher, and wrong when few do,
// since it then reads far back, to the table's start on the last page.
// Gathering the candidates through an index that serves one condition and
// sorting them is right when that index yields few, and wrong when it
// yields the city: sorting 200,000 cases to show 50 is what made the
// city-wide list take a second (SQLite's planner, which has no statistics
// here, chose the index on the city for "city = ?" and sorted every case).
//
// PostgreSQL's planner knows how many rows each condition keeps and makes
// this choice itself. On SQLite the store makes it: every condition that an
// index serves counts its candidates, at most gatherLimit+1 of them, through
// that index (a fraction of a millisecond each); the one with fewest
// gathers when it has no more than gatherLimit, and otherwise the cases are
// read in order. The query then leaves SQLite no other choice: the columns
// of the other conditions are written as +column, which no index serves.

// gatherLimit is the most candidates a page gathers and sorts rather than
// reading the cases in order: sorting 2,000 rows costs about what reading
// a few thousand in order does.
var gatherLimit = 2000

// maxOffset bounds the rows a numbered page skips: pages further on are
// read by key (CaseFilter.Cursor), whose cost does not grow with depth.
const maxOffset = 10_000

// openStates is the predicate of cases_open_deadline (migration 00014)
// word for word, so that both engines use that index: cases.OpenStates.
const openStates = `(c.state = 'submitted' OR c.state = 'accepted' OR c.state = 'dispatched' OR c.state = 'returned' OR c.state = 'in_progress' OR c.state = 'resolved' OR c.state = 'verified')`

// CaseFilter narrows ListCases and QueueCounts; empty fields do not filter.
type CaseFilter struct {
	Kind       cases.Kind
	State      cases.State
	Region     string // a region code: cases placed inside it
	Category   string
	Department string
	Channel    cases.Channel
	Overdue    bool
	From, To   time.Time // created in [From, To); zero does not filter
	// Text keeps the cases that a full-text search for it finds (as
	// SearchCases does), in the list's own order.
	Text string
	// Queue lists one workbench queue: its cases that the actor reaches
	// through a grant of one of the queue's roles. EFORBIDDEN when the actor
	// holds none of them.
	Queue cases.Queue
	// Order is newest first, or by time left (cases.OrderTimeLeft: open
	// cases only). Empty means the queue's own order, or newest first.
	Order cases.Order
	// Figure lists the cases behind one number of a figure instead
	// (FigureCaseIDs): with it, the list takes no other filter.
	Figure *FigureCases
	// Cursor continues a list after the page whose CaseList.Next it is.
	Cursor string
	// Page is 1: lists are read by key (Cursor). Only the cases behind a
	// figure, held in memory, have numbered pages, up to maxOffset cases in.
	Page     int
	PageSize int // at most 200
}

// CaseList is one page of cases.
type CaseList struct {
	Cases    []Case      `json:"cases"`
	Order    cases.Order `json:"order"`
	Page     int         `json:"page"`
	PageSize int         `json:"page_size"`
	HasMore  bool        `json:"has_more"`
	// Next is the cursor of the following page (CaseFilter.Cursor, the
	// API's before=), empty on the last page.
	Next string `json:"next,omitempty"`
	// Total is the length of the whole list, where it is known: the cases
	// behind a figure.
	Total int `json:"total,omitempty"`
	// Truncated says the text filter matched more cases than it keeps
	// (SQLite only): the list holds those among the newest textFilterKept
	// matches.
	Truncated bool `json:"truncated,omitempty"`
}

// pageBounds makes a requested page valid: pages count from 1, and a page
// holds at most 200 rows, def when the size is missing or out of range.
// EINVALID for a page that starts past maxOffset.
func pageBounds(page, size, def int) (int, int, error) {
	if page < 1 {
		page = 1
	}
	if size < 1 || size > 200 {
		size = def
	}
	if page-1 > maxOffset/size {
		return page, size, anju.FieldError("page", "pages end %d rows in; read further with the cursor in next (before=)", maxOffset)
	}
	return page, size, nil
}

// listCursor is where a page ended: the last case's id and, in deadline
// order, its resolution deadline in microseconds.
type listCursor struct {
	id, due int64
}

func (c listCursor) String(o cases.Order) string {
	if o == cases.OrderTimeLeft {
		return strconv.FormatInt(c.due, 10) + "_" + strconv.FormatInt(c.id, 10)
	}
	return strconv.FormatInt(c.id, 10)
}

// parseCursor reads a cursor made by listCursor.String for order o.
func parseCursor(s string, o cases.Order) (listCursor, error) {
	bad := anju.FieldError("before", "before must be the next of an earlier page of the same list")
	var c listCursor
	idText := s
	if o == cases.OrderTimeLeft {
		dueText, rest, ok := strings.Cut(s, "_")
		due, err := strconv.ParseInt(dueText, 10, 64)
		if !ok || err != nil {
			return c, bad
		}
		c.due, idText = due, rest
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return c, bad
	}
	c.id = id
	return c, nil
}

// caseTerm is one condition every listed case meets, over the cases table
// (alias c). Its text is written by a function of col, which writes each
// column an index could serve it by: as is where the term may gather the
// candidates, as +column (SQLite) where another term does.
type caseTerm struct {
	text func(col func(string) string) string
	args []any
	// gathers says an index serves the term, so that it may gather.
	gathers bool
	// index names that index on SQLite where one alone serves the term:
	// the query then names it (INDEXED BY), since SQLite, knowing nothing
	// of its size, may prefer reading the whole table in order.
	index string
}

// byRowid is caseTerm.index for a term served by the rowid alone.
const byRowid = "rowid"

// columns returns the col function of caseTerm.text: keyed columns as is,
// or as +column on SQLite. A column written "!c.city" is never keyed.
func (db *DB) columns(keyed bool) func(string) string {
	sqlite := db.dialect.name() == "sqlite"
	return func(c string) string {
		never := strings.HasPrefix(c, "!")
		c = strings.TrimPrefix(c, "!")
		if sqlite && (never || !keyed) {
			return "+" + c
		}
		return c
	}
}

func plainTerm(sql string, args ...any) caseTerm {
	return caseTerm{text: func(func(string) string) string { return sql }, args: args}
}

// casePlan is the query for one page: its conditions and which of them, if
// any, gathers.
type casePlan struct {
	terms  []caseTerm
	gather int // index into terms, or -1 to read in order
	order  cases.Order
	cursor int // index of the cursor's term, or -1
}

// readInOrder makes p read the cases in order: from its cursor, where it
// has one.
func (p *casePlan) readInOrder() {
	p.gather = p.cursor
}

// where writes the plan's conditions, AND-ed.
func (db *DB) planWhere(p casePlan) (string, []any) {
	var parts []string
	var args []any
	// A partial index serves only a query that states its predicate.
	partial := strings.TrimPrefix(db.planIndex(p), " INDEXED BY ")
	for i, t := range p.terms {
		parts = append(parts, t.text(db.columns(i == p.gather || t.index == partial)))
		args = append(args, t.args...)
	}
	if len(parts) == 0 {
		return "1=1", nil
	}
	return strings.Join(parts, " AND "), args
}

// planIndex is what a query of plan p says after "FROM cases c" on
// SQLite: the gathering term's index, or, reading in order, none but the
// rowid (newest first) or cases_open_deadline (by time left).
func (db *DB) planIndex(p casePlan) string {
	if db.dialect.name() != "sqlite" {
		return ""
	}
	switch {
	case p.gather >= 0 && p.terms[p.gather].index == byRowid:
		return " NOT INDEXED"
	case p.gather >= 0 && p.terms[p.gather].index != "":
		return " INDEXED BY " + p.terms[p.gather].index
	case p.gather >= 0:
		return ""
	case p.order == cases.OrderTimeLeft:
		return db.openCasesIndex()
	}
	return " NOT INDEXED"
}

// openCasesIndex is what a read of a city's open cases, and of nothing
// narrower, says after "FROM cases c": on SQLite, the open cases' index
// (migration 00037), which holds their place and is in deadline order.
// Knowing nothing of sizes, SQLite would otherwise gather every case of
// the city or the area by cases_city_path to find its few open ones (the
// grid page took 27 s for a city dispatcher at 2,000,000 cases, the
// public map 1.6 s). The query must state the index's predicate
// (openStates).
func (db *DB) openCasesIndex() string {
	if db.dialect.name() != "sqlite" {
		return ""
	}
	return " INDEXED BY cases_open_deadline"
}

// choose settles p.gather on SQLite: the gathering term with the fewest
// candidates when they are few, else none. PostgreSQL chooses for itself.
func (db *DB) choose(ctx context.Context, p *casePlan) error {
	p.readInOrder()
	if db.dialect.name() != "sqlite" {
		return nil
	}
	best := gatherLimit + 1
	for i, t := range p.terms {
		if !t.gathers {
			continue
		}
		var n int
		q := `SELECT COUNT(*) FROM (SELECT 1 FROM cases c WHERE ` + t.text(db.columns(true)) + ` LIMIT ?) x`
		if err := db.queryRow(ctx, q, append(slices.Clone(t.args), gatherLimit+1)...).Scan(&n); err != nil {
			return err
		}
		if n < best {
			best, p.gather = n, i
		}
	}
	return nil
}

// scopeTerm is the actor's reach as a gathering term: each grant's subtree
// or department, and the actor's own reports, each written so that an index
// serves it (cases_city_path, cases_department, cases_reporter_user).
// reports says whether the actor's own reports count.
func scopeTerm(a *anju.Actor, grants []anju.Grant, reports bool) caseTerm {
	if a == nil {
		return plainTerm("1=0")
	}
	if a.System {
		return plainTerm("1=1")
	}
	type branch struct {
		text func(col func(string) string) string
		args []any
	}
	var branches []branch
	var paths []string
	for _, g := range grants {
		switch {
		case g.RegionPath == "":
		case g.Department != "":
			branches = append(branches, branch{func(col func(string) string) string {
				return "(" + col("c.department") + " = ? AND c.region_path >= ? AND c.region_path < ?)"
			}, []any{g.Department, g.RegionPath, subtreeUpper(g.RegionPath)}})
		case g.Role != anju.RoleResident:
			paths = append(paths, g.RegionPath)
		}
	}
	for _, p := range (&anju.Actor{Grants: pathGrants(paths)}).ScopePaths() {
		branches = append(branches, branch{func(col func(string) string) string {
			return "(" + col("c.city") + " = ? AND " + col("c.region_path") + " >= ? AND " + col("c.region_path") + " < ?)"
		}, []any{a.City, p, subtreeUpper(p)}})
	}
	if reports && a.UserID != 0 {
		branches = append(branches, branch{func(col func(string) string) string {
			return col("c.reporter_user_id") + " = ?"
		}, []any{a.UserID}})
	}
	if len(branches) == 0 {
		return plainTerm("1=0")
	}
	args := []any{a.City}
	for _, b := range branches {
		args = append(args, b.args...)
	}
	return caseTerm{text: func(col func(string) string) string {
		parts := make([]string, len(branches))
		for i, b := range branches {
			parts[i] = b.text(col)
		}
		// The city is checked outside the branches as well, never through
		// an index: every case of the city has it.
		return "(" + col("!c.city") + " = ? AND (" + strings.Join(parts, " OR ") + "))"
	}, args: args, gathers: true}
}

// queueGrants are the actor's grants of the roles that see d.
func queueGrants(a *anju.Actor, d cases.QueueDef) []anju.Grant {
	var out []anju.Grant
	for _, g := range a.Grants {
		if slices.Contains(d.Roles, g.Role) {
			out = append(out, g)
		}
	}
	return out
}

// queueStateTerm is what makes a case part of d apart from its place.
func queueStateTerm(d cases.QueueDef) caseTerm {
	// The states are written out, as the partial indexes' predicates are:
	// an engine matches c.state = 'closed' to cases_closed_path, never a
	// placeholder. They are the domain's constants, never input.
	var states []string
	for _, s := range d.States {
		states = append(states, "c.state = '"+string(s)+"'")
	}
	conds := []string{"(" + strings.Join(states, " OR ") + ")"}
	if d.Overdue {
		conds = append(conds, "c.overdue")
	}
	if d.Carded {
		// Written as a range ('' sorts first), which PostgreSQL checks
		// inside cases_open_deadline; "<>" it checked on each case's row,
		// and a city's empty supervised queue read every open case.
		conds = append(conds, "c.card > ''")
	}
	if d.Longstanding {
		conds = append(conds, longstanding)
	}
	return plainTerm("(" + strings.Join(conds, " AND ") + ")")
}

// longstanding keeps the cases of a long-unresolved queue (积案): a
// petition past its statutory deadline (the scheduler's mark), or one its
// petitioner took to review.
const longstanding = "(c.kind = 'petition' AND (c.overdue OR EXISTS (SELECT 1 FROM petitions lp WHERE lp.case_id = c.id AND lp.city = c.city AND lp.reviews > 0)))"

// onlyOpen reports whether every state of ss is open.
func onlyOpen(ss []cases.State) bool {
	for _, s := range ss {
		if !s.Open() {
			return false
		}
	}
	return len(ss) > 0
}

// openTerm is openStates as a gathering term: cases_open_deadline serves it.
func openTerm() caseTerm {
	return caseTerm{text: func(col func(string) string) string {
		if col("c.state") == "c.state" {
			return openStates
		}
		// Any other text keeps SQLite off the partial index.
		return "(" + col("c.state") + " IN ('submitted', 'accepted', 'dispatched', 'returned', 'in_progress', 'resolved', 'verified'))"
	}, gathers: true, index: "cases_open_deadline"}
}

// stateIndexes are the partial indexes that hold the cases of a state few
// cases are in at a time, by state: those gather a list of the state.
// Open states gather through cases_open_deadline (openTerm) and rated, a
// city's history, is read in order.
var stateIndexes = map[cases.State]string{
	cases.StateClosed:   "cases_closed_path",
	cases.StateRejected: "cases_set_aside",
	cases.StateMerged:   "cases_set_aside",
}

// stateTerm keeps the cases in state s, which is valid: written out, as
// the partial indexes' predicates are, since an engine matches
// c.state = 'closed' to cases_closed_path but never a placeholder.
func stateTerm(s cases.State) caseTerm {
	text := "c.state = '" + string(s) + "'"
	idx, ok := stateIndexes[s]
	return caseTerm{text: func(col func(string) string) string {
		if col("c.state") == "c.state" {
			return text
		}
		return col("c.state") + " = '" + string(s) + "'"
	}, gathers: ok, index: idx}
}

// filterTerms turns f's filters into terms. EINVALID for an unknown kind,
// state, channel or order and an empty period or text; ENOTFOUND for a
// region the actor may not see.
func (db *DB) filterTerms(ctx context.Context, actor *anju.Actor, f CaseFilter) ([]caseTerm, error) {
	var ts []caseTerm
	if f.Kind != "" {
		if !f.Kind.Valid() {
			return nil, anju.FieldError("kind", "unknown kind %q", f.Kind)
		}
		ts = append(ts, caseTerm{text: func(col func(string) string) string { return col("c.kind") + " = ?" },
			args: []any{string(f.Kind)}, gathers: true, index: "cases_kind"})
	}
	if f.State != "" {
		if !f.State.Valid() {
			return nil, anju.FieldError("state", "unknown state %q", f.State)
		}
		ts = append(ts, stateTerm(f.State))
	}
	if f.Region != "" {
		r, err := db.GetRegion(ctx, actor, f.Region)
		if err != nil {
			return nil, err
		}
		ts = append(ts, caseTerm{text: func(col func(string) string) string {
			return "(" + col("c.city") + " = ? AND " + col("c.region_path") + " >= ? AND " + col("c.region_path") + " < ?)"
		}, args: []any{r.City, r.Path, subtreeUpper(r.Path)}, gathers: true, index: "cases_city_path"})
	}
	if f.Category != "" {
		ts = append(ts, caseTerm{text: func(col func(string) string) string { return col("c.category") + " = ?" },
			args: []any{f.Category}, gathers: true, index: "cases_category"})
	}
	if f.Department != "" {
		ts = append(ts, caseTerm{text: func(col func(string) string) string { return col("c.department") + " = ?" },
			args: []any{f.Department}, gathers: true, index: "cases_department"})
	}
	if f.Channel != "" {
		if !f.Channel.Valid() {
			return nil, anju.FieldError("channel", "unknown channel %q", f.Channel)
		}
		ts = append(ts, caseTerm{text: func(col func(string) string) string { return col("c.channel") + " = ?" },
			args: []any{string(f.Channel)}, gathers: true, index: "cases_channel"})
	}
	if f.Overdue {
		// cases_overdue's predicate word for word, where it gathers.
		ts = append(ts, caseTerm{text: func(col func(string) string) string { return col("c.overdue") },
			gathers: true, index: "cases_overdue"})
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, anju.FieldError("from", "from must be before to")
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		from, to := int64(-1<<62), int64(1<<62)
		if !f.From.IsZero() {
			from = micros(f.From)
		}
		if !f.To.IsZero() {
			to = micros(f.To)
		}
		city := ""
		if actor != nil {
			city = actor.City
		}
		cityCond := func(col func(string) string) string { return col("c.city") + " = ? AND " }
		args := []any{city, from, to}
		if actor != nil && actor.System {
			// The system lists every city: no city to key on.
			cityCond, args = func(func(string) string) string { return "" }, args[1:]
		}
		ts = append(ts, caseTerm{text: func(col func(string) string) string {
			return "(" + cityCond(col) + col("c.created_at") + " >= ? AND " + col("c.created_at") + " < ?)"
		}, args: args, gathers: actor == nil || !actor.System, index: "cases_city_created"})
	}
	if f.Text != "" {
		t, err := db.textTerm(ctx, actor, f.Text)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// textTerm keeps the cases a full-text search for q matches (SearchCases'
// words and index).
func (db *DB) textTerm(ctx context.Context, actor *anju.Actor, q string) (caseTerm, error) {
	if actor != nil && actor.City != "" {
		if err := db.loadCityWords(ctx, db, actor.City); err != nil {
			return caseTerm{}, err
		}
		if err := db.backfillSearch(ctx, actor.City); err != nil {
			return caseTerm{}, err
		}
	}
	pq, err := parseSearch(q)
	if err != nil {
		// The list's parameter is text, search's q.
		return caseTerm{}, anju.FieldError("text", "%s", anju.ErrorMessage(err))
	}
	sub, args := db.textMatches(pq)
	if db.dialect.name() == "postgres" {
		// PostgreSQL reads the matches as the list needs them: through the
		// cases newest first for a common word, all of them for a rare one.
		// The city's matches only: on a distributed engine the list is then
		// answered by the one worker holding the city.
		if actor != nil && !actor.System {
			sub += ` AND city = ?`
			args = append(args, actor.City)
		}
		return caseTerm{text: func(col func(string) string) string { return "c.id IN (" + sub + ")" },
			args: args, gathers: true}, nil
	}
	return caseTerm{text: func(col func(string) string) string {
		return col("c.id") + " IN (" + sub + " LIMIT ?)"
	}, args: append(args, textFilterKept), gathers: true}, nil
}

// textMatches is the query of the ids of the cases matching pq across
// cities, newest first on SQLite. On SQLite a list's text filter keeps the cases
// among the newest textFilterKept of them: SQLite reads every match of the
// subquery before the first case (a common word matched a quarter of the
// city: 250 ms at 300,000 cases). PostgreSQL keeps them all; bounded the
// same way it read every match to sort them (6 ms became 50–130 ms).
func (db *DB) textMatches(pq parsedQuery) (string, []any) {
	if db.dialect.name() == "postgres" {
		// Unordered: ordered, the subquery was sorted whole before the
		// list's merge join could stop (87 ms for a common word at 300,000
		// cases, 1.8 ms without).
		return `SELECT case_id FROM case_search WHERE doc @@ (` + pq.tsquery() + `)`, pq.tsqueryArgs()
	}
	return `SELECT rowid FROM case_fts WHERE case_fts MATCH ? ORDER BY rowid DESC`, []any{pq.match()}
}

// textTruncated reports whether more cases match q than a list's text
// filter keeps (textTerm).
func (db *DB) textTruncated(ctx context.Context, q string) (bool, error) {
	if db.dialect.name() == "postgres" {
		return false, nil
	}
	pq, err := parseSearch(q)
	if err != nil {
		return false, err
	}
	sub, args := db.textMatches(pq)
	var n int
	err = db.queryRow(ctx, `SELECT COUNT(*) FROM (`+sub+` LIMIT ?) x`, append(args, textFilterKept+1)...).Scan(&n)
	return n > textFilterKept, err
}

// textFilterKept is how many of the newest matches a list's text filter
// keeps: reading their ids takes about 14 ms at 300,000 cases, and they
// fill a street's list for weeks back.
var textFilterKept = 10_000

// TextFilterKept is how many of the newest matches a list's text filter
// keeps (CaseList.Truncated).
func TextFilterKept() int {
	return textFilterKept
}

// ListCases returns a page of the actor's visible cases matching f: newest
// first, or by time left, and in f.Queue's order for a queue. The page
// after it is read with its Next as f.Cursor: a list has no numbered pages
// but the first (EINVALID on page), except the cases behind a figure.
func (db *DB) ListCases(ctx context.Context, actor *anju.Actor, f CaseFilter) (CaseList, error) {
	var err error
	f.Page, f.PageSize, err = pageBounds(f.Page, f.PageSize, 50)
	if err != nil {
		return CaseList{}, err
	}
	if f.Figure != nil {
		return db.listFigureCases(ctx, actor, f)
	}
	if f.Page > 1 {
		// An offset reads every row before the page: a street's page 200
		// read its 10,000 cases newest first through the city's (a second at
		// 300,000 cases), and a filter with fewer matches read the city to
		// its start.
		return CaseList{}, anju.FieldError("page", "a case list is read one page after another: follow next (before=) from the page before")
	}
	q, args, order, err := db.caseListQuery(ctx, actor, f)
	if err != nil {
		return CaseList{}, err
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return CaseList{}, err
	}
	defer rows.Close()
	out := CaseList{Cases: []Case{}, Order: order, Page: f.Page, PageSize: f.PageSize}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return CaseList{}, err
		}
		c.AllowedActions = db.allowedActions(actor, c)
		c.CategoryName = db.categoryName(ctx, c.City, c.Category)
		out.Cases = append(out.Cases, c)
	}
	if err := rows.Err(); err != nil {
		return CaseList{}, err
	}
	if len(out.Cases) > f.PageSize {
		out.Cases, out.HasMore = out.Cases[:f.PageSize], true
		last := out.Cases[len(out.Cases)-1]
		out.Next = listCursor{id: last.ID, due: micros(last.Deadlines.Resolution)}.String(order)
	}
	if f.Text != "" {
		if out.Truncated, err = db.textTruncated(ctx, f.Text); err != nil {
			return CaseList{}, err
		}
	}
	return out, nil
}

// caseListQuery is ListCases' query for f (whose page is already bounded)
// and the order it reads in.
func (db *DB) caseListQuery(ctx context.Context, actor *anju.Actor, f CaseFilter) (string, []any, cases.Order, error) {
	p, err := db.caseListPlan(ctx, actor, f)
	if err != nil {
		return "", nil, "", err
	}
	if err := db.choose(ctx, &p); err != nil {
		return "", nil, "", err
	}
	q, args := db.caseListSQL(p, f)
	return q, args, p.order, nil
}

// caseListPlan is the plan for f before choosing how to read it.
func (db *DB) caseListPlan(ctx context.Context, actor *anju.Actor, f CaseFilter) (casePlan, error) {
	p := casePlan{order: cases.OrderNewest, gather: -1, cursor: -1}
	var queue cases.QueueDef
	if f.Queue != "" {
		var ok bool
		if queue, ok = cases.QueueFor(f.Queue); !ok {
			return p, anju.FieldError("queue", "unknown queue %q", f.Queue)
		}
		if actor == nil || (!actor.System && len(queueGrants(actor, queue)) == 0) {
			return p, anju.Errorf(anju.EFORBIDDEN, "the %s queue is for %s", queue.Queue, roleNames(queue.Roles))
		}
		p.order = queue.Order
		p.terms = append(p.terms, scopeTerm(actor, queueGrants(actor, queue), false), queueStateTerm(queue))
	} else {
		p.terms = append(p.terms, scopeTerm(actor, grantsOf(actor), true))
	}
	switch f.Order {
	case "":
	case cases.OrderNewest, cases.OrderTimeLeft:
		p.order = f.Order
	default:
		return p, anju.FieldError("order", "order must be newest or deadline, not %q", f.Order)
	}
	if p.order == cases.OrderTimeLeft && f.Queue != "" && !onlyOpen(queue.States) {
		return p, anju.FieldError("order", "the %s queue holds cases that have no time left: list it newest first", queue.Queue)
	}
	if p.order == cases.OrderTimeLeft && f.State != "" && !f.State.Open() {
		return p, anju.FieldError("order", "a %s case has no time left: list it newest first", f.State)
	}
	// Open cases are read through cases_open_deadline: those of an open
	// queue or state, and every list by time left, which only open cases
	// have. SQLite uses that partial index only for a query that states
	// its predicate. PostgreSQL proves the predicate from the queue's or
	// the state's own term, and is given it only where nothing else
	// implies it: stated beside them, it multiplied their shares of the
	// city (1.5% open, 0.5% accepted) as if independent, expected a
	// queue of 1,500 cases to hold 22, and read them all by bitmap to sort
	// them (240 ms) instead of reading the index in order.
	open := onlyOpen(queue.States) || f.State.Open()
	if db.dialect.name() == "postgres" && open {
		open = false
	} else {
		open = open || p.order == cases.OrderTimeLeft
	}
	if open {
		p.terms = append(p.terms, openTerm())
	}
	fts, err := db.filterTerms(ctx, actor, f)
	if err != nil {
		return p, err
	}
	p.terms = append(p.terms, fts...)
	if f.Cursor != "" {
		cur, err := parseCursor(f.Cursor, p.order)
		if err != nil {
			return p, err
		}
		p.terms = append(p.terms, cursorTerm(cur, p.order))
		p.cursor = len(p.terms) - 1
	}
	return p, nil
}

// caseListSQL writes the query of plan p for a page of f.
func (db *DB) caseListSQL(p casePlan, f CaseFilter) (string, []any) {
	where, args := db.planWhere(p)
	from := strings.Replace(caseFrom, "FROM cases c", "FROM cases c"+db.planIndex(p), 1)
	q := `SELECT ` + caseCols + from + ` WHERE ` + where
	if p.order == cases.OrderTimeLeft {
		q += ` ORDER BY c.resolution_due, c.id`
	} else {
		q += ` ORDER BY c.id DESC`
	}
	q += ` LIMIT ?`
	return q, append(args, f.PageSize+1)
}

func grantsOf(a *anju.Actor) []anju.Grant {
	if a == nil {
		return nil
	}
	return a.Grants
}

// cursorTerm keeps the cases after cur in order o. In deadline order the
// range on resolution_due comes first, so that cases_open_deadline starts
// reading there.
func cursorTerm(cur listCursor, o cases.Order) caseTerm {
	if o == cases.OrderTimeLeft {
		return caseTerm{text: func(col func(string) string) string {
			return "(" + col("c.resolution_due") + " >= ? AND (c.resolution_due > ? OR c.id > ?))"
		}, args: []any{cur.due, cur.due, cur.id}, index: "cases_open_deadline"}
	}
	return caseTerm{text: func(col func(string) string) string { return col("c.id") + " < ?" }, args: []any{cur.id}, index: byRowid}
}

func roleNames(rs []anju.Role) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// QueueCount is how many cases wait in one queue.
type QueueCount struct {
	Queue cases.Queue `json:"queue"`
	Count int         `json:"count"`
	// Order is the queue's usual order (cases.QueueDef.Order).
	Order cases.Order `json:"order"`
}

// QueueCounts counts the cases in each queue the actor sees (cases.QueuesFor
// the actor's roles), in workbench order, under f's filters (its Queue,
// Order, Cursor and paging are ignored). The open queues are counted in one
// pass over an index of the open cases (reading the index alone when f does
// not filter), the closed ones awaiting a rating in a second over
// cases_closed_path.
func (db *DB) QueueCounts(ctx context.Context, actor *anju.Actor, f CaseFilter) ([]QueueCount, error) {
	out, qs, err := db.queueCountQueries(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	for _, q := range qs {
		if q.tally != nil {
			rows, err := db.query(ctx, q.sql, q.args...)
			if err != nil {
				return nil, err
			}
			if err := q.tally(rows, out); err != nil {
				return nil, err
			}
			continue
		}
		counts := make([]int, len(q.into))
		dest := make([]any, len(q.into))
		for k := range counts {
			dest[k] = &counts[k]
		}
		if err := db.queryRow(ctx, q.sql, q.args...).Scan(dest...); err != nil {
			return nil, err
		}
		for k, i := range q.into {
			out[i].Count = counts[k]
		}
	}
	return out, nil
}

// countQuery counts the queues out[into[k]] in its k-th column, or, with
// tally, in rows that tally reads (and closes) and adds up into out.
type countQuery struct {
	sql   string
	args  []any
	into  []int
	tally func(rows *sql.Rows, out []QueueCount) error
}

// queueCountQueries returns QueueCounts' answer without the counts and the
// queries that count them.
func (db *DB) queueCountQueries(ctx context.Context, actor *anju.Actor, f CaseFilter) ([]QueueCount, []countQuery, error) {
	if actor == nil {
		return nil, nil, anju.Errorf(anju.EFORBIDDEN, "sign in to see the queues")
	}
	fts, err := db.filterTerms(ctx, actor, f)
	if err != nil {
		return nil, nil, err
	}
	out := []QueueCount{}
	var defs []cases.QueueDef
	for _, d := range cases.Queues() {
		if actor.System || len(queueGrants(actor, d)) > 0 {
			out = append(out, QueueCount{Queue: d.Queue, Order: d.Order})
			defs = append(defs, d)
		}
	}
	var qs []countQuery
	if q, ok := db.openCountQuery(actor, defs, fts); ok {
		qs = append(qs, q)
	}
	// The others (closed cases awaiting a rating) one by one, gathered by
	// their reach from cases_closed_path.
	for i, d := range defs {
		if onlyOpen(d.States) {
			continue
		}
		p := casePlan{terms: append([]caseTerm{queueStateTerm(d), scopeTerm(actor, queueGrants(actor, d), false)}, fts...), gather: 1, cursor: -1}
		where, args := db.planWhere(p)
		qs = append(qs, countQuery{sql: `SELECT COUNT(*) FROM cases c` + db.planIndex(p) + ` WHERE ` + where, args: args, into: []int{i}})
	}
	return out, qs, nil
}

// openCountQuery counts the open queues of defs in one pass over an index
// of the open cases that holds every column the count asks about: the
// cases of the union of the queues' reaches, grouped by what decides which
// queue holds a case (state, overdue mark, card; for the long-unresolved
// petitions, their reviews) and, when the queues' reaches differ, by which
// of them hold it. Each queue then adds up the groups it holds
// (cases.QueueDef.Holds). Summing a CASE per queue in SQL instead read the
// index as fast but spent 4 µs a row on the sums, 20 ms at 300,000 cases.
// ok is false when the actor sees no open queue.
func (db *DB) openCountQuery(actor *anju.Actor, defs []cases.QueueDef, fts []caseTerm) (countQuery, bool) {
	var open []int           // indexes into defs
	reachOf := map[int]int{} // defs index → index into reaches
	var reaches []caseTerm
	seen := map[string]int{}
	var grants []anju.Grant
	long := false
	for i, d := range defs {
		if !onlyOpen(d.States) {
			continue
		}
		gs := queueGrants(actor, d)
		grants = append(grants, gs...)
		sc := scopeTerm(actor, gs, false)
		key := sc.text(db.columns(false)) + fmt.Sprint(sc.args...)
		k, ok := seen[key]
		if !ok {
			k, seen[key] = len(reaches), len(reaches)
			reaches = append(reaches, sc)
		}
		open, reachOf[i] = append(open, i), k
		long = long || d.Longstanding
	}
	if len(open) == 0 {
		return countQuery{}, false
	}
	cols := []string{"c.state", "c.overdue", "c.card"}
	var args []any
	if long {
		cols = append(cols, longstanding)
	}
	if len(reaches) > 1 {
		for _, sc := range reaches {
			cols = append(cols, "CASE WHEN "+sc.text(db.columns(false))+" THEN 1 ELSE 0 END")
			args = append(args, sc.args...)
		}
	}
	groups := make([]string, len(cols))
	for k := range cols {
		groups[k] = strconv.Itoa(k + 1)
	}
	// On SQLite, cases_open_queue holds the open cases in the groups'
	// order (migration 00037), so the count groups them as it reads; its
	// predicate ends with a term only this query states.
	open0 := openTerm()
	terms := []caseTerm{open0, scopeTerm(actor, grants, false)}
	if db.dialect.name() == "sqlite" {
		terms[0].index = "cases_open_queue"
		terms = append(terms, plainTerm("c.card >= ''"))
	}
	p := casePlan{terms: append(terms, fts...), gather: 0, cursor: -1}
	where, wargs := db.planWhere(p)
	q := countQuery{sql: `SELECT ` + strings.Join(cols, ", ") + `, COUNT(*) FROM cases c` + db.planIndex(p) + ` WHERE ` + where +
		` GROUP BY ` + strings.Join(groups, ", "), args: append(args, wargs...)}
	q.tally = func(rows *sql.Rows, out []QueueCount) error {
		defer rows.Close()
		for rows.Next() {
			var state, card string
			var overdue, isLong bool
			in := make([]bool, len(reaches))
			dest := []any{&state, &overdue, &card}
			if long {
				dest = append(dest, &isLong)
			}
			if len(reaches) > 1 {
				for k := range in {
					dest = append(dest, &in[k])
				}
			} else {
				in[0] = true
			}
			var n int
			if err := rows.Scan(append(dest, &n)...); err != nil {
				return err
			}
			for _, i := range open {
				d := defs[i]
				if d.Holds(cases.State(state), overdue, cases.Card(card)) && (!d.Longstanding || isLong) && in[reachOf[i]] {
					out[i].Count += n
				}
			}
		}
		return rows.Err()
	}
	return q, true
}

// DispatchResult is what became of one case of a bulk dispatch.
type DispatchResult struct {
	ID    int64  `json:"id"`
	OK    bool   `json:"ok"`
	Case  *Case  `json:"case,omitempty"`
	Error string `json:"error,omitempty"`
	// Code is the anju error code of a failure (not_found, conflict, …).
	Code string `json:"code,omitempty"`
}

// maxBulk bounds the cases of one bulk dispatch: a workbench page.
const maxBulk = 200

// DispatchCases dispatches each case of ids to department, each through the
// same transition as Act (its own transaction, version check, event and
// audit entry), so that one failure undoes nothing of the others and no
// case is half-dispatched. versions, when given, holds the version the
// client saw of each case (0 or missing: whatever is current). EINVALID for
// no ids, more than maxBulk or a repeated id; each case's own failure
// (ENOTFOUND, EFORBIDDEN, ECONFLICT, EINVALID) is reported in its result.
func (db *DB) DispatchCases(ctx context.Context, actor *anju.Actor, ids []int64, versions map[int64]int64, department string, in cases.Input) ([]DispatchResult, error) {
	if len(ids) == 0 {
		return nil, anju.FieldError("ids", "choose the cases to dispatch")
	}
	if len(ids) > maxBulk {
		return nil, anju.FieldError("ids", "dispatch at most %d cases at once", maxBulk)
	}
	seen := map[int64]bool{}
	for _, id := range ids {
		if id <= 0 || seen[id] {
			return nil, anju.FieldError("ids", "case %d is not a case or is listed twice", id)
		}
		seen[id] = true
	}
	in.Department = department
	out := make([]DispatchResult, len(ids))
	for i, id := range ids {
		out[i].ID = id
		c, err := db.Act(ctx, actor, id, cases.ActionDispatch, ActionInput{Input: in, Version: versions[id]})
		if err != nil {
			var e *anju.Error
			if !errors.As(err, &e) {
				// Not the case's fault: the database failed; stop here, the
				// cases before stay dispatched.
				return out[:i], fmt.Errorf("dispatch case %d: %w", id, err)
			}
			out[i].Error, out[i].Code = e.Message, string(e.Code)
			if e.Field != "" {
				out[i].Error = e.Field + ": " + e.Message
			}
			continue
		}
		out[i].OK, out[i].Case = true, &c
	}
	return out, nil
}
