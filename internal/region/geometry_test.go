package region

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// circle returns a closed ring of n vertices around (120, 30).
func circle(n int) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		r = append(r, orb.Point{120 + 0.01*math.Cos(a), 30 + 0.01*math.Sin(a)})
	}
	return append(r, r[0])
}

func TestValidateRingSelfIntersection(t *testing.T) {
	for _, n := range []int{12, 500, 5000} { // both the pairwise and the hashed paths
		ring := circle(n)
		if msg := validateRing(ring); msg != "" {
			t.Errorf("circle(%d): %s", n, msg)
		}
		// Swap two vertices far apart: the ring now crosses itself.
		bad := append(orb.Ring(nil), ring...)
		bad[n/4], bad[n/2] = bad[n/2], bad[n/4]
		if msg := validateRing(bad); !strings.Contains(msg, "intersects itself") {
			t.Errorf("twisted circle(%d): %q", n, msg)
		}
		// Pull one vertex onto a non-adjacent one: a figure eight that
		// touches itself at a point.
		touch := append(orb.Ring(nil), ring...)
		touch[n/3] = touch[2*n/3]
		if msg := validateRing(touch); !strings.Contains(msg, "intersects itself") {
			t.Errorf("touching circle(%d): %q", n, msg)
		}
	}
	// A spike: an edge that folds back along the previous one.
	spike := orb.Ring{{0, 0}, {2, 0}, {2, 2}, {1, 2}, {1, 3}, {1, 1}, {0, 2}, {0, 0}}
	if msg := validateRing(spike); !strings.Contains(msg, "intersects itself") {
		t.Errorf("spike: %q", msg)
	}
	if msg := validateRing(orb.Ring{{0, 0}, {1, 0}, {1, 1}, {math.NaN(), 1}, {0, 0}}); !strings.Contains(msg, "not a valid longitude/latitude") {
		t.Errorf("NaN: %q", msg)
	}
}

func TestAreaContainsTolerance(t *testing.T) {
	poly := orb.Polygon{
		{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}},
		{{4, 4}, {6, 4}, {6, 6}, {4, 6}, {4, 4}},
	}
	ar := newArea(poly)
	tests := []struct {
		p    orb.Point
		want bool
	}{
		{orb.Point{1, 1}, true},
		{orb.Point{0, 5}, true},          // on the boundary
		{orb.Point{10 + 5e-10, 5}, true}, // within tolerance outside
		{orb.Point{10 + 1e-8, 5}, false}, // beyond it
		{orb.Point{5, 5}, false},         // in the hole
		{orb.Point{4, 5}, true},          // on the hole's boundary
		{orb.Point{4 + 5e-10, 5}, true},  // just inside the hole, within tolerance
		{orb.Point{math.NaN(), 5}, false},
	}
	for _, tt := range tests {
		if got := ar.containsTol(tt.p, containTolerance); got != tt.want {
			t.Errorf("containsTol(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	// A big ring takes the banded path.
	big := newArea(orb.Polygon{circle(4000)})
	if !big.containsTol(orb.Point{120, 30}, containTolerance) || big.containsTol(orb.Point{120.02, 30}, containTolerance) {
		t.Error("banded containment wrong")
	}
}
