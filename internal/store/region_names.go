package store

import (
	"context"
	"strings"

	"anju/internal/anju"
	"anju/internal/region"
)

// RegionNames maps the codes of the regions of the given levels in the
// actor's city (every city for the system) to their names, for tables that
// name each row's district and street. A city has some hundreds of them;
// their names say nothing a staff member of the city may not know, and the
// rows they name are the ones the actor reads.
func (db *DB) RegionNames(ctx context.Context, actor *anju.Actor, levels ...region.Level) (map[string]string, error) {
	if len(levels) == 0 {
		return map[string]string{}, nil
	}
	cc, args := cityClause(actor, "city")
	marks := make([]string, len(levels))
	for i, l := range levels {
		marks[i] = "?"
		args = append(args, string(l))
	}
	rs, err := db.listRegions(ctx, cc+` AND level IN (`+strings.Join(marks, ", ")+`)`, args, false)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rs))
	for _, r := range rs {
		out[r.Code] = r.Name
	}
	return out, nil
}
