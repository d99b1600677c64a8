package web_test

import (
	"regexp"
	"strings"
	"testing"

	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// adminPages are every administration page, as the city's administrator
// reaches them.
var adminPages = []string{
	"/admin", "/admin/users", "/admin/users/new", "/admin/users/dispatcher", "/admin/departments",
	"/admin/departments/new", "/admin/departments/a-street", "/admin/categories", "/admin/categories/new",
	"/admin/categories/0101", "/admin/calendar", "/admin/notifications", "/admin/audit",
}

// get fetches path, failing unless the status is want, and checks the page.
func get(t *testing.T, c *webtest.Client, path string, want int) webtest.Response {
	t.Helper()
	res := c.Get(path)
	if res.Status != want {
		t.Fatalf("GET %s: %d, want %d: %s", path, res.Status, want, res.Body)
	}
	webtest.CheckPage(t, path, res)
	return res
}

// TestAdminPagesRender: every page renders for the city's administrator in
// both languages; the index lists what each reader may use; auditors read
// the log only; other staff get 403 pages, and visitors the sign-in page.
func TestAdminPagesRender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		admin := f.SignIn("admin")
		for _, p := range adminPages {
			get(t, admin, p, 200)
		}
		en := f.SignIn("admin")
		en.Get("/admin?lang=en")
		for _, p := range adminPages {
			if res := get(t, en, p, 200); !strings.Contains(res.Body, `lang="en"`) {
				t.Errorf("%s in English: %s", p, res.Body)
			}
		}
		sections := regexp.MustCompile(`<h2><a href="(/admin/[a-z]+)">`)
		index := func(c *webtest.Client) string {
			var out []string
			for _, m := range sections.FindAllStringSubmatch(get(t, c, "/admin", 200).Body, -1) {
				out = append(out, m[1])
			}
			return strings.Join(out, " ")
		}
		if got := index(admin); got != "/admin/users /admin/departments /admin/categories /admin/calendar /admin/notifications /admin/audit" {
			t.Errorf("the city administrator's index: %s", got)
		}
		adminA := f.SignIn("admin-a")
		if got := index(adminA); got != "/admin/users /admin/departments /admin/notifications" {
			t.Errorf("the street administrator's index: %s", got)
		}
		auditor := f.SignIn("auditor")
		if got := index(auditor); got != "/admin/audit" {
			t.Errorf("the auditor's index: %s", got)
		}
		get(t, auditor, "/admin/audit", 200)
		get(t, adminA, "/admin/audit", 403)
		dispatcher := f.SignIn("dispatcher")
		for _, p := range adminPages {
			if res := get(t, dispatcher, p, 403); !strings.Contains(res.Body, "不允许") && !strings.Contains(res.Body, "无权") {
				t.Errorf("%s for a dispatcher: %s", p, res.Body)
			}
			if p != "/admin/audit" && p != "/admin" {
				get(t, auditor, p, 403)
			}
		}
		if res := f.Anonymous().Get("/admin/users"); res.Status != 303 || !strings.HasPrefix(res.Location, "/login?next=") {
			t.Errorf("a visitor: %d %s", res.Status, res.Location)
		}
		get(t, admin, "/admin/users/nobody", 404)
		get(t, adminA, "/admin/users/worker-b", 404)
		get(t, admin, "/admin/departments/nothing", 404)
		get(t, admin, "/admin/categories/9999", 404)
		get(t, admin, "/admin/audit?before=x", 400)
		get(t, admin, "/admin/audit?limit=100000", 400)
		get(t, admin, "/admin/calendar?before=2030-13-40", 400)
		get(t, admin, "/admin/notifications?after_sub=-1", 400)
	})
}
