package web_test

import (
	"context"
	"fmt"
	"net/url"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/store"
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
	"/admin/categories/0101", "/admin/calendar", "/admin/notifications", "/admin/audit", "/admin/hazards", "/admin/hazards/checklists/gas",
}

// get fetches path, failing unless the status is want, and checks the page.
func adminGet(t *testing.T, c *webtest.Client, path string, want int) webtest.Response {
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
			adminGet(t, admin, p, 200)
		}
		en := f.SignIn("admin")
		en.Get("/admin?lang=en")
		for _, p := range adminPages {
			if res := adminGet(t, en, p, 200); !strings.Contains(res.Body, `lang="en"`) {
				t.Errorf("%s in English: %s", p, res.Body)
			}
		}
		sections := regexp.MustCompile(`<h2><a href="(/admin/[a-z]+)">`)
		index := func(c *webtest.Client) string {
			var out []string
			for _, m := range sections.FindAllStringSubmatch(adminGet(t, c, "/admin", 200).Body, -1) {
				out = append(out, m[1])
			}
			return strings.Join(out, " ")
		}
		if got := index(admin); got != "/admin/users /admin/departments /admin/categories /admin/calendar /admin/hazards /admin/notifications /admin/audit" {
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
		adminGet(t, auditor, "/admin/audit", 200)
		adminGet(t, adminA, "/admin/audit", 403)
		dispatcher := f.SignIn("dispatcher")
		for _, p := range adminPages {
			if res := adminGet(t, dispatcher, p, 403); !strings.Contains(res.Body, "不允许") && !strings.Contains(res.Body, "无权") {
				t.Errorf("%s for a dispatcher: %s", p, res.Body)
			}
			if p != "/admin/audit" && p != "/admin" {
				adminGet(t, auditor, p, 403)
			}
		}
		if res := f.Anonymous().Get("/admin/users"); res.Status != 303 || !strings.HasPrefix(res.Location, "/login?next=") {
			t.Errorf("a visitor: %d %s", res.Status, res.Location)
		}
		adminGet(t, admin, "/admin/users/nobody", 404)
		adminGet(t, adminA, "/admin/users/worker-b", 404)
		adminGet(t, admin, "/admin/departments/nothing", 404)
		adminGet(t, admin, "/admin/categories/9999", 404)
		adminGet(t, admin, "/admin/audit?before=x", 400)
		adminGet(t, admin, "/admin/audit?limit=100000", 400)
		adminGet(t, admin, "/admin/calendar?before=2030-13-40", 400)
		adminGet(t, admin, "/admin/notifications?after_sub=-1", 400)
	})
}

var cheapHash, _ = auth.HashPassword("test-password", auth.Params{Memory: 1024, Time: 1, Threads: 1})

// countAudit is the number of audit entries with the action.
func countAudit(t *testing.T, f *webtest.Fixture, action string) int {
	t.Helper()
	var n int
	if err := f.DB.SQL().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = '` + action + `'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// grantsOf is a user's grants as the system sees them.
func grantsOf(t *testing.T, f *webtest.Fixture, login string) []anju.Grant {
	t.Helper()
	u, err := f.DB.GetUser(context.Background(), anju.SystemActor("test"), login)
	if err != nil {
		t.Fatal(err)
	}
	return u.Grants
}

// TestAdminGrantMatrix: the street administrator (admin-a, 330102001)
// grants every shape of grant through the form — role × region × department,
// inside and outside the street — to users of the street. The shapes the API
// accepts (TestGrantShapes) are the ones the page accepts: nothing outside the
// street, no department outside the granted region. A refused shape is shown
// on the page with its reason and what was typed, and stores nothing.
func TestAdminGrantMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		ctx := context.Background()
		sys := anju.SystemActor("test")
		c := f.SignIn("admin-a")
		inside := map[string]bool{"": true, "330102001": true, "a-street": true}
		n, accepted := 0, 0
		for _, role := range anju.Roles {
			for _, region := range []string{"", "330102001", "330102", "330100", "330105001"} {
				for _, dept := range []string{"", "a-street", "city-cg", "b-street"} {
					if region == "" && dept == "" {
						continue
					}
					n++
					login := fmt.Sprintf("shape%03d", n)
					if _, err := f.DB.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: login, Name: login, PasswordHash: cheapHash,
						Grant: &anju.Grant{Role: anju.RoleGridWorker, Region: "330102001"}}); err != nil {
						t.Fatal(err)
					}
					shape := fmt.Sprintf("%s@%s/%s", role, region, dept)
					before := countAudit(t, f, "permission.grant")
					res := c.PostForm("/admin/users/"+login+"/grants", url.Values{"role": {string(role)}, "region": {region}, "department": {dept}})
					want := inside[region] && inside[dept]
					if got := res.Status == 303; got != want {
						t.Errorf("grant %s: %d, want accepted=%v: %s", shape, res.Status, want, alertOf(res.Body))
						continue
					}
					grants, after := len(grantsOf(t, f, login)), countAudit(t, f, "permission.grant")
					if want {
						accepted++
						if grants != 2 || after != before+1 || res.Location != "/admin/users/"+login+"?done=granted" {
							t.Errorf("grant %s: %d grants, %d audit entries, to %s", shape, grants, after-before, res.Location)
						}
						continue
					}
					webtest.CheckPage(t, shape, res)
					if res.Status != 400 && res.Status != 403 {
						t.Errorf("grant %s refused with %d", shape, res.Status)
					}
					if alertOf(res.Body) == "" || !strings.Contains(res.Body, `<option value="`+string(role)+`" selected>`) ||
						(region != "" && !strings.Contains(res.Body, `id="grant-region" name="region" type="text" value="`+region+`"`)) ||
						(dept != "" && !strings.Contains(res.Body, `name="department" type="text" value="`+dept+`"`)) {
						t.Errorf("grant %s: the refusal or the typed input is missing: %s", shape, res.Body)
					}
					if grants != 1 || after != before {
						t.Errorf("refused grant %s stored %d grants, %d audit entries", shape, grants, after-before)
					}
				}
			}
		}
		if accepted != 3*len(anju.Roles) {
			t.Errorf("%d of %d shapes accepted, want %d", accepted, n, 3*len(anju.Roles))
		}

		// Nobody grants themselves, and a user outside the street is not there.
		res := c.PostForm("/admin/users/admin-a/grants", url.Values{"role": {"admin"}, "region": {"330102001"}})
		if res.Status != 403 || !strings.Contains(alertOf(res.Body), "themselves") || len(grantsOf(t, f, "admin-a")) != 1 {
			t.Errorf("granting oneself: %d %s", res.Status, alertOf(res.Body))
		}
		if res := c.PostForm("/admin/users/worker-b/grants", url.Values{"role": {"handler"}, "region": {"330102001"}}); res.Status != 404 || len(grantsOf(t, f, "worker-b")) != 1 {
			t.Errorf("granting to a user of another street: %d", res.Status)
		}
		// Revoking a grant outside the street is refused too: worker-a holds
		// one the city administrator gave in the district.
		if _, err := f.DB.GrantRole(ctx, sys, "worker-a", anju.Grant{Role: anju.RoleHandler, Region: "330102"}); err != nil {
			t.Fatal(err)
		}
		for _, g := range grantsOf(t, f, "worker-a") {
			if g.Region == "330102" {
				if res := c.PostForm(fmt.Sprintf("/admin/users/worker-a/grants/%d/revoke", g.ID), nil); res.Status == 303 || len(grantsOf(t, f, "worker-a")) != 2 {
					t.Errorf("revoking a district grant: %d", res.Status)
				}
			}
		}
		// The first role on the create form follows the same rules.
		for _, g := range []url.Values{{"role": {"handler"}, "region": {"330102"}}, {"role": {"handler"}, "department": {"city-cg"}}, {"role": {"king"}, "region": {"330102001"}}} {
			form := url.Values{"login": {"newbie"}, "name": {"新人"}, "password": {"long-enough-1"}}
			for k, v := range g {
				form[k] = v
			}
			res := c.PostForm("/admin/users", form)
			if res.Status == 303 || alertOf(res.Body) == "" || !strings.Contains(res.Body, `value="newbie"`) || strings.Contains(res.Body, "long-enough-1") {
				t.Errorf("create with %v: %d %s", g, res.Status, alertOf(res.Body))
			}
			if _, err := f.DB.GetUser(ctx, sys, "newbie"); anju.ErrorCode(err) != anju.ENOTFOUND {
				t.Errorf("create with %v left the user behind: %v", g, err)
			}
		}
		res = c.PostForm("/admin/users", url.Values{"login": {"newbie"}, "name": {"新人"}, "password": {"long-enough-1"}, "role": {"grid_worker"}, "region": {"330102001"}})
		if res.Status != 303 || res.Location != "/admin/users/newbie?done=user_created" {
			t.Fatalf("create inside the street: %d %s", res.Status, alertOf(res.Body))
		}
		if res := adminGet(t, c, res.Location, 200); !strings.Contains(res.Body, "用户已创建") || !strings.Contains(res.Body, "330102001") {
			t.Errorf("the new user's page: %s", res.Body)
		}
	})
}

var alertPattern = regexp.MustCompile(`<p class="alert" role="alert">([^<]*)</p>`)

// alertOf is the form's refusal on a page, empty when there is none.
func alertOf(body string) string {
	if m := alertPattern.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// TestAdminChangesAudited makes every change the pages offer and finds its
// audit entry, as the API's call writes it; the auditor reads them in the
// log with the chain found intact, and may change nothing.
func TestAdminChangesAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		c := f.SignIn("admin")
		tokenID := func() string {
			var id int64
			f.DB.SQL().QueryRow(`SELECT MAX(id) FROM api_tokens`).Scan(&id)
			return fmt.Sprint(id)
		}
		grantID := func() string {
			var id int64
			f.DB.SQL().QueryRow(`SELECT MAX(id) FROM grants`).Scan(&id)
			return fmt.Sprint(id)
		}
		secret := strings.Repeat("k", 40)
		steps := []struct {
			path   func() string
			form   url.Values
			action string
			to     string
		}{
			{func() string { return "/admin/users" }, url.Values{"login": {"clerk"}, "name": {"办事员"}, "password": {"long-enough-1"}}, "user.create", "/admin/users/clerk?done=user_created"},
			{func() string { return "/admin/users/clerk/grants" }, url.Values{"role": {"handler"}, "department": {"a-street"}}, "permission.grant", "/admin/users/clerk?done=granted"},
			{func() string { return "/admin/users/clerk/grants/" + grantID() + "/revoke" }, nil, "permission.revoke", "/admin/users/clerk?done=revoked"},
			{func() string { return "/admin/users/clerk/tokens" }, url.Values{"name": {"etl"}, "expires_days": {"30"}}, "token.create", ""},
			{func() string { return "/admin/users/clerk/tokens/" + tokenID() + "/revoke" }, nil, "token.revoke", "/admin/users/clerk?done=token_revoked"},
			{func() string { return "/admin/users/clerk/disabled" }, url.Values{"disabled": {"true"}}, "user.disable", "/admin/users/clerk?done=disabled"},
			{func() string { return "/admin/users/clerk/disabled" }, url.Values{"disabled": {"false"}}, "user.enable", "/admin/users/clerk?done=enabled"},
			{func() string { return "/admin/departments" }, url.Values{"code": {"c-street"}, "name": {"第3街道办"}, "region": {"330102001"}, "categories": {"0101, 0102"}}, "department.create", "/admin/departments/c-street?done=department_saved"},
			{func() string { return "/admin/departments" }, url.Values{"existing": {"1"}, "code": {"c-street"}, "name": {"第三街道办"}, "region": {"330102001"}, "categories": {"0101"}}, "department.update", "/admin/departments/c-street?done=department_saved"},
			{func() string { return "/admin/categories" }, url.Values{"existing": {"1"}, "code": {"0101"}, "version": {"1"}, "name": {"路灯"}, "name_en": {"Street lights"},
				"kind": {"request"}, "default_priority": {"normal"}, "department_level": {"street"}, "leaf": {"true"}, "active": {"true"},
				"normal_response_amount": {"1"}, "normal_response_unit": {"working_days"}, "normal_resolution_amount": {"3"}, "normal_resolution_unit": {"working_days"}}, "category.save", "/admin/categories/0101?done=category_saved"},
			{func() string { return "/admin/categories" }, url.Values{"code": {"0199"}, "version": {"1"}, "name": {"其他"}, "name_en": {"Other"},
				"kind": {"request"}, "default_priority": {"normal"}, "department_level": {"street"}, "leaf": {"true"}, "active": {"true"}}, "category.save", "/admin/categories/0199?done=category_saved"},
			{func() string { return "/admin/calendar" }, url.Values{"date": {"2030-10-08"}, "kind": {"workday"}, "note": {"调休上班"}}, "calendar.set", "/admin/calendar?done=day_saved"},
			{func() string { return "/admin/notifications/subscriptions" }, url.Values{"channel": {"email"}, "target": {"ops@example.org"}, "actions": {"dispatch", "close"}}, "subscription.create", "/admin/notifications?done=subscription_saved"},
			{func() string { return "/admin/notifications/warnings" }, url.Values{"region": {"330102"}, "channel": {"email"}, "target": {"district@example.org"}, "secret": {secret}}, "warning_subscription.create", "/admin/notifications?done=warning_subscription_saved"},
		}
		for _, s := range steps {
			path := s.path()
			before := countAudit(t, f, s.action)
			res := c.PostForm(path, s.form)
			if s.to == "" {
				// The token is shown on the answer to the POST, once.
				tok := regexp.MustCompile(`id="new-token" class="mono" value="(anju_[^"]+)"`).FindStringSubmatch(res.Body)
				if res.Status != 200 || tok == nil {
					t.Fatalf("POST %s: %d %s", path, res.Status, res.Body)
				}
				if later := adminGet(t, c, "/admin/users/clerk", 200); strings.Contains(later.Body, tok[1]) || !strings.Contains(later.Body, "etl") {
					t.Errorf("the token is shown again, or its name not listed")
				}
			} else if res.Status != 303 || res.Location != s.to {
				t.Fatalf("POST %s: %d %q %s", path, res.Status, res.Location, alertOf(res.Body))
			}
			if got := countAudit(t, f, s.action); got != before+1 {
				t.Errorf("POST %s: %d %s entries, want %d", path, got, s.action, before+1)
			}
			if s.to != "" {
				adminGet(t, c, s.to, 200)
			}
		}
		if tree, _ := f.DB.Taxonomy(context.Background(), "330100"); tree != nil {
			if c, err := tree.Get("0101"); err != nil || c.Version != 2 || c.Deadlines["normal"].Resolution.Amount != 3 {
				t.Errorf("category 0101 after the edit: %+v %v", c, err)
			}
		}
		// The public flag: the edit above left it off; ticked again it is
		// on, and a dispute category cannot have it.
		if res := adminGet(t, c, "/admin/categories/0101", 200); strings.Contains(res.Body, `name="public" value="true" checked`) {
			t.Errorf("category 0101 still public after an edit without the box")
		}
		public := url.Values{}
		for k, v := range steps[9].form {
			public[k] = v
		}
		public.Set("version", "2")
		public.Set("public", "true")
		if res := c.PostForm("/admin/categories", public); res.Status != 303 {
			t.Errorf("making 0101 public: %d %s", res.Status, alertOf(res.Body))
		}
		if res := adminGet(t, c, "/admin/categories/0101", 200); !strings.Contains(res.Body, `name="public" value="true" checked`) {
			t.Errorf("category 0101 not shown public")
		}
		dispute := url.Values{"existing": {"1"}, "code": {"1101"}, "version": {"1"}, "name": {"噪声纠纷"}, "name_en": {"Noise"}, "kind": {"dispute"},
			"default_priority": {"normal"}, "department_level": {"community"}, "leaf": {"true"}, "active": {"true"}, "public": {"true"}}
		if res := c.PostForm("/admin/categories", dispute); res.Status != 400 || !strings.Contains(alertOf(res.Body), "only request categories can be public") {
			t.Errorf("a public dispute category: %d %s", res.Status, alertOf(res.Body))
		}

		// An edit made from a stale page is refused, keeping what was typed.
		stale := steps[9].form
		stale.Set("name", "路灯照明")
		if res := c.PostForm("/admin/categories", stale); res.Status != 409 || !strings.Contains(res.Body, `value="路灯照明"`) {
			t.Errorf("stale category edit: %d %s", res.Status, alertOf(res.Body))
		}

		auditor := f.SignIn("auditor")
		res := adminGet(t, auditor, "/admin/audit?action=permission.grant", 200)
		if !strings.Contains(res.Body, "user:clerk") || strings.Contains(res.Body, "token.create") || !strings.Contains(res.Body, "哈希链校验通过") {
			t.Errorf("audit log filtered by action: %s", res.Body)
		}
		res = adminGet(t, auditor, "/admin/audit?limit=3", 200)
		next := regexp.MustCompile(`href="(/admin/audit\?before=\d+&amp;limit=3)"`).FindStringSubmatch(res.Body)
		if strings.Count(res.Body, "<td class=\"mono detail\">") != 3 || next == nil {
			t.Fatalf("first page of 3: %s", res.Body)
		}
		if res := adminGet(t, auditor, strings.ReplaceAll(next[1], "&amp;", "&"), 200); strings.Count(res.Body, "<td class=\"mono detail\">") != 3 {
			t.Errorf("second page: %s", res.Body)
		}
		// The chain shown broken once an entry of the page is edited.
		if _, err := f.DB.SQL().Exec(`UPDATE audit_log SET detail = '{"forged":true}' WHERE action = 'calendar.set'`); err != nil {
			t.Fatal(err)
		}
		if res := adminGet(t, auditor, "/admin/audit", 200); !strings.Contains(res.Body, "哈希链校验失败") {
			t.Errorf("an edited entry is not reported: %s", res.Body)
		}
		// The auditor changes nothing.
		users := countAudit(t, f, "user.create")
		for _, p := range []string{"/admin/users", "/admin/users/clerk/disabled", "/admin/calendar"} {
			if res := auditor.PostForm(p, url.Values{"login": {"sneak"}, "name": {"x"}, "password": {"long-enough-1"}, "disabled": {"true"}, "date": {"2030-01-01"}, "kind": {"holiday"}}); res.Status != 403 {
				t.Errorf("auditor POST %s: %d", p, res.Status)
			}
		}
		if countAudit(t, f, "user.create") != users || countAudit(t, f, "user.disable") != 1 || countAudit(t, f, "calendar.set") != 1 {
			t.Errorf("the auditor changed something")
		}
	})
}

// TestAdminBadInput: script in every field is shown escaped, refused input is
// kept, invalid UTF-8 and NUL are refused before the store, oversize forms
// and forms without the CSRF token are refused, and nothing is half-saved.
func TestAdminBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		c := f.SignIn("admin")
		const x = `<script>alert(1)</script>`
		const escaped = `&lt;script&gt;alert(1)&lt;/script&gt;`
		for _, s := range []struct {
			path string
			form url.Values
			show string // the page that shows what was saved, when it is
		}{
			{"/admin/users", url.Values{"login": {x}, "name": {x}, "password": {"long-enough-1"}, "role": {x}, "region": {x}, "department": {x}}, ""},
			{"/admin/users", url.Values{"login": {"xss"}, "name": {x}, "password": {"long-enough-1"}}, "/admin/users"},
			{"/admin/users/xss/grants", url.Values{"role": {x}, "region": {x}, "department": {x}}, ""},
			{"/admin/users/xss/grants", url.Values{"role": {"handler"}, "region": {x}}, ""},
			{"/admin/users/xss/tokens", url.Values{"name": {x}, "expires_days": {x}}, ""},
			{"/admin/users/xss/tokens", url.Values{"name": {x}}, "/admin/users/xss"},
			{"/admin/users/xss/disabled", url.Values{"disabled": {x}}, ""},
			{"/admin/departments", url.Values{"code": {x}, "name": {x}, "region": {x}, "categories": {x}}, ""},
			{"/admin/departments", url.Values{"code": {"xss-dept"}, "name": {x}, "region": {"330102001"}}, "/admin/departments"},
			{"/admin/categories", url.Values{"code": {x}, "name": {x}, "name_en": {x}, "kind": {x}, "default_priority": {x}, "department_level": {x}, "version": {"1"}}, ""},
			{"/admin/categories", url.Values{"code": {"0198"}, "name": {x}, "name_en": {x}, "kind": {"request"}, "default_priority": {"normal"},
				"department_level": {"street"}, "leaf": {"true"}, "active": {"true"}, "version": {"1"}}, "/admin/categories?after=0197"},
			{"/admin/calendar", url.Values{"date": {x}, "kind": {x}, "note": {x}}, ""},
			{"/admin/calendar", url.Values{"date": {"2031-01-02"}, "kind": {"holiday"}, "note": {x}}, "/admin/calendar"},
			{"/admin/notifications/subscriptions", url.Values{"channel": {"email"}, "target": {x}, "secret": {x}, "actions": {x}}, ""},
			{"/admin/notifications/warnings", url.Values{"region": {x}, "channel": {"email"}, "target": {x}}, ""},
		} {
			res := c.PostForm(s.path, s.form)
			webtest.CheckPage(t, s.path, res)
			if s.show == "" {
				if res.Status < 400 || res.Status >= 500 || alertOf(res.Body) == "" || !strings.Contains(res.Body, escaped) {
					t.Errorf("POST %s %v: %d, want a refusal with the input kept: %s", s.path, s.form, res.Status, res.Body)
				}
				if strings.Contains(res.Body, "long-enough-1") {
					t.Errorf("POST %s: the password is sent back", s.path)
				}
				continue
			}
			if res.Status != 303 && !(strings.HasSuffix(s.path, "/tokens") && res.Status == 200) { // a token is shown at once
				t.Errorf("POST %s: %d %s", s.path, res.Status, alertOf(res.Body))
				continue
			}
			if page := adminGet(t, c, s.show, 200); !strings.Contains(page.Body, escaped) {
				t.Errorf("%s does not show the saved text escaped: %s", s.show, page.Body)
			}
		}
		adminGet(t, c, "/admin/audit?action="+url.QueryEscape(x), 200)
		if res := adminGet(t, c, "/admin/audit", 200); !strings.Contains(res.Body, `\u003cscript\u003e`) && !strings.Contains(res.Body, escaped) {
			t.Errorf("the audit log does not show the detail escaped")
		}

		// Invalid UTF-8 and NUL never reach the store; oversize and missing
		// fields are refused; a form without the token is refused unread.
		users := countAudit(t, f, "user.create")
		for _, form := range []url.Values{
			{"login": {"bad-utf8"}, "name": {"\xff\xfe"}, "password": {"long-enough-1"}},
			{"login": {"nul"}, "name": {"a\x00b"}, "password": {"long-enough-1"}},
			{"login": {"long"}, "name": {strings.Repeat("名", 101)}, "password": {"long-enough-1"}},
			{"login": {"huge"}, "name": {strings.Repeat("x", 300<<10)}, "password": {"long-enough-1"}},
			{"login": {"nopass"}, "name": {"x"}},
			{},
		} {
			if res := c.PostForm("/admin/users", form); res.Status < 400 || res.Status >= 500 {
				t.Errorf("create %v: %d", form["login"], res.Status)
			}
		}
		if res := c.PostForm("/admin/users", url.Values{"csrf": {"forged"}, "login": {"forged"}, "name": {"x"}, "password": {"long-enough-1"}}); res.Status != 403 {
			t.Errorf("forged CSRF token: %d", res.Status)
		}
		if countAudit(t, f, "user.create") != users {
			t.Errorf("bad input created a user")
		}
		for _, p := range []string{"/admin/users/xss/grants/abc/revoke", "/admin/users/xss/grants/999999/revoke", "/admin/users/xss/tokens/abc/revoke"} {
			if res := c.PostForm(p, nil); res.Status != 400 && res.Status != 404 {
				t.Errorf("POST %s: %d", p, res.Status)
			}
		}
		if res := c.PostForm("/admin/users/nobody/grants", url.Values{"role": {"handler"}, "region": {"330102"}}); res.Status != 404 {
			t.Errorf("grant to nobody: %d", res.Status)
		}
	})
}
