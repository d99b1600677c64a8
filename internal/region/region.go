// Package region holds a city's region tree (行政区划与网格): city → district →
// street → community → grid, with the codes that name each region, the polygons
// that bound them, GeoJSON import and validation, a spatial index that finds the
// grid holding a point, and a deterministic demo-city generator.
//
// It is pure domain code: it reads GeoJSON from an io.Reader but does no other
// I/O, so the store, the HTTP edge and the CLI all share one set of rules.
package region

import (
	"strings"

	"github.com/paulmach/orb"

	"anju/internal/anju"
)

// Level is the rank of a region in the tree.
type Level string

const (
	LevelCity      Level = "city"      // 市, GB/T 2260 prefecture-level code
	LevelDistrict  Level = "district"  // 区/县, GB/T 2260 county-level code
	LevelStreet    Level = "street"    // 街道/乡镇, district code + 3 digits
	LevelCommunity Level = "community" // 社区/村, street code + 3 digits
	LevelGrid      Level = "grid"      // 网格, community code + 3 digits
)

// Levels lists every level from the root down; a level's index is its Depth.
var Levels = []Level{LevelCity, LevelDistrict, LevelStreet, LevelCommunity, LevelGrid}

// Depth returns 0 for a city through 4 for a grid, and -1 for an unknown level.
func (l Level) Depth() int {
	switch l {
	case LevelCity:
		return 0
	case LevelDistrict:
		return 1
	case LevelStreet:
		return 2
	case LevelCommunity:
		return 3
	case LevelGrid:
		return 4
	}
	return -1
}

// Valid reports whether l is one of Levels.
func (l Level) Valid() bool { return l.Depth() >= 0 }

// CodeLen returns the number of digits in a code of level l, 0 if l is unknown.
func (l Level) CodeLen() int {
	switch l {
	case LevelCity, LevelDistrict:
		return 6
	case LevelStreet:
		return 9
	case LevelCommunity:
		return 12
	case LevelGrid:
		return 15
	}
	return 0
}

// Label returns the Chinese name of the level, for display.
func (l Level) Label() string {
	switch l {
	case LevelCity:
		return "市"
	case LevelDistrict:
		return "区县"
	case LevelStreet:
		return "街道"
	case LevelCommunity:
		return "社区"
	case LevelGrid:
		return "网格"
	}
	return string(l)
}

// Region is one node of a city's region tree.
type Region struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  Level  `json:"level"`
	Parent string `json:"parent,omitempty"` // empty for the city
	// Geometry is an orb.Polygon or orb.MultiPolygon in WGS 84 lon/lat, or nil
	// when the region has no boundary of its own. Grids always have one.
	Geometry orb.Geometry `json:"-"`
	// BBox is the bound of Geometry or, for a region without geometry, the
	// union of its descendants' bounds; the zero Bound when neither exists.
	// ComputeBBoxes and ApplyImport fill it in.
	BBox orb.Bound `json:"-"`
}

// HasGeometry reports whether the region has a boundary polygon of its own.
func (r Region) HasGeometry() bool { return r.Geometry != nil }

// Contains reports whether p lies in the region's geometry; points on the
// boundary are inside. A region without geometry contains nothing.
func (r Region) Contains(p orb.Point) bool {
	switch g := r.Geometry.(type) {
	case orb.Polygon:
		return polygonContains(g, p)
	case orb.MultiPolygon:
		for _, poly := range g {
			if polygonContains(poly, p) {
				return true
			}
		}
	}
	return false
}

// String returns "code name", for logs and messages.
func (r Region) String() string { return r.Code + " " + r.Name }

// isDigits reports whether s is non-empty and made of ASCII digits only.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// LevelOf infers the level of a region from its code and whether it has a
// parent: the city and its districts both carry 6-digit GB/T 2260 codes, so a
// 6-digit code without a parent is the city and with one is a district.
// Returns EINVALID if the code is not 6, 9, 12 or 15 digits.
func LevelOf(code, parent string) (Level, error) {
	if !isDigits(code) {
		return "", anju.FieldError("code", "code %q must be digits only", code)
	}
	switch len(code) {
	case 6:
		if parent == "" {
			return LevelCity, nil
		}
		return LevelDistrict, nil
	case 9:
		return LevelStreet, nil
	case 12:
		return LevelCommunity, nil
	case 15:
		return LevelGrid, nil
	}
	return "", anju.FieldError("code", "code %q has %d digits; a region code has 6 (city or district), 9 (street), 12 (community) or 15 (grid)", code, len(code))
}

// ValidateCode checks that code is a well-formed code for a region of the
// given level under parent (the parent's code, empty for a city):
//   - city: 6 digits ending in "00" (a GB/T 2260 prefecture-level code), no parent;
//   - district: 6 digits, not ending in "00", differing from the city's code
//     but sharing its first two (province) digits;
//   - street, community, grid: the parent's code followed by 3 digits other than "000".
//
// It checks codes only; whether the parent exists and has the right level is
// the business of ValidateImport. Returns EINVALID naming the field at fault.
func ValidateCode(level Level, code, parent string) error {
	if !level.Valid() {
		return anju.FieldError("level", "unknown level %q", level)
	}
	if !isDigits(code) || len(code) != level.CodeLen() {
		return anju.FieldError("code", "a %s code must be %d digits, got %q", level, level.CodeLen(), code)
	}
	switch level {
	case LevelCity:
		if parent != "" {
			return anju.FieldError("parent", "a city has no parent, got %q", parent)
		}
		if !strings.HasSuffix(code, "00") || strings.HasPrefix(code, "00") {
			return anju.FieldError("code", "city code %s is not a prefecture-level GB/T 2260 code (2-digit province, ending in 00)", code)
		}
		return nil
	case LevelDistrict:
		if !isDigits(parent) || len(parent) != 6 {
			return anju.FieldError("parent", "a district's parent must be a 6-digit city code, got %q", parent)
		}
		if code == parent {
			return anju.FieldError("code", "district code %s is the same as its city's", code)
		}
		if strings.HasSuffix(code, "00") {
			return anju.FieldError("code", "district code %s must not end in 00", code)
		}
		if code[:2] != parent[:2] {
			return anju.FieldError("code", "district code %s is not in the province of city %s (first two digits differ)", code, parent)
		}
		return nil
	}
	want := level.CodeLen() - 3
	if len(parent) != want || !isDigits(parent) {
		return anju.FieldError("parent", "a %s's parent must be a %d-digit code, got %q", level, want, parent)
	}
	if !strings.HasPrefix(code, parent) {
		return anju.FieldError("code", "%s code %s does not extend its parent's code %s", level, code, parent)
	}
	if code[want:] == "000" {
		return anju.FieldError("code", "%s code %s must not end in 000", level, code)
	}
	return nil
}

// Path builds the materialised path of the region whose ancestors' codes,
// root first and ending with its own, are given: Path("330100", "330102")
// is "/330100/330102/". Every region's path is its parent's path plus its
// code and a slash, so "path LIKE '/330100/330102/%'" selects a subtree.
// Path() is "/".
func Path(codes ...string) string {
	var b strings.Builder
	b.WriteByte('/')
	for _, c := range codes {
		b.WriteString(c)
		b.WriteByte('/')
	}
	return b.String()
}

// PathOf returns the materialised path of code within regions, walking up the
// Parent links. It reports false if code or one of its ancestors is missing
// (or the links loop).
func PathOf(regions map[string]Region, code string) (string, bool) {
	var chain []string
	for c := code; c != ""; {
		r, ok := regions[c]
		if !ok || len(chain) > len(Levels) {
			return "", false
		}
		chain = append(chain, c)
		c = r.Parent
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return Path(chain...), true
}
