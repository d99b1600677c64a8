package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/httpx"
)

// Login checks credentials under the throttle, which counts failures per
// login name and per client address in the database (so across every
// server sharing it), and opens a session: sign-in for the
// API's session route and the web pages alike (httpx.Auth). The
// caller reports a failure in its own way (and logs the server's own).
func (s *Server) Login(w http.ResponseWriter, r *http.Request, login, password string) (*anju.Actor, error) {
	w.Header().Set("Cache-Control", "no-store")
	login = strings.ToLower(strings.TrimSpace(login))
	if login == "" || password == "" {
		return nil, anju.FieldError("login", "login and password are required")
	}
	if !httpx.PlainText(login) {
		return nil, anju.FieldError("login", "login must be UTF-8 text without NUL characters")
	}
	keys := []string{"login:" + login, "addr:" + httpx.ClientAddr(r)}
	ctx := r.Context()
	ticket, ok, wait, err := s.throttle.Reserve(ctx, keys)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, tooMany(w, wait, "too many failed sign-ins; try again in %d s")
	}
	var a *anju.Actor
	err = s.Hashing(w, r, func() (err error) {
		a, err = s.db.Authenticate(ctx, login, password)
		return err
	})
	// A password not evaluated (too busy, or the database failed) is not
	// counted; a right or wrong one is settled.
	var settleErr error
	if code := anju.ErrorCode(err); err != nil && code != anju.EUNAUTHORIZED {
		settleErr = s.throttle.Cancel(ctx, ticket)
	} else {
		settleErr = s.throttle.Settle(ctx, ticket, err == nil)
	}
	if settleErr != nil {
		s.log.WarnContext(ctx, "sign-in throttle not settled", "err", settleErr)
	}
	if err != nil {
		return nil, err
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

// Hashing runs fn, which hashes a password, in one of the process-wide hash
// slots. Each hash holds 64 MiB; past the bound it refuses at once with
// ETOOMANY rather than queue memory.
func (s *Server) Hashing(w http.ResponseWriter, r *http.Request, fn func() error) error {
	if !s.hashes.Acquire(r.Context(), hashWait) {
		return tooMany(w, time.Second, "the server is busy with other passwords; try again in %d s")
	}
	defer s.hashes.Release()
	return fn()
}

// hashWait is how long a sign-in waits for a free hash slot before it is refused.
const hashWait = 100 * time.Millisecond

// tooMany sets Retry-After and returns the ETOOMANY error whose message
// format takes the seconds to wait.
func tooMany(w http.ResponseWriter, wait time.Duration, format string) error {
	secs := int(wait.Seconds()) + 1
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return anju.Errorf(anju.ETOOMANY, format, secs)
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// Logout ends the request's session and clears its cookie.
func (s *Server) Logout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.db.EndSession(r.Context(), c.Value)
	}
	clearSessionCookie(w, r)
}
