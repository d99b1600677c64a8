// Package hazard holds the rules of the hazard register and its inspections
// (隐患与风险点): the kinds of place and object on the register and their
// risk levels, how often each level is inspected and which calendar period a
// task covers, the checklist of each type, the states of an inspection task
// and of a finding with the transitions between them, the validation of a
// register entry and of an inspection's answers, and the figures. It does no
// I/O: the store persists and queries, then asks this package what follows.
//
// A hazard is a place or an object, never a person: its owner is an
// organisation, and nothing here holds personal data.
package hazard

import (
	"math"
	"slices"
	"unicode/utf8"

	"anju/internal/anju"
)

// Type is what sort of place or object a hazard is.
type Type string

const (
	TypeHighRise       Type = "high_rise"         // 高层建筑
	TypeGas            Type = "gas"               // 燃气设施
	TypeConstruction   Type = "construction_site" // 建筑工地
	TypeOldHousing     Type = "old_housing"       // 老旧房屋
	TypeHazardousGoods Type = "hazardous_goods"   // 危险品店铺或仓库
	TypeCrowdedVenue   Type = "crowded_venue"     // 人员密集场所
	TypeWaterBody      Type = "water_body"        // 水域
	TypeSlope          Type = "slope"             // 边坡
	TypeOther          Type = "other"             // 其他
)

// Types lists every type in register order.
var Types = []Type{TypeHighRise, TypeGas, TypeConstruction, TypeOldHousing,
	TypeHazardousGoods, TypeCrowdedVenue, TypeWaterBody, TypeSlope, TypeOther}

// Valid reports whether t is one of Types.
func (t Type) Valid() bool { return slices.Contains(Types, t) }

// RiskLevel is how much harm the place can do, which sets how often it is
// inspected (see Plan).
type RiskLevel string

const (
	RiskMajor  RiskLevel = "major"  // 重大
	RiskHigh   RiskLevel = "high"   // 较大
	RiskMedium RiskLevel = "medium" // 一般
	RiskLow    RiskLevel = "low"    // 低
)

// RiskLevels lists every level, the gravest first.
var RiskLevels = []RiskLevel{RiskMajor, RiskHigh, RiskMedium, RiskLow}

// Valid reports whether l is one of RiskLevels.
func (l RiskLevel) Valid() bool { return slices.Contains(RiskLevels, l) }

// Hazard is one entry of the register as the rules see it. The store adds
// its id, grid, region path and times.
type Hazard struct {
	Type      Type      `json:"type"`
	Name      string    `json:"name"`
	Address   string    `json:"address"`
	Lat       float64   `json:"lat"`
	Lon       float64   `json:"lon"`
	RiskLevel RiskLevel `json:"risk_level"`
	// Owner is the organisation responsible for the place (a company, a
	// property manager, a school): never a person's name.
	Owner string `json:"owner"`
	// Department is the code of the owner's supervising department (行业
	// 主管部门), to which rectifications are dispatched; optional.
	Department string `json:"department,omitempty"`
	Note       string `json:"note,omitempty"`
}

// Limits of a register entry's text.
const (
	MaxName    = 100
	MaxAddress = 200
	MaxOwner   = 100
	MaxNote    = 1000
)

// Validate cleans h's text and checks its fields. It returns EINVALID naming
// the field at fault. Whether the point lies inside the city is the store's
// to tell, from the region tree.
func (h *Hazard) Validate() error {
	h.Name, h.Address, h.Owner, h.Note = anju.CleanText(h.Name), anju.CleanText(h.Address), anju.CleanText(h.Owner), anju.CleanText(h.Note)
	switch {
	case !h.Type.Valid():
		return anju.FieldError("type", "unknown hazard type %q; one of %v", h.Type, Types)
	case !h.RiskLevel.Valid():
		return anju.FieldError("risk_level", "unknown risk level %q; one of %v", h.RiskLevel, RiskLevels)
	case anju.Blank(h.Name):
		return anju.FieldError("name", "name the place or object")
	case utf8.RuneCountInString(h.Name) > MaxName:
		return anju.FieldError("name", "name is longer than %d characters", MaxName)
	case utf8.RuneCountInString(h.Address) > MaxAddress:
		return anju.FieldError("address", "address is longer than %d characters", MaxAddress)
	case anju.Blank(h.Owner):
		return anju.FieldError("owner", "name the organisation that owns or runs the place")
	case utf8.RuneCountInString(h.Owner) > MaxOwner:
		return anju.FieldError("owner", "owner is longer than %d characters", MaxOwner)
	case utf8.RuneCountInString(h.Note) > MaxNote:
		return anju.FieldError("note", "note is longer than %d characters", MaxNote)
	case math.IsNaN(h.Lat) || h.Lat < -90 || h.Lat > 90 || h.Lat == 0 && h.Lon == 0:
		return anju.FieldError("lat", "lat must be the place's latitude")
	case math.IsNaN(h.Lon) || h.Lon < -180 || h.Lon > 180:
		return anju.FieldError("lon", "lon must be the place's longitude")
	case utf8.RuneCountInString(h.Department) > 64:
		return anju.FieldError("department", "department code is longer than 64 characters")
	}
	return nil
}
