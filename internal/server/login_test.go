package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"anju/internal/auth"
	"anju/internal/server"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// signIn posts credentials to the API from addr straight into h, so that each
// caller can have its own client address.
func signIn(h http.Handler, addr, login, pw string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(fmt.Sprintf(`{"login":%q,"password":%q}`, login, pw)))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// parallel runs n sign-ins at once and counts the answers by status.
func parallel(n int, try func(i int) *httptest.ResponseRecorder) map[int]int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	codes := map[int]int{}
	for i := range n {
		wg.Go(func() {
			rec := try(i)
			mu.Lock()
			codes[rec.Code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return codes
}

// TestLoginRace: parallel sign-ins are counted before their password is
// hashed, so N at once never evaluate more than the throttle's free attempts,
// whether they spray unknown logins or guess one login's password.
func TestLoginRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		// A back-off of a minute: the first after the free attempts ends
		// after Base, and on a loaded machine 100 requests can take longer.
		throttle := auth.NewThrottle()
		throttle.Base = time.Minute
		h := server.New(server.Config{DB: f.db, HashSlots: 100, Throttle: throttle})
		free := throttle.Free

		before := auth.Checks()
		codes := parallel(100, func(i int) *httptest.ResponseRecorder {
			return signIn(h, "10.0.0.1", fmt.Sprintf("nobody-%d", i), "wrong-password")
		})
		if n := auth.Checks() - before; n > int64(free) {
			t.Errorf("100 parallel unknown logins evaluated %d passwords, want at most %d (answers %v)", n, free, codes)
		}
		if codes[429] < 100-free {
			t.Errorf("answers %v, want at least %d × 429", codes, 100-free)
		}

		before = auth.Checks()
		codes = parallel(40, func(i int) *httptest.ResponseRecorder {
			return signIn(h, fmt.Sprintf("10.0.1.%d", i), "worker-a", fmt.Sprintf("guess-%d", i))
		})
		if n := auth.Checks() - before; n > int64(free) {
			t.Errorf("40 parallel guesses at one login evaluated %d passwords, want at most %d (answers %v)", n, free, codes)
		}
	})
}

// TestLoginSprayWithValidLogin: a valid sign-in from an address does not wipe
// the failures other guesses from it have piled up.
func TestLoginSprayWithValidLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		h := server.New(server.Config{DB: f.db})
		free := auth.NewThrottle().Free
		throttled := 0
		for i := range 40 {
			if rec := signIn(h, "10.0.2.1", fmt.Sprintf("worker-b-%d", i), "wrong-password"); rec.Code == 429 {
				throttled++
				if rec.Header().Get("Retry-After") == "" {
					t.Fatal("429 without Retry-After")
				}
			}
			signIn(h, "10.0.2.1", "worker-b", password)
		}
		if throttled < 40-free {
			t.Errorf("%d of 40 sprayed guesses got 429, want at least %d", throttled, 40-free)
		}
	})
}

// TestLoginHashBound: however many sign-ins and password changes arrive at
// once, no more passwords are hashed at once than the configured slots; the
// rest are refused at once with 429 and Retry-After.
func TestLoginHashBound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		h := server.New(server.Config{DB: f.db, HashSlots: 1})
		auth.ResetPeakChecks()
		var mu sync.Mutex
		codes := parallel(30, func(i int) *httptest.ResponseRecorder {
			var rec *httptest.ResponseRecorder
			switch {
			case i >= 25:
				req := httptest.NewRequest("PUT", "/api/v1/users/worker-b/password", strings.NewReader(`{"password":"new-password-1"}`))
				req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
				rec = httptest.NewRecorder()
				h.ServeHTTP(rec, req)
			case i >= 20:
				req := httptest.NewRequest("POST", "/api/v1/users", strings.NewReader(fmt.Sprintf(`{"login":"new-%d","name":"x","password":"long-enough"}`, i)))
				req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
				rec = httptest.NewRecorder()
				h.ServeHTTP(rec, req)
			default:
				rec = signIn(h, fmt.Sprintf("10.0.3.%d", i), fmt.Sprintf("nobody-%d", i), "wrong-password")
			}
			if rec.Code == 429 && rec.Header().Get("Retry-After") == "" {
				mu.Lock()
				t.Error("429 without Retry-After")
				mu.Unlock()
			}
			return rec
		})
		if p := auth.PeakChecks(); p > 1 {
			t.Errorf("%d passwords hashed at once with 1 slot (answers %v)", p, codes)
		}
		if done := codes[401] + codes[201] + codes[204]; done+codes[429] != 30 || done == 0 {
			t.Errorf("answers %v, want 401, 201, 204 and 429 only, some not 429", codes)
		}
	})
}

// TestLoginAcrossServers: two servers on one database count the same
// failed sign-ins, so a guesser gets the free attempts once, not once per
// server, and a session opened on one is recognised by the other.
func TestLoginAcrossServers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn)
		other, err := store.Open(context.Background(), dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		throttle := auth.NewThrottle()
		throttle.Base = time.Minute
		servers := []http.Handler{
			server.New(server.Config{DB: f.db, Throttle: throttle}),
			server.New(server.Config{DB: other, Throttle: throttle}),
		}
		for i := range throttle.Free {
			if rec := signIn(servers[i%2], fmt.Sprintf("10.0.3.%d", i), "worker-a", "wrong-password"); rec.Code != 401 {
				t.Fatalf("free attempt %d: %d %s", i+1, rec.Code, rec.Body)
			}
		}
		for i, h := range servers {
			rec := signIn(h, "10.0.3.99", "worker-a", password)
			if rec.Code != 429 || !strings.Contains(rec.Body.String(), "too many failed sign-ins") || rec.Header().Get("Retry-After") == "" {
				t.Errorf("server %d after %d failures on both: %d %s", i, throttle.Free, rec.Code, rec.Body)
			}
		}

		rec := signIn(servers[0], "10.0.3.100", "worker-b", password)
		if rec.Code != 200 {
			t.Fatalf("sign-in: %d %s", rec.Code, rec.Body)
		}
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
		me := httptest.NewRecorder()
		servers[1].ServeHTTP(me, req)
		if me.Code != 200 || !strings.Contains(me.Body.String(), `"login":"worker-b"`) {
			t.Errorf("the session on the other server: %d %s", me.Code, me.Body)
		}
	})
}

// TestLoginBehindProxy: behind a trusted load balancer, sign-ins are
// counted per client that X-Forwarded-For names, not all under the
// balancer's address; a header from anyone else changes nothing.
func TestLoginBehindProxy(t *testing.T) {
	dsn := storetest.Engines()[0].NewDSN(t)
	f := newFixture(t, dsn)
	throttle := auth.NewThrottle()
	throttle.Base = time.Minute
	h := server.New(server.Config{DB: f.db, Throttle: throttle,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16"), netip.MustParsePrefix("::1/128")}})
	via := func(peer, xff, login string) int {
		req := httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(fmt.Sprintf(`{"login":%q,"password":"wrong-password"}`, login)))
		req.Header.Set("Content-Type", "application/json")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		req.RemoteAddr = peer
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	// Client 203.0.113.5, through two trusted hops, sprays logins until its
	// address is throttled.
	for i := range throttle.Free {
		if code := via("10.9.0.1:5000", "198.51.100.7, 203.0.113.5, 10.9.3.3", fmt.Sprintf("spray-%d", i)); code != 401 {
			t.Fatalf("spray %d: %d", i, code)
		}
	}
	for _, tc := range []struct {
		name, peer, xff string
		want            int
	}{
		{"the same client through the balancer", "10.9.0.2:5000", "203.0.113.5", 429},
		{"the same client over IPv6 loopback", "[::1]:5000", "203.0.113.5", 429},
		{"another client through the balancer", "10.9.0.1:5000", "203.0.113.6", 401},
		{"the client's address forged by an untrusted peer", "192.0.2.1:5000", "203.0.113.5", 401},
		{"a forged entry left of the client", "10.9.0.1:5000", "203.0.113.5, 203.0.113.8", 401},
		{"no header from the balancer", "10.9.0.3:5000", "", 401},
		{"a malformed header", "10.9.0.4:5000", "not-an-address", 401},
	} {
		if code := via(tc.peer, tc.xff, "someone-"+tc.peer); code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.want)
		}
	}
}
