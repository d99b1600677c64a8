package store

import (
	"net/url"
	"strconv"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/httpx"
)

// CaseFilterFromQuery reads a CaseFilter from the query names that GET
// /api/v1/cases, /api/v1/queues, /api/v1/search and the workbench page
// share: kind, state, region, category, department, channel, overdue, from
// and to (a date, taken as China Standard Time, or an RFC 3339 time), text,
// queue, order, before (the next of the page before), page and limit (or
// page_size). Empty values do not filter; bad ones are a field error.
func CaseFilterFromQuery(q url.Values) (CaseFilter, error) {
	f := CaseFilter{Kind: cases.Kind(q.Get("kind")), State: cases.State(q.Get("state")), Region: q.Get("region"),
		Category: q.Get("category"), Department: q.Get("department"), Channel: cases.Channel(q.Get("channel")),
		Text: q.Get("text"), Queue: cases.Queue(q.Get("queue")), Order: cases.Order(q.Get("order")), Cursor: q.Get("before")}
	switch q.Get("overdue") {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return f, anju.FieldError("overdue", "overdue must be true or false")
	}
	for _, name := range []string{"page", "page_size", "limit"} {
		dst := &f.PageSize
		if name == "page" {
			dst = &f.Page
		}
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return f, anju.FieldError(name, "%s must be a positive number", name)
			}
			*dst = n
		}
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := httpx.ParseTime(v)
			if err != nil {
				return f, anju.FieldError(name, "%s must be a date (2026-03-02) or an RFC 3339 time", name)
			}
			*dst = t
		}
	}
	return f, nil
}
