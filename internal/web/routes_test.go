package web_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"anju/internal/web/webtest"
)

// route is one line of routes.go: its method, path and the guard that wraps
// its handler (page, staff or adminOnly).
type route struct{ method, path, guard string }

var routeLine = regexp.MustCompile(`handle\("(GET|POST) (/[^"]*)", w\.(page|staff|adminOnly)\(`)

// pageRoutes reads the page routes from routes.go, so that a route added
// there is guarded by this test without being listed again.
func pageRoutes(t *testing.T) []route {
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []route
	for _, m := range routeLine.FindAllStringSubmatch(string(src), -1) {
		out = append(out, route{m[1], m[2], m[3]})
	}
	if len(out) < 30 {
		t.Fatalf("found only %d page routes in routes.go; has its form changed?", len(out))
	}
	return out
}

// concrete fills a pattern's wildcards with values that name something.
func concrete(pattern string) string {
	r := strings.NewReplacer("{id}", "1", "{code}", "AAAAAAAAAAAA", "{login}", "worker-a", "{action}", "accept", "{step}", "sessions",
		"{photo}", "1", "{proposal}", "1", "{type}", "gas", "{level}", "major", "{$}", "")
	return r.Replace(pattern)
}

// The page routes' scope matrix: every state-changing form is refused with
// 403 without its CSRF token — signed in or not — before its handler runs;
// every staff page sends a signed-out reader to sign in; administration
// pages refuse a dispatcher with the 403 page.
func TestPageRoutesGuarded(t *testing.T) {
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	anon, admin, dispatcher := f.Anonymous(), f.SignIn("admin"), f.SignIn("dispatcher")
	for _, rt := range pageRoutes(t) {
		p := concrete(rt.path)
		switch rt.method {
		case "POST":
			for name, c := range map[string]*webtest.Client{"anonymous": anon, "admin": admin} {
				c.CSRF() // the cookie is there; the form lacks the token
				for _, ctype := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
					req, _ := http.NewRequest("POST", f.URL+p, strings.NewReader("login=admin&password="+webtest.Password))
					req.Header.Set("Content-Type", ctype)
					if res := c.Do(req); res.Status != http.StatusForbidden {
						t.Errorf("POST %s as %s (%s) without the CSRF token: %d, want 403", p, name, ctype, res.Status)
					}
				}
			}
		case "GET":
			if rt.guard == "page" {
				continue
			}
			res := anon.Get(p)
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login?next=") {
				t.Errorf("GET %s signed out: %d %q, want 303 to the sign-in page", p, res.Status, res.Location)
			}
			if rt.guard == "adminOnly" && !strings.HasPrefix(p, "/admin/audit") {
				if res := dispatcher.Get(p); res.Status != http.StatusForbidden {
					t.Errorf("GET %s as a dispatcher: %d, want the 403 page", p, res.Status)
				}
			}
		}
	}
}

// A session that has expired is honoured by every staff page: the next page
// asks to sign in again (an htmx request is told to go there whole), and a
// form posted from a page opened before the expiry changes nothing.
func TestSessionExpiryHonoured(t *testing.T) {
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	c := f.SignIn("dispatcher")
	if res := c.Get("/work"); res.Status != 200 {
		t.Fatalf("workbench while signed in: %d", res.Status)
	}
	if c.Cookie("anju_session") == "" {
		t.Fatal("no session cookie after signing in")
	}
	if _, err := f.DB.SQL().Exec(`UPDATE sessions SET expires_at = 0`); err != nil {
		t.Fatal(err)
	}
	if res := c.Get("/work/cases/1"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/login?next=") {
		t.Errorf("a page after expiry: %d %q", res.Status, res.Location)
	}
	req, _ := http.NewRequest("GET", f.URL+"/work", nil)
	req.Header.Set("HX-Request", "true")
	if res := c.Do(req); res.Status != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/login?next=") {
		t.Errorf("an htmx request after expiry: %d %v", res.Status, res.Header)
	}
	res := c.PostForm("/work/cases/1/actions/accept", map[string][]string{"version": {"1"}})
	if res.Status != http.StatusSeeOther || res.Location != "/login?next=%2Fwork" {
		t.Errorf("a form posted after expiry: %d %q", res.Status, res.Location)
	}
}
