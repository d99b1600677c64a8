package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"anju/internal/anju"
	"anju/internal/demo"
	"anju/internal/personal"
	"anju/internal/region"
	"anju/internal/store"
	"anju/internal/taxonomy"
)

func init() {
	register(command{
		name:    "bench",
		summary: "measure intake throughput and latency, and search and figures latency at scale",
		usage: `Usage: anju bench intake [--db DSN] [--url URL --token TOKEN] [--clients N] [--duration D] [--rate R]
       anju bench search [--db DSN] [--cases N] [--queries Q]
       anju bench soak [--db DSN] [--duration D] [--clients N] [--addr HOST:PORT]
       anju bench pages [--db DSN] [--runs N]
       anju bench figures [--db DSN] [--cases N] [--runs N] [--cpuprofile F]
       anju bench reads [--db DSN] [--cases N] [--runs N]

bench reads: grows the demo city in DSN to N cases (default 2,000,000) as
bench search grows it, then times --runs times each (default 40, after one
untimed run) the reads people wait on, each through the store call its
handler makes with the same actors (the demo's city-wide dispatcher and a
grid worker of the city's first street) and the JSON encoding of its
answer: the case list newest first and by deadline, the queue counts and
every queue each of them sees, page 50 of each list reached by following
its cursor; the dispatcher's list filtered by an open and a closed state,
overdue, a department, a street and the text field; a case page (the case,
its history and its similar cases) of the newest case and a rated one;
search by relevance and by time for a common word, a category's word and
two rare ones; hotspots, warnings, the figures bench figures times, and
the dashboard as it opens (30 days) for the demo's first district and
street dispatcher, a street's mediator, a city department's handler and
the street's grid worker. One line per read with p50, p95 and p99; last line:
  cases=… p95_ms_max=… slowest=…

bench figures: on the demo city in DSN, grown first to --cases N cases as
bench search grows it (default 0: as it is), times --runs times each
(default 20) the figures as a city-wide dispatcher's pages ask for them: the
whole city's dashboard over the last 365 days (every figure for it, the 365
days before and the same days a year earlier, and its split by month,
category, department and region), the figures alone, a district's grid map
(choropleth) over 30 days and over the year, and the year's trend by day;
p50 and p95 of each. Last line:
  cases=… dashboard_p50_ms=… dashboard_p95_ms=… choropleth_p50_ms=… choropleth_p95_ms=…

bench pages: on the demo city in DSN (fill it with 'anju demo' first), times
the workbench's reads --runs times each (default 40) and prints p50 and p95
of each: the city-wide dispatcher's case list, a street grid worker's, a
page deep in the list by key, lists that few cases match
(petitions, returned cases, a full-text filter), and for the city
dispatcher, a street grid worker, an operator and a city department's
handler the queue counts and the first page of every queue they see. Each
time is the store's answer and its JSON encoding, what the server spends on
the request apart from authentication. Then, through the whole server
handler: the rendered workbench (GET /work) beside the JSON list of the same
query, the case page of the newest case and of a rated one beside the API's
history, and the resident's report form. Last line:
  cases=… pages=… worst_p95_ms=…

bench soak: serves DSN in-process (default a fresh SQLite file; the demo
city is created there if missing, with --cases N cases of history, default
2000) on a loopback address (--addr, default 127.0.0.1:0) and drives mixed
traffic from N clients (default 8) for D (default 30m): intake, the accept,
dispatch, start and resolve of the cases filed, case lists with filters and
pages, searches, case pages and histories, and a password sign-in per client
every --login-every (default 10s; the server throttles sign-ins). Every
--sample (default 10s) it prints the process's resident memory, heap in use,
goroutines, the SQLite WAL size (0 on PostgreSQL) and the requests and errors
so far. The first tenth of the run is its warm-up; start is the peak of the
samples in the next tenth and end the peak of the last tenth (one sample can
fall on a collection's trough, the next on its crest). It exits non-zero on
any error, or when anonymous resident memory (RssAnon: what the process
allocated) ends above 1.5× start plus --rss-slack MB (default 64), or
goroutines above start plus --goroutine-slack (default 50). The whole
resident set (VmRSS) is printed too; it also counts the database file's
pages once per SQLite connection that maps them, and so grows with the
database. The server runs in this process: memory is the server's and the
clients' together. Last line:
  soak: duration=… requests=… errors=… rss_mb_start=… rss_mb_end=… rss_mb_max=… anon_mb_start=… anon_mb_end=… goroutines_start=… goroutines_end=… wal_mb_max=…

bench search: grows the demo city in DSN to N cases (default 2,000,000) with
generated cases written straight into the cases table and the search index
(no events or audit: a read benchmark, never for real data), then times Q
searches (default 400) of common words as a city-wide dispatcher, by
relevance and by time, and prints p50 and p95; last line
cases=… relevance_p50_ms=… relevance_p95_ms=… time_p50_ms=… time_p95_ms=…

bench intake:

Drives POST /api/v1/cases with N concurrent keep-alive HTTP clients for a
bounded time, each request a realistic intake (a random point inside a random
grid of the demo city, a random leaf category, a Chinese text, a reporter with
a valid phone) with its own Idempotency-Key. It prints cases/s, the p50 and
p99 latency and the errors by status.

Then it measures the ceiling of the same machine: the same rows written
straight into the same database from one goroutine, one transaction per case
(PrepareCase, then InsertCase in a transaction), for the same duration, and
prints the ratio HTTP/raw.

Without --url it serves the database in-process on 127.0.0.1:0 (by default a
fresh SQLite file in a temporary directory; with --db, that database) after
creating the demo city there if missing (seed 1), and signs in as operator01
with a new API token. With --url it targets a running server with --token, and
measures the raw ceiling only when --db names the server's database as well.
Without --data-keys or a key file, reporters are encrypted with a fresh key.

The last line is machine-readable:
  cases_per_s=… p50_ms=… p99_ms=… raw_per_s=… ratio=…

Flags:
  --db DSN          database (default: a fresh SQLite file, removed afterwards)
  --url URL         base URL of a running server (default: serve in-process)
  --token TOKEN     API token for --url (an operator's or any intake role's)
  --clients N       concurrent HTTP clients (default 8)
  --duration D      how long each phase runs (default 10s, at most 1h)
  --rate R          cases per second over all clients; 0 = as fast as possible (default 0)
  --max-requests N  stop a phase after this many requests (default 2000000)
  --raw=false       skip the raw measurement
  --cpuprofile F    write a CPU profile of the HTTP phase (bench clients and in-process server) to F
  --data-keys, --data-key-file  as for 'anju serve'`,
		run: runBench,
	})
}

// benchConfig is a parsed 'bench intake' invocation.
type benchConfig struct {
	url, token  string
	clients     int
	duration    time.Duration
	rate        float64
	maxRequests int64
}

func runBench(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) > 0 && args[0] == "search" {
		return runBenchSearch(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "soak" {
		return runBenchSoak(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "pages" {
		return runBenchPages(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "figures" {
		return runBenchFigures(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "reads" {
		return runBenchReads(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "intake" {
		return usageError("bench: give a benchmark: 'anju bench intake', 'anju bench search', 'anju bench soak', 'anju bench pages', 'anju bench figures' or 'anju bench reads'; see 'anju help bench'")
	}
	fs := newFlags("bench intake", env)
	af := addAppFlags(fs, env)
	var cfg benchConfig
	fs.StringVar(&cfg.url, "url", "", "base URL of a running server")
	fs.StringVar(&cfg.token, "token", "", "API token for --url")
	fs.IntVar(&cfg.clients, "clients", 8, "concurrent clients")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "duration of each phase")
	fs.Float64Var(&cfg.rate, "rate", 0, "cases per second; 0 = unlimited")
	fs.Int64Var(&cfg.maxRequests, "max-requests", 2_000_000, "request bound per phase")
	raw := fs.Bool("raw", true, "measure the raw store ceiling")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the HTTP phase (client and in-process server) to this file")
	if err := parseArgs(fs, args[1:], false); err != nil {
		return err
	}
	dbGiven := flagGiven(fs, "db")
	switch {
	case cfg.clients < 1 || cfg.clients > 1024:
		return usageError("bench: --clients must be between 1 and 1024")
	case cfg.duration <= 0 || cfg.duration > time.Hour:
		return usageError("bench: --duration must be positive and at most 1h")
	case cfg.rate < 0 || math.IsNaN(cfg.rate) || math.IsInf(cfg.rate, 0):
		return usageError("bench: --rate must be 0 (unlimited) or a positive number of cases per second")
	case cfg.maxRequests < 1 || cfg.maxRequests > 100_000_000:
		return usageError("bench: --max-requests must be between 1 and 100000000")
	case cfg.url != "" && cfg.token == "":
		return usageError("bench: --url needs --token (see 'anju user token')")
	case cfg.url == "" && cfg.token != "":
		return usageError("bench: --token goes with --url")
	}
	cfg.url = strings.TrimSuffix(cfg.url, "/")

	// The database: the one given, or a fresh SQLite file.
	var sdb *store.DB
	if dbGiven || cfg.url == "" {
		db, closeDB, err := openBenchDB(ctx, env, af, dbGiven)
		if err != nil {
			return err
		}
		defer closeDB()
		sdb = db
	}

	var w *benchWorkload
	var actor *anju.Actor
	if sdb != nil {
		city := region.DefaultDemoSpec().CityCode
		if cfg.url == "" {
			if _, err := demo.Ensure(ctx, sdb, 1); err != nil {
				return fmt.Errorf("demo city: %w", err)
			}
		} else if _, err := sdb.GetRegion(ctx, anju.SystemActor("bench"), city); err != nil {
			// Beside a running server the database is the server's: the
			// benchmark adds cases to it but never a demo city.
			return fmt.Errorf("bench: --db holds no demo city %s (create it with 'anju demo --no-serve'): %w", city, err)
		}
		var err error
		if w, err = workloadFromDB(ctx, sdb, city); err != nil {
			return err
		}
		tok, err := sdb.CreateAPIToken(ctx, anju.SystemActor("bench"), "operator01", "bench")
		if err != nil {
			return fmt.Errorf("operator token: %w", err)
		}
		if actor, err = sdb.ActorByToken(ctx, tok); err != nil {
			return err
		}
		if cfg.url == "" {
			cfg.token = tok
		}
	} else {
		var err error
		if w, err = workloadFromServer(ctx, cfg.url, cfg.token); err != nil {
			return err
		}
	}

	engine := "remote"
	if sdb != nil {
		engine = sdb.Engine()
	}
	target := cfg.url
	if cfg.url == "" {
		u, stop, err := serveInProcess(ctx, env, sdb, "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer stop()
		target, cfg.url = u, u
	}

	rateText := "unlimited"
	if cfg.rate > 0 {
		rateText = strconv.FormatFloat(cfg.rate, 'f', -1, 64) + " cases/s"
	}
	fmt.Fprintf(env.stdout, "intake over HTTP: %s, %d clients, %s, rate %s, %s\n", target, cfg.clients, cfg.duration, rateText, engine)
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	res, err := benchHTTP(ctx, cfg, w)
	stopProfile()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "  %d requests in %.2fs: %d created, %.1f cases/s\n", res.requests, res.elapsed.Seconds(), res.created, res.perSecond())
	fmt.Fprintf(env.stdout, "  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
		ms(res.quantile(0.50)), ms(res.quantile(0.90)), ms(res.quantile(0.99)), ms(res.quantile(1)))
	fmt.Fprintf(env.stdout, "  errors: %s\n", res.errorSummary())
	if ctx.Err() != nil {
		return ctx.Err()
	}

	rawPerS, ratio := 0.0, 0.0
	if sdb != nil && *raw {
		fmt.Fprintf(env.stdout, "raw store: one goroutine, one transaction per case, %s, %s\n", cfg.duration, engine)
		n, elapsed, err := benchRaw(ctx, sdb, actor, w, cfg)
		if err != nil {
			return fmt.Errorf("raw intake: %w", err)
		}
		rawPerS = float64(n) / elapsed.Seconds()
		fmt.Fprintf(env.stdout, "  %d cases in %.2fs: %.1f cases/s\n", n, elapsed.Seconds(), rawPerS)
		if rawPerS > 0 {
			ratio = res.perSecond() / rawPerS
		}
	}
	fmt.Fprintf(env.stdout, "cases_per_s=%.1f p50_ms=%.2f p99_ms=%.2f raw_per_s=%.1f ratio=%.2f\n",
		res.perSecond(), ms(res.quantile(0.50)), ms(res.quantile(0.99)), rawPerS, ratio)
	return nil
}

// openBenchDB opens the database a benchmark runs on: the one --db names, or
// else a fresh SQLite file in a temporary directory that closeDB removes.
func openBenchDB(ctx context.Context, env *cliEnv, af appFlags, dbGiven bool) (db *store.DB, closeDB func(), err error) {
	dir := ""
	if !dbGiven {
		if dir, err = os.MkdirTemp("", "anju-bench-"); err != nil {
			return nil, nil, err
		}
		*af.db = "sqlite:" + filepath.Join(dir, "anju.db")
	}
	removeDir := func() {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	// A benchmark never writes a key file: it uses the keys it is given,
	// else a fresh key held in memory.
	keys, err := loadKeys(env, af, false)
	if err != nil {
		removeDir()
		return nil, nil, err
	}
	if keys == nil {
		*af.keys = personal.FormatKey("bench", personal.GenerateKey())
	}
	if db, err = openApp(ctx, env, af, false); err != nil {
		removeDir()
		return nil, nil, err
	}
	return db, func() { db.Close(); removeDir() }, nil
}

// serveInProcess serves db like 'anju serve', without the scheduler, on
// addr, and returns once the server has loaded what it loads after starting
// (the segmentation dictionary and the city's words), so that a benchmark
// measures the steady state rather than counting that against its first
// requests. stop shuts the server down.
func serveInProcess(ctx context.Context, env *cliEnv, db *store.DB, addr string) (url string, stop func(), err error) {
	log, err := newLogger(env.stderr, "warn")
	if err != nil {
		return "", nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	urlc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveHTTP(sctx, env, db, log, listenConfig{addr: addr, grace: 10 * time.Second},
			func(u string) { urlc <- u })
	}()
	select {
	case url = <-urlc:
	case err := <-done:
		cancel()
		return "", nil, fmt.Errorf("bench server: %w", err)
	}
	stop = func() {
		cancel()
		<-done
	}
	if err := db.WarmUp(ctx); err != nil {
		stop()
		return "", nil, err
	}
	return url, stop, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// benchWorkload is what realistic intakes are drawn from.
type benchWorkload struct {
	grids      []orb.Polygon
	places     []string // the grids' community names, as people name a place
	categories []string
	names      []string // the categories' names, parallel to categories
}

func workloadFromDB(ctx context.Context, db *store.DB, city string) (*benchWorkload, error) {
	grids, err := db.Grids(ctx, city)
	if err != nil {
		return nil, fmt.Errorf("grids: %w", err)
	}
	tree, err := db.Taxonomy(ctx, city)
	if err != nil {
		return nil, fmt.Errorf("taxonomy: %w", err)
	}
	w := &benchWorkload{}
	for _, c := range tree.Leaves() {
		if c.Active {
			w.categories = append(w.categories, c.Code)
			w.names = append(w.names, c.Name)
		}
	}
	w.addGrids(grids)
	return w, w.check()
}

// workloadFromServer uses the demo city's geometry (seed 1, generated
// locally: it is deterministic) and the server's own taxonomy.
func workloadFromServer(ctx context.Context, url, token string) (*benchWorkload, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url+"/api/v1/categories", nil)
	if err != nil {
		return nil, usageError("bench: --url: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return nil, fmt.Errorf("GET %s/api/v1/categories: %s %s", url, resp.Status, bytes.TrimSpace(b))
	}
	type node struct {
		taxonomy.Category
		Children []node `json:"children"`
	}
	var body struct {
		Categories []node `json:"categories"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	w := &benchWorkload{}
	var walk func([]node)
	walk = func(ns []node) {
		for _, n := range ns {
			if n.Leaf && n.Active {
				w.categories = append(w.categories, n.Code)
				w.names = append(w.names, n.Name)
			}
			walk(n.Children)
		}
	}
	walk(body.Categories)
	var grids []region.Region
	for _, r := range region.GenerateDemoCity(1, region.DefaultDemoSpec()) {
		if r.Level == region.LevelGrid {
			grids = append(grids, r)
		}
	}
	w.addGrids(grids)
	return w, w.check()
}

func (w *benchWorkload) addGrids(rs []region.Region) {
	for _, r := range rs {
		place, _, _ := strings.Cut(r.Name, "第")
		switch g := r.Geometry.(type) {
		case orb.Polygon:
			w.grids = append(w.grids, g)
			w.places = append(w.places, place)
		case orb.MultiPolygon:
			if len(g) > 0 {
				w.grids = append(w.grids, g[0])
				w.places = append(w.places, place)
			}
		}
	}
}

func (w *benchWorkload) check() error {
	if len(w.grids) == 0 || len(w.categories) == 0 {
		return fmt.Errorf("bench: the city has %d grids with geometry and %d active leaf categories; need both", len(w.grids), len(w.categories))
	}
	return nil
}

var (
	benchTexts = []string{
		"%s附近的路灯坏了%d天，晚上一片漆黑，老人孩子出行很不安全，请尽快维修。",
		"%s门口的垃圾桶已经%d天没人清运，气味很大，招来很多苍蝇。",
		"%s旁边有施工队夜间施工，噪音扰民，已经持续%d天，影响休息。",
		"%s的人行道砖松动翻起，有%d处，下雨天容易摔倒。",
		"%s的下水道堵塞返水，污水漫到路面上，已经%d天了。",
		"%s有车辆长期占用消防通道，共%d辆，存在安全隐患。",
		"%s小区楼道堆放杂物，影响通行，物业%d天未处理。",
		"%s的井盖缺失，路过行人很危险，已有%d人差点踩空。",
		"%s附近有流动摊贩占道经营，早晚高峰拥堵，持续%d天。",
		"反映%s一带自来水水压太低，高层住户用水困难，已经%d天。",
		"%s的树木倒伏压住了电线，共%d棵，请相关部门尽快处置。",
		"咨询%s周边的社区卫生服务中心开放时间，家里有%d位老人需要体检。",
	}
	benchPlaces  = []string{"幸福路", "和平街", "人民路", "滨江小区", "东风菜市场", "第三小学", "建设大道", "花园新村", "长青公园", "火车站广场"}
	benchDetails = []string{"已经持续好几天了，希望尽快处理。", "多次反映没有结果，请相关部门重视。", "影响周边居民正常生活。",
		"晚上尤其严重，老人孩子休息不好。", "存在安全隐患，担心出事。", "物业说不归他们管，不知道找谁。", "拍了照片，可以现场查看。",
		"周末情况更严重。", "附近商户也有意见。", "希望给个明确答复。", "上周打过电话，至今没人来看。", "请尽快派人到现场核实处理。"}
	benchSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙"}
	benchGiven    = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"}
	benchPrefixes = []string{"130", "131", "135", "136", "138", "139", "150", "151", "158", "177", "186", "189", "199"}
)

// intake draws one realistic intake.
func (w *benchWorkload) intake(rng *rand.Rand) store.NewCase {
	gi := rng.IntN(len(w.grids))
	pt := samplePolygon(rng, w.grids[gi])
	lat, lon := pt[1], pt[0]
	place := w.places[gi] + benchPlaces[rng.IntN(len(benchPlaces))]
	ci := rng.IntN(len(w.categories))
	// Real reports vary as much as the places and problems they name: the
	// place, the category's own words and a detail drawn from templates.
	text := fmt.Sprintf(benchTexts[rng.IntN(len(benchTexts))], place, 1+rng.IntN(9))
	if rng.IntN(2) == 0 {
		text = fmt.Sprintf("%s一带%s的问题：%s", place, w.names[ci], benchDetails[rng.IntN(len(benchDetails))])
	}
	nc := store.NewCase{
		Text:     text,
		Category: w.categories[ci],
		Lat:      &lat,
		Lon:      &lon,
		Address:  fmt.Sprintf("%s%d号", place, 1+rng.IntN(300)),
	}
	if rng.IntN(10) == 0 {
		nc.Reporter.Anonymous = true
	} else {
		nc.Reporter.Name = benchSurnames[rng.IntN(len(benchSurnames))] + benchGiven[rng.IntN(len(benchGiven))]
		nc.Reporter.Phone = fmt.Sprintf("%s%08d", benchPrefixes[rng.IntN(len(benchPrefixes))], rng.IntN(100_000_000))
	}
	return nc
}

// samplePolygon returns a uniform point inside the polygon, by rejection
// within its bounds; the centre of the bounds if that keeps missing.
func samplePolygon(rng *rand.Rand, p orb.Polygon) orb.Point {
	b := p.Bound()
	for range 50 {
		pt := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		if planar.PolygonContains(p, pt) {
			return pt
		}
	}
	c, _ := planar.CentroidArea(p)
	return c
}

// benchResult is one HTTP phase.
type benchResult struct {
	requests, created int64
	elapsed           time.Duration
	latencies         []time.Duration // of every answered request, sorted
	statuses          map[int]int64   // non-2xx answers by status; 0 = no answer
}

func (r *benchResult) perSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.created) / r.elapsed.Seconds()
}

func (r *benchResult) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(r.latencies)))) - 1
	return r.latencies[max(0, min(i, len(r.latencies)-1))]
}

func (r *benchResult) errorSummary() string {
	if len(r.statuses) == 0 {
		return "none"
	}
	var codes []int
	for c := range r.statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		name := strconv.Itoa(c)
		if c == 0 {
			name = "no-answer"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, r.statuses[c]))
	}
	return strings.Join(parts, " ")
}

// benchHTTP runs the clients until the duration or the request bound is
// reached. With a rate, request n is due at start + n/rate and its latency
// counts from then, so that a stalled server is not hidden by clients that
// stop sending (coordinated omission).
func benchHTTP(ctx context.Context, cfg benchConfig, w *benchWorkload) (*benchResult, error) {
	client, closeClient := newBenchClient(cfg.clients)
	defer closeClient()
	// Hard stop: no phase outlives its duration by more than a request timeout.
	ctx, cancel := context.WithTimeout(ctx, cfg.duration+35*time.Second)
	defer cancel()

	var ticket atomic.Int64
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	start := time.Now()
	end := start.Add(cfg.duration)
	var interval time.Duration
	if cfg.rate > 0 {
		interval = time.Duration(float64(time.Second) / cfg.rate)
	}
	type clientResult struct {
		lat      []time.Duration
		created  int64
		statuses map[int]int64
	}
	results := make([]clientResult, cfg.clients)
	var wg sync.WaitGroup
	for c := range cfg.clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(start.UnixNano()), uint64(c)))
			cr := &results[c]
			cr.statuses = map[int]int64{}
			var buf bytes.Buffer
			for ctx.Err() == nil {
				n := ticket.Add(1) - 1
				if n >= cfg.maxRequests {
					return
				}
				due := time.Now()
				if interval > 0 {
					due = start.Add(time.Duration(n) * interval)
					if !due.Before(end) {
						return
					}
					if d := time.Until(due); d > 0 {
						select {
						case <-time.After(d):
						case <-ctx.Done():
							return
						}
					}
				} else if !due.Before(end) {
					return
				}
				buf.Reset()
				json.NewEncoder(&buf).Encode(w.intake(rng))
				req, _ := http.NewRequestWithContext(ctx, "POST", cfg.url+"/api/v1/cases", bytes.NewReader(buf.Bytes()))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+cfg.token)
				req.Header.Set("Idempotency-Key", "bench-"+runID+"-"+strconv.FormatInt(n, 10))
				resp, err := client.Do(req)
				if err != nil {
					cr.statuses[0]++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				cr.lat = append(cr.lat, time.Since(due))
				switch resp.StatusCode {
				case http.StatusCreated:
					cr.created++
				case http.StatusOK:
				default:
					cr.statuses[resp.StatusCode]++
				}
			}
		})
	}
	wg.Wait()
	res := &benchResult{elapsed: time.Since(start), statuses: map[int]int64{}}
	for _, cr := range results {
		res.latencies = append(res.latencies, cr.lat...)
		res.created += cr.created
		for k, v := range cr.statuses {
			res.statuses[k] += v
		}
	}
	slices.Sort(res.latencies)
	res.requests = int64(len(res.latencies)) + res.statuses[0]
	if res.statuses[0] == 0 {
		delete(res.statuses, 0)
	}
	return res, nil
}

// newBenchClient is an HTTP client keeping a connection alive per client;
// closeClient closes them.
func newBenchClient(clients int) (client *http.Client, closeClient func()) {
	tr := &http.Transport{
		MaxIdleConns:        clients * 2,
		MaxIdleConnsPerHost: clients * 2,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, tr.CloseIdleConnections
}

// benchRaw writes intakes straight into the store from one goroutine, one
// transaction per case, the way DB.CreateCase composes PrepareCase and
// InsertCase, but without any group commit.
func benchRaw(ctx context.Context, db *store.DB, actor *anju.Actor, w *benchWorkload, cfg benchConfig) (int64, time.Duration, error) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	runID := "raw-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	start := time.Now()
	end := start.Add(cfg.duration)
	var n int64
	for n < cfg.maxRequests && time.Now().Before(end) && ctx.Err() == nil {
		p, err := db.PrepareCase(ctx, actor, w.intake(rng), runID+"-"+strconv.FormatInt(n, 10))
		if err != nil {
			return n, time.Since(start), err
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.InsertCase(ctx, p)
			return err
		}); err != nil {
			return n, time.Since(start), err
		}
		n++
	}
	return n, time.Since(start), ctx.Err()
}
