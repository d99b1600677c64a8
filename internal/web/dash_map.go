package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"anju/internal/anju"
	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/region"
	"anju/internal/store"
)

// The grid map (GET /dash/map): one figure of every grid of the reader's
// subtree for the dashboard's filter and period, as a choropleth drawn from
// the city's own grid polygons (no tile server: it works offline), with the
// period's hotspots as markers and a table of the same numbers for readers
// without the map. With format=geojson the same map is a GeoJSON download:
// every grid with its figures in its properties, the hotspots as points,
// the legend as a member of the collection.

// mapFigure is a figure the map can colour grids by: its query name and key.
type mapFigure struct {
	Name string
	Key  figures.Key
}

// mapFigures are the figures the map offers, the first the default; the
// popup of a grid shows all of them.
// mapKeys are the figures a map reads.
func mapKeys() []figures.Key {
	keys := []figures.Key{figures.Received}
	for _, mf := range mapFigures {
		keys = append(keys, mf.Key)
	}
	return keys
}

var mapFigures = []mapFigure{
	{"received", figures.Received},
	{"overdue", figures.OverdueByAge},
	{"backlog", figures.BacklogByAge},
	{"on_time_response", figures.OnTimeResponse},
	{"on_time_resolution", figures.OnTimeResolution},
	{"satisfaction", figures.Satisfaction},
}

// maxMapGrids bounds a map: a district of a megacity has a few thousand
// grids; a whole city is chosen district by district.
const maxMapGrids = 5000

// mapSwatches is how many colours the palette has (classes c0 … c4 of
// dashmap.css).
const mapSwatches = 5

// mapClass is one class of the legend: the values it holds, in words, and
// its colour (a swatch of the palette).
type mapClass struct {
	Label  string `json:"label"`
	Swatch int    `json:"swatch"`
	low    float64
}

// mapLegend cuts a figure's values into classes. Counts: 0 alone, then up
// to four classes at the quartiles of the grids that have any, so that a few
// very busy grids do not leave every other one in the first class (at most
// five classes, as many as the palette has colours). Shares:
// fixed steps, so that one colour means the same rate on every map. A grid
// with no figure (a share over no cases) has no class.
type mapLegend struct {
	Classes []mapClass
	share   bool
}

func newMapLegend(v *View, unit figures.Unit, values []float64) mapLegend {
	if unit == figures.UnitShare {
		lows := []float64{0, 0.6, 0.75, 0.85, 0.95}
		l := mapLegend{share: true}
		for i, lo := range lows {
			var label string
			switch {
			case i == 0:
				label = v.T("dashmap.legend.below", pct(lows[1]))
			case i == len(lows)-1:
				label = v.T("dashmap.legend.from", pct(lo))
			default:
				label = v.T("dashmap.legend.range", pct(lo), pct(lows[i+1]))
			}
			l.Classes = append(l.Classes, mapClass{Label: label, Swatch: i, low: lo})
		}
		return l
	}
	var pos []float64
	for _, x := range values {
		if x > 0 {
			pos = append(pos, x)
		}
	}
	slices.Sort(pos)
	lows := []float64{0}
	if len(pos) > 0 {
		// Counts are whole: 0 stays alone, the next class starts at 1.
		lows = append(lows, 1)
		for q := range 4 {
			if x := pos[q*len(pos)/4]; x > lows[len(lows)-1] {
				lows = append(lows, x)
			}
		}
	}
	l := mapLegend{}
	for i, lo := range lows {
		hi := 0.0
		switch {
		case i+1 < len(lows):
			hi = lows[i+1] - 1
		case len(pos) > 0:
			hi = pos[len(pos)-1]
		}
		label := strconv.Itoa(int(lo))
		if hi > lo {
			label = v.T("dashmap.legend.span", int(lo), int(hi))
		}
		// The colours spread over the palette whatever the number of
		// classes, so that the busiest class is always the darkest.
		swatch := 0
		if len(lows) > 1 {
			swatch = int(math.Round(float64(i) * (mapSwatches - 1) / float64(len(lows)-1)))
		}
		l.Classes = append(l.Classes, mapClass{Label: label, Swatch: swatch, low: lo})
	}
	return l
}

func pct(x float64) string { return strconv.Itoa(int(math.Round(x*100))) + "%" }

// classOf is the class of value x, or -1 for no figure.
func (l mapLegend) classOf(x float64, known bool) int {
	if !known {
		return -1
	}
	c := 0
	for i, cl := range l.Classes {
		if x >= cl.low {
			c = i
		}
	}
	return c
}

// mapValue is the number the map colours by, and whether there is one.
func mapValue(x figures.Value) (float64, bool) {
	switch x.Unit {
	case figures.UnitShare:
		return x.Share()
	case figures.UnitDuration:
		return x.Duration.Hours(), x.Known
	}
	return float64(x.Count), true
}

// gridMapPage is the data of templates/dash/map.html.
type gridMapPage struct {
	*dashPage
	Figure   string
	Figures  []choice
	Label    string // the figure's name
	Legend   []mapClass
	Grids    []gridMapGrid
	GeoJSON  string // the map as GeoJSON, for the script and as a download
	Hotspots []mapHotspot
	// HotspotsToday: hotspots are found over the days up to now, so a
	// period that ends before today has none on its map.
	HotspotsToday bool
	HotspotsAsOf  string // when they were found (store.HotspotsEvery apart)
}

// gridMapGrid is one grid on the map and in its table.
type gridMapGrid struct {
	Code, Name string
	Value      string // the colouring figure, in words
	Class      int    // its legend class, -1 for no figure
	Swatch     int
	Link       string // the workbench list of the grid's cases received in the period
	LinkText   string // "its N cases"
	Figures    []gridMapFigure
	Geometry   orb.Geometry
}

// gridMapFigure is one line of a grid's popup.
type gridMapFigure struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Value string `json:"value"`
	// Href lists the cases the value counts (a share's numerator).
	Href string `json:"href,omitempty"`
}

// mapHotspot is a hotspot's marker: where its reports come from (the centre
// of the place's grids on the map) and what it is.
type mapHotspot struct {
	Name     string
	Count    int
	Lon, Lat float64
}

// dashFilter reads the dashboard's filter from the query as GET /dash
// does: the values kept, the reader's choices, and the figure filter and
// period. A bad filter is reported on p (Error, Field) with err returned
// as well; a region outside the reader's reach is ENOTFOUND.
func (w *Web) dashFilter(ctx context.Context, v *View, q url.Values) (*dashPage, store.FigureFilter, figures.Period, error) {
	p, err := w.dashChoices(ctx, v, q)
	if err != nil {
		return p, store.FigureFilter{}, figures.Period{}, err
	}
	f, period, err := store.FigureQueryFromQuery(p.Values, w.db.Now())
	if err != nil {
		p.dashError(v, err)
	}
	p.fields(v)
	return p, f, period, err
}

// dashError puts a bad filter's message on the field it is about, in the
// dashboard's words.
func (p *dashPage) dashError(v *View, err error) {
	if anju.ErrorCode(err) == anju.ENOTFOUND || !userError(err) {
		return
	}
	p.Field = anju.ErrorField(err)
	switch p.Field {
	case "department", "category", "kind", "from", "to":
		p.Error = v.T("dash.bad." + p.Field)
	default:
		p.Field, p.Error = "", errorMessage(v, err)
	}
}

func (w *Web) handleDashMap(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	v.Title = v.T("dashmap.title")
	q := r.URL.Query()
	asGeoJSON := q.Get("format") == "geojson"
	fail := func(err error) {
		if asGeoJSON {
			geoError(rw, err)
		} else {
			w.fail(rw, r, v, err)
		}
	}
	if format := q.Get("format"); format != "" && !asGeoJSON {
		fail(anju.FieldError("format", "format must be geojson"))
		return
	}
	p, f, period, err := w.dashFilter(ctx, v, q)
	m := &gridMapPage{dashPage: p, Figure: strings.TrimSpace(q.Get("figure"))}
	if m.Figure == "" {
		m.Figure = mapFigures[0].Name
	}
	fig := slices.IndexFunc(mapFigures, func(mf mapFigure) bool { return mf.Name == m.Figure })
	for _, mf := range mapFigures {
		m.Figures = append(m.Figures, choice{Value: mf.Name, Label: v.T("figures." + string(mf.Key)), Selected: mf.Name == m.Figure})
	}
	if err == nil && fig < 0 {
		err = anju.FieldError("figure", "unknown figure %q", m.Figure)
		p.Field, p.Error = "figure", v.T("dashmap.bad.figure")
	}
	zoom := 14
	if asGeoJSON && err == nil {
		hq := httpx.QueryOf(q)
		zoom = hq.Int("zoom", 14, 0, 22)
		err = hq.Err()
	}
	var grids []store.RegionRecord
	var groups []store.FigureGroup
	if err == nil {
		grids, err = w.db.GridShapes(ctx, v.Actor, f.Region, maxMapGrids)
		if err != nil {
			p.dashError(v, err)
		}
	}
	if err == nil {
		groups, _, err = w.db.FigureGroups(ctx, v.Actor, f, period, store.ByGrid, mapKeys()...)
		p.dashError(v, err)
	}
	switch {
	case err != nil && (asGeoJSON || anju.ErrorCode(err) == anju.ENOTFOUND || !userError(err)):
		fail(err)
		return
	case err != nil:
		if p.Error == "" {
			p.Error = errorMessage(v, err)
		}
		p.fields(v) // again: the fields show the error found after the filter
		w.render(rw, r, v, httpStatusOf(err), "dash/map", m)
		return
	}
	key := mapFigures[fig].Key
	m.Label = v.T("figures." + string(key))
	p.From, p.To = period.From.Format(time.DateOnly), store.LastDay(period).Format(time.DateOnly)
	byGrid := make(map[string]map[figures.Key]figures.Value, len(groups))
	for _, g := range groups {
		byGrid[g.Key] = g.Figures
	}
	// A grid with no case has every count 0 and no share or time: what
	// figures.Compute answers over no cases.
	none := figures.Compute(nil, period, w.db.Now())
	values := make([]float64, 0, len(grids))
	for _, g := range grids {
		if x, ok := mapValue(figureOf(byGrid, none, g.Code, key)); ok {
			values = append(values, x)
		}
	}
	def, _ := figures.Lookup(key)
	legend := newMapLegend(v, def.Unit, values)
	m.Legend = legend.Classes
	for _, g := range grids {
		gf := f
		gf.Region = g.Code
		x := figureOf(byGrid, none, g.Code, key)
		val, known := mapValue(x)
		mg := gridMapGrid{Code: g.Code, Name: g.Name, Value: figureText(v, x), Class: legend.classOf(val, known), Swatch: -1,
			Geometry: g.Geometry}
		// A grid with no case has no list to open.
		if n := figureOf(byGrid, none, g.Code, figures.Received).Count; n > 0 {
			mg.Link, mg.LinkText = w.receivedLink(ctx, v, gf, period), v.T("dashmap.open_cases", n)
		}
		if mg.Class >= 0 {
			mg.Swatch = legend.Classes[mg.Class].Swatch
		}
		for _, mf := range mapFigures {
			fv := figureOf(byGrid, none, g.Code, mf.Key)
			gmf := gridMapFigure{Name: mf.Name, Label: v.T("figures." + string(mf.Key)), Value: figureText(v, fv)}
			if fv.Count > 0 {
				gmf.Href = figureListURL(gf, period, mf.Key, store.CountNumerator)
			}
			mg.Figures = append(mg.Figures, gmf)
		}
		m.Grids = append(m.Grids, mg)
	}
	m.HotspotsToday = !period.To.Before(w.db.Now())
	if m.HotspotsToday {
		if m.Hotspots, m.HotspotsAsOf, err = w.mapHotspots(ctx, v, f.Region, period, grids); err != nil {
			fail(err)
			return
		}
	}
	if asGeoJSON {
		w.writeMapGeoJSON(rw, v, m, zoom, f.Region)
		return
	}
	gq := url.Values{}
	for name, vals := range p.Values {
		gq[name] = vals
	}
	gq.Set("figure", m.Figure)
	gq.Set("format", "geojson")
	m.GeoJSON = "/dash/map?" + gq.Encode()
	w.render(rw, r, v, http.StatusOK, "dash/map", m)
}

// figureOf is figure key of grid code, or its value over no cases.
func figureOf(byGrid map[string]map[figures.Key]figures.Value, none map[figures.Key]figures.Value, code string, key figures.Key) figures.Value {
	if fs, ok := byGrid[code]; ok {
		return fs[key]
	}
	return none[key]
}

// mapHotspots reads the hotspots from the period's start (at most 366
// days back) to now inside region, each placed at the centre of its
// place's grids on the map, and when they were found; a hotspot whose
// place has no grid on the map is left out.
func (w *Web) mapHotspots(ctx context.Context, v *View, regionCode string, period figures.Period, grids []store.RegionRecord) ([]mapHotspot, string, error) {
	now := w.db.Now()
	hf := store.HotspotFilter{Since: period.From, Region: regionCode, Top: 20}
	switch days := int(math.Ceil(now.Sub(period.From).Hours() / 24)); {
	case days < 1:
		hf.Since, hf.Days = time.Time{}, 1
	case days > 366:
		hf.Since, hf.Days = time.Time{}, 366
	}
	list, err := w.db.Hotspots(ctx, v.Actor, hf)
	if err != nil {
		return nil, "", err
	}
	asOf := list.ComputedAt.In(httpx.ChinaTime).Format("2006-01-02 15:04")
	var out []mapHotspot
	for _, h := range list.Hotspots {
		var box orb.Bound
		found := false
		for _, g := range grids {
			if !strings.Contains(g.Path, "/"+h.Place.Code+"/") {
				continue
			}
			b := orb.Bound{Min: orb.Point(g.BBox.Min), Max: orb.Point(g.BBox.Max)}
			if !found {
				box, found = b, true
			} else {
				box = box.Union(b)
			}
		}
		if found {
			c := box.Center()
			out = append(out, mapHotspot{Name: h.Name, Count: h.Count, Lon: c[0], Lat: c[1]})
		}
	}
	return out, asOf, nil
}

// writeMapGeoJSON answers the map as a GeoJSON download: the grids'
// polygons thinned to zoom, as /geo/regions does, each with every figure
// of the popup; the hotspots as points.
func (w *Web) writeMapGeoJSON(rw http.ResponseWriter, v *View, m *gridMapPage, zoom int, regionCode string) {
	fc := geojson.NewFeatureCollection()
	for _, g := range m.Grids {
		ft := geojson.NewFeature(region.SimplifyForZoom(g.Geometry, zoom))
		ft.Properties = geojson.Properties{"layer": "grid", "code": g.Code, "name": g.Name, "value": g.Value,
			"class": g.Class, "swatch": g.Swatch, "href": g.Link, "link_text": g.LinkText, "figures": g.Figures}
		fc.Append(ft)
	}
	for _, h := range m.Hotspots {
		ft := geojson.NewFeature(orb.Point{h.Lon, h.Lat})
		ft.Properties = geojson.Properties{"layer": "hotspot", "name": h.Name, "count": h.Count,
			"detail": v.T("dashmap.hotspot.count", h.Count)}
		fc.Append(ft)
	}
	fc.ExtraMembers = geojson.Properties{"figure": m.Figure, "label": m.Label, "from": m.From, "to": m.To, "legend": m.Legend}
	body, err := fc.MarshalJSON()
	if err != nil {
		geoError(rw, anju.Errorf(anju.EINTERNAL, "map geojson: %v", err))
		return
	}
	// The region's code is one that exists, but a file name is no place to
	// trust that: anything but letters and digits is dropped.
	place := strings.Map(func(r rune) rune {
		if r < 128 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return -1
	}, regionCode)
	if place == "" {
		place = "all"
	}
	h := rw.Header()
	h.Set("Content-Type", "application/geo+json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="anju-map-%s-%s-%s-%s.geojson"`, place, m.Figure, m.From, m.To))
	rw.Write(body)
}
