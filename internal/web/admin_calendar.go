package web

import (
	"net/http"
	"net/url"

	"anju/internal/deadline"
	"anju/internal/httpx"
)

// calendarPage is one page of the city's own holidays and working days,
// latest first, with the form that sets a day.
type calendarPage struct {
	Days  []deadline.Override
	Next  string
	Kinds []deadline.DayKind
	Form  *form
}

func (w *Web) handleAdminCalendar(rw http.ResponseWriter, r *http.Request, v *View) {
	w.showCalendar(rw, r, v, nil)
}

func (w *Web) showCalendar(rw http.ResponseWriter, r *http.Request, v *View, f *form) {
	before := httpx.NewQuery(r).String("before")
	days, err := w.db.ListCalendarDays(r.Context(), v.Actor, before, adminPageSize+1)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := calendarPage{Days: days, Kinds: []deadline.DayKind{deadline.Holiday, deadline.Workday}, Form: f}
	if len(days) > adminPageSize {
		p.Days = days[:adminPageSize]
		p.Next = p.Days[adminPageSize-1].Date.String()
	}
	if p.Form == nil {
		p.Form = &form{Values: url.Values{"kind": {string(deadline.Holiday)}}}
	}
	v.Title = v.T("admin.calendar")
	w.render(rw, r, v, formStatus(f), "admin/calendar", p)
}

// handleAdminCalendarSave sets a day through SetCalendarDay, the API's call.
func (w *Web) handleAdminCalendarSave(rw http.ResponseWriter, r *http.Request, v *View) {
	q := httpx.QueryOf(r.PostForm)
	if err := w.db.SetCalendarDay(r.Context(), v.Actor, q.String("date"), deadline.DayKind(q.String("kind")), q.String("note")); err != nil {
		if f := w.refusal(rw, r, v, err); f != nil {
			w.showCalendar(rw, r, v, f)
		}
		return
	}
	seeOther(rw, r, "/admin/calendar?done=day_saved")
}
