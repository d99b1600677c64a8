package main

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/store"
)

func init() {
	register(command{
		name:    "user",
		summary: "manage users, roles and API tokens",
		usage: `Usage:
  anju user add    [--db DSN] --login LOGIN --name NAME [--city CODE] [--password -|PASSWORD]
  anju user grant  [--db DSN] --user LOGIN --role ROLE [--region CODE] [--department CODE]
  anju user token  [--db DSN] --user LOGIN [--name NAME] [--expires DURATION]
  anju user tokens [--db DSN] LOGIN
  anju user revoke-token [--db DSN] LOGIN ID
  anju user disable [--db DSN] LOGIN
  anju user enable  [--db DSN] LOGIN
  anju user list   [--db DSN]

'--password -' reads the password from the first line of standard input, so
that it appears in no process listing. 'user token' prints a new API token as
its last line; clients send it as 'Authorization: Bearer TOKEN'. '--expires
720h' makes it stop working after 30 days; by default it does not expire.
'user tokens' lists a user's tokens; 'user revoke-token' revokes one by its
id. 'user disable' signs a user out everywhere and revokes all their tokens;
'user enable' lets them sign in again (old tokens stay revoked). Servers
honour a revocation made here within a second.
Roles: resident, operator, grid_worker, dispatcher, handler, supervisor,
mediator, auditor, admin. Every change is written to the audit log.`,
		run: runUser,
	})
}

func runUser(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		return usageError("user: give a subcommand: add, grant, token, tokens, revoke-token, disable, enable or list")
	}
	sub, args := args[0], args[1:]
	fs := newFlags("user "+sub, env)
	db := dbFlag(fs, env)
	sys := anju.SystemActor("cli")
	var do func(*store.DB) error
	switch sub {
	case "add":
		login := fs.String("login", "", "login")
		name := fs.String("name", "", "display name")
		city := fs.String("city", "", "city code (default: the only city)")
		password := fs.String("password", "-", "password, or - for standard input")
		do = func(db *store.DB) error {
			if *city == "" {
				cities, err := db.AllCities(ctx)
				if err != nil {
					return err
				}
				if len(cities) != 1 {
					return usageError("user add: --city is required when the database holds %d cities", len(cities))
				}
				*city = cities[0]
			}
			pw := *password
			if pw == "-" {
				line, err := bufio.NewReader(env.stdin).ReadString('\n')
				if err != nil && line == "" {
					return usageError("user add: no password on standard input")
				}
				pw = strings.TrimRight(line, "\r\n")
			}
			u, err := db.CreateUser(ctx, sys, store.NewUser{City: *city, Login: *login, Name: *name, Password: pw})
			if err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "created user %s (id %d) in city %s\n", u.Login, u.ID, u.City)
			return nil
		}
	case "grant":
		login := fs.String("user", "", "login")
		role := fs.String("role", "", "role")
		regionCode := fs.String("region", "", "region code")
		dept := fs.String("department", "", "department code")
		do = func(db *store.DB) error {
			g, err := db.GrantRole(ctx, sys, *login, anju.Grant{Role: anju.Role(*role), Region: *regionCode, Department: *dept})
			if err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "granted %s to %s (grant %d)\n", g.Role, *login, g.ID)
			return nil
		}
	case "token":
		login := fs.String("user", "", "login")
		name := fs.String("name", "cli", "token name")
		expires := fs.Duration("expires", 0, "lifetime, e.g. 720h (default: no expiry)")
		do = func(db *store.DB) error {
			if *expires < 0 {
				return usageError("user token: --expires must be a positive duration such as 720h")
			}
			tok, t, err := db.IssueAPIToken(ctx, sys, *login, store.NewAPIToken{Name: *name, ExpiresIn: *expires})
			if err != nil {
				return err
			}
			until := ""
			if t.ExpiresAt != nil {
				until = ", expires " + t.ExpiresAt.Format(time.RFC3339)
			}
			fmt.Fprintf(env.stdout, "new API token %d for %s%s (shown once):\n%s\n", t.ID, *login, until, tok)
			return nil
		}
	case "tokens":
		do = func(db *store.DB) error {
			ts, err := db.ListAPITokens(ctx, sys, fs.Arg(0))
			if err != nil {
				return err
			}
			for _, t := range ts {
				state := "active"
				switch {
				case t.Revoked:
					state = "revoked"
				case t.ExpiresAt != nil && !t.ExpiresAt.After(db.Now()):
					state = "expired"
				}
				exp := "-"
				if t.ExpiresAt != nil {
					exp = t.ExpiresAt.Format(time.RFC3339)
				}
				fmt.Fprintf(env.stdout, "%-6d %-20s %-8s created %s  expires %s\n", t.ID, t.Name, state, t.CreatedAt.Format(time.RFC3339), exp)
			}
			return nil
		}
	case "revoke-token":
		do = func(db *store.DB) error {
			id, err := strconv.ParseInt(fs.Arg(1), 10, 64)
			if err != nil {
				return usageError("user revoke-token: give LOGIN and a token id (see 'anju user tokens LOGIN')")
			}
			if err := db.RevokeAPIToken(ctx, sys, fs.Arg(0), id); err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "revoked token %d of %s\n", id, fs.Arg(0))
			return nil
		}
	case "disable", "enable":
		do = func(db *store.DB) error {
			if err := db.SetDisabled(ctx, sys, fs.Arg(0), sub == "disable"); err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, "%sd user %s\n", sub, fs.Arg(0))
			return nil
		}
	case "list":
		do = func(db *store.DB) error {
			us, err := db.ListUsers(ctx, sys)
			if err != nil {
				return err
			}
			for _, u := range us {
				var gs []string
				for _, g := range u.Grants {
					gs = append(gs, fmt.Sprintf("%s@%s%s", g.Role, g.Region, prefixed("/", g.Department)))
				}
				fmt.Fprintf(env.stdout, "%-28s %-24s %s\n", u.Login, u.Name, strings.Join(gs, " "))
			}
			return nil
		}
	default:
		return usageError("user: unknown subcommand %q; use add, grant, token, tokens, revoke-token, disable, enable or list", sub)
	}
	positional := map[string]int{"tokens": 1, "revoke-token": 2, "disable": 1, "enable": 1}[sub]
	if err := parseArgs(fs, args, positional > 0); err != nil {
		return err
	}
	if fs.NArg() != positional {
		return usageError("user %s: expected %d argument(s), got %d; see 'anju help user'", sub, positional, fs.NArg())
	}
	sdb, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer sdb.Close()
	if err := do(sdb); err != nil {
		if code := anju.ErrorCode(err); code != anju.EINTERNAL {
			return fmt.Errorf("user %s: %s", sub, anju.ErrorMessage(err))
		}
		return err
	}
	return nil
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}
