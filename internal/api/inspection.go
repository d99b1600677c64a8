package api

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/hazard"
	"anju/internal/httpx"
	"anju/internal/store"
)

func (s *API) handleInspections(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	f := store.InspectionFilter{State: hazard.TaskState(q.OneOf("state", "due", "done", "missed")), Region: q.String("region"),
		Before: q.ID("before"), Limit: q.Int("limit", 50, 1, 200)}
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.db.ListInspections(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *API) handleInspection(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "inspection")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in, err := s.db.GetInspection(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

// handleCompleteInspection takes the answers as JSON. Photos of findings
// are not taken here yet: the store attaches them to the rectification case
// (CompleteInspection's photos), and a multipart form like the case
// intake's is what remains to be written.
func (s *API) handleCompleteInspection(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "inspection")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		Answers []hazard.Answer `json:"answers"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(in.Answers) > hazard.MaxItems {
		s.writeError(w, r, anju.FieldError("answers", "a checklist has at most %d items", hazard.MaxItems))
		return
	}
	out, err := s.db.CompleteInspection(r.Context(), a, id, in.Answers, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
