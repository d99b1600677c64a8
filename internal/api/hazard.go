package api

import (
	"net/http"
	"strconv"

	"anju/internal/anju"
	"anju/internal/hazard"
	"anju/internal/httpx"
	"anju/internal/store"
)

// staff wraps the routes for the city's staff only (the hazard register and
// its inspections, reception sessions and meetings as staff manage them): a
// resident's grant sees none of it, and is refused before anything is read.
func (s *API) staff(h func(w http.ResponseWriter, r *http.Request, a *anju.Actor)) http.Handler {
	return s.authed(func(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
		if !a.Staff() {
			s.writeError(w, r, anju.Errorf(anju.EFORBIDDEN, "this is for the city's staff"))
			return
		}
		h(w, r, a)
	})
}

func pathID(r *http.Request, what string) (int64, error) { return pathIDOf(r, "id", what) }

// pathIDOf reads the id in the route's wildcard name; one that is not a
// positive number names nothing, so it is not found.
func pathIDOf(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, anju.Errorf(anju.ENOTFOUND, "%s %q not found", what, r.PathValue(name))
	}
	return id, nil
}

func (s *API) handleHazards(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	f := store.HazardFilter{Region: q.String("region"), Type: hazard.Type(q.String("type")),
		RiskLevel: hazard.RiskLevel(q.String("risk_level")), Before: q.ID("before"), Limit: q.Int("limit", 50, 1, 200)}
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.db.ListHazards(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *API) handleRegisterHazard(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in hazard.Hazard
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	h, err := s.db.RegisterHazard(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h)
}

// handleUpdateHazard changes a register entry: the hazard's fields whole,
// with the version it was read at.
func (s *API) handleUpdateHazard(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "hazard")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		hazard.Hazard
		Version int64 `json:"version"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Version <= 0 {
		s.writeError(w, r, anju.FieldError("version", "send the version the hazard was read at"))
		return
	}
	h, err := s.db.UpdateHazard(r.Context(), a, id, in.Version, in.Hazard)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// handleFindings lists findings: the lists behind the figures' numbers.
func (s *API) handleFindings(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	f := store.FindingFilter{State: q.OneOf("state", "open", "closed"), RiskLevel: hazard.RiskLevel(q.String("risk_level")),
		Region: q.String("region"), HazardID: q.ID("hazard"), Reinspect: q.Bool("reinspect"), ClosedFrom: q.Day("closed_from"),
		ClosedTo: q.Day("closed_to"), Before: q.ID("before"), Limit: q.Int("limit", 50, 1, 200)}
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.db.ListFindings(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *API) handleHazard(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "hazard")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h, err := s.db.GetHazard(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *API) handleChecklists(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	cs, err := s.db.Checklists(r.Context(), a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"checklists": cs})
}

func (s *API) handleSaveChecklist(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in struct {
		Category string        `json:"category"`
		Items    []hazard.Item `json:"items"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.db.SaveChecklist(r.Context(), a, hazard.Checklist{Type: hazard.Type(r.PathValue("type")), Category: in.Category, Items: in.Items})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *API) handleHazardPlan(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	p, err := s.db.HazardPlan(r.Context(), a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *API) handleSaveHazardPlan(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in hazard.Frequency
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.db.SaveHazardPlan(r.Context(), a, hazard.RiskLevel(r.PathValue("level")), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *API) handleHazardFigures(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	fq := store.HazardFigureQuery{Region: q.String("region"), From: q.Day("from"), To: q.Day("to")}
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.db.HazardFigures(r.Context(), a, fq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (s *API) handleReinspect(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "finding")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		Passed *bool  `json:"passed"`
		Note   string `json:"note"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Passed == nil {
		s.writeError(w, r, anju.FieldError("passed", "say whether the hazard is rectified: passed true or false"))
		return
	}
	f, err := s.db.Reinspect(r.Context(), a, id, *in.Passed, in.Note)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}
