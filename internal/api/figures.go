package api

import (
	"net/http"
	"time"

	"anju/internal/anju"
	"anju/internal/store"
)

// handleFigures answers GET /api/v1/figures: every figure of package figures
// over the caller's visible cases in region (a subtree), department,
// category (a group or a leaf) and kind, received from the day from to the
// day to, both included (dates in China Standard Time). Without to, the
// period ends today; without from, it starts 29 days before to
// (store.FigureQueryFromQuery).
func (s *API) handleFigures(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	f, p, err := store.FigureQueryFromQuery(r.URL.Query(), s.db.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, asOf, err := s.db.CaseFigures(r.Context(), a, f, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"figures": vs,
		"period": map[string]any{"from": p.From.Format(time.DateOnly), "to": store.LastDay(p).Format(time.DateOnly),
			"start": p.From, "end": p.To, "as_of": asOf.UTC()},
	})
}
