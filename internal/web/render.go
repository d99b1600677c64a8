package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/store"
)

// render writes a whole page, or — to an htmx request for a page that
// defines a "fragment" template — just that fragment. The page is executed
// into a buffer first, so a template error becomes the 500 page rather than
// half a page.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, v *View, status int, page string, data any) {
	t := lookupPage(page)
	v.Data = data
	name := "layout"
	// htmx restoring a page from history (back button) asks as htmx does
	// but wants the whole page.
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true" &&
		r.Header.Get("HX-History-Restore-Request") != "true" && t.Lookup("fragment") != nil {
		name = "fragment"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		w.log.ErrorContext(r.Context(), "render", "page", page, "err", err)
		if page != "error" {
			w.fail(rw, r, v, anju.Errorf(anju.EINTERNAL, "render %s: %v", page, err))
		}
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store") // pages show who is signed in and live data
	h.Set("Vary", "HX-Request, Cookie")
	rw.WriteHeader(status)
	rw.Write(buf.Bytes())
}

// errorPage is the data of the error template.
type errorPage struct {
	Status  int
	Title   string
	Message string
}

// fail answers err as an HTML page in the reader's language with the status
// the error's code maps to. Internal errors are logged with their detail and
// shown only generically; a busy database asks to retry.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, v *View, err error) {
	err = store.Transient(err)
	code := anju.ErrorCode(err)
	status := httpx.Status(code)
	switch code {
	case anju.EINTERNAL:
		w.log.ErrorContext(r.Context(), "page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case anju.EUNAVAILABLE:
		rw.Header().Set("Retry-After", "1")
		w.log.WarnContext(r.Context(), "page refused: database unavailable", "path", r.URL.Path, "err", err)
	}
	v.Title = v.T(titleKey(status))
	w.render(rw, r, v, status, "error", errorPage{Status: status, Title: v.Title, Message: errorMessage(v, err)})
}

func titleKey(status int) string {
	switch status {
	case 400, 403, 404, 409, 413, 429, 503:
		return "error.title." + strconv.Itoa(status)
	case 401:
		return "error.title.403"
	case 422:
		return "error.title.400"
	}
	return "error.title.500"
}

// errorMessage says err in the reader's language. The store's messages are
// English details; a Chinese reader gets the code's sentence, with the
// detail kept for the kinds of error where it names what to fix.
func errorMessage(v *View, err error) string {
	code := anju.ErrorCode(err)
	switch code {
	case anju.EINVALID, anju.ECONFLICT, anju.EUNPROCESSABLE:
		return v.T("error."+code, anju.ErrorMessage(err))
	case anju.ETOOMANY:
		return v.T("error.too_many", 1)
	case anju.ENOTFOUND, anju.EUNAUTHORIZED, anju.EFORBIDDEN, anju.ETOOLARGE, anju.EUNAVAILABLE:
		return v.T("error." + code)
	}
	return v.T("error.internal")
}

// seeOther answers a successful POST: 303 to the page that shows its result
// (POST/redirect/GET), or for htmx a redirect header the script follows.
func seeOther(rw http.ResponseWriter, r *http.Request, to string) {
	if r.Header.Get("HX-Request") == "true" {
		rw.Header().Set("HX-Redirect", to)
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(rw, r, to, http.StatusSeeOther)
}

// localPath is next when it is a path on this site, else fallback: a sign-in
// must not send anyone to another site.
func localPath(next, fallback string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.IsAbs() || u.Host != "" || next[0] != '/' || (len(next) > 1 && (next[1] == '/' || next[1] == '\\')) {
		return fallback
	}
	return next
}
