package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
)

// The receipt and tracking page: GET /track/{code} (and /track?code=… from
// the home page's form), and the reporter's actions through the secret
// link, POST /track/{code}/rate and /track/{code}/reopen.

// receiptCookie carries a new report's secret link key from the POST that
// filed it to its receipt, which shows it once and drops the cookie.
const receiptCookie = "receipt"

func setReceipt(rw http.ResponseWriter, r *http.Request, code, key string) {
	http.SetCookie(rw, &http.Cookie{Name: receiptCookie, Value: code + "." + key, Path: "/track/", MaxAge: 600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// takeReceipt returns the key the receipt cookie holds for code, and drops
// the cookie: the link is shown once.
func takeReceipt(rw http.ResponseWriter, r *http.Request, code string) string {
	c, err := r.Cookie(receiptCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(rw, &http.Cookie{Name: receiptCookie, Value: "", Path: "/track/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	got, key, ok := strings.Cut(c.Value, ".")
	if !ok || got != code {
		return ""
	}
	return key
}

// validTrackingCode reports whether s, normalized, can be a tracking code:
// twelve symbols of the code alphabet.
func validTrackingCode(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("23456789ABCDEFGHJKMNPQRSTVWXYZ", r) {
			return false
		}
	}
	return true
}

// trackPage is the data of the tracking page.
type trackPage struct {
	T          store.Tracked
	Code       string // as in the URL, ungrouped
	Category   string
	Created    time.Time
	Respond    time.Time
	Resolve    time.Time
	Until      time.Time // the reporter's period to rate or reopen
	History    []trackEvent
	NewLink    string // the secret link, shown once on the receipt
	Key        string // the secret link's key, when the page was opened with it
	CanRate    bool
	CanReopen  bool
	Closed     bool // closed or rated: the period applies
	Expired    bool // the reporter's period is over
	Joined     string
	Errors     fieldErrors
	Alert      string
	Done       string
	Rating     string
	Note       string
	Reason     string
	NextKey    string
	Ratings    []cases.Rating
	PriorityOn bool
	// Photos are the public ones: the report's and the result's.
	Photos []store.CasePhoto
}

type trackEvent struct {
	At     time.Time
	Action string
	To     cases.State
}

func (w *Web) handleTrackQuery(rw http.ResponseWriter, r *http.Request, v *View) {
	code := store.NormalizeTrackingCode(strings.TrimSpace(r.URL.Query().Get("code")))
	if !validTrackingCode(code) {
		w.fail(rw, r, v, anju.FieldError("code", "%s", v.T("portal.track.malformed")))
		return
	}
	http.Redirect(rw, r, "/track/"+code, http.StatusSeeOther)
}

func (w *Web) handleTrack(rw http.ResponseWriter, r *http.Request, v *View) {
	q := r.URL.Query()
	p, ok := w.trackPage(rw, r, v, q.Get("key"))
	if !ok {
		return
	}
	switch {
	case q.Get("joined") != "":
		p.Joined = "portal.metoo.joined"
	case q.Get("already") != "":
		p.Joined = "portal.metoo.already"
	}
	p.Done = map[string]string{"rated": "portal.track.rated", "reopened": "portal.track.reopened"}[q.Get("done")]
	if p.Key == "" && p.NewLink == "" {
		if key := takeReceipt(rw, r, p.Code); key != "" {
			p.NewLink = absoluteURL(r, "/track/"+p.Code+"?key="+url.QueryEscape(key))
		}
	}
	w.render(rw, r, v, http.StatusOK, "portal/track", p)
}

// trackPage reads the tracked case and, with a key, checks the secret link;
// it answers the error page itself and reports false when it cannot.
func (w *Web) trackPage(rw http.ResponseWriter, r *http.Request, v *View, key string) (trackPage, bool) {
	ctx := r.Context()
	code := store.NormalizeTrackingCode(r.PathValue("code"))
	if !validTrackingCode(code) {
		w.fail(rw, r, v, anju.Errorf(anju.ENOTFOUND, "%s", v.T("portal.track.malformed")))
		return trackPage{}, false
	}
	t, err := w.db.Track(ctx, code)
	if err != nil {
		w.fail(rw, r, v, err)
		return trackPage{}, false
	}
	v.Title = v.T("portal.track.title", t.TrackingCode)
	p := trackPage{T: t, Code: code, Category: t.CategoryName, Errors: fieldErrors{}, Ratings: cases.Ratings}
	if city, err := w.portalCity(ctx); err == nil {
		if tree, err := w.db.Taxonomy(ctx, city); err == nil {
			if c, err := tree.Get(t.Category); err == nil {
				p.Category = categoryName(v.Lang, c)
			}
		}
	}
	p.Created, _ = time.Parse(time.RFC3339, t.CreatedAt)
	p.Respond, _ = time.Parse(time.RFC3339, t.ResponseDeadline)
	p.Resolve, _ = time.Parse(time.RFC3339, t.Deadline)
	p.Until, _ = time.Parse(time.RFC3339, t.ReporterUntil)
	p.PriorityOn = t.Priority == string(cases.PriorityUrgent)
	p.Photos = t.Photos
	for _, e := range t.History {
		at, _ := time.Parse(time.RFC3339, e.At)
		p.History = append(p.History, trackEvent{At: at, Action: e.Action, To: e.To})
	}
	p.Closed = t.State == cases.StateClosed || t.State == cases.StateRated
	p.Expired = p.Closed && !p.Until.IsZero() && time.Now().After(p.Until)
	if key != "" {
		if _, err := w.db.ReporterCase(ctx, code, key); err != nil {
			w.fail(rw, r, v, err)
			return trackPage{}, false
		}
		p.Key = key
		if !t.Merged && !p.Expired {
			p.CanRate = t.State == cases.StateClosed
			p.CanReopen = t.Kind != cases.KindPetition && (t.State == cases.StateClosed ||
				(t.State == cases.StateRated && t.Rating == string(cases.RatingUnsatisfied)))
		}
	}
	return p, true
}

// absoluteURL is path on the host the reader used.
func absoluteURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

// handleReporterAction rates or reopens through the secret link; a refusal
// shows the page again with what was typed and why.
func (w *Web) handleReporterAction(action cases.Action) func(http.ResponseWriter, *http.Request, *View) {
	return func(rw http.ResponseWriter, r *http.Request, v *View) {
		form := r.PostForm
		key := form.Get("key")
		if key == "" || len(key) > 100 {
			w.fail(rw, r, v, anju.Errorf(anju.EFORBIDDEN, "no valid link"))
			return
		}
		in := cases.Input{Rating: cases.Rating(form.Get("rating")), Note: form.Get("note"), Reason: form.Get("reason")}
		errs := fieldErrors{}
		for _, f := range []string{"note", "reason"} {
			if s := form.Get(f); !validText(s) {
				errs[f] = v.T("portal.err.utf8")
			} else if len(s) > 4*2000 {
				errs[f] = v.T("portal.err.too_long")
			}
		}
		var err error
		if len(errs) == 0 {
			_, err = w.db.ReporterAct(r.Context(), r.PathValue("code"), key, action, in)
			if err == nil {
				done := "rated"
				if action == cases.ActionReopen {
					done = "reopened"
				}
				seeOther(rw, r, "/track/"+store.NormalizeTrackingCode(r.PathValue("code"))+"?key="+url.QueryEscape(key)+"&done="+done)
				return
			}
			switch code := anju.ErrorCode(err); code {
			case anju.EINVALID:
				errs[anju.ErrorField(err)] = v.T("portal.err." + anju.ErrorField(err))
			case anju.ECONFLICT:
			default:
				w.fail(rw, r, v, err)
				return
			}
		}
		p, ok := w.trackPage(rw, r, v, key)
		if !ok {
			return
		}
		p.Errors, p.Rating, p.Note, p.Reason = errs, string(in.Rating), strings.ToValidUTF8(in.Note, ""), strings.ToValidUTF8(in.Reason, "")
		status := http.StatusBadRequest
		if anju.ErrorCode(err) == anju.ECONFLICT {
			status, p.Alert = http.StatusConflict, v.T("portal.track.conflict")
		} else {
			p.Alert = v.T("form.fix_errors")
		}
		w.render(rw, r, v, status, "portal/track", p)
	}
}

func validText(s string) bool { return strings.ToValidUTF8(s, "") == s }
