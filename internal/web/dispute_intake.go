package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/dispute"
	"anju/internal/httpx"
	"anju/internal/locale"
	"anju/internal/store"
)

// Dispute intake (GET and POST /work/disputes/new): a grid worker, an
// operator or a mediator files a dispute with its parties — or, from
// another case's page (?from=), refers that case to mediation. The parties
// are rows of one form; "add a party" and "find" (the place) post the form
// back with what was typed kept, so the page works with or without scripts
// (htmx swaps the form alone). A mediator's dispute goes straight to his
// committee (store.CreateDispute); he picks which when he mediates for
// several.

// disputeIntakeRoles may open the page (the store checks again, per place).
var disputeIntakeRoles = []string{string(anju.RoleOperator), string(anju.RoleGridWorker), string(anju.RoleDispatcher),
	string(anju.RoleSupervisor), string(anju.RoleMediator)}

// partyRows is how many party rows a new form has: an applicant and a
// respondent.
const partyRows = 2

// disputeIntakeForm is what was typed, kept whole through every re-render.
type disputeIntakeForm struct {
	Type, Category, Title, Text, Amount, People string
	Grid, Address, PlaceQ, FromCase, Committee  string
	Key                                         string // idempotency key: pressing "file" twice files once
	Parties                                     []partyRow
}

type partyRow struct {
	Kind, Role, Name, Phone, IDNumber string
}

// disputeIntakePage is the data of templates/work/dispute_new.html.
type disputeIntakePage struct {
	placeIntakePage // Errors by field ("parties.1.phone")
	Form            disputeIntakeForm
	Types           []option
	Committees      []option // the reader's committees, for a mediator
	From            *store.Case
	MaxParties      int
}

// PartyErr is the message of row i's field.
func (p *disputeIntakePage) PartyErr(i int, field string) string {
	return p.Errors["parties."+strconv.Itoa(i)+"."+field]
}

func readDisputeIntake(v url.Values) disputeIntakeForm {
	q := httpx.QueryOf(v)
	f := disputeIntakeForm{Type: q.String("type"), Category: q.String("category"), Title: v.Get("title"), Text: v.Get("text"),
		Amount: q.String("amount"), People: q.String("people"), Grid: q.String("grid"), Address: v.Get("address"),
		PlaceQ: q.String("place_q"), FromCase: q.String("from_case"), Committee: q.String("committee"), Key: q.String("key")}
	if f.Key == "" {
		f.Key = newIntakeKey()
	}
	kinds, roles, names, phones, ids := v["party_kind"], v["party_role"], v["party_name"], v["party_phone"], v["party_id_number"]
	at := func(xs []string, i int) string {
		if i < len(xs) {
			return strings.TrimSpace(xs[i])
		}
		return ""
	}
	n := max(len(kinds), len(roles), len(names), len(phones), len(ids))
	for i := 0; i < n && i < dispute.MaxParties+1; i++ {
		f.Parties = append(f.Parties, partyRow{Kind: at(kinds, i), Role: at(roles, i), Name: at(names, i), Phone: at(phones, i),
			IDNumber: at(ids, i)})
	}
	return f
}

func (w *Web) mayFileDispute(rw http.ResponseWriter, r *http.Request, v *View) bool {
	if slices.ContainsFunc(disputeIntakeRoles, v.Has) {
		return true
	}
	w.fail(rw, r, v, anju.Errorf(anju.EFORBIDDEN, "only grid workers, operators, dispatchers, supervisors and mediators file disputes"))
	return false
}

func (w *Web) handleDisputeIntakePage(rw http.ResponseWriter, r *http.Request, v *View) {
	if !w.mayFileDispute(rw, r, v) {
		return
	}
	f := disputeIntakeForm{Key: newIntakeKey(), People: "2", Parties: []partyRow{{Kind: string(dispute.Person), Role: string(dispute.Applicant)},
		{Kind: string(dispute.Person), Role: string(dispute.Respondent)}}}
	p := &disputeIntakePage{Form: f, placeIntakePage: newPlaceIntakePage()}
	// Referred from another case: its text and place to start from.
	if from := httpx.NewQuery(r).ID("from"); from > 0 {
		c, err := w.db.GetCase(r.Context(), v.Actor, from)
		if err != nil {
			w.fail(rw, r, v, err)
			return
		}
		p.Form.FromCase, p.Form.Title, p.Form.Text = strconv.FormatInt(c.ID, 10), c.Title, c.Text
		p.Form.Grid, p.Form.Address = c.Grid.Code, c.Address
	}
	w.renderDisputeIntake(rw, r, v, p)
}

// handleDisputeIntake answers every button of the form: file, add a party,
// find a place, or pick one.
func (w *Web) handleDisputeIntake(rw http.ResponseWriter, r *http.Request, v *View) {
	if !w.mayFileDispute(rw, r, v) {
		return
	}
	form := postedForm(r)
	p := &disputeIntakePage{Form: readDisputeIntake(form), placeIntakePage: newPlaceIntakePage()}
	if form.Has("add_party") {
		if len(p.Form.Parties) < dispute.MaxParties {
			p.Form.Parties = append(p.Form.Parties, partyRow{Kind: string(dispute.Person), Role: string(dispute.Respondent)})
		}
	} else if filed := w.intakeButtons(rw, r, form, &p.Form.Grid, func() (int64, error) {
		cd, err := w.fileDispute(r.Context(), v, p.Form)
		return cd.ID, err
	}, func(err error) { w.disputeIntakeError(r.Context(), v, p, err) }); filed {
		return
	}
	w.renderDisputeIntake(rw, r, v, p)
}

// postedForm is the request's posted form, empty when none was posted.
func postedForm(r *http.Request) url.Values {
	if r.PostForm == nil {
		return url.Values{}
	}
	return r.PostForm
}

// intakeButtons answers the buttons the intake forms that find their place
// by name share (dispute_new, petition_new): a picked place becomes the
// form's grid; "file" files the form by file and sees the reader to the
// new case, or has refused say why on the page. It reports whether the
// form was filed, and so answered.
func (w *Web) intakeButtons(rw http.ResponseWriter, r *http.Request, form url.Values, grid *string, file func() (int64, error),
	refused func(error)) bool {
	switch {
	case form.Has("pick_place"):
		*grid = form.Get("pick_place")
	case form.Has("file"):
		id, err := file()
		if err == nil {
			seeOther(rw, r, caseURL(id))
			return true
		}
		refused(err)
	}
	return false
}

// fileDispute files the dispute the form describes; blank party rows are
// left out.
func (w *Web) fileDispute(ctx context.Context, v *View, f disputeIntakeForm) (store.CaseWithDispute, error) {
	for _, s := range []string{f.Title, f.Text, f.Address} {
		if !httpx.PlainText(s) {
			return store.CaseWithDispute{}, anju.FieldError("text", "the form must be text")
		}
	}
	q := httpx.QueryOf(url.Values{"amount": {f.Amount}, "people": {f.People}, "from_case": {f.FromCase}})
	nd := store.NewDispute{NewCase: store.NewCase{Title: f.Title, Text: f.Text, Category: f.Category, Grid: f.Grid, Address: f.Address},
		Committee: f.Committee}
	nd.Dispute = dispute.Dispute{Type: dispute.Type(f.Type), People: q.Int("people", 0, 0, dispute.MaxPeople)}
	nd.FromCase = q.ID("from_case")
	if f.Amount != "" {
		nd.Dispute.Amount, _ = q.Float("amount", 0, dispute.MaxAmount)
	}
	if err := q.Err(); err != nil {
		return store.CaseWithDispute{}, err
	}
	for _, row := range f.Parties {
		if row.Name == "" && row.Phone == "" && row.IDNumber == "" {
			continue
		}
		nd.Dispute.Parties = append(nd.Dispute.Parties, dispute.Party{Kind: dispute.PartyKind(row.Kind), Role: dispute.PartyRole(row.Role),
			Name: row.Name, Phone: row.Phone, IDNumber: row.IDNumber})
	}
	cd, _, err := w.db.CreateDisputeOnce(ctx, v.Actor, nd, f.Key)
	return cd, err
}

// disputeIntakeError turns a refused filing into the page's messages. The
// store names a party's field by its place among the filled rows
// ("parties[1].phone"); the form's rows include blank ones, so the index is
// mapped back.
func (w *Web) disputeIntakeError(ctx context.Context, v *View, p *disputeIntakePage, err error) {
	code := anju.ErrorCode(err)
	if code == anju.EINTERNAL || code == anju.EUNAVAILABLE {
		w.log.ErrorContext(ctx, "dispute intake failed", "err", err)
	}
	p.Alert, p.status = errorMessage(v, err), httpx.Status(code)
	field := anju.ErrorField(err)
	if field == "" {
		return
	}
	key, msgKey := field, "dispute.error."+field
	if field == "lat" {
		key, msgKey = "grid", "dispute.error.grid"
	}
	if strings.HasPrefix(field, "parties[") {
		i, sub, _ := strings.Cut(strings.TrimPrefix(field, "parties["), "].")
		n, _ := strconv.Atoi(i)
		key, msgKey = "parties."+strconv.Itoa(filledRow(p.Form.Parties, n))+"."+sub, "dispute.error.party."+sub
	}
	msg := anju.ErrorMessage(err)
	if locale.Has(v.Lang, msgKey) {
		msg = v.T(msgKey)
	} else {
		msg = errorMessage(v, err)
	}
	p.Errors[key] = msg
	p.Alert = v.T("form.fix_errors") + " " + msg
}

// filledRow is the form row of the n-th filled party row.
func filledRow(rows []partyRow, n int) int {
	k := -1
	for i, row := range rows {
		if row.Name == "" && row.Phone == "" && row.IDNumber == "" {
			continue
		}
		if k++; k == n {
			return i
		}
	}
	return n
}

// renderDisputeIntake fills the page's choices and renders it: 200, or the
// refused filing's status.
func (w *Web) renderDisputeIntake(rw http.ResponseWriter, r *http.Request, v *View, p *disputeIntakePage) {
	ctx := r.Context()
	p.MaxParties = dispute.MaxParties
	for _, t := range dispute.Types {
		p.Types = append(p.Types, option{string(t), v.T("agreement.type." + string(t))})
	}
	if err := w.fillPlaceIntake(ctx, v, &p.placeIntakePage, cases.KindDispute, p.Form.PlaceQ, p.Form.Grid); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if id, err := strconv.ParseInt(p.Form.FromCase, 10, 64); err == nil && id > 0 {
		if c, err := w.db.GetCase(ctx, v.Actor, id); err == nil {
			p.From = &c
		}
	}
	for _, g := range v.Actor.Grants {
		if g.Role != anju.RoleMediator || g.Department == "" || slices.ContainsFunc(p.Committees, func(o option) bool { return o.Value == g.Department }) {
			continue
		}
		name := g.Department
		if d, err := w.db.GetDepartment(ctx, v.Actor, g.Department); err == nil {
			name = d.Name
		}
		p.Committees = append(p.Committees, option{g.Department, name})
	}
	v.Title = v.T("dispute.intake.title")
	w.render(rw, r, v, p.Status(), "work/dispute_new", p)
}

// placeIntakePage is what the intake pages that find their place by name
// share (dispute_new, petition_new): the refused fields' messages and the
// alert, the categories of the page's kind, and the place.
type placeIntakePage struct {
	Errors     map[string]string // field → message
	Alert      string
	Categories []optionGroup
	Places     []placePick
	PlaceAsked bool
	PlaceName  string
	status     int // of the refused filing
}

func newPlaceIntakePage() placeIntakePage { return placeIntakePage{Errors: map[string]string{}} }

// Err is the message of a field, if refused.
func (p *placeIntakePage) Err(field string) string { return p.Errors[field] }

// Status is the page's: the refused filing's, 400 for a field refused
// before filing, else 200.
func (p *placeIntakePage) Status() int {
	switch {
	case p.status != 0:
		return p.status
	case len(p.Errors) > 0:
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// fillPlaceIntake fills the choices the page offers for cases of kind k:
// the categories, the places found by q, the name of grid.
func (w *Web) fillPlaceIntake(ctx context.Context, v *View, p *placeIntakePage, k cases.Kind, q, grid string) error {
	var err error
	if p.Categories, err = w.categoriesOfKind(ctx, v, k); err != nil {
		return err
	}
	p.Places, p.PlaceAsked = w.findPlaces(ctx, v, q, p.Errors)
	p.PlaceName = w.gridName(ctx, v, grid)
	return nil
}

// categoriesOfKind are the city's active categories of cases of kind k,
// grouped under their roots, for an intake form of that kind.
func (w *Web) categoriesOfKind(ctx context.Context, v *View, k cases.Kind) ([]optionGroup, error) {
	tree, err := w.db.Taxonomy(ctx, v.Actor.City)
	if err != nil {
		return nil, err
	}
	var out []optionGroup
	for _, root := range tree.Roots() {
		g := optionGroup{Label: categoryNameOf(tree, v.Lang, root.Code)}
		for _, c := range tree.LeavesUnder(root.Code) {
			if c.Active && c.Kind == k {
				g.Options = append(g.Options, option{c.Code, categoryNameOf(tree, v.Lang, c.Code)})
			}
		}
		if len(g.Options) > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

// findPlaces are the places named like q, for an intake form that finds
// its place by name, and whether a search was made (so that "nothing
// found" is said only then); a search refused is a message on "place_q"
// in errs.
func (w *Web) findPlaces(ctx context.Context, v *View, q string, errs map[string]string) ([]placePick, bool) {
	if q == "" {
		return nil, false
	}
	places, err := w.db.SearchPlaces(ctx, v.Actor, q)
	switch {
	case anju.ErrorCode(err) == anju.EINVALID:
		errs["place_q"] = v.T("intake.error.place_q")
	case err != nil:
		w.log.WarnContext(ctx, "intake place search", "err", err)
	}
	var out []placePick
	for _, pl := range places {
		out = append(out, placePick{Grid: pl.Grid.Code, Name: strings.Join(pl.Lineage, " › ")})
	}
	return out, true
}

// gridName names a chosen grid from the district down; "" for none, or
// one the reader cannot see.
func (w *Web) gridName(ctx context.Context, v *View, grid string) string {
	if grid == "" || len(grid) > 32 {
		return ""
	}
	ancestors, err := w.db.Ancestors(ctx, v.Actor, grid)
	if err != nil {
		return ""
	}
	g, err := w.db.GetRegion(ctx, v.Actor, grid)
	if err != nil {
		return ""
	}
	return regionNames(ancestors, g)
}
