package api

import (
	"net/http"
	"strconv"
	"time"

	"anju/internal/anju"
	"anju/internal/store"
)

func (s *API) handleUsers(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	us, err := s.db.ListUsers(r.Context(), a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if us == nil {
		us = []store.User{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": us})
}

func (s *API) handleUser(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	u, err := s.db.GetUser(r.Context(), a, r.PathValue("login"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *API) handleCreateUser(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in store.NewUser
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	var u store.User
	err := s.auth.Hashing(w, r, func() (err error) {
		u, err = s.db.CreateUser(r.Context(), a, in)
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (s *API) handleGrant(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in struct {
		Role       anju.Role `json:"role"`
		Region     string    `json:"region"`
		Department string    `json:"department"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := s.db.GrantRole(r.Context(), a, r.PathValue("login"), anju.Grant{Role: in.Role, Region: in.Region, Department: in.Department})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, g)
}

func (s *API) handleRevoke(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, anju.FieldError("id", "grant id must be a number"))
		return
	}
	if err := s.db.RevokeGrant(r.Context(), a, r.PathValue("login"), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *API) handleCreateToken(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in struct {
		Name      string     `json:"name"`
		ExpiresIn string     `json:"expires_in"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	nt := store.NewAPIToken{Name: in.Name}
	if in.ExpiresIn != "" {
		d, err := time.ParseDuration(in.ExpiresIn)
		if err != nil || d <= 0 {
			s.writeError(w, r, anju.FieldError("expires_in", "expires_in must be a positive duration such as \"720h\""))
			return
		}
		nt.ExpiresIn = d
	}
	if in.ExpiresAt != nil {
		nt.ExpiresAt = *in.ExpiresAt
	}
	tok, t, err := s.db.IssueAPIToken(r.Context(), a, r.PathValue("login"), nt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "id": t.ID, "name": t.Name,
		"created_at": t.CreatedAt, "expires_at": t.ExpiresAt})
}

func (s *API) handleTokens(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	ts, err := s.db.ListAPITokens(r.Context(), a, r.PathValue("login"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": ts})
}

func (s *API) handleRevokeToken(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, anju.FieldError("id", "token id must be a number"))
		return
	}
	if err := s.db.RevokeAPIToken(r.Context(), a, r.PathValue("login"), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *API) handleSetDisabled(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in struct {
		Disabled *bool `json:"disabled"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Disabled == nil {
		s.writeError(w, r, anju.FieldError("disabled", "give disabled: true or false"))
		return
	}
	if err := s.db.SetDisabled(r.Context(), a, r.PathValue("login"), *in.Disabled); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *API) handleSetPassword(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.auth.Hashing(w, r, func() error { return s.db.SetPassword(r.Context(), a, r.PathValue("login"), in.Password) }); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
