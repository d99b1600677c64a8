package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"anju/internal/anju"
	"anju/internal/cases"
)

// handleWorkDispatch dispatches the cases selected on the workbench (ids,
// with the version each row showed as version.<id>) to one department,
// each on its own (store.DispatchCases), and answers 303 to the list it
// came from (back) with a report of each case. A form that cannot be acted
// on — nothing selected, no department or one out of reach — shows the
// workbench again with the message and the selection kept.
func (w *Web) handleWorkDispatch(rw http.ResponseWriter, r *http.Request, v *View) {
	v.Title = v.T("nav.work")
	form := r.PostForm
	back, err := url.ParseQuery(form.Get("back"))
	if err != nil {
		back = url.Values{}
	}
	list := url.Values{}
	for _, n := range append(filterNames, "before") {
		if val := back.Get(n); val != "" {
			list.Set(n, val)
		}
	}
	department := strings.TrimSpace(form.Get("department"))
	var ids []int64
	versions := map[int64]int64{}
	refusal := "" // the catalogue's sentence for a form that cannot be acted on
	for _, s := range form["ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 1 {
			refusal = "work.dispatch.bad.ids"
			continue
		}
		ids = append(ids, id)
		if ver, err := strconv.ParseInt(form.Get("version."+s), 10, 64); err == nil && ver > 0 {
			versions[id] = ver
		}
	}
	switch {
	case refusal != "":
	case len(ids) == 0:
		refusal = "work.dispatch.bad.ids"
	case department == "":
		refusal = "work.dispatch.bad.department"
	default:
		if _, err := w.db.GetDepartment(r.Context(), v.Actor, department); err != nil {
			if !userError(err) {
				w.fail(rw, r, v, err)
				return
			}
			refusal = "work.dispatch.bad.department_reach"
		}
	}
	if refusal != "" {
		w.dispatchRefused(rw, r, v, list, ids, department, v.T(refusal), strings.TrimPrefix(refusal, "work.dispatch.bad."))
		return
	}
	res, err := w.db.DispatchCases(r.Context(), v.Actor, ids, versions, department, cases.Input{Note: strings.TrimSpace(form.Get("note"))})
	if err != nil {
		if !userError(err) {
			w.fail(rw, r, v, err)
			return
		}
		w.dispatchRefused(rw, r, v, list, ids, department, errorMessage(v, err), "ids")
		return
	}
	var done, failed []string
	for _, x := range res {
		if x.OK {
			done = append(done, strconv.FormatInt(x.ID, 10))
		} else {
			failed = append(failed, strconv.FormatInt(x.ID, 10)+":"+failureReason(x.Code, x.Error))
		}
	}
	to := withParam(list, "dispatched_to", department)
	to = withParam(to, "dispatched", strings.Join(done, ","))
	to = withParam(to, "failed", strings.Join(failed, ","))
	seeOther(rw, r, workURL(to))
}

// failureReason is the token a report carries for a case's failure: its
// error code, or "department" when the department does not serve the
// case's place.
func failureReason(code, message string) string {
	if code == anju.EINVALID && strings.HasPrefix(message, "department:") {
		return "department"
	}
	return code
}

// dispatchRefused shows the workbench again with why the dispatch was not
// done (message, about field "ids" or "department"), the selection and the
// department kept.
func (w *Web) dispatchRefused(rw http.ResponseWriter, r *http.Request, v *View, list url.Values, ids []int64, department, message, field string) {
	p, status, err := w.workbench(r.Context(), v, list)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if p.Error == "" {
		status = http.StatusBadRequest
		if field == "department_reach" {
			field = "department"
		}
		p.Error, p.Field = message, "dispatch-"+field
	}
	for i := range p.Rows {
		for _, id := range ids {
			p.Rows[i].Selected = p.Rows[i].Selected || p.Rows[i].ID == id
		}
	}
	for _, g := range p.Targets {
		for i := range g.Options {
			g.Options[i].Selected = g.Options[i].Value == department
		}
	}
	w.render(rw, r, v, status, "work/home", p)
}
