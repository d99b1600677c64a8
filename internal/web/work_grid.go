package web

import (
	"math"
	"net/http"
	"net/url"
	"time"

	"anju/internal/cases"
	"anju/internal/httpx"
	"anju/internal/store"
)

// The grid worker's phone page (GET /work/grid): the open cases of their own
// area, nearest first when the browser gave the position (?lat=&lon=, from
// a GET form the page's script fills), else by time left; each links to the
// case page, where the worker verifies and comments. "Report from here"
// opens the intake page with the position, channel grid patrol. The page
// carries no map and no library beyond htmx, to stay light on a slow
// connection.

type gridPage struct {
	Cases    []gridCase
	Located  bool
	Lat, Lon string
	Error    string
	Report   string // the intake page's URL, with the position when known
}

type gridCase struct {
	ID                    int64
	Title, Category, Grid string
	Address, Code         string
	State                 cases.State
	DistanceM             int // -1 when unknown
	DueClass, DueText     string
}

func (w *Web) handleGrid(rw http.ResponseWriter, r *http.Request, v *View) {
	if !w.mayFile(rw, r, v) {
		return
	}
	q := httpx.NewQuery(r)
	lat, okLat := q.Float("lat", -90, 90)
	lon, okLon := q.Float("lon", -180, 180)
	p := gridPage{Report: "/work/new?from=grid"}
	status := http.StatusOK
	var latP, lonP *float64
	switch {
	case q.Err() != nil || okLat != okLon:
		p.Error, status = v.T("grid.bad_position"), http.StatusBadRequest
	case okLat:
		latP, lonP, p.Located = &lat, &lon, true
		p.Lat, p.Lon = q.String("lat"), q.String("lon")
		p.Report += "&" + url.Values{"lat": {p.Lat}, "lon": {p.Lon}}.Encode()
	}
	near, err := w.db.OpenCasesNear(r.Context(), v.Actor, latP, lonP)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	tree, err := w.db.Taxonomy(r.Context(), v.Actor.City)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	now := w.db.Now()
	for _, n := range near {
		c := n.Case
		g := gridCase{ID: c.ID, Title: c.Title, Category: categoryNameOf(tree, v.Lang, c.Category), Grid: c.Grid.Name,
			Address: c.Address, Code: store.FormatTrackingCode(c.TrackingCode), State: c.State}
		g.DueClass, g.DueText = timeLeft(v, c.Deadlines.Resolution, now)
		g.DistanceM = -1
		if n.DistanceM != nil {
			g.DistanceM = int(math.Round(*n.DistanceM))
		}
		p.Cases = append(p.Cases, g)
	}
	v.Title = v.T("grid.title")
	w.render(rw, r, v, status, "work/grid", p)
}

// timeLeft says how long until due, with the colour class of the
// workbench: green, amber within a day, red when overdue.
func timeLeft(v *View, due, now time.Time) (class, text string) {
	left := due.Sub(now)
	switch {
	case left < 0:
		late := -left
		if late < 48*time.Hour {
			return "due-late", v.T("time.overdue_by", v.T("grid.hours", int(math.Ceil(late.Hours()))))
		}
		return "due-late", v.T("time.overdue_by", v.T("grid.days", int(late.Hours()/24)))
	case left <= 24*time.Hour:
		return "due-soon", v.T("time.left_hours", int(math.Ceil(left.Hours())))
	}
	return "due-ok", v.T("time.left_days", int(left.Hours()/24))
}
