package server

import (
	"net/http"
)

// routes mounts the surfaces of Anju side by side — the server's own probes,
// the JSON API and the web pages (an Open311 endpoint would sit beside
// them) — under the middleware every request passes.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	// GET /metrics: metricsGate (with the metrics token) or MetricsHandler.

	// The JSON API under /api/v1/ (internal/api lists its routes; anything
	// else under /api/ is a JSON 404).
	s.api.Register(mux)

	// The web pages: the resident portal, the workbench and administration
	// (internal/web lists its routes).
	s.web.Register(mux)

	// Cross-origin protection rejects state-changing browser requests from
	// other sites (CSRF) using Sec-Fetch-Site and Origin; API clients with
	// bearer tokens send neither header and pass.
	return s.forwarded(s.observe(s.metricsGate(http.NewCrossOriginProtection().Handler(s.identify(mux)))))
}
