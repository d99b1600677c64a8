package region

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"
)

// SimplifyForZoom thins a boundary to what a web map shows at zoom level z
// (256-pixel tiles): points closer than about a pixel to the line through
// their neighbours are dropped, so a district's hundreds of grids stay light
// at city zoom and keep every corner when zoomed in. A ring never drops
// below four points (a closed triangle); one that would is kept as it was.
func SimplifyForZoom(g orb.Geometry, z int) orb.Geometry {
	z = max(0, min(z, 22))
	tolerance := 360 / (256 * math.Exp2(float64(z))) // degrees per pixel at the equator
	switch g := g.(type) {
	case orb.Polygon:
		return simplifyPolygon(g, tolerance)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = simplifyPolygon(p, tolerance)
		}
		return out
	}
	return g
}

func simplifyPolygon(p orb.Polygon, tolerance float64) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, ring := range p {
		s := simplify.DouglasPeucker(tolerance).Ring(ring.Clone())
		if len(s) < 4 {
			s = ring
		}
		out[i] = s
	}
	return out
}
