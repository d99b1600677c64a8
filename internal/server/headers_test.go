package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"anju/internal/server"
	"anju/internal/store/storetest"
)

// TestSecurityHeaders: pages cannot be framed or sniffed and do not leak
// their URL to other sites; answers holding a session or a reporter's
// personal data are never cached.
func TestSecurityHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		h := server.New(server.Config{DB: f.db})
		status, body := f.post("operator", "/api/v1/cases", intake, nil)
		if status != 201 {
			t.Fatalf("intake: %d %s", status, body)
		}
		var c struct {
			ID int64 `json:"id"`
		}
		json.Unmarshal([]byte(body), &c)
		send := func(method, path, token, body string) http.Header {
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			if body != "" && !strings.HasPrefix(body, "login=") {
				req.Header.Set("Content-Type", "application/json")
			} else if body != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec.Header()
		}
		page := send("GET", "/login", "", "")
		for k, want := range map[string]string{
			"X-Frame-Options":        "DENY",
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "same-origin",
			"Cache-Control":          "no-store",
		} {
			if got := page.Get(k); got != want {
				t.Errorf("login page %s = %q, want %q", k, got, want)
			}
		}
		if csp := page.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("login page CSP %q lacks frame-ancestors 'none'", csp)
		}
		for name, hdr := range map[string]http.Header{
			"unmask":     send("POST", "/api/v1/cases/"+itoa(c.ID)+"/reporter", f.tokens["operator"], `{"reason":"回访"}`),
			"api login":  send("POST", "/api/v1/session", "", `{"login":"worker-a","password":"`+password+`"}`),
			"form login": send("POST", "/login", "", "login=worker-a&password="+password),
			"logout":     send("DELETE", "/api/v1/session", "", ""),
		} {
			if got := hdr.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s: Cache-Control = %q, want no-store", name, got)
			}
		}
	})
}
