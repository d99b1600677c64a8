package api

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/meeting"
	"anju/internal/store"
)

// conveners are the roles that publish a community's meetings and keep
// their records, asked before a body is read; the store checks where.
var conveners = []anju.Role{anju.RoleSupervisor, anju.RoleDispatcher, anju.RoleAdmin, anju.RoleGridWorker}

func (s *API) handleMeetings(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	q := httpx.NewQuery(r)
	f := store.MeetingFilter{Region: q.String("region"), State: meeting.State(q.String("state")),
		Before: q.ID("before"), Limit: q.Int("limit", 50, 1, 200)}
	if err := q.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.db.ListMeetings(r.Context(), a, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *API) handleCreateMeeting(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	var in meeting.Meeting
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.db.CreateMeeting(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *API) handleMeeting(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "meeting")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.db.GetMeeting(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *API) handleMeetingAction(action meeting.Action) func(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	return func(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
		id, err := pathID(r, "meeting")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out, err := s.db.ActOnMeeting(r.Context(), a, id, action)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *API) handleProposeTopic(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "meeting")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in meeting.Proposal
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.db.ProposeTopic(r.Context(), a, id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// handleModerateProposal accepts or declines a proposal: the action is the
// route's last segment.
func (s *API) handleModerateProposal(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "meeting")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pid, err := pathIDOf(r, "proposal", "proposal")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.db.ModerateProposal(r.Context(), a, id, pid, meeting.ProposalAction(r.PathValue("action")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *API) handleMinutes(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "meeting")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in meeting.Minutes
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.db.RecordMinutes(r.Context(), a, id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *API) handleDecision(w http.ResponseWriter, r *http.Request, a *anju.Actor) {
	id, err := pathID(r, "meeting")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in meeting.Decision
	if err := decodeJSON(w, r, &in, maxBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.db.RecordDecision(r.Context(), a, id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}
