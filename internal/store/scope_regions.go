package store

import (
	"context"
	"slices"
	"strings"

	"anju/internal/anju"
)

// ScopeRegions lists the regions the actor works in, without geometry: the
// top of each of the actor's subtrees and the regions down to below levels
// beneath it, a parent before its children. It is what a staff member's
// region filter offers; deeper regions stay reachable by code. A system
// actor gets the top below+1 levels of every city.
func (db *DB) ScopeRegions(ctx context.Context, actor *anju.Actor, below int) ([]RegionRecord, error) {
	if actor == nil {
		return nil, nil
	}
	var where string
	var args []any
	if actor.System {
		where, args = `depth <= ?`, []any{below}
	} else {
		var parts []string
		for _, p := range actor.ScopePaths() {
			parts = append(parts, "(path >= ? AND path < ? AND depth <= ?)")
			args = append(args, p, subtreeUpper(p), pathDepth(p)+below)
		}
		if len(parts) == 0 {
			return nil, nil
		}
		where = `city = ? AND (` + strings.Join(parts, " OR ") + `)`
		args = append([]any{actor.City}, args...)
	}
	rs, err := db.listRegions(ctx, where, args, false)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(rs, func(a, b RegionRecord) int { return strings.Compare(a.Path, b.Path) })
	return rs, nil
}

// pathDepth is the depth of the region a materialised path names: 0 for a
// city ("/330100/").
func pathDepth(p string) int { return strings.Count(p, "/") - 2 }
