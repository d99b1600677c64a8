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

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if err := s.db.Ready(r.Context()); err != nil {
		api.WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "reason": err.Error()})
		return
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"status": "ready", "engine": s.db.Engine()})
}
