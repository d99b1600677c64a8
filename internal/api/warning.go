package api

import (
	"net/http"
	"strconv"

	"anju/internal/anju"
	"anju/internal/store"
)

func (s *API) handleHotspots(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	f := store.HotspotFilter{Region: r.URL.Query().Get("region")}
	var err error
	if f.Days, err = intParam(r, "days", 30); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Top, err = intParam(r, "top", 20); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.db.Hotspots(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *API) handleWarnings(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := r.URL.Query()
	f := store.WarningFilter{Kind: store.WarningKind(q.Get("kind")), State: q.Get("state"), Region: q.Get("region")}
	var err error
	if f.Page, err = intParam(r, "page", 1); err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.PageSize, err = intParam(r, "page_size", 50); err != nil {
		s.writeError(w, r, err)
		return
	}
	if v := q.Get("before"); v != "" {
		if f.Before, err = strconv.ParseInt(v, 10, 64); err != nil || f.Before < 1 {
			s.writeError(w, r, anju.FieldError("before", "before must be the next of an earlier page"))
			return
		}
	}
	l, err := s.db.ListWarnings(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *API) handleAcknowledgeWarning(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.writeError(w, r, anju.Errorf(anju.ENOTFOUND, "warning %q not found", r.PathValue("id")))
		return
	}
	var in struct {
		Note string `json:"note"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in, maxBody); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	wn, err := s.db.AcknowledgeWarning(r.Context(), a, id, in.Note)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wn)
}

func (s *API) handleSaveWarningSubscription(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in store.WarningSubscription
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	sub, err := s.db.SaveWarningSubscription(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sub)
}

// intParam reads a positive integer query parameter, def when absent.
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, anju.FieldError(name, "%s must be a positive number", name)
	}
	return n, nil
}
