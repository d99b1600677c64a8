package region

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// minRingArea is the smallest ring area, in square degrees, that a polygon may
// have: about 0.01 m² at the equator. Anything smaller is a degenerate ring
// (collinear points, or noise), not a place a case can be in.
const minRingArea = 1e-12

// containTolerance is how far, in degrees (≈0.1 mm), a vertex may lie outside
// its ancestor's polygon and still count as inside: boundaries exported by
// different tools round the same vertex differently in the last digits.
const containTolerance = 1e-9

// ringContains runs the crossing-number test of p against a closed ring and
// reports whether p is inside it or exactly on one of its edges.
//
// Each edge is put in a canonical order (lower endpoint first) before any
// arithmetic, so an edge shared by two neighbouring polygons — stored forwards
// in one and backwards in the other — gives bit-identical results in both. A
// point that is not exactly on a shared edge is therefore inside exactly one of
// the two polygons: the tiling has no cracks and no double cover.
func ringContains(ring []orb.Point, p orb.Point) (in, on bool) {
	for i := 0; i+1 < len(ring); i++ {
		a, b := ring[i], ring[i+1]
		if a[1] > b[1] || (a[1] == b[1] && a[0] > b[0]) {
			a, b = b, a
		}
		if p[1] < a[1] || p[1] > b[1] {
			continue
		}
		cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
		if cross == 0 {
			if p[0] >= min(a[0], b[0]) && p[0] <= max(a[0], b[0]) {
				return false, true
			}
			continue
		}
		// Half-open rule: an upward edge counts when a.y <= p.y < b.y and p is
		// left of it, i.e. the ray from p towards +x crosses it.
		if p[1] < b[1] && cross > 0 {
			in = !in
		}
	}
	return in, false
}

// polygonContains reports whether p is in poly, holes excluded; points on the
// outer boundary or on a hole's boundary are inside.
func polygonContains(poly orb.Polygon, p orb.Point) bool {
	if len(poly) == 0 {
		return false
	}
	in, on := ringContains(poly[0], p)
	if on {
		return true
	}
	if !in {
		return false
	}
	for _, hole := range poly[1:] {
		in, on := ringContains(hole, p)
		if on {
			return true
		}
		if in {
			return false
		}
	}
	return true
}

// finiteLonLat reports whether p is a finite WGS 84 position.
func finiteLonLat(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) &&
		p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

// polygons returns the polygons of a Polygon or MultiPolygon geometry, and
// false for any other geometry type.
func polygons(g orb.Geometry) ([]orb.Polygon, bool) {
	switch g := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{g}, true
	case orb.MultiPolygon:
		return g, true
	}
	return nil, false
}

// validateGeometry checks that g is a Polygon or MultiPolygon whose rings are
// each at least 4 points, closed, finite and within lon/lat range, of non-zero
// area and not self-intersecting, and whose holes lie within their outer ring.
// It returns a message for the user, naming the ring at fault, or "".
//
// It does not check that rings of one polygon, or the polygons of a
// MultiPolygon, do not cross each other: the index and the containment checks
// stay well defined without that, and the check would cost more than it saves.
func validateGeometry(g orb.Geometry) string {
	polys, ok := polygons(g)
	if !ok {
		return fmt.Sprintf("geometry must be a Polygon or MultiPolygon, got %s", g.GeoJSONType())
	}
	if len(polys) == 0 {
		return "multipolygon has no polygons"
	}
	for pi, poly := range polys {
		where := func(ri int) string {
			name := "outer ring"
			if ri > 0 {
				name = fmt.Sprintf("hole %d", ri)
			}
			if len(polys) > 1 {
				return fmt.Sprintf("polygon %d %s", pi, name)
			}
			return name
		}
		if len(poly) == 0 {
			return fmt.Sprintf("polygon %d has no rings", pi)
		}
		for ri, ring := range poly {
			if msg := validateRing(ring); msg != "" {
				return where(ri) + ": " + msg
			}
		}
		for ri, hole := range poly[1:] {
			for _, p := range hole {
				if in, on := ringContains(poly[0], p); !in && !on {
					return fmt.Sprintf("%s: point [%v, %v] lies outside the outer ring", where(ri+1), p[0], p[1])
				}
			}
		}
	}
	return ""
}

// validateRing checks a single ring; see validateGeometry.
func validateRing(ring orb.Ring) string {
	if len(ring) < 4 {
		return fmt.Sprintf("ring has %d points, needs at least 4", len(ring))
	}
	for _, p := range ring {
		if !finiteLonLat(p) {
			return fmt.Sprintf("point [%v, %v] is not a valid longitude/latitude", p[0], p[1])
		}
	}
	if ring[0] != ring[len(ring)-1] {
		return "polygon ring is not closed (first and last points differ)"
	}
	for i := 0; i+1 < len(ring); i++ {
		if ring[i] == ring[i+1] {
			return fmt.Sprintf("ring repeats point [%v, %v]", ring[i][0], ring[i][1])
		}
	}
	if math.Abs(planar.Area(ring)) < minRingArea {
		return "ring has zero area"
	}
	if i, j, ok := selfIntersection(ring); ok {
		return fmt.Sprintf("ring intersects itself (segment %d crosses segment %d near [%v, %v])", i, j, ring[j][0], ring[j][1])
	}
	return ""
}

// orient returns the sign of the turn a→b→c: >0 left, <0 right, 0 collinear.
func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// onSegment reports whether c, known to be collinear with a-b, lies on it.
func onSegment(a, b, c orb.Point) bool {
	return c[0] >= min(a[0], b[0]) && c[0] <= max(a[0], b[0]) &&
		c[1] >= min(a[1], b[1]) && c[1] <= max(a[1], b[1])
}

// segmentsIntersect reports whether closed segments p1-p2 and q1-q2 share a point.
func segmentsIntersect(p1, p2, q1, q2 orb.Point) bool {
	d1 := orient(q1, q2, p1)
	d2 := orient(q1, q2, p2)
	d3 := orient(p1, p2, q1)
	d4 := orient(p1, p2, q2)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(q1, q2, p1)) || (d2 == 0 && onSegment(q1, q2, p2)) ||
		(d3 == 0 && onSegment(p1, p2, q1)) || (d4 == 0 && onSegment(p1, p2, q2))
}

// segmentsConflict reports whether ring segments i and j (i < j) intersect
// other than at the vertex that adjacent segments legitimately share.
func segmentsConflict(ring orb.Ring, i, j int) bool {
	n := len(ring) - 1 // segments
	a1, a2, b1, b2 := ring[i], ring[i+1], ring[j], ring[j+1]
	switch {
	case j == i+1: // share ring[j] == a2 == b1
		// They conflict only if they fold back over each other.
		return orient(a1, a2, b2) == 0 && (onSegment(a1, a2, b2) || onSegment(b1, b2, a1))
	case i == 0 && j == n-1: // share ring[0] == a1 == b2
		return orient(a1, a2, b1) == 0 && (onSegment(a1, a2, b1) || onSegment(b1, b2, a2))
	}
	return segmentsIntersect(a1, a2, b1, b2)
}

// maxSegmentPairs bounds the work of the self-intersection check, so a
// pathological ring (thousands of long segments criss-crossing one another)
// costs a bounded time and is refused rather than hanging an import.
const maxSegmentPairs = 20_000_000

// selfIntersection finds two segments of a closed ring that cross or touch
// (other than neighbours at their shared vertex). Small rings are checked pair
// by pair. Larger ones hash their segments into a uniform grid of about one
// cell per segment and compare only segments that share a cell, so a
// real-world boundary of n short segments costs O(n). It reports the indices
// of the two segments.
func selfIntersection(ring orb.Ring) (int, int, bool) {
	n := len(ring) - 1
	if n <= 64 {
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if segmentsConflict(ring, i, j) {
					return i, j, true
				}
			}
		}
		return 0, 0, false
	}
	b := orb.Ring(ring).Bound()
	side := int(math.Ceil(math.Sqrt(float64(n))))
	cw := (b.Max[0] - b.Min[0]) / float64(side)
	ch := (b.Max[1] - b.Min[1]) / float64(side)
	cell := func(v, lo, size float64) int {
		if size <= 0 {
			return 0
		}
		c := int((v - lo) / size)
		return min(max(c, 0), side-1)
	}
	type span struct{ x0, y0, x1, y1 int }
	spans := make([]span, n)
	buckets := make(map[int][]int32)
	inserted := 0
	for i := 0; i < n; i++ {
		a, c := ring[i], ring[i+1]
		s := span{
			cell(min(a[0], c[0]), b.Min[0], cw), cell(min(a[1], c[1]), b.Min[1], ch),
			cell(max(a[0], c[0]), b.Min[0], cw), cell(max(a[1], c[1]), b.Min[1], ch),
		}
		spans[i] = s
		inserted += (s.x1 - s.x0 + 1) * (s.y1 - s.y0 + 1)
		if inserted > maxSegmentPairs {
			return i, i, true
		}
		for x := s.x0; x <= s.x1; x++ {
			for y := s.y0; y <= s.y1; y++ {
				k := y*side + x
				buckets[k] = append(buckets[k], int32(i))
			}
		}
	}
	// Visit cells in a fixed order so the pair reported is deterministic.
	keys := make([]int, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	pairs := 0
	for _, k := range keys {
		ids := buckets[k]
		cx, cy := k%side, k/side
		for x := 0; x < len(ids); x++ {
			for y := x + 1; y < len(ids); y++ {
				i, j := int(ids[x]), int(ids[y])
				si, sj := spans[i], spans[j]
				// Test each pair once: in the first cell both segments share.
				if max(si.x0, sj.x0) != cx || max(si.y0, sj.y0) != cy {
					continue
				}
				if pairs++; pairs > maxSegmentPairs {
					return i, j, true
				}
				if segmentsConflict(ring, min(i, j), max(i, j)) {
					return min(i, j), max(i, j), true
				}
			}
		}
	}
	return 0, 0, false
}

// distToSegmentSq returns the squared distance from p to segment a-b.
func distToSegmentSq(a, b, p orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l
		t = min(max(t, 0), 1)
	}
	ex, ey := a[0]+t*dx-p[0], a[1]+t*dy-p[1]
	return ex*ex + ey*ey
}

// area is a region's geometry prepared for many containment queries with a
// tolerance: its edges are bucketed into horizontal bands, so a query looks
// only at edges whose latitude range can matter instead of every edge of a
// city boundary that may have tens of thousands of vertices.
type area struct {
	bound  orb.Bound
	y0, bh float64
	bands  [][]edge
}

type edge struct{ a, b orb.Point }

// newArea prepares g (a Polygon or MultiPolygon) for containsTol.
func newArea(g orb.Geometry) *area {
	polys, _ := polygons(g)
	var edges []edge
	for _, poly := range polys {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				edges = append(edges, edge{ring[i], ring[i+1]})
			}
		}
	}
	ar := &area{bound: g.Bound(), y0: g.Bound().Min[1]}
	height := ar.bound.Max[1] - ar.bound.Min[1]
	// About four edges per band; but long edges land in many bands, so
	// coarsen until the copies stay linear in the number of edges, bounding
	// the memory a pathological polygon can claim.
	nb := max(1, len(edges)/4)
	for ; nb > 1; nb /= 2 {
		ar.bh = height / float64(nb)
		ar.bands = make([][]edge, nb)
		copies := 0
		for _, e := range edges {
			copies += ar.band(max(e.a[1], e.b[1])) - ar.band(min(e.a[1], e.b[1])) + 1
		}
		if copies <= 16*len(edges) {
			break
		}
	}
	ar.bh = height / float64(nb)
	ar.bands = make([][]edge, nb)
	for _, e := range edges {
		lo, hi := ar.band(min(e.a[1], e.b[1])), ar.band(max(e.a[1], e.b[1]))
		for k := lo; k <= hi; k++ {
			ar.bands[k] = append(ar.bands[k], e)
		}
	}
	return ar
}

func (ar *area) band(y float64) int {
	if ar.bh <= 0 || math.IsNaN(y) {
		return 0
	}
	k := int((y - ar.y0) / ar.bh)
	return min(max(k, 0), len(ar.bands)-1)
}

// containsTol reports whether p is inside the area, on its boundary, or within
// tol of its boundary. Holes are excluded.
//
// Parity across all rings of all polygons gives the right answer for holes
// and for non-overlapping MultiPolygon parts, which is what validated
// geometry guarantees.
func (ar *area) containsTol(p orb.Point, tol float64) bool {
	if p[0] < ar.bound.Min[0]-tol || p[0] > ar.bound.Max[0]+tol ||
		p[1] < ar.bound.Min[1]-tol || p[1] > ar.bound.Max[1]+tol {
		return false
	}
	// Crossing parity needs only edges spanning p.y, all in p's band. Points
	// on the boundary may fall either way here; the distance check below
	// takes them in.
	in := false
	for _, e := range ar.bands[ar.band(p[1])] {
		a, b := e.a, e.b
		if a[1] > b[1] || (a[1] == b[1] && a[0] > b[0]) {
			a, b = b, a
		}
		if p[1] < a[1] || p[1] >= b[1] {
			continue
		}
		c := orient(a, b, p)
		if c > 0 {
			in = !in
		}
	}
	if in {
		return true
	}
	tol2 := tol * tol
	lo, hi := ar.band(p[1]-tol), ar.band(p[1]+tol)
	for k := lo; k <= hi; k++ {
		for _, e := range ar.bands[k] {
			if distToSegmentSq(e.a, e.b, p) <= tol2 {
				return true
			}
		}
	}
	return false
}

// vertices calls fn for every vertex of g (a Polygon or MultiPolygon) until fn
// returns false.
func vertices(g orb.Geometry, fn func(orb.Point) bool) {
	polys, _ := polygons(g)
	for _, poly := range polys {
		for _, ring := range poly {
			for _, p := range ring {
				if !fn(p) {
					return
				}
			}
		}
	}
}
