package server

import (
	"net"
	"net/http"
	"strings"
	"time"

	"anju/internal/anju"
)

// login checks credentials under the throttle, which counts failures per
// login name and per client address, and opens a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request, login, password string) (*anju.Actor, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if login == "" || password == "" {
		return nil, anju.FieldError("login", "login and password are required")
	}
	if !plainText(login) {
		return nil, anju.FieldError("login", "login must be UTF-8 text without NUL characters")
	}
	now := time.Now()
	keys := []string{"login:" + login, "addr:" + clientAddr(r)}
	for _, k := range keys {
		if ok, wait := s.throttle.Allow(k, now); !ok {
			return nil, anju.Errorf(anju.ETOOMANY, "too many failed sign-ins; try again in %d s", int(wait.Seconds())+1)
		}
	}
	a, err := s.db.Authenticate(r.Context(), login, password)
	if err != nil {
		if anju.ErrorCode(err) == anju.EUNAUTHORIZED {
			for _, k := range keys {
				s.throttle.Fail(k, now)
			}
		}
		return nil, err
	}
	for _, k := range keys {
		s.throttle.Succeed(k)
	}
	token, exp, err := s.db.CreateSession(r.Context(), a)
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", Expires: exp,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	return a, nil
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) handleLoginAPI(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.login(w, r, in.Login, in.Password)
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

func (s *Server) handleLogoutAPI(w http.ResponseWriter, r *http.Request) {
	s.logout(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.db.EndSession(r.Context(), c.Value)
	}
	clearSessionCookie(w, r)
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": s.version,
		"uptime_s": int(time.Since(s.started).Seconds())})
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if err := s.db.Ready(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "engine": s.db.Engine()})
}
