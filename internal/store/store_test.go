package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"anju/internal/anju"
	"anju/internal/audit"
	"anju/internal/auth"
	"anju/internal/region"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

var system = anju.SystemActor("test")

// openWithCity opens a fresh database holding smallCity.
func openWithCity(t *testing.T, dsn string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ImportRegions(ctx, system, storetest.SmallCity()); err != nil {
		t.Fatalf("import: %v", err)
	}
	return db
}

func TestRegions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openWithCity(t, dsn)
		r, err := db.GetRegion(ctx, system, "330102001001002")
		if err != nil || r.Level != region.LevelGrid || r.Geometry == nil || r.Path != "/330100/330102/330102001/330102001001/330102001001002/" {
			t.Fatalf("grid: %+v %v", r, err)
		}
		if r.BBox.Min != (orb.Point{120.05, 30.0}) {
			t.Errorf("grid bbox %v", r.BBox)
		}
		street, _ := db.GetRegion(ctx, system, "330102001")
		if street.BBox != (orb.Bound{Min: orb.Point{120.0, 30.0}, Max: orb.Point{120.1, 30.1}}) {
			t.Errorf("street bbox from its grids: %v", street.BBox)
		}
		kids, err := db.Children(ctx, system, "330100")
		if err != nil || len(kids) != 2 || kids[0].Code != "330102" {
			t.Fatalf("children: %+v %v", kids, err)
		}
		anc, err := db.Ancestors(ctx, system, "330105001001001")
		if err != nil || len(anc) != 4 || anc[0].Code != "330100" || anc[3].Code != "330105001001" {
			t.Fatalf("ancestors: %+v %v", anc, err)
		}
		loc, err := db.Locate(ctx, system, 120.17, 30.05)
		if err != nil || loc.Grid.Code != "330105001001002" || len(loc.Ancestors) != 4 {
			t.Fatalf("locate: %+v %v", loc, err)
		}
		if _, err := db.Locate(ctx, system, 121.5, 31.2); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("locate outside the city: %v", err)
		}
		if _, err := db.Locate(ctx, system, 200, 30); anju.ErrorCode(err) != anju.EINVALID {
			t.Errorf("locate with lon 200: %v", err)
		}
		if _, err := db.GetRegion(ctx, system, "999999"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("unknown code: %v", err)
		}
	})
}

// TestImportAllOrNothing re-imports the city with one new grid that lies
// outside its community: the import fails naming that feature, and neither the
// new grid nor a rename in the same file is stored.
func TestImportAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openWithCity(t, dsn)
		before, _ := db.RegionVersion(ctx, "330100")
		rs := storetest.SmallCity()
		rs[1].Name = "改名区"
		rs = append(rs, region.Region{Code: "330102001001003", Name: "越界网格", Level: region.LevelGrid,
			Parent: "330102001001", Geometry: storetest.Rect(120.15, 30.0, 120.16, 30.01)})
		_, err := db.ImportRegions(ctx, system, rs)
		if anju.ErrorCode(err) != anju.EINVALID || !strings.Contains(err.Error(), "330102001001003") {
			t.Fatalf("want EINVALID naming the grid, got %v", err)
		}
		if _, err := db.GetRegion(ctx, system, "330102001001003"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("rejected grid was stored: %v", err)
		}
		d, _ := db.GetRegion(ctx, system, "330102")
		if d.Name != "第1区" {
			t.Errorf("rename from a rejected import was stored: %q", d.Name)
		}
		if after, _ := db.RegionVersion(ctx, "330100"); after != before {
			t.Errorf("version moved from %d to %d on a failed import", before, after)
		}
		// A valid update goes through and the locator follows it at once.
		rs = storetest.SmallCity()
		rs[1].Name = "改名区"
		res, err := db.ImportRegions(ctx, system, rs)
		if err != nil || res.Updated == 0 {
			t.Fatalf("valid re-import: %+v %v", res, err)
		}
		if d, _ := db.GetRegion(ctx, system, "330102"); d.Name != "改名区" {
			t.Errorf("rename not stored: %q", d.Name)
		}
	})
}

// TestScope proves that a user granted one street sees nothing of the other
// district, through every store read, while seeing its own ancestors.
func TestScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openWithCity(t, dsn)
		for _, d := range []store.Department{
			{Code: "city-cg", Name: "市城管局", Region: "330100", Categories: []string{"city_appearance"}},
			{Code: "a-street", Name: "第1街道办", Region: "330102001", Categories: []string{"city_appearance", "roads"}},
			{Code: "b-street", Name: "第2街道办", Region: "330105001"},
		} {
			if _, err := db.SaveDepartment(ctx, system, d); err != nil {
				t.Fatalf("department %s: %v", d.Code, err)
			}
		}
		a := mustUser(t, db, "worker-a", anju.Grant{Role: anju.RoleGridWorker, Region: "330102001"})
		mustUser(t, db, "worker-b", anju.Grant{Role: anju.RoleGridWorker, Region: "330105001"})
		mustUser(t, db, "handler-b", anju.Grant{Role: anju.RoleHandler, Department: "b-street"})

		for _, code := range []string{"330105", "330105001", "330105001001", "330105001001001"} {
			if _, err := db.GetRegion(ctx, a, code); anju.ErrorCode(err) != anju.ENOTFOUND {
				t.Errorf("GetRegion %s from the other district: %v", code, err)
			}
			if _, err := db.Children(ctx, a, code); anju.ErrorCode(err) != anju.ENOTFOUND {
				t.Errorf("Children %s: %v", code, err)
			}
			if _, err := db.Ancestors(ctx, a, code); anju.ErrorCode(err) != anju.ENOTFOUND {
				t.Errorf("Ancestors %s: %v", code, err)
			}
		}
		for _, code := range []string{"330100", "330102", "330102001", "330102001001002"} {
			if _, err := db.GetRegion(ctx, a, code); err != nil {
				t.Errorf("own region or ancestor %s: %v", code, err)
			}
		}
		if kids, _ := db.Children(ctx, a, "330100"); len(kids) != 1 || kids[0].Code != "330102" {
			t.Errorf("city children seen from street A: %+v", kids)
		}
		if _, err := db.Locate(ctx, a, 120.17, 30.05); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("locate in the other district: %v", err)
		}
		if _, err := db.Locate(ctx, a, 120.02, 30.05); err != nil {
			t.Errorf("locate in own street: %v", err)
		}
		if _, err := db.GetDepartment(ctx, a, "b-street"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("other street's department: %v", err)
		}
		deps, _ := db.ListDepartments(ctx, a, store.DepartmentFilter{})
		if len(deps) != 2 || deps[0].Code != "city-cg" || deps[1].Code != "a-street" {
			t.Errorf("departments seen from street A: %+v", deps)
		}
		if deps[1].Categories[0] != "city_appearance" || len(deps[1].Categories) != 2 {
			t.Errorf("categories: %+v", deps[1].Categories)
		}
		for _, login := range []string{"worker-b", "handler-b"} {
			if _, err := db.GetUser(ctx, a, login); anju.ErrorCode(err) != anju.ENOTFOUND {
				t.Errorf("user %s of the other street: %v", login, err)
			}
		}
		if us, err := db.ListUsers(ctx, a); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("a street worker lists users: %+v %v", us, err)
		}
		if _, err := db.ListAudit(ctx, a, store.AuditFilter{}); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("street worker reads the audit log: %v", err)
		}
		if _, err := db.SaveDepartment(ctx, a, store.Department{Code: "xx", Name: "x", Region: "330102001"}); anju.ErrorCode(err) != anju.EFORBIDDEN {
			t.Errorf("grid worker creates a department: %v", err)
		}
	})
}

// mustUser creates a user with one grant and returns their actor as a
// session would load it.
func mustUser(t *testing.T, db *store.DB, login string, g anju.Grant) *anju.Actor {
	t.Helper()
	ctx := context.Background()
	if _, err := db.CreateUser(ctx, system, store.NewUser{City: "330100", Login: login, Name: login, PasswordHash: testHash}); err != nil {
		t.Fatalf("create %s: %v", login, err)
	}
	if _, err := db.GrantRole(ctx, system, login, g); err != nil {
		t.Fatalf("grant %s: %v", login, err)
	}
	tok, err := db.CreateAPIToken(ctx, system, login, "test")
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.ActorByToken(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAuth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openWithCity(t, dsn)
		if _, err := db.CreateUser(ctx, system, store.NewUser{City: "330100", Login: "Admin2", Name: "管理员", Password: "s3cret-pass"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(ctx, system, store.NewUser{City: "330100", Login: "admin2", Name: "x", Password: "s3cret-pass"}); anju.ErrorField(err) != "login" {
			t.Errorf("duplicate login: %v", err)
		}
		if _, err := db.CreateUser(ctx, system, store.NewUser{City: "330100", Login: "short", Name: "x", Password: "short"}); anju.ErrorField(err) != "password" {
			t.Errorf("short password: %v", err)
		}
		// A wrong password and an unknown login do the same work (one hash,
		// one audit entry), so that their timing does not tell them apart.
		for _, login := range []string{"admin2", "nobody"} {
			var before, after int
			db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&before)
			checks := auth.Checks()
			if _, err := db.Authenticate(ctx, login, "wrong-pass"); anju.ErrorCode(err) != anju.EUNAUTHORIZED {
				t.Errorf("%s, wrong password: %v", login, err)
			}
			db.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&after)
			if n := auth.Checks() - checks; n != 1 || after-before != 1 {
				t.Errorf("%s, wrong password: %d hashes, %d audit entries; want 1 and 1", login, n, after-before)
			}
		}
		a, err := db.Authenticate(ctx, "ADMIN2", "s3cret-pass")
		if err != nil || a.Login != "admin2" {
			t.Fatalf("login: %v", err)
		}
		tok, _, err := db.CreateSession(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.ActorBySession(ctx, tok); err != nil || got.UserID != a.UserID {
			t.Fatalf("session: %v", err)
		}
		db.EndSession(ctx, tok)
		if _, err := db.ActorBySession(ctx, tok); anju.ErrorCode(err) != anju.EUNAUTHORIZED {
			t.Errorf("ended session still valid: %v", err)
		}
		if _, err := db.ActorByToken(ctx, "anju_forged"); anju.ErrorCode(err) != anju.EUNAUTHORIZED {
			t.Errorf("forged token: %v", err)
		}
		var stored string
		db.SQL().QueryRow(`SELECT token_hash FROM api_tokens LIMIT 1`).Scan(&stored)
		if stored != "" && strings.HasPrefix(stored, "anju_") {
			t.Errorf("token stored in clear")
		}
	})
}

// TestAuditTamper edits and deletes audit rows behind the store's back, in
// one city's chain of three (two cities' and that of entries of no city),
// and sees verification fail naming the city and its first broken entry,
// while the other cities' chains still verify.
func TestAuditTamper(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openWithCity(t, dsn)
		for i := range 5 {
			for _, city := range []string{"330200", "330100"} {
				if err := db.Audit(ctx, system, audit.Record{City: city, Action: "test", Object: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A failed login of an unknown name is audited with no city.
		if _, err := db.Authenticate(ctx, "nobody", "wrong-pass"); anju.ErrorCode(err) != anju.EUNAUTHORIZED {
			t.Fatal(err)
		}
		n, err := db.VerifyAudit(ctx)
		if err != nil || n != 12 { // the import wrote the first entry
			t.Fatalf("intact chains: %d %v", n, err)
		}
		for city, want := range map[string]int64{"330100": 6, "330200": 5, "": 1, "330300": 0} {
			if n, err := db.VerifyAuditCity(ctx, city); err != nil || n != want {
				t.Errorf("chain of %q: %d entries, %v; want %d", city, n, err, want)
			}
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		seqs := auditSeqs(t, db, "330200")
		if len(seqs) != 5 {
			t.Fatalf("entries of 330200: %v", seqs)
		}
		wantErr := func(what, prefix string) {
			t.Helper()
			if _, err := db.VerifyAudit(ctx); err == nil || !strings.HasPrefix(err.Error(), prefix) {
				t.Fatalf("%s: %v, want %q…", what, err, prefix)
			}
			if n, err := db.VerifyAuditCity(ctx, "330100"); err != nil || n != 6 {
				t.Fatalf("%s: the chain of 330100: %d %v", what, n, err)
			}
		}
		exec(`UPDATE audit_log SET detail = '{"forged":true}' WHERE seq = $1`, seqs[2])
		wantErr("edited", fmt.Sprintf("city 330200: entry %d: content does not match", seqs[2]))
		exec(`UPDATE audit_log SET detail = '{}' WHERE seq = $1`, seqs[2])
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatalf("restored: %v", err)
		}
		exec(`DELETE FROM audit_log WHERE seq = $1`, seqs[3])
		wantErr("deleted from the middle", fmt.Sprintf("city 330200: entry %d: previous-hash link does not match entry %d", seqs[4], seqs[2]))
		exec(`DELETE FROM audit_log WHERE city = '330200' AND seq > $1`, seqs[2])
		wantErr("deleted tail", fmt.Sprintf("city 330200: entry %d: chain ends at entry %d", seqs[4], seqs[2]))
		exec(`DELETE FROM audit_heads WHERE city = '330200'`)
		wantErr("deleted head", "city 330200: its entries have no head")
	})
}

// auditSeqs are the numbers of city's audit entries, in order.
func auditSeqs(t *testing.T, db *store.DB, city string) []int64 {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT seq FROM audit_log WHERE city = $1 ORDER BY seq`, city)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var seqs []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return seqs
}

var testHash = func() string {
	h, err := authHash("test-password")
	if err != nil {
		panic(err)
	}
	return h
}()

// TestRelaxedCommits checks what Options.RelaxedCommits sets on each
// engine, and that the default keeps commits durable.
func TestRelaxedCommits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		setting := func(relaxed bool) string {
			db, err := store.Open(ctx, dsn, store.Options{RelaxedCommits: relaxed})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var v string
			q := `PRAGMA synchronous`
			if db.Engine() == "postgres" {
				q = `SHOW synchronous_commit`
			}
			if err := db.SQL().QueryRowContext(ctx, q).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		durable, relaxed := setting(false), setting(true)
		if !(durable == "2" && relaxed == "1") && !(durable == "on" && relaxed == "off") {
			t.Fatalf("synchronous: default %q, relaxed %q", durable, relaxed)
		}
	})
}
