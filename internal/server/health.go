package server

import (
	"net/http"
	"time"

	"anju/internal/api"
)

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	api.WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": s.version,
		"uptime_s": int(time.Since(s.started).Seconds())})
}

// handleReadyz says whether a load balancer may send this server traffic:
// the database answers and takes writes, and the server has loaded what its
// requests need (Config.Ready). /healthz only says the process is alive.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	err := s.db.Ready(r.Context())
	if err == nil && s.ready != nil {
		err = s.ready()
	}
	if err != nil {
		api.WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": err.Error()})
		return
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"status": "ready", "engine": s.db.Engine()})
}
