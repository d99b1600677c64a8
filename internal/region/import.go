package region

import (
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"anju/internal/anju"
)

// ValidateImport checks, all or nothing, that incoming (typically from
// ParseFeatureCollection, index i being feature i of the file) can be merged
// into existing, the city's regions already stored, keyed by code. It accepts
// new regions and updates of existing codes, and rejects:
//   - a malformed code, a missing name, a level that disagrees with the code;
//   - a code that appears twice in the file;
//   - an invalid polygon (a ring of fewer than 4 points, not closed, with a
//     non-finite or out-of-range position, of zero area, or crossing itself;
//     a hole outside its outer ring), a geometry other than a Polygon or
//     MultiPolygon, or a grid without one;
//   - an update that changes a region's level or parent;
//   - a parent that is neither in the file nor in existing, a parent of the
//     wrong level, or a code that does not extend its parent's;
//   - a second city;
//   - a region with geometry that is not inside its nearest ancestor with
//     geometry (every vertex within it, boundary included, to ~1e-9°), and an
//     updated polygon that would leave an existing descendant outside it.
//
// Checks run in passes (each feature on its own, then parents, then
// containment), each in file order, and the first problem found is returned
// as an EINVALID *anju.Error whose message names the feature by index and code,
// e.g. "feature 12 (code 330102001001003): ring intersects itself …". The
// result is therefore deterministic for a given input.
func ValidateImport(existing map[string]Region, incoming []Region) error {
	_, err := prepareImport(existing, incoming)
	return err
}

// ApplyImport validates incoming against existing as ValidateImport does and,
// if it is valid, returns the regions the store must write: every incoming
// region and every existing region whose BBox changed as a result, each with
// its BBox computed, ordered parents before children (by depth, then code).
// It does not modify existing or incoming. Errors as ValidateImport.
func ApplyImport(existing map[string]Region, incoming []Region) ([]Region, error) {
	merged, err := prepareImport(existing, incoming)
	if err != nil {
		return nil, err
	}
	ComputeBBoxes(merged)
	in := make(map[string]bool, len(incoming))
	for _, r := range incoming {
		in[r.Code] = true
	}
	out := make([]Region, 0, len(incoming))
	for code, r := range merged {
		if old, ok := existing[code]; in[code] || !ok || r.BBox != old.BBox {
			out = append(out, r)
		}
	}
	SortRegions(out)
	return out, nil
}

// SortRegions orders regions parents first: by depth, then by code.
func SortRegions(rs []Region) {
	slices.SortFunc(rs, func(a, b Region) int {
		if d := a.Level.Depth() - b.Level.Depth(); d != 0 {
			return d
		}
		return strings.Compare(a.Code, b.Code)
	})
}

// prepareImport validates and returns the merged tree (existing overlaid
// with incoming), BBoxes not yet computed.
func prepareImport(existing map[string]Region, incoming []Region) (map[string]Region, error) {
	// Pass 1: each feature on its own.
	index := make(map[string]int, len(incoming))
	levels := make([]Level, len(incoming))
	for i, r := range incoming {
		if r.Code == "" {
			return nil, featureError(i, "", "properties.code", "code is required")
		}
		level, err := LevelOf(r.Code, r.Parent)
		if err != nil {
			return nil, featureError(i, r.Code, "properties.code", "%s", anju.ErrorMessage(err))
		}
		if r.Level != "" && r.Level != level {
			return nil, featureError(i, r.Code, "properties.level", "level %q does not match the code, which is a %s code", r.Level, level)
		}
		levels[i] = level
		// Checked before the code's shape, since a moved region's code no
		// longer extends its new parent's and "does not extend" would hide
		// what the user actually tried to do.
		if old, ok := existing[r.Code]; ok {
			if old.Parent != r.Parent {
				return nil, featureError(i, r.Code, "properties.parent", "parent cannot change from %q to %q; delete and re-create the region instead", old.Parent, r.Parent)
			}
			if old.Level != "" && old.Level != level {
				return nil, featureError(i, r.Code, "properties.level", "level cannot change from %s to %s", old.Level, level)
			}
		}
		if err := ValidateCode(level, r.Code, r.Parent); err != nil {
			return nil, featureError(i, r.Code, "properties."+anju.ErrorField(err), "%s", anju.ErrorMessage(err))
		}
		if j, dup := index[r.Code]; dup {
			return nil, featureError(i, r.Code, "properties.code", "code %s already appears in feature %d", r.Code, j)
		}
		index[r.Code] = i
		if strings.TrimSpace(r.Name) == "" {
			return nil, featureError(i, r.Code, "properties.name", "name is required")
		}
		if r.Geometry == nil {
			if level == LevelGrid {
				return nil, featureError(i, r.Code, "geometry", "a grid must have a Polygon or MultiPolygon geometry")
			}
		} else if msg := validateGeometry(r.Geometry); msg != "" {
			return nil, featureError(i, r.Code, "geometry", "%s", msg)
		}
	}

	merged := make(map[string]Region, len(existing)+len(incoming))
	for code, r := range existing {
		merged[code] = r
	}
	for i, r := range incoming {
		r.Level = levels[i]
		merged[r.Code] = r
	}

	// Pass 2: parents, and one city per tree.
	city := ""
	for code, r := range existing {
		if r.Parent == "" && (city == "" || code < city) {
			city = code
		}
	}
	for i, r := range incoming {
		level := levels[i]
		if level == LevelCity {
			if city != "" && city != r.Code {
				return nil, featureError(i, r.Code, "properties.code", "the city is already %s; an import holds one city", city)
			}
			city = r.Code
			continue
		}
		p, ok := merged[r.Parent]
		if !ok {
			return nil, featureError(i, r.Code, "properties.parent", "parent %s is neither in the file nor already imported", r.Parent)
		}
		if want := Levels[level.Depth()-1]; p.Level != want {
			return nil, featureError(i, r.Code, "properties.parent", "parent %s is a %s; a %s's parent must be a %s", r.Parent, p.Level, level, want)
		}
	}

	// Pass 3: containment in the nearest ancestor that has a geometry.
	areas := make(map[string]*area)
	prepared := func(code string) *area {
		a, ok := areas[code]
		if !ok {
			a = newArea(merged[code].Geometry)
			areas[code] = a
		}
		return a
	}
	for i, r := range incoming {
		if r.Geometry == nil {
			continue
		}
		anc, ok := geometricAncestor(merged, r.Code)
		if !ok {
			continue
		}
		if p, out := outside(r.Geometry, prepared(anc)); out {
			a := merged[anc]
			return nil, featureError(i, r.Code, "geometry", "lies outside its %s %s (%s): point [%v, %v] is outside", a.Level, a.Code, a.Name, p[0], p[1])
		}
	}
	// An updated polygon must still hold the stored descendants it bounds.
	var stored []string
	for code, r := range existing {
		if _, in := index[code]; !in && r.Geometry != nil {
			stored = append(stored, code)
		}
	}
	slices.Sort(stored)
	for _, code := range stored {
		anc, ok := geometricAncestor(merged, code)
		if !ok {
			continue
		}
		i, in := index[anc]
		if !in {
			continue
		}
		r := merged[code]
		if p, out := outside(r.Geometry, prepared(anc)); out {
			return nil, featureError(i, anc, "geometry", "the stored %s %s (%s) would lie outside it: point [%v, %v] is outside", r.Level, r.Code, r.Name, p[0], p[1])
		}
	}
	return merged, nil
}

// geometricAncestor returns the code of the nearest proper ancestor of code
// that has a geometry.
func geometricAncestor(regions map[string]Region, code string) (string, bool) {
	r := regions[code]
	for steps := 0; r.Parent != "" && steps <= len(Levels); steps++ {
		p, ok := regions[r.Parent]
		if !ok {
			return "", false
		}
		if p.Geometry != nil {
			return p.Code, true
		}
		r = p
	}
	return "", false
}

// outside returns the first vertex of g that is not within a (with
// containTolerance), if any.
func outside(g orb.Geometry, a *area) (orb.Point, bool) {
	var bad orb.Point
	found := false
	vertices(g, func(p orb.Point) bool {
		if !a.containsTol(p, containTolerance) {
			bad, found = p, true
			return false
		}
		return true
	})
	return bad, found
}

// ComputeBBoxes sets the BBox of every region in the tree: the bound of its
// geometry if it has one, else the union of its children's BBoxes (the zero
// Bound if none of its descendants has geometry either). Regions whose parent
// is missing are treated as roots.
func ComputeBBoxes(regions map[string]Region) {
	children := make(map[string][]string, len(regions))
	for code, r := range regions {
		if r.Parent != "" {
			children[r.Parent] = append(children[r.Parent], code)
		}
	}
	done := make(map[string]bool, len(regions))
	var visit func(code string, depth int) orb.Bound
	visit = func(code string, depth int) orb.Bound {
		r := regions[code]
		if done[code] || depth > len(Levels) {
			return r.BBox
		}
		done[code] = true
		var b orb.Bound
		have := false
		if r.Geometry != nil {
			b, have = r.Geometry.Bound(), true
		}
		for _, c := range children[code] {
			cb := visit(c, depth+1)
			if r.Geometry != nil || cb.IsZero() {
				continue
			}
			if have {
				b = b.Union(cb)
			} else {
				b, have = cb, true
			}
		}
		r.BBox = b
		regions[code] = r
		return b
	}
	for code := range regions {
		visit(code, 0)
	}
}
