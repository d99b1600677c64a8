package server

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/store"
)

// handleSearch answers GET /api/v1/search?q=…: full-text search over the
// cases the caller may see, with the filters of /api/v1/cases and a creation
// window (from, to: RFC 3339, or a date taken as China Standard Time).
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	f, err := caseFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	sq := store.SearchQuery{Q: q.Get("q"), Sort: q.Get("sort"), Kind: f.Kind, State: f.State, Region: f.Region,
		Category: f.Category, Department: f.Department, Channel: f.Channel, From: f.From, To: f.To, Page: f.Page, PageSize: f.PageSize}
	res, err := s.db.SearchCases(r.Context(), a, sq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
