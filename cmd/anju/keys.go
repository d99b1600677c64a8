package main

import (
	"context"
	"fmt"
	"time"

	"anju/internal/personal"
)

func init() {
	register(command{
		name:    "keys",
		summary: "generate data-encryption keys and rotate stored personal data onto the current key",
		usage: `Usage:
  anju keys generate [--id ID]
  anju keys rotate [--db DSN] [--data-keys K | --data-key-file F]

Reporters' personal data is encrypted with AES-256-GCM under the current key
(the first of ANJU_DATA_KEYS or of the key file). To rotate: generate a key,
put it first and keep the old ones after it ("new:…,old:…"), restart the
servers, run 'anju keys rotate', then drop the old key. 'generate' prints one
key entry; 'rotate' re-encrypts every row not under the current key and
prints how many moved.`,
		run: runKeys,
	})
}

func runKeys(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		return usageError("keys: give a subcommand: generate or rotate")
	}
	switch args[0] {
	case "generate":
		fs := newFlags("keys generate", env)
		id := fs.String("id", "k"+time.Now().UTC().Format("20060102"), "key ID")
		if err := parseArgs(fs, args[1:], false); err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, personal.FormatKey(*id, personal.GenerateKey()))
		return nil
	case "rotate":
		fs := newFlags("keys rotate", env)
		af := addAppFlags(fs, env)
		if err := parseArgs(fs, args[1:], false); err != nil {
			return err
		}
		keys, err := loadKeys(env, af, false)
		if err != nil {
			return err
		}
		if keys == nil {
			return usageError("keys rotate: no keys: set --data-keys or --data-key-file")
		}
		db, err := openApp(ctx, env, af, false)
		if err != nil {
			return err
		}
		defer db.Close()
		n, err := db.RotateKeys(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "re-encrypted %d reporter records under key %s\n", n, keys.CurrentKeyID())
		return nil
	}
	return usageError("keys: unknown subcommand %q; use generate or rotate", args[0])
}
