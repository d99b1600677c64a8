package web

import (
	"encoding/json"
	"net/http"

	"anju/internal/store"
)

// mapPage is the data of the public map: the grids with open public
// reports, which the map draws and the page lists for readers without it.
type mapPage struct {
	City  string
	Grids []store.PublicGrid
}

func (w *Web) handleMap(rw http.ResponseWriter, r *http.Request, v *View) {
	v.Title = v.T("portal.map.title")
	city, err := w.portalCity(r.Context())
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	grids, err := w.db.PublicGrids(r.Context(), city)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	w.render(rw, r, v, http.StatusOK, "portal/map", mapPage{City: city, Grids: grids})
}

// handleMapPoints answers GET /map/cases.geojson: one point per grid with
// open public reports, at the grid's centre, for js/map.js (which sets the
// popup's words as text, never as HTML).
func (w *Web) handleMapPoints(rw http.ResponseWriter, r *http.Request, v *View) {
	city, err := w.portalCity(r.Context())
	if err != nil {
		geoError(rw, err)
		return
	}
	grids, err := w.db.PublicGrids(r.Context(), city)
	if err != nil {
		geoError(rw, err)
		return
	}
	type feature struct {
		Type     string         `json:"type"`
		Geometry map[string]any `json:"geometry"`
		Props    map[string]any `json:"properties"`
	}
	out := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection", Features: []feature{}}
	for _, g := range grids {
		out.Features = append(out.Features, feature{Type: "Feature",
			Geometry: map[string]any{"type": "Point", "coordinates": []float64{g.Lon, g.Lat}},
			Props: map[string]any{"title": g.Grid.Name, "detail": v.T("portal.map.open_count", g.Open),
				"href": "/?grid=" + g.Grid.Code + "#public", "open": g.Open}})
	}
	rw.Header().Set("Content-Type", "application/geo+json")
	rw.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(rw).Encode(out)
}

func (w *Web) handlePrivacy(rw http.ResponseWriter, r *http.Request, v *View) {
	v.Title = v.T("portal.privacy.title")
	w.render(rw, r, v, http.StatusOK, "portal/privacy", nil)
}
