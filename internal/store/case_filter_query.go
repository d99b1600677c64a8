package store

import (
	"anju/internal/anju"
	"net/url"

	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/httpx"
)

// CaseFilterFromQuery reads a CaseFilter from the query names that GET
// /api/v1/cases, /api/v1/queues, /api/v1/search and the workbench page
// share: kind, state, region, category, department, channel, overdue, from
// and to (a date, taken as China Standard Time, or an RFC 3339 time), text,
// queue, order, before (the next of the page before), page and limit (or
// page_size), read through httpx.Query as every handler reads its query.
// Empty values do not filter; bad ones are a field error.
func CaseFilterFromQuery(v url.Values) (CaseFilter, error) {
	q := httpx.QueryOf(v)
	f := CaseFilter{Kind: cases.Kind(q.String("kind")), State: cases.State(q.String("state")), Region: q.String("region"),
		Category: q.String("category"), Department: q.String("department"), Channel: cases.Channel(q.String("channel")),
		Text: q.String("text"), Queue: cases.Queue(q.String("queue")), Order: cases.Order(q.String("order")), Cursor: q.String("before"),
		Overdue: q.Bool("overdue"), Page: q.Positive("page", 0), PageSize: q.Positive("page_size", 0),
		From: q.Time("from"), To: q.Time("to")}
	if n := q.Positive("limit", 0); n != 0 {
		f.PageSize = n
	}
	if key := q.String("figure"); key != "" {
		// The cases behind a figure of the dashboard: the same region
		// subtree, department, category (a group too) and kind, received
		// in [from, to).
		f.Figure = &FigureCases{Key: figures.Key(key), Count: q.String("count"),
			Filter: FigureFilter{Region: f.Region, Department: f.Department, Category: f.Category, Kind: f.Kind},
			Period: figures.Period{From: f.From, To: f.To}}
		if f.Figure.Count == "" {
			f.Figure.Count = CountNumerator
		}
		if err := q.Err(); err == nil && (f.From.IsZero() || f.To.IsZero()) {
			return f, anju.FieldError("from", "the cases behind a figure need the period: from and to")
		}
		f.Region, f.Department, f.Category, f.Kind = "", "", "", ""
	}
	return f, q.Err()
}
