package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/anju"
)

var secret = []byte("0123456789abcdef-webhook-secret")

// receiver is a webhook endpoint that verifies what it gets as a real
// receiver would and records it.
type receiver struct {
	mu       sync.Mutex
	status   int
	bodies   [][]byte
	headers  []http.Header
	verified []error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.bodies = append(rc.bodies, body)
	rc.headers = append(rc.headers, r.Header.Clone())
	rc.verified = append(rc.verified, VerifySignature(secret, r.Header.Get(HeaderTimestamp), body,
		r.Header.Get(HeaderSignature), time.Now(), 5*time.Minute))
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if rc.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "120")
	}
	if rc.status != 0 {
		http.Error(w, "nope", rc.status)
	}
}

func TestWebhookDelivery(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	s := &WebhookSender{Allow: loopback, Secret: secret}
	payload := []byte(`{"event":"case.dispatched","case":"HZ20260101-0001","text":"占道经营"}`)
	before := time.Now().Unix()
	if err := s.Send(context.Background(), Message{Channel: ChannelWebhook, Target: srv.URL + "/hook", Payload: payload, ID: "outbox-17"}); err != nil {
		t.Fatal(err)
	}
	if len(rc.bodies) != 1 {
		t.Fatalf("%d requests", len(rc.bodies))
	}
	h := rc.headers[0]
	if string(rc.bodies[0]) != string(payload) || rc.verified[0] != nil {
		t.Errorf("body %s, verify %v", rc.bodies[0], rc.verified[0])
	}
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil || ts < before || ts > time.Now().Unix() {
		t.Errorf("timestamp %q", h.Get(HeaderTimestamp))
	}
	if h.Get("Content-Type") != "application/json" || h.Get(HeaderDelivery) != "outbox-17" ||
		!strings.HasPrefix(h.Get(HeaderSignature), "sha256=") || len(h.Get(HeaderSignature)) != 7+64 {
		t.Errorf("headers %v", h)
	}

	// Without a payload the message's text goes as JSON.
	if err := s.Send(context.Background(), Message{Target: srv.URL, Subject: "主题", Body: "正文", ID: "o-2"}); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(rc.bodies[1], &got); err != nil || got["subject"] != "主题" || got["body"] != "正文" || got["id"] != "o-2" {
		t.Errorf("default payload %s", rc.bodies[1])
	}
}

func TestWebhookClock(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	clock := anju.NewFakeClock(time.Unix(1_700_000_000, 0))
	s := &WebhookSender{Allow: loopback, Secret: secret, Clock: clock}
	if err := s.Send(context.Background(), Message{Target: srv.URL, Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if rc.headers[0].Get(HeaderTimestamp) != "1700000000" || !errors.Is(rc.verified[0], ErrStale) {
		t.Errorf("timestamp %s, receiver says %v", rc.headers[0].Get(HeaderTimestamp), rc.verified[0])
	}
}

func TestWebhookClassification(t *testing.T) {
	for _, c := range []struct {
		status    int
		permanent bool
	}{
		{400, true}, {401, true}, {403, true}, {404, true}, {410, true}, {422, true},
		{408, false}, {429, false}, {500, false}, {502, false}, {503, false},
		{301, true}, {302, true},
	} {
		rc := &receiver{status: c.status}
		srv := httptest.NewServer(rc)
		err := (&WebhookSender{Allow: loopback, Secret: secret}).Send(context.Background(), Message{Target: srv.URL, Payload: []byte(`{}`)})
		srv.Close()
		var serr *StatusError
		if !errors.As(err, &serr) || serr.StatusCode != c.status || IsPermanent(err) != c.permanent {
			t.Errorf("status %d: %v (permanent %v), want permanent=%v", c.status, err, IsPermanent(err), c.permanent)
			continue
		}
		if c.status == 429 && serr.RetryAfter != 2*time.Minute {
			t.Errorf("429 Retry-After = %v", serr.RetryAfter)
		}
		if c.status == 400 && !strings.Contains(err.Error(), "nope") {
			t.Errorf("error %q lacks the response body", err)
		}
		if len(rc.bodies) != 1 {
			t.Errorf("status %d: %d requests (redirect followed?)", c.status, len(rc.bodies))
		}
	}
}

func TestWebhookTransportErrors(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // so that the server notices the client hanging up
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	s := &WebhookSender{Allow: loopback, Secret: secret, Timeout: 100 * time.Millisecond}
	start := time.Now()
	err := s.Send(context.Background(), Message{Target: slow.URL, Payload: []byte(`{}`)})
	if err == nil || IsPermanent(err) || time.Since(start) > 3*time.Second {
		t.Errorf("timeout: %v after %v, want transient within the timeout", err, time.Since(start))
	}

	gone := httptest.NewServer(http.NotFoundHandler())
	url := gone.URL
	gone.Close()
	if err := s.Send(context.Background(), Message{Target: url, Payload: []byte(`{}`)}); err == nil || IsPermanent(err) {
		t.Errorf("connection refused: %v, want transient", err)
	}

	for _, m := range []Message{
		{Target: "ftp://example.org/x", Payload: []byte(`{}`)},
		{Target: "not a url", Payload: []byte(`{}`)},
		{Target: "http://example.org/", Payload: []byte(`{not json`)},
	} {
		if err := s.Send(context.Background(), m); !IsPermanent(err) {
			t.Errorf("Send(%q, %q) = %v, want permanent", m.Target, m.Payload, err)
		}
	}
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"a":1}`)
	now := time.Unix(1_700_000_000, 0)
	ts := "1700000000"
	sig := Sign(secret, ts, body)
	if err := VerifySignature(secret, ts, body, sig, now.Add(4*time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		secret []byte
		ts     string
		body   string
		sig    string
		now    time.Time
		want   error
	}{
		"other body":      {secret, ts, `{"a":2}`, sig, now, ErrBadSignature},
		"other secret":    {[]byte("another secret!!"), ts, string(body), sig, now, ErrBadSignature},
		"moved stamp":     {secret, "1700000001", string(body), sig, now, ErrBadSignature},
		"no prefix":       {secret, ts, string(body), strings.TrimPrefix(sig, "sha256="), now, ErrBadSignature},
		"not hex":         {secret, ts, string(body), "sha256=zz", now, ErrBadSignature},
		"empty":           {secret, ts, string(body), "", now, ErrBadSignature},
		"too old":         {secret, ts, string(body), sig, now.Add(6 * time.Minute), ErrStale},
		"from the future": {secret, ts, string(body), sig, now.Add(-6 * time.Minute), ErrStale},
		"bad stamp":       {secret, "yesterday", string(body), sig, now, ErrStale},
	} {
		if err := VerifySignature(c.secret, c.ts, []byte(c.body), c.sig, c.now, 5*time.Minute); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

// loopback lets the tests deliver to httptest servers, as an operator
// allows a receiver on the same host.
var loopback, _ = ParseAllowList("127.0.0.1,::1")

// TestWebhookRefusesInternalAddress: without an allow list a delivery to a
// loopback receiver fails for good, whether the URL names the address or a
// name that resolves to it when connecting (as a rebound DNS name would),
// and nothing reaches the receiver; allowing the name or the address lets
// it through.
func TestWebhookRefusesInternalAddress(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	for _, target := range []string{srv.URL, "http://localhost:" + port} {
		err := (&WebhookSender{Secret: secret}).Send(context.Background(), Message{Target: target, Payload: []byte(`{}`)})
		if !errors.Is(err, ErrForbiddenAddress) || !IsPermanent(err) {
			t.Errorf("%s without an allow list: %v", target, err)
		}
	}
	if len(rc.bodies) != 0 {
		t.Fatalf("the receiver got %d requests", len(rc.bodies))
	}
	for _, allow := range []string{"localhost", "127.0.0.0/8,::1"} {
		a, err := ParseAllowList(allow)
		if err != nil {
			t.Fatal(err)
		}
		if err := (&WebhookSender{Secret: secret, Allow: a}).Send(context.Background(), Message{Target: "http://localhost:" + port, Payload: []byte(`{}`)}); err != nil {
			t.Errorf("allowed %s: %v", allow, err)
		}
	}
}

func TestCheckWebhookTarget(t *testing.T) {
	ctx := context.Background()
	allow, err := ParseAllowList(" 10.1.2.0/24, Hooks.Internal ,fd12::7")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		target string
		ok     bool // with no allow list
		okWith bool // with allow
	}{
		{"https://93.184.216.34/hook", true, true},
		{"https://hooks.example/city", true, true}, // does not resolve now; checked at delivery
		{"ftp://93.184.216.34/hook", false, false},
		{"hooks.example/city", false, false},
		{"https://user:pw@93.184.216.34/hook", false, false},
		{"http://127.0.0.1:8080/", false, false},
		{"http://[::1]/", false, false},
		{"http://[::ffff:127.0.0.1]/", false, false},
		{"http://localhost:8080/", false, false},
		{"http://10.1.2.3/", false, true},
		{"http://10.1.3.1/", false, false},
		{"http://172.16.0.1/", false, false},
		{"http://192.168.1.1/", false, false},
		{"http://169.254.169.254/latest/meta-data", false, false},
		{"http://[fe80::1]/", false, false},
		{"http://[fd12::7]/", false, true},
		{"http://[fd00::1]/", false, false},
		{"http://100.64.0.1/", false, false},
		{"http://0.0.0.0/", false, false},
		{"http://224.0.0.1/", false, false},
		{"http://[ff02::1]/", false, false},
		{"http://hooks.internal:9000/x", true, true}, // does not resolve here
	} {
		for i, a := range []AllowList{{}, allow} {
			err := a.CheckWebhookTarget(ctx, tc.target)
			want := []bool{tc.ok, tc.okWith}[i]
			if (err == nil) != want || (err != nil && anju.ErrorField(err) != "target") {
				t.Errorf("%s (allow %q): %v, want ok=%v", tc.target, a, err, want)
			}
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "hooks internal", "user@host"} {
		if _, err := ParseAllowList(bad); anju.ErrorCode(err) != anju.EINVALID {
			t.Errorf("ParseAllowList(%q): %v", bad, err)
		}
	}
}

func TestCheckEmailTarget(t *testing.T) {
	for _, tc := range []struct {
		target string
		ok     bool
	}{
		{"ops@example.org", true},
		{"街道办@example.org", true},
		{"ops@example.org\r\nBcc: all@example.org", false},
		{"ops@example.org\n", false},
		{"Ops <ops@example.org>", false},
		{"<ops@example.org>", false},
		{"ops@example.org, boss@example.org", false},
		{"not an address", false},
		{"", false},
	} {
		err := CheckEmailTarget(tc.target)
		if (err == nil) != tc.ok || (err != nil && anju.ErrorField(err) != "target") {
			t.Errorf("%q: %v, want ok=%v", tc.target, err, tc.ok)
		}
	}
}
