package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/httpx"
	"anju/internal/photo"
	"anju/internal/store"
)

// actionFailure is an action the store refused, to be shown on the case page
// with its form unfolded and everything typed kept.
type actionFailure struct {
	Action       cases.Action
	Status       int
	Message      string // the summary at the top of the page and in the form
	Field        string // the input at fault, if one is
	FieldMessage string
	Values       url.Values // what was typed
	// PhotosLost says photos came with it: a browser cannot put chosen
	// files back into a form, so the page asks for them again.
	PhotosLost bool
}

// actionFields are the form fields an action may carry: the workflow's
// inputs, by the API's names, and the version the form was drawn from.
var actionFields = []string{"version", "reason", "note", "department", "result", "method", "outcome", "who_is",
	"rating", "days", "card", "target"}

// Bounds of a multipart action form: a text field holds at most 5,000
// characters (four bytes each at worst), and the whole body the photos and
// some room for the fields.
const (
	maxTextPart      = 4*maxTextInput + 1024
	maxMultipartBody = photo.MaxPerSubmission*photo.MaxBytes + 1<<20
)

// handleCaseAction takes one workflow action on a case: POST
// /work/cases/{id}/actions/{action}, a URL-encoded form, or a multipart one
// carrying photos for the actions that take them. Success answers 303 to the
// case page with a notice; a refusal shows the case page again with the
// reason, the action's form unfolded and what was typed kept.
func (w *Web) handleCaseAction(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := caseIDOf(r)
	action := cases.Action(r.PathValue("action"))
	if !ok || !slices.Contains(cases.Actions, action) {
		w.fail(rw, r, v, notFoundCase(r))
		return
	}
	// The case first: nobody's photos are read for a case they may not see.
	c, err := w.db.GetCase(r.Context(), v.Actor, id)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	form, err := w.readActionForm(rw, r, store.TakesPhotos(action) && slices.Contains(c.AllowedActions, action))
	var in store.ActionInput
	if err == nil {
		in, err = actionInputOf(form.values)
		in.Photos = form.photos
	}
	if err == nil {
		_, err = w.db.Act(r.Context(), v.Actor, id, action, in)
	}
	if err == nil {
		w.afterAction(rw, r, v, id, action, in)
		return
	}
	if anju.ErrorCode(err) == anju.ENOTFOUND && anju.ErrorField(err) == "" {
		w.fail(rw, r, v, err) // the case left the reader's scope meanwhile
		return
	}
	w.showCase(rw, r, v, id, w.failure(v, action, in.Version, c, form.values, form.files > 0, err))
}

// afterAction sends the reader where the action's result is seen: the case
// page with a notice; for a merge the case that remains; the workbench when
// the action took the case out of the reader's reach (a handler returning
// it to the dispatcher).
func (w *Web) afterAction(rw http.ResponseWriter, r *http.Request, v *View, id int64, action cases.Action, in store.ActionInput) {
	to := id
	if action == cases.ActionMerge {
		to = in.Target
	}
	if _, err := w.db.GetCase(r.Context(), v.Actor, to); err != nil {
		seeOther(rw, r, "/work")
		return
	}
	seeOther(rw, r, caseURL(to)+"?done="+string(action))
}

// failure describes err, the refusal of action on case c (as it was when the
// request came), in the reader's language.
func (w *Web) failure(v *View, action cases.Action, version int64, c store.Case, values url.Values, photosSent bool, err error) *actionFailure {
	f := &actionFailure{Action: action, Status: httpx.Status(anju.ErrorCode(err)), Values: keptValues(values), PhotosLost: photosSent}
	field := anju.ErrorField(err)
	var pe *photo.Error
	switch {
	case anju.ErrorCode(err) == anju.ECONFLICT && version != 0 && version != c.Version:
		f.Message = v.T("case.stale")
	case errors.As(err, &pe):
		f.Message = photoMessage(v, pe)
		f.Field, f.FieldMessage = photo.Field, f.Message
	case field != "" && anju.Blank(values.Get(field)) && anju.ErrorCode(err) == anju.EINVALID:
		f.Field, f.FieldMessage = field, v.T("case.required")
		f.Message = v.T("case.missing", v.T("case.input."+field))
	case field == "version":
		f.Message = v.T("form.invalid")
	default:
		f.Message = errorMessage(v, err)
		if field != "" {
			f.Field, f.FieldMessage = field, f.Message
		}
	}
	if anju.ErrorCode(err) == anju.EINTERNAL {
		w.log.Error("case action failed", "case", c.ID, "action", action, "err", err)
	}
	return f
}

// photoMessage says a refused photo in the reader's language: the photo
// package's message key with its arguments (which photo, the limit).
func photoMessage(v *View, pe *photo.Error) string { return v.T(pe.Key, pe.Args()...) }

// keptValues are the typed values to show again.
func keptValues(values url.Values) url.Values {
	out := url.Values{}
	for _, name := range actionFields {
		if s := values.Get(name); s != "" && name != "version" {
			out.Set(name, keptText(s))
		}
	}
	return out
}

// keptText is typed text to show again, made valid: a field refused for
// holding bytes that are not UTF-8, or NUL, is shown without them.
func keptText(s string) string { return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "") }

// actionInputOf reads an action form: its text as typed (the store cleans
// it), its numbers checked, and the version it was drawn from, without which
// a change made meanwhile would go unnoticed.
func actionInputOf(values url.Values) (store.ActionInput, error) {
	for _, name := range actionFields {
		if !httpx.PlainText(values.Get(name)) {
			return store.ActionInput{}, anju.FieldError(name, "%s must be text", name)
		}
	}
	q := httpx.QueryOf(values)
	var in store.ActionInput
	in.Version = q.ID("version")
	in.Reason, in.Note, in.Result, in.WhoIs = values.Get("reason"), values.Get("note"), values.Get("result"), values.Get("who_is")
	in.Department = q.String("department")
	in.Method, in.Outcome = cases.VerifyMethod(q.String("method")), cases.Outcome(q.String("outcome"))
	in.Rating, in.Card = cases.Rating(q.String("rating")), cases.Card(q.String("card"))
	in.Days = q.Int("days", 0, 1, maxExtensionDays)
	in.Target = q.ID("target")
	if err := q.Err(); err != nil {
		return in, err
	}
	if in.Version == 0 {
		return in, anju.FieldError("version", "the form lacks the case's version")
	}
	return in, nil
}

// submittedForm is an action form as read: its fields, its photos re-encoded,
// and how many files came, accepted or not.
type submittedForm struct {
	values url.Values
	photos []photo.Photo
	files  int
}

// readActionForm returns an action form's fields and, when takesPhotos, its
// photos re-encoded. A URL-encoded form the guard has already read, bounded;
// a multipart one is streamed here, each text field and photo bounded, the
// photos beyond the first refused one not decoded. The fields read so far
// are returned with an error, so that they are kept.
func (w *Web) readActionForm(rw http.ResponseWriter, r *http.Request, takesPhotos bool) (submittedForm, error) {
	form := submittedForm{values: url.Values{}}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if r.PostForm == nil {
			return form, anju.Errorf(anju.EINVALID, "the form could not be read")
		}
		form.values = r.PostForm
		return form, nil
	}
	r.Body = http.MaxBytesReader(rw, r.Body, maxMultipartBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return form, anju.Errorf(anju.EINVALID, "the form could not be read")
	}
	var refused error
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return form, bodyError(err)
		}
		name := part.FormName()
		switch {
		case name == photo.Field && part.FileName() != "":
			form.files++
			n := form.files
			data, err := io.ReadAll(io.LimitReader(part, photo.MaxBytes+1))
			switch {
			case err != nil:
				return form, bodyError(err)
			case !takesPhotos, refused != nil:
				// Not for this action, or after a refused one.
			case n > photo.MaxPerSubmission:
				refused = photo.TooMany()
			case len(data) > photo.MaxBytes:
				refused = photo.Numbered(photo.TooLarge(), n)
			default:
				p, err := photo.Process(data)
				if err != nil {
					refused = photo.Numbered(err, n)
				} else {
					form.photos = append(form.photos, p)
				}
			}
		case slices.Contains(actionFields, name) && part.FileName() == "":
			b, err := io.ReadAll(io.LimitReader(part, maxTextPart+1))
			if err != nil {
				return form, bodyError(err)
			}
			if len(b) > maxTextPart {
				return form, anju.FieldError(name, "%s is longer than %d characters", name, maxTextInput)
			}
			form.values.Add(name, string(b))
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return form, bodyError(err)
			}
		}
	}
	if refused != nil {
		form.photos = nil
		return form, refused
	}
	return form, nil
}

// bodyError is a multipart body that broke off or ran over its bound.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return anju.Errorf(anju.ETOOLARGE, "the form is larger than %d MB", maxMultipartBody>>20)
	}
	return anju.Errorf(anju.EINVALID, "the form could not be read")
}

// notFoundCase is the answer for a case id that is malformed: the same as
// for one that does not exist.
func notFoundCase(r *http.Request) error {
	return anju.Errorf(anju.ENOTFOUND, "no case %q", r.PathValue("id"))
}

// caseIDOf reads the {id} of a case route; anything but a positive whole
// number is a case that does not exist.
func caseIDOf(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}
