package web_test

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/cases"
	"anju/internal/department"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// optgroups are a select's groups in page order: label, then option values.
var (
	optgroupPattern = regexp.MustCompile(`(?s)<optgroup label="([^"]*)">(.*?)</optgroup>`)
	optionValue     = regexp.MustCompile(`<option value="([^"]*)"`)
)

func optgroups(html string) [][]string {
	var out [][]string
	for _, g := range optgroupPattern.FindAllStringSubmatch(html, -1) {
		row := []string{g[1]}
		for _, o := range optionValue.FindAllStringSubmatch(g[2], -1) {
			row = append(row, o[1])
		}
		out = append(out, row)
	}
	return out
}

// selectByID is the HTML of the select with that id.
func selectByID(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<select id="` + id + `".*?</select>`).FindString(body)
	if m == "" {
		t.Fatalf("no select #%s in %s", id, body)
	}
	return m
}

// TestDepartmentTypePages: an administrator saves a volunteer team through
// the department form (an unknown type is refused with the form's message);
// the case page's dispatch form and the workbench's bulk dispatch offer it
// under its type, after the government departments; a case dispatched to
// it from the case page is signed for and resolved by the team's handler.
func TestDepartmentTypePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newCaseWorld(t, dsn)
		ctx := context.Background()
		admin := w.SignIn("admin")

		form := adminGet(t, admin, "/admin/departments/new", 200)
		if got := optionValue.FindAllStringSubmatch(selectByID(t, form.Body, "type"), -1); len(got) != len(department.Types) || got[0][1] != "government" {
			t.Errorf("type choices on the department form: %v", got)
		}
		res := admin.PostForm("/admin/departments", url.Values{"code": {"a-club"}, "name": {"俱乐部"}, "type": {"club"}, "region": {"330102001"}})
		webtest.CheckPage(t, "unknown type", res)
		if res.Status != 400 || alertOf(res.Body) != "请从所列类型中选择一项。" ||
			!strings.Contains(res.Body, `<select id="type" name="type" aria-invalid="true" aria-describedby="type-error">`) ||
			!strings.Contains(res.Body, `value="俱乐部"`) {
			t.Errorf("unknown type: %d %s", res.Status, res.Body)
		}
		if _, err := w.DB.GetDepartment(ctx, anju.SystemActor("test"), "a-club"); anju.ErrorCode(err) != anju.ENOTFOUND {
			t.Errorf("a department with an unknown type was saved: %v", err)
		}
		res = admin.PostForm("/admin/departments", url.Values{"code": {"a-volunteers"}, "name": {"第1街道志愿服务队"},
			"type": {"volunteer_team"}, "region": {"330102001"}})
		if res.Status != 303 || res.Location != "/admin/departments/a-volunteers?done=department_saved" {
			t.Fatalf("save volunteer team: %d %s", res.Status, alertOf(res.Body))
		}
		edit := adminGet(t, admin, "/admin/departments/a-volunteers", 200)
		if !strings.Contains(selectByID(t, edit.Body, "type"), `<option value="volunteer_team" selected>志愿服务队</option>`) {
			t.Errorf("the saved type is not chosen on the form: %s", edit.Body)
		}
		if list := adminGet(t, admin, "/admin/departments", 200); !strings.Contains(list.Body, "<td>志愿服务队</td>") ||
			!strings.Contains(list.Body, "<td>政府部门</td>") {
			t.Errorf("department list lacks the types: %s", list.Body)
		}
		en := w.SignIn("admin")
		en.Get("/admin?lang=en")
		if list := adminGet(t, en, "/admin/departments", 200); !strings.Contains(list.Body, "<td>Volunteer team</td>") {
			t.Errorf("English department list lacks the type: %s", list.Body)
		}

		hash, _ := auth.HashPassword(webtest.Password, auth.Params{Memory: 1024, Time: 1, Threads: 1})
		sys := anju.SystemActor("test")
		if _, err := w.DB.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "volunteer-lead", Name: "志愿队长", PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.DB.GrantRole(ctx, sys, "volunteer-lead", anju.Grant{Role: anju.RoleHandler, Department: "a-volunteers"}); err != nil {
			t.Fatal(err)
		}

		c := w.create(newReport("独居老人家中灯坏了"))
		w.act("dispatcher", c.ID, cases.ActionAccept, cases.Input{})
		d := w.SignIn("dispatcher")
		page := get(t, d, path(c.ID))
		groups := optgroups(selectByID(t, page.Body, "dispatch-department"))
		if len(groups) != 2 || groups[0][0] != "政府部门" || groups[1][0] != "志愿服务队" ||
			len(groups[1]) != 2 || groups[1][1] != "a-volunteers" || slices.Contains(groups[0], "a-volunteers") {
			t.Errorf("case page dispatch choices by type: %v", groups)
		}
		home := get(t, d, "/work")
		if groups := optgroups(selectByID(t, home.Body, "dispatch-department")); len(groups) != 2 || groups[0][0] != "政府部门" ||
			groups[1][0] != "志愿服务队" || !slices.Contains(groups[1], "a-volunteers") {
			t.Errorf("workbench bulk dispatch choices by type: %v", groups)
		}

		res = d.PostForm(path(c.ID)+"/actions/dispatch", url.Values{"version": {"2"}, "department": {"a-volunteers"}})
		if res.Status != 303 {
			t.Fatalf("dispatch to the volunteer team: %d %s", res.Status, res.Body)
		}
		lead := w.SignIn("volunteer-lead")
		if res := lead.PostForm(path(c.ID)+"/actions/start", url.Values{"version": {"3"}}); res.Status != 303 {
			t.Fatalf("the team signs for it: %d %s", res.Status, res.Body)
		}
		if res := lead.PostForm(path(c.ID)+"/actions/resolve", url.Values{"version": {"4"}, "result": {"志愿者已上门更换灯泡"}}); res.Status != 303 {
			t.Fatalf("the team resolves it: %d %s", res.Status, res.Body)
		}
		if got, _ := w.DB.GetCase(ctx, w.actor("dispatcher"), c.ID); got.State != cases.StateResolved || got.Department != "a-volunteers" {
			t.Errorf("after the team's work: %s at %s", got.State, got.Department)
		}
	})
}
