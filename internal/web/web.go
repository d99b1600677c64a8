// Package web is Anju's browser interface: server-rendered pages for
// residents and staff, mounted beside the JSON API by internal/server and
// calling the same store with the same actor and scope. One page is one
// handler file and one template; every route is listed in routes.go; every
// word comes from internal/locale.
package web

import (
	"log/slog"
	"time"

	"anju/internal/auth"
	"anju/internal/httpx"
	"anju/internal/store"
)

// Config is what the pages need from outside.
type Config struct {
	DB   *store.DB
	Log  *slog.Logger
	Auth httpx.Auth
	// TileURL is a raster tile template ("https://tiles.example/{z}/{x}/{y}.png")
	// drawn under the city's polygons; empty (the default) draws none, so the
	// maps work with no network.
	TileURL string
	// ReportLimit limits reports and "me too"s from the portal by people
	// who are not signed in, per client address, counted in the database
	// across every server sharing it; nil means DefaultReportLimit.
	ReportLimit *auth.Throttle
}

// DefaultReportLimit is the portal's limit per client address: 5 reports
// (or "me too"s) at once, then one after a wait of 1 minute doubling up to
// an hour; an address is forgotten after an hour without reports. A
// household or office behind one address rarely reports more; a script
// that does is slowed to a trickle.
func DefaultReportLimit() *auth.Throttle { return auth.NewRateLimit(5, time.Minute, time.Hour) }

// Web holds the dependencies of the page handlers.
type Web struct {
	db      *store.DB
	log     *slog.Logger
	auth    httpx.Auth
	tileURL string
	limit   *store.Limiter
}

// New returns the pages; Register mounts them.
func New(cfg Config) *Web {
	w := &Web{db: cfg.DB, log: cfg.Log, auth: cfg.Auth, tileURL: cfg.TileURL}
	rule := cfg.ReportLimit
	if rule == nil {
		rule = DefaultReportLimit()
	}
	w.limit = cfg.DB.Limiter("portal", *rule, false)
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	return w
}
