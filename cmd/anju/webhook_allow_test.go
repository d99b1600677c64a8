package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWebhookAllowFlag: --webhook-allow reaches the store through the
// command line: a subscription to an allowed internal receiver is saved,
// another internal one refused, and a list that cannot be read is a usage
// error.
func TestWebhookAllowFlag(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "anju.db")
	if _, _, err := runIn(t, "", "serve", "--db", dsn, "--webhook-allow", "10.0.0.0/33"); exitCode(err) != 2 || !strings.Contains(err.Error(), "webhook-allow") {
		t.Fatalf("bad allow list: exit %d, %v", exitCode(err), err)
	}
	cmd := startCmd(t, "demo", "--db", dsn, "--addr", "127.0.0.1:0", "--cases", "0", "--scheduler-interval", "0", "--webhook-allow", "127.0.0.1, hooks.internal")
	out, done, cancel := cmd.out, cmd.done, cmd.cancel
	url := waitForURL(t, out, done)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	post := func(path, body string) (int, string) {
		resp, err := c.Post(url+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := post("/api/v1/session", `{"login":"admin","password":"anju-demo-2026"}`); status != 200 {
		t.Fatalf("login: %d %s", status, body)
	}
	for _, tc := range []struct {
		target string
		status int
	}{
		{"http://127.0.0.1:9000/hook", 201},
		{"http://hooks.internal/hook", 201},
		{"http://10.0.0.1/hook", 400},
		{"http://[::1]:9000/hook", 400},
	} {
		status, body := post("/api/v1/subscriptions", `{"channel":"webhook","target":"`+tc.target+`","secret":"0123456789abcdef"}`)
		if status != tc.status || (status == 400 && !strings.Contains(body, `"field":"target"`)) {
			t.Errorf("subscription to %s: %d %s, want %d", tc.target, status, body, tc.status)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop")
	}
}
