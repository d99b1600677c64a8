package region

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// A circle of ~1 km drawn with 400 points needs about 100 of them to stay
// within a pixel (0.6 m) at zoom 18 — sagitta r(π/n)²/2 — and far fewer at
// city zoom; it never collapses below a closed triangle.
func TestSimplifyForZoom(t *testing.T) {
	ring := orb.Ring{}
	for i := 0; i < 400; i++ {
		a := 2 * math.Pi * float64(i) / 400
		ring = append(ring, orb.Point{120 + 0.01*math.Cos(a), 30 + 0.01*math.Sin(a)})
	}
	ring = append(ring, ring[0])
	poly := orb.Polygon{ring}
	points := func(g orb.Geometry) int { return len(g.(orb.Polygon)[0]) }
	street, city, world := points(SimplifyForZoom(poly, 18)), points(SimplifyForZoom(poly, 11)), points(SimplifyForZoom(poly, 0))
	if street < 90 || street > 200 {
		t.Errorf("zoom 18 kept %d of 401 points, want about 100", street)
	}
	if city > street/3 {
		t.Errorf("zoom 11 kept %d points (zoom 18: %d), want far fewer", city, street)
	}
	if world < 4 {
		t.Errorf("zoom 0 kept %d points, want at least a closed triangle", world)
	}
	if len(ring) != 401 {
		t.Error("the input ring was modified")
	}
}
