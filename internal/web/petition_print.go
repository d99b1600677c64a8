package web

import (
	"net/http"
	"time"

	"anju/internal/httpx"
	"anju/internal/petition"
	"anju/internal/store"
)

// The printable petition documents (GET /work/petitions/{id}/notice and
// /opinion): the written notice on acceptance (受理告知书) or of
// non-acceptance (不予受理告知书), and the written opinion (处理意见书, or the
// review's 复查意见书, the re-review's 复核意见书), each a document on screen
// and A4 on paper (static/css/agreement.css, shared with the mediation
// agreement), addressed to the petitioner with the statutory dates and the
// petitioner's next remedy. The petitioner appears as the reader may see
// them: in clear for the roles that may unmask a reporter on the case (the
// office that sends the document; store.GetPetitionPrint audits it),
// masked for the rest.

// petitionDocPage is the data of templates/work/petition_doc.html.
type petitionDocPage struct {
	CaseID     int64
	Kind       petition.Document
	Number     string
	Petitioner string
	Unmasked   bool
	Organ      string
	City       string
	Title      string
	Received   string
	Channel    string
	Accepted   string
	Declined   string
	// Text is what the step recorded: how the matter is handled, why it is
	// not accepted, the opinion; ReferTo where to turn; Finding the
	// opinion's decision in words.
	Text    string
	ReferTo string
	Finding string
	// Standard says no document was recorded (the step was a plain case
	// action): the page says the statute's words with the case's result.
	Standard bool
	// The statutory dates the document tells the petitioner.
	ConclusionDue string
	Extension     string
	NextBy        string // the window for review or re-review
	IssuedOn      string
}

// handlePetitionPrint renders one printable document: which is
// store.PrintNotice or store.PrintOpinion.
func (w *Web) handlePetitionPrint(which string) func(http.ResponseWriter, *http.Request, *View) {
	return func(rw http.ResponseWriter, r *http.Request, v *View) {
		id, ok := caseIDOf(r)
		if !ok {
			w.fail(rw, r, v, notFoundCase(r))
			return
		}
		pr, err := w.db.GetPetitionPrint(r.Context(), v.Actor, id, which)
		if err != nil {
			w.fail(rw, r, v, err)
			return
		}
		cl := pr.Petition.Clock
		p := &petitionDocPage{CaseID: pr.ID, Kind: pr.Kind, Number: store.FormatTrackingCode(pr.TrackingCode),
			Petitioner: pr.Petitioner.Name, Unmasked: pr.Unmasked, Organ: pr.Organ, City: pr.City, Title: pr.Title,
			Received: dueDay(cl.ReceivedAt, false), Standard: pr.Document == nil}
		if pr.Petition.Channel != "" {
			p.Channel = v.T("petition.channel." + string(pr.Petition.Channel))
		}
		if cl.AcceptedAt != nil {
			p.Accepted = dueDay(*cl.AcceptedAt, false)
		}
		if cl.ConclusionDue != nil {
			p.ConclusionDue = dueDay(*cl.ConclusionDue, true)
		}
		if cl.Extension != nil {
			p.Extension = v.T("petition.extension_is", cl.Extension.Days, cl.Extension.Reason)
		}
		if d := pr.Document; d != nil {
			p.Text, p.ReferTo, p.IssuedOn = d.Text, d.ReferTo, dueDay(d.IssuedAt, false)
			if d.Finding != "" {
				p.Finding = v.T("petition.finding." + string(d.Finding))
			}
		}
		switch pr.Kind {
		case petition.DocDeclineNotice:
			p.Declined = cl.DeclineReason
			if p.Standard {
				p.Text = cl.DeclineReason
			}
		case petition.DocOpinion:
			if cl.ReviewRequestBy != nil {
				p.NextBy = dueDay(*cl.ReviewRequestBy, true)
			}
			if p.IssuedOn == "" && cl.ConcludedAt != nil {
				p.IssuedOn = dueDay(*cl.ConcludedAt, false)
			}
		case petition.DocReviewOpinion:
			if cl.ReReviewRequestBy != nil {
				p.NextBy = dueDay(*cl.ReReviewRequestBy, true)
			}
			if p.IssuedOn == "" && cl.ReviewedAt != nil {
				p.IssuedOn = dueDay(*cl.ReviewedAt, false)
			}
		case petition.DocReReviewOpinion:
			if p.IssuedOn == "" && cl.FinalAt != nil {
				p.IssuedOn = dueDay(*cl.FinalAt, false)
			}
		}
		if p.Standard && (pr.Kind == petition.DocOpinion || pr.Kind == petition.DocReviewOpinion || pr.Kind == petition.DocReReviewOpinion) {
			p.Text = pr.Result
		}
		if p.IssuedOn == "" && cl.AcceptedAt != nil {
			p.IssuedOn = p.Accepted
		}
		v.Title = v.T("petition.doc." + string(pr.Kind))
		w.render(rw, r, v, http.StatusOK, "work/petition_doc", p)
	}
}

// dueDay says the day of t in China: a deadline (due) that ends at 24:00
// as its last day, not the next.
func dueDay(t time.Time, due bool) string {
	if t.IsZero() {
		return ""
	}
	l := t.In(httpx.ChinaTime)
	if due && l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0 {
		l = l.Add(-time.Nanosecond)
	}
	return l.Format("2006-01-02")
}
