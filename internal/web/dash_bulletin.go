package web

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/store"
)

// The monthly bulletin (月度通报, GET /dash/bulletin?region=…&month=YYYY-MM):
// a printable document for one region and one month, within the reader's
// scope as the dashboard is — the month's figures against the month
// before, the departments ranked, the open overdue cases by department,
// and the best and worst performers. Everything is counted by
// store.CaseFigures and store.FigureGroups, so it says what the dashboard
// says for the same region and month. Printed on A4 (static/css/bulletin.css).

// bulletinFigures are the figures the bulletin reports, in its order.
var bulletinFigures = []figures.Key{figures.Received, figures.AcceptedShare, figures.OnTimeResponse,
	figures.OnTimeResolution, figures.ResolutionRate, figures.Satisfaction, figures.ReopenRate,
	figures.TimeToCloseMedian, figures.BacklogByAge, figures.OverdueByAge}

const (
	// bulletinMinJudged is how many cases a department's on-time
	// resolution must be judged on before it can be named among the best
	// or worst: one case resolved on time is no record.
	bulletinMinJudged = 5
	// bulletinPerformers is how many best and worst departments are named.
	bulletinPerformers = 3
	// bulletinOverduePerDept is how many overdue cases are listed per
	// department; the rest are counted.
	bulletinOverduePerDept = 5
	// bulletinOverdueRead bounds the overdue cases read for the list.
	bulletinOverdueRead = 1000
	// bulletinMonths is how far back a bulletin reaches.
	bulletinMonths = 36
)

// bulletinPage is the data of templates/dash/bulletin.html.
type bulletinPage struct {
	Region, Month string // the form's values
	Regions       []choice
	Error, Field  string

	Heading    string
	RegionName string
	From, To   string // the month, both days included
	PrevFrom   string
	PrevTo     string
	AsOf       string // when the figures were counted (the piles and overdue list are as of then)
	Figures    []figureRow
	Ranking    []bulletinDept
	Best       []bulletinDept
	Worst      []bulletinDept
	MinJudged  int
	Overdue    []bulletinOverdue
	OverdueCut bool // more overdue cases than were read
	PerDept    int
}

// Invalid reports whether the page's error is about field.
func (p *bulletinPage) Invalid(field string) bool { return p.Error != "" && p.Field == field }

// bulletinDept is a department's line of the ranking.
type bulletinDept struct {
	Rank                          int
	Code, Name                    string
	Received                      int
	OnTime, Satisfaction, Reopens string
	Overdue                       int

	onTime   float64
	judged   int
	hasShare bool
}

// bulletinOverdue is one department's open overdue cases, most overdue first.
type bulletinOverdue struct {
	Name  string
	Cases []bulletinCase
	More  int
}

type bulletinCase struct {
	ID           int64
	TrackingCode string
	Title        string
	DaysOverdue  int
}

func (w *Web) handleBulletin(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	v.Title = v.T("bulletin.title")
	q := r.URL.Query()
	p := &bulletinPage{Region: strings.TrimSpace(q.Get("region")), Month: strings.TrimSpace(q.Get("month")),
		MinJudged: bulletinMinJudged, PerDept: bulletinOverduePerDept}
	regions, err := w.db.ScopeRegions(ctx, v.Actor, regionLevelsShown)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	// The reader's top region by default: the first of their reach.
	region := p.Region
	if region == "" && len(regions) > 0 {
		region = regions[0].Code
	}
	for _, reg := range regions {
		indent := strings.Repeat("\u00a0\u00a0", max(0, pathDepth(reg.Path)-pathDepth(regions[0].Path)))
		p.Regions = append(p.Regions, choice{Value: reg.Code, Label: indent + reg.Name, Selected: reg.Code == region})
	}
	now := w.db.Now()
	month, err := bulletinMonth(p.Month, now)
	if err != nil {
		p.Field, p.Error = "month", v.T("bulletin.bad.month", bulletinMonths)
		w.render(rw, r, v, http.StatusBadRequest, "dash/bulletin", p)
		return
	}
	p.Month = month.Format("2006-01")
	period := figures.Period{From: month, To: month.AddDate(0, 1, 0)}
	before := figures.Period{From: month.AddDate(0, -1, 0), To: month}
	f := store.FigureFilter{Region: region}
	cur, asOf, err := w.db.CaseFigures(ctx, v.Actor, f, period)
	var prev map[figures.Key]figures.Value
	var groups []store.FigureGroup
	if err == nil {
		prev, _, err = w.db.CaseFigures(ctx, v.Actor, f, before)
	}
	if err == nil {
		groups, _, err = w.db.FigureGroups(ctx, v.Actor, f, period, store.ByDepartment)
	}
	if err == nil && region != "" {
		var reg store.RegionRecord
		reg, err = w.db.GetRegion(ctx, v.Actor, region)
		p.RegionName = reg.Name
	}
	if err != nil {
		// A region outside the reader's reach is a 404, as on the dashboard.
		w.fail(rw, r, v, err)
		return
	}
	if p.RegionName == "" {
		p.RegionName = v.T("bulletin.whole_reach")
	}
	p.Heading = v.T("bulletin.heading", p.RegionName, month.Year(), int(month.Month()))
	p.From, p.To = period.From.Format(time.DateOnly), store.LastDay(period).Format(time.DateOnly)
	p.PrevFrom, p.PrevTo = before.From.Format(time.DateOnly), store.LastDay(before).Format(time.DateOnly)
	p.AsOf = asOf.In(httpx.ChinaTime).Format("2006-01-02 15:04")
	for _, k := range bulletinFigures {
		now, then := cur[k], prev[k]
		p.Figures = append(p.Figures, figureRow{Key: k, Label: v.T("figures." + string(k)),
			Value: figureText(v, now), Change: changeText(v, now, then)})
	}

	names := map[string]string{}
	for _, g := range groups {
		if g.Key == "" {
			continue // not yet with a department: nobody to rank
		}
		names[g.Key] = g.Name
		d := bulletinDept{Code: g.Key, Name: cmp.Or(g.Name, g.Key), Received: g.Figures[figures.Received].Count,
			OnTime: figureText(v, g.Figures[figures.OnTimeResolution]), Satisfaction: figureText(v, g.Figures[figures.Satisfaction]),
			Reopens: figureText(v, g.Figures[figures.ReopenRate]), Overdue: g.Figures[figures.OverdueByAge].Count}
		d.onTime, d.hasShare = g.Figures[figures.OnTimeResolution].Share()
		d.judged = g.Figures[figures.OnTimeResolution].Of
		p.Ranking = append(p.Ranking, d)
	}
	// Ranked by on-time resolution; no figure ranks last; ties by the
	// smaller overdue pile, then by name.
	slices.SortStableFunc(p.Ranking, func(a, b bulletinDept) int {
		if a.hasShare != b.hasShare {
			if a.hasShare {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.onTime, a.onTime), cmp.Compare(a.Overdue, b.Overdue), cmp.Compare(a.Name, b.Name))
	})
	var ranked []bulletinDept
	for i := range p.Ranking {
		p.Ranking[i].Rank = i + 1
		if p.Ranking[i].hasShare && p.Ranking[i].judged >= bulletinMinJudged {
			ranked = append(ranked, p.Ranking[i])
		}
	}
	// With fewer than twice as many as are named, the better half is the
	// best and the rest the worst: nobody is both.
	p.Best = ranked[:min(bulletinPerformers, (len(ranked)+1)/2)]
	for i := len(ranked) - 1; i >= len(p.Best) && len(p.Worst) < bulletinPerformers; i-- {
		p.Worst = append(p.Worst, ranked[i])
	}

	p.Overdue, p.OverdueCut, err = w.bulletinOverdue(r, v, region, names, now)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	w.render(rw, r, v, http.StatusOK, "dash/bulletin", p)
}

// bulletinOverdue lists the open overdue cases in region by department,
// most overdue first, at most bulletinOverduePerDept each and the rest
// counted; it reads at most bulletinOverdueRead cases and says when there
// were more.
func (w *Web) bulletinOverdue(r *http.Request, v *View, region string, names map[string]string, now time.Time) ([]bulletinOverdue, bool, error) {
	byDept := map[string]*bulletinOverdue{}
	var order []string
	// The open cases by time left, earliest deadline first, up to the
	// first not yet due: overdue as the figures' pile counts it (deadline
	// passed now), not as the scheduler last marked it.
	f := store.CaseFilter{Region: region, Order: cases.OrderTimeLeft, PageSize: 200}
	read := 0
	for {
		list, err := w.db.ListCases(r.Context(), v.Actor, f)
		if err != nil {
			return nil, false, err
		}
		for _, c := range list.Cases {
			if !now.After(c.Deadlines.Resolution) {
				return collectOverdue(byDept, order), false, nil
			}
			read++
			dept := c.Department
			o, ok := byDept[dept]
			if !ok {
				name := names[dept]
				if dept == "" {
					name = v.T("bulletin.no_department")
				}
				o = &bulletinOverdue{Name: cmp.Or(name, dept)}
				byDept[dept] = o
				order = append(order, dept)
			}
			if len(o.Cases) < bulletinOverduePerDept {
				o.Cases = append(o.Cases, bulletinCase{ID: c.ID, TrackingCode: c.TrackingCode, Title: c.Title,
					DaysOverdue: int(now.Sub(c.Deadlines.Resolution).Hours() / 24)})
			} else {
				o.More++
			}
		}
		if list.Next == "" || !list.HasMore {
			break
		}
		if read >= bulletinOverdueRead {
			return collectOverdue(byDept, order), true, nil
		}
		f.Cursor = list.Next
	}
	return collectOverdue(byDept, order), false, nil
}

// collectOverdue orders the departments by their pile, the largest first.
func collectOverdue(byDept map[string]*bulletinOverdue, order []string) []bulletinOverdue {
	out := make([]bulletinOverdue, 0, len(order))
	for _, d := range order {
		out = append(out, *byDept[d])
	}
	slices.SortStableFunc(out, func(a, b bulletinOverdue) int {
		return cmp.Compare(len(b.Cases)+b.More, len(a.Cases)+a.More)
	})
	return out
}

// bulletinMonth reads month as YYYY-MM (China Standard Time); empty is the
// last full month. A month not yet begun, or more than bulletinMonths
// back, is refused.
func bulletinMonth(month string, now time.Time) (time.Time, error) {
	n := now.In(httpx.ChinaTime)
	this := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, httpx.ChinaTime)
	if month == "" {
		return this.AddDate(0, -1, 0), nil
	}
	t, err := time.ParseInLocation("2006-01", month, httpx.ChinaTime)
	if err != nil || t.After(this) || t.Before(this.AddDate(0, -bulletinMonths, 0)) {
		return time.Time{}, anju.FieldError("month", "a month as YYYY-MM, this one or one of the %d before", bulletinMonths)
	}
	return t, nil
}
