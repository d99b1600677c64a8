// Package department holds the rules of what a handling department is, apart
// from where it sits: its type. A case is handled by government bureaus and
// offices, but also by the people's mediation committees, the property
// management companies of residential compounds, social organisations and
// volunteer teams (多元共治). Every type is dispatched to, returned from and
// counted the same way; the type only says what sort of body it is, so that
// a dispatcher can find the right one.
package department

import (
	"slices"
	"strings"

	"anju/internal/anju"
)

// Type is what sort of body a department is.
type Type string

const (
	TypeGovernment         Type = "government"          // 政府职能部门
	TypeMediationCommittee Type = "mediation_committee" // 人民调解委员会
	TypePropertyManagement Type = "property_management" // 物业服务企业
	TypeSocialOrganisation Type = "social_organisation" // 社会组织
	TypeVolunteerTeam      Type = "volunteer_team"      // 志愿服务队
)

// Types lists every type in the order a dispatcher is offered them:
// government first, as most cases go there.
var Types = []Type{TypeGovernment, TypeMediationCommittee, TypePropertyManagement, TypeSocialOrganisation, TypeVolunteerTeam}

// DefaultType is the type of a department saved without one, and of every
// department that existed before types did.
const DefaultType = TypeGovernment

// Valid reports whether t is one of Types.
func (t Type) Valid() bool { return slices.Contains(Types, t) }

// MessageKey is the message catalogue key of the type's name.
func (t Type) MessageKey() string { return "department.type." + string(t) }

// Rank is the type's place in Types, for ordering lists by type.
func (t Type) Rank() int { return slices.Index(Types, t) }

// ParseType reads a type as given by a form or a JSON body: empty is
// DefaultType. Returns EINVALID about field "type" for an unknown type.
func ParseType(s string) (Type, error) {
	if s == "" {
		return DefaultType, nil
	}
	if t := Type(s); t.Valid() {
		return t, nil
	}
	return "", anju.FieldError("type", "unknown department type %q (government, mediation_committee, property_management, social_organisation or volunteer_team)", s)
}

// levels are the region levels a department of a type may sit at, where
// the type restricts them: people's mediation committees are set up by
// streets (街道人民调解委员会) and by communities and villages (社区、村
// 人民调解委员会), 人民调解法 第八条; the others sit wherever they work.
var levels = map[Type][]string{
	TypeMediationCommittee: {"street", "community"},
}

// CheckLevel refuses a department of type t placed at a region of level
// (region.Level's names: city, district, street, community, grid) where
// its type cannot sit. EINVALID about field "region".
func (t Type) CheckLevel(level string) error {
	allowed, ok := levels[t]
	if !ok || slices.Contains(allowed, level) {
		return nil
	}
	return anju.FieldError("region", "a %s sits at a %s, not a %s", t, strings.Join(allowed, " or "), level)
}
