package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"anju/internal/anju"
	"anju/internal/meeting"
	"anju/internal/region"
	"anju/internal/store"
)

// Community deliberation meetings on the workbench (村民说事、民情恳谈),
// the same store calls as /api/v1/meetings:
//
//	GET  /work/meetings                                        the meetings of the reader's communities, by key (before=)
//	GET  /work/meetings/new                                    the form to publish one (conveners)
//	POST /work/meetings                                        publish it → its page
//	GET  /work/meetings/{id}                                   topics, proposals, minutes, decisions and their cases as they stand
//	POST /work/meetings/{id}/actions/{action}                  hold, cancel
//	POST /work/meetings/{id}/proposals/{proposal}/{action}     accept or decline a resident's proposal
//	POST /work/meetings/{id}/minutes                           the minutes of a held meeting
//	POST /work/meetings/{id}/decisions                         a decision, which becomes a case followed here to its end
//
// Residents propose topics on the portal (/receptions).

func (w *Web) handleMeetingList(rw http.ResponseWriter, r *http.Request, v *View) {
	v.Title = v.T("meeting.meetings.title")
	p := &placeListPage{Base: "/work/meetings", NewKey: "meeting.meetings.new", CanCreate: slices.ContainsFunc(meeting.Conveners, v.Actor.HasRole)}
	w.placeList(rw, r, v, p, "work/meetings", "meeting.meeting_state.", names(meeting.States), func(state string, before int64) (int64, error) {
		l, err := w.db.ListMeetings(r.Context(), v.Actor, store.MeetingFilter{State: meeting.State(state), Before: before, Limit: meetingPageSize})
		p.Meetings = l.Meetings
		return l.Next, err
	})
}

func (w *Web) handleMeetingNew(rw http.ResponseWriter, r *http.Request, v *View) {
	w.renderMeetingForm(rw, r, v, sessionForm{Values: url.Values{}})
}

func (w *Web) renderMeetingForm(rw http.ResponseWriter, r *http.Request, v *View, f sessionForm) {
	if !slices.ContainsFunc(meeting.Conveners, v.Actor.HasRole) {
		w.fail(rw, r, v, anju.Errorf(anju.EFORBIDDEN, "meetings are published by the community's staff"))
		return
	}
	var err error
	if f.Regions, err = w.organisedPlaces(r.Context(), v, []region.Level{region.LevelCommunity}, meeting.Conveners, f.Get("community")); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	v.Title = v.T("meeting.meeting_new.title")
	w.render(rw, r, v, formStatus(f.Form), "work/meeting_new", f)
}

func (w *Web) handleMeetingCreate(rw http.ResponseWriter, r *http.Request, v *View) {
	if err := plainForm(r); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	f := r.PostForm
	in := meeting.Meeting{Community: f.Get("community"), Title: f.Get("title"), Place: f.Get("place"), Topics: topicLines(f.Get("topics"))}
	var err error
	var m store.Meeting
	if in.Start, in.End, err = dayTimes(f.Get("date"), f.Get("start"), f.Get("end")); err == nil {
		m, err = w.db.CreateMeeting(r.Context(), v.Actor, in)
	}
	if err != nil {
		if refused := w.meetingRefusal(rw, r, v, err, "meeting", ""); refused != nil {
			w.renderMeetingForm(rw, r, v, sessionForm{Form: refused, Values: r.PostForm})
		}
		return
	}
	seeOther(rw, r, meetingURL(m.ID)+"?done=meeting_created")
}

func meetingURL(id int64) string { return "/work/meetings/" + strconv.FormatInt(id, 10) }

// meetingPage is the data of a meeting's page.
type meetingPage struct {
	Tabs      []meetingTab
	M         store.Meeting
	Decisions []decisionRow
	// The decision form's choices, when the reader may record one.
	Groups      []intakeCategoryGroup
	Grids       []choice
	Notice      string
	refusedForm // FormFor: hold, cancel, minutes, decision, proposal-<id>
}

// decisionRow is a decision with its case as it stands.
type decisionRow struct {
	store.Decision
	Due Due
}

// Moves are the actions that move a meeting on, in the order the page
// offers them.
func (meetingPage) Moves() []string { return []string{"hold", "cancel"} }

// Attempt is the key of what the refused form tried.
func (p meetingPage) Attempt() string {
	switch {
	case p.FormFor == "minutes":
		return "meeting.meeting.minutes"
	case p.FormFor == "decision":
		return "meeting.meeting.decide"
	case strings.HasPrefix(p.FormFor, "proposal-"):
		return "meeting.meeting.proposals"
	}
	return "meeting.action.meeting_" + p.FormFor
}

// Can reports whether the reader may take action a on the meeting now.
func (p meetingPage) Can(a string) bool {
	return slices.Contains(p.M.AllowedActions, meeting.Action(a))
}

func (w *Web) handleMeeting(rw http.ResponseWriter, r *http.Request, v *View) {
	id, err := pathID(r, "id", "meeting")
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := meetingPage{Notice: doneNotice(v, r)}
	w.renderMeeting(rw, r, v, id, p)
}

func (w *Web) renderMeeting(rw http.ResponseWriter, r *http.Request, v *View, id int64, p meetingPage) {
	ctx := r.Context()
	m, err := w.db.GetMeeting(ctx, v.Actor, id)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.Tabs, p.M = meetingTabs(v, ""), m
	now := w.db.Now()
	for _, d := range m.Decisions {
		p.Decisions = append(p.Decisions, decisionRow{Decision: d, Due: dueAt(v, d.Case.Resolution, now, d.Case.State.Open())})
	}
	if p.Can(string(meeting.ActionDecide)) {
		tree, err := w.db.Taxonomy(ctx, v.Actor.City)
		if err != nil {
			w.fail(rw, r, v, err)
			return
		}
		p.Groups = categoryGroups(tree, v.Lang)
		grids, err := w.db.GridsOf(ctx, v.Actor, m.Community)
		if err != nil {
			w.fail(rw, r, v, err)
			return
		}
		for _, g := range grids {
			p.Grids = append(p.Grids, choice{Value: g.Code, Label: g.Name, Selected: g.Code == p.Value("decision", "grid")})
		}
	}
	v.Title = m.Title
	w.render(rw, r, v, formStatus(p.Form), "work/meeting", p)
}

// postedID reads the {id} of a form's path (a what: session or meeting)
// and checks the form is plain text; when either is wrong it has answered.
func (w *Web) postedID(rw http.ResponseWriter, r *http.Request, v *View, what string) (int64, bool) {
	id, err := pathID(r, "id", what)
	if err == nil {
		err = plainForm(r)
	}
	if err != nil {
		w.fail(rw, r, v, err)
		return 0, false
	}
	return id, true
}

// meetingRefused shows the meeting again with the refused form for, or the
// error page.
func (w *Web) meetingRefused(rw http.ResponseWriter, r *http.Request, v *View, id int64, formFor string, err error, conflictKey string) {
	if f := w.meetingRefusal(rw, r, v, err, formFor, conflictKey); f != nil {
		w.renderMeeting(rw, r, v, id, meetingPage{refusedForm: refusedForm{f, formFor}})
	}
}

func (w *Web) handleMeetingAction(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := w.postedID(rw, r, v, "meeting")
	if !ok {
		return
	}
	action := meeting.Action(r.PathValue("action"))
	done := map[meeting.Action]string{meeting.ActionHold: "meeting_held", meeting.ActionCancel: "meeting_cancelled"}[action]
	if done == "" {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no meeting action %q", action))
		return
	}
	if _, err := w.db.ActOnMeeting(r.Context(), v.Actor, id, action); err != nil {
		if f := w.meetingRefusal(rw, r, v, err, "meeting", ""); f != nil {
			if f.Field == "start" {
				f.Error = v.T("meeting.err.meeting_hold")
			}
			w.renderMeeting(rw, r, v, id, meetingPage{refusedForm: refusedForm{f, string(action)}})
		}
		return
	}
	seeOther(rw, r, meetingURL(id)+"?done="+done)
}

func (w *Web) handleProposalModerate(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := w.postedID(rw, r, v, "meeting")
	if !ok {
		return
	}
	pid, err := pathID(r, "proposal", "proposal")
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	action := meeting.ProposalAction(r.PathValue("action"))
	if action != meeting.ProposalAccept && action != meeting.ProposalDecline {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "no proposal action %q", action))
		return
	}
	if _, err := w.db.ModerateProposal(r.Context(), v.Actor, id, pid, action); err != nil {
		w.meetingRefused(rw, r, v, id, "proposal-"+strconv.FormatInt(pid, 10), err, "meeting.err.moderated")
		return
	}
	seeOther(rw, r, meetingURL(id)+"?done=proposal_"+string(action)+"#proposals")
}

func (w *Web) handleMeetingMinutes(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := w.postedID(rw, r, v, "meeting")
	if !ok {
		return
	}
	in := meeting.Minutes{Text: r.PostForm.Get("text")}
	n, err := formInt(r.PostForm, "attendees", 1, meeting.MaxAttendee)
	in.Attendees = n
	if err == nil {
		_, err = w.db.RecordMinutes(r.Context(), v.Actor, id, in)
	}
	if err != nil {
		w.meetingRefused(rw, r, v, id, "minutes", err, "meeting.err.minuted")
		return
	}
	seeOther(rw, r, meetingURL(id)+"?done=minuted#decisions")
}

func (w *Web) handleMeetingDecision(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := w.postedID(rw, r, v, "meeting")
	if !ok {
		return
	}
	f := r.PostForm
	in := meeting.Decision{Text: f.Get("text"), Category: f.Get("category"), Grid: strings.TrimSpace(f.Get("grid"))}
	if _, err := w.db.RecordDecision(r.Context(), v.Actor, id, in); err != nil {
		w.meetingRefused(rw, r, v, id, "decision", err, "")
		return
	}
	seeOther(rw, r, meetingURL(id)+"?done=decided#decisions")
}
