// Package server is Anju's HTTP edge: routes, middleware and thin handlers
// that decode a request, call the store with the request's actor and encode
// the answer. Every route is listed in routes.go.
package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"anju/internal/auth"
	"anju/internal/store"
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
}

// Server holds the dependencies of the handlers.
type Server struct {
	db       *store.DB
	log      *slog.Logger
	registry *prometheus.Registry
	metrics  *metrics
	throttle *auth.Throttle
	version  string
	started  time.Time
}

// New returns the whole HTTP surface of Anju as one handler.
func New(cfg Config) http.Handler {
	s := &Server{
		db:       cfg.DB,
		log:      cfg.Logger,
		registry: cfg.Registry,
		throttle: auth.NewThrottle(),
		version:  cfg.Version,
		started:  time.Now(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
		s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s.registry.MustRegister(collectors.NewDBStatsCollector(s.db.SQL(), "anju"))
	s.registry.MustRegister(store.TxSeconds)
	s.metrics = newMetrics(s.registry)
	return s.routes()
}
