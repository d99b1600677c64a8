package web

import "net/http"

// handleHome is the resident portal's front page: report, track, the public
// map; staff find their workbench from the header.
func (w *Web) handleHome(rw http.ResponseWriter, r *http.Request, v *View) {
	v.Title = v.T("app.tagline")
	w.render(rw, r, v, http.StatusOK, "portal/home", nil)
}
