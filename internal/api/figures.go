package api

import (
	"net/http"
	"time"

	"anju/internal/anju"
	"anju/internal/figures"
	"anju/internal/store"
)

// handleFigures answers GET /api/v1/figures: every figure of package figures
// over the caller's visible cases in region (a subtree), department,
// category (a group or a leaf) and kind, received from the day from to the
// day to, both included (dates in China Standard Time). Without to, the
// period ends today; without from, it starts 29 days before to
// (store.FigureQueryFromQuery). With by (day, week, month, category,
// department, region or grid), the answer also holds "groups": the same
// figures for each part of that split (store.FigureGroups).
func (s *API) handleFigures(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	f, p, err := store.FigureQueryFromQuery(r.URL.Query(), s.db.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	by := store.FigureGroupBy(r.URL.Query().Get("by"))
	if by != "" && !by.Valid() {
		s.writeError(w, r, anju.FieldError("by", "unknown grouping %q (day, week, month, category, department, region or grid)", by))
		return
	}
	vs, asOf, err := s.db.CaseFigures(r.Context(), a, f, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := map[string]any{"figures": vs, "period": periodJSON(p)}
	out["period"].(map[string]any)["as_of"] = asOf.UTC()
	if by != "" {
		gs, _, err := s.db.FigureGroups(r.Context(), a, f, p, by)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		groups := make([]map[string]any, 0, len(gs))
		for _, g := range gs {
			groups = append(groups, map[string]any{"key": g.Key, "name": g.Name, "name_en": g.NameEn,
				"period": periodJSON(g.Period), "figures": g.Figures})
		}
		out["by"], out["groups"] = by, groups
	}
	writeJSON(w, http.StatusOK, out)
}

// periodJSON is a period as the figures answer it: the days from and to,
// both included, and the instants it starts and ends.
func periodJSON(p figures.Period) map[string]any {
	return map[string]any{"from": p.From.Format(time.DateOnly), "to": store.LastDay(p).Format(time.DateOnly),
		"start": p.From, "end": p.To}
}
