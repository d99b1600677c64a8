package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/deadline"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// countAudit is the number of audit entries with the action.
func countAudit(t *testing.T, db *store.DB, action string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = '` + action + `'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCreateUserWithGrant: a user created with a first role gets it in the
// same transaction under GrantRole's rules, so a street administrator can
// create a user of their street, and a refused role leaves no user behind.
func TestCreateUserWithGrant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openWithCity(t, dsn)
		if _, err := db.SaveDepartment(ctx, system, store.Department{Code: "city-cg", Name: "市城管局", Region: "330100"}); err != nil {
			t.Fatal(err)
		}
		adminA := mustUser(t, db, "admin-a", anju.Grant{Role: anju.RoleAdmin, Region: "330102001"})
		for _, g := range []anju.Grant{
			{Role: anju.RoleHandler, Region: "330102"},
			{Role: anju.RoleHandler, Region: "330105001"},
			{Role: anju.RoleHandler, Department: "city-cg"},
			{Role: "king", Region: "330102001"},
			{Role: anju.RoleHandler},
		} {
			_, err := db.CreateUser(ctx, adminA, store.NewUser{Login: "outside", Name: "外人", Password: "long-enough-1", Grant: &g})
			if code := anju.ErrorCode(err); code != anju.EFORBIDDEN && code != anju.EINVALID {
				t.Errorf("create with %+v: %v", g, err)
			}
			if _, err := db.GetUser(ctx, system, "outside"); anju.ErrorCode(err) != anju.ENOTFOUND {
				t.Errorf("a refused first role left the user behind: %v", err)
			}
		}
		creates, grants := countAudit(t, db, "user.create"), countAudit(t, db, "permission.grant")
		u, err := db.CreateUser(ctx, adminA, store.NewUser{Login: "worker-new", Name: "新网格员", Password: "long-enough-1",
			Grant: &anju.Grant{Role: anju.RoleGridWorker, Region: "330102001"}})
		if err != nil || len(u.Grants) != 1 || u.Grants[0].ID == 0 {
			t.Fatalf("create with a role inside the street: %+v %v", u, err)
		}
		if got, err := db.GetUser(ctx, adminA, "worker-new"); err != nil || len(got.Grants) != 1 || got.Grants[0].Role != anju.RoleGridWorker {
			t.Errorf("the street administrator cannot see the user it created: %+v %v", got, err)
		}
		if countAudit(t, db, "user.create") != creates+1 || countAudit(t, db, "permission.grant") != grants+1 {
			t.Errorf("audit entries: create %d→%d, grant %d→%d", creates, countAudit(t, db, "user.create"), grants, countAudit(t, db, "permission.grant"))
		}
	})
}

// TestAdminLists pages the directory, the departments, the calendar and the
// subscriptions by key, and shows each only to whom the matching write is for.
func TestAdminLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openWithCity(t, dsn)
		for _, d := range []store.Department{
			{Code: "city-cg", Name: "市城管局", Region: "330100"},
			{Code: "a-street", Name: "第1街道办", Region: "330102001"},
			{Code: "b-street", Name: "第2街道办", Region: "330105001"},
		} {
			if _, err := db.SaveDepartment(ctx, system, d); err != nil {
				t.Fatal(err)
			}
		}
		admin := mustUser(t, db, "admin", anju.Grant{Role: anju.RoleAdmin, Region: "330100"})
		adminA := mustUser(t, db, "admin-a", anju.Grant{Role: anju.RoleAdmin, Region: "330102001"})
		worker := mustUser(t, db, "worker", anju.Grant{Role: anju.RoleGridWorker, Region: "330102001"})
		for i := range 5 {
			mustUser(t, db, fmt.Sprintf("u%d", i), anju.Grant{Role: anju.RoleHandler, Department: "a-street"})
		}

		var pages [][]string
		after := ""
		for {
			us, err := db.ListUsersAfter(ctx, admin, after, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(us) == 0 {
				break
			}
			var page []string
			for _, u := range us {
				page = append(page, u.Login)
			}
			pages = append(pages, page)
			after = page[len(page)-1]
		}
		want := [][]string{{"admin", "admin-a", "u0"}, {"u1", "u2", "u3"}, {"u4", "worker"}}
		if fmt.Sprint(pages) != fmt.Sprint(want) {
			t.Errorf("user pages %v, want %v", pages, want)
		}
		if us, _ := db.ListUsersAfter(ctx, adminA, "u3", 10); len(us) != 2 || us[0].Login != "u4" || us[1].Login != "worker" {
			t.Errorf("street administrator after u3: %+v", us)
		}
		if _, err := db.ListUsersAfter(ctx, worker, "", 10); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("grid worker lists users: %v", err)
		}

		ds, err := db.ListDepartments(ctx, admin, store.DepartmentFilter{After: "a-street", Limit: 1})
		if err != nil || len(ds) != 1 || ds[0].Code != "b-street" {
			t.Errorf("departments after a-street: %+v %v", ds, err)
		}
		if ds, _ := db.ListDepartments(ctx, adminA, store.DepartmentFilter{Limit: 10}); len(ds) != 2 || ds[0].Code != "a-street" || ds[1].Code != "city-cg" {
			t.Errorf("the street administrator's departments: %+v", ds)
		}

		for _, day := range []string{"2030-01-01", "2030-01-02", "2030-02-01"} {
			if err := db.SetCalendarDay(ctx, admin, day, deadline.Holiday, "假"); err != nil {
				t.Fatal(err)
			}
		}
		days, err := db.ListCalendarDays(ctx, worker, "2030-02-01", 1)
		if err != nil || len(days) != 1 || days[0].Date.String() != "2030-01-02" || days[0].Kind != deadline.Holiday {
			t.Errorf("calendar before 2030-02-01: %+v %v", days, err)
		}
		if _, err := db.ListCalendarDays(ctx, admin, "2030-13-01", 1); anju.ErrorField(err) != "before" {
			t.Errorf("bad date: %v", err)
		}

		for i := range 3 {
			if _, err := db.SaveSubscription(ctx, admin, store.Subscription{Channel: "email", Target: fmt.Sprintf("ops%d@example.org", i)}); err != nil {
				t.Fatal(err)
			}
		}
		subs, err := db.ListSubscriptions(ctx, admin, 0, 2)
		if err != nil || len(subs) != 2 || subs[0].Target != "ops0@example.org" {
			t.Fatalf("subscriptions: %+v %v", subs, err)
		}
		if more, _ := db.ListSubscriptions(ctx, admin, subs[1].ID, 2); len(more) != 1 || more[0].Target != "ops2@example.org" {
			t.Errorf("second page: %+v", more)
		}
		if _, err := db.ListSubscriptions(ctx, adminA, 0, 10); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("street administrator lists the city's subscriptions: %v", err)
		}
		secret := strings.Repeat("s", 40)
		for _, s := range []store.WarningSubscription{
			{Region: "330100", Channel: "email", Target: "city@example.org"},
			{Region: "330102001", Channel: "email", Target: "street@example.org"},
			{Department: "a-street", Channel: "email", Target: "dept@example.org"},
			{Department: "b-street", Channel: "email", Target: "other@example.org", Secret: secret},
		} {
			if _, err := db.SaveWarningSubscription(ctx, admin, s); err != nil {
				t.Fatal(err)
			}
		}
		targets := func(a *anju.Actor) []string {
			ws, err := db.ListWarningSubscriptions(ctx, a, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, w := range ws {
				if w.Secret != "" {
					t.Errorf("a secret is listed")
				}
				out = append(out, w.Target)
			}
			return out
		}
		if got := targets(admin); len(got) != 4 {
			t.Errorf("city administrator sees %v", got)
		}
		if got := targets(adminA); !slices.Equal(got, []string{"street@example.org", "dept@example.org"}) {
			t.Errorf("street administrator sees %v", got)
		}
		if _, err := db.ListWarningSubscriptions(ctx, worker, 0, 10); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("grid worker: %v", err)
		}
	})
}

// TestVerifyAuditRange checks a stretch of a city's chain, whose numbers
// skip another city's, from the stored hash of the city's entry before it:
// intact, edited, a hole, another city's edit beside it, too long to check
// here, and refused to staff who may not read the log. (The legacy chain's
// stretches: TestAuditLegacyChain.)
func TestVerifyAuditRange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openWithCity(t, dsn)
		auditor := mustUser(t, db, "auditor", anju.Grant{Role: anju.RoleAuditor, Region: "330100"})
		worker := mustUser(t, db, "worker", anju.Grant{Role: anju.RoleGridWorker, Region: "330102001"})
		for i := range 10 {
			for _, city := range []string{"330200", "330100"} {
				if err := db.Audit(ctx, system, audit.Record{City: city, Action: "test", Object: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		all := auditSeqs(t, db, "330100")
		s := all[len(all)-10:] // the ten entries just appended, each after one of 330200's
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		c, err := db.VerifyAuditRange(ctx, auditor, s[2], s[8])
		if err != nil || c.Broken != "" || c.Checked != 7 || c.TooLong {
			t.Fatalf("intact range: %+v %v", c, err)
		}
		exec(`UPDATE audit_log SET detail = '{"forged":true}' WHERE seq = $1`, s[4])
		if c, _ := db.VerifyAuditRange(ctx, auditor, s[2], s[8]); !strings.HasPrefix(c.Broken, fmt.Sprintf("entry %d: content", s[4])) || c.Checked != 2 {
			t.Errorf("edited entry %d: %+v", s[4], c)
		}
		if c, _ := db.VerifyAuditRange(ctx, auditor, s[5], s[8]); c.Broken != "" || c.Checked != 4 {
			t.Errorf("a range after the edit links to the stored hash of entry %d: %+v", s[4], c)
		}
		exec(`DELETE FROM audit_log WHERE seq = $1`, s[6])
		hole := fmt.Sprintf("entry %d: previous-hash link does not match entry %d", s[7], s[5])
		if c, _ := db.VerifyAuditRange(ctx, auditor, s[5], s[8]); !strings.HasPrefix(c.Broken, hole) {
			t.Errorf("deleted entry %d: %+v", s[6], c)
		}
		if c, _ := db.VerifyAuditRange(ctx, auditor, s[7], s[8]); !strings.HasPrefix(c.Broken, hole) {
			t.Errorf("range starting after the hole: %+v", c)
		}
		// 330200's entries between s[8] and s[9] are not in 330100's chain.
		exec(`UPDATE audit_log SET detail = '{"forged":true}' WHERE city = '330200' AND seq > $1`, s[8])
		if c, _ := db.VerifyAuditRange(ctx, auditor, s[8], s[9]); c.Broken != "" || c.Checked != 2 {
			t.Errorf("another city's edit beside the range: %+v", c)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			in := tx.Bound()
			for i := range store.MaxAuditCheck {
				if err := in.Audit(ctx, system, audit.Record{City: "330100", Action: "test.many", Object: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if c, err := db.VerifyAuditRange(ctx, auditor, s[8], s[9]+3*store.MaxAuditCheck); err != nil || !c.TooLong || c.Checked != 0 {
			t.Errorf("too long: %+v %v", c, err)
		}
		if _, err := db.VerifyAuditRange(ctx, worker, 1, 5); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("grid worker: %v", err)
		}
	})
}
