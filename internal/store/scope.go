package store

import (
	"strings"

	"anju/internal/anju"
)

// cityPath is the materialised path of a city's root region.
func cityPath(city string) string { return anju.CityPath(city) }

// subtreeUpper returns the smallest string greater than every path that has
// prefix p. Paths end in "/", and '0' is the byte after '/', so the subtree of
// "/330100/" is the index range ["/330100/", "/3301000"). Range predicates use
// the path index on both engines, where LIKE would not on PostgreSQL.
func subtreeUpper(p string) string {
	return strings.TrimSuffix(p, "/") + "0"
}

// regionScope returns a predicate over a path column that holds for regions
// the actor may see: inside a granted subtree, or an ancestor of one. Every
// query that reads region-bound rows includes it, so authorisation holds
// where data is read, not only in handlers.
func regionScope(a *anju.Actor, pathCol string) (string, []any) {
	if a == nil {
		return "1=0", nil
	}
	if a.System {
		return "1=1", nil
	}
	paths := a.ScopePaths()
	if len(paths) == 0 {
		return "1=0", nil
	}
	var b strings.Builder
	var args []any
	b.WriteByte('(')
	for i, p := range paths {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString("(" + pathCol + " >= ? AND " + pathCol + " < ?) OR substr(?, 1, length(" + pathCol + ")) = " + pathCol)
		args = append(args, p, subtreeUpper(p), p)
	}
	b.WriteByte(')')
	return b.String(), args
}

// subtreeScope is like regionScope but without ancestors: the rows strictly
// inside the actor's subtrees. Used for objects that belong to one place, such
// as users granted there, where seeing the city's row would leak every street.
func subtreeScope(a *anju.Actor, pathCol string) (string, []any) {
	if a == nil {
		return "1=0", nil
	}
	if a.System {
		return "1=1", nil
	}
	paths := a.ScopePaths()
	if len(paths) == 0 {
		return "1=0", nil
	}
	var parts []string
	var args []any
	for _, p := range paths {
		parts = append(parts, "("+pathCol+" >= ? AND "+pathCol+" < ?)")
		args = append(args, p, subtreeUpper(p))
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// cityClause restricts a query to the actor's city; system actors see all.
func cityClause(a *anju.Actor, col string) (string, []any) {
	if a != nil && a.System {
		return "1=1", nil
	}
	if a == nil {
		return "1=0", nil
	}
	return col + " = ?", []any{a.City}
}

// grantScope is anju.Grant.Reaches in SQL over the actor's grants: one
// predicate per reach, over the row's path and department columns, to be
// OR-ed. Region grants are merged into their outermost subtrees first.
func grantScope(a *anju.Actor, pathCol, deptCol string) ([]string, []any) {
	var paths, parts []string
	var dargs []any
	for _, g := range a.Grants {
		switch {
		case g.RegionPath == "":
		case g.Department != "":
			parts = append(parts, "("+deptCol+" = ? AND "+pathCol+" >= ? AND "+pathCol+" < ?)")
			dargs = append(dargs, g.Department, g.RegionPath, subtreeUpper(g.RegionPath))
		case g.Role != anju.RoleResident:
			paths = append(paths, g.RegionPath)
		}
	}
	var out []string
	var args []any
	for _, p := range (&anju.Actor{Grants: pathGrants(paths)}).ScopePaths() {
		out = append(out, "("+pathCol+" >= ? AND "+pathCol+" < ?)")
		args = append(args, p, subtreeUpper(p))
	}
	return append(out, parts...), append(args, dargs...)
}
