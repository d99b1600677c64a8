package store

import (
	"context"
	"database/sql"
	"html"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/region"
	"anju/internal/textai"
)

// Full-text search over cases: titles, texts, replies and addresses.
//
// Chinese has no spaces, so every field is segmented with gse (textai.Segment,
// search mode) and the words are written joined by spaces: into an FTS5 table
// on SQLite (the default unicode61 tokenizer splits on the spaces) and into a
// tsvector built by to_tsvector('simple', …) on PostgreSQL (the 'simple'
// configuration keeps words as they are). Queries are segmented the same way
// and match cases holding every word; "quoted text" must appear as a phrase.
// Snippets are built here in Go from the original text, so that both engines
// give the same form.

// SearchQuery is a full-text query with the filters of ListCases.
type SearchQuery struct {
	Q string
	// Sort is "relevance" (the default: bm25 on SQLite, ts_rank_cd on
	// PostgreSQL, so scores are comparable only within one engine) or
	// "time" (newest first, by intake as the case lists are).
	Sort       string
	Kind       cases.Kind
	State      cases.State
	Region     string
	Category   string
	Department string
	Channel    cases.Channel
	From, To   time.Time // created in [From, To); zero does not filter
	Page       int       // from 1, at most maxOffset hits in
	PageSize   int       // at most 200, default 20
}

// SearchResult is one page of hits, best first.
type SearchResult struct {
	Hits     []Hit `json:"hits"`
	Page     int   `json:"page"`
	PageSize int   `json:"page_size"`
	HasMore  bool  `json:"has_more"`
	// Truncated says more cases may have matched than were ranked: the
	// hits are the best of the newest searchRanked matches in scope among
	// the newest searchWalked matches of the index, not of every one.
	Truncated bool `json:"truncated"`
}

// searchRanked is how many matches, the newest, a search by relevance
// ranks: a hundred pages of hits, and few enough that ranking them takes
// milliseconds. bm25 costs about 10 µs a match on this 2-core machine
// under load: 2,000 matches 15–25 ms, 10,000 100–180 ms, where reading
// their ids alone takes 1 and 14 ms.
var searchRanked = 2_000

// Hit is a matching case (the summary similar.go defines). Snippet is HTML: the escaped original text around
// the first match, matched words wrapped in <mark>…</mark>.
type Hit struct {
	Case    CaseSummary `json:"case"`
	Score   float64     `json:"score"`
	Snippet string      `json:"snippet"`
}

// Limits of a query: enough for any sentence a person types, few enough that
// a query cannot become expensive.
const (
	maxSearchRunes = 200
	minSearchRunes = 2
	maxSearchWords = 32
)

// SearchCases returns the actor's visible cases matching sq, within exactly
// the scope of ListCases. It returns EINVALID (naming the field) for an empty
// query, a query of no words, an unknown sort or bad filters, and ENOTFOUND
// for a region filter outside the actor's scope.
func (db *DB) SearchCases(ctx context.Context, actor *anju.Actor, sq SearchQuery) (SearchResult, error) {
	switch sq.Sort {
	case "":
		sq.Sort = "relevance"
	case "relevance", "time":
	default:
		return SearchResult{}, anju.FieldError("sort", "sort must be relevance or time, not %q", sq.Sort)
	}
	var err error
	if sq.Page, sq.PageSize, err = pageBounds(sq.Page, sq.PageSize, 20); err != nil {
		return SearchResult{}, err
	}
	if actor != nil && actor.City != "" {
		// The city's words change how the query is cut, so they go in first.
		if err := db.loadCityWords(ctx, db, actor.City); err != nil {
			return SearchResult{}, err
		}
		if err := db.backfillSearch(ctx, actor.City); err != nil {
			return SearchResult{}, err
		}
	}
	pq, err := parseSearch(sq.Q)
	if err != nil {
		return SearchResult{}, err
	}
	p, err := db.planSearch(ctx, actor, sq, pq)
	if err != nil {
		return SearchResult{}, err
	}
	out, n, err := db.searchPage(ctx, p)
	if err != nil {
		return SearchResult{}, err
	}
	if sq.Sort == "time" && p.after > 0 && n < sq.Page*sq.PageSize+1 {
		// The newest matches looked through did not hold the page: by
		// time nothing is left out, so it is read from every match.
		p.ids = nil
		if out, _, err = db.searchPage(ctx, p); err != nil {
			return SearchResult{}, err
		}
	}
	if len(out.Hits) > sq.PageSize {
		out.Hits, out.HasMore = out.Hits[:sq.PageSize], true
	}
	return out, nil
}

// searchPage reads the hits of plan p, a page and one more, and how many
// candidates there were.
func (db *DB) searchPage(ctx context.Context, p searchPlan) (SearchResult, int, error) {
	sq := p.sq
	q, args, _, _ := db.searchSQL(p)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return SearchResult{}, 0, err
	}
	defer rows.Close()
	out := SearchResult{Hits: []Hit{}, Page: sq.Page, PageSize: sq.PageSize}
	marks := p.pq.words()
	var n int
	for rows.Next() {
		var score float64
		c, err := scanCase(scanWith{rows, []any{&score, &n}})
		if err != nil {
			return SearchResult{}, 0, err
		}
		out.Truncated = sq.Sort != "time" && (n > searchRanked || p.after > 0)
		out.Hits = append(out.Hits, Hit{Case: summarize(c), Score: score, Snippet: caseSnippet(c, marks)})
	}
	if err := rows.Err(); err != nil {
		return SearchResult{}, 0, err
	}
	if len(out.Hits) == 0 {
		// No candidate in scope: truncated when matches were left out.
		out.Truncated = sq.Sort != "time" && p.after > 0
	}
	return out, n, nil
}

// searchFilters are ListCases' filters, each starting with AND. The
// full-text match leads the query, so none of them gathers there.
func (db *DB) searchFilters(p searchPlan) (string, []any) {
	var q string
	var args []any
	for _, t := range p.terms[1:] {
		q += " AND " + t.text(db.columns(true))
		args = append(args, t.args...)
	}
	return q, args
}

// scanWith scans a row's case columns and then extra ones.
type scanWith struct {
	rows  *sql.Rows
	extra []any
}

func (s scanWith) Scan(dest ...any) error { return s.rows.Scan(append(dest, s.extra...)...) }

// parsedQuery is a query cut into words: terms that must all occur, and
// phrases whose words must occur in order.
type parsedQuery struct {
	terms   []string
	phrases [][]string
}

// parseSearch segments a query. Text in double quotes ("…" or “…”) is a
// phrase; an unclosed quote runs to the end.
func parseSearch(q string) (parsedQuery, error) {
	var pq parsedQuery
	q = strings.TrimSpace(q)
	if q == "" {
		return pq, anju.FieldError("q", "type something to search for")
	}
	if utf8.RuneCountInString(q) > maxSearchRunes {
		return pq, anju.FieldError("q", "the query is longer than %d characters", maxSearchRunes)
	}
	q = strings.NewReplacer("“", `"`, "”", `"`).Replace(q)
	n := 0
	for i, part := range strings.Split(q, `"`) {
		ws := searchWords(part)
		n += len(ws)
		switch {
		case i%2 == 1 && len(ws) > 1:
			pq.phrases = append(pq.phrases, ws)
		default:
			for _, w := range ws {
				if !slices.Contains(pq.terms, w) {
					pq.terms = append(pq.terms, w)
				}
			}
		}
	}
	if n == 0 {
		return pq, anju.FieldError("q", "the query holds no words to search for")
	}
	// One character (水, a) is in a good part of every city's cases: its
	// matches alone would be read for nothing anyone could go through.
	if utf8.RuneCountInString(strings.Join(pq.words(), "")) < minSearchRunes {
		return pq, anju.FieldError("q", "type at least %d characters to search for", minSearchRunes)
	}
	if n > maxSearchWords {
		return pq, anju.FieldError("q", "the query has more than %d words", maxSearchWords)
	}
	return pq, nil
}

// match is the FTS5 query: each term and each phrase a quoted string,
// side by side, which FTS5 reads as AND. Quoting makes every character
// literal (a doubled quote stands for itself), so no input is an operator.
func (pq parsedQuery) match() string {
	quote := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	var parts []string
	for _, t := range pq.terms {
		parts = append(parts, quote(t))
	}
	for _, p := range pq.phrases {
		parts = append(parts, quote(strings.Join(p, " ")))
	}
	return strings.Join(parts, " ")
}

// tsquery is the PostgreSQL query expression: plainto_tsquery ANDs the terms,
// phraseto_tsquery makes each phrase. Both parse their argument as text, so
// no input is an operator.
func (pq parsedQuery) tsquery() string {
	var parts []string
	if len(pq.terms) > 0 {
		parts = append(parts, `plainto_tsquery('simple', ?)`)
	}
	for range pq.phrases {
		parts = append(parts, `phraseto_tsquery('simple', ?)`)
	}
	return strings.Join(parts, ` && `)
}

func (pq parsedQuery) tsqueryArgs() []any {
	var args []any
	if len(pq.terms) > 0 {
		args = append(args, strings.Join(pq.terms, " "))
	}
	for _, p := range pq.phrases {
		args = append(args, strings.Join(p, " "))
	}
	return args
}

// words are every word of the query, for highlighting.
func (pq parsedQuery) words() []string {
	ws := slices.Clone(pq.terms)
	for _, p := range pq.phrases {
		for _, w := range p {
			if !slices.Contains(ws, w) {
				ws = append(ws, w)
			}
		}
	}
	return ws
}

// snippetRunes is about how much text a snippet shows, and snippetLead how
// much of it comes before the first match.
const (
	snippetRunes = 60
	snippetLead  = 20
)

// caseSnippet cuts the snippet from the first field holding a query word:
// the text, the reply, the address, the title. A case can match without any
// field holding a word verbatim (segmentation joins characters differently
// in different contexts); it then shows the start of its text.
func caseSnippet(c Case, words []string) string {
	for _, field := range []string{c.Text, c.Result, c.Address, c.Title} {
		if s, ok := snippet(field, words); ok {
			return s
		}
	}
	s, _ := snippet(c.Text, nil)
	return s
}

// snippet returns about snippetRunes runes of text around the first
// occurrence of any of words, HTML-escaped, each occurrence wrapped in
// <mark>…</mark>, and whether there was one. ASCII letters match in any
// case, as the index lower-cases them.
func snippet(text string, words []string) (string, bool) {
	type span struct{ from, to int }
	lower := lowerASCII(text) // same byte offsets as text
	var spans []span
	for i := 0; i < len(lower); {
		best := 0
		for _, w := range words {
			if len(w) > best && strings.HasPrefix(lower[i:], w) {
				best = len(w)
			}
		}
		if best > 0 {
			spans = append(spans, span{i, i + best})
			i += best
			continue
		}
		_, size := utf8.DecodeRuneInString(lower[i:])
		i += size
	}
	start := 0
	if len(spans) > 0 {
		start = spans[0].from
		for n := 0; n < snippetLead && start > 0; n++ {
			_, size := utf8.DecodeLastRuneInString(text[:start])
			start -= size
		}
	}
	end := start
	for n := 0; n < snippetRunes && end < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	at := start
	for _, sp := range spans {
		if sp.from >= end {
			break
		}
		b.WriteString(html.EscapeString(text[at:sp.from]))
		b.WriteString("<mark>" + html.EscapeString(text[sp.from:sp.to]) + "</mark>")
		at = sp.to
	}
	if at < end {
		b.WriteString(html.EscapeString(text[at:end]))
	} else {
		end = at // a match crossing the cut is shown whole
	}
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String(), len(spans) > 0
}

// lowerASCII lower-cases ASCII letters only, keeping byte offsets, as
// textai.Segment does to the words.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// searchWords cuts text into the words both engines index and query.
func searchWords(text string) []string {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return textai.Segment(text)
}

// segmented is text cut into words joined by spaces, the form both engines
// index.
func segmented(text string) string {
	return strings.Join(searchWords(text), " ")
}

// indexCase writes the case's words into the search index: at intake
// (fresh: there is no entry yet) and again when a reply makes the case's
// result searchable.
func (t *Tx) indexCase(ctx context.Context, c *Case, fresh bool) error {
	return t.indexCaseDoc(ctx, c, fresh, nil)
}

// searchDoc is a case's text cut into words, the costly part of indexing;
// intake computes it before its transaction (see PrepareCase) so that the
// single writer only inserts it.
type searchDoc struct {
	title, address, body, reply string
}

func (db *DB) newSearchDoc(ctx context.Context, q querier, city, title, address, body, reply string) (*searchDoc, error) {
	if err := db.loadCityWords(ctx, q, city); err != nil {
		return nil, err
	}
	return &searchDoc{segmented(title), segmented(address), segmented(body), segmented(reply)}, nil
}

func (t *Tx) indexCaseDoc(ctx context.Context, c *Case, fresh bool, doc *searchDoc) error {
	if doc == nil && c.words != nil {
		if err := t.db.loadCityWords(ctx, t, c.City); err != nil {
			return err
		}
		doc = &searchDoc{c.words.title, c.words.address, c.words.body, segmented(c.Result)}
	}
	if doc == nil {
		var err error
		if doc, err = t.db.newSearchDoc(ctx, t, c.City, c.Title, c.Address, c.Text, c.Result); err != nil {
			return err
		}
	}
	t.search = append(t.search, pendingDoc{id: c.ID, city: c.City, fresh: fresh, doc: doc})
	return nil
}

// pendingDoc is an index entry waiting for its transaction's commit.
type pendingDoc struct {
	id    int64
	city  string
	fresh bool // a new case: nothing to replace
	doc   *searchDoc
}

// flushSearch writes the transaction's index entries in multi-row
// statements. On SQLite this is what makes indexing cheap: FTS5 flushes its
// pending terms to disk at every statement savepoint, so entries written one
// by one between other inserts each became a tiny segment to merge later,
// where one statement per commit writes one segment.
func (t *Tx) flushSearch(ctx context.Context) error {
	if len(t.search) == 0 {
		return nil
	}
	// The last entry of a case wins; it replaces what was stored unless
	// every entry of the case in this transaction was for a new case.
	latest := make(map[int64]int, len(t.search))
	fresh := make(map[int64]bool, len(t.search))
	var order []int64
	entries := t.search
	t.search = nil
	for i, p := range entries {
		if _, seen := latest[p.id]; !seen {
			order = append(order, p.id)
			fresh[p.id] = true
		}
		latest[p.id] = i
		fresh[p.id] = fresh[p.id] && p.fresh
	}
	pg := t.db.dialect.name() == "postgres"
	for start, n := range statementChunks(len(order)) {
		part := order[start : start+n]
		var stale []any
		var q strings.Builder
		args := make([]any, 0, 5*len(part))
		if pg {
			q.WriteString(`INSERT INTO case_search (case_id, city, doc) VALUES `)
		} else {
			q.WriteString(`INSERT INTO case_fts (rowid, title, address, body, reply) VALUES `)
		}
		for i, id := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			if pg {
				q.WriteString(`(?, ?, setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B') ||
					setweight(to_tsvector('simple', ?), 'C') || setweight(to_tsvector('simple', ?), 'C'))`)
			} else {
				q.WriteString(`(?, ?, ?, ?, ?)`)
			}
			e := entries[latest[id]]
			d := e.doc
			if pg {
				args = append(args, id, e.city, d.title, d.address, d.body, d.reply)
			} else {
				args = append(args, id, d.title, d.address, d.body, d.reply)
			}
			if !fresh[id] {
				stale = append(stale, id)
			}
		}
		if pg {
			q.WriteString(` ON CONFLICT (case_id, city) DO UPDATE SET doc = excluded.doc`)
		} else if len(stale) > 0 {
			stale = padIDs(stale)
			if _, err := t.exec(ctx, `DELETE FROM case_fts WHERE rowid IN (`+placeholders(len(stale))+`)`, stale...); err != nil {
				return err
			}
		}
		if err := t.send(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// backfilled holds the cities whose cases have all been indexed, per
// database, in this process.
var backfilled sync.Map // dsn + "\x00" + city → true

// backfillSearch indexes a city's cases that have no index entry — those
// taken in before search existed — once per process, in batches.
func (db *DB) backfillSearch(ctx context.Context, city string) error {
	key := db.dsn + "\x00" + city
	if _, ok := backfilled.Load(key); ok {
		return nil
	}
	missing := `SELECT c.id FROM cases c WHERE c.city = ? AND NOT EXISTS (SELECT 1 FROM case_fts f WHERE f.rowid = c.id) ORDER BY c.id LIMIT 500`
	if db.dialect.name() == "postgres" {
		missing = `SELECT c.id FROM cases c WHERE c.city = ? AND NOT EXISTS (SELECT 1 FROM case_search s WHERE s.case_id = c.id AND s.city = c.city) ORDER BY c.id LIMIT 500`
	}
	for {
		ids, err := column[int64](db.query(ctx, missing, city))
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		if err := db.inTx(ctx, func(tx *Tx) error {
			for _, id := range ids {
				c, err := tx.Get(ctx, id)
				if err != nil {
					return err
				}
				if err := tx.indexCase(ctx, &c, false); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	backfilled.Store(key, true)
	return nil
}

// cityWords records which cities' own words the segmenter has, per database.
// The segmenter is one per process, so its words are too.
var cityWords = struct {
	sync.Mutex
	loaded map[string]time.Time // dsn + "\x00" + city → when
	added  map[string]bool
}{loaded: map[string]time.Time{}, added: map[string]bool{}}

// cityWordsTTL is how long a city's words are trusted before new regions and
// departments are looked for.
const cityWordsTTL = 10 * time.Minute

// loadCityWords adds the city's place and department names to the
// segmenter, so that "华园村" is one word in a case and in a query. It reads
// through q, which may be the caller's transaction.
func (db *DB) loadCityWords(ctx context.Context, q querier, city string) error {
	key := db.dsn + "\x00" + city
	cityWords.Lock()
	defer cityWords.Unlock()
	if at, ok := cityWords.loaded[key]; ok && time.Since(at) < cityWordsTTL {
		return nil
	}
	words, err := cityWordList(ctx, q, city)
	if err != nil {
		return err
	}
	var fresh []string
	for _, w := range words {
		if !cityWords.added[w] {
			fresh = append(fresh, w)
		}
	}
	if err := textai.AddWords(fresh); err != nil {
		return err
	}
	for _, w := range fresh {
		cityWords.added[w] = true
	}
	cityWords.loaded[key] = time.Now()
	return nil
}

func cityWordList(ctx context.Context, q querier, city string) ([]string, error) {
	var words []string
	rows, err := q.query(ctx, `SELECT name FROM regions WHERE city = ? AND level <> 'city'
		UNION SELECT name FROM departments WHERE city = ?`, city, city)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if w := placeWord(name); w != "" && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	return words, rows.Err()
}

var (
	gridSuffix  = regexp.MustCompile(`第[0-9０-９一二三四五六七八九十百千零〇]+网格$`)
	onlyOrdinal = regexp.MustCompile(`^第[0-9０-９一二三四五六七八九十百千零〇]+$`)
)

// placeWord is the word people use for a place or department: a grid's name
// without its 第N网格, a street or community without 街道 or 社区, which the
// dictionary already has and which then segment as words of their own, so
// that both "华园村" and "华园村社区" find "华园村社区". Names that leave
// nothing distinctive (第一网格, 第1街道) give "".
func placeWord(name string) string {
	w := gridSuffix.ReplaceAllString(strings.TrimSpace(name), "")
	for _, suffix := range []string{"街道办事处", "社区居委会", "居委会", "村委会", "街道", "社区", "网格"} {
		if s, ok := strings.CutSuffix(w, suffix); ok {
			w = s
			break
		}
	}
	if utf8.RuneCountInString(w) < 2 || onlyOrdinal.MatchString(w) {
		return ""
	}
	return w
}

// WarmUp does ahead of time what the first intake and search of each city
// would otherwise do inside their transactions: load the segmentation
// dictionary and the city's own words. Servers call it as they start.
func (db *DB) WarmUp(ctx context.Context) error {
	if err := textai.LoadSegmenter(); err != nil {
		return err
	}
	cities, err := db.AllCities(ctx)
	if err != nil {
		return err
	}
	for _, c := range cities {
		if err := db.loadCityWords(ctx, db, c); err != nil {
			return err
		}
	}
	return nil
}

// searchWalked is how many of the newest matches of the index, by engine,
// a search by relevance looks through for its candidates (the city's
// matches on PostgreSQL, whose index has the city; every city's on
// SQLite): the candidates are the scope's matches among them, and the
// result says truncated when older matches were left out, in scope or
// not. Looking through a match means testing its case against the
// actor's scope and the filters: reading the case (about 5 µs on this
// machine, the rows being wide) or, on SQLite, testing the match against
// the scope's cases gathered from an index first (searchPlan). A street's
// grid worker, whose street holds a fortieth of the city, found its 2,000
// newest matches of a common word among 80,000 of the city's, each case
// read: 200 ms at 2,000,000 cases on both engines. A search of a whole
// city without filters on SQLite is not bounded: it finds its candidates
// among the newest matches and stops there. PostgreSQL reads the matches'
// ids more slowly than SQLite and meets each with its case, so it looks
// through fewer.
var searchWalked = map[string]int{"sqlite": 5_000, "postgres": 2_500}

// searchGatherMax is the most cases a search gathers through an index of
// its scope or of a filter before testing its matches against them: it
// reads them all, above the bound or not (the indexes are not by id), a
// few milliseconds for a street's 40,000 cases at 2,000,000.
const searchGatherMax = 60_000

// searchGatherShare is how many cases may be gathered for each match
// looked through: gathering a case from an index costs a small share of
// reading a match's case.
const searchGatherShare = 20

// searchGatherMin is the fewest matches looked through for which a term
// may gather: fewer have their cases read in a few milliseconds.
var searchGatherMin = 1_000

// searchPlan is how SearchCases reads its candidates.
type searchPlan struct {
	actor *anju.Actor
	sq    SearchQuery
	pq    parsedQuery
	// terms are the actor's scope (first) and the filters, as a list's.
	terms []caseTerm
	// after, when not 0, is the newest match left out by searchWalked: a
	// search by relevance looks only at the matches above it.
	after int64
	// gathers are the queries of ids that may gather each a superset of
	// the cases of the scope or of a filter, through an index that holds
	// the ids (SQLite); gather is the one that does, before the matches
	// are read, each match then tested against its ids instead of its case
	// being read; -1 for none.
	gathers []gatherQuery
	gather  int
	// ids, on PostgreSQL, are the matches looked through, newest first:
	// read from the index alone, then met with their cases by primary key.
	ids []int64
}

// planSearch plans sq: the filters' terms (EINVALID or ENOTFOUND as
// ListCases), then, for a search by relevance, how far back the matches
// are looked through and whether a term gathers. By time the matches are
// read newest first until the page is full: nothing is left out.
func (db *DB) planSearch(ctx context.Context, actor *anju.Actor, sq SearchQuery, pq parsedQuery) (searchPlan, error) {
	p := searchPlan{actor: actor, sq: sq, pq: pq, gather: -1, terms: []caseTerm{scopeTerm(actor, grantsOf(actor), true)}}
	fts, err := db.filterTerms(ctx, actor, CaseFilter{Kind: sq.Kind, State: sq.State, Region: sq.Region,
		Category: sq.Category, Department: sq.Department, Channel: sq.Channel, From: sq.From, To: sq.To})
	if err != nil {
		return p, err
	}
	p.terms = append(p.terms, fts...)
	walked := searchWalked[db.dialect.name()]
	if db.dialect.name() == "postgres" {
		// The newest matches' ids from the index alone, then their cases
		// by primary key, newest first until the candidates are complete.
		// Left to itself, PostgreSQL met every match with its case before
		// sorting them: it takes several common words together for a rare
		// query (a category's name, each word in 1% of cases, matched
		// 13,000 cases at 2,000,000: 150 ms by relevance and by time).
		// By time this is only a shortcut: when the newest matches do not
		// hold the page, SearchCases reads it as before (p.ids nil).
		q, args := `SELECT case_id FROM case_search WHERE doc @@ (`+pq.tsquery()+`)`, pq.tsqueryArgs()
		if actor != nil && !actor.System {
			q += ` AND city = ?`
			args = append(args, actor.City)
		}
		ids, err := column[int64](db.query(ctx, q+` ORDER BY case_id DESC LIMIT ?`, append(args, walked+1)...))
		if err != nil {
			return p, err
		}
		if len(ids) > walked {
			p.after, ids = ids[walked], ids[:walked]
		}
		if ids == nil {
			ids = []int64{} // none matched; nil would read every match
		}
		p.ids = ids
		return p, nil
	}
	if sq.Sort == "time" || len(p.terms) == 1 && wholeCity(actor) {
		// A whole city's search without filters finds its candidates
		// among the city's newest matches, and stops there: no bound
		// needed, and none of the full-text query's cost again (it is
		// most of the cost of a query of several words).
		return p, nil
	}
	// The newest searchWalked+1 matches' ids only, from the index: a
	// fraction of a millisecond a thousand.
	var n int
	var oldest int64
	if err := db.queryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(rowid), 0) FROM (SELECT rowid FROM case_fts WHERE case_fts MATCH ? ORDER BY rowid DESC LIMIT ?) x`,
		pq.match(), walked+1).Scan(&n, &oldest); err != nil {
		return p, err
	}
	if n > walked {
		p.after, n = oldest, walked
	}
	if n < searchGatherMin {
		// Reading a few matches' cases costs less than counting a term's.
		return p, nil
	}
	// The term with the fewest cases gathers them, when they are few
	// beside the matches to look through.
	p.gathers = db.searchGathers(p)
	best := min(searchGatherMax, searchGatherShare*n) + 1
	for i, g := range p.gathers {
		var c int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM (`+g.q+` LIMIT ?) x`, append(slices.Clone(g.args), best)...).Scan(&c); err != nil {
			return p, err
		}
		if c < best {
			best, p.gather = c, i
		}
	}
	return p, nil
}

// wholeCity says the actor sees every case of its city (a grant at the
// city's root, "/330100/"), or of every city.
func wholeCity(a *anju.Actor) bool {
	if a == nil || a.System {
		return a != nil
	}
	for _, g := range a.Grants {
		if g.Department == "" && g.Role != anju.RoleResident && g.RegionPath == region.Path(a.City) {
			return true
		}
	}
	return false
}

// gatherQuery is a query of case ids.
type gatherQuery struct {
	q    string
	args []any
}

// searchGathers are the queries that may gather p's candidates on SQLite:
// the scope's (each branch through its own index, where the scope as one
// condition was read case by case) and each filter's that has an index of
// its own. Each reads only an index, which holds the ids, and may return
// more cases than its term keeps (a department's grant within a region
// gathers the department's cases): the candidates' query tests every
// case against every term.
func (db *DB) searchGathers(p searchPlan) []gatherQuery {
	var out []gatherQuery
	if a := p.actor; a != nil && !a.System {
		var parts []string
		var args []any
		var paths []string
		for _, g := range a.Grants {
			switch {
			case g.RegionPath == "":
			case g.Department != "":
				parts = append(parts, `SELECT id FROM cases INDEXED BY cases_department WHERE department = ?`)
				args = append(args, g.Department)
			case g.Role != anju.RoleResident:
				paths = append(paths, g.RegionPath)
			}
		}
		for _, path := range (&anju.Actor{Grants: pathGrants(paths)}).ScopePaths() {
			parts = append(parts, `SELECT id FROM cases INDEXED BY cases_city_path WHERE city = ? AND region_path >= ? AND region_path < ?`)
			args = append(args, a.City, path, subtreeUpper(path))
		}
		if a.UserID != 0 {
			parts = append(parts, `SELECT id FROM cases INDEXED BY cases_reporter_user WHERE reporter_user_id = ?`)
			args = append(args, a.UserID)
		}
		// A whole city's cases are never fewer than its matches: not
		// worth counting.
		if len(parts) > 0 && !wholeCity(a) {
			out = append(out, gatherQuery{strings.Join(parts, " UNION ALL "), args})
		}
	}
	for _, t := range p.terms[1:] {
		// cases_set_aside holds two states: it would read each case to
		// tell them apart.
		if t.gathers && t.index != "" && t.index != byRowid && t.index != "cases_set_aside" {
			out = append(out, gatherQuery{`SELECT c.id FROM cases c INDEXED BY ` + t.index + ` WHERE ` + t.text(db.columns(true)), t.args})
		}
	}
	return out
}

// searchSQL is SearchCases' query for plan p and, apart, the query of its
// candidates, which must read the matches newest first without sorting
// them (TestSearchPlans).
func (db *DB) searchSQL(p searchPlan) (string, []any, string, []any) {
	// The candidates are the newest matches in scope, at most
	// searchRanked+1 of them, read newest first from the index so that
	// the reading stops there; only they are ranked. Ranking every match
	// made a common word take seconds at two million cases.
	actor, sq, pq := p.actor, p.sq, p.pq
	sc, sargs := caseScope(actor)
	fq, fargs := db.searchFilters(p)
	candidates := searchRanked + 1
	if sq.Sort == "time" {
		// Newest first, the candidates are the page: nothing is cut.
		candidates = sq.Page*sq.PageSize + 1
	}
	var cand, score, candQ string
	var args, candArgs []any
	// A city's actor searches its city: each part of the query names the
	// city, which a distributed engine needs to answer it on the one worker
	// holding the city (it does not carry the candidates' city out of
	// their subquery).
	inCity, cityArgs := "", []any(nil)
	if actor != nil && !actor.System {
		inCity, cityArgs = ` AND c.city = ?`, []any{actor.City}
	}
	if db.dialect.name() == "postgres" && p.ids != nil {
		// The matches looked through, by primary key newest first, until
		// the candidates are complete (TestSearchPlans).
		cand = `SELECT c.id, c.city FROM cases c WHERE c.id = ANY(?) AND ` + sc + fq + ` ORDER BY c.id DESC LIMIT ?`
		args = append(append(append([]any{p.ids}, sargs...), fargs...), candidates)
	} else if db.dialect.name() == "postgres" {
		cand = `SELECT c.id, c.city FROM case_search s JOIN cases c ON c.id = s.case_id AND c.city = s.city WHERE s.doc @@ (` + pq.tsquery() + `) AND ` + sc + fq +
			` ORDER BY s.case_id DESC LIMIT ?`
		args = append(append(append(pq.tsqueryArgs(), sargs...), fargs...), candidates)
	}
	if db.dialect.name() == "postgres" {
		candQ, candArgs = cand, slices.Clone(args)
		// ts_rank_cd weights are {D, C, B, A}: title A, address B, text and
		// reply C, as written by indexCase; normalization 1 divides by
		// 1 + log(document length), as bm25 does in its own way. Ranked
		// here, after the candidates are cut, never for every match.
		// A join rather than a correlated subquery, which a distributed
		// engine does not take beside a subquery in FROM.
		if sq.Sort != "time" {
			cand = `SELECT cand.id, cand.city, ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', s.doc, ` + pq.tsquery() + `, 1) AS score
				FROM (` + cand + `) cand JOIN case_search s ON s.case_id = cand.id AND s.city = cand.city` + strings.ReplaceAll(inCity, "c.", "s.")
			args = append(append(pq.tsqueryArgs(), args...), cityArgs...)
		} else {
			cand = `SELECT cand.id, cand.city, 0.0 AS score FROM (` + cand + `) cand`
		}
	} else {
		// bm25 weights follow the column order (title, address, body, reply);
		// it is negative, lower better, hence the sign. It is computed only
		// for the rows read, and the reading stops at the limit since
		// case_fts yields its matches by rowid.
		// CROSS JOIN makes SQLite's planner loop over the matches and look
		// each case up, never the reverse: left to itself it may walk a
		// scope index over every case of a street and run the full-text
		// query once per case.
		score = `-bm25(case_fts, 5.0, 2.0, 1.0, 1.0)`
		if sq.Sort == "time" {
			score = `0.0`
		}
		bound, bargs := "", []any(nil)
		if p.after > 0 {
			// case_fts reads only the matches above the bound.
			bound, bargs = ` AND case_fts.rowid > ?`, []any{p.after}
		}
		if p.gather >= 0 {
			// The gathered cases are a set each match is tested against
			// (+rowid: not a list of rowids for case_fts to look up one by
			// one); only the matches in it have their case read.
			g := p.gathers[p.gather]
			bound += ` AND +case_fts.rowid IN (SELECT id FROM (` + g.q + `) WHERE id > ?)`
			bargs = append(append(bargs, g.args...), p.after)
		}
		cand = `SELECT c.id, c.city, ` + score + ` AS score FROM case_fts CROSS JOIN cases c ON c.id = case_fts.rowid
			WHERE case_fts MATCH ?` + bound + ` AND ` + sc + fq + ` ORDER BY case_fts.rowid DESC LIMIT ?`
		args = append(append(append(append([]any{pq.match()}, bargs...), sargs...), fargs...), candidates)
		candQ, candArgs = cand, slices.Clone(args)
	}
	order := `score DESC, id DESC`
	if sq.Sort == "time" {
		// Newest first as the lists are: by id, the order of intake.
		order = `id DESC`
	}
	// The page of the ranked candidates, and how many there were; then
	// the page's cases (CROSS JOIN: on SQLite, only the page's).
	join := "CROSS JOIN"
	if db.dialect.name() == "postgres" {
		join = "JOIN"
	}
	q := `SELECT ` + caseCols + `, top.score, top.n FROM (SELECT id, city, score, COUNT(*) OVER () AS n FROM (` + cand + `) ranked
		ORDER BY ` + order + ` LIMIT ? OFFSET ?) top ` + join + ` cases c ON c.id = top.id AND c.city = top.city` + inCity + ` JOIN regions g ON g.code = c.grid
		LEFT JOIN reporters r ON r.id = c.reporter_id AND r.city = c.city ORDER BY ` + strings.ReplaceAll(order, "id DESC", "c.id DESC")
	args = append(append(args, sq.PageSize+1, (sq.Page-1)*sq.PageSize), cityArgs...)
	return q, args, candQ, candArgs
}
