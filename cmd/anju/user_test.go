package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestUserTokenCLI issues a token with an expiry, lists and revokes it, and
// disables and re-enables its user, through the CLI; the store then refuses
// the revoked and the disabled user's tokens.
func TestUserTokenCLI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		sys := anju.SystemActor("test")
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { db.Close() }()
		if _, err := db.ImportRegions(ctx, sys, storetest.SmallCity()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "clerk", Name: "职员", PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GrantRole(ctx, sys, "clerk", anju.Grant{Role: anju.RoleOperator, Region: "330100"}); err != nil {
			t.Fatal(err)
		}
		if out, _, err := runIn(t, "", "user", "add", "--db", dsn, "--login", "newbie", "--name", "新人", "--password", "long-enough-pw"); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
		if out, _, _ := runIn(t, "", "user", "list", "--db", dsn); !strings.Contains(out, "newbie") {
			t.Errorf("user list leaves out a user with no grants yet: %s", out)
		}
		token := func(args ...string) (string, string) {
			t.Helper()
			out, _, err := runIn(t, "", append([]string{"user", "token", "--db", dsn, "--user", "clerk"}, args...)...)
			m := regexp.MustCompile(`new API token (\d+) .*\n(anju_\S+)\n$`).FindStringSubmatch(out)
			if err != nil || m == nil {
				t.Fatalf("user token: %v %q", err, out)
			}
			return m[1], m[2]
		}
		works := func(tok string) bool {
			_, err := db.ActorByToken(ctx, tok)
			return err == nil
		}
		id, tok := token("--expires", "720h", "--name", "ci")
		if out, _, err := runIn(t, "", "user", "tokens", "--db", dsn, "clerk"); err != nil ||
			!regexp.MustCompile(`(?m)^`+id+` +ci +active +created \S+ +expires 20`).MatchString(out) {
			t.Errorf("user tokens: %v %q", err, out)
		}
		for _, args := range [][]string{
			{"token", "--db", dsn, "--user", "clerk", "--expires", "-1h"},
			{"revoke-token", "--db", dsn, "clerk", "x"},
			{"revoke-token", "--db", dsn, "clerk"},
			{"disable", "--db", dsn},
			{"tokens", "--db", dsn, "clerk", "extra"},
		} {
			if _, _, err := runIn(t, "", append([]string{"user"}, args...)...); err == nil || exitCode(err) != 2 {
				t.Errorf("user %v: %v, want a usage error", args, err)
			}
		}
		if _, _, err := runIn(t, "", "user", "disable", "--db", dsn, "nobody"); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("disable nobody: %v", err)
		}
		if out, _, err := runIn(t, "", "user", "revoke-token", "--db", dsn, "clerk", id); err != nil || !strings.Contains(out, "revoked token "+id) {
			t.Fatalf("revoke-token: %v %q", err, out)
		}
		if works(tok) {
			t.Error("a token revoked by the CLI works")
		}
		_, tok = token()
		if !works(tok) {
			t.Fatal("a new token is refused")
		}
		db.Close() // drop the cached actor: the bound for other processes is tested in the store
		if db, err = store.Open(ctx, dsn, store.Options{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := runIn(t, "", "user", "disable", "--db", dsn, "clerk"); err != nil {
			t.Fatal(err)
		}
		if works(tok) {
			t.Error("a disabled user's token works")
		}
		if _, _, err := runIn(t, "", "user", "enable", "--db", dsn, "clerk"); err != nil {
			t.Fatal(err)
		}
		if works(tok) {
			t.Error("enabling a user gives back a token")
		}
		out, _, _ := runIn(t, "", "user", "tokens", "--db", dsn, "clerk")
		if strings.Count(out, " revoked ") != 2 || strings.Contains(out, " active ") {
			t.Errorf("tokens after disable and enable: %q", out)
		}
	})
}
