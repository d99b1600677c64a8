package api

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/cases"
)

// handleQueues answers GET /api/v1/queues: the count of each workbench
// queue the caller sees, under the filters of caseFilter.
func (s *API) handleQueues(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	f, err := caseFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	counts, err := s.db.QueueCounts(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"queues": counts})
}

// handleDispatchCases answers POST /api/v1/cases/dispatch: each of the
// selected cases is dispatched on its own (store.DispatchCases), and the
// answer reports each one.
func (s *API) handleDispatchCases(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in struct {
		IDs        []int64         `json:"ids"`
		Versions   map[int64]int64 `json:"versions"`
		Department string          `json:"department"`
		Note       string          `json:"note"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.db.DispatchCases(r.Context(), a, in.IDs, in.Versions, in.Department, cases.Input{Note: in.Note})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res})
}
