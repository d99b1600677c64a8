package region

import (
	"math"
	"math/rand"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

func gridsOf(rs []Region) []Region {
	var gs []Region
	for _, r := range rs {
		if r.Level == LevelGrid {
			gs = append(gs, r)
		}
	}
	return gs
}

func TestLocate(t *testing.T) {
	var all []Region
	for _, r := range baseTree(t) {
		all = append(all, r)
	}
	ix := NewIndex(gridsOf(all))
	if ix.Len() != 3 {
		t.Fatalf("Len = %d", ix.Len())
	}
	tests := []struct {
		name string
		p    orb.Point
		want string // "" for not found
	}{
		{"inside", orb.Point{120.02, 30.05}, "330102001001001"},
		{"inside second", orb.Point{120.06, 30.05}, "330102001001002"},
		{"shared edge goes to lowest code", orb.Point{120.05, 30.05}, "330102001001001"},
		{"shared vertex", orb.Point{120.05, 30.1}, "330102001001001"},
		{"in a hole", orb.Point{120.075, 30.025}, ""},
		{"on a hole's edge", orb.Point{120.07, 30.025}, "330102001001002"},
		{"multipolygon second part", orb.Point{120.35, 30.25}, "330105001001001"},
		{"city but no grid", orb.Point{120.3, 30.35}, ""},
		{"outside the city", orb.Point{121, 31}, ""},
		{"far away", orb.Point{-70, -30}, ""},
		{"NaN", orb.Point{math.NaN(), 30.05}, ""},
		{"Inf", orb.Point{math.Inf(1), 30.05}, ""},
	}
	for _, tt := range tests {
		code, ok := ix.Locate(tt.p)
		if code != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: Locate(%v) = %q, %v; want %q", tt.name, tt.p, code, ok, tt.want)
		}
	}
	if code, ok := NewIndex(nil).Locate(orb.Point{120, 30}); ok || code != "" {
		t.Error("empty index found a grid")
	}
}

func TestLocateSharedEdgesOfDemoCity(t *testing.T) {
	grids := gridsOf(GenerateDemoCity(11, DemoSpec{Districts: 2, Streets: 4, Communities: 10, Grids: 100}))
	ix := NewIndex(grids)
	// Every vertex is on the boundary of its grid and maybe of neighbours: it
	// must be found, in the lowest-coded grid that holds it. Edge midpoints
	// are rounded off the edge, so they need only agree with brute force.
	for _, g := range grids {
		ring := g.Geometry.(orb.Polygon)[0]
		for i := 0; i+1 < len(ring); i++ {
			for k, p := range []orb.Point{ring[i], {(ring[i][0] + ring[i+1][0]) / 2, (ring[i][1] + ring[i+1][1]) / 2}} {
				want := ""
				for _, h := range grids {
					if h.Contains(p) {
						want = h.Code
						break // grids are in code order
					}
				}
				if k == 0 && (want == "" || want > g.Code) {
					t.Fatalf("vertex %v of grid %s: brute force says %q", p, g.Code, want)
				}
				if code, _ := ix.Locate(p); code != want {
					t.Fatalf("Locate(%v) = %q; want %q", p, code, want)
				}
			}
		}
	}
}

func TestLocateConcurrentAndAllocFree(t *testing.T) {
	ix := NewIndex(gridsOf(GenerateDemoCity(4, DefaultDemoSpec())))
	pts := randomPoints(ix.Bound(), 1000, 1)
	want := make([]string, len(pts))
	for i, p := range pts {
		want[i], _ = ix.Locate(p)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range pts {
				j := (i + w*250) % len(pts)
				if got, _ := ix.Locate(pts[j]); got != want[j] {
					t.Errorf("concurrent Locate(%v) = %s, want %s", pts[j], got, want[j])
					return
				}
			}
		})
	}
	wg.Wait()
	if n := testing.AllocsPerRun(100, func() { ix.Locate(pts[7]) }); n != 0 {
		t.Errorf("Locate allocates %v times", n)
	}
}

func randomPoints(b orb.Bound, n int, seed int64) []orb.Point {
	rng := rand.New(rand.NewSource(seed))
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{
			b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]),
			b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]),
		}
	}
	return pts
}

// BenchmarkLocate looks up random points (about 90% inside a grid) among
// the 50,000 grids of a scaled demo city.
func BenchmarkLocate(b *testing.B) {
	grids := gridsOf(GenerateDemoCity(1, ScaledDemoSpec(50_000)))
	ix := NewIndex(grids)
	pts := randomPoints(ix.Bound(), 1<<14, 2)
	b.ReportAllocs()
	found := 0
	for i := 0; b.Loop(); i++ {
		if _, ok := ix.Locate(pts[i&(len(pts)-1)]); ok {
			found++
		}
	}
	b.ReportMetric(float64(len(grids)), "grids")
	_ = found
}

func BenchmarkNewIndex(b *testing.B) {
	grids := gridsOf(GenerateDemoCity(1, ScaledDemoSpec(50_000)))
	for b.Loop() {
		NewIndex(grids)
	}
}
