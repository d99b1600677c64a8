package api

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/meeting"
	"anju/internal/store"
)

// organisers are the roles that arrange reception sessions, asked before a
// body is read; the store checks where.
var organisers = []anju.Role{anju.RoleSupervisor, anju.RoleDispatcher, anju.RoleAdmin}

// sessionCaseFilers may file a case born at a session: those who book and
// those who organise.
var sessionCaseFilers = []anju.Role{anju.RoleOperator, anju.RoleGridWorker, anju.RoleDispatcher, anju.RoleSupervisor, anju.RoleAdmin}

func (s *API) handleReceptions(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	f := store.ReceptionFilter{Region: q.String("region"), State: meeting.SessionState(q.String("state")),
		Before: q.ID("before"), Limit: q.Int("limit", 50, 1, 200)}
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.db.ListReceptions(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *API) handleCreateReception(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in meeting.Session
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.db.CreateReception(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *API) handleReception(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "reception session")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.db.GetReception(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleReceptionAction publishes, holds, closes or cancels a session; the
// action is the route's last segment.
func (s *API) handleReceptionAction(action meeting.SessionAction) func(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	return func(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
		id, err := pathID(r, "reception session")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out, err := s.db.ActOnReception(r.Context(), a, id, action)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// handleBookReception books a slot: staff for a caller, or a signed-in
// resident for themselves. The answer holds the booking code.
func (s *API) handleBookReception(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "reception session")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in meeting.Booking
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.db.BookSlot(r.Context(), a, id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *API) handleReceptionCase(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "reception session")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in store.SessionCase
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.db.FileSessionCase(r.Context(), a, id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// handleLeaderCases is the signed-in leader's own list: the open cases born
// at their sessions.
func (s *API) handleLeaderCases(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	before, limit := q.ID("before"), q.Int("limit", 50, 1, 200)
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.db.LeaderCases(r.Context(), a, before, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}
