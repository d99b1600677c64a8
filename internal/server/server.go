// Package server is the composition root of Anju's HTTP edge: it mounts the
// JSON API (internal/api) and the web pages (internal/web) side by side
// (routes.go), wraps them in the middleware every request passes (logging,
// metrics, security headers, cross-origin protection, the request's actor),
// and keeps sign-in and sessions, which the API and the pages share.
package server

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"anju/internal/api"
	"anju/internal/auth"
	"anju/internal/store"
	"anju/internal/web"
)

// Config is what a server needs from outside.
type Config struct {
	DB     *store.DB
	Logger *slog.Logger
	// Registry receives the server's metrics; a fresh one when nil, so that
	// several servers in one test process do not collide.
	Registry *prometheus.Registry
	// Version is reported by /healthz.
	Version string
	// MetricsToken, when set, lets the main listener answer /metrics to
	// requests bearing it; otherwise /metrics there is 404, and metrics are
	// served only where the caller mounts MetricsHandler (its own listener).
	MetricsToken string
	// HashSlots bounds the password hashes run at once (each holds the
	// argon2id memory cost); 0 means auth.HashSlots with unknown memory.
	HashSlots int
	// Throttle is the rule for failed sign-ins, counted in the database
	// across every server sharing it; nil means auth.NewThrottle(). Tests
	// give one whose back-off outlasts a slow machine's burst.
	Throttle *auth.Throttle
	// TileURL is the raster tile template the web maps draw under the city's
	// polygons; empty draws none (works offline).
	TileURL string
	// ReportLimit limits the portal's reports per client address, counted
	// in the database like sign-ins; nil is web.DefaultReportLimit.
	ReportLimit *auth.Throttle
	// TrustedProxies are the load balancers and reverse proxies in front of
	// the server: a request from one of them is taken to come from the
	// address it names last in X-Forwarded-For that is not itself a trusted
	// proxy. Without them the client address is the connection's.
	TrustedProxies []netip.Prefix
	// Ready, when set, is asked by /readyz beside the database: an error
	// says why the server should not take traffic yet (still loading what
	// its first requests would otherwise wait for).
	Ready func() error
}

// Server holds what the middleware, sign-in and the probes need, and the
// API and the pages it mounts.
type Server struct {
	db           *store.DB
	log          *slog.Logger
	registry     *prometheus.Registry
	metrics      *metrics
	throttle     *store.Limiter
	proxies      []netip.Prefix
	ready        func() error
	hashes       *auth.HashLimiter
	version      string
	started      time.Time
	metricsToken string
	api          *api.API
	web          *web.Web
}

// New returns the whole HTTP surface of Anju as one handler.
func New(cfg Config) http.Handler {
	s := &Server{
		db:           cfg.DB,
		log:          cfg.Logger,
		registry:     cfg.Registry,
		proxies:      cfg.TrustedProxies,
		ready:        cfg.Ready,
		hashes:       auth.NewHashLimiter(cfg.HashSlots),
		version:      cfg.Version,
		metricsToken: cfg.MetricsToken,
		started:      time.Now(),
	}
	rule := cfg.Throttle
	if rule == nil {
		rule = auth.NewThrottle()
	}
	s.throttle = s.db.Limiter("signin", *rule, true)
	if cfg.HashSlots == 0 {
		s.hashes = auth.NewHashLimiter(auth.HashSlots(0, auth.DefaultParams))
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.registry == nil {
		s.registry = NewRegistry()
	}
	s.registry.MustRegister(collectors.NewDBStatsCollector(s.db.SQL(), "anju"))
	s.registry.MustRegister(store.TxSeconds)
	s.metrics = newMetrics(s.registry)
	s.api = api.New(api.Config{DB: s.db, Log: s.log, Auth: s})
	s.web = web.New(web.Config{DB: s.db, Log: s.log, Auth: s, TileURL: cfg.TileURL, ReportLimit: cfg.ReportLimit})
	return s.routes()
}

// NewRegistry returns a metrics registry holding the Go runtime's and the
// process's collectors, for Config.Registry and MetricsHandler.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// MetricsHandler serves reg at /metrics and nothing else, for a listener of
// its own (an address only the monitoring network reaches).
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// metricsGate answers /metrics on the main listener, before identify (which
// would take the metrics token for an API token): to a request bearing the
// configured token, and otherwise 404, as if there were no such page.
func (s *Server) metricsGate(next http.Handler) http.Handler {
	metrics := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if s.metricsToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.metricsToken)) != 1 {
			http.NotFound(w, r)
			return
		}
		if h, ok := r.Context().Value(routeKey{}).(*routeHolder); ok {
			h.pattern = "GET /metrics"
		}
		metrics.ServeHTTP(w, r)
	})
}
