package anju

import (
	"context"
	"slices"
	"strings"
)

// Role is what a user may do; it is always granted on a region subtree and/or
// a department (see Grant).
type Role string

const (
	RoleResident   Role = "resident"
	RoleOperator   Role = "operator"    // 接线员
	RoleGridWorker Role = "grid_worker" // 网格员
	RoleDispatcher Role = "dispatcher"  // 派遣员
	RoleHandler    Role = "handler"     // 承办人
	RoleSupervisor Role = "supervisor"  // 督办
	RoleMediator   Role = "mediator"    // 调解员
	RoleAuditor    Role = "auditor"
	RoleAdmin      Role = "admin"
)

// Roles lists every role in a stable order.
var Roles = []Role{RoleResident, RoleOperator, RoleGridWorker, RoleDispatcher,
	RoleHandler, RoleSupervisor, RoleMediator, RoleAuditor, RoleAdmin}

// ValidRole reports whether r is one of Roles.
func ValidRole(r Role) bool { return slices.Contains(Roles, r) }

// Grant gives a role on a region subtree and/or a department. RegionPath is the
// materialised path of the region the grant covers ("/330100/330102/…/"); for a
// department grant it is the path of the department's region, because a
// department acts within the area it sits in.
type Grant struct {
	ID         int64  `json:"id"`
	Role       Role   `json:"role"`
	Region     string `json:"region,omitempty"`
	Department string `json:"department,omitempty"`
	RegionPath string `json:"-"`
}

// Reaches reports whether the grant opens a row (a case, a warning) placed at
// regionPath and assigned to department. A department grant reaches that
// department's rows inside the grant's region subtree only: the intersection
// the grant describes, never the department's whole reach. Any other staff
// grant reaches its subtree; a resident grant reaches nothing by place.
// store's grantScope is the same rule in SQL.
func (g Grant) Reaches(regionPath, department string) bool {
	if g.RegionPath == "" || !strings.HasPrefix(regionPath, g.RegionPath) {
		return false
	}
	if g.Department != "" {
		return g.Department == department
	}
	return g.Role != RoleResident
}

// Actor is whoever acts: a logged-in user, an API client, or the system itself
// (CLI commands, the scheduler). Every store query takes one.
type Actor struct {
	UserID int64
	Login  string
	City   string
	Grants []Grant
	// System actors see and may do everything in every city; only code that is
	// not driven by a request (CLI, scheduler, demo) may build one.
	System bool
	// ReporterOf is the one case this actor proved to have reported without
	// an account (the secret link of its receipt): it has the reporter's
	// rights on that case and nothing else.
	ReporterOf int64
}

// SystemActor returns the actor for work not driven by a user request.
func SystemActor(name string) *Actor { return &Actor{Login: "system:" + name, System: true} }

// PublicActor is a resident who has not signed in, acting through a public
// channel such as the web portal: a resident grant on no region, so that it
// sees no case by scope, files only for itself and is named for what it is
// ("public:web") in events and the audit log.
func PublicActor(city, channel string) *Actor {
	return &Actor{Login: "public:" + channel, City: city, Grants: []Grant{{Role: RoleResident}}}
}

// HasRole reports whether the actor holds role r anywhere.
func (a *Actor) HasRole(r Role) bool {
	if a.System {
		return true
	}
	for _, g := range a.Grants {
		if g.Role == r {
			return true
		}
	}
	return false
}

// Staff reports whether the actor works for the city: holds a grant other
// than a resident's, or is the system.
func (a *Actor) Staff() bool {
	if a.System {
		return true
	}
	for _, g := range a.Grants {
		if g.Role != RoleResident {
			return true
		}
	}
	return false
}

// CityPath is the materialised path of a city's root region.
func CityPath(city string) string { return "/" + city + "/" }

// CityWide reports whether the actor holds one of roles over its whole city.
func (a *Actor) CityWide(roles ...Role) bool { return a.HasRoleAt(CityPath(a.City), roles...) }

// HasRoleAt reports whether the actor holds one of roles on a subtree that
// contains the region with materialised path regionPath.
func (a *Actor) HasRoleAt(regionPath string, roles ...Role) bool {
	if a.System {
		return true
	}
	for _, g := range a.Grants {
		if slices.Contains(roles, g.Role) && g.RegionPath != "" && strings.HasPrefix(regionPath, g.RegionPath) {
			return true
		}
	}
	return false
}

// ScopePaths returns the distinct region subtrees the actor may see, with no
// path that lies inside another. An empty result for a non-system actor means
// the actor sees no region at all.
func (a *Actor) ScopePaths() []string {
	var paths []string
	for _, g := range a.Grants {
		if g.RegionPath != "" {
			paths = append(paths, g.RegionPath)
		}
	}
	slices.Sort(paths)
	out := paths[:0]
	for _, p := range paths {
		if len(out) > 0 && strings.HasPrefix(p, out[len(out)-1]) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// Departments returns the departments the actor holds a grant in.
func (a *Actor) Departments() []string {
	var ds []string
	for _, g := range a.Grants {
		if g.Department != "" && !slices.Contains(ds, g.Department) {
			ds = append(ds, g.Department)
		}
	}
	return ds
}

// Sees reports whether the region at regionPath is inside the actor's scope:
// within a granted subtree, or an ancestor of one (a street worker may read
// the district and city it belongs to, not a neighbouring street).
func (a *Actor) Sees(regionPath string) bool {
	if a.System {
		return true
	}
	for _, p := range a.ScopePaths() {
		if strings.HasPrefix(regionPath, p) || strings.HasPrefix(p, regionPath) {
			return true
		}
	}
	return false
}

type actorKey struct{}

// WithActor returns a context carrying a.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or nil.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}
