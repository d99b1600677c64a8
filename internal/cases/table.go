package cases

import (
	"slices"
	"strings"

	"anju/internal/anju"
)

// TableRule is one row of the transition table of something that is not a
// case but moves through states beside one — a hazard's inspection task, a
// reception session, a meeting: Action may be taken in any of the From
// states by any of Roles and leaves the object in To.
type TableRule[S ~string, A ~string] struct {
	Action A
	From   []S
	To     S
	Roles  []anju.Role
}

// ApplyTable returns the state an object (what, for messages) in state s is
// in after action a taken by a party holding roles: EINVALID naming
// "action" for an action the table does not know, ECONFLICT when a is not
// allowed in s, EFORBIDDEN when none of roles may take it.
func ApplyTable[S ~string, A ~string](rules []TableRule[S, A], what string, s S, a A, roles []anju.Role) (S, error) {
	known := false
	for _, r := range rules {
		if r.Action != a {
			continue
		}
		known = true
		if !slices.Contains(r.From, s) {
			continue
		}
		if !slices.ContainsFunc(roles, func(x anju.Role) bool { return slices.Contains(r.Roles, x) }) {
			return s, anju.Errorf(anju.EFORBIDDEN, "only %s may %s a %s", roleList(r.Roles), strings.ReplaceAll(string(a), "_", " "), what)
		}
		return r.To, nil
	}
	if !known {
		return s, anju.FieldError("action", "unknown %s action %q", what, a)
	}
	return s, anju.Errorf(anju.ECONFLICT, "cannot %s a %s that is %s", strings.ReplaceAll(string(a), "_", " "), what, s)
}

// CheckStep is the part of a step of a kind of case (package dispute's
// mediation steps, package petition's statutory steps) that is the same for
// every kind: once the kind's own table has found the step's rule for the
// kind's own state, the step may be taken only by a holder of one of the
// rule's roles (EFORBIDDEN), and only while the case carrying it is in one
// of the rule's case states (ECONFLICT). what names the step in messages
// ("an agreement").
func CheckStep(what string, ruleRoles []anju.Role, caseFrom []State, roles []anju.Role, caseState State) error {
	if !slices.ContainsFunc(roles, func(x anju.Role) bool { return slices.Contains(ruleRoles, x) }) {
		return anju.Errorf(anju.EFORBIDDEN, "only %s may record %s", roleList(ruleRoles), what)
	}
	if !slices.Contains(caseFrom, caseState) {
		return anju.Errorf(anju.ECONFLICT, "cannot record %s while the case is %s", what, strings.ReplaceAll(string(caseState), "_", " "))
	}
	return nil
}
