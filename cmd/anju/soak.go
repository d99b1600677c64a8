package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"anju/internal/anju"
	"anju/internal/demo"
	"anju/internal/store"
)

// soakConfig is a parsed 'bench soak' invocation.
type soakConfig struct {
	clients        int
	duration       time.Duration
	sample         time.Duration
	loginEvery     time.Duration
	cases          int
	addr           string
	rssSlackMB     float64
	goroutineSlack int
}

// soakUsers are the demo staff the soak acts as: an operator files and
// accepts, the city dispatcher dispatches to one city bureau, whose handler
// starts and resolves; logins go through the operators' passwords.
type soakUsers struct {
	operator, dispatcher, handler string // API tokens
	department                    string
}

func runBenchSoak(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("bench soak", env)
	af := addAppFlags(fs, env)
	var cfg soakConfig
	fs.IntVar(&cfg.clients, "clients", 8, "concurrent clients")
	fs.DurationVar(&cfg.duration, "duration", 30*time.Minute, "how long the traffic runs")
	fs.DurationVar(&cfg.sample, "sample", 10*time.Second, "time between samples")
	fs.DurationVar(&cfg.loginEvery, "login-every", 10*time.Second, "time between one client's sign-ins")
	fs.IntVar(&cfg.cases, "cases", 2000, "cases of history to generate in a new demo city")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:0", "loopback address the in-process server listens on")
	fs.Float64Var(&cfg.rssSlackMB, "rss-slack", 64, "MB the anonymous resident set may grow past 1.5× its size after warm-up")
	fs.IntVar(&cfg.goroutineSlack, "goroutine-slack", 50, "goroutines that may be added after warm-up")
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	switch {
	case cfg.clients < 1 || cfg.clients > 256:
		return usageError("bench soak: --clients must be between 1 and 256")
	case cfg.duration <= 0 || cfg.duration > 24*time.Hour:
		return usageError("bench soak: --duration must be positive and at most 24h")
	case cfg.sample < 100*time.Millisecond || cfg.sample > cfg.duration:
		return usageError("bench soak: --sample must be at least 100ms and at most --duration")
	case cfg.loginEvery < 100*time.Millisecond:
		return usageError("bench soak: --login-every must be at least 100ms")
	case cfg.cases < 0 || cfg.cases > 1_000_000:
		return usageError("bench soak: --cases must be between 0 and 1000000")
	case cfg.rssSlackMB < 0 || cfg.goroutineSlack < 0:
		return usageError("bench soak: --rss-slack and --goroutine-slack must not be negative")
	}
	if !loopback(cfg.addr) {
		return usageError("bench soak: --addr must be a loopback address such as 127.0.0.1:0; the soak sends traffic only to this machine")
	}

	db, closeDB, err := openBenchDB(ctx, env, af, flagGiven(fs, "db"))
	if err != nil {
		return err
	}
	defer closeDB()
	sum, err := demo.Ensure(ctx, db, 1)
	if err != nil {
		return fmt.Errorf("demo city: %w", err)
	}
	if n, err := db.CountCases(ctx, sum.City); err != nil {
		return err
	} else if n == 0 && cfg.cases > 0 {
		cs, err := demo.Populate(ctx, db, demo.CaseOptions{Cases: cfg.cases, Seed: 1})
		if err != nil {
			return fmt.Errorf("demo cases: %w", err)
		}
		// The history's cases: the requests and those its other kinds
		// opened (petitions); ByState counts every case of the city.
		history := 0
		for _, n := range cs.ByState {
			history += n
		}
		fmt.Fprintf(env.stdout, "filed %d cases of history in %.1fs\n", history, cs.Elapsed.Seconds())
	}
	w, err := workloadFromDB(ctx, db, sum.City)
	if err != nil {
		return err
	}
	users, err := soakTokens(ctx, db, sum.City)
	if err != nil {
		return err
	}
	target, stop, err := serveInProcess(ctx, env, db, cfg.addr)
	if err != nil {
		return err
	}
	defer stop()

	walPath := ""
	if p, ok := strings.CutPrefix(*af.db, "sqlite:"); ok {
		walPath = p + "-wal"
	}
	fmt.Fprintf(env.stdout, "soak: %s, %d clients, %s, %s, sample every %s, warm-up %s\n",
		target, cfg.clients, cfg.duration, db.Engine(), cfg.sample, cfg.duration/10)
	res := soak(ctx, env.stdout, cfg, target, w, users, walPath)
	fmt.Fprintf(env.stdout, "  %d requests, %.1f/s; by kind: %s\n", res.requests, float64(res.requests)/res.elapsed.Seconds(), res.byKind())
	fmt.Fprintf(env.stdout, "  errors: %s\n", res.errorSummary())
	fmt.Fprintf(env.stdout, "soak: duration=%s requests=%d errors=%d rss_mb_start=%.1f rss_mb_end=%.1f rss_mb_max=%.1f anon_mb_start=%.1f anon_mb_end=%.1f goroutines_start=%d goroutines_end=%d wal_mb_max=%.1f\n",
		res.elapsed.Round(time.Second), res.requests, res.errors, res.start.rssMB, res.end.rssMB, res.maxRSSMB, res.start.anonMB, res.end.anonMB,
		res.start.goroutines, res.end.goroutines, res.maxWALMB)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return res.verdict(cfg)
}

func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			given = true
		}
	})
	return given
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// soakTokens issues the soak's API tokens to demo staff.
func soakTokens(ctx context.Context, db *store.DB, city string) (soakUsers, error) {
	sys := anju.SystemActor("bench")
	u := soakUsers{department: city + "-cgj"}
	if _, err := db.GetDepartment(ctx, sys, u.department); err != nil {
		return u, fmt.Errorf("bench soak: the demo's city bureau %s: %w", u.department, err)
	}
	for _, x := range []struct {
		login string
		dst   *string
	}{{"operator01", &u.operator}, {"dispatcher", &u.dispatcher}, {"h-" + u.department, &u.handler}} {
		tok, err := db.CreateAPIToken(ctx, sys, x.login, "soak")
		if err != nil {
			return u, fmt.Errorf("bench soak: token for %s: %w", x.login, err)
		}
		*x.dst = tok
	}
	return u, nil
}

// soakSample is one measurement of the process serving the soak.
type soakSample struct {
	at         time.Duration
	rssMB      float64
	anonMB     float64
	heapMB     float64
	goroutines int
	walMB      float64
	requests   int64
	errors     int64
}

// soakResult is a whole run.
type soakResult struct {
	elapsed            time.Duration
	requests, errors   int64
	samples            []soakSample
	start, end         soakSample // peaks of the tenth after the warm-up and of the last tenth
	maxRSSMB, maxWALMB float64
	kinds              map[string]int64
	errs               map[string]int64
	examples           map[string]string
}

// summarize finds the start and the end of a run whose warm-up is its first
// tenth, warm. Memory and goroutines go up and down with every collection and
// every request in flight, so that one sample can fall on a trough and the
// next on a crest: start is the peak of the samples in the tenth after the
// warm-up and end the peak of the last tenth, two windows of equal length.
func (r *soakResult) summarize(warm time.Duration) {
	if len(r.samples) == 0 {
		return
	}
	last := r.samples[len(r.samples)-1]
	peak := func(from, to time.Duration) soakSample {
		var p soakSample
		found := false
		for _, sm := range r.samples {
			if sm.at >= from && sm.at < to {
				p.rssMB, p.anonMB, p.heapMB = max(p.rssMB, sm.rssMB), max(p.anonMB, sm.anonMB), max(p.heapMB, sm.heapMB)
				p.goroutines, p.walMB = max(p.goroutines, sm.goroutines), max(p.walMB, sm.walMB)
				found = true
			}
		}
		if !found {
			// A window without a sample (a short run): the first sample
			// after it began, else the last one.
			for _, sm := range r.samples {
				if sm.at >= from {
					return sm
				}
			}
			return last
		}
		return p
	}
	r.start = peak(warm, 2*warm)
	r.end = peak(last.at-warm, last.at+1)
	for _, sm := range r.samples {
		r.maxRSSMB, r.maxWALMB = max(r.maxRSSMB, sm.rssMB), max(r.maxWALMB, sm.walMB)
	}
}

// verdict fails the run on any error and on growth after the warm-up
// beyond the slack: the anonymous resident set past 1.5× plus rss-slack MB, the
// goroutines past goroutine-slack more.
func (r *soakResult) verdict(cfg soakConfig) error {
	var why []string
	if r.errors > 0 {
		why = append(why, fmt.Sprintf("%d errors", r.errors))
	}
	// The rule reads the anonymous part of the resident set, the memory
	// the process allocated. VmRSS also counts the database file's pages
	// once per mapping, and each pooled SQLite connection maps the file
	// (mmap_size): it grows with the database and with the connections that
	// have read it, without a byte allocated. Measured over 30 minutes of
	// the soak: VmRSS 821 → 1,391 MB while RssAnon stayed 445–690 MB.
	if limit := 1.5*r.start.anonMB + cfg.rssSlackMB; r.end.anonMB > limit {
		why = append(why, fmt.Sprintf("resident memory (anonymous) grew from %.1f MB to %.1f MB (limit %.1f)", r.start.anonMB, r.end.anonMB, limit))
	}
	if limit := r.start.goroutines + cfg.goroutineSlack; r.end.goroutines > limit {
		why = append(why, fmt.Sprintf("goroutines grew from %d to %d (limit %d)", r.start.goroutines, r.end.goroutines, limit))
	}
	if len(why) > 0 {
		return fmt.Errorf("bench soak failed: %s", strings.Join(why, "; "))
	}
	return nil
}

func (r *soakResult) byKind() string { return countSummary(r.kinds, nil) }

func (r *soakResult) errorSummary() string {
	if len(r.errs) == 0 {
		return "none"
	}
	return countSummary(r.errs, r.examples)
}

func countSummary(m map[string]int64, examples map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		p := fmt.Sprintf("%s×%d", k, m[k])
		if ex := examples[k]; ex != "" {
			p += " (" + ex + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// soaker drives the traffic and counts it.
type soaker struct {
	client   *http.Client
	base     string
	w        *benchWorkload
	users    soakUsers
	requests atomic.Int64
	errors   atomic.Int64

	mu       sync.Mutex
	kinds    map[string]int64
	errs     map[string]int64
	examples map[string]string
}

// soakCase is a case a client filed and moves through its workflow.
type soakCase struct {
	id   int64
	step int // the next of soakSteps
}

var soakSteps = []struct {
	action string
	as     func(u soakUsers) string
	body   func(u soakUsers) string
}{
	{"accept", func(u soakUsers) string { return u.operator }, func(soakUsers) string { return "" }},
	{"dispatch", func(u soakUsers) string { return u.dispatcher }, func(u soakUsers) string { return `{"department":"` + u.department + `","note":"请尽快处理"}` }},
	{"start", func(u soakUsers) string { return u.handler }, func(soakUsers) string { return "" }},
	{"resolve", func(u soakUsers) string { return u.handler }, func(soakUsers) string { return `{"result":"已到现场处理完毕"}` }},
}

// soak runs cfg.clients clients until the duration ends and samples the
// process every cfg.sample. Every loop ends at the deadline.
func soak(ctx context.Context, out io.Writer, cfg soakConfig, base string, w *benchWorkload, users soakUsers, walPath string) *soakResult {
	client, closeClient := newBenchClient(cfg.clients)
	defer closeClient()
	s := &soaker{client: client, base: base, w: w, users: users,
		kinds: map[string]int64{}, errs: map[string]int64{}, examples: map[string]string{}}
	// Hard stop: nothing outlives the duration by more than a request timeout.
	ctx, cancel := context.WithTimeout(ctx, cfg.duration+35*time.Second)
	defer cancel()
	start := time.Now()
	end := start.Add(cfg.duration)
	runID := strconv.FormatInt(start.UnixNano(), 36)
	var wg sync.WaitGroup
	for c := range cfg.clients {
		wg.Go(func() { s.client1(ctx, c, cfg, start, end, runID) })
	}

	res := &soakResult{}
	take := func() {
		sm := sampleProcess(walPath)
		sm.at, sm.requests, sm.errors = time.Since(start), s.requests.Load(), s.errors.Load()
		res.samples = append(res.samples, sm)
		fmt.Fprintf(out, "  %6s requests=%d errors=%d rss_mb=%.1f anon_mb=%.1f heap_mb=%.1f goroutines=%d wal_mb=%.1f\n",
			sm.at.Round(min(time.Second, cfg.sample/5)), sm.requests, sm.errors, sm.rssMB, sm.anonMB, sm.heapMB, sm.goroutines, sm.walMB)
	}
	tick := time.NewTicker(cfg.sample)
	defer tick.Stop()
	timer := time.NewTimer(time.Until(end))
	defer timer.Stop()
loop:
	for {
		select {
		case <-tick.C:
			take()
		case <-timer.C:
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	// The last sample is taken while the clients are still at work, like
	// the others, so that all compare the same load.
	take()
	res.summarize(cfg.duration / 10)
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests, res.errors = s.requests.Load(), s.errors.Load()
	res.kinds, res.errs, res.examples = s.kinds, s.errs, s.examples
	return res
}

// client1 is one client: a mix of intake, transitions of the cases it
// filed, lists, searches and case pages, and a sign-in every loginEvery.
func (s *soaker) client1(ctx context.Context, c int, cfg soakConfig, start, end time.Time, runID string) {
	rng := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(c)))
	var open []soakCase // cases this client moves along, oldest first
	var seen []int64    // recent cases for case pages, a ring
	nextLogin := start.Add(time.Duration(rng.Int64N(int64(cfg.loginEvery))))
	login := fmt.Sprintf("operator%02d", c%12+1)
	for n := 0; ctx.Err() == nil && time.Now().Before(end); n++ {
		if time.Now().After(nextLogin) {
			s.login(ctx, login)
			nextLogin = nextLogin.Add(cfg.loginEvery)
			continue
		}
		switch p := rng.IntN(100); {
		case p < 12 || (p < 50 && len(open) == 0):
			body, _ := json.Marshal(s.w.intake(rng))
			var got struct {
				ID int64 `json:"id"`
			}
			if s.call(ctx, "intake", "POST", "/api/v1/cases", s.users.operator, string(body), http.StatusCreated, &got,
				"Idempotency-Key", "soak-"+runID+"-"+strconv.Itoa(c)+"-"+strconv.Itoa(n)) && got.ID > 0 {
				if len(open) < 32 {
					open = append(open, soakCase{id: got.ID})
				}
				if len(seen) < 64 {
					seen = append(seen, got.ID)
				} else {
					seen[n%64] = got.ID
				}
			}
		case p < 50:
			sc := &open[0]
			st := soakSteps[sc.step]
			path := "/api/v1/cases/" + strconv.FormatInt(sc.id, 10) + "/actions/" + st.action
			if !s.call(ctx, st.action, "POST", path, st.as(s.users), st.body(s.users), http.StatusOK, nil) {
				open = open[1:] // a case that failed a step is left where it is
				continue
			}
			if sc.step++; sc.step == len(soakSteps) {
				open = open[1:]
			}
		case p < 65:
			q := url.Values{"page_size": {"20"}}
			if st := []string{"", "submitted", "accepted", "dispatched", "in_progress", "resolved", "closed"}[rng.IntN(7)]; st != "" {
				q.Set("state", st)
			}
			if rng.IntN(3) == 0 {
				q.Set("category", s.w.categories[rng.IntN(len(s.w.categories))])
			}
			// One to three pages, each after the one before, as a user
			// reads a list (lists page by key: there is no page=2).
			for range 1 + rng.IntN(3) {
				var page struct {
					Next string `json:"next"`
				}
				if !s.call(ctx, "list", "GET", "/api/v1/cases?"+q.Encode(), s.users.dispatcher, "", http.StatusOK, &page) || page.Next == "" {
					break
				}
				q.Set("before", page.Next)
			}
		case p < 80:
			q := url.Values{"q": {searchWords[rng.IntN(len(searchWords))]}}
			if rng.IntN(2) == 0 {
				q.Set("sort", "time")
			}
			s.call(ctx, "search", "GET", "/api/v1/search?"+q.Encode(), s.users.dispatcher, "", http.StatusOK, nil)
		default:
			if len(seen) == 0 {
				s.call(ctx, "list", "GET", "/api/v1/cases", s.users.dispatcher, "", http.StatusOK, nil)
				continue
			}
			id := strconv.FormatInt(seen[rng.IntN(len(seen))], 10)
			s.call(ctx, "case", "GET", "/api/v1/cases/"+id, s.users.dispatcher, "", http.StatusOK, nil)
			s.call(ctx, "history", "GET", "/api/v1/cases/"+id+"/history", s.users.dispatcher, "", http.StatusOK, nil)
		}
	}
}

// login signs in with a password, reads /me with the session cookie and
// signs out, as a browser user does.
func (s *soaker) login(ctx context.Context, login string) {
	body, _ := json.Marshal(map[string]string{"login": login, "password": demo.Password})
	resp, ok := s.send(ctx, "login", "POST", "/api/v1/session", "", string(body), http.StatusOK, nil)
	if !ok {
		return
	}
	var cookie []string
	for _, c := range resp.Cookies() {
		cookie = append(cookie, c.Name+"="+c.Value)
	}
	h := []string{"Cookie", strings.Join(cookie, "; ")}
	s.send(ctx, "me", "GET", "/api/v1/me", "", "", http.StatusOK, nil, h...)
	s.send(ctx, "logout", "DELETE", "/api/v1/session", "", "", http.StatusNoContent, nil, h...)
}

func (s *soaker) call(ctx context.Context, kind, method, path, token, body string, want int, into any, headers ...string) bool {
	_, ok := s.send(ctx, kind, method, path, token, body, want, into, headers...)
	return ok
}

// send makes one request and counts it under kind; an answer other than
// want is an error of that kind, kept with its first message.
func (s *soaker) send(ctx context.Context, kind, method, path, token, body string, want int, into any, headers ...string) (*http.Response, bool) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		s.fail(kind, "request", err.Error())
		return nil, false
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
	s.requests.Add(1)
	s.mu.Lock()
	s.kinds[kind]++
	s.mu.Unlock()
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			s.fail(kind, "no-answer", err.Error())
		}
		return nil, false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		s.fail(kind, "read", err.Error())
		return resp, false
	}
	if resp.StatusCode != want {
		s.fail(kind, strconv.Itoa(resp.StatusCode), string(bytes.TrimSpace(b)))
		return resp, false
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			s.fail(kind, "json", err.Error())
			return resp, false
		}
	}
	return resp, true
}

func (s *soaker) fail(kind, what, msg string) {
	s.errors.Add(1)
	k := kind + " " + what
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs[k]++
	if s.examples[k] == "" {
		s.examples[k] = msg
	}
}

// sampleProcess measures this process, which serves the soak in-process:
// its resident set (VmRSS, Linux), heap in use, goroutines, and the size of
// the SQLite write-ahead log.
func sampleProcess(walPath string) soakSample {
	var sm soakSample
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	sm.heapMB = float64(ms.HeapInuse) / (1 << 20)
	sm.goroutines = runtime.NumGoroutine()
	rss, anon := procMemory()
	sm.rssMB, sm.anonMB = float64(rss)/(1<<20), float64(anon)/(1<<20)
	if walPath != "" {
		if fi, err := os.Stat(walPath); err == nil {
			sm.walMB = float64(fi.Size()) / (1 << 20)
		}
	}
	return sm
}

// procMemory reads the process's resident set from /proc/self/status
// (Linux; zeros elsewhere): all of it (VmRSS) and its anonymous part
// (RssAnon: heap, stacks), which leaves out the database file that SQLite
// maps into memory and the kernel can drop at will.
func procMemory() (rss, anon int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		switch name {
		case "VmRSS":
			rss = kb << 10
		case "RssAnon":
			anon = kb << 10
		}
	}
	return rss, anon
}
