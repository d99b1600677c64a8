package web

import "net/http"

// handleWork is the staff member's landing page: who they are and what
// they may do where.
func (w *Web) handleWork(rw http.ResponseWriter, r *http.Request, v *View) {
	u, err := w.db.GetUser(r.Context(), v.Actor, v.Actor.Login)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	v.Title = v.T("nav.work")
	w.render(rw, r, v, http.StatusOK, "work/home", u)
}
