package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestUserDirectory checks who may see whom: administrators the users
// granted inside their subtrees, department staff their colleagues' names,
// everyone themselves, and residents and other staff nobody else.
func TestUserDirectory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openWithCity(t, dsn)
		for _, d := range []store.Department{
			{Code: "city-cg", Name: "市城管局", Region: "330100"},
			{Code: "a-street", Name: "第1街道办", Region: "330102001"},
		} {
			if _, err := db.SaveDepartment(ctx, system, d); err != nil {
				t.Fatal(err)
			}
		}
		admin := mustUser(t, db, "admin", anju.Grant{Role: anju.RoleAdmin, Region: "330100"})
		adminA := mustUser(t, db, "admin-a", anju.Grant{Role: anju.RoleAdmin, Region: "330102"})
		resident := mustUser(t, db, "resident", anju.Grant{Role: anju.RoleResident, Region: "330100"})
		worker := mustUser(t, db, "worker-a", anju.Grant{Role: anju.RoleGridWorker, Region: "330102001"})
		mustUser(t, db, "worker-b", anju.Grant{Role: anju.RoleGridWorker, Region: "330105001"})
		handlerA := mustUser(t, db, "handler-a", anju.Grant{Role: anju.RoleHandler, Department: "a-street"})
		mustUser(t, db, "handler-a2", anju.Grant{Role: anju.RoleHandler, Department: "a-street"})
		cityHandler := mustUser(t, db, "handler-cg", anju.Grant{Role: anju.RoleHandler, Department: "city-cg"})
		if _, err := db.CreateUser(ctx, system, store.NewUser{City: "330100", Login: "newbie", Name: "新人", PasswordHash: testHash}); err != nil {
			t.Fatal(err)
		}

		logins := func(a *anju.Actor) ([]string, error) {
			us, err := db.ListUsers(ctx, a)
			var out []string
			for _, u := range us {
				out = append(out, u.Login)
			}
			return out, err
		}
		for _, a := range []*anju.Actor{resident, worker} {
			if got, err := logins(a); anju.ErrorCode(err) != anju.EFORBIDDEN {
				t.Errorf("%s lists users: %v %v", a.Login, got, err)
			}
			if _, err := db.GetUser(ctx, a, "admin"); anju.ErrorCode(err) != anju.ENOTFOUND {
				t.Errorf("%s reads another user: %v", a.Login, err)
			}
			if u, err := db.GetUser(ctx, a, a.Login); err != nil || len(u.Grants) != 1 {
				t.Errorf("%s reads themselves: %+v %v", a.Login, u, err)
			}
		}
		if got, _ := logins(handlerA); !slices.Equal(got, []string{"handler-a", "handler-a2"}) {
			t.Errorf("a street handler lists %v", got)
		}
		if u, err := db.GetUser(ctx, handlerA, "handler-a2"); err != nil || u.Name != "handler-a2" || len(u.Grants) != 0 {
			t.Errorf("a colleague is shown by name only: %+v %v", u, err)
		}
		if _, err := db.GetUser(ctx, handlerA, "worker-a"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("a handler reads a grid worker: %v", err)
		}
		// A city department's handler covers the city but administers nothing.
		if got, _ := logins(cityHandler); !slices.Equal(got, []string{"handler-cg"}) {
			t.Errorf("a city department's handler lists %v", got)
		}
		if got, _ := logins(adminA); !slices.Equal(got, []string{"admin-a", "handler-a", "handler-a2", "worker-a"}) {
			t.Errorf("a district administrator lists %v", got)
		}
		if got, _ := logins(admin); len(got) != 9 || !slices.Contains(got, "newbie") {
			t.Errorf("the city administrator lists %v", got)
		}
		if _, err := db.GetUser(ctx, adminA, "newbie"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("a district administrator reads a user with no grants yet: %v", err)
		}
	})
}

// TestTokenLifecycle issues tokens with and without an expiry, and checks
// that expiry, revocation, disabling and a password change each stop a
// token: at once in the process that made the change, within the 5 s cache
// bound in another process on the same database, and even when the actor is
// cached.
func TestTokenLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := anju.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		open := func() *store.DB {
			db, err := store.Open(ctx, dsn, store.Options{Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		db := open()
		if _, err := db.ImportRegions(ctx, system, storetest.SmallCity()); err != nil {
			t.Fatal(err)
		}
		other := open() // another process: a second server, or the CLI
		admin := mustUser(t, db, "admin", anju.Grant{Role: anju.RoleAdmin, Region: "330100"})
		adminB := mustUser(t, db, "admin-b", anju.Grant{Role: anju.RoleAdmin, Region: "330105"})
		worker := mustUser(t, db, "worker", anju.Grant{Role: anju.RoleGridWorker, Region: "330102001"})
		peer := mustUser(t, db, "peer", anju.Grant{Role: anju.RoleGridWorker, Region: "330102001"})
		works := func(db *store.DB, tok string) bool {
			_, err := db.ActorByToken(ctx, tok)
			if err != nil && anju.ErrorCode(err) != anju.EUNAUTHORIZED {
				t.Fatal(err)
			}
			return err == nil
		}

		// Expiry, even for a cached actor.
		if _, _, err := db.IssueAPIToken(ctx, admin, "worker", store.NewAPIToken{ExpiresAt: clock.Now()}); anju.ErrorCode(err) != anju.EINVALID {
			t.Errorf("a token expiring now: %v", err)
		}
		for _, nt := range []store.NewAPIToken{{ExpiresIn: -time.Hour}, {ExpiresIn: time.Hour, ExpiresAt: clock.Now().Add(time.Hour)}} {
			if _, _, err := db.IssueAPIToken(ctx, admin, "worker", nt); anju.ErrorCode(err) != anju.EINVALID {
				t.Errorf("token %+v: %v", nt, err)
			}
		}
		short, st, err := db.IssueAPIToken(ctx, admin, "worker", store.NewAPIToken{Name: "short", ExpiresIn: 2 * time.Second})
		if err != nil || st.ExpiresAt == nil || !st.ExpiresAt.Equal(clock.Now().Add(2*time.Second)) {
			t.Fatalf("issue: %+v %v", st, err)
		}
		if !works(db, short) {
			t.Fatal("a fresh token is refused")
		}
		clock.Advance(3 * time.Second)
		if works(db, short) || works(other, short) {
			t.Error("an expired token works")
		}

		// Revocation: at once here, within the cache bound elsewhere.
		tok, err := db.CreateAPIToken(ctx, worker, "worker", "mine")
		if err != nil {
			t.Fatal(err)
		}
		if !works(db, tok) || !works(other, tok) {
			t.Fatal("a new token is refused")
		}
		ts, err := db.ListAPITokens(ctx, worker, "worker")
		if err != nil || len(ts) != 3 || ts[0].Name != "mine" || ts[0].Revoked || ts[0].ExpiresAt != nil || ts[1].Name != "short" {
			t.Fatalf("tokens: %+v %v", ts, err)
		}
		for _, a := range []*anju.Actor{peer, adminB} {
			if _, err := db.ListAPITokens(ctx, a, "worker"); anju.ErrorCode(err) != anju.ENOTFOUND {
				t.Errorf("%s lists worker's tokens: %v", a.Login, err)
			}
			if err := db.RevokeAPIToken(ctx, a, "worker", ts[0].ID); anju.ErrorCode(err) != anju.ENOTFOUND {
				t.Errorf("%s revokes worker's token: %v", a.Login, err)
			}
		}
		if err := db.RevokeAPIToken(ctx, peer, "peer", ts[0].ID); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("revoking another's token by id under one's own login: %v", err)
		}
		if err := db.RevokeAPIToken(ctx, worker, "worker", ts[0].ID); err != nil {
			t.Fatal(err)
		}
		if works(db, tok) {
			t.Error("a revoked token works in the process that revoked it")
		}
		clock.Advance(5 * time.Second)
		if works(other, tok) {
			t.Error("a revoked token works in another process after the cache bound")
		}
		if ts, _ := db.ListAPITokens(ctx, admin, "worker"); !ts[0].Revoked || ts[0].RevokedAt == nil {
			t.Errorf("revoked token listed as %+v", ts[0])
		}

		// A revoked grant leaves the cached actor at once.
		tok, _ = db.CreateAPIToken(ctx, admin, "peer", "p")
		if a, err := db.ActorByToken(ctx, tok); err != nil || len(a.Grants) != 1 {
			t.Fatalf("peer: %+v %v", a, err)
		}
		if err := db.RevokeGrant(ctx, admin, "peer", peer.Grants[0].ID); err != nil {
			t.Fatal(err)
		}
		if a, err := db.ActorByToken(ctx, tok); err != nil || len(a.Grants) != 0 {
			t.Errorf("after the grant's revocation the token's actor is %+v %v", a, err)
		}

		// Disabling ends sessions and tokens; enabling gives none back.
		tok, _ = db.CreateAPIToken(ctx, admin, "worker", "again")
		session, _, err := db.CreateSession(ctx, worker)
		if err != nil || !works(db, tok) || !works(other, tok) {
			t.Fatal(err)
		}
		if err := db.SetDisabled(ctx, worker, "worker", true); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("disabling oneself: %v", err)
		}
		if err := db.SetDisabled(ctx, peer, "worker", true); anju.ErrorCode(err) != anju.EFORBIDDEN && anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("a worker disables another: %v", err)
		}
		if err := db.SetDisabled(ctx, adminB, "worker", true); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("another district's administrator disables worker: %v", err)
		}
		if err := db.SetDisabled(ctx, admin, "worker", true); err != nil {
			t.Fatal(err)
		}
		if works(db, tok) {
			t.Error("a disabled user's token works")
		}
		if _, err := db.ActorBySession(ctx, session); err == nil {
			t.Error("a disabled user's session works")
		}
		if _, err := db.Authenticate(ctx, "worker", "test-password"); err == nil {
			t.Error("a disabled user signs in")
		}
		clock.Advance(5 * time.Second)
		if works(other, tok) {
			t.Error("a disabled user's token works in another process after the cache bound")
		}
		if err := db.SetDisabled(ctx, admin, "worker", false); err != nil {
			t.Fatal(err)
		}
		if works(db, tok) {
			t.Error("re-enabling gives back a token")
		}
		if _, err := db.Authenticate(ctx, "worker", "test-password"); err != nil {
			t.Errorf("re-enabled user signs in: %v", err)
		}

		// A password change ends sessions and tokens.
		tok, _ = db.CreateAPIToken(ctx, worker, "worker", "third")
		session, _, _ = db.CreateSession(ctx, worker)
		if !works(db, tok) {
			t.Fatal("token refused")
		}
		if err := db.SetPassword(ctx, worker, "worker", "a-new-long-password"); err != nil {
			t.Fatal(err)
		}
		if works(db, tok) {
			t.Error("a token from before a password change works")
		}
		if _, err := db.ActorBySession(ctx, session); err == nil {
			t.Error("a session from before a password change works")
		}

		es, err := db.ListAudit(ctx, admin, store.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action)
		}
		for _, want := range []string{"token.create", "token.revoke", "user.disable", "user.enable", "user.password"} {
			if !slices.Contains(actions, want) {
				t.Errorf("audit lacks %s: %v", want, actions)
			}
		}
	})
}
