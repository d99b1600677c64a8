package api

import (
	"net/http"
	"strconv"

	"anju/internal/anju"
	"anju/internal/petition"
	"anju/internal/store"
)

// Petitions (信访) have a route of their own for intake, like disputes: a
// petition's detail goes in with its case or not at all, and an
// Idempotency-Key is held to the whole petition. Once in, a
// petition is a case: GET /api/v1/cases?kind=petition lists it, GET
// /api/v1/cases/{id} shows its detail under "petition", and its statutory
// steps are case actions the store puts to the petition's clock. Every
// route is for staff, refused before the body is read; the store then
// checks scope (404), role and state (403, 409), then input (400).

func (s *API) handleCreatePetition(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	if err := store.MayFileCases(a); err != nil {
		s.writeError(w, r, err)
		return
	}
	var in store.NewPetition
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	cp, created, err := s.db.CreatePetitionOnce(r.Context(), a, in, r.Header.Get("Idempotency-Key"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(cp.ID, 10))
	writeJSON(w, status, cp)
}

func (s *API) handlePetition(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "petition")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cp, err := s.db.GetPetition(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cp)
}

// handlePetitionPrint answers a printable document's content: which is
// store.PrintNotice or store.PrintOpinion.
func (s *API) handlePetitionPrint(which string) func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return func(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
		id, err := pathID(r, "petition")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p, err := s.db.GetPetitionPrint(r.Context(), a, id, which)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, p)
	}
}

func (s *API) handleAcceptPetition() func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return kindStep(s, "petition", func(db *store.DB, r *http.Request, a *anju.Actor, id int64, in petition.Acceptance) (store.CaseWithPetition, error) {
		return db.AcceptPetition(r.Context(), a, id, in)
	})
}

func (s *API) handleDeclinePetition() func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return kindStep(s, "petition", func(db *store.DB, r *http.Request, a *anju.Actor, id int64, in petition.Declining) (store.CaseWithPetition, error) {
		return db.DeclinePetition(r.Context(), a, id, in)
	})
}

func (s *API) handlePetitionExtension() func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return kindStep(s, "petition", func(db *store.DB, r *http.Request, a *anju.Actor, id int64, in petition.ExtensionRequest) (store.CaseWithPetition, error) {
		return db.RequestPetitionExtension(r.Context(), a, id, in)
	})
}

func (s *API) handlePetitionOpinion() func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return kindStep(s, "petition", func(db *store.DB, r *http.Request, a *anju.Actor, id int64, in petition.Opinion) (store.CaseWithPetition, error) {
		return db.RecordPetitionOpinion(r.Context(), a, id, in)
	})
}

func (s *API) handlePetitionReview(step petition.Action) func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return kindStep(s, "petition", func(db *store.DB, r *http.Request, a *anju.Actor, id int64, in petition.ReviewRequest) (store.CaseWithPetition, error) {
		return db.RequestPetitionReview(r.Context(), a, id, step, in)
	})
}
