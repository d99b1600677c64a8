package region

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
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

type rawFeature struct {
	Type       string          `json:"type"`
	Properties json.RawMessage `json:"properties"`
	// Decoded in place rather than kept raw, which would copy the
	// coordinates, the bulk of a file, once more.
	Geometry *rawGeometry `json:"geometry"`
}

// rawGeometry is a geometry parsed as the decoder reaches it: its
// coordinates are read from the decoder's own buffer, never copied.
type rawGeometry struct {
	geom   orb.Geometry
	points int
	msg    string // why the geometry is refused
}

// unparsed holds a value's bytes only while the UnmarshalJSON that decodes
// its enclosing object runs (they belong to the caller).
type unparsed []byte

func (u *unparsed) UnmarshalJSON(b []byte) error {
	*u = b
	return nil
}

func (g *rawGeometry) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var head struct {
		Type        string   `json:"type"`
		Coordinates unparsed `json:"coordinates"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		g.msg = "geometry is not a GeoJSON geometry object"
		return nil
	}
	g.geom, g.points, g.msg = parseGeometry(head.Type, head.Coordinates)
	return nil
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
//
// It streams: features are decoded one at a time and coordinates go straight
// into orb types, so memory stays a small multiple of the file (a document
// decoded whole, with [][]float64 positions, took over 50 times its size).
func ParseFeatureCollection(r io.Reader) ([]Region, error) {
	cr := &countingReader{r: io.LimitReader(r, MaxImportBytes+1)}
	regions, err := parseCollection(json.NewDecoder(cr))
	if cr.n > MaxImportBytes {
		return nil, anju.Errorf(anju.ETOOLARGE, "GeoJSON is larger than %d MiB", MaxImportBytes>>20)
	}
	return regions, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// invalidJSON turns a decoder error into the import's EINVALID error.
func invalidJSON(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return anju.Errorf(anju.EINVALID, "invalid GeoJSON: %v", err)
	}
	if _, ok := err.(*json.UnmarshalTypeError); ok {
		return anju.Errorf(anju.EINVALID, "invalid GeoJSON: a FeatureCollection object is required")
	}
	return anju.Errorf(anju.EINVALID, "cannot read GeoJSON: %v", err)
}

func parseCollection(dec *json.Decoder) ([]Region, error) {
	if tok, err := dec.Token(); err != nil {
		return nil, invalidJSON(err)
	} else if tok != json.Delim('{') {
		return nil, anju.Errorf(anju.EINVALID, "invalid GeoJSON: a FeatureCollection object is required")
	}
	var typ string
	var regions []Region
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, invalidJSON(err)
		}
		switch tok {
		case "type":
			if err := dec.Decode(&typ); err != nil || typ != "FeatureCollection" {
				return nil, anju.FieldError("type", "GeoJSON must be a FeatureCollection, got type %q", typ)
			}
		case "features":
			if seen {
				return nil, anju.FieldError("features", "features appears twice")
			}
			seen = true
			if regions, err = parseFeatures(dec); err != nil {
				return nil, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, invalidJSON(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalidJSON(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, anju.Errorf(anju.EINVALID, "invalid GeoJSON: data after the FeatureCollection")
	}
	if typ != "FeatureCollection" {
		return nil, anju.FieldError("type", "GeoJSON must be a FeatureCollection, got type %q", typ)
	}
	return regions, nil
}

// parseFeatures reads the features array one feature at a time.
func parseFeatures(dec *json.Decoder) ([]Region, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, invalidJSON(err)
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('[') {
		return nil, anju.FieldError("features", "features must be an array")
	}
	var regions []Region
	total := 0
	for i := 0; dec.More(); i++ {
		if i == MaxImportFeatures {
			return nil, anju.Errorf(anju.ETOOLARGE, "GeoJSON has more than %d features", MaxImportFeatures)
		}
		var f rawFeature
		if err := dec.Decode(&f); err != nil {
			var typeErr *json.UnmarshalTypeError
			if !errors.As(err, &typeErr) {
				return nil, invalidJSON(err)
			}
			if typeErr.Field == "type" {
				return nil, featureError(i, "", "type", "type must be \"Feature\"")
			}
			return nil, featureError(i, "", "", "a feature must be a GeoJSON Feature object")
		}
		reg, points, err := parseFeature(i, f)
		if err != nil {
			return nil, err
		}
		if total += points; total > MaxImportPoints {
			return nil, anju.Errorf(anju.ETOOLARGE, "GeoJSON has more than %d vertices", MaxImportPoints)
		}
		regions = append(regions, reg)
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalidJSON(err)
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

// properties picks the properties an import reads out of a feature's
// properties object, skipping the others without keeping them: GIS exports
// carry dozens of columns, and a map of all of them would cost many times
// their text. Later duplicates win, as in a JSON object decoded whole.
func properties(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	out := map[string]json.RawMessage{}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return out, true
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		switch k := tok.(string); k {
		case "code", "name", "level", "parent":
			out[k] = v
		}
	}
	return out, true
}

func parseFeature(i int, f rawFeature) (Region, int, error) {
	if f.Type != "Feature" {
		return Region{}, 0, featureError(i, "", "type", "type must be \"Feature\", got %q", f.Type)
	}
	props, ok := properties(f.Properties)
	if !ok {
		return Region{}, 0, featureError(i, "", "properties", "properties must be an object")
	}
	code, ok := codeProperty(props["code"])
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
	parent, ok := codeProperty(props["parent"])
	if !ok || (parent != "" && (!isDigits(parent) || len(parent) > 15)) {
		return fail("properties.parent", "parent must be a region code")
	}
	name, ok := stringProperty(props["name"])
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
	given, ok := stringProperty(props["level"])
	if !ok {
		return fail("properties.level", "level must be a string")
	}
	if given != "" && Level(given) != level {
		if !Level(given).Valid() {
			return fail("properties.level", "unknown level %q", given)
		}
		return fail("properties.level", "level %q does not match the code, which is a %s code", given, level)
	}
	var geom orb.Geometry
	var points int
	var msg string
	if f.Geometry != nil {
		geom, points, msg = f.Geometry.geom, f.Geometry.points, f.Geometry.msg
	}
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
func parseGeometry(typ string, coords []byte) (orb.Geometry, int, string) {
	c := &coordParser{b: coords}
	switch typ {
	case "Polygon":
		poly, ok := c.polygon()
		if !ok || !c.end() {
			return nil, 0, c.failure("polygon coordinates must be an array of rings of [longitude, latitude] positions")
		}
		return poly, c.points, ""
	case "MultiPolygon":
		var mp orb.MultiPolygon
		ok := c.array(func() bool {
			poly, ok := c.polygon()
			mp = append(mp, poly)
			return ok
		})
		if !ok || !c.end() {
			return nil, 0, c.failure("multipolygon coordinates must be an array of polygons")
		}
		if len(mp) == 0 {
			return nil, 0, "multipolygon has no polygons"
		}
		return mp, c.points, ""
	}
	return nil, 0, fmt.Sprintf("geometry must be a Polygon or MultiPolygon, got %q", typ)
}

// coordParser reads GeoJSON coordinates straight into orb types. Decoding them
// with encoding/json first would build a [][]float64 holding a slice per
// position (40 bytes and an allocation for as little as six bytes of text)
// before any limit could be checked; this counts vertices as it goes and
// stops at the limit. Its input is already valid JSON (the decoder checked
// it), so it need only tell arrays of numbers from anything else.
type coordParser struct {
	b      []byte
	i      int
	points int
	msg    string // why it failed, when more precise than "not coordinates"
}

func (c *coordParser) failure(def string) string {
	if c.msg != "" {
		return c.msg
	}
	return def
}

func (c *coordParser) space() {
	for c.i < len(c.b) && (c.b[c.i] == ' ' || c.b[c.i] == '\t' || c.b[c.i] == '\n' || c.b[c.i] == '\r') {
		c.i++
	}
}

// end reports whether nothing but space follows.
func (c *coordParser) end() bool {
	c.space()
	return c.i == len(c.b)
}

// open reads the '[' of an array and reports whether it has elements.
func (c *coordParser) open() (ok, elems bool) {
	c.space()
	if c.i == len(c.b) || c.b[c.i] != '[' {
		return false, false
	}
	c.i++
	c.space()
	if c.i < len(c.b) && c.b[c.i] == ']' {
		c.i++
		return true, false
	}
	return true, true
}

// next reads what follows an array element: ',' (more) or ']' (done).
func (c *coordParser) next() (ok, more bool) {
	c.space()
	if c.i == len(c.b) {
		return false, false
	}
	c.i++
	switch c.b[c.i-1] {
	case ',':
		return true, true
	case ']':
		return true, false
	}
	return false, false
}

// array reads a JSON array, calling elem at the start of each element.
func (c *coordParser) array(elem func() bool) bool {
	ok, more := c.open()
	for ok && more {
		if !elem() {
			return false
		}
		ok, more = c.next()
	}
	return ok
}

func (c *coordParser) number() (float64, bool) {
	c.space()
	start := c.i
	for c.i < len(c.b) && strings.IndexByte("+-.0123456789eE", c.b[c.i]) >= 0 {
		c.i++
	}
	f, err := strconv.ParseFloat(string(c.b[start:c.i]), 64)
	return f, err == nil
}

// ring reads an array of positions; an altitude is ignored, and consecutive
// duplicates, which some GIS tools emit, are dropped before counting.
func (c *coordParser) ring() (orb.Ring, bool) {
	var r orb.Ring
	ok, more := c.open()
	for ok && more {
		var xy [2]float64
		n := 0
		pok, pmore := c.open()
		for pok && pmore {
			f, fok := c.number()
			if !fok {
				return nil, false
			}
			if n < 2 {
				xy[n] = f
			}
			n++
			pok, pmore = c.next()
		}
		if !pok {
			return nil, false
		}
		if n < 2 {
			c.msg = "a position needs a longitude and a latitude"
			return nil, false
		}
		if pt := orb.Point(xy); len(r) == 0 || r[len(r)-1] != pt {
			if c.points++; c.points > MaxFeaturePoints {
				c.msg = fmt.Sprintf("geometry has more than %d vertices", MaxFeaturePoints)
				return nil, false
			}
			if len(r) == cap(r) {
				// Double, rather than append's quarter for large slices, so
				// that growing a big ring allocates twice its size, not five.
				r = append(make(orb.Ring, 0, max(2*cap(r), 8)), r...)
			}
			r = append(r, pt)
		}
		ok, more = c.next()
	}
	return r, ok
}

func (c *coordParser) polygon() (orb.Polygon, bool) {
	var poly orb.Polygon
	ok := c.array(func() bool {
		r, ok := c.ring()
		poly = append(poly, r)
		return ok
	})
	if ok && len(poly) == 0 {
		c.msg = "polygon has no rings"
		return nil, false
	}
	return poly, ok
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
