package api

import (
	"net/http"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/store"
)

// defaultFigureDays is the period the figures cover when the query names
// none: the last 30 days, today included.
const defaultFigureDays = 30

// handleFigures answers GET /api/v1/figures: every figure of package figures
// over the caller's visible cases in region (a subtree), department,
// category (a group or a leaf) and kind, received from the day from to the
// day to, both included (dates in China Standard Time). Without to, the
// period ends today; without from, it starts 29 days before to.
func (s *API) handleFigures(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	f := store.FigureFilter{Region: q.String("region"), Department: q.String("department"),
		Category: q.String("category"), Kind: cases.Kind(q.String("kind"))}
	from, to := q.Date("from"), q.Date("to")
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.db.Now()
	if to.IsZero() {
		y, m, d := now.In(httpx.ChinaTime).Date()
		to = time.Date(y, m, d, 0, 0, 0, 0, httpx.ChinaTime)
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, 1-defaultFigureDays)
	}
	if to.Before(from) {
		s.writeError(w, r, anju.FieldError("to", "the period ends (%s) before it starts (%s)", to.Format(time.DateOnly), from.Format(time.DateOnly)))
		return
	}
	p := figures.Period{From: from, To: to.AddDate(0, 0, 1)}
	vs, asOf, err := s.db.CaseFigures(r.Context(), a, f, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"figures": vs,
		"period": map[string]any{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly),
			"start": p.From, "end": p.To, "as_of": asOf.UTC()},
	})
}
