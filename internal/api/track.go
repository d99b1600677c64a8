package api

import "net/http"

// handleTrack is public: the tracking code is the credential.
func (s *API) handleTrack(w http.ResponseWriter, r *http.Request) {
	t, err := s.db.Track(r.Context(), r.PathValue("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, t)
}
