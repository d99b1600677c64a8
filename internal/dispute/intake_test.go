package dispute

import (
	"testing"

	"anju/internal/anju"
)

// TestIntakeCommittee: a mediator's dispute goes to his committee reaching
// the place; anyone else's to the dispatchers.
func TestIntakeCommittee(t *testing.T) {
	const grid = "/330100/330102/330102001/330102001001/330102001001001/"
	street := anju.Grant{Role: anju.RoleMediator, Department: "a-mediation", RegionPath: "/330100/330102/330102001/"}
	community := anju.Grant{Role: anju.RoleMediator, Department: "a1-mediation", RegionPath: "/330100/330102/330102001/330102001001/"}
	elsewhere := anju.Grant{Role: anju.RoleMediator, Department: "b-mediation", RegionPath: "/330100/330105/330105001/"}
	worker := anju.Grant{Role: anju.RoleGridWorker, RegionPath: "/330100/330102/330102001/"}
	handler := anju.Grant{Role: anju.RoleHandler, Department: "a-mediation", RegionPath: "/330100/330102/330102001/"}
	for _, tc := range []struct {
		name   string
		grants []anju.Grant
		named  string
		want   string
		field  string
	}{
		{"a mediator", []anju.Grant{street}, "", "a-mediation", ""},
		{"a mediator names his committee", []anju.Grant{street}, "a-mediation", "a-mediation", ""},
		{"a mediator of two", []anju.Grant{street, community}, "", "", "committee"},
		{"a mediator of two names one", []anju.Grant{street, community}, "a1-mediation", "a1-mediation", ""},
		{"another's committee", []anju.Grant{street}, "a1-mediation", "", "committee"},
		{"a committee elsewhere", []anju.Grant{elsewhere}, "", "", ""},
		{"a committee elsewhere named", []anju.Grant{elsewhere}, "b-mediation", "", "committee"},
		{"a mediator and a grid worker", []anju.Grant{worker, street}, "", "a-mediation", ""},
		{"a grid worker", []anju.Grant{worker}, "", "", ""},
		{"a grid worker names one", []anju.Grant{worker}, "a-mediation", "", "committee"},
		{"the committee's handler", []anju.Grant{handler}, "a-mediation", "", "committee"},
	} {
		got, err := IntakeCommittee(&anju.Actor{City: "330100", Grants: tc.grants}, grid, tc.named)
		if got != tc.want || tc.field == "" && err != nil || tc.field != "" && anju.ErrorField(err) != tc.field {
			t.Errorf("%s: %q, %v; want %q, field %q", tc.name, got, err, tc.want, tc.field)
		}
	}
}
