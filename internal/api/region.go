package api

import (
	"net/http"

	"github.com/paulmach/orb/geojson"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/region"
	"anju/internal/store"
)

// regionJSON is the API shape of a region; geometry only for grids.
type regionJSON struct {
	Code     string            `json:"code"`
	Name     string            `json:"name"`
	Level    region.Level      `json:"level"`
	Parent   *string           `json:"parent"`
	BBox     *[4]float64       `json:"bbox"`
	Geometry *geojson.Geometry `json:"geometry,omitempty"`
}

func toRegionJSON(r store.RegionRecord) regionJSON {
	out := regionJSON{Code: r.Code, Name: r.Name, Level: r.Level}
	if r.Parent != "" {
		p := r.Parent
		out.Parent = &p
	}
	if !r.BBox.IsZero() {
		out.BBox = &[4]float64{r.BBox.Min[0], r.BBox.Min[1], r.BBox.Max[0], r.BBox.Max[1]}
	}
	if r.Level == region.LevelGrid && r.Geometry != nil {
		out.Geometry = geojson.NewGeometry(r.Geometry)
	}
	return out
}

func toRegionList(rs []store.RegionRecord) []regionJSON {
	out := make([]regionJSON, len(rs))
	for i, r := range rs {
		out[i] = toRegionJSON(r)
	}
	return out
}

func (s *API) handleCities(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	rs, err := s.db.Cities(r.Context(), a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"regions": toRegionList(rs)})
}

func (s *API) handleRegion(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	reg, err := s.db.GetRegion(r.Context(), a, r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toRegionJSON(reg))
}

func (s *API) handleChildren(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	rs, err := s.db.Children(r.Context(), a, r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"regions": toRegionList(rs)})
}

func (s *API) handleAncestors(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	rs, err := s.db.Ancestors(r.Context(), a, r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"regions": toRegionList(rs)})
}

// maxImport bounds a GeoJSON import body: a city of 50,000 detailed grids.
const maxImport = 256 << 20

func (s *API) handleImportRegions(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	rs, err := region.ParseFeatureCollection(http.MaxBytesReader(w, r.Body, maxImport))
	if err == nil {
		err = checkText(rs)
	}
	if err != nil {
		s.writeError(w, r, jsonErrorOr(err))
		return
	}
	res, err := s.db.ImportRegions(r.Context(), a, rs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// jsonErrorOr keeps errors that are already *anju.Error and translates body
// read errors (oversize) into them.
func jsonErrorOr(err error) error {
	if anju.ErrorCode(err) != anju.EINTERNAL {
		return err
	}
	return jsonError(err)
}

type locateJSON struct {
	Grid struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"grid"`
	Ancestors []ancestorJSON `json:"ancestors"`
}

type ancestorJSON struct {
	Code  string       `json:"code"`
	Level region.Level `json:"level"`
	Name  string       `json:"name"`
}

func (s *API) handleLocate(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	q.Required("lat")
	lat, _ := q.Float("lat", -90, 90)
	q.Required("lon")
	lon, _ := q.Float("lon", -180, 180)
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	loc, err := s.db.Locate(r.Context(), a, lon, lat)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var out locateJSON
	out.Grid.Code, out.Grid.Name = loc.Grid.Code, loc.Grid.Name
	out.Ancestors = make([]ancestorJSON, len(loc.Ancestors))
	for i, an := range loc.Ancestors {
		out.Ancestors[i] = ancestorJSON{Code: an.Code, Level: an.Level, Name: an.Name}
	}
	writeJSON(w, http.StatusOK, out)
}
