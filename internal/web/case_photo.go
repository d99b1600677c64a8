package web

import (
	"net/http"
	"strconv"

	"anju/internal/anju"
)

// casePhoto serves a photo of a case to the staff who may read it:
// GET /work/cases/{id}/photos/{photo} and …/{photo}/thumb. The store judges
// the photo by its case's scope; a photo of another case is not found here,
// as one that does not exist. Its bytes never change, so the browser may
// keep it, privately.
func (w *Web) casePhoto(thumb bool) func(http.ResponseWriter, *http.Request, *View) {
	return func(rw http.ResponseWriter, r *http.Request, v *View) { w.serveCasePhoto(rw, r, v, thumb) }
}

func (w *Web) serveCasePhoto(rw http.ResponseWriter, r *http.Request, v *View, thumb bool) {
	id, ok := caseIDOf(r)
	photoID, err := strconv.ParseInt(r.PathValue("photo"), 10, 64)
	if !ok || err != nil || photoID <= 0 {
		w.fail(rw, r, v, notFoundCase(r))
		return
	}
	p, err := w.db.PhotoContent(r.Context(), v.Actor, photoID, thumb)
	if err == nil && p.CaseID != id {
		err = anju.Errorf(anju.ENOTFOUND, "photo %d is not of case %d", photoID, id)
	}
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("ETag", p.ETag())
	if r.Header.Get("If-None-Match") == p.ETag() {
		rw.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(p.Data)))
	rw.Write(p.Data)
}

func photoURL(caseID, photoID int64, thumb bool) string {
	u := caseURL(caseID) + "/photos/" + strconv.FormatInt(photoID, 10)
	if thumb {
		u += "/thumb"
	}
	return u
}
