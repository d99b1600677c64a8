package api

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/store"
)

// handleSearch answers GET /api/v1/search?q=…: full-text search over the
// cases the caller may see, with the filters of /api/v1/cases and a creation
// window (from, to: RFC 3339, or a date taken as China Standard Time).
func (s *API) handleSearch(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	f, err := caseFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := httpx.NewQuery(r)
	sq := store.SearchQuery{Q: q.String("q"), Sort: q.String("sort"), Kind: f.Kind, State: f.State, Region: f.Region,
		Category: f.Category, Department: f.Department, Channel: f.Channel, From: f.From, To: f.To, Page: f.Page, PageSize: f.PageSize}
	res, err := s.db.SearchCases(r.Context(), a, sq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// handleSuggest answers the operator's form before a category is chosen.
func (s *API) handleSuggest(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in struct {
		Title string   `json:"title"`
		Text  string   `json:"text"`
		Grid  string   `json:"grid"`
		Lat   *float64 `json:"lat"`
		Lon   *float64 `json:"lon"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Lat != nil && in.Lon != nil && in.Grid == "" {
		if code, err := s.db.LocateGrid(r.Context(), a, *in.Lon, *in.Lat); err == nil {
			in.Grid = code
		}
	}
	sugg, err := s.db.Suggest(r.Context(), a, in.Title, in.Text, in.Grid)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sugg)
}

func (s *API) handleTrainModels(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	ms, err := s.db.TrainSuggestionModels(r.Context(), a, a.City)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"models": ms})
}

func (s *API) handleModels(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	ms, err := s.db.SuggestionModels(r.Context(), a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": ms})
}

// handleSimilar lists open cases that may be the same problem as a case.
func (s *API) handleSimilar(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := caseID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := httpx.NewQuery(r)
	k := q.Positive("limit", 10)
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	ss, err := s.db.SimilarCases(r.Context(), a, id, k)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"similar": ss})
}
