package cases

import (
	"testing"

	"anju/internal/anju"
)

// TestCheckStep: the shared half of a kind's step, every edge.
func TestCheckStep(t *testing.T) {
	handlers := []anju.Role{anju.RoleHandler, anju.RoleMediator}
	from := []State{StateDispatched, StateInProgress}
	for _, tc := range []struct {
		roles []anju.Role
		state State
		want  string
		msg   string
	}{
		{[]anju.Role{anju.RoleMediator}, StateInProgress, "", ""},
		{[]anju.Role{anju.RoleOperator, anju.RoleHandler}, StateDispatched, "", ""},
		{[]anju.Role{anju.RoleOperator}, StateInProgress, anju.EFORBIDDEN, "only a handler or a mediator may record an extension"},
		{nil, StateInProgress, anju.EFORBIDDEN, "only a handler or a mediator may record an extension"},
		{[]anju.Role{anju.RoleHandler}, StateResolved, anju.ECONFLICT, "cannot record an extension while the case is resolved"},
		{[]anju.Role{anju.RoleHandler}, StateInProgress, "", ""},
		// Roles are checked before the case's state.
		{[]anju.Role{anju.RoleResident}, StateClosed, anju.EFORBIDDEN, "only a handler or a mediator may record an extension"},
	} {
		err := CheckStep("an extension", handlers, from, tc.roles, tc.state)
		if anju.ErrorCode(err) != tc.want || (err != nil && anju.ErrorMessage(err) != tc.msg) {
			t.Errorf("%v in %s: %v, want %s %q", tc.roles, tc.state, err, tc.want, tc.msg)
		}
	}
}
