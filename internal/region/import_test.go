package region

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"anju/internal/anju"
)

// loadFixture parses testdata/name.geojson, failing the test on error.
func loadFixture(t testing.TB, name string) []Region {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".geojson"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ParseFeatureCollection(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return rs
}

// baseTree is the stored state every fixture is imported on top of.
func baseTree(t testing.TB) map[string]Region {
	t.Helper()
	out, err := ApplyImport(nil, loadFixture(t, "base"))
	if err != nil {
		t.Fatalf("base import: %v", err)
	}
	m := make(map[string]Region, len(out))
	for _, r := range out {
		m[r.Code] = r
	}
	return m
}

func TestImportRejects(t *testing.T) {
	tests := []struct {
		fixture string
		want    string // substring of the error message
	}{
		{"ring_too_short", "feature 0 (code 330102001001003): outer ring: ring has 3 points, needs at least 4"},
		{"ring_not_closed", "feature 0 (code 330102001001003): outer ring: polygon ring is not closed"},
		{"coordinate_out_of_range", "feature 0 (code 330102001001003): outer ring: point [200, 30] is not a valid longitude/latitude"},
		{"zero_area", "feature 0 (code 330102001001003): outer ring: ring has zero area"},
		{"self_intersecting", "feature 0 (code 330102001001003): outer ring: ring intersects itself"},
		{"hole_outside", "feature 0 (code 330102001001003): hole 1: point [120.02, 30.02] lies outside the outer ring"},
		{"unknown_parent", "feature 0 (code 330102001002001): parent 330102001002 is neither in the file nor already imported"},
		{"duplicate_code", "feature 1 (code 330102001001003): code 330102001001003 already appears in feature 0"},
		{"parent_wrong_level", "feature 0 (code 330100001): parent 330100 is a city; a street's parent must be a district"},
		{"code_not_extending", "feature 0 (code 330102001002001): grid code 330102001002001 does not extend its parent's code 330102001001"},
		{"outside_ancestor", "feature 0 (code 330102001001003): lies outside its community 330102001001 (湖滨社区): point [120.11, 30.09] is outside"},
		{"outside_city", "feature 0 (code 330105001001002): lies outside its city 330100 (安居市)"},
		{"parent_changed", `feature 0 (code 330102001001001): parent cannot change from "330102001001" to "330102001002"`},
		{"level_mismatch", `feature 0 (code 330102001001003): level "community" does not match the code, which is a grid code`},
		{"grid_without_geometry", "feature 0 (code 330102001001003): a grid must have a Polygon or MultiPolygon geometry"},
		{"second_city", "feature 0 (code 330200): the city is already 330100; an import holds one city"},
		{"bad_code_length", "feature 0 (code 33010200100100): code \"33010200100100\" has 14 digits"},
		{"missing_name", "feature 0 (code 330102001001003): name is required"},
		{"district_other_province", "feature 0 (code 340102): district code 340102 is not in the province of city 330100"},
		{"shrunk_parent", "feature 0 (code 330102001001): the stored grid 330102001001002 (湖滨社区第2网格) would lie outside it"},
		{"not_a_polygon", `feature 0 (code 330102001001003): geometry must be a Polygon or MultiPolygon, got "Point"`},
	}
	existing := baseTree(t)
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "reject_"+tt.fixture+".geojson"))
			if err != nil {
				t.Fatal(err)
			}
			rs, err := ParseFeatureCollection(bytes.NewReader(data))
			if err == nil {
				err = ValidateImport(existing, rs)
			}
			if err == nil {
				t.Fatalf("accepted; want error containing %q", tt.want)
			}
			if code := anju.ErrorCode(err); code != anju.EINVALID {
				t.Errorf("code = %s, want %s", code, anju.EINVALID)
			}
			if msg := anju.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message = %q\nwant it to contain %q", msg, tt.want)
			}
			if _, err2 := ApplyImport(existing, rs); err2 == nil && err == nil {
				t.Error("ApplyImport accepted what ValidateImport rejected")
			}
		})
	}
	// Every reject fixture is in the table, so none is silently unused.
	files, _ := filepath.Glob(filepath.Join("testdata", "reject_*.geojson"))
	if len(files) != len(tests) {
		t.Errorf("%d reject fixtures, %d table rows", len(files), len(tests))
	}
}

func TestImportValidUpdate(t *testing.T) {
	existing := baseTree(t)
	incoming := loadFixture(t, "valid_update")
	out, err := ApplyImport(existing, incoming)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Region{}
	for _, r := range out {
		got[r.Code] = r
	}
	if got["330102001001002"].Name != "湖滨社区第二网格" {
		t.Errorf("update not applied: %+v", got["330102001001002"])
	}
	// The street has no geometry: its bbox grows to cover the new community,
	// so it must be written although it is not in the file.
	st, ok := got["330102001"]
	if !ok {
		t.Fatal("street with changed bbox not returned")
	}
	if want := (orb.Bound{Min: orb.Point{120.0, 30.0}, Max: orb.Point{120.1, 30.2}}); st.BBox != want {
		t.Errorf("street bbox = %v, want %v", st.BBox, want)
	}
	// Parents come first.
	for i := 1; i < len(out); i++ {
		if out[i-1].Level.Depth() > out[i].Level.Depth() {
			t.Errorf("order: %s before %s", out[i-1].Code, out[i].Code)
		}
	}
	if _, ok := got["330100"]; ok {
		t.Error("unchanged city returned")
	}
}

func TestComputeBBoxes(t *testing.T) {
	m := baseTree(t)
	want := map[string]orb.Bound{
		"330100":          {Min: orb.Point{120.0, 30.0}, Max: orb.Point{120.4, 30.4}},
		"330105":          {Min: orb.Point{120.2, 30.0}, Max: orb.Point{120.4, 30.3}}, // from its MultiPolygon grid
		"330105001001":    {Min: orb.Point{120.2, 30.0}, Max: orb.Point{120.4, 30.3}},
		"330102001":       {Min: orb.Point{120.0, 30.0}, Max: orb.Point{120.1, 30.1}},
		"330102001001001": {Min: orb.Point{120.0, 30.0}, Max: orb.Point{120.05, 30.1}},
	}
	for code, b := range want {
		if m[code].BBox != b {
			t.Errorf("%s bbox = %v, want %v", code, m[code].BBox, b)
		}
	}
	// A region with neither geometry nor descendants has the zero bound.
	m["330106"] = Region{Code: "330106", Name: "空区", Level: LevelDistrict, Parent: "330100"}
	ComputeBBoxes(m)
	if !m["330106"].BBox.IsZero() {
		t.Errorf("empty district bbox = %v", m["330106"].BBox)
	}
}

func TestParseCodeAsNumberAndPaths(t *testing.T) {
	m := baseTree(t)
	if r := m["330105001001"]; r.Name != "金桥村" || r.Level != LevelCommunity {
		t.Errorf("numeric code not parsed: %+v", r)
	}
	if p, ok := PathOf(m, "330102001001002"); !ok || p != "/330100/330102/330102001/330102001001/330102001001002/" {
		t.Errorf("PathOf = %q, %v", p, ok)
	}
	if _, ok := PathOf(m, "999"); ok {
		t.Error("PathOf of unknown code succeeded")
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ name, in, code, want string }{
		{"not json", `{`, anju.EINVALID, "invalid GeoJSON"},
		{"not a collection", `{"type":"Feature"}`, anju.EINVALID, "must be a FeatureCollection"},
		{"bad feature type", `{"type":"FeatureCollection","features":[{"type":"Point"}]}`, anju.EINVALID, "feature 0: type must be"},
		{"float code", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":3.3e5,"name":"x"}}]}`, anju.EINVALID, "feature 0: code must be a string of digits"},
		{"short position", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"330100","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[1],[2,3],[3,4],[1]]]}}]}`, anju.EINVALID, "feature 0 (code 330100): a position needs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFeatureCollection(strings.NewReader(tt.in))
			if anju.ErrorCode(err) != tt.code || !strings.Contains(anju.ErrorMessage(err), tt.want) {
				t.Errorf("err = %v, want %s containing %q", err, tt.code, tt.want)
			}
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	regions := GenerateDemoCity(7, DemoSpec{Districts: 2, Streets: 3, Communities: 5, Grids: 20})
	data, err := MarshalFeatureCollection(regions)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseFeatureCollection(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(regions) {
		t.Fatalf("%d regions back, want %d", len(back), len(regions))
	}
	for i := range back {
		a, b := regions[i], back[i]
		if a.Code != b.Code || a.Name != b.Name || a.Parent != b.Parent || a.Level != b.Level ||
			!orb.Equal(a.Geometry, b.Geometry) {
			t.Fatalf("region %d differs after round trip: %v vs %v", i, a, b)
		}
	}
	if err := ValidateImport(nil, back); err != nil {
		t.Fatal(err)
	}
}
