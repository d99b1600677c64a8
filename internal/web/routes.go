package web

import (
	"net/http"

	"anju/internal/anju"
	"anju/internal/cases"
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
	handle("GET /work/hazards", w.staff(w.handleHazards))
	handle("GET /work/hazards/new", w.staff(w.handleHazardForm))
	handle("POST /work/hazards", w.staff(w.handleHazardSave))
	handle("GET /work/findings", w.staff(w.handleFindings))
	handle("GET /work/findings/{id}", w.staff(w.handleFinding))
	handle("POST /work/findings/{id}/reinspect", w.staff(w.handleReinspect))
	handle("GET /work/hazards/{id}", w.staff(w.handleHazard))
	handle("GET /work/hazards/{id}/edit", w.staff(w.handleHazardForm))
	handle("POST /work/hazards/{id}", w.staff(w.handleHazardSave))
	handle("GET /work/inspections", w.staff(w.handleInspections))
	handle("GET /work/inspections/{id}", w.staff(w.handleInspection))
	handle("POST /work/inspections/{id}", w.staff(w.handleCompleteInspection))
	handle("GET /dash", w.staff(w.handleDash))
	handle("GET /dash/map", w.staff(w.handleDashMap))
	handle("GET /dash/wall", w.staff(w.handleDashWall))
	handle("GET /dash/bulletin", w.staff(w.handleBulletin))
	handle("GET /work/cases/{id}", w.staff(w.handleCase))
	handle("GET /work/disputes/{id}/agreement", w.staff(w.handleDisputeAgreement))
	handle("POST /work/cases/{id}/actions/{action}", w.staff(w.handleCaseAction))
	handle("POST /work/cases/{id}/reporter", w.staff(w.handleUnmask))
	handle("GET /work/cases/{id}/photos/{photo}", w.staff(w.casePhoto(false)))
	handle("GET /work/cases/{id}/photos/{photo}/thumb", w.staff(w.casePhoto(true)))

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
	handle("GET /admin/hazards", w.adminOnly(w.handleAdminHazards))
	handle("POST /admin/hazards/plan/{level}", w.adminOnly(w.handleAdminHazardPlan))
	handle("GET /admin/hazards/checklists/{type}", w.adminOnly(w.handleAdminChecklist))
	handle("POST /admin/hazards/checklists/{type}", w.adminOnly(w.handleAdminChecklistSave))
	handle("GET /admin/audit", w.adminOnly(w.handleAdminAudit, anju.RoleAuditor, anju.RoleAdmin))

	// Anything else under the web's reach is a 404 page in the reader's
	// language (the API keeps its JSON 404 under /api/).
	handle("/", w.page(w.handleNotFound))
}
