package main

import (
	"context"
	"fmt"
	"os"

	"anju/internal/anju"
	"anju/internal/region"
)

func init() {
	register(command{
		name:    "import",
		summary: "import data (regions from GeoJSON)",
		usage: `Usage: anju import regions [--db DSN] FILE.geojson

Loads or updates a city's region tree from a GeoJSON FeatureCollection. Each
feature has properties "code", "name", "parent" (absent for the city) and
optionally "level"; grids need a Polygon or MultiPolygon geometry. The import
is all or nothing: an invalid polygon, an unknown parent, a duplicate code or
a grid outside its parent is reported naming the feature, and nothing is
stored. Running servers pick up the new tree within seconds.`,
		run: runImport,
	})
}

func runImport(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "regions" {
		return usageError("import: say what to import: 'anju import regions FILE.geojson'")
	}
	fs := newFlags("import regions", env)
	db := dbFlag(fs, env)
	if err := parseArgs(fs, args[1:], true); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("import regions: give exactly one GeoJSON file")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("import regions: %w", err)
	}
	defer f.Close()
	rs, err := region.ParseFeatureCollection(f)
	if err != nil {
		return fmt.Errorf("import regions: %s", anju.ErrorMessage(err))
	}
	sdb, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer sdb.Close()
	res, err := sdb.ImportRegions(ctx, anju.SystemActor("import"), rs)
	if err != nil {
		return fmt.Errorf("import regions: %s", anju.ErrorMessage(err))
	}
	fmt.Fprintf(env.stdout, "imported %d features into city %s: %d created, %d updated (tree version %d)\n",
		res.Features, res.City, res.Created, res.Updated, res.Version)
	return nil
}
