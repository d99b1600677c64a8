package dispute

import (
	"slices"
	"strings"

	"anju/internal/anju"
)

// IntakeCommittee is the mediation committee a dispute filed by actor at
// the grid with materialised path gridPath goes straight to, without
// waiting for a dispatcher: a people's mediation committee takes in the
// disputes brought to it (人民调解委员会受理, 人民调解法 第十七条), so a
// mediator who files one files it at his committee. It is the committee
// named, which must be one the actor mediates for (a mediator's department
// grant) reaching the place; for a mediator who names none, his one
// committee that reaches it. Empty when the dispute goes to the
// dispatchers, as every dispute filed by someone else does. EINVALID on
// field "committee" for a committee not the actor's, or for a mediator of
// several committees there who names none.
func IntakeCommittee(actor *anju.Actor, gridPath, named string) (string, error) {
	var mine []string
	for _, g := range actor.Grants {
		if g.Role == anju.RoleMediator && g.Department != "" && g.Reaches(gridPath, g.Department) && !slices.Contains(mine, g.Department) {
			mine = append(mine, g.Department)
		}
	}
	switch {
	case named != "" && !slices.Contains(mine, named):
		return "", anju.FieldError("committee", "only a mediator of committee %q takes a dispute at this place straight to it; leave it to the dispatchers", named)
	case named != "":
		return named, nil
	case len(mine) > 1:
		return "", anju.FieldError("committee", "you mediate for %d committees here (%s); say which takes the dispute", len(mine), strings.Join(mine, ", "))
	case len(mine) == 1:
		return mine[0], nil
	}
	return "", nil
}
