package api

import (
	"net/http"

	"anju/internal/anju"
)

// The session routes sign in and out through the server's Auth, which
// keeps the throttle, the hash bound and the session cookie.

func (s *API) handleLoginAPI(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.auth.Login(w, r, in.Login, in.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.db.GetUser(r.Context(), a, a.Login)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *API) handleLogoutAPI(w http.ResponseWriter, r *http.Request) {
	s.auth.Logout(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *API) handleMe(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	u, err := s.db.GetUser(r.Context(), a, a.Login)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}
