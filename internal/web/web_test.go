package web_test

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"anju/internal/locale"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

func TestSignInAndOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		c := f.Anonymous()
		if res := c.Get("/work?queue=overdue"); res.Status != 303 || res.Location != "/login?next=%2Fwork%3Fqueue%3Doverdue" {
			t.Fatalf("anonymous workbench: %d %q", res.Status, res.Location)
		}
		res := c.Get("/login")
		if res.Status != 200 || !strings.Contains(res.Body, "工作人员登录") || !strings.Contains(res.Body, `name="csrf"`) {
			t.Fatalf("sign-in page: %d %s", res.Status, res.Body)
		}
		res = c.PostForm("/login", url.Values{"login": {"dispatcher"}, "password": {"wrong"}, "next": {"/work?queue=overdue"}})
		if res.Status != 401 || !strings.Contains(res.Body, "账号或密码错误") || !strings.Contains(res.Body, `value="dispatcher"`) {
			t.Fatalf("wrong password: %d %s", res.Status, res.Body)
		}
		res = c.PostForm("/login", url.Values{"login": {"dispatcher"}, "password": {webtest.Password}, "next": {"https://evil.example/"}})
		if res.Status != 303 || res.Location != "/work" {
			t.Fatalf("sign-in with a foreign next: %d %q, want 303 /work", res.Status, res.Location)
		}
		res = c.Get("/")
		if !strings.Contains(res.Body, "退出 (dispatcher)") {
			t.Errorf("signed-in header lacks the sign-out button: %s", res.Body)
		}
		res = c.PostForm("/logout", url.Values{"csrf": {"forged"}})
		if res.Status != 403 {
			t.Errorf("sign-out with a forged token: %d, want 403", res.Status)
		}
		if res := c.PostForm("/logout", nil); res.Status != 303 || res.Location != "/login" {
			t.Fatalf("sign-out: %d %q", res.Status, res.Location)
		}
		if res := c.Get("/work"); res.Status != 303 {
			t.Errorf("workbench after sign-out: %d, want the sign-in page", res.Status)
		}
	})
}

// A form posted without the CSRF cookie's token is refused before it is
// read, whatever its content type; the API with a bearer token is not a form.
func TestCSRF(t *testing.T) {
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	c := f.Anonymous()
	c.CSRF()
	for _, body := range []struct{ ctype, body string }{
		{"application/x-www-form-urlencoded", "login=admin&password=" + webtest.Password},
		{"multipart/form-data; boundary=x", "--x--"},
		{"text/plain", "login=admin"},
	} {
		req, _ := http.NewRequest("POST", f.URL+"/login", strings.NewReader(body.body))
		req.Header.Set("Content-Type", body.ctype)
		if res := c.Do(req); res.Status != 403 || !strings.Contains(res.Body, "页面已过期") && !strings.Contains(res.Body, "无权") {
			t.Errorf("%s without token: %d %s", body.ctype, res.Status, res.Body)
		}
	}
}

func TestLanguageRemembered(t *testing.T) {
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	c := f.Anonymous()
	if res := c.Get("/login"); !strings.Contains(res.Body, `lang="zh-CN"`) || !strings.Contains(res.Body, "登录") {
		t.Fatalf("default is not Chinese: %s", res.Body)
	}
	if res := c.Get("/login?lang=en"); !strings.Contains(res.Body, "Staff sign-in") || !strings.Contains(res.Body, `lang="en"`) {
		t.Fatalf("?lang=en: %s", res.Body)
	}
	if res := c.Get("/"); !strings.Contains(res.Body, "Report a problem") {
		t.Errorf("English not remembered: %s", res.Body)
	}
	if res := c.Get("/?lang=zh"); !strings.Contains(res.Body, "我要反映") {
		t.Errorf("back to Chinese: %s", res.Body)
	}
	e := f.Anonymous()
	e.Lang = "en-GB,en;q=0.9,zh;q=0.5"
	if res := e.Get("/no-such-page"); res.Status != 404 || !strings.Contains(res.Body, "Not found") {
		t.Errorf("first visit with Accept-Language en: %d %s", res.Status, res.Body)
	}
}

func TestPageHeaders(t *testing.T) {
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"), webtest.Options{TileURL: "https://{s}.tiles.example/{z}/{x}/{y}.png"})
	res := f.Anonymous().Get("/")
	csp := res.Header.Get("Content-Security-Policy")
	if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || !strings.Contains(csp, "https://*.tiles.example") {
		t.Errorf("CSP %q", csp)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", res.Header)
	}
	if strings.Contains(res.Body, "style=") || regexp.MustCompile(`<script>|<style`).MatchString(res.Body) {
		t.Errorf("inline style or script on the page: %s", res.Body)
	}
}

// Static files: content-hashed names cached for a year, compressed; the
// plain names (what a stylesheet's url() reaches) revalidated.
func TestStaticAssets(t *testing.T) {
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	page := f.Anonymous().Get("/").Body
	m := regexp.MustCompile(`/static/vendor/htmx\.min\.[0-9a-f]{10}\.js`).FindString(page)
	if m == "" {
		t.Fatalf("no hashed htmx URL on the page: %s", page)
	}
	req, _ := http.NewRequest("GET", f.URL+m, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || resp.Header.Get("Content-Encoding") != "gzip" ||
		!strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Errorf("hashed asset headers: %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	want, _ := os.ReadFile("static/vendor/htmx.min.js")
	if string(body) != string(want) {
		t.Errorf("served htmx differs from the vendored file (%d vs %d bytes)", len(body), len(want))
	}
	c := f.Anonymous()
	if res := c.Get("/static/vendor/images/marker-icon.png"); res.Status != 200 || res.Header.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("plain name: %d %v", res.Status, res.Header)
	}
	if res := c.Get("/static/vendor/nothing.js"); res.Status != 404 {
		t.Errorf("missing asset: %d", res.Status)
	}
}

func TestRegionShapes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := webtest.New(t, dsn)
		c := f.Anonymous()
		res := c.Get("/geo/regions/330100?zoom=11")
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/geo+json" ||
			strings.Count(res.Body, `"type":"Feature"`) != 2 || !strings.Contains(res.Body, `"code":"330102"`) {
			t.Errorf("city's districts: %d %s", res.Status, res.Body)
		}
		if res := c.Get("/geo/regions/999999"); res.Status != 404 {
			t.Errorf("unknown region: %d", res.Status)
		}
		if res := c.Get("/geo/regions/330100?zoom=x"); res.Status != 400 || !strings.Contains(res.Body, `"zoom`) {
			t.Errorf("bad zoom: %d %s", res.Status, res.Body)
		}
		if res := c.Get("/geo/locate?lat=30.05&lon=120.05"); res.Status != 200 || !strings.Contains(res.Body, `"grid":"330102001001001"`) {
			t.Errorf("locate: %d %s", res.Status, res.Body)
		}
		if res := c.Get("/geo/locate?lat=10&lon=10"); res.Status != 404 {
			t.Errorf("outside the city: %d %s", res.Status, res.Body)
		}
		if res := c.Get("/geo/locate?lat=91&lon=10"); res.Status != 400 {
			t.Errorf("bad latitude: %d %s", res.Status, res.Body)
		}
	})
}

var tCall = regexp.MustCompile(`\.T "([^"]+)"`)

// Every key a template says is in both catalogues, and no template holds
// words of its own (Chinese characters outside the catalogue).
func TestTemplatesTranslated(t *testing.T) {
	err := fs.WalkDir(os.DirFS("templates"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join("templates", path))
		if err != nil {
			return err
		}
		for _, m := range tCall.FindAllStringSubmatch(string(b), -1) {
			for _, l := range locale.Langs {
				if !locale.Has(l, m[1]) {
					t.Errorf("%s: key %q missing from the %s catalogue", path, m[1], l)
				}
			}
		}
		if regexp.MustCompile(`\p{Han}`).Match(b) {
			t.Errorf("%s holds Chinese words of its own; put them in the catalogue", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The pages of the skeleton in a real browser, at phone and desk widths:
// screenshots, and no serious accessibility violation.
func TestBrowserBasics(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	for _, w := range webtest.Widths {
		ctx := b.Tab(w)
		for _, p := range []string{"/", "/login", "/no-such-page", "/?lang=en"} {
			webtest.Run(t, ctx, chromedp.Navigate(f.URL+p), chromedp.WaitVisible(chromedp.CSS("main")))
			webtest.Screenshot(t, ctx, "skeleton"+p)
			webtest.Accessible(t, ctx, p)
		}
		webtest.Run(t, ctx, chromedp.Navigate(f.URL+"/?lang=zh"))
		webtest.SignIn(t, ctx, f.URL, "dispatcher")
		if loc := webtest.Get(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, "/work") {
			t.Errorf("after sign-in the browser is at %s, want /work", loc)
		}
	}
}
