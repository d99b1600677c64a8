package warning

import (
	"testing"

	"anju/internal/anju"
)

func TestMayAcknowledge(t *testing.T) {
	street, other := "/330100/330102/330102001/", "/330100/330105/330105001/"
	grant := func(r anju.Role, path, dept string) anju.Grant {
		return anju.Grant{Role: r, RegionPath: path, Department: dept}
	}
	for _, tc := range []struct {
		name       string
		grants     []anju.Grant
		path, dept string
		want       bool
	}{
		{"a district supervisor, a street's warning", []anju.Grant{grant(anju.RoleSupervisor, "/330100/330102/", "")}, street, "", true},
		{"a city dispatcher", []anju.Grant{grant(anju.RoleDispatcher, "/330100/", "")}, street, "", true},
		{"an administrator", []anju.Grant{grant(anju.RoleAdmin, "/330100/", "")}, other, "", true},
		{"a supervisor of another district", []anju.Grant{grant(anju.RoleSupervisor, "/330100/330105/", "")}, street, "", false},
		{"a supervisor below the warning's region", []anju.Grant{grant(anju.RoleSupervisor, street+"330102001001/", "")}, street, "", false},
		{"a grid worker over it", []anju.Grant{grant(anju.RoleGridWorker, "/330100/", "")}, street, "", false},
		{"a handler of the department", []anju.Grant{grant(anju.RoleHandler, "/330100/330102/", "a-office")}, street, "a-office", false},
		{"a dispatcher of the department", []anju.Grant{grant(anju.RoleDispatcher, "/330100/330102/", "a-office")}, street, "a-office", true},
		{"a dispatcher of another department", []anju.Grant{grant(anju.RoleDispatcher, "/330100/330102/", "b-office")}, street, "a-office", false},
		{"one grant of several", []anju.Grant{grant(anju.RoleGridWorker, "/330100/", ""), grant(anju.RoleSupervisor, street, "")}, street, "", true},
		{"no grants", nil, street, "", false},
	} {
		if got := MayAcknowledge(tc.grants, tc.path, tc.dept); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}
