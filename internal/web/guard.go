package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"

	"anju/internal/anju"
	"anju/internal/locale"
)

// csrfCookie holds the token every state-changing form must repeat
// (double-submit): a page from another site can make the browser send the
// cookie but cannot read it to fill the form. It works for residents who
// never sign in as well as for staff, and adds to the server's cross-origin
// check (Sec-Fetch-Site/Origin), which old browsers do not support.
const csrfCookie = "csrf"

// maxFormBody bounds a URL-encoded form; uploads are multipart and bounded by
// their handlers.
const maxFormBody = 256 << 10

// guard prepares every page request: the reader's language (remembered when
// chosen with ?lang=), the CSRF token, security headers, and — for anything
// but GET and HEAD — the CSRF check, before any handler reads the body.
func (w *Web) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		lang, chosen := locale.FromRequest(r)
		if chosen {
			locale.Remember(rw, r, lang)
		}
		v := &View{Printer: locale.Printer{Lang: lang}, Actor: anju.ActorFrom(r.Context()), Path: r.URL.Path, TileURL: w.tileURL}
		v.CSRF = csrfToken(rw, r)
		setPageHeaders(rw, w.tileURL)
		r = r.WithContext(context.WithValue(r.Context(), viewKey{}, v))
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !csrfOK(rw, r, v.CSRF) {
				w.fail(rw, r, v, anju.Errorf(anju.EFORBIDDEN, "CSRF token missing or wrong"))
				return
			}
		}
		next.ServeHTTP(rw, r)
	})
}

// csrfToken returns the request's token, issuing a new cookie when it has none.
func csrfToken(rw http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(rw, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	// The request that set it carries it too, so that a form posted right
	// after (by a test, or a page that was cached) is judged against it.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: tok})
	return tok
}

// csrfOK checks the token sent with a state change against the cookie: from
// the X-CSRF-Token header (htmx), the csrf query parameter (multipart forms,
// whose body a handler streams and the guard must not read), or the csrf
// field of a URL-encoded form.
func csrfOK(rw http.ResponseWriter, r *http.Request, want string) bool {
	if c, err := r.Cookie(csrfCookie); err != nil || c.Value != want {
		return false // a token issued just now cannot have been on the form
	}
	got := r.Header.Get("X-CSRF-Token")
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		// Parsed here, bounded, whichever way the token comes: an htmx
		// request sends it as a header, and its handler reads r.PostForm
		// like any other.
		r.Body = http.MaxBytesReader(rw, r.Body, maxFormBody)
		if err := r.ParseForm(); err != nil {
			return false
		}
		if got == "" {
			got = r.PostForm.Get("csrf")
		}
	case got == "" && strings.HasPrefix(ct, "multipart/form-data"):
		got = r.URL.Query().Get("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// setPageHeaders sets the Content-Security-Policy (no inline script or
// style, no eval: every script and stylesheet is a file of ours) and the
// other headers every page carries.
func setPageHeaders(rw http.ResponseWriter, tileURL string) {
	img := "'self' data: blob:"
	if origin := originOf(tileURL); origin != "" {
		img += " " + origin
	}
	h := rw.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src "+img+
		"; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Permissions-Policy", "geolocation=(self), camera=(self)")
}

// originOf is scheme://host of a tile URL template, for the CSP.
func originOf(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok || (scheme != "https" && scheme != "http") {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	host = strings.ReplaceAll(host, "{s}", "*")
	if host == "" || strings.ContainsAny(host, " ;'\"") {
		return ""
	}
	return scheme + "://" + host
}
