package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"anju/internal/auth"
	"anju/internal/server"
	"anju/internal/store"
)

func init() {
	register(command{
		name:    "serve",
		summary: "run the Anju server",
		usage: `Usage: anju serve [flags]

Runs the web interface and the JSON API. Migrations run at start-up.

Flags (each has an environment equivalent):
  --db DSN            database: sqlite:PATH or postgres://… (ANJU_DB; default ` + defaultDB + `)
  --addr HOST:PORT    listen address (ANJU_ADDR; default 127.0.0.1:8080; port 0 picks a free one)
  --tls-cert FILE     serve HTTPS with this certificate (ANJU_TLS_CERT)
  --tls-key FILE      and this key (ANJU_TLS_KEY); cookies are then marked Secure
  --log-level LEVEL   debug, info, warn or error (ANJU_LOG_LEVEL; default info)
  --metrics-addr HOST:PORT  serve /metrics (Prometheus) on this address only, e.g. one only the
                      monitoring network reaches (ANJU_METRICS_ADDR)
  --metrics-token T   also answer /metrics on --addr to 'Authorization: Bearer T' (ANJU_METRICS_TOKEN);
                      with neither, /metrics is not served
  --hash-slots N      password hashes run at once, 64 MiB each; sign-ins beyond are refused with 429
                      (ANJU_HASH_SLOTS; default from the CPUs and available memory)
  --shutdown-grace D  how long in-flight requests may run after SIGTERM (ANJU_SHUTDOWN_GRACE; default 20s)
  --trusted-proxies L load balancers in front of the server, as IP addresses and CIDR prefixes,
                      comma-separated (ANJU_TRUSTED_PROXIES; default none): a request from one is
                      counted (sign-in throttle, portal limit) under the client X-Forwarded-For names
  --data-keys K       data-encryption keys "ID:BASE64KEY,…", the first current (ANJU_DATA_KEYS)
  --data-key-file F   file holding them (ANJU_DATA_KEY_FILE; default data.key beside an SQLite
                      database, generated on first start — back it up)
  --public-url URL    base of tracking links sent to residents (ANJU_PUBLIC_URL)
  --webhook-allow L   webhook receivers on loopback, link-local or private networks that
                      subscriptions may name: host names, IP addresses and CIDR prefixes,
                      comma-separated (ANJU_WEBHOOK_ALLOW; default none: such targets are refused)
  --scheduler-interval D  how often deadlines and the outbox are checked (ANJU_SCHEDULER_INTERVAL; default 5s; 0 disables)
  --warn-before D     warn this long before a resolution deadline (default 24h)
  --red-after D       red supervision card this long after it (default 48h; a yellow card comes at the deadline)
  --escalate-after D  escalate one level this long after it (default 72h)

Notifications: ANJU_SMTP_ADDR, ANJU_SMTP_FROM, ANJU_SMTP_USER, ANJU_SMTP_PASSWORD
(e-mail), ANJU_SMS_URL and ANJU_SMS_METHOD (an HTTP SMS gateway; the URL may hold
{phone} and {text}), ANJU_WEBHOOK_SECRET (default webhook signing secret).

Several servers may share one PostgreSQL database behind a load balancer:
sessions, sign-in throttling and the portal's limit live in the database,
each server sees another's changes to users, grants, tokens, departments and
the taxonomy within a second, and the schedulers share the work (README,
"Several servers").

Logs are JSON lines on standard error. Endpoints: /healthz, /readyz, /metrics
(Prometheus; see --metrics-addr and --metrics-token), /api/v1/…, and the web pages at /.`,
		run: runServe,
	})
}

func runServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags("serve", env)
	af := addAppFlags(fs, env)
	sf := addSchedulerFlags(fs, env)
	addr := fs.String("addr", envOr(env, "ANJU_ADDR", "127.0.0.1:8080"), "listen address")
	cert := fs.String("tls-cert", env.getenv("ANJU_TLS_CERT"), "TLS certificate")
	key := fs.String("tls-key", env.getenv("ANJU_TLS_KEY"), "TLS key")
	logLevel := fs.String("log-level", envOr(env, "ANJU_LOG_LEVEL", "info"), "log level")
	grace := fs.Duration("shutdown-grace", envDuration(env, "ANJU_SHUTDOWN_GRACE", 20*time.Second), "shutdown grace")
	ef := addEdgeFlags(fs, env)
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	log, err := newLogger(env.stderr, *logLevel)
	if err != nil {
		return err
	}
	sdb, err := openApp(ctx, env, af, true)
	if err != nil {
		return err
	}
	defer sdb.Close()
	stop, err := startScheduler(ctx, env, sdb, log, sf)
	if err != nil {
		return err
	}
	defer stop()
	lc, err := ef.config(listenConfig{addr: *addr, cert: *cert, key: *key, grace: *grace})
	if err != nil {
		return err
	}
	return serveHTTP(ctx, env, sdb, log, lc, nil)
}

// edgeFlags are the flags of every command that serves HTTP (serve, demo).
type edgeFlags struct {
	metricsAddr, metricsToken *string
	hashSlots                 *int
	tileURL                   *string
	trustedProxies            *string
}

func addEdgeFlags(fs *flag.FlagSet, env *cliEnv) edgeFlags {
	return edgeFlags{
		metricsAddr:  fs.String("metrics-addr", env.getenv("ANJU_METRICS_ADDR"), "metrics listen address"),
		metricsToken: fs.String("metrics-token", env.getenv("ANJU_METRICS_TOKEN"), "metrics bearer token"),
		hashSlots:    fs.Int("hash-slots", envInt(env, "ANJU_HASH_SLOTS", 0), "concurrent password hashes"),
		tileURL:      fs.String("tile-url", env.getenv("ANJU_TILE_URL"), "raster map tiles, e.g. https://tiles.example/{z}/{x}/{y}.png (default: none, maps draw only the city's polygons)"),
		trustedProxies: fs.String("trusted-proxies", env.getenv("ANJU_TRUSTED_PROXIES"),
			"load balancers whose X-Forwarded-For names the client: IP addresses and CIDR prefixes, comma-separated"),
	}
}

// config completes lc with the flags' values.
func (ef edgeFlags) config(lc listenConfig) (listenConfig, error) {
	if *ef.hashSlots < 0 {
		return lc, usageError("--hash-slots must be positive")
	}
	if t := *ef.tileURL; t != "" && !validTileURL(t) {
		return lc, usageError("--tile-url must be an http(s) URL with {z}, {x} and {y}")
	}
	lc.metricsAddr, lc.metricsToken, lc.hashSlots, lc.tileURL = *ef.metricsAddr, *ef.metricsToken, *ef.hashSlots, *ef.tileURL
	proxies, err := parseProxies(*ef.trustedProxies)
	if err != nil {
		return lc, err
	}
	lc.trustedProxies = proxies
	return lc, nil
}

// parseProxies reads --trusted-proxies: IP addresses and CIDR prefixes,
// comma-separated.
func parseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if a, err := netip.ParseAddr(item); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, usageError("--trusted-proxies: %q is neither an IP address nor a CIDR prefix", item)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func envDuration(env *cliEnv, key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(env.getenv(key)); err == nil {
		return d
	}
	return def
}

func envInt(env *cliEnv, key string, def int) int {
	if n, err := strconv.Atoi(env.getenv(key)); err == nil {
		return n
	}
	return def
}

type listenConfig struct {
	addr, cert, key string
	grace           time.Duration
	// metricsAddr, when set, gets a listener serving only /metrics;
	// metricsToken opens /metrics on the main one to that bearer token.
	metricsAddr, metricsToken string
	hashSlots                 int // 0: from the CPUs and available memory
	tileURL                   string
	trustedProxies            []netip.Prefix
}

// validTileURL accepts an http(s) tile template naming {z}, {x} and {y} and
// nothing that could break out of the Content-Security-Policy it is put in.
func validTileURL(t string) bool {
	u, err := url.Parse(t)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		strings.Contains(t, "{z}") && strings.Contains(t, "{x}") && strings.Contains(t, "{y}") &&
		!strings.ContainsAny(t, " ;'\"\\")
}

// availableMemory is what the kernel says can be allocated without
// swapping, lowered to GOMEMLIMIT when that is set; 0 when unknown.
func availableMemory() uint64 {
	var avail uint64
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
				if kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64); err == nil {
					avail = kb << 10
				}
			}
		}
	}
	if limit := debug.SetMemoryLimit(-1); limit > 0 && limit < math.MaxInt64 && (avail == 0 || uint64(limit) < avail) {
		avail = uint64(limit)
	}
	return avail
}

// serveHTTP serves until ctx ends, then stops accepting connections and lets
// in-flight requests finish within the grace period. ready, when set, is
// called with the base URL once the listener is open.
func serveHTTP(ctx context.Context, env *cliEnv, db *store.DB, log *slog.Logger, lc listenConfig, ready func(url string)) error {
	if (lc.cert == "") != (lc.key == "") {
		return usageError("--tls-cert and --tls-key go together")
	}
	ln, err := net.Listen("tcp", lc.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", lc.addr, err)
	}
	scheme := "http"
	if lc.cert != "" {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s", scheme, ln.Addr())
	// The segmentation dictionary and the cities' own words take seconds to
	// load; load them now, beside serving, rather than inside the first
	// intake's transaction. Until they are in, /readyz says so, and a load
	// balancer sends the server no traffic.
	var warm atomic.Bool
	go func() {
		if err := db.WarmUp(ctx); err != nil {
			log.Warn("warm-up", "err", err)
		}
		warm.Store(true)
	}()
	warmedUp := func() error {
		if !warm.Load() {
			return errors.New("warming up: loading the segmentation dictionary and the cities' words")
		}
		return nil
	}
	if lc.hashSlots == 0 {
		lc.hashSlots = auth.HashSlots(availableMemory(), auth.DefaultParams)
	}
	reg := server.NewRegistry()
	if lc.metricsAddr != "" {
		mln, err := net.Listen("tcp", lc.metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w", lc.metricsAddr, err)
		}
		msrv := &http.Server{Handler: server.MetricsHandler(reg), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go msrv.Serve(mln)
		defer msrv.Close()
		log.Info("metrics listening", "url", fmt.Sprintf("http://%s/metrics", mln.Addr()))
	}
	srv := &http.Server{
		Handler: server.New(server.Config{DB: db, Logger: log, Version: version(), Registry: reg,
			MetricsToken: lc.metricsToken, HashSlots: lc.hashSlots, TileURL: lc.tileURL, TrustedProxies: lc.trustedProxies,
			Ready: warmedUp}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // imports may be large
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		if lc.cert != "" {
			errc <- srv.ServeTLS(ln, lc.cert, lc.key)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	log.Info("listening", "url", url, "engine", db.Engine(), "hash_slots", lc.hashSlots)
	if ready != nil {
		ready(url)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", lc.grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), lc.grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
