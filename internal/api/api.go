// Package api is Anju's JSON API under /api/v1/: thin handlers, one file per
// resource, that decode a request, call the store with the request's actor
// and encode the answer. Every route is listed in routes.go; the server
// (internal/server) mounts them and puts the actor in the request's context.
package api

import (
	"log/slog"
	"net/http"
	"slices"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/store"
)

// Config is what the API needs from outside.
type Config struct {
	DB   *store.DB
	Log  *slog.Logger
	Auth httpx.Auth
}

// API holds the dependencies of the handlers.
type API struct {
	db   *store.DB
	log  *slog.Logger
	auth httpx.Auth
}

// New returns the API; Register mounts it.
func New(cfg Config) *API {
	s := &API{db: cfg.DB, log: cfg.Log, auth: cfg.Auth}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// authed refuses requests without an actor and, when roles are given,
// requests from an actor holding none of them anywhere. The check is coarse
// (the store still checks the scope) but comes before the handler reads one
// byte of the body, so a signed-in user cannot make the server read and parse
// a body meant for a role they lack.
func (s *API) authed(h func(w http.ResponseWriter, r *http.Request, a *anju.Actor), roles ...anju.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := anju.ActorFrom(r.Context())
		if a == nil {
			s.writeError(w, r, anju.Errorf(anju.EUNAUTHORIZED, "sign in or send 'Authorization: Bearer TOKEN'"))
			return
		}
		if len(roles) > 0 && !slices.ContainsFunc(roles, a.HasRole) {
			w.Header().Set("Connection", "close")
			s.writeError(w, r, anju.Errorf(anju.EFORBIDDEN, "this needs the %s role", roles[0]))
			return
		}
		h(w, r, a)
	})
}

// admin is authed for routes only administrators may use.
func (s *API) admin(h func(w http.ResponseWriter, r *http.Request, a *anju.Actor)) http.Handler {
	return s.authed(h, anju.RoleAdmin)
}
