package main

// Three 'anju serve' processes on one PostgreSQL database behind a load
// balancer: what one server does, the others know.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/auth"
	"anju/internal/cases"
	"anju/internal/notify"
	"anju/internal/store"
	"anju/internal/store/storetest"
)

// postgresDSN is a fresh PostgreSQL database for a process test: skipped
// without ANJU_TEST_PG, a failure in CI.
func postgresDSN(t *testing.T) string {
	t.Helper()
	for _, e := range storetest.Engines() {
		if e.Name == "postgres" {
			return e.NewDSN(t)
		}
	}
	t.Fatal("no postgres engine")
	return ""
}

// balancer is the test's load balancer: round robin over the servers,
// skipping one that failed to answer (as a balancer's health check would),
// adding X-Forwarded-For, and counting what each server answered.
type balancer struct {
	backends []*url.URL
	down     []atomic.Bool
	served   []atomic.Int64
	next     atomic.Uint64
	// intakes hears of the intakes sent to server watch, once watch is set
	// (≥ 0), as they are sent.
	watch   atomic.Int64
	intakes chan struct{}
	proxy   *httputil.ReverseProxy
}

type backendKey struct{}

// headerBackend tells the test which server answered (or failed to).
const headerBackend = "X-Test-Backend"

// headerNoAnswer marks the balancer's own 502: the server gave no answer.
const headerNoAnswer = "X-Test-No-Answer"

func newBalancer(urls []string) *balancer {
	b := &balancer{down: make([]atomic.Bool, len(urls)), served: make([]atomic.Int64, len(urls)), intakes: make(chan struct{}, 1)}
	b.watch.Store(-1)
	for _, u := range urls {
		pu, _ := url.Parse(u)
		b.backends = append(b.backends, pu)
	}
	b.proxy = &httputil.ReverseProxy{
		Transport: &http.Transport{MaxIdleConnsPerHost: 32},
		Rewrite: func(pr *httputil.ProxyRequest) {
			i := b.pick()
			pr.SetURL(b.backends[i])
			pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
			pr.SetXForwarded()
			pr.Out = pr.Out.WithContext(context.WithValue(pr.Out.Context(), backendKey{}, i))
			if int64(i) == b.watch.Load() && pr.In.Method == "POST" && pr.In.URL.Path == "/api/v1/cases" {
				select {
				case b.intakes <- struct{}{}:
				default:
				}
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			i := resp.Request.Context().Value(backendKey{}).(int)
			b.served[i].Add(1)
			resp.Header.Set(headerBackend, strconv.Itoa(i))
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			i := r.Context().Value(backendKey{}).(int)
			b.down[i].Store(true)
			w.Header().Set(headerBackend, strconv.Itoa(i))
			w.Header().Set(headerNoAnswer, err.Error())
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	return b
}

func (b *balancer) pick() int {
	for range len(b.backends) {
		i := int(b.next.Add(1) % uint64(len(b.backends)))
		if !b.down[i].Load() {
			return i
		}
	}
	return 0
}

// answer is one request's outcome through the balancer or straight to a
// server.
type answer struct {
	status  int
	body    []byte
	backend int // -1 straight to a server
	none    bool
	resp    *http.Response
}

// call makes one request; none is set when no server answered (a network
// error, or the balancer's 502 for a server that gave none).
func call(client *http.Client, method, url, token, body string, headers ...string) answer {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		panic(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{none: true, backend: -1}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{none: true, backend: -1}
	}
	a := answer{status: resp.StatusCode, body: b, backend: -1, resp: resp}
	if s := resp.Header.Get(headerBackend); s != "" {
		a.backend, _ = strconv.Atoi(s)
	}
	a.none = resp.Header.Get(headerNoAnswer) != ""
	return a
}

// mixedLoad is sustained traffic through the balancer: intake, the
// transitions of the cases it filed, lists and searches.
type mixedLoad struct {
	client *http.Client
	base   string
	w      *benchWorkload
	users  soakUsers
	runID  string
	// killed is the server that may fail to answer (-1: none).
	killed atomic.Int64
	// fault is set while the database drops connections: a 503 with
	// Retry-After is then a right answer.
	fault       atomic.Bool
	unavailable atomic.Int64

	stop     atomic.Bool
	mu       sync.Mutex
	attempts []*intakeAttempt
	kinds    map[string]int
	errs     map[string]int
	examples map[string]string
}

func (l *mixedLoad) count(kind string) {
	l.mu.Lock()
	l.kinds[kind]++
	l.mu.Unlock()
}

// check reports whether a is want; if not, it records a as an error of
// kind unless it is no answer from the killed server, or a 503 with
// Retry-After while the database drops connections.
func (l *mixedLoad) check(kind string, a answer, want ...int) bool {
	if killed := l.killed.Load(); a.none && killed >= 0 && int64(a.backend) == killed {
		return false
	}
	if !a.none && slices.Contains(want, a.status) {
		return true
	}
	if !a.none && a.status == http.StatusServiceUnavailable && a.resp.Header.Get("Retry-After") != "" && l.fault.Load() {
		l.unavailable.Add(1)
		return false
	}
	k := fmt.Sprintf("%s %d (server %d)", kind, a.status, a.backend)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs[k]++
	if l.examples[k] == "" {
		l.examples[k] = string(a.body[:min(len(a.body), 200)])
	}
	return false
}

func (l *mixedLoad) run(c int) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(c)))
	type open struct {
		id   int64
		step int
	}
	var mine []open
	for n := 0; !l.stop.Load(); n++ {
		switch p := rng.IntN(100); {
		case p < 30 || (p < 60 && len(mine) == 0):
			body, _ := json.Marshal(l.w.intake(rng))
			at := &intakeAttempt{key: fmt.Sprintf("lb-%s-%d-%d", l.runID, c, n), body: body}
			l.count("intake")
			a := call(l.client, "POST", l.base+"/api/v1/cases", l.users.operator, string(body), "Idempotency-Key", at.key)
			if !a.none && a.status != http.StatusServiceUnavailable { // 503: not acknowledged, to be sent again
				at.status = a.status
				var got struct {
					ID int64 `json:"id"`
				}
				json.Unmarshal(a.body, &got)
				at.id = got.ID
			}
			if l.check("intake", a, http.StatusCreated) && len(mine) < 16 {
				mine = append(mine, open{id: at.id})
			}
			l.mu.Lock()
			l.attempts = append(l.attempts, at)
			l.mu.Unlock()
		case p < 60:
			oc := &mine[0]
			st := soakSteps[oc.step]
			l.count(st.action)
			a := call(l.client, "POST", l.base+"/api/v1/cases/"+strconv.FormatInt(oc.id, 10)+"/actions/"+st.action,
				st.as(l.users), st.body(l.users))
			if !l.check(st.action, a, http.StatusOK) {
				mine = mine[1:] // a step without an answer leaves the case where it is
				continue
			}
			if oc.step++; oc.step == len(soakSteps) {
				mine = mine[1:]
			}
		case p < 80:
			q := url.Values{"page_size": {"20"}}
			if st := []string{"", "submitted", "accepted", "dispatched", "in_progress", "resolved"}[rng.IntN(6)]; st != "" {
				q.Set("state", st)
			}
			l.count("list")
			l.check("list", call(l.client, "GET", l.base+"/api/v1/cases?"+q.Encode(), l.users.dispatcher, ""), http.StatusOK)
		default:
			q := url.Values{"q": {searchWords[rng.IntN(len(searchWords))]}}
			l.count("search")
			l.check("search", call(l.client, "GET", l.base+"/api/v1/search?"+q.Encode(), l.users.dispatcher, ""), http.StatusOK)
		}
	}
}

// TestThreeServers runs three 'anju serve' processes on one PostgreSQL
// database behind a round-robin balancer under sustained mixed load, and
// checks what they must share: a session opened on one is good on the
// others; failed sign-ins are counted once for all; a revoked token, a
// granted role, a new department and a renamed category reach every server
// within 2 s; when the database drops every connection (as a restart does)
// requests in flight get a retryable 503 and the servers connect again;
// every supervision step and every webhook notification happens exactly
// once; and a server killed with SIGKILL in the middle loses no
// acknowledged case.
func TestThreeServers(t *testing.T) {
	dsn := postgresDSN(t)
	bin := anjuBinary(t)
	ctx := context.Background()
	began := time.Now()
	phase := func(what string) { t.Logf("%5.1fs %s", time.Since(began).Seconds(), what) }
	keyFile := filepath.Join(t.TempDir(), "data.key")
	anjuRun(t, bin, "demo", "--no-serve", "--cases", "0", "--db", dsn, "--data-key-file", keyFile)
	phase("demo city")
	// The servers warm up while the test sets up its users. Their
	// connections carry a name of their own, so that the test can drop them.
	appName := "anju-lb-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	serverDSN, _ := url.Parse(dsn)
	q := serverDSN.Query()
	q.Set("application_name", appName)
	serverDSN.RawQuery = q.Encode()
	args := []string{"--db", serverDSN.String(), "--data-key-file", keyFile, "--scheduler-interval", "100ms",
		"--webhook-allow", "127.0.0.1", "--trusted-proxies", "127.0.0.1"}
	var srvs []*serverProc
	var urls []string
	for i := range 3 {
		p := startServer(t, bin, fmt.Sprintf("server %d", i), "127.0.0.1:"+freePort(t), args...)
		srvs = append(srvs, p)
		urls = append(urls, p.url)
	}
	loopback, _ := notify.ParseAllowList("127.0.0.1")
	sdb, err := store.Open(ctx, dsn, store.Options{WebhookAllow: loopback})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	db := sqlDB{t, sdb}
	sys := anju.SystemActor("test")
	users, err := soakTokens(ctx, sdb, "330100")
	if err != nil {
		t.Fatal(err)
	}
	adminTok, err := sdb.CreateAPIToken(ctx, sys, "admin", "test")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sdb.ActorByToken(ctx, adminTok)
	if err != nil {
		t.Fatal(err)
	}
	w, err := workloadFromDB(ctx, sdb, "330100")
	if err != nil {
		t.Fatal(err)
	}
	// A webhook for every event.
	var hookMu sync.Mutex
	deliveries := map[string]int{} // outbox id → times received
	hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hookMu.Lock()
		deliveries[r.Header.Get(notify.HeaderDelivery)]++
		hookMu.Unlock()
	}))
	defer hook.Close()
	if _, err := sdb.SaveSubscription(ctx, admin, store.Subscription{Channel: "webhook", Target: hook.URL + "/hook",
		Secret: "0123456789abcdef0123"}); err != nil {
		t.Fatal(err)
	}
	// A user who signs in, whose password is guessed, and whose credentials
	// change while the servers hold them (its password hash is a cheap one,
	// so that the guesses take no seconds).
	probeHash, _ := auth.HashPassword("probe-password", auth.Params{Memory: 1024, Time: 1, Threads: 1})
	if _, err := sdb.CreateUser(ctx, sys, store.NewUser{City: "330100", Login: "probe", Name: "probe", PasswordHash: probeHash,
		Grant: &anju.Grant{Role: anju.RoleOperator, Region: "330100"}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range urls {
		waitReady(t, u)
	}
	phase("three servers ready")
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer client.CloseIdleConnections()

	// Work for the schedulers: overdue cases, filed through a server (the
	// test's own process need not load the segmenter). And a case per
	// server to dispatch to a department made during the run.
	file := func(nc store.NewCase, key string) int64 {
		body, _ := json.Marshal(nc)
		a := call(client, "POST", urls[0]+"/api/v1/cases", users.operator, string(body), "Idempotency-Key", key)
		var c struct {
			ID int64 `json:"id"`
		}
		if json.Unmarshal(a.body, &c); a.status != http.StatusCreated || c.ID == 0 {
			t.Fatalf("intake %s: %d %s", key, a.status, a.body)
		}
		return c.ID
	}
	act := func(id int64, action cases.Action, department string) {
		as, body := users.operator, ""
		if department != "" {
			as, body = users.dispatcher, `{"department":"`+department+`"}`
		}
		if a := call(client, "POST", fmt.Sprintf("%s/api/v1/cases/%d/actions/%s", urls[0], id, action), as, body); a.status != http.StatusOK {
			t.Fatalf("%s case %d: %d %s", action, id, a.status, a.body)
		}
	}
	overdue, overdueIn := overdueCases(t, db, w, 30, file, act)
	rng := rand.New(rand.NewPCG(3, 4))
	var waiting []int64
	for i := range 3 {
		nc := w.intake(rng)
		nc.Reporter.Name, nc.Reporter.Phone, nc.Reporter.Anonymous = "", "", true
		id := file(nc, fmt.Sprintf("wait-%d", i))
		act(id, cases.ActionAccept, "")
		waiting = append(waiting, id)
	}
	phase("cases filed")

	lb := newBalancer(urls)
	front := httptest.NewServer(lb.proxy)
	defer front.Close()

	load := &mixedLoad{client: client, base: front.URL, w: w, users: users, runID: strconv.FormatInt(time.Now().UnixNano(), 36),
		kinds: map[string]int{}, errs: map[string]int{}, examples: map[string]string{}}
	load.killed.Store(-1)
	var wg sync.WaitGroup
	loadStart := time.Now()
	for c := range 6 {
		wg.Go(func() { load.run(c) })
	}
	stopLoad := func() {
		load.stop.Store(true)
		wg.Wait()
	}
	defer stopLoad()

	// A session opened on one server is good on the others.
	login := call(client, "POST", urls[0]+"/api/v1/session", "", `{"login":"probe","password":"probe-password"}`)
	if login.status != http.StatusOK {
		t.Fatalf("sign-in on server 0: %d %s", login.status, login.body)
	}
	var cookie []string
	for _, c := range login.resp.Cookies() {
		cookie = append(cookie, c.Name+"="+c.Value)
	}
	for i, u := range urls {
		if a := call(client, "GET", u+"/api/v1/me", "", "", "Cookie", strings.Join(cookie, "; ")); a.status != http.StatusOK ||
			!strings.Contains(string(a.body), `"login":"probe"`) {
			t.Errorf("server %d with a session opened on server 0: %d %s", i, a.status, a.body)
		}
	}

	phase("sessions")
	// Failed sign-ins count once for all servers: the free attempts pass
	// wherever the balancer sends them, then each server refuses. Were
	// the counts each server's own, 3 × Free would pass first.
	free := auth.NewThrottle().Free
	guess := func(base string) answer {
		return call(client, "POST", base+"/api/v1/session", "", `{"login":"probe","password":"a-wrong-guess"}`,
			"X-Forwarded-For", "203.0.113.77")
	}
	passed, answeredBy := 0, map[int]bool{}
	for a := guess(front.URL); a.status != http.StatusTooManyRequests; a = guess(front.URL) {
		if a.status != http.StatusUnauthorized || passed > 3*free {
			t.Fatalf("guess %d through the balancer: %d %s", passed+1, a.status, a.body)
		}
		passed++
		answeredBy[a.backend] = true
	}
	for i, u := range urls {
		a := guess(u)
		for ; a.status == http.StatusUnauthorized && passed < 3*free; a = guess(u) {
			passed++ // the wait ran out before this server was asked: another failure, a longer wait
		}
		if a.status != http.StatusTooManyRequests || !strings.Contains(string(a.body), "too many failed sign-ins") || a.resp.Header.Get("Retry-After") == "" {
			t.Errorf("server %d after the balancer's refusal: %d %s", i, a.status, a.body)
		}
	}
	if passed < free || passed >= 3*free {
		t.Errorf("%d wrong passwords evaluated before every server refused, want %d (at most %d with waits run out)", passed, free, 3*free-1)
	}
	t.Logf("sign-in guesses: %d evaluated (free: %d), answered by servers %v, then refused by all three", passed, free, answeredBy)

	phase("throttle")
	// Changes made through one server reach the others within 2 s. Each
	// server is asked first, so that it holds the old state; the change is
	// made through one of them; then each is asked until it tells the new.
	reach := func(what string, prime func(i int, u string), change func() error, changed func(i int, u string) bool) {
		t.Helper()
		for i, u := range urls {
			prime(i, u)
		}
		if err := change(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		made := time.Now()
		took := make([]time.Duration, len(urls))
		var pw sync.WaitGroup
		for i, u := range urls {
			pw.Go(func() {
				for !changed(i, u) {
					if time.Since(made) > 2*time.Second {
						t.Errorf("%s: server %d still shows the old state 2 s later", what, i)
						took[i] = -1
						return
					}
					time.Sleep(10 * time.Millisecond)
				}
				took[i] = time.Since(made)
			})
		}
		pw.Wait()
		t.Logf("%s reached servers 0, 1, 2 after %v", what, took)
	}
	status := func(method, u, token, body string) int { return call(client, method, u, token, body).status }
	expect := func(what string, got, want int) {
		if got != want {
			t.Fatalf("%s: %d, want %d", what, got, want)
		}
	}

	tok, info, err := sdb.IssueAPIToken(ctx, sys, "probe", store.NewAPIToken{Name: "revoked"})
	if err != nil {
		t.Fatal(err)
	}
	reach("a token revoked on server 0",
		func(i int, u string) { expect("probe's token", status("GET", u+"/api/v1/me", tok, ""), http.StatusOK) },
		func() error {
			expect("revoke", status("DELETE", fmt.Sprintf("%s/api/v1/users/probe/tokens/%d", urls[0], info.ID), adminTok, ""), http.StatusNoContent)
			return nil
		},
		func(i int, u string) bool { return status("GET", u+"/api/v1/me", tok, "") == http.StatusUnauthorized })

	tok, _, err = sdb.IssueAPIToken(ctx, sys, "probe", store.NewAPIToken{Name: "granted"})
	if err != nil {
		t.Fatal(err)
	}
	reach("an administrator's role granted on server 1",
		func(i int, u string) {
			expect("the user list to an operator", status("GET", u+"/api/v1/users", tok, ""), http.StatusForbidden)
		},
		func() error {
			expect("grant", status("POST", urls[1]+"/api/v1/users/probe/grants", adminTok, `{"role":"admin","region":"330100"}`), http.StatusCreated)
			return nil
		},
		func(i int, u string) bool { return status("GET", u+"/api/v1/users", tok, "") == http.StatusOK })

	dispatchTo := func(i int, u string) int {
		return status("POST", fmt.Sprintf("%s/api/v1/cases/%d/actions/dispatch", u, waiting[i]), users.dispatcher, `{"department":"330100-lb"}`)
	}
	reach("a department created on server 2",
		func(i int, u string) {
			expect("dispatch to a department not yet made", dispatchTo(i, u), http.StatusBadRequest)
		},
		func() error {
			expect("new department", status("PUT", urls[2]+"/api/v1/departments/330100-lb", adminTok,
				`{"name":"负载均衡测试科","region":"330100","categories":["`+w.categories[0]+`"]}`), http.StatusOK)
			return nil
		},
		func(i int, u string) bool { return dispatchTo(i, u) == http.StatusOK })

	tree, err := sdb.Taxonomy(ctx, "330100")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := tree.Get(w.categories[1])
	if err != nil {
		t.Fatal(err)
	}
	cat.Name = "多服务器改名测试"
	catBody, _ := json.Marshal(cat)
	categories := func(u string) string {
		return string(call(client, "GET", u+"/api/v1/categories", users.dispatcher, "").body)
	}
	reach("a category renamed on server 0",
		func(i int, u string) {
			if strings.Contains(categories(u), cat.Name) {
				t.Fatalf("server %d shows the new name before the change", i)
			}
		},
		func() error {
			expect("rename", status("PUT", urls[0]+"/api/v1/categories/"+cat.Code, adminTok, string(catBody)), http.StatusOK)
			return nil
		},
		func(i int, u string) bool { return strings.Contains(categories(u), cat.Name) })

	phase("changes")
	// The database drops every connection of the servers, as a restart of
	// PostgreSQL does: requests then in flight may be answered 503 with
	// Retry-After (intakes are sent again at the end), never 500, and the
	// servers connect again.
	for time.Since(loadStart) < 3*time.Second {
		time.Sleep(50 * time.Millisecond)
	}
	load.fault.Store(true)
	dropped := db.int(`SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?) t`, appName)
	time.Sleep(time.Second)
	load.fault.Store(false)
	before := lb.served[0].Load() + lb.served[2].Load()
	time.Sleep(time.Second)
	if after := lb.served[0].Load() + lb.served[2].Load(); after-before < 5 {
		t.Errorf("%d answers in the second after the database dropped %d connections", after-before, dropped)
	}
	t.Logf("the database dropped the servers' %d connections: %d requests answered 503, then served again", dropped, load.unavailable.Load())
	phase("connections dropped")

	// SIGKILL one server while an intake is on its way to it, once the
	// load has run for 6 s.
	for time.Since(loadStart) < 6*time.Second {
		time.Sleep(50 * time.Millisecond)
	}
	const victim = 1
	lb.watch.Store(victim)
	select {
	case <-lb.intakes:
	case <-time.After(5 * time.Second):
		t.Fatal("no intake reached the server to kill within 5 s")
	}
	load.killed.Store(victim)
	srvs[victim].cmd.Process.Signal(syscall.SIGKILL)
	<-srvs[victim].done
	killedAt := time.Now()
	for time.Since(killedAt) < 2*time.Second && !t.Failed() {
		time.Sleep(50 * time.Millisecond)
	}
	stopLoad()
	for i := range srvs {
		if n := lb.served[i].Load(); n < 10 {
			t.Errorf("server %d answered only %d requests", i, n)
		}
	}
	t.Logf("load: %v; answers by server %d, %d, %d", load.kinds, lb.served[0].Load(), lb.served[1].Load(), lb.served[2].Load())
	if len(load.errs) > 0 {
		for k, n := range load.errs {
			t.Errorf("%d × %s: %s", n, k, load.examples[k])
		}
	}

	phase("load stopped")
	// Every intake without an answer is tried again with its key and body
	// through the balancer: one stored before the kill answers 200.
	var acked, retried int
	for _, a := range load.attempts {
		if a.status != 0 {
			acked++
			continue
		}
		retried++
		status, id, resp, err := postCase(client, front.URL, users.operator, a)
		if err != nil || (status != http.StatusCreated && status != http.StatusOK) || id == 0 {
			t.Fatalf("retry of %s: %d %v %s", a.key, status, err, resp)
		}
		a.status, a.id = status, id
	}
	t.Logf("%d intakes acknowledged, %d without an answer tried again", acked, retried)
	like := "lb-" + load.runID + "-%"
	db.answersMatchKeys(like, load.attempts)
	if n := db.int(`SELECT COUNT(DISTINCT case_id) FROM idempotency_keys WHERE key LIKE ?`, like); n != int64(len(load.attempts)) {
		t.Errorf("%d distinct cases for %d intakes", n, len(load.attempts))
	}
	if n := db.int(`SELECT COUNT(*) FROM case_events e JOIN idempotency_keys k ON k.case_id = e.case_id
		WHERE k.key LIKE ? AND e.action = 'submit'`, like); n != int64(len(load.attempts)) {
		t.Errorf("%d submit events for %d intakes", n, len(load.attempts))
	}

	phase("intakes checked")
	// Every supervision step once, on the two servers left.
	waitSupervised(t, db, overdueIn, len(overdue))
	supervisedOnce(t, db, overdue, overdueIn, "three servers, one killed")

	phase("supervision checked")
	// Every webhook notification delivered once. The killed server, and a
	// server whose connection was dropped, may have claimed a batch they
	// never marked: those wait for their lease to end and may have reached
	// the receiver once already.
	pending := `SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND status = 'pending' AND locked_until < ?`
	deadline := time.Now().Add(20 * time.Second)
	for db.int(pending, time.Now().UnixMicro()) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d webhook notifications still pending after 20 s", db.int(pending, time.Now().UnixMicro()))
		}
		time.Sleep(100 * time.Millisecond)
	}
	phase("outbox drained")
	for i, s := range srvs {
		if i != victim {
			s.stop()
		}
	}
	phase("servers stopped")
	orows, err := sdb.SQL().Query(`SELECT id, status FROM outbox WHERE channel = 'webhook'`)
	if err != nil {
		t.Fatal(err)
	}
	hookMu.Lock()
	sent, leased := 0, 0
	for orows.Next() {
		var id int64
		var st string
		if err := orows.Scan(&id, &st); err != nil {
			t.Fatal(err)
		}
		n := deliveries[strconv.FormatInt(id, 10)]
		switch {
		case st == "sent" && n == 1:
			sent++
		case st == "pending" && n <= 1:
			leased++
		default:
			t.Errorf("webhook notification %d is %s and was received %d times", id, st, n)
		}
	}
	hookMu.Unlock()
	orows.Close()
	if leased > 4*50 {
		t.Errorf("%d notifications held by a lease, more than a claim of 50 by each server the database cut off and the killed one", leased)
	}
	if sent < len(load.attempts) {
		t.Errorf("%d webhook notifications sent for %d intakes and their transitions", sent, len(load.attempts))
	}
	t.Logf("webhook notifications: %d sent once each, %d held by a lease", sent, leased)
}
