package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/figures"
	"anju/internal/store"
	"anju/internal/taxonomy"
)

// The public figures (GET /figures): the city's headline figures for one
// ended calendar month, for the whole city, each district and each public
// category group, for anyone. The store decides what may be shown
// (store.PublicFigures: public cases only, nothing over fewer than 10
// cases, complements withheld, one recount per city and month every ten
// minutes); the page only says it. The period is read as the dashboard
// reads it (from and to as YYYY-MM-DD, both days included), then must be
// one whole month.

// publicFiguresPage is the data of templates/portal/figures.html.
type publicFiguresPage struct {
	From, To string // the form's values as given
	Error    string
	Field    string

	Month      string // the month shown, as the heading says it
	Minimum    int
	Columns    []string // the figures' names, in PublicFigureKeys order
	Keys       []figures.Key
	City       publicFigureLine
	Districts  []publicFigureLine
	Categories []publicFigureLine
	Counted    string // when the figures were counted
	PrevLink   string // the month before, while the store reaches it
	NextLink   string // the month after, once it has ended
}

// Invalid reports whether the page's error is about field.
func (p *publicFiguresPage) Invalid(field string) bool { return p.Error != "" && p.Field == field }

// publicFigureLine is one row of a table: a place or a category group.
type publicFigureLine struct {
	Name  string
	Cells []publicFigureCell
}

type publicFigureCell struct {
	Key      figures.Key
	Text     string
	Withheld store.Withheld
}

func (w *Web) handlePublicFigures(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	v.Title = v.T("pubfig.title")
	city, err := w.portalCity(ctx)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	q := r.URL.Query()
	p := &publicFiguresPage{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Minimum: store.PublicFigureMinimum}
	now := w.db.Now()
	period := store.LastFullMonth(now)
	if p.From != "" || p.To != "" {
		vals := url.Values{"from": {p.From}, "to": {p.To}}
		_, period, err = store.FigureQueryFromQuery(vals, now)
		if err == nil {
			_, err = store.PublicMonth(period, now)
		}
	}
	var set *store.PublicFigureSet
	if err == nil {
		set, err = w.db.PublicFigures(ctx, city, period.From)
	}
	switch {
	case err != nil && anju.ErrorCode(err) == anju.EINVALID:
		p.Field = anju.ErrorField(err)
		if p.Field != "to" {
			p.Field = "from"
		}
		p.Error = v.T("pubfig.bad." + p.Field)
		w.render(rw, r, v, http.StatusBadRequest, "portal/figures", p)
		return
	case err != nil:
		w.fail(rw, r, v, err)
		return
	}
	p.From, p.To = period.From.Format(time.DateOnly), store.LastDay(period).Format(time.DateOnly)
	p.Month = v.T("pubfig.month", period.From.Year(), int(period.From.Month()))
	p.Keys = store.PublicFigureKeys
	for _, k := range p.Keys {
		p.Columns = append(p.Columns, v.T("figures."+string(k)))
	}
	line := func(name string, row store.PublicFigureRow) publicFigureLine {
		l := publicFigureLine{Name: name}
		for _, k := range p.Keys {
			f := row.Figures[k]
			c := publicFigureCell{Key: k, Withheld: f.Withheld}
			switch f.Withheld {
			case store.WithheldFewer:
				c.Text = v.T("pubfig.fewer", store.PublicFigureMinimum)
			case store.WithheldComplement:
				c.Text = v.T("pubfig.complement")
			default:
				c.Text = figureText(v, f.Value)
			}
			l.Cells = append(l.Cells, c)
		}
		return l
	}
	p.City = line(v.T("pubfig.whole_city", set.Whole.Name), set.Whole)
	for _, d := range set.Districts {
		p.Districts = append(p.Districts, line(d.Name, d))
	}
	for _, g := range set.Categories {
		name := categoryName(v.Lang, taxonomy.Category{Name: g.Name, NameEn: g.NameEn})
		p.Categories = append(p.Categories, line(name, g))
	}
	p.Counted = set.At.In(period.From.Location()).Format("2006-01-02 15:04")
	monthLink := func(from time.Time) string {
		to := from.AddDate(0, 1, 0)
		if _, err := store.PublicMonth(figures.Period{From: from, To: to}, now); err != nil {
			return ""
		}
		return "/figures?from=" + from.Format(time.DateOnly) + "&to=" + to.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	p.PrevLink, p.NextLink = monthLink(period.From.AddDate(0, -1, 0)), monthLink(period.To)
	w.render(rw, r, v, http.StatusOK, "portal/figures", p)
}
