package api

import (
	"net/http"
	"strconv"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/store"
)

func (s *API) handleHotspots(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	f := store.HotspotFilter{Region: q.String("region"), Days: q.Positive("days", 30), Top: q.Positive("top", 20)}
	if err := q.Err(); err != nil {
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
	q := httpx.NewQuery(r)
	f := store.WarningFilter{Kind: store.WarningKind(q.String("kind")), State: q.String("state"), Region: q.String("region"),
		Page: q.Positive("page", 1), PageSize: q.Positive("page_size", 50), Before: q.ID("before")}
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
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
