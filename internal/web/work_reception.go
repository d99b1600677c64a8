package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/httpx"
	"anju/internal/locale"
	"anju/internal/meeting"
	"anju/internal/region"
	"anju/internal/store"
)

// Leaders' reception sessions on the workbench (领导干部下基层接访), the
// same store calls as /api/v1/receptions:
//
//	GET  /work/receptions                        the sessions of the reader's area, newest first, by key (before=)
//	GET  /work/receptions/new                    the form to arrange one (organisers)
//	POST /work/receptions                        arrange it, in draft → its page
//	GET  /work/receptions/{id}                   a session: slots, bookings (masked), its cases, what the reader may do
//	POST /work/receptions/{id}/actions/{action}  publish, hold, close, cancel
//	POST /work/receptions/{id}/bookings          book a slot for a resident who calls or walks in
//	GET  /work/receptions/{id}/cases/new         the form to file a case born at the session (booking=)
//	POST /work/receptions/{id}/cases             file it → the case's page
//	GET  /work/receptions/mine                   the leader's own list: cases born at their sessions until closed
//
// A session outside the reader's area is the 404 page, as in the API; what
// the store refuses about a form is said on the form, which keeps what was
// typed.

// meetingPageSize is the length of a page of sessions, meetings or a
// leader's cases.
const meetingPageSize = 30

// MeetsResidents reports whether the reader arranges, books or follows
// reception sessions or community meetings: the roles the header links to
// those pages for.
func (v *View) MeetsResidents() bool {
	return v.Actor != nil && slices.ContainsFunc(append(slices.Clone(meeting.Bookers), meeting.Conveners...), v.Actor.HasRole)
}

// meetingTabs are the pages the sessions and meetings pages link to one
// another.
type meetingTab struct {
	URL, Label string
	Current    bool
}

func meetingTabs(v *View, current string) []meetingTab {
	var out []meetingTab
	for _, t := range []struct{ url, key string }{
		{"/work/receptions", "meeting.tab.sessions"},
		{"/work/receptions/mine", "meeting.tab.mine"},
		{"/work/meetings", "meeting.tab.meetings"},
	} {
		out = append(out, meetingTab{URL: t.url, Label: v.T(t.key), Current: t.url == current})
	}
	return out
}

// placeListPage is the data of the list of sessions and of meetings.
type placeListPage struct {
	Tabs      []meetingTab
	Base      string // the list's path
	NewKey    string // the key of the link to the form that adds one
	State     string
	States    []choice
	Error     string // a bad filter
	CanCreate bool
	Sessions  []store.ReceptionSession
	Meetings  []store.Meeting
	Next      string
	First     string
}

// placeList answers a list of things held at places — sessions or
// meetings — at p.Base: the state filter and the page's key come from the
// query, read reads the page (and returns the next page's key); a bad
// filter is said on the page (400).
func (w *Web) placeList(rw http.ResponseWriter, r *http.Request, v *View, p *placeListPage, page, statePrefix string, states []string,
	read func(state string, before int64) (int64, error)) {
	q := httpx.NewQuery(r)
	state, before := q.String("state"), q.ID("before")
	err := q.Err()
	p.State, p.Tabs = state, meetingTabs(v, p.Base)
	status := http.StatusOK
	if err == nil {
		var next int64
		next, err = read(state, before)
		p.pageLinks(before, next)
	}
	if err != nil {
		if anju.ErrorCode(err) != anju.EINVALID {
			w.fail(rw, r, v, err)
			return
		}
		p.Error, status = v.T("meeting.err.filter"), http.StatusBadRequest
	}
	for _, s := range states {
		p.States = append(p.States, choice{Value: s, Label: v.T(statePrefix + s), Selected: s == p.State})
	}
	w.render(rw, r, v, status, page, p)
}

// pageLinks sets the list's links to the next page (by key) and back to
// the first.
func (p *placeListPage) pageLinks(before, next int64) {
	vs := url.Values{}
	if p.State != "" {
		vs.Set("state", p.State)
	}
	first := p.Base
	if len(vs) > 0 {
		first += "?" + vs.Encode()
	}
	if before > 0 {
		p.First = first
	}
	if next > 0 {
		vs.Set("before", strconv.FormatInt(next, 10))
		p.Next = p.Base + "?" + vs.Encode()
	}
}

// names are the values of a list of states, as strings.
func names[S ~string](states []S) []string {
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

func (w *Web) handleReceptionList(rw http.ResponseWriter, r *http.Request, v *View) {
	v.Title = v.T("meeting.sessions.title")
	p := &placeListPage{Base: "/work/receptions", NewKey: "meeting.sessions.new", CanCreate: slices.ContainsFunc(meeting.Organisers, v.Actor.HasRole)}
	w.placeList(rw, r, v, p, "work/receptions", "meeting.session_state.", names(meeting.SessionStates), func(state string, before int64) (int64, error) {
		l, err := w.db.ListReceptions(r.Context(), v.Actor, store.ReceptionFilter{State: meeting.SessionState(state), Before: before, Limit: meetingPageSize})
		p.Sessions = l.Sessions
		return l.Next, err
	})
}

// sessionForm is the form that arranges a session, as typed.
type sessionForm struct {
	Form    *form
	Regions []choice
	Values  url.Values // the values shown: what was typed, or the defaults
}

// Get is a field's value as shown.
func (f sessionForm) Get(name string) string { return f.Values.Get(name) }

// organisedPlaces are the places the reader may hold something at: the
// regions of levels inside their area where they hold one of roles, a
// parent before its children, indented by depth.
func (w *Web) organisedPlaces(ctx context.Context, v *View, levels []region.Level, roles []anju.Role, selected string) ([]choice, error) {
	rs, err := w.db.ScopeRegions(ctx, v.Actor, 3)
	if err != nil {
		return nil, err
	}
	var out []choice
	for _, r := range rs {
		if !slices.Contains(levels, r.Level) || !v.Actor.HasRoleAt(r.Path, roles...) {
			continue
		}
		indent := strings.Repeat("\u00a0\u00a0", max(0, pathDepth(r.Path)-1))
		out = append(out, choice{Value: r.Code, Label: indent + r.Name, Selected: r.Code == selected})
	}
	return out, nil
}

var sessionLevels = []region.Level{region.LevelDistrict, region.LevelStreet, region.LevelCommunity}

func (w *Web) handleReceptionNew(rw http.ResponseWriter, r *http.Request, v *View) {
	vs := url.Values{"leader": {v.Actor.Login}, "slot_minutes": {"20"}, "capacity": {"1"}}
	w.renderSessionForm(rw, r, v, sessionForm{Values: vs})
}

func (w *Web) renderSessionForm(rw http.ResponseWriter, r *http.Request, v *View, f sessionForm) {
	if !slices.ContainsFunc(meeting.Organisers, v.Actor.HasRole) {
		w.fail(rw, r, v, anju.Errorf(anju.EFORBIDDEN, "reception sessions are arranged by leaders, dispatchers and administrators"))
		return
	}
	var err error
	if f.Regions, err = w.organisedPlaces(r.Context(), v, sessionLevels, meeting.Organisers, f.Get("region")); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	v.Title = v.T("meeting.session_new.title")
	w.render(rw, r, v, formStatus(f.Form), "work/reception_new", f)
}

func (w *Web) handleReceptionCreate(rw http.ResponseWriter, r *http.Request, v *View) {
	if err := plainForm(r); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	f := r.PostForm
	in := meeting.Session{Leader: strings.TrimSpace(f.Get("leader")), LeaderTitle: f.Get("leader_title"), Region: f.Get("region"),
		Place: f.Get("place"), Topics: topicLines(f.Get("topics"))}
	var err error
	if in.Start, in.End, err = dayTimes(f.Get("date"), f.Get("start"), f.Get("end")); err == nil {
		in.SlotMinutes, err = formInt(f, "slot_minutes", 1, 24*60)
	}
	if err == nil {
		in.Capacity, err = formInt(f, "capacity", 1, 1000)
	}
	var s store.ReceptionSession
	if err == nil {
		s, err = w.db.CreateReception(r.Context(), v.Actor, in)
	}
	if err != nil {
		if refused := w.meetingRefusal(rw, r, v, err, "session", ""); refused != nil {
			w.renderSessionForm(rw, r, v, sessionForm{Form: refused, Values: r.PostForm})
		}
		return
	}
	seeOther(rw, r, sessionURL(s.ID)+"?done=created")
}

func sessionURL(id int64) string { return "/work/receptions/" + strconv.FormatInt(id, 10) }

// topicLines are the topics typed one a line.
func topicLines(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(line); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// dayTimes reads a day (2026-05-13) and two times of it (09:00) in
// Beijing time: EINVALID naming date, start or end.
func dayTimes(day, start, end string) (time.Time, time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(day), httpx.ChinaTime)
	if err != nil {
		return time.Time{}, time.Time{}, anju.FieldError("date", "give the day as 2026-05-13")
	}
	at := func(field, s string) (time.Time, error) {
		t, err := time.Parse("15:04", strings.TrimSpace(s))
		if err != nil {
			return time.Time{}, anju.FieldError(field, "give the time as 09:30")
		}
		return d.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute), nil
	}
	s, err := at("start", start)
	if err != nil {
		return s, s, err
	}
	e, err := at("end", end)
	return s, e, err
}

// formInt reads a whole number between lo and hi: EINVALID naming name.
func formInt(f url.Values, name string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(f.Get(name)))
	if err != nil || n < lo || n > hi {
		return 0, anju.FieldError(name, "%s must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}

// meetingRefusal turns what was refused into the form to show again: the
// field's own words where the catalogue has them (meeting.err.<formName>.<field>,
// else meeting.err.<field>), a conflict in conflictKey's words (the state
// changed meanwhile when empty), anything else in the error's sentence. A
// session or meeting outside the reader's area and a failing database get
// the error page, and meetingRefusal returns nil.
func (w *Web) meetingRefusal(rw http.ResponseWriter, r *http.Request, v *View, err error, formName, conflictKey string) *form {
	code := anju.ErrorCode(err)
	switch code {
	case anju.EINVALID, anju.ECONFLICT, anju.EFORBIDDEN, anju.EUNPROCESSABLE:
	default:
		w.fail(rw, r, v, err)
		return nil
	}
	// The store names a reporter's fields as the intake does
	// (reporter.phone); the forms name them as the booking does.
	f := &form{Values: r.PostForm, Field: strings.TrimPrefix(anju.ErrorField(err), "reporter."), Status: httpx.Status(code)}
	if f.Values == nil {
		f.Values = url.Values{}
	}
	key := "meeting.err." + formName + "." + f.Field
	if !locale.Has(v.Lang, key) {
		key = "meeting.err." + f.Field
	}
	switch {
	case code == anju.EINVALID && f.Field != "" && locale.Has(v.Lang, key):
		f.Error = v.T(key)
	case code == anju.ECONFLICT && conflictKey != "":
		f.Error = v.T(conflictKey)
	case code == anju.ECONFLICT:
		f.Error = v.T("meeting.err.conflict")
	case code == anju.EFORBIDDEN:
		f.Error = v.T("meeting.err.forbidden")
	default:
		f.Error = errorMessage(v, err)
	}
	return f
}

// sessionPage is the data of a session's page.
type sessionPage struct {
	Tabs        []meetingTab
	S           store.ReceptionSession
	Open        []store.Slot // slots a resident may still book
	Cases       []originRow
	Notice      string
	refusedForm // FormFor: "book" or a session action
}

// Moves are the actions that move a session on, in the order the page
// offers them.
func (sessionPage) Moves() []string { return []string{"publish", "hold", "close", "cancel"} }

// Attempt is the key of what the refused form tried.
func (p sessionPage) Attempt() string {
	if p.FormFor == "book" {
		return "meeting.session.book"
	}
	return "meeting.action." + p.FormFor
}

// Can reports whether the reader may take action a on the session now.
func (p sessionPage) Can(a string) bool {
	return slices.Contains(p.S.AllowedActions, meeting.SessionAction(a))
}

// originRow is a case born face to face as a list shows it.
type originRow struct {
	store.OriginCase
	Due Due
}

func (w *Web) originRows(v *View, cs []store.OriginCase) []originRow {
	now := w.db.Now()
	out := make([]originRow, 0, len(cs))
	for _, c := range cs {
		out = append(out, originRow{OriginCase: c, Due: dueAt(v, c.Resolution, now, c.State.Open())})
	}
	return out
}

// pathID reads a positive {name} of the path; anything else names nothing
// there is (404).
func pathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, anju.Errorf(anju.ENOTFOUND, "no %s %q", what, r.PathValue(name))
	}
	return id, nil
}

// doneNotice is what a meeting's or a session's page says of the action
// that led to it (?done=), when the catalogue has words for it.
func doneNotice(v *View, r *http.Request) string {
	if done := r.URL.Query().Get("done"); done != "" && locale.Has(v.Lang, "meeting.done."+done) {
		return v.T("meeting.done." + done)
	}
	return ""
}

func (w *Web) handleReception(rw http.ResponseWriter, r *http.Request, v *View) {
	id, err := pathID(r, "id", "reception session")
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := sessionPage{Notice: doneNotice(v, r)}
	w.renderSession(rw, r, v, id, p)
}

func (w *Web) renderSession(rw http.ResponseWriter, r *http.Request, v *View, id int64, p sessionPage) {
	s, err := w.db.GetReception(r.Context(), v.Actor, id)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.Tabs, p.S, p.Cases = meetingTabs(v, ""), s, w.originRows(v, s.Cases)
	now := w.db.Now()
	for _, sl := range s.SlotList {
		if sl.Free > 0 && sl.Start.After(now) {
			p.Open = append(p.Open, sl)
		}
	}
	v.Title = v.T("meeting.session.title", s.LeaderName)
	w.render(rw, r, v, formStatus(p.Form), "work/reception", p)
}

func (w *Web) handleReceptionAction(rw http.ResponseWriter, r *http.Request, v *View) {
	id, err := pathID(r, "id", "reception session")
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	action := meeting.SessionAction(r.PathValue("action"))
	done := map[meeting.SessionAction]string{meeting.SessionPublish: "published", meeting.SessionHold: "held",
		meeting.SessionClose: "closed", meeting.SessionCancel: "cancelled"}[action]
	if done == "" {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no session action %q", action))
		return
	}
	if _, err := w.db.ActOnReception(r.Context(), v.Actor, id, action); err != nil {
		if f := w.meetingRefusal(rw, r, v, err, "session", ""); f != nil {
			if key := "meeting.err.session_" + string(action); f.Field == "start" && locale.Has(v.Lang, key) {
				f.Error = v.T(key)
			}
			w.renderSession(rw, r, v, id, sessionPage{refusedForm: refusedForm{f, string(action)}})
		}
		return
	}
	seeOther(rw, r, sessionURL(id)+"?done="+done)
}

func (w *Web) handleReceptionBook(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := w.postedID(rw, r, v, "reception session")
	if !ok {
		return
	}
	f := r.PostForm
	in := meeting.Booking{Name: f.Get("name"), Phone: f.Get("phone"), Topic: f.Get("topic")}
	var err error
	if slot := f.Get("slot"); slot != "" {
		if in.Slot, err = time.Parse(time.RFC3339, slot); err != nil {
			err = anju.FieldError("slot", "choose a slot")
		}
	}
	if err == nil {
		_, err = w.db.BookSlot(r.Context(), v.Actor, id, in)
	}
	if err != nil {
		if refused := w.meetingRefusal(rw, r, v, err, "book", "reception.err.full"); refused != nil {
			w.renderSession(rw, r, v, id, sessionPage{refusedForm: refusedForm{refused, "book"}})
		}
		return
	}
	seeOther(rw, r, sessionURL(id)+"?done=booked#bookings")
}

// sessionCasePage is the form that files a case born at a session.
type sessionCasePage struct {
	S       store.ReceptionSession
	Booking *store.ReceptionBooking
	Groups  []intakeCategoryGroup
	Grids   []choice
	Values  url.Values
	Form    *form
}

// Get is a field's value as shown.
func (p sessionCasePage) Get(name string) string { return p.Values.Get(name) }

func (w *Web) handleReceptionCaseForm(rw http.ResponseWriter, r *http.Request, v *View) {
	vs := url.Values{"booking": {r.URL.Query().Get("booking")}}
	w.renderSessionCase(rw, r, v, sessionCasePage{Values: vs}, true)
}

// renderSessionCase shows the form to file a case born at the session,
// for the booking its values name (0 or none: a resident who came without
// one). fresh fills the text with what the resident booked to raise.
func (w *Web) renderSessionCase(rw http.ResponseWriter, r *http.Request, v *View, p sessionCasePage, fresh bool) {
	ctx := r.Context()
	id, err := pathID(r, "id", "reception session")
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if p.S, err = w.db.GetReception(ctx, v.Actor, id); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if b := p.Get("booking"); b != "" && b != "0" {
		bid, _ := strconv.ParseInt(b, 10, 64)
		for i := range p.S.Bookings {
			if p.S.Bookings[i].ID == bid {
				p.Booking = &p.S.Bookings[i]
			}
		}
		if p.Booking == nil {
			w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no booking %q of session %d", b, id))
			return
		}
		if fresh && p.Get("text") == "" {
			p.Values.Set("text", p.Booking.Topic)
		}
	}
	tree, err := w.db.Taxonomy(ctx, v.Actor.City)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.Groups = categoryGroups(tree, v.Lang)
	grids, err := w.db.GridsOf(ctx, v.Actor, p.S.Region)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	for _, g := range grids {
		p.Grids = append(p.Grids, choice{Value: g.Code, Label: g.Name, Selected: g.Code == p.Get("grid")})
	}
	v.Title = v.T("meeting.session_case.title")
	w.render(rw, r, v, formStatus(p.Form), "work/reception_case", p)
}

func (w *Web) handleReceptionCase(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := w.postedID(rw, r, v, "reception session")
	if !ok {
		return
	}
	f := r.PostForm
	in := store.SessionCase{NewCase: store.NewCase{Title: f.Get("title"), Text: f.Get("text"), Category: f.Get("category"),
		Grid: f.Get("grid"), Address: f.Get("address")}}
	if b := f.Get("booking"); b != "" && b != "0" {
		var err error
		if in.BookingID, err = strconv.ParseInt(b, 10, 64); err != nil || in.BookingID <= 0 {
			w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no booking %q", b))
			return
		}
	} else {
		in.Reporter.Name, in.Reporter.Phone = f.Get("name"), f.Get("phone")
		in.Reporter.Anonymous = anju.Blank(in.Reporter.Name) && anju.Blank(in.Reporter.Phone)
	}
	c, err := w.db.FileSessionCase(r.Context(), v.Actor, id, in)
	if err != nil {
		if refused := w.meetingRefusal(rw, r, v, err, "case", "meeting.err.booking_filed"); refused != nil {
			w.renderSessionCase(rw, r, v, sessionCasePage{Values: f, Form: refused}, false)
		}
		return
	}
	seeOther(rw, r, caseURL(c.ID))
}

// leaderPage is the leader's own list.
type leaderPage struct {
	Tabs  []meetingTab
	Rows  []originRow
	Next  string
	First string
}

func (w *Web) handleLeaderCases(rw http.ResponseWriter, r *http.Request, v *View) {
	q := httpx.NewQuery(r)
	before := q.ID("before")
	if err := q.Err(); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	l, err := w.db.LeaderCases(r.Context(), v.Actor, before, meetingPageSize)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := leaderPage{Tabs: meetingTabs(v, "/work/receptions/mine"), Rows: w.originRows(v, l.Cases)}
	if before > 0 {
		p.First = "/work/receptions/mine"
	}
	if l.Next > 0 {
		p.Next = "/work/receptions/mine?before=" + strconv.FormatInt(l.Next, 10)
	}
	v.Title = v.T("meeting.mine.title")
	w.render(rw, r, v, http.StatusOK, "work/reception_mine", p)
}
