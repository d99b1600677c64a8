package main

import (
	"context"
	"fmt"
)

func init() {
	register(command{
		name:    "audit",
		summary: "verify the tamper-evident audit log",
		usage: `Usage: anju audit verify [--db DSN] [--city CODE]

Recomputes the SHA-256 chains of the audit log: the legacy chain every city's
entries joined until each city's chain began, then each city's own. Exits 0
when they hold, and 1 naming the chain and its first broken entry when any
entry was edited, deleted or reordered. With --city, checks that city's
chain alone (from where the legacy chain ends).`,
		run: runAudit,
	})
}

func runAudit(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError("audit: the only subcommand is 'verify'")
	}
	fs := newFlags("audit verify", env)
	db := dbFlag(fs, env)
	city := fs.String("city", "", "check this city's chain alone")
	if err := parseArgs(fs, args[1:], false); err != nil {
		return err
	}
	sdb, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer sdb.Close()
	if *city != "" {
		n, err := sdb.VerifyAuditCity(ctx, *city)
		if err != nil {
			return exitError{code: 1, msg: "audit chain broken: " + err.Error()}
		}
		fmt.Fprintf(env.stdout, "audit chain of city %s intact: %d entries\n", *city, n)
		return nil
	}
	n, err := sdb.VerifyAudit(ctx)
	if err != nil {
		return exitError{code: 1, msg: "audit chain broken: " + err.Error()}
	}
	fmt.Fprintf(env.stdout, "audit chain intact: %d entries\n", n)
	return nil
}
