package web

import (
	"net/http"

	"anju/internal/httpx"
	"anju/internal/store"
)

// homePage is the data of the front page: the public list, a page at a
// time newest first (?before=ID), optionally one grid's (?grid=CODE).
type homePage struct {
	City   string
	Cases  []store.PublicCase
	Next   int64
	Grid   string
	Before int64
}

// handleHome is the resident portal's front page: report, track, the public
// list and map; staff find their workbench from the header.
func (w *Web) handleHome(rw http.ResponseWriter, r *http.Request, v *View) {
	v.Title = v.T("app.tagline")
	q := httpx.NewQuery(r)
	f := store.PublicFilter{Before: q.ID("before"), Grid: q.String("grid"), Limit: 10}
	if err := q.Err(); err != nil || len(f.Grid) > 32 {
		f = store.PublicFilter{Limit: 10}
	}
	city, err := w.portalCity(r.Context())
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	page, err := w.db.PublicCases(r.Context(), city, f)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	w.render(rw, r, v, http.StatusOK, "portal/home", homePage{City: city, Cases: page.Cases, Next: page.Next, Grid: f.Grid, Before: f.Before})
}
