package api

import (
	"net/http"
	"strconv"

	"anju/internal/anju"
	"anju/internal/store"
)

func (s *API) handleAudit(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := r.URL.Query()
	f := store.AuditFilter{Action: q.Get("action")}
	for name, dst := range map[string]*int64{"before": &f.Before} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				s.writeError(w, r, anju.FieldError(name, "%s must be a number", name))
				return
			}
			*dst = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			s.writeError(w, r, anju.FieldError("limit", "limit must be a number from 1 to 500"))
			return
		}
		f.Limit = n
	}
	es, err := s.db.ListAudit(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": es})
}
