package server

import (
	"net/http"
	"strconv"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
)

// handleSearch answers GET /api/v1/search?q=…: full-text search over the
// cases the caller may see, with the filters of /api/v1/cases and a creation
// window (from, to: RFC 3339, or a date taken as China Standard Time).
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := r.URL.Query()
	sq := store.SearchQuery{Q: q.Get("q"), Sort: q.Get("sort"), Kind: cases.Kind(q.Get("kind")), State: cases.State(q.Get("state")),
		Region: q.Get("region"), Category: q.Get("category"), Department: q.Get("department")}
	for name, dst := range map[string]*int{"page": &sq.Page, "page_size": &sq.PageSize} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				s.writeError(w, r, anju.FieldError(name, "%s must be a positive number", name))
				return
			}
			*dst = n
		}
	}
	for name, dst := range map[string]*time.Time{"from": &sq.From, "to": &sq.To} {
		if v := q.Get(name); v != "" {
			t, err := parseTimeParam(v)
			if err != nil {
				s.writeError(w, r, anju.FieldError(name, "%s must be a date (2026-03-02) or an RFC 3339 time", name))
				return
			}
			*dst = t
		}
	}
	res, err := s.db.SearchCases(r.Context(), a, sq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// chinaTime is the zone of a bare date: Anju's cities keep China Standard
// Time, which has no daylight saving.
var chinaTime = time.FixedZone("CST", 8*3600)

func parseTimeParam(v string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", v, chinaTime); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}
