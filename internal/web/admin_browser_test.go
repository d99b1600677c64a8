package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"anju/internal/anju"
	"anju/internal/web/webtest"
)

// TestBrowserAdmin: in Chromium the city's administrator creates a user and
// grants them a role through the forms alone; then every administration page
// is seen at phone and desk widths, screenshotted and checked by axe-core,
// and the auditor's log too.
func TestBrowserAdmin(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	ctx := b.Tab(1280)
	webtest.SignIn(t, ctx, f.URL, "admin")
	webtest.Run(t, ctx,
		chromedp.Navigate(f.URL+"/admin"),
		chromedp.Click(chromedp.CSS(`a[href="/admin/users"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/users/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/admin/users/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#login`)),
		chromedp.SendKeys(chromedp.CSS(`#login`), "zhang.wei"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "张伟"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "long-enough-1"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#grant-role`)),
	)
	if loc := webtest.Get(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, "/admin/users/zhang.wei?done=user_created") {
		t.Fatalf("after creating, the browser is at %s", loc)
	}
	webtest.Run(t, ctx,
		chromedp.SetValue(chromedp.CSS(`#grant-role`), "grid_worker"),
		chromedp.SendKeys(chromedp.CSS(`#grant-region`), "330102001"),
		chromedp.Click(chromedp.CSS(`form[action$="/grants"] button[type=submit]`)),
		// The revoke button names the new grant: the page after the POST.
		chromedp.WaitVisible(chromedp.CSS(`button[aria-label*="330102001"]`)),
	)
	if txt := webtest.Get(t, ctx, chromedp.Text(chromedp.CSS(`#grants-h + div table tbody`))); !strings.Contains(txt, "网格员") || !strings.Contains(txt, "330102001") {
		t.Errorf("grants after granting: %q", txt)
	}
	u, err := f.DB.GetUser(context.Background(), anju.SystemActor("test"), "zhang.wei")
	if err != nil || len(u.Grants) != 1 || u.Grants[0].Role != anju.RoleGridWorker {
		t.Fatalf("stored: %+v %v", u, err)
	}
	// A refused grant in the browser: the reason and the typed region stay.
	webtest.Run(t, ctx,
		chromedp.SetValue(chromedp.CSS(`#grant-role`), "admin"),
		chromedp.SendKeys(chromedp.CSS(`#grant-region`), "999999"),
		chromedp.Click(chromedp.CSS(`form[action$="/grants"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#grant-region-error`)),
	)
	if v := webtest.Get(t, ctx, chromedp.Value(chromedp.CSS(`#grant-region`))); v != "999999" {
		t.Errorf("the typed region is lost: %q", v)
	}
	webtest.Accessible(t, ctx, "refused grant")
	webtest.Screenshot(t, ctx, "admin-refused-grant")

	for _, w := range webtest.Widths {
		tab := b.Tab(w)
		webtest.SignIn(t, tab, f.URL, "admin")
		for _, p := range append(adminPages, "/admin/users/zhang.wei") {
			webtest.Run(t, tab, chromedp.Navigate(f.URL+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
			webtest.Screenshot(t, tab, "admin"+p)
			webtest.Accessible(t, tab, p)
			if over := webtest.Get(t, tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); over {
				t.Errorf("%s is wider than the %d px screen", p, w)
			}
		}
		audit := b.Tab(w)
		webtest.SignIn(t, audit, f.URL, "auditor")
		webtest.Run(t, audit, chromedp.Navigate(f.URL+"/admin/audit"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		webtest.Screenshot(t, audit, "admin-audit-auditor")
		webtest.Accessible(t, audit, "audit (auditor)")
	}
}
