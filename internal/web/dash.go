package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/figures"
	"anju/internal/store"
)

// The dashboard (GET /dash): every figure of package figures over the
// cases the reader may see, narrowed by region, department, category and
// kind, for a period (from and to, both days included; the last 30 days by
// default), each with its change against the previous period of the same
// length. The query is read as GET /api/v1/figures reads it
// (store.FigureQueryFromQuery), so the page and the API answer the same
// numbers. Charts come later (ECharts); this first page is the table.

// dashNames are the query names the dashboard reads and keeps.
var dashNames = []string{"region", "department", "category", "kind", "from", "to"}

// dashPage is the data of templates/dash/index.html.
type dashPage struct {
	Values      url.Values
	Regions     []choice
	Departments []choice
	Categories  []choiceGroup
	Kinds       []choice
	Fields      []filterInput // the filter form, as the workbench lays out its fields

	// A bad filter: the message and the field it is about.
	Error string
	Field string

	From, To         string // the period shown, both days included
	PrevFrom, PrevTo string // the period compared with
	Rows             []figureRow
}

// Value is the filter's value as given.
func (p *dashPage) Value(name string) string { return p.Values.Get(name) }

// fields lays out the filter form with the workbench's words.
func (p *dashPage) fields(v *View) {
	in := func(name, typ string, opts []choice) filterInput {
		label := v.T("work.filter." + name)
		if typ == "date" {
			// The dashboard's to is a day included; the workbench's is not.
			label = v.T("dash.filter." + name)
		}
		return filterInput{Name: name, Label: label, Type: typ, Value: p.Value(name),
			Any: v.T("work.filter.any"), Options: opts, Invalid: p.Invalid(name), Error: p.Error}
	}
	cat := in("category", "select", nil)
	cat.Groups = p.Categories
	p.Fields = []filterInput{in("region", "select", p.Regions), in("department", "select", p.Departments), cat,
		in("kind", "select", p.Kinds), in("from", "date", nil), in("to", "date", nil)}
}

// FieldLabel is the label of the form's field name.
func (p *dashPage) FieldLabel(name string) string {
	for _, in := range p.Fields {
		if in.Name == name {
			return in.Label
		}
	}
	return name
}

// Invalid reports whether the page's error is about field.
func (p *dashPage) Invalid(field string) bool { return p.Error != "" && p.Field == field }

// figureRow is one line of the figures table: a figure, or a part of one.
type figureRow struct {
	Key    figures.Key
	Label  string
	Value  string
	Change string
	Link   string // the workbench list of exactly the cases counted
	Part   bool
}

func (w *Web) handleDash(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	v.Title = v.T("nav.dash")
	q := r.URL.Query()
	p := &dashPage{Values: url.Values{}}
	for _, n := range dashNames {
		if val := strings.TrimSpace(q.Get(n)); val != "" {
			p.Values.Set(n, val)
		}
	}
	// The workbench's choices, within the reader's reach.
	choices := &workPage{Values: p.Values}
	if err := w.filterChoices(ctx, v, choices); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	p.Regions, p.Departments, p.Categories, p.Kinds = choices.Regions, choices.Departments, choices.Categories, choices.Kinds

	f, period, err := store.FigureQueryFromQuery(p.Values, w.db.Now())
	var cur, prev map[figures.Key]figures.Value
	var before figures.Period
	if err == nil {
		cur, _, err = w.db.CaseFigures(ctx, v.Actor, f, period)
	}
	if err == nil {
		days := int(math.Round(period.To.Sub(period.From).Hours() / 24))
		before = figures.Period{From: period.From.AddDate(0, 0, -days), To: period.From}
		prev, _, err = w.db.CaseFigures(ctx, v.Actor, f, before)
	}
	switch {
	case err != nil && anju.ErrorCode(err) == anju.ENOTFOUND:
		// A region outside the reader's reach is no region at all.
		w.fail(rw, r, v, err)
		return
	case err != nil && userError(err):
		p.Field = anju.ErrorField(err)
		switch p.Field {
		case "department", "category", "kind", "from", "to":
			p.Error = v.T("dash.bad." + p.Field)
		default:
			p.Field, p.Error = "", errorMessage(v, err)
		}
		p.fields(v)
		w.render(rw, r, v, httpStatusOf(err), "dash/index", p)
		return
	case err != nil:
		w.fail(rw, r, v, err)
		return
	}
	p.fields(v)
	p.From, p.To = period.From.Format(time.DateOnly), store.LastDay(period).Format(time.DateOnly)
	p.PrevFrom, p.PrevTo = before.From.Format(time.DateOnly), store.LastDay(before).Format(time.DateOnly)
	receivedLink := w.receivedLink(ctx, v, f, period)
	for _, d := range figures.Definitions() {
		now, then := cur[d.Key], prev[d.Key]
		row := figureRow{Key: d.Key, Label: v.T("figures." + string(d.Key)), Value: figureText(v, now),
			Change: changeText(v, now, then)}
		if d.Key == figures.Received {
			row.Link = receivedLink
		}
		p.Rows = append(p.Rows, row)
		for _, part := range now.Parts {
			pv, tv := now.PartValue(part.Key), then.PartValue(part.Key)
			p.Rows = append(p.Rows, figureRow{Key: d.Key, Label: v.T("figures.part." + part.Key), Value: figureText(v, pv),
				Change: changeText(v, pv, tv), Part: true})
		}
	}
	w.render(rw, r, v, http.StatusOK, "dash/index", p)
}

// receivedLink is the workbench list of the cases received in the period
// under the filter: the workbench filters by the same region subtree,
// department and kind, and by a category leaf; a category group it does not
// filter by, so then there is no link. Its to is the first day not
// included.
func (w *Web) receivedLink(ctx context.Context, v *View, f store.FigureFilter, p figures.Period) string {
	if f.Category != "" {
		tree, err := w.db.Taxonomy(ctx, v.Actor.City)
		if err != nil || len(tree.Children(f.Category)) > 0 {
			return ""
		}
	}
	vs := url.Values{}
	vs.Set("from", p.From.Format(time.DateOnly))
	vs.Set("to", p.To.Format(time.DateOnly))
	for name, val := range map[string]string{"region": f.Region, "department": f.Department,
		"category": f.Category, "kind": string(f.Kind)} {
		if val != "" {
			vs.Set(name, val)
		}
	}
	return workURL(vs)
}

// figureText is a figure as the table shows it: a count, a share in per
// cent, a time in hours (under two days) or days; "—" for no figure. A
// shares figure's own line says how many cases its parts divide.
func figureText(v *View, x figures.Value) string {
	switch x.Unit {
	case figures.UnitShare:
		if s, ok := x.Share(); ok {
			return v.T("dash.share", fmt.Sprintf("%.1f", s*100), x.Count, x.Of)
		}
	case figures.UnitDuration:
		if x.Known {
			return durationText(v, x.Duration)
		}
	case figures.UnitShares:
		return v.T("dash.over", x.Of)
	default:
		return strconv.Itoa(x.Count)
	}
	return v.T("figures.none")
}

func durationText(v *View, d time.Duration) string {
	if d < 48*time.Hour {
		return v.T("dash.hours", fmt.Sprintf("%.1f", d.Hours()))
	}
	return v.T("dash.days", fmt.Sprintf("%.1f", d.Hours()/24))
}

// changeText is x against the previous period's was: a difference of
// counts, of per cent points, or of time, signed; "—" when either period
// has no figure.
func changeText(v *View, x, was figures.Value) string {
	sign := func(d float64, text string) string {
		switch {
		case d > 0:
			return "+" + text
		case d < 0:
			return "−" + text
		}
		return "±" + text
	}
	switch x.Unit {
	case figures.UnitShare:
		s, ok := x.Share()
		t, okWas := was.Share()
		if !ok || !okWas {
			return v.T("figures.none")
		}
		d := (s - t) * 100
		return sign(math.Round(d*10), v.T("dash.points", fmt.Sprintf("%.1f", math.Abs(d))))
	case figures.UnitDuration:
		if !x.Known || !was.Known {
			return v.T("figures.none")
		}
		d := x.Duration - was.Duration
		return sign(float64(d), durationText(v, d.Abs()))
	case figures.UnitShares:
		return ""
	}
	d := x.Count - was.Count
	return sign(float64(d), strconv.Itoa(max(d, -d)))
}
