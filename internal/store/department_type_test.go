package store_test

import (
	"context"
	"testing"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/department"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// TestDepartmentTypeMigration: departments saved before 00020 come out of
// it as government departments, and the database itself refuses a type the
// code does not know.
func TestDepartmentTypeMigration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openWithCity(t, dsn)
		// Back to the schema before 00020, with a department written then.
		for _, q := range []string{`ALTER TABLE departments DROP COLUMN type`, `DELETE FROM goose_db_version WHERE version_id = 20`,
			`INSERT INTO departments (code, city, name, region, updated_at) VALUES ('old-bureau', '330100', '老部门', '330102', 0)`} {
			if _, err := db.SQL().Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		db.Close()
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatalf("open with 00020 to run: %v", err)
		}
		defer db.Close()
		d, err := db.GetDepartment(ctx, system, "old-bureau")
		if err != nil || d.Type != department.TypeGovernment {
			t.Fatalf("department from before types: %+v %v", d, err)
		}
		if _, err := db.SQL().Exec(`UPDATE departments SET type = 'bogus' WHERE code = 'old-bureau'`); err == nil {
			t.Error("the database took an unknown department type")
		}
	})
}

// TestDepartmentTypes: a volunteer team and a property company are saved,
// listed by type and offered for a case's dispatch like any bureau; an
// unknown type is refused about the field "type".
func TestDepartmentTypes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newCaseWorld(t, dsn)
		db := w.db
		for _, d := range []store.Department{
			{Code: "a-volunteers", Name: "第1街道志愿服务队", Type: department.TypeVolunteerTeam, Region: "330102001"},
			{Code: "a-property", Name: "某物业公司", Type: department.TypePropertyManagement, Region: "330102001", Categories: []string{"01"}},
		} {
			saved, err := db.SaveDepartment(ctx, system, d)
			if err != nil || saved.Type != d.Type {
				t.Fatalf("save %s: %+v %v", d.Code, saved, err)
			}
		}
		if d, err := db.GetDepartment(ctx, system, "a-volunteers"); err != nil || d.Type != department.TypeVolunteerTeam {
			t.Errorf("volunteer team read back: %+v %v", d, err)
		}
		if d, _ := db.GetDepartment(ctx, system, "a-office"); d.Type != department.TypeGovernment {
			t.Errorf("a department saved without a type: %q", d.Type)
		}
		_, err := db.SaveDepartment(ctx, system, store.Department{Code: "a-x", Name: "x", Type: "club", Region: "330102001"})
		if anju.ErrorCode(err) != anju.EINVALID || anju.ErrorField(err) != "type" {
			t.Errorf("unknown type: %v", err)
		}
		if _, err := db.GetDepartment(ctx, system, "a-x"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("a refused department was written: %v", err)
		}

		teams, err := db.ListDepartments(ctx, system, store.DepartmentFilter{Type: department.TypeVolunteerTeam})
		if err != nil || len(teams) != 1 || teams[0].Code != "a-volunteers" {
			t.Errorf("volunteer teams: %+v %v", teams, err)
		}
		gov, _ := db.ListDepartments(ctx, system, store.DepartmentFilter{Type: department.TypeGovernment})
		if len(gov) != 3 {
			t.Errorf("government departments: %+v", gov)
		}
		if _, err := db.ListDepartments(ctx, system, store.DepartmentFilter{Type: "club"}); anju.ErrorField(err) != "type" {
			t.Errorf("list by an unknown type: %v", err)
		}

		c, _, err := db.CreateCase(ctx, w.actors["operator"], streetLight(), "")
		if err != nil {
			t.Fatal(err)
		}
		all, err := db.DepartmentsServing(ctx, w.actors["dispatcher"], c.ID)
		if err != nil {
			t.Fatal(err)
		}
		types := map[string]department.Type{}
		for _, d := range all {
			types[d.Code] = d.Type
		}
		if len(all) != 4 || types["a-volunteers"] != department.TypeVolunteerTeam || types["city-cg"] != department.TypeGovernment {
			t.Errorf("departments serving street A's case: %+v", all)
		}
		some, err := db.DepartmentsServing(ctx, w.actors["dispatcher"], c.ID, department.TypeVolunteerTeam, department.TypePropertyManagement)
		if err != nil || len(some) != 2 || some[0].Code != "a-property" || some[1].Code != "a-volunteers" {
			t.Errorf("volunteer teams and property companies serving the case, category first: %+v %v", some, err)
		}
		if _, err := db.DepartmentsServing(ctx, w.actors["dispatcher"], c.ID, "club"); anju.ErrorField(err) != "type" {
			t.Errorf("serving, unknown type: %v", err)
		}
		// Street B's volunteers do not serve a case in street A.
		if _, err := db.SaveDepartment(ctx, system, store.Department{Code: "b-volunteers", Name: "第2街道志愿服务队",
			Type: department.TypeVolunteerTeam, Region: "330105001"}); err != nil {
			t.Fatal(err)
		}
		if teams, _ := db.DepartmentsServing(ctx, w.actors["dispatcher"], c.ID, department.TypeVolunteerTeam); len(teams) != 1 {
			t.Errorf("volunteer teams serving street A's case: %+v", teams)
		}
		w.act(t, "operator", c.ID, cases.ActionAccept, cases.Input{})
		if got := w.act(t, "dispatcher", c.ID, cases.ActionDispatch, cases.Input{Department: "a-volunteers"}); got.Department != "a-volunteers" {
			t.Errorf("dispatched to %q", got.Department)
		}
	})
}
