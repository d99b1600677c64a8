package web

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
)

// Register mounts every page on mux. Public pages are plain handlers; staff
// pages go through w.staff (a signed-in user, else the sign-in page). Every
// route also passes w.guard: CSRF check on state changes, language choice,
// security headers.
func (w *Web) Register(mux *http.ServeMux) {
	handle := func(pattern string, h http.Handler) { mux.Handle(pattern, w.guard(h)) }

	mux.Handle("GET /static/{path...}", http.HandlerFunc(serveStatic))
	handle("GET /geo/regions/{code}", http.HandlerFunc(w.handleRegionShapes))
	handle("GET /geo/locate", http.HandlerFunc(w.handleLocate))

	handle("GET /{$}", w.page(w.handleHome))
	handle("GET /report", w.page(w.handleReportForm))
	handle("POST /report", w.page(w.handleReport))
	handle("POST /report/metoo", w.page(w.handleMeToo))
	handle("GET /report/categories", w.page(w.handleReportAssist("categories")))
	handle("GET /report/similar", w.page(w.handleReportAssist("similar")))
	handle("GET /track", w.page(w.handleTrackQuery))
	handle("GET /track/{code}", w.page(w.handleTrack))
	handle("POST /track/{code}/rate", w.page(w.handleReporterAction(cases.ActionRate)))
	handle("POST /track/{code}/reopen", w.page(w.handleReporterAction(cases.ActionReopen)))
	handle("GET /receptions", w.page(w.handleReceptions))
	handle("POST /receptions/{id}/book", w.page(w.handleBookSlot))
	handle("POST /meetings/{id}/propose", w.page(w.handleProposeTopic))
	handle("GET /map", w.page(w.handleMap))
	handle("GET /map/cases.geojson", w.page(w.handleMapPoints))
	handle("GET /privacy", w.page(w.handlePrivacy))
	handle("GET /figures", w.page(w.handlePublicFigures))
	handle("GET /login", w.page(w.handleLoginPage))
	handle("POST /login", w.page(w.handleLogin))
	handle("POST /logout", w.page(w.handleLogout))

	handle("GET /work", w.staff(w.handleWork))
	handle("POST /work/dispatch", w.staff(w.handleWorkDispatch))
	handle("GET /work/new", w.staff(w.handleIntakePage))
	handle("POST /work/new", w.staff(w.handleIntake))
	handle("GET /work/grid", w.staff(w.handleGrid))
	handle("GET /dash", w.staff(w.handleDash))
	handle("GET /dash/map", w.staff(w.handleDashMap))
	handle("GET /dash/wall", w.staff(w.handleDashWall))
	handle("GET /dash/bulletin", w.staff(w.handleBulletin))
	handle("GET /work/cases/{id}", w.staff(w.handleCase))
	handle("GET /work/disputes", w.staff(w.handleDisputes))
	handle("GET /work/disputes/new", w.staff(w.handleDisputeIntakePage))
	handle("POST /work/disputes/new", w.staff(w.handleDisputeIntake))
	handle("GET /work/disputes/{id}/agreement", w.staff(w.handleDisputeAgreement))
	handle("POST /work/disputes/{id}/{step}", w.staff(w.handleDisputeStep))
	handle("GET /work/petitions/{id}/notice", w.staff(w.handlePetitionPrint(store.PrintNotice)))
	handle("GET /work/petitions/{id}/opinion", w.staff(w.handlePetitionPrint(store.PrintOpinion)))
	handle("POST /work/petitions/{id}/{step}", w.staff(w.handlePetitionStep))
	handle("POST /work/cases/{id}/actions/{action}", w.staff(w.handleCaseAction))
	handle("POST /work/cases/{id}/reporter", w.staff(w.handleUnmask))
	handle("GET /work/cases/{id}/photos/{photo}", w.staff(w.casePhoto(false)))
	handle("GET /work/cases/{id}/photos/{photo}/thumb", w.staff(w.casePhoto(true)))
	handle("GET /work/receptions", w.staff(w.handleReceptionList))
	handle("GET /work/receptions/new", w.staff(w.handleReceptionNew))
	handle("POST /work/receptions", w.staff(w.handleReceptionCreate))
	handle("GET /work/receptions/mine", w.staff(w.handleLeaderCases))
	handle("GET /work/receptions/{id}", w.staff(w.handleReception))
	handle("POST /work/receptions/{id}/actions/{action}", w.staff(w.handleReceptionAction))
	handle("POST /work/receptions/{id}/bookings", w.staff(w.handleReceptionBook))
	handle("GET /work/receptions/{id}/cases/new", w.staff(w.handleReceptionCaseForm))
	handle("POST /work/receptions/{id}/cases", w.staff(w.handleReceptionCase))
	handle("GET /work/meetings", w.staff(w.handleMeetingList))
	handle("GET /work/meetings/new", w.staff(w.handleMeetingNew))
	handle("POST /work/meetings", w.staff(w.handleMeetingCreate))
	handle("GET /work/meetings/{id}", w.staff(w.handleMeeting))
	handle("POST /work/meetings/{id}/actions/{action}", w.staff(w.handleMeetingAction))
	handle("POST /work/meetings/{id}/proposals/{proposal}/{action}", w.staff(w.handleProposalModerate))
	handle("POST /work/meetings/{id}/minutes", w.staff(w.handleMeetingMinutes))
	handle("POST /work/meetings/{id}/decisions", w.staff(w.handleMeetingDecision))

	handle("GET /admin", w.adminOnly(w.handleAdminIndex, anju.RoleAdmin, anju.RoleAuditor))
	handle("GET /admin/users", w.adminOnly(w.handleAdminUsers))
	handle("GET /admin/users/new", w.adminOnly(w.handleAdminUserNew))
	handle("POST /admin/users", w.adminOnly(w.handleAdminUserCreate))
	handle("GET /admin/users/{login}", w.adminOnly(w.handleAdminUser))
	handle("POST /admin/users/{login}/grants", w.adminOnly(w.handleAdminGrant))
	handle("POST /admin/users/{login}/grants/{id}/revoke", w.adminOnly(w.handleAdminRevoke))
	handle("POST /admin/users/{login}/tokens", w.adminOnly(w.handleAdminTokenCreate))
	handle("POST /admin/users/{login}/tokens/{id}/revoke", w.adminOnly(w.handleAdminTokenRevoke))
	handle("POST /admin/users/{login}/disabled", w.adminOnly(w.handleAdminDisable))
	handle("GET /admin/departments", w.adminOnly(w.handleAdminDepartments))
	handle("GET /admin/departments/new", w.adminOnly(w.handleAdminDepartment))
	handle("GET /admin/departments/{code}", w.adminOnly(w.handleAdminDepartment))
	handle("POST /admin/departments", w.adminOnly(w.handleAdminDepartmentSave))
	handle("GET /admin/categories", w.adminOnly(w.handleAdminCategories))
	handle("GET /admin/categories/new", w.adminOnly(w.handleAdminCategory))
	handle("GET /admin/categories/{code}", w.adminOnly(w.handleAdminCategory))
	handle("POST /admin/categories", w.adminOnly(w.handleAdminCategorySave))
	handle("GET /admin/calendar", w.adminOnly(w.handleAdminCalendar))
	handle("POST /admin/calendar", w.adminOnly(w.handleAdminCalendarSave))
	handle("GET /admin/notifications", w.adminOnly(w.handleAdminNotifications))
	handle("POST /admin/notifications/subscriptions", w.adminOnly(w.handleAdminSubscriptionSave))
	handle("POST /admin/notifications/warnings", w.adminOnly(w.handleAdminWarningSubscriptionSave))
	handle("GET /admin/audit", w.adminOnly(w.handleAdminAudit, anju.RoleAuditor, anju.RoleAdmin))

	// Anything else under the web's reach is a 404 page in the reader's
	// language (the API keeps its JSON 404 under /api/).
	handle("/", w.page(w.handleNotFound))
}
