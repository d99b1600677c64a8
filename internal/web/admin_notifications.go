package web

import (
	"net/http"
	"net/url"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/httpx"
	"anju/internal/store"
)

// notificationsPage shows where events and warnings are sent: the city's
// event subscriptions (for city-wide administrators) and the warning
// subscriptions of the levels the reader administers, each a page at a time
// by id, each with the form that adds one.
type notificationsPage struct {
	CityWide      bool
	Subscriptions []store.Subscription
	NextSub       string
	Warnings      []store.WarningSubscription
	NextWarning   string
	Actions       []string
	Channels      []string
	Forms         map[string]*form
	Query         url.Values
}

func (w *Web) handleAdminNotifications(rw http.ResponseWriter, r *http.Request, v *View) {
	w.showNotifications(rw, r, v, nil)
}

func (w *Web) showNotifications(rw http.ResponseWriter, r *http.Request, v *View, forms map[string]*form) {
	ctx := r.Context()
	q := httpx.NewQuery(r)
	afterSub, afterWarning := q.ID("after_sub"), q.ID("after_warning")
	if err := q.Err(); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p := notificationsPage{CityWide: v.Actor.CityWide(anju.RoleAdmin), Channels: []string{"webhook", "email"}, Forms: forms,
		Actions: []string{"submit"}, Query: r.URL.Query()}
	for _, a := range cases.Actions {
		p.Actions = append(p.Actions, string(a))
	}
	if p.CityWide {
		subs, err := w.db.ListSubscriptions(ctx, v.Actor, afterSub, adminPageSize+1)
		if err != nil {
			w.fail(rw, r, v, err)
			return
		}
		p.Subscriptions = subs
		if len(subs) > adminPageSize {
			p.Subscriptions = subs[:adminPageSize]
			p.NextSub = idString(p.Subscriptions[adminPageSize-1].ID)
		}
	}
	ws, err := w.db.ListWarningSubscriptions(ctx, v.Actor, afterWarning, adminPageSize+1)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.Warnings = ws
	if len(ws) > adminPageSize {
		p.Warnings = ws[:adminPageSize]
		p.NextWarning = idString(p.Warnings[adminPageSize-1].ID)
	}
	status := http.StatusOK
	for _, f := range forms {
		status = formStatus(f)
	}
	v.Title = v.T("admin.notifications")
	w.render(rw, r, v, status, "admin/notifications", p)
}

// handleAdminSubscriptionSave adds an event subscription through
// SaveSubscription, the API's call; no ticked action means every action.
func (w *Web) handleAdminSubscriptionSave(rw http.ResponseWriter, r *http.Request, v *View) {
	q := httpx.QueryOf(r.PostForm)
	s := store.Subscription{Channel: q.String("channel"), Target: q.String("target"), Secret: r.PostForm.Get("secret"),
		Actions: r.PostForm["actions"]}
	if _, err := w.db.SaveSubscription(r.Context(), v.Actor, s); err != nil {
		r.PostForm.Del("secret")
		if f := w.refusal(rw, r, v, err); f != nil {
			w.showNotifications(rw, r, v, map[string]*form{"subscription": f})
		}
		return
	}
	seeOther(rw, r, "/admin/notifications?done=subscription_saved")
}

// handleAdminWarningSubscriptionSave adds a warning subscription through
// SaveWarningSubscription, the API's call.
func (w *Web) handleAdminWarningSubscriptionSave(rw http.ResponseWriter, r *http.Request, v *View) {
	q := httpx.QueryOf(r.PostForm)
	s := store.WarningSubscription{Region: q.String("region"), Department: q.String("department"),
		Channel: q.String("channel"), Target: q.String("target"), Secret: r.PostForm.Get("secret")}
	if _, err := w.db.SaveWarningSubscription(r.Context(), v.Actor, s); err != nil {
		r.PostForm.Del("secret")
		if f := w.refusal(rw, r, v, err); f != nil {
			w.showNotifications(rw, r, v, map[string]*form{"warning": f})
		}
		return
	}
	seeOther(rw, r, "/admin/notifications?done=warning_subscription_saved")
}
