package region

import (
	"bytes"
	"math"
	"math/rand"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func countLevels(rs []Region) map[Level]int {
	n := map[Level]int{}
	for _, r := range rs {
		n[r.Level]++
	}
	return n
}

func TestGenerateDemoCity(t *testing.T) {
	start := time.Now()
	regions := GenerateDemoCity(1, DefaultDemoSpec())
	elapsed := time.Since(start)
	t.Logf("generated %d regions in %v", len(regions), elapsed)
	if elapsed > 2*time.Second { // generous: the machine is shared; typical is well under 1s
		t.Errorf("generation took %v", elapsed)
	}

	want := map[Level]int{LevelCity: 1, LevelDistrict: 6, LevelStreet: 40, LevelCommunity: 300, LevelGrid: 3000}
	if got := countLevels(regions); len(got) != len(want) {
		t.Errorf("levels = %v, want %v", got, want)
	} else {
		for l, n := range want {
			if got[l] != n {
				t.Errorf("%s: %d regions, want %d", l, got[l], n)
			}
		}
	}
	// Codes, nesting, polygon validity and containment: the import rules.
	if err := ValidateImport(nil, regions); err != nil {
		t.Fatalf("demo city does not pass import validation: %v", err)
	}
	byCode := map[string]Region{}
	for _, r := range regions {
		byCode[r.Code] = r
		if r.BBox != r.Geometry.Bound() {
			t.Fatalf("%s: bbox not set", r.Code)
		}
	}
	if byCode["330100"].Name != "安居市" {
		t.Errorf("city = %v", byCode["330100"])
	}
	if c := byCode["330100"].BBox.Center(); math.Abs(c[0]-120.15) > 0.05 || math.Abs(c[1]-30.28) > 0.05 {
		t.Errorf("city centred at %v", c)
	}

	// Determinism.
	a, _ := MarshalFeatureCollection(regions)
	b, _ := MarshalFeatureCollection(GenerateDemoCity(1, DefaultDemoSpec()))
	if !bytes.Equal(a, b) {
		t.Error("same seed, different city")
	}
	c, _ := MarshalFeatureCollection(GenerateDemoCity(2, DefaultDemoSpec()))
	if bytes.Equal(a, c) {
		t.Error("different seeds, same city")
	}
}

// TestDemoCityTiles checks the hard requirement: at every level children
// tile their parent exactly. Areas must add up, and every sampled point of
// the city must be in exactly one grid, whose ancestors all hold it too.
func TestDemoCityTiles(t *testing.T) {
	regions := GenerateDemoCity(3, DefaultDemoSpec())
	byCode := map[string]Region{}
	sum := map[string]float64{}
	var grids []Region
	for _, r := range regions {
		byCode[r.Code] = r
		if r.Parent != "" {
			sum[r.Parent] += planar.Area(r.Geometry)
		}
		if r.Level == LevelGrid {
			grids = append(grids, r)
		}
	}
	for code, s := range sum {
		pa := planar.Area(byCode[code].Geometry)
		if rel := math.Abs(s-pa) / pa; rel > 1e-9 {
			t.Errorf("%s: children's area %g, own %g (relative %g)", code, s, pa, rel)
		}
	}

	city := byCode["330100"]
	ix := NewIndex(grids)
	rng := rand.New(rand.NewSource(9))
	const samples = 20000
	inCity := 0
	for range samples {
		p := orb.Point{
			city.BBox.Min[0] + rng.Float64()*(city.BBox.Max[0]-city.BBox.Min[0]),
			city.BBox.Min[1] + rng.Float64()*(city.BBox.Max[1]-city.BBox.Min[1]),
		}
		var holders []Region
		for _, g := range grids {
			if g.BBox.Contains(p) && g.Contains(p) {
				holders = append(holders, g)
			}
		}
		code, ok := ix.Locate(p)
		if !city.Contains(p) {
			if len(holders) != 0 || ok {
				t.Fatalf("%v outside the city is in %d grids (index: %s)", p, len(holders), code)
			}
			continue
		}
		inCity++
		if len(holders) != 1 {
			t.Fatalf("%v is in %d grids, want 1", p, len(holders))
		}
		if !ok || code != holders[0].Code {
			t.Fatalf("index located %v in %q, brute force in %s", p, code, holders[0].Code)
		}
		for r := byCode[holders[0].Parent]; ; r = byCode[r.Parent] {
			if !r.Contains(p) {
				t.Fatalf("%v is in grid %s but not in its ancestor %s", p, code, r.Code)
			}
			if r.Parent == "" {
				break
			}
		}
	}
	if inCity < samples/2 {
		t.Errorf("only %d of %d samples in the city", inCity, samples)
	}
}

func TestScaledDemoSpec(t *testing.T) {
	s := ScaledDemoSpec(50_000)
	if s.Grids != 50_000 || s.Communities < 4000 || s.Streets < 600 || s.Districts < 6 {
		t.Errorf("spec = %+v", s)
	}
	// Small and odd specs still nest.
	rs := GenerateDemoCity(5, DemoSpec{Districts: 1, Streets: 1, Communities: 1, Grids: 1})
	if err := ValidateImport(nil, rs); err != nil || len(rs) != 5 {
		t.Errorf("minimal city: %d regions, %v", len(rs), err)
	}
}

func BenchmarkGenerateDemoCity(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		GenerateDemoCity(int64(i), DefaultDemoSpec())
	}
}

// TestGenerateDemoCityManySpecs checks that odd specs, too, give a valid,
// tiling city (and never reach the partition's infeasible branch).
func TestGenerateDemoCityManySpecs(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	for i := range 60 {
		d := 1 + rng.Intn(8)
		s := d + rng.Intn(30)
		c := s + rng.Intn(80)
		spec := DemoSpec{
			Districts: d, Streets: s, Communities: c, Grids: c + rng.Intn(300),
			WidthKm: 5 + rng.Float64()*60, HeightKm: 5 + rng.Float64()*60,
		}
		rs := GenerateDemoCity(int64(i), spec)
		if err := ValidateImport(nil, rs); err != nil {
			t.Fatalf("seed %d, spec %+v: %v", i, spec, err)
		}
		if n := countLevels(rs)[LevelGrid]; n != spec.Grids {
			t.Fatalf("seed %d: %d grids, want %d", i, n, spec.Grids)
		}
	}
}
