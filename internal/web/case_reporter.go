package web

import (
	"net/http"
	"unicode/utf8"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/personal"
)

// handleUnmask shows the reporter's personal data in clear: POST
// /work/cases/{id}/reporter with the reason, which the store requires and
// audits with the reader's name, as the API's unmasking does. The data is
// shown on this answer only (the page is not cached, and no redirect carries
// it); a missing reason or a role without the right is said in the panel.
func (w *Web) handleUnmask(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := caseIDOf(r)
	if !ok {
		w.fail(rw, r, v, notFoundCase(r))
		return
	}
	reason := r.PostForm.Get("reason")
	panel := reporterPanel{Reason: keptText(reason)}
	var err error
	if !httpx.PlainText(reason) || utf8.RuneCountInString(reason) > maxTextInput {
		err = anju.FieldError("reason", "the reason must be text of at most %d characters", maxTextInput)
	}
	var d personal.Data
	if err == nil {
		d, err = w.db.UnmaskReporter(r.Context(), v.Actor, id, reason)
	}
	switch {
	case err == nil:
		panel.Clear = &d
	case anju.ErrorCode(err) == anju.ENOTFOUND:
		w.fail(rw, r, v, err)
		return
	case anju.ErrorField(err) == "reason" && anju.Blank(reason):
		panel.Error, panel.Status = v.T("case.unmask.reason_required"), http.StatusBadRequest
	default:
		panel.Error, panel.Status = errorMessage(v, err), httpx.Status(anju.ErrorCode(err))
	}
	w.renderCase(rw, r, v, id, nil, panel)
}
