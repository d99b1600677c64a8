package department

import (
	"testing"

	"anju/internal/anju"
)

func TestParseType(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Type
		ok   bool
	}{
		{"", TypeGovernment, true},
		{"government", TypeGovernment, true},
		{"mediation_committee", TypeMediationCommittee, true},
		{"property_management", TypePropertyManagement, true},
		{"social_organisation", TypeSocialOrganisation, true},
		{"volunteer_team", TypeVolunteerTeam, true},
		{"Volunteer_team", "", false},
		{"volunteers", "", false},
		{" government", "", false},
	} {
		got, err := ParseType(tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("ParseType(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if !tc.ok && (err == nil || anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != "type") {
			t.Errorf("ParseType(%q) = %q, %v; want EINVALID about type", tc.in, got, err)
		}
	}
}

func TestTypesOrder(t *testing.T) {
	if Types[0] != TypeGovernment || DefaultType != TypeGovernment {
		t.Fatalf("government must come first and be the default: %v, %q", Types, DefaultType)
	}
	seen := map[Type]bool{}
	for i, ty := range Types {
		if seen[ty] || ty.Rank() != i || !ty.Valid() {
			t.Errorf("type %q: rank %d at %d, valid %v, repeated %v", ty, ty.Rank(), i, ty.Valid(), seen[ty])
		}
		seen[ty] = true
		if ty.MessageKey() != "department.type."+string(ty) {
			t.Errorf("key of %q: %s", ty, ty.MessageKey())
		}
	}
	if Type("x").Valid() || Type("x").Rank() != -1 {
		t.Error("an unknown type counts as valid")
	}
}

// TestCheckLevel: mediation committees sit at streets and communities; the
// other types anywhere.
func TestCheckLevel(t *testing.T) {
	for _, tc := range []struct {
		t     Type
		level string
		ok    bool
	}{
		{TypeMediationCommittee, "street", true},
		{TypeMediationCommittee, "community", true},
		{TypeMediationCommittee, "district", false},
		{TypeMediationCommittee, "city", false},
		{TypeMediationCommittee, "grid", false},
		{TypeGovernment, "city", true},
		{TypeGovernment, "grid", true},
		{TypeVolunteerTeam, "community", true},
		{TypePropertyManagement, "street", true},
		{TypeSocialOrganisation, "district", true},
	} {
		err := tc.t.CheckLevel(tc.level)
		if tc.ok && err != nil || !tc.ok && (anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != "region") {
			t.Errorf("%s at a %s: %v", tc.t, tc.level, err)
		}
	}
}
