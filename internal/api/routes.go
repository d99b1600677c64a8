package api

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/meeting"
)

// Register mounts every route of the JSON API on mux. Handlers wrapped in
// s.authed need a signed-in user or an API token; in s.admin, one who is an
// administrator somewhere, checked before the body is read.
func (s *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/session", s.handleLoginAPI)
	mux.HandleFunc("DELETE /api/v1/session", s.handleLogoutAPI)
	mux.Handle("GET /api/v1/me", s.authed(s.handleMe))

	mux.Handle("GET /api/v1/regions", s.authed(s.handleCities))
	mux.Handle("POST /api/v1/regions/import", s.admin(s.handleImportRegions))
	mux.Handle("GET /api/v1/regions/{code}", s.authed(s.handleRegion))
	mux.Handle("GET /api/v1/regions/{code}/children", s.authed(s.handleChildren))
	mux.Handle("GET /api/v1/regions/{code}/ancestors", s.authed(s.handleAncestors))
	mux.Handle("GET /api/v1/locate", s.authed(s.handleLocate))

	mux.Handle("GET /api/v1/departments", s.authed(s.handleDepartments))
	mux.Handle("GET /api/v1/departments/{code}", s.authed(s.handleDepartment))
	mux.Handle("PUT /api/v1/departments/{code}", s.admin(s.handleSaveDepartment))

	mux.Handle("GET /api/v1/users", s.authed(s.handleUsers))
	mux.Handle("POST /api/v1/users", s.admin(s.handleCreateUser))
	mux.Handle("GET /api/v1/users/{login}", s.authed(s.handleUser))
	mux.Handle("POST /api/v1/users/{login}/grants", s.admin(s.handleGrant))
	mux.Handle("DELETE /api/v1/users/{login}/grants/{id}", s.admin(s.handleRevoke))
	mux.Handle("POST /api/v1/users/{login}/tokens", s.authed(s.handleCreateToken))
	mux.Handle("GET /api/v1/users/{login}/tokens", s.authed(s.handleTokens))
	mux.Handle("DELETE /api/v1/users/{login}/tokens/{id}", s.authed(s.handleRevokeToken))
	mux.Handle("PUT /api/v1/users/{login}/disabled", s.authed(s.handleSetDisabled))
	mux.Handle("PUT /api/v1/users/{login}/password", s.authed(s.handleSetPassword))

	mux.Handle("GET /api/v1/audit", s.authed(s.handleAudit))

	mux.Handle("GET /api/v1/categories", s.authed(s.handleCategories))
	mux.Handle("PUT /api/v1/categories/{code}", s.admin(s.handleSaveCategory))
	mux.Handle("PUT /api/v1/calendar/{date}", s.admin(s.handleCalendarDay))
	mux.Handle("POST /api/v1/subscriptions", s.admin(s.handleSaveSubscription))

	mux.Handle("POST /api/v1/cases", s.authed(s.handleCreateCase))
	mux.Handle("GET /api/v1/cases", s.authed(s.handleCases))
	mux.Handle("POST /api/v1/cases/dispatch", s.authed(s.handleDispatchCases))
	mux.Handle("GET /api/v1/queues", s.authed(s.handleQueues))
	mux.Handle("GET /api/v1/cases/{id}", s.authed(s.handleCase))
	mux.Handle("GET /api/v1/cases/{id}/history", s.authed(s.handleHistory))
	mux.Handle("POST /api/v1/cases/{id}/actions/{action}", s.authed(s.handleCaseAction))
	mux.Handle("POST /api/v1/cases/{id}/reporter", s.authed(s.handleUnmask))
	mux.Handle("GET /api/v1/cases/{id}/similar", s.authed(s.handleSimilar))
	mux.Handle("GET /api/v1/cases/{id}/photos", s.authed(s.handleCasePhotos))
	mux.Handle("GET /api/v1/photos/{photo}", s.authed(s.handlePhoto(false)))
	mux.Handle("GET /api/v1/photos/{photo}/thumb", s.authed(s.handlePhoto(true)))
	mux.Handle("GET /api/v1/hotspots", s.authed(s.handleHotspots))
	mux.Handle("GET /api/v1/warnings", s.authed(s.handleWarnings))
	mux.Handle("GET /api/v1/figures", s.authed(s.handleFigures))
	mux.Handle("POST /api/v1/warnings/{id}/acknowledge", s.authed(s.handleAcknowledgeWarning))
	mux.Handle("POST /api/v1/warning-subscriptions", s.admin(s.handleSaveWarningSubscription))
	mux.HandleFunc("GET /api/v1/track/{code}", s.handleTrack)
	mux.HandleFunc("GET /api/v1/track/{code}/photos/{photo}", s.handleTrackedPhoto(false))
	mux.HandleFunc("GET /api/v1/track/{code}/photos/{photo}/thumb", s.handleTrackedPhoto(true))
	mux.Handle("GET /api/v1/hazards", s.staff(s.handleHazards))
	mux.Handle("POST /api/v1/hazards", s.authed(s.handleRegisterHazard, anju.RoleGridWorker, anju.RoleDispatcher, anju.RoleSupervisor, anju.RoleAdmin))
	mux.Handle("GET /api/v1/hazards/{id}", s.staff(s.handleHazard))
	mux.Handle("GET /api/v1/hazards/figures", s.staff(s.handleHazardFigures))
	mux.Handle("GET /api/v1/hazards/checklists", s.staff(s.handleChecklists))
	mux.Handle("PUT /api/v1/hazards/checklists/{type}", s.admin(s.handleSaveChecklist))
	mux.Handle("GET /api/v1/hazards/plan", s.staff(s.handleHazardPlan))
	mux.Handle("PUT /api/v1/hazards/plan/{level}", s.admin(s.handleSaveHazardPlan))
	mux.Handle("POST /api/v1/hazards/findings/{id}/reinspect", s.authed(s.handleReinspect, anju.RoleGridWorker, anju.RoleDispatcher))
	mux.Handle("GET /api/v1/inspections", s.staff(s.handleInspections))
	mux.Handle("GET /api/v1/inspections/{id}", s.staff(s.handleInspection))
	mux.Handle("POST /api/v1/inspections/{id}/complete", s.authed(s.handleCompleteInspection, anju.RoleGridWorker))
	mux.Handle("POST /api/v1/disputes", s.authed(s.handleCreateDispute))
	mux.Handle("GET /api/v1/disputes", s.authed(s.handleDisputes))
	mux.Handle("GET /api/v1/disputes/settings", s.authed(s.handleDisputeSettings))
	mux.Handle("GET /api/v1/disputes/queues", s.staff(s.handleDisputeQueues))
	mux.Handle("PUT /api/v1/disputes/settings", s.admin(s.handleSaveDisputeSettings))
	mux.Handle("GET /api/v1/disputes/{id}", s.authed(s.handleDispute))
	mux.Handle("GET /api/v1/disputes/{id}/agreement", s.authed(s.handleDisputeAgreement))
	mux.Handle("POST /api/v1/disputes/{id}/sessions", s.staff(s.handleDisputeSession()))
	mux.Handle("POST /api/v1/disputes/{id}/outcome", s.staff(s.handleDisputeOutcome()))
	mux.Handle("POST /api/v1/disputes/{id}/referral", s.staff(s.handleDisputeReferral()))
	mux.Handle("POST /api/v1/disputes/{id}/follow-up", s.staff(s.handleDisputeFollowUp()))
	mux.Handle("GET /api/v1/receptions", s.staff(s.handleReceptions))
	mux.Handle("POST /api/v1/receptions", s.authed(s.handleCreateReception, organisers...))
	mux.Handle("GET /api/v1/receptions/mine/cases", s.staff(s.handleLeaderCases))
	mux.Handle("GET /api/v1/receptions/{id}", s.staff(s.handleReception))
	mux.Handle("POST /api/v1/receptions/{id}/publish", s.authed(s.handleReceptionAction(meeting.SessionPublish), organisers...))
	mux.Handle("POST /api/v1/receptions/{id}/hold", s.authed(s.handleReceptionAction(meeting.SessionHold), organisers...))
	mux.Handle("POST /api/v1/receptions/{id}/close", s.authed(s.handleReceptionAction(meeting.SessionClose), organisers...))
	mux.Handle("POST /api/v1/receptions/{id}/cancel", s.authed(s.handleReceptionAction(meeting.SessionCancel), organisers...))
	mux.Handle("POST /api/v1/receptions/{id}/bookings", s.authed(s.handleBookReception))
	mux.Handle("POST /api/v1/receptions/{id}/cases", s.authed(s.handleReceptionCase, sessionCaseFilers...))
	mux.Handle("GET /api/v1/meetings", s.staff(s.handleMeetings))
	mux.Handle("POST /api/v1/meetings", s.authed(s.handleCreateMeeting, conveners...))
	mux.Handle("GET /api/v1/meetings/{id}", s.staff(s.handleMeeting))
	mux.Handle("POST /api/v1/meetings/{id}/hold", s.authed(s.handleMeetingAction(meeting.ActionHold), conveners...))
	mux.Handle("POST /api/v1/meetings/{id}/cancel", s.authed(s.handleMeetingAction(meeting.ActionCancel), conveners...))
	mux.Handle("POST /api/v1/meetings/{id}/proposals", s.authed(s.handleProposeTopic))
	mux.Handle("POST /api/v1/meetings/{id}/proposals/{proposal}/{action}", s.authed(s.handleModerateProposal, conveners...))
	mux.Handle("POST /api/v1/meetings/{id}/minutes", s.authed(s.handleMinutes, conveners...))
	mux.Handle("POST /api/v1/meetings/{id}/decisions", s.authed(s.handleDecision, conveners...))
	mux.Handle("GET /api/v1/search", s.authed(s.handleSearch))
	mux.Handle("POST /api/v1/suggest", s.authed(s.handleSuggest))
	mux.Handle("GET /api/v1/classifier", s.authed(s.handleModels))
	mux.Handle("POST /api/v1/classifier/train", s.admin(s.handleTrainModels))

	mux.Handle("/api/", http.HandlerFunc(s.handleAPINotFound))
}

func (s *API) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, anju.Errorf(anju.ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
}
