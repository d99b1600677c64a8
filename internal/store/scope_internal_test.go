package store

import (
	"context"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/store/storetest"
)

// TestCaseVisible checks the Go form of the case scope against the rule
// caseScope writes in SQL, on the cases a street-A worker, a department
// handler, a resident and a city dispatcher may and may not see.
func TestCaseVisible(t *testing.T) {
	const a, b = "/330100/330102/330102001/330102001001/330102001001001/", "/330100/330105/330105001/330105001001/330105001001001/"
	worker := &anju.Actor{UserID: 1, City: "330100", Grants: []anju.Grant{{Role: anju.RoleGridWorker, RegionPath: "/330100/330102/330102001/"}}}
	handler := &anju.Actor{UserID: 2, City: "330100", Grants: []anju.Grant{{Role: anju.RoleHandler, Department: "b-office", RegionPath: "/330100/330105/330105001/"}}}
	resident := &anju.Actor{UserID: 3, City: "330100", Grants: []anju.Grant{{Role: anju.RoleResident, RegionPath: "/330100/"}}}
	dispatcher := &anju.Actor{UserID: 4, City: "330100", Grants: []anju.Grant{{Role: anju.RoleDispatcher, RegionPath: "/330100/"}}}
	for _, tc := range []struct {
		name     string
		actor    *anju.Actor
		city     string
		path     string
		dept     string
		reporter int64
		want     bool
	}{
		{"worker, own street", worker, "330100", a, "", 0, true},
		{"worker, other street", worker, "330100", b, "", 0, false},
		{"handler, own department's case inside its grant", handler, "330100", b, "b-office", 0, true},
		{"handler, own department's case outside its grant", handler, "330100", a, "b-office", 0, false},
		{"handler, undispatched case in its street", handler, "330100", b, "", 0, false},
		{"resident, own case", resident, "330100", b, "", 3, true},
		{"resident, another's case", resident, "330100", b, "", 9, false},
		{"dispatcher, city", dispatcher, "330100", b, "", 0, true},
		{"dispatcher, other city", dispatcher, "110100", "/110100/110101/", "", 0, false},
		{"system", anju.SystemActor("t"), "110100", b, "", 0, true},
	} {
		if got := caseVisible(tc.actor, tc.city, tc.path, tc.dept, tc.reporter); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestScopeTwins evaluates caseScope and warningScope in SQL, on both
// engines, against their Go forms for every grant shape, so that the rule
// stays one: in particular a department grant narrowed to a district (as a
// district administrator could once grant a city department) reaches that
// department's rows in the district only.
func TestScopeTwins(t *testing.T) {
	const city, distA, streetA, distB = "/330100/", "/330100/330102/", "/330100/330102/330102001/", "/330100/330105/"
	actors := map[string]*anju.Actor{
		"worker":   {UserID: 1, City: "330100", Grants: []anju.Grant{{Role: anju.RoleGridWorker, RegionPath: streetA}}},
		"handler":  {UserID: 2, City: "330100", Grants: []anju.Grant{{Role: anju.RoleHandler, Department: "a-street", RegionPath: streetA}}},
		"narrowed": {UserID: 3, City: "330100", Grants: []anju.Grant{{Role: anju.RoleHandler, Region: "330102", Department: "city-cg", RegionPath: distA}}},
		"city-cg":  {UserID: 4, City: "330100", Grants: []anju.Grant{{Role: anju.RoleHandler, Department: "city-cg", RegionPath: city}}},
		"resident": {UserID: 5, City: "330100", Grants: []anju.Grant{{Role: anju.RoleResident, RegionPath: city}}},
		"mixed": {UserID: 6, City: "330100", Grants: []anju.Grant{{Role: anju.RoleDispatcher, RegionPath: streetA},
			{Role: anju.RoleHandler, Department: "b-street", RegionPath: distB}}},
	}
	type row struct {
		city, path, dept string
		reporter         int64
	}
	var rows []row
	for _, p := range []string{city, distA, streetA + "330102001001/", distB + "330105001/"} {
		for _, d := range []string{"", "a-street", "city-cg", "b-street"} {
			for _, rep := range []int64{0, 3, 5} {
				rows = append(rows, row{"330100", p, d, rep})
			}
		}
	}
	rows = append(rows, row{"110100", "/110100/", "city-cg", 5})
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := Open(ctx, dsn, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		const from = ` FROM (SELECT CAST(? AS TEXT) AS city, CAST(? AS TEXT) AS region_path, CAST(? AS TEXT) AS department,
			CAST(? AS BIGINT) AS reporter_user_id) `
		for name, a := range actors {
			cs, cargs := caseScope(a)
			ws, wargs := warningScope(a)
			for _, r := range rows {
				var dept any
				if r.dept != "" {
					dept = r.dept
				}
				in := []any{r.city, r.path, dept, r.reporter}
				var n int
				if err := db.queryRow(ctx, `SELECT COUNT(*)`+from+`c WHERE `+cs, append(in, cargs...)...).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if want := caseVisible(a, r.city, r.path, r.dept, r.reporter); (n == 1) != want {
					t.Errorf("%s, case %+v: SQL %v, Go %v", name, r, n == 1, want)
				}
				if err := db.queryRow(ctx, `SELECT COUNT(*)`+from+`w WHERE `+ws, append(in, wargs...)...).Scan(&n); err != nil {
					t.Fatal(err)
				}
				want := false
				for _, g := range a.Grants {
					want = want || (r.city == a.City && g.Reaches(r.path, r.dept))
				}
				if (n == 1) != want {
					t.Errorf("%s, warning %+v: SQL %v, Go %v", name, r, n == 1, want)
				}
				if name == "narrowed" && r.dept == "city-cg" && !strings.HasPrefix(r.path, distA) && r.reporter != 3 && n == 1 {
					t.Errorf("a city department narrowed to district A reaches %+v", r)
				}
			}
		}
	})
}
