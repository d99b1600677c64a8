package region

import (
	"fmt"
	"math"
	"math/rand"
	"slices"

	"github.com/paulmach/orb"
)

// DemoSpec describes a generated demo city.
type DemoSpec struct {
	CityCode string    // a 6-digit prefecture-level code ending in 00
	CityName string    // e.g. 安居市
	Center   orb.Point // lon, lat
	WidthKm  float64   // east–west extent
	HeightKm float64   // north–south extent

	Districts, Streets, Communities, Grids int
}

// DefaultDemoSpec is a city the size of a real prefecture's urban core:
// 6 districts, 40 streets, 300 communities and 3,000 grids over about
// 40 km × 30 km around Hangzhou's coordinates.
func DefaultDemoSpec() DemoSpec {
	return DemoSpec{
		CityCode: "330100", CityName: "安居市",
		Center:  orb.Point{120.15, 30.28},
		WidthKm: 40, HeightKm: 30,
		Districts: 6, Streets: 40, Communities: 300, Grids: 3000,
	}
}

// ScaledDemoSpec is DefaultDemoSpec grown to the given number of grids, with
// the other levels and the area grown in proportion so that grids keep a
// realistic size (about 0.4 km²). ScaledDemoSpec(50_000) is a megacity.
func ScaledDemoSpec(grids int) DemoSpec {
	s := DefaultDemoSpec()
	f := float64(grids) / float64(s.Grids)
	s.Grids = grids
	s.Communities = max(1, int(math.Round(float64(s.Communities)*f)))
	s.Streets = max(1, int(math.Round(float64(s.Streets)*f)))
	s.Districts = max(1, min(98, int(math.Round(float64(s.Districts)*math.Sqrt(f)))))
	s.WidthKm *= math.Sqrt(f)
	s.HeightKm *= math.Sqrt(f)
	return s
}

// normalize fills zero fields from DefaultDemoSpec and makes the counts nest: at least one child per parent and no more
// children than a 3-digit (2-digit for districts) code suffix can name.
func (s DemoSpec) normalize() DemoSpec {
	if s.CityCode == "" || ValidateCode(LevelCity, s.CityCode, "") != nil {
		s.CityCode = "330100"
	}
	if s.CityName == "" {
		s.CityName = "安居市"
	}
	if s.WidthKm <= 0 || s.HeightKm <= 0 || math.IsInf(s.WidthKm+s.HeightKm, 0) {
		s.WidthKm, s.HeightKm = 40, 30
	}
	if s.Center == (orb.Point{}) || !finiteLonLat(s.Center) || math.Abs(s.Center[1]) > 80 {
		s.Center = orb.Point{120.15, 30.28}
	}
	s.Districts = min(max(s.Districts, 1), 98)
	s.Streets = min(max(s.Streets, s.Districts), s.Districts*999)
	s.Communities = min(max(s.Communities, s.Streets), s.Streets*999)
	s.Grids = min(max(s.Grids, s.Communities), s.Communities*999)
	return s
}

// demoCellsPerGrid is how many lattice cells a grid gets on average. Grids of
// about 2×3 cells have 10 to 12 vertices, like hand-drawn ones, and leave the
// partition enough slack that every grid gets at least one cell.
const demoCellsPerGrid = 6

// GenerateDemoCity builds a complete region tree: the city, its districts,
// streets, communities and grids, each with a polygon, codes nested as
// ValidateCode requires, plausible Chinese names, and BBoxes set. The same
// seed and spec give the same city. Counts in spec are raised where needed so
// every parent has a child (and capped where codes would run out).
//
// Every level tiles its parent exactly, without gaps or overlaps: all
// polygons are traced along one shared lattice of points, jittered and gently
// warped so that the map does not look like a chessboard, and every region is
// a block of lattice cells cut from its parent's block at seeded-random
// positions. Two neighbours therefore share their common boundary vertex for
// vertex, and children's areas sum to their parent's.
func GenerateDemoCity(seed int64, spec DemoSpec) []Region {
	spec = spec.normalize()
	// math/rand (v1) because its seeded sequence is frozen by the Go 1
	// compatibility promise: a seed names the same city in every release.
	rng := rand.New(rand.NewSource(seed))

	// How many children each node has, level by level.
	streetsPer := splitCount(rng, spec.Streets, spec.Districts)
	communitiesPer := splitCount(rng, spec.Communities, spec.Streets)
	gridsPer := splitCount(rng, spec.Grids, spec.Communities)

	// The tree, with each node's weight = number of grids below it.
	type node struct {
		region   Region
		weight   int
		children []*node
		rect     rect
	}
	names := newNamer(rng)
	city := &node{region: Region{Code: spec.CityCode, Name: spec.CityName, Level: LevelCity}}
	si, ci := 0, 0
	for d := 0; d < spec.Districts; d++ {
		dn := &node{region: Region{Code: fmt.Sprintf("%s%02d", spec.CityCode[:4], d+2), Name: names.district(), Level: LevelDistrict, Parent: spec.CityCode}}
		for s := 0; s < streetsPer[d]; s++ {
			sn := &node{region: Region{Code: fmt.Sprintf("%s%03d", dn.region.Code, s+1), Name: names.street(), Level: LevelStreet, Parent: dn.region.Code}}
			for c := 0; c < communitiesPer[si]; c++ {
				cn := &node{region: Region{Code: fmt.Sprintf("%s%03d", sn.region.Code, c+1), Name: names.community(), Level: LevelCommunity, Parent: sn.region.Code}}
				for g := 0; g < gridsPer[ci]; g++ {
					cn.children = append(cn.children, &node{region: Region{
						Code: fmt.Sprintf("%s%03d", cn.region.Code, g+1), Name: fmt.Sprintf("%s第%d网格", cn.region.Name, g+1),
						Level: LevelGrid, Parent: cn.region.Code}, weight: 1})
				}
				cn.weight = gridsPer[ci]
				ci++
				sn.children = append(sn.children, cn)
				sn.weight += cn.weight
			}
			si++
			dn.children = append(dn.children, sn)
			dn.weight += sn.weight
		}
		city.children = append(city.children, dn)
		city.weight += dn.weight
	}

	// The lattice: about demoCellsPerGrid cells per grid, cells roughly square.
	aspect := spec.WidthKm / spec.HeightKm
	cells := float64(spec.Grids * demoCellsPerGrid)
	nx := max(1, int(math.Round(math.Sqrt(cells*aspect))))
	ny := max(1, int(math.Ceil(cells/float64(nx))))
	lat := newLattice(rng, nx, ny, spec)

	// Partition top-down and trace every block's outline on the lattice.
	var out []Region
	var walk func(n *node)
	walk = func(n *node) {
		n.region.Geometry = lat.polygon(n.rect)
		n.region.BBox = n.region.Geometry.Bound()
		out = append(out, n.region)
		if len(n.children) == 0 {
			return
		}
		weights := make([]int, len(n.children))
		for i, c := range n.children {
			weights[i] = c.weight
		}
		for i, r := range partition(rng, n.rect, weights) {
			n.children[i].rect = r
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	city.rect = rect{0, 0, nx, ny}
	walk(city)
	SortRegions(out)
	return out
}

// splitCount splits total into n positive parts of seeded-random, roughly
// equal sizes (each between about 0.6 and 1.4 times the mean).
func splitCount(rng *rand.Rand, total, n int) []int {
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		w[i] = 0.6 + 0.8*rng.Float64()
		sum += w[i]
	}
	parts := make([]int, n)
	left := total - n // everyone gets one; share the rest by weight
	given := 0
	for i := range parts {
		extra := int(float64(left) * w[i] / sum)
		parts[i] = 1 + extra
		given += extra
	}
	for i := 0; given < left; i = (i + 1) % n {
		parts[i]++
		given++
	}
	return parts
}

// rect is a block of lattice cells [x0,x1)×[y0,y1).
type rect struct{ x0, y0, x1, y1 int }

func (r rect) w() int    { return r.x1 - r.x0 }
func (r rect) h() int    { return r.y1 - r.y0 }
func (r rect) area() int { return r.w() * r.h() }

// partition cuts r into len(weights) blocks, block i getting an area roughly
// proportional to weights[i] and never less than weights[i] cells (so every
// grid below gets a cell). It cuts recursively in two (a guillotine cut),
// keeping children in order so that consecutive codes are neighbours, and
// prefers balanced halves cut across the longer side, with the cut position
// jittered so the map does not look planned with a ruler.
func partition(rng *rand.Rand, r rect, weights []int) []rect {
	if len(weights) == 1 {
		return []rect{r}
	}
	total := 0
	for _, w := range weights {
		total += w
	}
	// Candidate split points, most balanced first.
	ms := make([]int, 0, len(weights)-1)
	for m := 1; m < len(weights); m++ {
		ms = append(ms, m)
	}
	prefix := func(m int) int {
		s := 0
		for _, w := range weights[:m] {
			s += w
		}
		return s
	}
	slices.SortStableFunc(ms, func(a, b int) int {
		da := math.Abs(float64(prefix(a)) - float64(total)/2)
		db := math.Abs(float64(prefix(b)) - float64(total)/2)
		switch {
		case da < db:
			return -1
		case da > db:
			return 1
		}
		return 0
	})
	vertical := r.w() >= r.h() // cut across the longer side
	for _, m := range ms {
		wa := prefix(m)
		wb := total - wa
		for _, v := range []bool{vertical, !vertical} {
			length, cross := r.h(), r.w()
			if v {
				length, cross = r.w(), r.h()
			}
			lo := ceilDiv(wa, cross)
			hi := length - ceilDiv(wb, cross)
			if lo > hi || lo < 1 || hi > length-1 {
				continue
			}
			ideal := float64(length)*float64(wa)/float64(total) + (rng.Float64()-0.5)*0.16*float64(length)
			cut := min(max(int(math.Round(ideal)), lo), hi)
			var a, b rect
			if v {
				a, b = rect{r.x0, r.y0, r.x0 + cut, r.y1}, rect{r.x0 + cut, r.y0, r.x1, r.y1}
			} else {
				a, b = rect{r.x0, r.y0, r.x1, r.y0 + cut}, rect{r.x0, r.y0 + cut, r.x1, r.y1}
			}
			return append(partition(rng, a, weights[:m]), partition(rng, b, weights[m:])...)
		}
	}
	// Unreachable while each block has at least as many cells as its weight
	// (guaranteed at the top by demoCellsPerGrid and kept by the cuts above):
	// with unit weights some split always fits.
	panic(fmt.Sprintf("region: demo partition of %v for weights %v is infeasible", r, weights))
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// lattice is the shared grid of points every demo polygon is traced on.
type lattice struct {
	nx, ny int
	pts    []orb.Point // (nx+1)*(ny+1), row-major by y
}

// newLattice jitters each lattice point by up to 0.2 of a cell (which keeps
// every cell a simple quadrilateral) and then applies a smooth, gentle warp
// (a shear whose slope stays under 0.15, so it cannot fold) before mapping
// to lon/lat around the spec's centre.
func newLattice(rng *rand.Rand, nx, ny int, spec DemoSpec) *lattice {
	l := &lattice{nx: nx, ny: ny, pts: make([]orb.Point, (nx+1)*(ny+1))}
	const jitter = 0.2
	const amp = 0.012
	f1, f2 := 1+rng.Float64(), 1+rng.Float64()
	p1, p2 := rng.Float64()*2*math.Pi, rng.Float64()*2*math.Pi
	widthDeg := spec.WidthKm / (111.32 * math.Cos(spec.Center[1]*math.Pi/180))
	heightDeg := spec.HeightKm / 110.574
	for y := 0; y <= ny; y++ {
		for x := 0; x <= nx; x++ {
			u := (float64(x) + jitter*(2*rng.Float64()-1)) / float64(nx)
			v := (float64(y) + jitter*(2*rng.Float64()-1)) / float64(ny)
			wu := u + amp*math.Sin(2*math.Pi*f1*v+p1)
			wv := v + amp*math.Sin(2*math.Pi*f2*u+p2)
			l.pts[y*(nx+1)+x] = orb.Point{
				spec.Center[0] + (wu-0.5)*widthDeg,
				spec.Center[1] + (wv-0.5)*heightDeg,
			}
		}
	}
	return l
}

func (l *lattice) at(x, y int) orb.Point { return l.pts[y*(l.nx+1)+x] }

// polygon traces the outline of a block counter-clockwise (the GeoJSON
// right-hand rule) through every lattice point on its edges.
func (l *lattice) polygon(r rect) orb.Polygon {
	ring := make(orb.Ring, 0, 2*(r.w()+r.h())+1)
	for x := r.x0; x < r.x1; x++ {
		ring = append(ring, l.at(x, r.y0))
	}
	for y := r.y0; y < r.y1; y++ {
		ring = append(ring, l.at(r.x1, y))
	}
	for x := r.x1; x > r.x0; x-- {
		ring = append(ring, l.at(x, r.y1))
	}
	for y := r.y1; y > r.y0; y-- {
		ring = append(ring, l.at(r.x0, y))
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}
}

// namer hands out plausible, distinct place names.
type namer struct {
	rng  *rand.Rand
	used map[string]bool
	nd   int
}

func newNamer(rng *rand.Rand) *namer { return &namer{rng: rng, used: map[string]bool{}} }

var (
	demoDistricts = []string{"安澜区", "临江区", "云栖区", "湖滨区", "望潮区", "桂语区",
		"松涛区", "银湖区", "梅岭区", "丹枫区", "青溪区", "翠屏区", "凤鸣区", "龙泉区", "海宁区", "白鹭区"}
	demoFirst = []rune("文华兴和平安康乐长庆永宁丰泰明光新春秋东西南北金玉锦绣清紫碧翠瑞福")
	demoLast  = []rune("湖桥塘山林溪岭湾港园里坊苑河亭门堤滨浦洲塔岸桂荷柳竹")
)

func (n *namer) district() string {
	n.nd++
	if n.nd <= len(demoDistricts) {
		return demoDistricts[n.nd-1]
	}
	return fmt.Sprintf("新城第%d区", n.nd-len(demoDistricts))
}

// place returns a fresh two-character name plus suffix, adding a digit suffix
// to the stem in the rare case the pool runs out.
func (n *namer) place(suffix string) string {
	for range 20 {
		name := string([]rune{demoFirst[n.rng.Intn(len(demoFirst))], demoLast[n.rng.Intn(len(demoLast))]}) + suffix
		if !n.used[name] {
			n.used[name] = true
			return name
		}
	}
	for i := 2; ; i++ {
		name := fmt.Sprintf("%s%c%d%s", string(demoFirst[n.rng.Intn(len(demoFirst))]), demoLast[n.rng.Intn(len(demoLast))], i, suffix)
		if !n.used[name] {
			n.used[name] = true
			return name
		}
	}
}

func (n *namer) street() string { return n.place("街道") }

// community names villages (村) for about a quarter, as a city's outskirts
// are still rural.
func (n *namer) community() string {
	if n.rng.Intn(4) == 0 {
		return n.place("村")
	}
	return n.place("社区")
}
