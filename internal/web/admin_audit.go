package web

import (
	"net/http"
	"net/url"
	"strconv"

	"anju/internal/audit"
	"anju/internal/httpx"
	"anju/internal/store"
)

// auditPage is one page of the city's audit log, newest first, with the
// API's filters (action, before, limit) and whether the chain holds over the
// page's stretch of it.
type auditPage struct {
	Entries []audit.Entry
	Action  string
	Limit   int
	Next    string // the query of the next page
	Check   store.AuditCheck
	Checked bool
}

func (w *Web) handleAdminAudit(rw http.ResponseWriter, r *http.Request, v *View) {
	q := httpx.NewQuery(r)
	f := store.AuditFilter{Action: q.String("action"), Before: q.ID("before"), Limit: q.Int("limit", adminPageSize, 1, 500)}
	if err := q.Err(); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	es, err := w.db.ListAudit(r.Context(), v.Actor, f)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := auditPage{Entries: es, Action: f.Action, Limit: f.Limit}
	if len(es) > 0 {
		newest, oldest := es[0].Seq, es[len(es)-1].Seq
		if p.Check, err = w.db.VerifyAuditRange(r.Context(), v.Actor, oldest, newest); err != nil {
			w.fail(rw, r, v, err)
			return
		}
		p.Checked = true
		if len(es) == f.Limit && oldest > 1 {
			next := url.Values{"before": {idString(oldest)}}
			if f.Action != "" {
				next.Set("action", f.Action)
			}
			if f.Limit != adminPageSize {
				next.Set("limit", strconv.Itoa(f.Limit))
			}
			p.Next = "/admin/audit?" + next.Encode()
		}
	}
	v.Title = v.T("admin.audit")
	w.render(rw, r, v, http.StatusOK, "admin/audit", p)
}
