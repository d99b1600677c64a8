package api

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/store"
)

func (s *API) handleAudit(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	f := store.AuditFilter{Action: q.String("action"), Before: q.ID("before"), Limit: q.Int("limit", 0, 1, 500)}
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	es, err := s.db.ListAudit(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": es})
}
