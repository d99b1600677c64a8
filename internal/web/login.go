package web

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/store"
)

// loginPage is the data of the sign-in form; Login keeps what was typed.
type loginPage struct {
	Login string
	Next  string
	Error string
}

func (w *Web) handleLoginPage(rw http.ResponseWriter, r *http.Request, v *View) {
	next := localPath(r.URL.Query().Get("next"), "/work")
	if v.Actor != nil {
		http.Redirect(rw, r, next, http.StatusSeeOther)
		return
	}
	v.Title = v.T("login.title")
	w.render(rw, r, v, http.StatusOK, "login", loginPage{Next: next})
}

// handleLogin signs in through the server's throttle and hash bound; a wrong
// password shows the form again with the login kept and one message that does
// not say which of the two was wrong.
func (w *Web) handleLogin(rw http.ResponseWriter, r *http.Request, v *View) {
	login, next := r.PostForm.Get("login"), localPath(r.PostForm.Get("next"), "/work")
	v.Title = v.T("login.title")
	if _, err := w.auth.Login(rw, r, login, r.PostForm.Get("password")); err != nil {
		err = store.Transient(err)
		var msg string
		switch anju.ErrorCode(err) {
		case anju.EUNAUTHORIZED:
			msg = v.T("login.wrong")
		case anju.EINVALID:
			msg = v.T("login.required")
		default:
			msg = errorMessage(v, err)
		}
		switch anju.ErrorCode(err) {
		case anju.EINTERNAL:
			w.log.ErrorContext(r.Context(), "sign-in failed", "err", err)
		case anju.EUNAVAILABLE:
			rw.Header().Set("Retry-After", "1")
			w.log.WarnContext(r.Context(), "sign-in refused: database unavailable", "err", err)
		}
		w.render(rw, r, v, httpx.Status(anju.ErrorCode(err)), "login", loginPage{Login: login, Next: next, Error: msg})
		return
	}
	seeOther(rw, r, next)
}

func (w *Web) handleLogout(rw http.ResponseWriter, r *http.Request, v *View) {
	w.auth.Logout(rw, r)
	seeOther(rw, r, "/login")
}

func (w *Web) handleNotFound(rw http.ResponseWriter, r *http.Request, v *View) {
	w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no page %s", r.URL.Path))
}
