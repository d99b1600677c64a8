package store_test

import (
	"context"
	"slices"
	"testing"

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
