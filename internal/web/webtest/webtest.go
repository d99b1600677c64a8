// Package webtest runs the whole of Anju — store, JSON API and web pages —
// for tests of the pages: a small two-district city with a user per role,
// HTTP clients that sign in through the sign-in form, and a real Chromium
// (see browser.go) for what only a browser can show.
package webtest

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/personal"
	"anju/internal/server"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// Password is every fixture user's password.
const Password = "right-password"

// Fixture is a running server over storetest.SmallCity.
type Fixture struct {
	T   testing.TB
	DB  *store.DB
	URL string
}

// Users are the fixture's logins and their one grant each: a user per role
// and scope the pages distinguish. Districts 330102 (street 330102001, grid
// 330102001001001) and 330105 (street 330105001).
var Users = []struct {
	Login string
	Grant anju.Grant
}{
	{"admin", anju.Grant{Role: anju.RoleAdmin, Region: "330100"}},
	{"auditor", anju.Grant{Role: anju.RoleAuditor, Region: "330100"}},
	{"admin-a", anju.Grant{Role: anju.RoleAdmin, Region: "330102001"}},
	{"operator", anju.Grant{Role: anju.RoleOperator, Region: "330100"}},
	{"dispatcher", anju.Grant{Role: anju.RoleDispatcher, Region: "330100"}},
	{"dispatcher-a", anju.Grant{Role: anju.RoleDispatcher, Region: "330102"}},
	{"worker-a", anju.Grant{Role: anju.RoleGridWorker, Region: "330102001"}},
	{"worker-b", anju.Grant{Role: anju.RoleGridWorker, Region: "330105001"}},
	{"handler-a", anju.Grant{Role: anju.RoleHandler, Department: "a-street"}},
	{"handler-b", anju.Grant{Role: anju.RoleHandler, Department: "b-street"}},
	{"handler-cg", anju.Grant{Role: anju.RoleHandler, Department: "city-cg"}},
	{"supervisor", anju.Grant{Role: anju.RoleSupervisor, Region: "330100"}},
}

// Options adjust a fixture.
type Options struct {
	TileURL string
	// ReportLimit is the portal's per-address limit; nil allows 10,000
	// reports, since every client of a test shares one address.
	ReportLimit *auth.Throttle
	// Clock is the store's clock, for cases filed in the past; nil is the
	// real one.
	Clock anju.Clock
}

// New starts the fixture on the database dsn (storetest gives one per engine).
func New(t testing.TB, dsn string, opts ...Options) *Fixture {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx := context.Background()
	keys, _ := personal.ParseKeyring(personal.FormatKey("k1", personal.GenerateKey()))
	db, err := store.Open(ctx, dsn, store.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if o.Clock != nil {
		db = db.WithClock(o.Clock)
	}
	sys := anju.SystemActor("webtest")
	if _, err := db.ImportRegions(ctx, sys, storetest.SmallCity()); err != nil {
		t.Fatal(err)
	}
	for _, d := range []store.Department{
		{Code: "city-cg", Name: "市城管局", Region: "330100", Categories: []string{"city_appearance"}},
		{Code: "a-street", Name: "第1街道办", Region: "330102001"},
		{Code: "b-street", Name: "第2街道办", Region: "330105001"},
	} {
		if _, err := db.SaveDepartment(ctx, sys, d); err != nil {
			t.Fatal(err)
		}
	}
	hash, _ := auth.HashPassword(Password, auth.Params{Memory: 1024, Time: 1, Threads: 1})
	for _, u := range Users {
		if _, err := db.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: u.Login, Name: u.Login, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GrantRole(ctx, sys, u.Login, u.Grant); err != nil {
			t.Fatal(err)
		}
	}
	if o.ReportLimit == nil {
		o.ReportLimit = auth.NewRateLimit(10_000, time.Second, time.Minute)
	}
	srv := httptest.NewServer(server.New(server.Config{DB: db, TileURL: o.TileURL, ReportLimit: o.ReportLimit}))
	t.Cleanup(srv.Close)
	return &Fixture{T: t, DB: db, URL: srv.URL}
}

// Client is a browser without scripts: cookies kept, redirects not followed,
// the CSRF token read from the pages and sent with every form.
type Client struct {
	f    *Fixture
	http *http.Client
	Lang string // sent as Accept-Language when set
}

// Response is a page as the client got it.
type Response struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

// Anonymous returns a client that has not signed in.
func (f *Fixture) Anonymous() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{f: f, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// SignIn returns a client signed in as login through the sign-in form.
func (f *Fixture) SignIn(login string) *Client {
	f.T.Helper()
	c := f.Anonymous()
	res := c.PostForm("/login", url.Values{"login": {login}, "password": {Password}})
	if res.Status != http.StatusSeeOther {
		f.T.Fatalf("sign in as %s: %d %s", login, res.Status, res.Body)
	}
	return c
}

// Get fetches path.
func (c *Client) Get(path string) Response {
	c.f.T.Helper()
	req, err := http.NewRequest("GET", c.f.URL+path, nil)
	if err != nil {
		c.f.T.Fatal(err)
	}
	return c.do(req)
}

// CSRF returns the client's CSRF token, fetching a page first when it has none.
func (c *Client) CSRF() string {
	u, _ := url.Parse(c.f.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "csrf" {
			return ck.Value
		}
	}
	c.Get("/login")
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "csrf" {
			return ck.Value
		}
	}
	c.f.T.Fatal("no CSRF cookie after a page")
	return ""
}

// PostForm posts a URL-encoded form with the CSRF token added.
func (c *Client) PostForm(path string, form url.Values) Response {
	c.f.T.Helper()
	form = cloneValues(form)
	if form.Get("csrf") == "" {
		form.Set("csrf", c.CSRF())
	}
	req, err := http.NewRequest("POST", c.f.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.f.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// Post sends body with contentType to path, the CSRF token in the query (as
// a multipart form carries it).
func (c *Client) Post(path, contentType string, body io.Reader) Response {
	c.f.T.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	req, err := http.NewRequest("POST", c.f.URL+path+sep+"csrf="+url.QueryEscape(c.CSRF()), body)
	if err != nil {
		c.f.T.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return c.do(req)
}

// Do sends req as this client (its cookies; Accept-Language when set).
func (c *Client) Do(req *http.Request) Response { return c.do(req) }

func (c *Client) do(req *http.Request) Response {
	c.f.T.Helper()
	if c.Lang != "" && req.Header.Get("Accept-Language") == "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.f.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Body: string(b), Location: resp.Header.Get("Location"), Header: resp.Header}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

var untranslated = regexp.MustCompile(`\[[a-z0-9_]+(\.[a-z0-9_]*)+\]`)

// CheckPage fails the test when a page shows a message key instead of its
// words (the catalogue lacks it) or an unescaped script tag.
func CheckPage(t testing.TB, path string, res Response) {
	t.Helper()
	if m := untranslated.FindString(res.Body); m != "" {
		t.Errorf("%s shows the untranslated key %s", path, m)
	}
	if strings.Contains(res.Body, "<script>alert") {
		t.Errorf("%s renders an injected script unescaped", path)
	}
}

// Cookie is the value of the client's cookie name for the site, "" when none.
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.f.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}
