package web

import (
	"math"
	"net/http"
	"strings"

	"anju/internal/dispute"
	"anju/internal/httpx"
	"anju/internal/store"
)

// The printable mediation agreement (人民调解协议书, GET
// /work/disputes/{id}/agreement): a document on screen and A4 on paper
// (static/css/agreement.css), with a signature line for every party and
// mediator. The parties appear as the reader may see them: in clear for the
// roles that may unmask them on the case (the mediators who print it for
// signing), which store.GetDisputeAgreement audits, masked for the rest.

// agreementPage is the data of templates/work/agreement.html.
type agreementPage struct {
	CaseID    int64
	Number    string
	Committee string
	Unmasked  bool
	Parties   []agreementParty
	TypeName  string
	People    int
	Amount    string
	Facts     []string // paragraphs, each indented as a document's are
	Sessions  []agreementSession
	Terms     []string
	AgreedOn  string
	Copies    int
	Mediators []string
	CityName  string
}

type agreementParty struct {
	RoleKey  string // message key of the party's side
	KindKey  string
	Name     string
	Phone    string
	IDNumber string
}

type agreementSession struct {
	HeldAt, Place string
}

func (w *Web) handleDisputeAgreement(rw http.ResponseWriter, r *http.Request, v *View) {
	id, ok := caseIDOf(r)
	if !ok {
		w.fail(rw, r, v, notFoundCase(r))
		return
	}
	ctx := r.Context()
	ag, err := w.db.GetDisputeAgreement(ctx, v.Actor, id)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	v.Title = v.T("agreement.title")
	d := ag.Dispute
	loc := httpx.ChinaTime
	p := &agreementPage{CaseID: ag.ID, Number: store.FormatTrackingCode(ag.TrackingCode), Committee: ag.Department,
		Unmasked: ag.Unmasked, TypeName: v.T("agreement.type." + string(d.Type)), People: d.People,
		Amount: dispute.Yuan(int64(math.Round(d.Amount * 100))), Facts: paragraphs(ag.Text), Terms: paragraphs(d.Terms), Mediators: ag.Mediators,
		Copies: len(d.Parties) + 1, CityName: ag.City}
	if dep, err := w.db.GetDepartment(ctx, v.Actor, ag.Department); err == nil {
		p.Committee = dep.Name
	}
	if d.AgreedAt != nil {
		p.AgreedOn = d.AgreedAt.In(loc).Format("2006-01-02")
	}
	for _, party := range d.Parties {
		p.Parties = append(p.Parties, agreementParty{RoleKey: "agreement.role." + string(party.Role),
			KindKey: "agreement.kind." + string(party.Kind), Name: party.Name, Phone: party.Phone, IDNumber: party.IDNumber})
	}
	for _, s := range d.Sessions {
		p.Sessions = append(p.Sessions, agreementSession{HeldAt: s.HeldAt.In(loc).Format("2006-01-02 15:04"), Place: s.Place})
	}
	w.render(rw, r, v, http.StatusOK, "work/agreement", p)
}

// paragraphs are text's lines that hold anything, each a paragraph of the
// document: terms typed one to a line ("一、…", "二、…") print aligned.
func paragraphs(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
