package export

import (
	"bufio"
	"encoding/json"
	"io"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// geoJSONWriter writes a FeatureCollection one feature at a time: each
// row's first geometry cell is its feature's geometry (null when it has
// none), and its other cells the properties, named by the header.
type geoJSONWriter struct {
	out    *touchWriter
	w      *bufio.Writer
	header []string
	props  map[string]any
	n      int
}

func newGeoJSON(w io.Writer, header []string) *geoJSONWriter {
	out := &touchWriter{w: w}
	return &geoJSONWriter{out: out, w: bufio.NewWriter(out), header: header, props: make(map[string]any, len(header))}
}

func (g *geoJSONWriter) begin() error {
	_, err := io.WriteString(g.w, `{"type":"FeatureCollection","features":[`)
	return err
}

// feature is geojson.Feature without its id and bbox, with properties
// whose keys keep the header's order for the reader's sake.
type feature struct {
	Type       string            `json:"type"`
	Geometry   *geojson.Geometry `json:"geometry"`
	Properties orderedProps      `json:"properties"`
}

type orderedProps struct {
	keys   []string
	values []any
}

func (p orderedProps) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, k := range p.keys {
		if i > 0 {
			b = append(b, ',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(p.values[i])
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, kb...), ':'), vb...)
	}
	return append(b, '}'), nil
}

func (g *geoJSONWriter) row(r []any) error {
	f := feature{Type: "Feature"}
	for i, v := range r {
		v, err := cell(v)
		if err != nil {
			return err
		}
		switch v := v.(type) {
		case orb.Geometry:
			if f.Geometry == nil {
				f.Geometry = geojson.NewGeometry(v)
				continue
			}
			f.Properties.keys = append(f.Properties.keys, g.header[i])
			f.Properties.values = append(f.Properties.values, geojson.NewGeometry(v))
			continue
		case string:
			f.Properties.values = append(f.Properties.values, Neutralise(v))
		case nil:
			f.Properties.values = append(f.Properties.values, nil)
		case time.Time:
			// RFC 3339 with the offset: a time in GeoJSON is data for
			// programs, not a cell for the eye.
			f.Properties.values = append(f.Properties.values, v.Format(time.RFC3339))
		default:
			f.Properties.values = append(f.Properties.values, v)
		}
		f.Properties.keys = append(f.Properties.keys, g.header[i])
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if g.n > 0 {
		if err := g.w.WriteByte(','); err != nil {
			return err
		}
	}
	g.n++
	_, err = g.w.Write(b)
	return err
}

func (g *geoJSONWriter) end() error {
	if _, err := io.WriteString(g.w, "]}\n"); err != nil {
		return err
	}
	return g.w.Flush()
}

func (g *geoJSONWriter) abort() {}

func (g *geoJSONWriter) wrote() bool { return g.out.touched }
