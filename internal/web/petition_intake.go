package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/httpx"
	"anju/internal/locale"
	"anju/internal/petition"
	"anju/internal/store"
)

// Petition intake (GET and POST /work/petitions/new): the petition office
// takes a petition in as it came — a letter (来信), a visit (来访), a call or
// a web petition — with its petitioner, named (the written notices are
// addressed to them), and whether it is their first petition on the matter
// (初信初访) or a repeat naming the earlier petition. The store files it as
// the API does (store.CreatePetition), and the statutory clock starts. Like
// the dispute intake, "find" and a picked place post the form back with
// what was typed kept, so the page works with or without scripts.

// petitionIntakeForm is what was typed, kept whole through every re-render.
type petitionIntakeForm struct {
	Channel, First, RepeatOf, Category, Title, Text string
	Name, Phone, IDNumber, PetitionerAddress        string
	Grid, Address, PlaceQ                           string
	Key                                             string // idempotency key: pressing "file" twice files once
}

func readPetitionIntake(v url.Values) petitionIntakeForm {
	q := httpx.QueryOf(v)
	return petitionIntakeForm{Channel: q.String("channel"), First: q.String("first"), RepeatOf: q.String("repeat_of"),
		Category: q.String("category"), Title: v.Get("title"), Text: v.Get("text"), Name: v.Get("name"), Phone: q.String("phone"),
		IDNumber: q.String("id_number"), PetitionerAddress: v.Get("petitioner_address"), Grid: q.String("grid"),
		Address: v.Get("address"), PlaceQ: q.String("place_q"), Key: q.String("key")}
}

// petitionIntakePage is the data of templates/work/petition_new.html.
type petitionIntakePage struct {
	placeIntakePage
	Form     petitionIntakeForm
	Channels []option
}

// mayTakePetitions reports whether the reader takes petitions in.
func mayTakePetitions(v *View) bool {
	return v.Actor != nil && slices.ContainsFunc(v.Actor.Grants, func(g anju.Grant) bool { return petition.TakesIn(g.Role) })
}

func (w *Web) mayFilePetition(rw http.ResponseWriter, r *http.Request, v *View) bool {
	if mayTakePetitions(v) {
		return true
	}
	w.fail(rw, r, v, anju.Errorf(anju.EFORBIDDEN, "only the petition office (operators and dispatchers) takes petitions in"))
	return false
}

func (w *Web) handlePetitionIntakePage(rw http.ResponseWriter, r *http.Request, v *View) {
	if !w.mayFilePetition(rw, r, v) {
		return
	}
	w.renderPetitionIntake(rw, r, v, &petitionIntakePage{placeIntakePage: newPlaceIntakePage(), Form: petitionIntakeForm{Key: newIntakeKey()}})
}

// handlePetitionIntake answers every button of the form: file, find a
// place, or pick one.
func (w *Web) handlePetitionIntake(rw http.ResponseWriter, r *http.Request, v *View) {
	if !w.mayFilePetition(rw, r, v) {
		return
	}
	form := postedForm(r)
	p := &petitionIntakePage{Form: readPetitionIntake(form), placeIntakePage: newPlaceIntakePage()}
	if p.Form.Key == "" {
		p.Form.Key = newIntakeKey()
	}
	if filed := w.intakeButtons(rw, r, form, &p.Form.Grid, func() (int64, error) {
		cp, err := w.filePetition(r.Context(), v, p.Form)
		return cp.ID, err
	}, func(err error) { w.petitionIntakeError(r.Context(), v, p, err) }); filed {
		return
	}
	w.renderPetitionIntake(rw, r, v, p)
}

// filePetition files the petition the form describes.
func (w *Web) filePetition(ctx context.Context, v *View, f petitionIntakeForm) (store.CaseWithPetition, error) {
	for _, s := range []string{f.Title, f.Text, f.Address, f.Name, f.PetitionerAddress} {
		if !httpx.PlainText(s) {
			return store.CaseWithPetition{}, anju.FieldError("text", "the form must be text")
		}
	}
	q := httpx.QueryOf(url.Values{"repeat_of": {f.RepeatOf}})
	np := store.NewPetition{NewCase: store.NewCase{Title: f.Title, Text: f.Text, Category: f.Category, Grid: f.Grid, Address: f.Address},
		Petition: petition.Intake{Channel: petition.Channel(f.Channel), RepeatOf: q.ID("repeat_of")}}
	if err := q.Err(); err != nil {
		return store.CaseWithPetition{}, err
	}
	switch f.First {
	case "yes", "no":
		first := f.First == "yes"
		np.Petition.First = &first
	case "":
	default:
		return store.CaseWithPetition{}, anju.FieldError("first", "first is yes or no")
	}
	np.Reporter.Name, np.Reporter.Phone, np.Reporter.IDNumber, np.Reporter.Address = f.Name, f.Phone, f.IDNumber, f.PetitionerAddress
	cp, _, err := w.db.CreatePetitionOnce(ctx, v.Actor, np, f.Key)
	return cp, err
}

// petitionIntakeFields are the form's fields as the store names them.
var petitionIntakeFields = map[string]string{
	"channel": "channel", "first": "first", "repeat_of": "repeat_of", "category": "category", "title": "title", "text": "text",
	"reporter.name": "name", "reporter.phone": "phone", "reporter.id_number": "id_number", "reporter.address": "petitioner_address",
	"grid": "grid", "lat": "grid", "address": "address", "kind": "category",
}

// petitionIntakeError turns a refused filing into the page's messages: the
// field's own words where the catalogue has them (petition.error.*, then
// the intake page's), the store's detail otherwise.
func (w *Web) petitionIntakeError(ctx context.Context, v *View, p *petitionIntakePage, err error) {
	code := anju.ErrorCode(err)
	if code == anju.EINTERNAL || code == anju.EUNAVAILABLE {
		w.log.ErrorContext(ctx, "petition intake failed", "err", err)
	}
	p.Alert, p.status = errorMessage(v, err), httpx.Status(code)
	field, ok := petitionIntakeFields[anju.ErrorField(err)]
	if !ok {
		return
	}
	msg := errorMessage(v, err)
	for _, key := range []string{"petition.error." + field, "intake.error." + field} {
		if locale.Has(v.Lang, key) {
			msg = v.T(key)
			break
		}
	}
	p.Errors[field] = msg
	p.Alert = v.T("form.fix_errors") + " " + msg
}

// renderPetitionIntake fills the page's choices and renders it: 200, or
// the refused filing's status.
func (w *Web) renderPetitionIntake(rw http.ResponseWriter, r *http.Request, v *View, p *petitionIntakePage) {
	ctx := r.Context()
	for _, c := range petition.Channels {
		p.Channels = append(p.Channels, option{string(c), v.T("petition.channel." + string(c))})
	}
	if err := w.fillPlaceIntake(ctx, v, &p.placeIntakePage, cases.KindPetition, p.Form.PlaceQ, p.Form.Grid); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	v.Title = v.T("petition.intake.title")
	w.render(rw, r, v, p.Status(), "work/petition_new", p)
}
