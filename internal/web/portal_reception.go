package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"anju/internal/anju"
	"anju/internal/meeting"
	"anju/internal/store"
)

// The reception page: GET /receptions lists the city's published reception
// sessions (领导干部下基层接访), each with a form to book a free slot, and
// its scheduled community meetings, each with a form to propose a topic.
// POST /receptions/{id}/book and POST /meetings/{id}/propose take the
// forms (URL-encoded; the CSRF guard checks them first) from anyone, limited
// per address as reports are, and answer with the booking code or the
// proposal's receipt. Field names are the JSON API's.

// receptionForm is what the resident typed into one of the page's forms.
type receptionForm struct {
	Slot, Name, Phone, Topic, Text, Website string
}

// receptionPage is the data of the reception page.
type receptionPage struct {
	Sessions []sessionView
	Meetings []store.Meeting
	// For names the form that failed ("session-3", "meeting-2"), whose
	// values and errors the page shows again.
	For    string
	Form   receptionForm
	Errors fieldErrors
	Alert  string
}

// sessionView is a session with the slots a resident may still book.
type sessionView struct {
	store.ReceptionSession
	Open []store.Slot
}

// Has reports whether the failed form has an error on field.
func (p receptionPage) Has(field string) bool { _, ok := p.Errors[field]; return ok }

// receptionDone is the answer to a booking or a proposal.
type receptionDone struct {
	Booking  *store.ReceptionBooking
	Session  *store.ReceptionSession
	Proposal *store.Proposal
	Meeting  *store.Meeting
}

func (w *Web) receptionPage(ctx context.Context, v *View, p receptionPage) (receptionPage, error) {
	v.Title = v.T("reception.title")
	city, err := w.portalCity(ctx)
	if err != nil {
		return p, err
	}
	sessions, err := w.db.PublicReceptions(ctx, city, 50)
	if err != nil {
		return p, err
	}
	now := w.db.Now()
	for _, s := range sessions {
		sv := sessionView{ReceptionSession: s}
		for _, sl := range s.SlotList {
			if sl.Free > 0 && sl.Start.After(now) {
				sv.Open = append(sv.Open, sl)
			}
		}
		p.Sessions = append(p.Sessions, sv)
	}
	if p.Meetings, err = w.db.PublicMeetings(ctx, city, 50); err != nil {
		return p, err
	}
	if p.Errors == nil {
		p.Errors = fieldErrors{}
	}
	return p, nil
}

func (w *Web) handleReceptions(rw http.ResponseWriter, r *http.Request, v *View) {
	p, err := w.receptionPage(r.Context(), v, receptionPage{})
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	w.render(rw, r, v, http.StatusOK, "portal/reception", p)
}

// receptionFields are the form's fields, each bounded in bytes (a rune is
// at most four) before any rule reads it.
var receptionFields = map[string]int{"slot": 64, "name": 4 * meeting.MaxName, "phone": 120,
	"topic": 4 * meeting.MaxText, "text": 4 * meeting.MaxText, "website": 200}

// readReceptionForm reads the posted form, checking that each field is
// text of a bounded length.
func readReceptionForm(r *http.Request, v *View) (receptionForm, fieldErrors) {
	errs := fieldErrors{}
	get := func(name string) string {
		s := r.PostForm.Get(name)
		switch {
		case !validText(s):
			errs[name] = v.T("portal.err.utf8")
			return ""
		case len(s) > receptionFields[name]:
			errs[name] = v.T("portal.err.too_long")
			return ""
		}
		return s
	}
	return receptionForm{Slot: get("slot"), Name: get("name"), Phone: get("phone"), Topic: get("topic"),
		Text: get("text"), Website: get("website")}, errs
}

// receptionAgain shows the page again with the failed form's values, its
// errors and the alert.
func (w *Web) receptionAgain(rw http.ResponseWriter, r *http.Request, v *View, forID string, form receptionForm, errs fieldErrors, status int, alert string) {
	if alert == "" && len(errs) > 0 {
		alert = v.T("form.fix_errors")
	}
	p, err := w.receptionPage(r.Context(), v, receptionPage{For: forID, Form: form, Errors: errs, Alert: alert})
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	w.render(rw, r, v, status, "portal/reception", p)
}

// portalPoster is who posts a portal form and whether the per-address
// limit was passed: a signed-in resident acts as themself, anyone else as
// the public portal, the one limited.
func (w *Web) portalPoster(rw http.ResponseWriter, r *http.Request, v *View) (*anju.Actor, error, error) {
	city, err := w.portalCity(r.Context())
	if err != nil {
		return nil, nil, err
	}
	actor, public := filer(v, city)
	if public {
		return actor, w.allowReport(rw, r), nil
	}
	return actor, nil, nil
}

// receptionFailure turns what the store refused into the page again: a
// field error on its field, a full slot or a closed session as an alert,
// anything else as the error page.
func (w *Web) receptionFailure(rw http.ResponseWriter, r *http.Request, v *View, forID string, form receptionForm, err error) {
	code := anju.ErrorCode(err)
	errs := fieldErrors{}
	switch field := anju.ErrorField(err); {
	case code == anju.EINVALID && field != "":
		if _, ok := receptionFields[field]; !ok {
			field = "text"
		}
		errs[field] = v.T("reception.err." + field)
		w.receptionAgain(rw, r, v, forID, form, errs, http.StatusBadRequest, "")
	case code == anju.ECONFLICT:
		w.receptionAgain(rw, r, v, forID, form, errs, http.StatusConflict, v.T("reception.err.full"))
	default:
		w.fail(rw, r, v, err)
	}
}

// readReceptionPost reads a post of one of the page's forms about the
// session or meeting (what) in the path: the poster, limited per address
// when public, and the form, checked. When it was refused it has answered
// (ok false): the page again with why, or the error page.
func (w *Web) readReceptionPost(rw http.ResponseWriter, r *http.Request, v *View, what string) (id int64, forID string, actor *anju.Actor, form receptionForm, ok bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no such %s", what))
		return 0, "", nil, form, false
	}
	forID = what + "-" + strconv.FormatInt(id, 10)
	actor, limited, err := w.portalPoster(rw, r, v)
	if err != nil {
		w.fail(rw, r, v, err)
		return 0, "", nil, form, false
	}
	form, errs := readReceptionForm(r, v)
	switch {
	case limited != nil:
		w.receptionAgain(rw, r, v, forID, form, errs, http.StatusTooManyRequests, errorMessage(v, limited))
	case form.Website != "":
		w.receptionAgain(rw, r, v, forID, form, errs, http.StatusBadRequest, v.T("portal.report.refused"))
	case len(errs) > 0:
		w.receptionAgain(rw, r, v, forID, form, errs, http.StatusBadRequest, "")
	default:
		return id, forID, actor, form, true
	}
	return 0, "", nil, form, false
}

func (w *Web) handleBookSlot(rw http.ResponseWriter, r *http.Request, v *View) {
	id, forID, actor, form, ok := w.readReceptionPost(rw, r, v, "session")
	if !ok {
		return
	}
	in := meeting.Booking{Name: form.Name, Phone: form.Phone, Topic: form.Topic}
	if form.Slot != "" {
		var err error
		if in.Slot, err = time.Parse(time.RFC3339, form.Slot); err != nil {
			w.receptionAgain(rw, r, v, forID, form, fieldErrors{"slot": v.T("reception.err.slot")}, http.StatusBadRequest, "")
			return
		}
	}
	b, err := w.db.BookSlot(r.Context(), actor, id, in)
	if err != nil {
		w.receptionFailure(rw, r, v, forID, form, err)
		return
	}
	done := receptionDone{Booking: &b}
	if ss, err := w.db.PublicReceptions(r.Context(), actor.City, 200); err == nil {
		for i := range ss {
			if ss[i].ID == id {
				done.Session = &ss[i]
			}
		}
	}
	v.Title = v.T("reception.booked.title")
	w.render(rw, r, v, http.StatusOK, "portal/reception_done", done)
}

func (w *Web) handleProposeTopic(rw http.ResponseWriter, r *http.Request, v *View) {
	id, forID, actor, form, ok := w.readReceptionPost(rw, r, v, "meeting")
	if !ok {
		return
	}
	p, err := w.db.ProposeTopic(r.Context(), actor, id, meeting.Proposal{Text: form.Text, Name: form.Name, Phone: form.Phone})
	if err != nil {
		w.receptionFailure(rw, r, v, forID, form, err)
		return
	}
	done := receptionDone{Proposal: &p}
	if ms, err := w.db.PublicMeetings(r.Context(), actor.City, 200); err == nil {
		for i := range ms {
			if ms[i].ID == id {
				done.Meeting = &ms[i]
			}
		}
	}
	v.Title = v.T("reception.proposed.title")
	w.render(rw, r, v, http.StatusOK, "portal/reception_done", done)
}
