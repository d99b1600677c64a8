package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/region"
)

// handleRegionShapes answers GET /geo/regions/{code}?zoom=N: the region's
// children (districts, streets, communities or grids) as GeoJSON, thinned to
// what zoom N shows, for every map of the web pages. Boundaries are public
// geography (see store.RegionShapes) and change rarely: cached for ten
// minutes.
func (w *Web) handleRegionShapes(rw http.ResponseWriter, r *http.Request) {
	q := httpx.NewQuery(r)
	zoom := q.Int("zoom", 14, 0, 22)
	if err := q.Err(); err != nil {
		geoError(rw, err)
		return
	}
	code := r.PathValue("code")
	if len(code) > 32 {
		geoError(rw, anju.Errorf(anju.ENOTFOUND, "no region %q", code))
		return
	}
	self, children, err := w.db.RegionShapes(r.Context(), code)
	if err != nil {
		geoError(rw, err)
		return
	}
	features := make([]region.Region, 0, len(children))
	for _, c := range children {
		if c.Geometry == nil {
			continue
		}
		c.Region.Geometry = region.SimplifyForZoom(c.Geometry, zoom)
		features = append(features, c.Region)
	}
	body, err := region.MarshalFeatureCollection(features)
	if err != nil {
		geoError(rw, err)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "application/geo+json")
	h.Set("Cache-Control", "public, max-age=600")
	h.Set("X-Region-BBox", strconv.FormatFloat(self.BBox.Min[0], 'f', -1, 64)+","+strconv.FormatFloat(self.BBox.Min[1], 'f', -1, 64)+","+
		strconv.FormatFloat(self.BBox.Max[0], 'f', -1, 64)+","+strconv.FormatFloat(self.BBox.Max[1], 'f', -1, 64))
	rw.Write(body)
}

func geoError(rw http.ResponseWriter, err error) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.WriteHeader(httpx.Status(anju.ErrorCode(err)))
	json.NewEncoder(rw).Encode(map[string]any{"error": map[string]string{"code": anju.ErrorCode(err), "message": anju.ErrorMessage(err)}})
}

// locateJSON is the answer of GET /geo/locate.
type locateJSON struct {
	Grid      string   `json:"grid"`
	GridName  string   `json:"grid_name"`
	Ancestors []string `json:"ancestors"` // names, the city first
}

// handleLocate answers GET /geo/locate?lat=…&lon=…: the grid holding the
// point, for the map pin and "use my location". Like the boundaries, which
// grid a point lies in is public geography.
func (w *Web) handleLocate(rw http.ResponseWriter, r *http.Request) {
	q := httpx.NewQuery(r)
	lat, okLat := q.Float("lat", -90, 90)
	lon, okLon := q.Float("lon", -180, 180)
	if err := q.Err(); err != nil || !okLat || !okLon {
		if err == nil {
			err = anju.FieldError("lat", "lat and lon are required")
		}
		geoError(rw, err)
		return
	}
	loc, err := w.db.Locate(r.Context(), anju.SystemActor("web:locate"), lon, lat)
	if err != nil {
		geoError(rw, err)
		return
	}
	out := locateJSON{Grid: loc.Grid.Code, GridName: loc.Grid.Name, Ancestors: []string{}}
	for _, a := range loc.Ancestors {
		out.Ancestors = append(out.Ancestors, a.Name)
	}
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Cache-Control", "public, max-age=600")
	json.NewEncoder(rw).Encode(out)
}
