package web

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"anju/internal/dispute"
	"anju/internal/httpx"
	"anju/internal/store"
)

// The dispute queues (GET /work/disputes?queue=…): the mediations in the
// reader's committee and the sessions to record for mediators, the
// follow-up visits due and the referrals awaiting a result for grid
// workers and dispatchers (dispute.Queues), each with its count, as tabs on
// the workbench (/work) and on this page, which lists one queue — or every
// dispute the reader may see — newest first, paged by key.

// disputeListPage is the data of templates/work/disputes.html.
type disputeListPage struct {
	Queue   dispute.Queue
	Tabs    []queueTab
	All     queueTab
	Rows    []disputeRow
	Next    string
	First   string
	Caption string
	Error   string
	MayFile bool
	Empty   string
}

type disputeRow struct {
	store.DisputeSummary
	Code, TypeName, Place, Department, Amount string
}

// disputeTabs are the reader's dispute queues with their counts, linking to
// /work/disputes; none for a reader who has none.
func (w *Web) disputeTabs(ctx context.Context, v *View, current dispute.Queue) ([]queueTab, error) {
	counts, err := w.db.DisputeQueueCounts(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	var out []queueTab
	for _, c := range counts {
		out = append(out, queueTab{Label: v.T("dispute.queue." + string(c.Queue)), Count: c.Count, Counted: true,
			URL: "/work/disputes?queue=" + string(c.Queue), Current: c.Queue == current})
	}
	return out, nil
}

func (w *Web) handleDisputes(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	q := httpx.NewQuery(r)
	before := q.ID("before")
	queue, qerr := dispute.ParseQueue(q.String("queue"))
	if qerr == nil {
		qerr = q.Err()
	}
	p := &disputeListPage{Queue: queue}
	p.MayFile = mayFileDisputes(v)
	var err error
	if p.Tabs, err = w.disputeTabs(ctx, v, queue); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.All = queueTab{Label: v.T("dispute.queue.all"), URL: "/work/disputes", Current: queue == ""}
	label := p.All.Label
	for _, t := range p.Tabs {
		if t.Current {
			label = t.Label
		}
	}
	v.Title = v.T("dispute.list.title")
	status := http.StatusOK
	var list store.DisputeList
	if qerr == nil {
		list, qerr = w.db.ListDisputes(ctx, v.Actor, store.DisputeFilter{Queue: queue, Before: before})
	}
	if qerr != nil {
		if !userError(qerr) {
			w.fail(rw, r, v, qerr)
			return
		}
		p.Error, status = v.T("dispute.list.bad_queue"), httpStatusOf(qerr)
		p.Queue = ""
		w.render(rw, r, v, status, "work/disputes", p)
		return
	}
	p.Caption = v.T("dispute.list.caption", label)
	p.Empty = v.T("dispute.list.empty")
	depts, err := w.db.ListDepartments(ctx, v.Actor, store.DepartmentFilter{})
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	names := map[string]string{}
	for _, d := range depts {
		names[d.Code] = d.Name
	}
	for _, d := range list.Disputes {
		row := disputeRow{DisputeSummary: d, Code: store.FormatTrackingCode(d.TrackingCode), TypeName: v.T("agreement.type." + string(d.Type)),
			Place: d.GridName, Department: names[d.Department], Amount: dispute.Yuan(int64(math.Round(d.Amount * 100)))}
		if row.Place == "" {
			row.Place = d.Grid
		}
		if row.Department == "" {
			row.Department = d.Department
		}
		p.Rows = append(p.Rows, row)
	}
	page := url.Values{}
	if queue != "" {
		page.Set("queue", string(queue))
	}
	if list.Next != 0 {
		next := withParam(page, "before", strconv.FormatInt(list.Next, 10))
		p.Next = "/work/disputes?" + next.Encode()
	}
	if before != 0 {
		p.First = "/work/disputes"
		if len(page) > 0 {
			p.First += "?" + page.Encode()
		}
	}
	w.render(rw, r, v, status, "work/disputes", p)
}

// mayFileDisputes reports whether the reader files disputes.
func mayFileDisputes(v *View) bool {
	for _, role := range disputeIntakeRoles {
		if v.Has(role) {
			return true
		}
	}
	return false
}
