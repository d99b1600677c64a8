package api

import (
	"errors"
	"net/http"
	"strconv"

	"anju/internal/anju"
	"anju/internal/caseexport"
	"anju/internal/cases"
	"anju/internal/export"
	"anju/internal/locale"
	"anju/internal/store"
	"anju/internal/upload"
)

func (s *API) handleCreateCase(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	// Before the body, which may be 60 MB of photos.
	if err := store.MayFileCases(a); err != nil {
		s.writeError(w, r, err)
		return
	}
	var in store.NewCase
	if err := decodeSubmission(w, r, &in, &in.Photos); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, created, err := s.db.CreateCase(r.Context(), a, in, r.Header.Get("Idempotency-Key"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	// The answer is the case with, beside its fields, the open cases it
	// probably duplicates, for the operator to merge. The case is stored
	// already: a failure here only leaves the list empty.
	similar, err := s.db.DuplicatesOf(r.Context(), a, c, 5)
	if err != nil {
		s.log.WarnContext(r.Context(), "similar cases at intake", "case", c.ID, "err", err)
		similar = []store.SimilarCase{}
	}
	// And the categories and departments the city's own history suggests,
	// for the operator to confirm or correct the routing.
	sugg, err := s.db.Suggest(r.Context(), a, c.Title, c.Text, c.Grid.Code)
	if err != nil {
		s.log.WarnContext(r.Context(), "suggestions at intake", "case", c.ID, "err", err)
		sugg = store.Suggestions{Categories: []store.Suggested{}, Departments: []store.Suggested{}}
	}
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, status, struct {
		store.Case
		Similar     []store.SimilarCase `json:"similar"`
		Suggestions store.Suggestions   `json:"suggestions"`
	}{c, similar, sugg})
}

func caseID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, anju.Errorf(anju.ENOTFOUND, "case %q not found", r.PathValue("id"))
	}
	return id, nil
}

func (s *API) handleCase(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := caseID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.db.GetCase(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A kind with detail of its own shows it under the kind's name.
	if d, err := s.db.DisputeOf(r.Context(), a, c); err != nil {
		s.writeError(w, r, err)
		return
	} else if d != nil {
		writeJSON(w, http.StatusOK, store.NewCaseWithDispute(c, d))
		return
	}
	if p, err := s.db.PetitionOf(r.Context(), a, c); err != nil {
		s.writeError(w, r, err)
		return
	} else if p != nil {
		writeJSON(w, http.StatusOK, store.CaseWithPetition{Case: c, Petition: p})
		return
	}
	if f, err := s.db.HazardOf(r.Context(), a, c); err != nil {
		s.writeError(w, r, err)
		return
	} else if f != nil {
		writeJSON(w, http.StatusOK, store.CaseWithFinding{Case: c, Hazard: f})
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// handleCases answers GET /api/v1/cases: a page of the caller's cases, or
// of one workbench queue (queue=), with the filters of caseFilter. The
// answer's next, passed as before=, reads the following page. With
// format=csv or xlsx, every case of the filters instead, as a download
// (caseexport), in the language of Accept-Language (lang=).
func (s *API) handleCases(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	format, err := export.ParseFormat(r.URL.Query().Get("format"), caseexport.Formats...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := caseFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format != "" {
		lang, _ := locale.FromRequest(r)
		_, err := caseexport.Write(r.Context(), w, s.db, caseexport.Request{Actor: a, Filter: f, Query: r.URL.Query(),
			Format: format, Lang: lang})
		var partial *export.PartialError
		switch {
		case errors.As(err, &partial):
			s.log.ErrorContext(r.Context(), "export failed midway", "path", r.URL.Path, "err", err)
			caseexport.Abort()
		case err != nil:
			s.writeError(w, r, err)
		}
		return
	}
	list, err := s.db.ListCases(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *API) handleCaseAction(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := caseID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	action := cases.Action(r.PathValue("action"))
	if !validAction(action) {
		s.writeError(w, r, anju.Errorf(anju.ENOTFOUND, "no such action %q", action))
		return
	}
	var in store.ActionInput
	if upload.IsMultipart(r) {
		// Before the body, which may be 60 MB of photos: the case must be
		// visible and the action open to the actor now.
		if err := s.db.MayAct(r.Context(), a, id, action); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if r.ContentLength != 0 {
		if err := decodeSubmission(w, r, &in, &in.Photos); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	c, err := s.db.Act(r.Context(), a, id, action, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func validAction(a cases.Action) bool {
	for _, x := range cases.Actions {
		if x == a {
			return true
		}
	}
	return false
}

func (s *API) handleHistory(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := caseID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	es, err := s.db.History(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": es})
}

func (s *API) handleUnmask(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := caseID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.db.UnmaskReporter(r.Context(), a, id, in.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // the reporter's personal data
	writeJSON(w, http.StatusOK, map[string]string{"name": d.Name, "phone": d.Phone, "id_number": d.IDNumber, "address": d.Address})
}

// caseFilter reads the filters GET /api/v1/cases, /api/v1/queues and
// /api/v1/search share (store.CaseFilterFromQuery, which the workbench page
// reads too).
func caseFilter(r *http.Request) (store.CaseFilter, error) {
	return store.CaseFilterFromQuery(r.URL.Query())
}
