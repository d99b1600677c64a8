package main

import (
	"context"
	"fmt"
)

func init() {
	register(command{
		name:    "audit",
		summary: "verify the tamper-evident audit log",
		usage: `Usage: anju audit verify [--db DSN]

Recomputes the SHA-256 chain of the audit log. Exits 0 when it holds, and 1
naming the first broken entry when any entry was edited, deleted or reordered.`,
		run: runAudit,
	})
}

func runAudit(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError("audit: the only subcommand is 'verify'")
	}
	fs := newFlags("audit verify", env)
	db := dbFlag(fs, env)
	if err := parseArgs(fs, args[1:], false); err != nil {
		return err
	}
	sdb, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer sdb.Close()
	n, err := sdb.VerifyAudit(ctx)
	if err != nil {
		return exitError{code: 1, msg: "audit chain broken: " + err.Error()}
	}
	fmt.Fprintf(env.stdout, "audit chain intact: %d entries\n", n)
	return nil
}
