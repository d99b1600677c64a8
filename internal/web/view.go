package web

import (
	"context"
	"net/http"
	"net/url"

	"anju/internal/anju"
	"anju/internal/locale"
)

// View is what every template receives: the reader (language, actor, CSRF
// token), the page's title and its own data. Templates say words with
// {{.T "key"}} (inside a range: {{$.T "key"}}).
type View struct {
	locale.Printer
	Actor   *anju.Actor
	CSRF    string
	Path    string // the request path, for the language switch and "next"
	TileURL string
	Title   string
	Flash   string // a message carried over a redirect (by key)
	Data    any
}

type viewKey struct{}

// viewFrom returns the request's view, made by guard.
func viewFrom(ctx context.Context) *View {
	if v, ok := ctx.Value(viewKey{}).(*View); ok {
		return v
	}
	return &View{Printer: locale.Printer{Lang: locale.ZH}}
}

// Staff reports whether the reader is signed in with a staff role.
func (v *View) Staff() bool {
	return v.Actor != nil && v.Actor.Staff()
}

// Has reports whether the reader holds role anywhere.
func (v *View) Has(role string) bool { return v.Actor != nil && v.Actor.HasRole(anju.Role(role)) }

// LangSwitch is the URL of the current page in the other language.
func (v *View) LangSwitch() string { return v.Path + "?lang=" + string(v.Lang.Other()) }

// OtherLang names the language the switch offers, in that language.
func (v *View) OtherLang() string { return v.Lang.Other().Name() }

// HTMLLang is the document's language attribute.
func (v *View) HTMLLang() string {
	if v.Lang == locale.EN {
		return "en"
	}
	return "zh-CN"
}

// Asset is the content-hashed URL of a static file.
func (v *View) Asset(name string) string { return assetURL(name) }

// page adapts a handler taking the request's view.
func (w *Web) page(h func(http.ResponseWriter, *http.Request, *View)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		h(rw, r, viewFrom(r.Context()))
	})
}

// staff adapts a handler that needs a signed-in staff member: anyone else is
// sent to the sign-in page (an htmx request is told to go there whole), and
// comes back afterwards.
func (w *Web) staff(h func(http.ResponseWriter, *http.Request, *View)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		v := viewFrom(r.Context())
		if v.Actor == nil {
			back := r.URL.RequestURI()
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				// A form's action is no page to come back to: the page
				// it was posted from is (what was typed is lost with the
				// session; the sign-in page says the session ended).
				back = "/work"
				if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host {
					back = localPath(ref.RequestURI(), "/work")
				}
			}
			to := "/login?next=" + url.QueryEscape(back)
			if r.Header.Get("HX-Request") == "true" {
				rw.Header().Set("HX-Redirect", to)
				rw.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(rw, r, to, http.StatusSeeOther)
			return
		}
		if !v.Staff() {
			w.fail(rw, r, v, anju.Errorf(anju.EFORBIDDEN, "staff only"))
			return
		}
		h(rw, r, v)
	})
}
