package server_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"anju/internal/store/storetest"
)

// TestPlainText: text with a NUL character, or a URL that is not UTF-8, is
// refused with 400 and the field named, on both engines; PostgreSQL answered
// these with 500 and SQLite stored them. Found by FuzzAPIQuery and
// FuzzAPIBody on PostgreSQL.
func TestPlainText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		for _, tc := range []struct {
			login, method, path, body string
			field                     string
		}{
			{"admin", "GET", "/api/v1/cases?region=%00", "", "region"},
			{"admin", "GET", "/api/v1/search?q=%FF%FE", "", "q"},
			{"admin", "GET", "/api/v1/departments?category=a%00b", "", "category"},
			{"admin", "GET", "/api/v1/regions/%00", "", ""},
			{"admin", "GET", "/api/v1/users/%C0%80", "", ""},
			{"", "POST", "/api/v1/session", `{"login":"worker-a\u0000","password":"right-password"}`, "login"},
			{"admin", "PUT", "/api/v1/departments/x1", `{"name":"新\u0000部门","region":"330105"}`, "name"},
			{"admin", "PUT", "/api/v1/departments/x1", `{"name":"新部门","region":"330105","categories":["roads","\u0000"]}`, "categories[1]"},
			{"operator", "POST", "/api/v1/cases", `{"text":"路灯坏了","category":"0101","lat":30.05,"lon":120.02,"reporter":{"name":"张\u0000三","phone":"13812341234"}}`, "reporter.name"},
			{"admin", "POST", "/api/v1/regions/import", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"330100","name":"测试\u0000市","level":"city"},"geometry":null}]}`, "[0].name"},
		} {
			status, body := f.do(tc.login, tc.method, tc.path, tc.body)
			if status != http.StatusBadRequest || !strings.Contains(body, `"code":"invalid"`) ||
				(tc.field != "" && !strings.Contains(body, `"field":"`+tc.field+`"`)) {
				t.Errorf("%s %s %s: %d %s; want 400 on field %q", tc.login, tc.method, tc.path, status, trim(body), tc.field)
			}
		}
		// The sign-in form says so too, rather than failing.
		jar, _ := cookiejar.New(nil)
		resp, err := postForm(&http.Client{Jar: jar}, f.srv.URL+"/login", url.Values{"login": {"worker-a\x00"}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("sign-in form with a NUL in the login: %d", resp.StatusCode)
		}
		// Text that only looks odd is fine.
		if status, body := f.do("admin", "PUT", "/api/v1/departments/x2", `{"name":"新部门 \\u0000 ☃","region":"330105"}`); status != 200 {
			t.Errorf("an escaped backslash: %d %s", status, body)
		}
		if status, body := f.do("admin", "GET", "/api/v1/search?q=%E8%B7%AF%E7%81%AF", ""); status != 200 {
			t.Errorf("a percent-encoded UTF-8 query: %d %s", status, body)
		}
	})
}
