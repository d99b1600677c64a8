package main

import (
	"context"
	"fmt"
	"time"

	"anju/internal/anju"
)

func init() {
	register(command{
		name:    "rollups",
		summary: "rebuild the figures' rollups from the cases and their events",
		usage: `Usage: anju rollups rebuild [--db DSN] [--city CODE]

Figures (the dashboard, GET /api/v1/figures) are read from rollups that every
case write keeps in its own transaction: each case's contribution
(case_facts) and their sums by day, month, region, department, category and
kind. 'rebuild' recomputes them from the cases and their events, city by
city (--city: that city only), each city in one transaction: safe while the
server runs (case writes of the city wait for it), and idempotent. A server
also rebuilds, at start-up, a city that has cases but no rollups (a database
migrated from before them). It prints one line per city:
  rebuilt CITY: N cases in S s`,
		run: runRollups,
	})
}

func runRollups(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "rebuild" {
		return usageError("rollups: give a subcommand: rebuild")
	}
	fs := newFlags("rollups rebuild", env)
	af := addAppFlags(fs, env)
	city := fs.String("city", "", "rebuild this city only (default every city)")
	if err := parseArgs(fs, args[1:], false); err != nil {
		return err
	}
	db, err := openApp(ctx, env, af, false)
	if err != nil {
		return err
	}
	defer db.Close()
	all, err := db.Cities(ctx, anju.SystemActor("rollups"))
	if err != nil {
		return err
	}
	var cities []string
	for _, c := range all {
		if *city == "" || c.Code == *city {
			cities = append(cities, c.Code)
		}
	}
	if *city != "" && len(cities) == 0 {
		return usageError("rollups rebuild: no city %q in the database", *city)
	}
	for _, c := range cities {
		start := time.Now()
		n, err := db.RebuildFigures(ctx, c)
		if err != nil {
			return fmt.Errorf("rebuilding %s: %w", c, err)
		}
		fmt.Fprintf(env.stdout, "rebuilt %s: %d cases in %.1f s\n", c, n, time.Since(start).Seconds())
	}
	return nil
}
