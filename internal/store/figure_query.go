package store

import (
	"net/url"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/httpx"
)

// DefaultFigureDays is the period the figures cover when the query names
// none: the last 30 days, today included.
const DefaultFigureDays = 30

// FigureQueryFromQuery reads the query names GET /api/v1/figures and the
// dashboard (GET /dash) share: region (a subtree), department, category (a
// group or a leaf), kind, and from and to as YYYY-MM-DD (China Standard
// Time), both days included. Without to, the period ends on the day of now;
// without from, it starts 29 days before to. The period answered is
// half-open: it ends at the start of the day after to. Bad values are a
// field error.
func FigureQueryFromQuery(v url.Values, now time.Time) (FigureFilter, figures.Period, error) {
	q := httpx.QueryOf(v)
	f := FigureFilter{Region: q.String("region"), Department: q.String("department"),
		Category: q.String("category"), Kind: cases.Kind(q.String("kind"))}
	from, to := q.Date("from"), q.Date("to")
	if err := q.Err(); err != nil {
		return f, figures.Period{}, err
	}
	if to.IsZero() {
		y, m, d := now.In(httpx.ChinaTime).Date()
		to = time.Date(y, m, d, 0, 0, 0, 0, httpx.ChinaTime)
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, 1-DefaultFigureDays)
	}
	if to.Before(from) {
		return f, figures.Period{}, anju.FieldError("to", "the period ends (%s) before it starts (%s)", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	return f, figures.Period{From: from, To: to.AddDate(0, 0, 1)}, nil
}

// LastDay is the last day a period from FigureQueryFromQuery includes, as
// the query's to names it.
func LastDay(p figures.Period) time.Time { return p.To.AddDate(0, 0, -1) }
