package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var listeningPattern = regexp.MustCompile(`"msg":"(listening|metrics listening)","url":"(http://[0-9.:]+)`)

// TestServeMetrics: with --metrics-addr, /metrics is served on that address
// only; the main listener answers it to the --metrics-token bearer alone.
func TestServeMetrics(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	env := &cliEnv{getenv: func(k string) string {
		if k == "ANJU_METRICS_TOKEN" {
			return "metrics-secret"
		}
		return ""
	}, stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", "sqlite:" + filepath.Join(t.TempDir(), "anju.db"),
			"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--scheduler-interval", "0"}, env)
	}()
	urls := map[string]string{}
	for deadline := time.Now().Add(60 * time.Second); len(urls) < 2 && time.Now().Before(deadline); {
		for _, m := range listeningPattern.FindAllStringSubmatch(errb.String(), -1) {
			urls[m[1]] = m[2]
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	main, metrics := urls["listening"], strings.TrimSuffix(urls["metrics listening"], "/metrics")
	if main == "" || metrics == "" {
		t.Fatalf("listeners not logged: %s", errb.String())
	}
	get := func(url, token string) (int, string) {
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		url, token string
		status     int
	}{
		{main + "/metrics", "", 404},
		{main + "/metrics", "wrong", 404},
		{main + "/metrics", "metrics-secret", 200},
		{metrics + "/metrics", "", 200},
		{metrics + "/healthz", "", 404},
		{main + "/healthz", "", 200},
	} {
		status, body := get(tc.url, tc.token)
		if status != tc.status {
			t.Errorf("GET %s (token %q) = %d, want %d", tc.url, tc.token, status, tc.status)
		}
		if status == 200 && strings.HasSuffix(tc.url, "/metrics") && !strings.Contains(body, "anju_password_checks_total") {
			t.Errorf("GET %s lacks anju_password_checks_total", tc.url)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve ended with %v", err)
	}
}
