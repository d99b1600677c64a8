package warning

import (
	"slices"

	"anju/internal/anju"
)

// AckRoles may acknowledge a warning — mark it seen and taken up — when it
// is addressed to their subtree or their department: the supervisors and
// dispatchers who act on warnings, and administrators.
var AckRoles = []anju.Role{anju.RoleSupervisor, anju.RoleDispatcher, anju.RoleAdmin}

// MayAcknowledge reports whether a holder of grants may acknowledge a
// warning addressed to the region at regionPath and, for a department's
// pile, to department: one of AckRoles granted on a subtree holding the
// region, or on that department (anju.Grant.Reaches).
func MayAcknowledge(grants []anju.Grant, regionPath, department string) bool {
	return slices.ContainsFunc(grants, func(g anju.Grant) bool {
		return slices.Contains(AckRoles, g.Role) && g.Reaches(regionPath, department)
	})
}
