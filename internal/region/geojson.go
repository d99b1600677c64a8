package region

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"anju/internal/anju"
)

// Import limits. A city of 50,000 grids with ten-vertex polygons is about
// 30 MB of GeoJSON; the limits leave room for detailed real-world boundaries
// while keeping one import's memory and validation time bounded.
const (
	MaxImportBytes    = 128 << 20
	MaxImportFeatures = 200_000
	MaxFeaturePoints  = 200_000   // vertices in one feature's geometry
	MaxImportPoints   = 5_000_000 // vertices in the whole file
	MaxNameRunes      = 100
)

type rawCollection struct {
	Type     string       `json:"type"`
	Features []rawFeature `json:"features"`
}

type rawFeature struct {
	Type       string                     `json:"type"`
	Properties map[string]json.RawMessage `json:"properties"`
	Geometry   json.RawMessage            `json:"geometry"`
}

type rawGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// ParseFeatureCollection reads a GeoJSON FeatureCollection of regions. Each
// feature carries properties "code" (a string, or a JSON integer), "name",
// optionally "level" (which must agree with the level the code implies) and
// "parent" (absent or empty for the city), and a Polygon or MultiPolygon
// geometry, which grids must have and other levels may. Consecutive duplicate
// vertices, which some GIS tools emit, are dropped; positions may carry a third
// (altitude) value, which is ignored.
//
// The regions come back in file order, so index i is feature i. Parsing checks
// each feature on its own (code syntax, level, name, geometry type); whether
// the features fit together and with what is already stored is the job of
// ValidateImport. Returns ETOOLARGE if the input exceeds MaxImportBytes or a
// count limit, and EINVALID, naming the feature by index and code, for
// anything malformed.
func ParseFeatureCollection(r io.Reader) ([]Region, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, anju.Errorf(anju.EINVALID, "cannot read GeoJSON: %v", err)
	}
	if len(data) > MaxImportBytes {
		return nil, anju.Errorf(anju.ETOOLARGE, "GeoJSON is larger than %d MiB", MaxImportBytes>>20)
	}
	var fc rawCollection
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, anju.Errorf(anju.EINVALID, "invalid GeoJSON: %v", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, anju.FieldError("type", "GeoJSON must be a FeatureCollection, got type %q", fc.Type)
	}
	if len(fc.Features) > MaxImportFeatures {
		return nil, anju.Errorf(anju.ETOOLARGE, "GeoJSON has %d features, at most %d are allowed", len(fc.Features), MaxImportFeatures)
	}
	regions := make([]Region, 0, len(fc.Features))
	total := 0
	for i, f := range fc.Features {
		reg, points, err := parseFeature(i, f)
		if err != nil {
			return nil, err
		}
		if total += points; total > MaxImportPoints {
			return nil, anju.Errorf(anju.ETOOLARGE, "GeoJSON has more than %d vertices", MaxImportPoints)
		}
		regions = append(regions, reg)
	}
	return regions, nil
}

// featureError builds the EINVALID error for feature i, naming it by index
// and, when known, code, so that a user can find it in a file of thousands.
func featureError(i int, code, field, format string, args ...any) *anju.Error {
	prefix := fmt.Sprintf("feature %d", i)
	if code != "" {
		prefix += fmt.Sprintf(" (code %s)", code)
	}
	f := fmt.Sprintf("features[%d]", i)
	if field != "" {
		f += "." + field
	}
	return &anju.Error{Code: anju.EINVALID, Message: prefix + ": " + fmt.Sprintf(format, args...), Field: f}
}

// codeProperty decodes a code-valued property, given as a string or as a
// JSON integer (spreadsheets exported to GeoJSON often lose the quotes).
func codeProperty(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return strings.TrimSpace(s), true
	}
	if isDigits(string(raw)) {
		return string(raw), true
	}
	return "", false
}

func stringProperty(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return strings.TrimSpace(s), true
}

func parseFeature(i int, f rawFeature) (Region, int, error) {
	if f.Type != "Feature" {
		return Region{}, 0, featureError(i, "", "type", "type must be \"Feature\", got %q", f.Type)
	}
	code, ok := codeProperty(f.Properties["code"])
	if !ok {
		return Region{}, 0, featureError(i, "", "properties.code", "code must be a string of digits")
	}
	if code == "" {
		return Region{}, 0, featureError(i, "", "properties.code", "code is required")
	}
	if !isDigits(code) || len(code) > 15 {
		return Region{}, 0, featureError(i, "", "properties.code", "code %q is not a region code (6 to 15 digits)", code)
	}
	fail := func(field, format string, args ...any) (Region, int, error) {
		return Region{}, 0, featureError(i, code, field, format, args...)
	}
	parent, ok := codeProperty(f.Properties["parent"])
	if !ok || (parent != "" && (!isDigits(parent) || len(parent) > 15)) {
		return fail("properties.parent", "parent must be a region code")
	}
	name, ok := stringProperty(f.Properties["name"])
	if !ok {
		return fail("properties.name", "name must be a string")
	}
	if name == "" {
		return fail("properties.name", "name is required")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameRunes {
		return fail("properties.name", "name must be valid text of at most %d characters", MaxNameRunes)
	}
	level, err := LevelOf(code, parent)
	if err != nil {
		return fail("properties.code", "%s", anju.ErrorMessage(err))
	}
	given, ok := stringProperty(f.Properties["level"])
	if !ok {
		return fail("properties.level", "level must be a string")
	}
	if given != "" && Level(given) != level {
		if !Level(given).Valid() {
			return fail("properties.level", "unknown level %q", given)
		}
		return fail("properties.level", "level %q does not match the code, which is a %s code", given, level)
	}
	geom, points, msg := parseGeometry(f.Geometry)
	if msg != "" {
		return fail("geometry", "%s", msg)
	}
	if geom == nil && level == LevelGrid {
		return fail("geometry", "a grid must have a Polygon or MultiPolygon geometry")
	}
	return Region{Code: code, Name: name, Level: level, Parent: parent, Geometry: geom}, points, nil
}

// parseGeometry decodes a Polygon or MultiPolygon strictly. It does not use
// orb/geojson: that decoder would silently turn a position with one number
// into [x, 0], moving a grid boundary to the equator instead of failing the
// import, and its package pulls in a BSON dependency the module lacks.
func parseGeometry(raw json.RawMessage) (orb.Geometry, int, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, 0, ""
	}
	var g rawGeometry
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, 0, "geometry is not a GeoJSON geometry object"
	}
	points := 0
	ring := func(pos [][]float64) (orb.Ring, string) {
		r := make(orb.Ring, 0, len(pos))
		for _, p := range pos {
			if len(p) < 2 {
				return nil, "a position needs a longitude and a latitude"
			}
			pt := orb.Point{p[0], p[1]}
			if len(r) > 0 && r[len(r)-1] == pt {
				continue
			}
			r = append(r, pt)
		}
		points += len(r)
		if points > MaxFeaturePoints {
			return nil, fmt.Sprintf("geometry has more than %d vertices", MaxFeaturePoints)
		}
		return r, ""
	}
	polygon := func(rings [][][]float64) (orb.Polygon, string) {
		if len(rings) == 0 {
			return nil, "polygon has no rings"
		}
		poly := make(orb.Polygon, 0, len(rings))
		for _, pos := range rings {
			r, msg := ring(pos)
			if msg != "" {
				return nil, msg
			}
			poly = append(poly, r)
		}
		return poly, ""
	}
	switch g.Type {
	case "Polygon":
		var c [][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, 0, "polygon coordinates must be an array of rings of [longitude, latitude] positions"
		}
		poly, msg := polygon(c)
		if msg != "" {
			return nil, 0, msg
		}
		return poly, points, ""
	case "MultiPolygon":
		var c [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, 0, "multipolygon coordinates must be an array of polygons"
		}
		if len(c) == 0 {
			return nil, 0, "multipolygon has no polygons"
		}
		mp := make(orb.MultiPolygon, 0, len(c))
		for _, rings := range c {
			poly, msg := polygon(rings)
			if msg != "" {
				return nil, 0, msg
			}
			mp = append(mp, poly)
		}
		return mp, points, ""
	}
	return nil, 0, fmt.Sprintf("geometry must be a Polygon or MultiPolygon, got %q", g.Type)
}

type outFeature struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Geometry   *outGeometry   `json:"geometry"`
}

type outGeometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

// MarshalFeatureCollection renders regions as a GeoJSON FeatureCollection in
// the form ParseFeatureCollection reads, so an export can be edited and
// imported again. Regions without geometry get a null geometry. Coordinates
// are written with the shortest decimal form that reads back to the same
// float64, so a round trip preserves shared boundaries exactly.
//
// It encodes with encoding/json rather than orb/geojson, whose package pulls in
// a BSON dependency the module does not otherwise need.
func MarshalFeatureCollection(regions []Region) ([]byte, error) {
	features := make([]outFeature, 0, len(regions))
	for _, r := range regions {
		props := map[string]any{"code": r.Code, "name": r.Name, "level": string(r.Level)}
		if r.Parent != "" {
			props["parent"] = r.Parent
		}
		f := outFeature{Type: "Feature", Properties: props}
		switch g := r.Geometry.(type) {
		case orb.Polygon:
			f.Geometry = &outGeometry{"Polygon", g}
		case orb.MultiPolygon:
			f.Geometry = &outGeometry{"MultiPolygon", g}
		}
		features = append(features, f)
	}
	return json.Marshal(struct {
		Type     string       `json:"type"`
		Features []outFeature `json:"features"`
	}{"FeatureCollection", features})
}
