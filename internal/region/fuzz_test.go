package region

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"anju/internal/anju"
)

// FuzzParseAndValidate feeds arbitrary bytes through the import path. It must
// never panic; it must either fail with an *anju.Error (never an internal
// one), or accept a set of regions that really is valid: well-formed codes
// with their parents present, grids with polygons, and an index that can be
// built and queried on every vertex.
func FuzzParseAndValidate(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.geojson"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	small, err := MarshalFeatureCollection(GenerateDemoCity(1, DemoSpec{Districts: 2, Streets: 2, Communities: 3, Grids: 6}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	f.Add([]byte(`{"type":"FeatureCollection","features":[]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":330100,"name":"市"},"geometry":null}]}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		regions, err := ParseFeatureCollection(bytes.NewReader(data))
		if err != nil {
			if c := anju.ErrorCode(err); c != anju.EINVALID && c != anju.ETOOLARGE {
				t.Fatalf("parse error with code %s: %v", c, err)
			}
			return
		}
		out, err := ApplyImport(nil, regions)
		if err != nil {
			if anju.ErrorCode(err) != anju.EINVALID {
				t.Fatalf("validation error with code %s: %v", anju.ErrorCode(err), err)
			}
			return
		}
		if err := ValidateImport(nil, regions); err != nil {
			t.Fatalf("ApplyImport accepted, ValidateImport refused: %v", err)
		}
		tree := make(map[string]Region, len(out))
		for _, r := range out {
			tree[r.Code] = r
		}
		var grids []Region
		for _, r := range out {
			if err := ValidateCode(r.Level, r.Code, r.Parent); err != nil {
				t.Fatalf("accepted invalid code: %v", err)
			}
			if _, ok := PathOf(tree, r.Code); !ok {
				t.Fatalf("accepted %s without its ancestors", r.Code)
			}
			if r.Level == LevelGrid {
				if r.Geometry == nil {
					t.Fatalf("accepted grid %s without geometry", r.Code)
				}
				grids = append(grids, r)
			}
			if r.Geometry != nil && validateGeometry(r.Geometry) != "" {
				t.Fatalf("accepted invalid geometry for %s", r.Code)
			}
		}
		ix := NewIndex(grids)
		for _, g := range grids {
			vertices(g.Geometry, func(p orb.Point) bool {
				if _, ok := ix.Locate(p); !ok {
					t.Fatalf("vertex %v of grid %s not located", p, g.Code)
				}
				return true
			})
		}
	})
}
