package api

import (
	"net/http"
	"strconv"

	"anju/internal/anju"
	"anju/internal/dispute"
	"anju/internal/httpx"
	"anju/internal/store"
)

// Disputes have a route of their own for intake, rather than a "dispute"
// object on POST /api/v1/cases: the generic intake takes photos in a
// multipart body, and a dispute's parties must go in with its case or not at
// all; an Idempotency-Key here is held to the whole dispute. Once in, a
// dispute is a case like any other: GET /api/v1/cases?kind=dispute lists it
// and GET /api/v1/cases/{id} shows its detail under "dispute". The steps of
// a mediation are checked in the store, scope first (404), then role and
// state (403, 409), then input (400); their bodies are small JSON.

func (s *API) handleCreateDispute(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	if err := store.MayFileCases(a); err != nil {
		s.writeError(w, r, err)
		return
	}
	var in store.NewDispute
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	cd, created, err := s.db.CreateDisputeOnce(r.Context(), a, in, r.Header.Get("Idempotency-Key"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(cd.ID, 10))
	writeJSON(w, status, cd)
}

// handleDisputes answers GET /api/v1/disputes: a page of the disputes the
// caller sees, or of one of his dispute queues (queue=).
func (s *API) handleDisputes(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	f := store.DisputeFilter{State: dispute.State(q.String("state")), FollowUpDue: q.Bool("follow_up_due"), Before: q.ID("before"),
		Limit: q.Int("limit", 50, 1, 200)}
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	queue, err := dispute.ParseQueue(q.String("queue"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f.Queue = queue
	l, err := s.db.ListDisputes(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

// handleDisputeQueues answers GET /api/v1/disputes/queues: the count of each
// dispute queue the caller sees.
func (s *API) handleDisputeQueues(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	counts, err := s.db.DisputeQueueCounts(r.Context(), a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"queues": counts})
}

func (s *API) handleDispute(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "dispute")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cd, err := s.db.GetDispute(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cd)
}

func (s *API) handleDisputeAgreement(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "dispute")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ag, err := s.db.GetDisputeAgreement(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ag)
}

func (s *API) handleDisputeSession() func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return kindStep(s, "dispute", func(db *store.DB, r *http.Request, a *anju.Actor, id int64, in dispute.Session) (store.CaseWithDispute, error) {
		return db.RecordDisputeSession(r.Context(), a, id, in)
	})
}

func (s *API) handleDisputeOutcome() func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return kindStep(s, "dispute", func(db *store.DB, r *http.Request, a *anju.Actor, id int64, in dispute.Outcome) (store.CaseWithDispute, error) {
		return db.RecordDisputeOutcome(r.Context(), a, id, in)
	})
}

func (s *API) handleDisputeReferral() func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return kindStep(s, "dispute", func(db *store.DB, r *http.Request, a *anju.Actor, id int64, in dispute.ReferralResult) (store.CaseWithDispute, error) {
		return db.RecordReferralResult(r.Context(), a, id, in)
	})
}

func (s *API) handleDisputeFollowUp() func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return kindStep(s, "dispute", func(db *store.DB, r *http.Request, a *anju.Actor, id int64, in dispute.FollowUp) (store.CaseWithDispute, error) {
		return db.RecordFollowUp(r.Context(), a, id, in)
	})
}

func (s *API) handleDisputeSettings(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	st, err := s.db.DisputeSettings(r.Context(), a.City)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *API) handleSaveDisputeSettings(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in dispute.Settings
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.db.SetDisputeSettings(r.Context(), a, in); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

// kindStep is the handler of one step of a kind of case (a mediation's, a
// petition's) at /api/v1/{what}s/{id}/…, taking a body of type T and
// answering the case with its detail.
func kindStep[T, R any](s *API, what string, step func(db *store.DB, r *http.Request, a *anju.Actor, id int64, in T) (R, error)) func(http.ResponseWriter, *http.Request, *anju.Actor) {
	return func(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
		id, err := pathID(r, what)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var in T
		if err := decodeJSON(w, r, &in, maxBody); err != nil {
			s.writeError(w, r, err)
			return
		}
		out, err := step(s.db, r, a, id, in)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}
