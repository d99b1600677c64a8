package web

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"anju/internal/anju"
	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/locale"
	"anju/internal/store"
)

// The dashboard (GET /dash): every figure of package figures over the
// cases the reader may see, narrowed by region, department, category and
// kind, for a period (from and to, both days included; the last 30 days by
// default), each with its change against the previous period of the same
// length and against the same period a year earlier. The query is read as
// GET /api/v1/figures reads it (store.FigureQueryFromQuery), so the page
// and the API answer the same numbers. Below the figures: the trend by day,
// week or month (trend=), the category breakdown, the department and
// region rankings (rank=), the open early warnings and the hotspots. Each
// chart is drawn by static/js/dash.js from JSON beside a table of the same
// numbers: without scripts, for screen readers and on paper the tables are
// the page.

// dashNames are the query names the dashboard reads and keeps.
var dashNames = []string{"region", "department", "category", "kind", "from", "to", "trend", "rank"}

// dashTrends are the trend's splits, as trend= names them.
var dashTrends = []store.FigureGroupBy{store.ByDay, store.ByWeek, store.ByMonth}

// maxDailyTrend is the longest period the trend splits by day.
const maxDailyTrend = 92 * 24 * time.Hour

// dashRanks are the rankings' orders, as rank= names them, and the figure
// each sorts by (highest first).
// The rankings show every one of these figures.
var dashRanks = []dashRank{{"on_time", figures.OnTimeResolution}, {"satisfaction", figures.Satisfaction},
	{"overdue", figures.OverdueByAge}, {"reopened", figures.ReopenRate}}

type dashRank struct {
	Name string
	Key  figures.Key
}

// dashHotspots is how many hotspots the dashboard lists; dashWarnings how
// many open warnings (the newest).
const (
	dashHotspots = 10
	dashWarnings = 20
)

// dashPage is the data of templates/dash/index.html.
type dashPage struct {
	Values      url.Values
	Regions     []choice
	Departments []choice
	Categories  []choiceGroup
	Kinds       []choice
	Trends      []choice
	Fields      []filterInput // the filter form, as the workbench lays out its fields

	// A bad filter: the message and the field it is about.
	Error string
	Field string

	From, To         string // the period shown, both days included
	PrevFrom, PrevTo string // the period compared with
	YearFrom, YearTo string // the same period a year earlier
	Rows             []figureRow

	Rank      string // the rankings' order
	Trend     dashChart
	Breakdown dashChart
	DeptRank  dashChart
	// FigureExports download the figures table.
	FigureExports []exportLink
	RegionRank    dashChart
	Warnings      []dashWarning
	MoreWarns     bool
	Hotspots      []dashHotspot
	HotspotFrom   string // the hotspots' reports are those since this day
	HotspotAsOf   string // when they were found: the stored list may be HotspotsEvery behind
	HotspotNote   string // why there are none to show, when so
	// Hazards is the hazard register's section (dash_hazard.go).
	Hazards dashChart
}

// Value is the filter's value as given.
func (p *dashPage) Value(name string) string { return p.Values.Get(name) }

// fields lays out the filter form with the workbench's words.
func (p *dashPage) fields(v *View) {
	in := func(name, typ string, opts []choice) filterInput {
		label := v.T("work.filter." + name)
		if typ == "date" || name == "trend" {
			// The dashboard's to is a day included; the workbench's is not.
			label = v.T("dash.filter." + name)
		}
		return filterInput{Name: name, Label: label, Type: typ, Value: p.Value(name),
			Any: v.T("work.filter.any"), Options: opts, Invalid: p.Invalid(name), Error: p.Error}
	}
	cat := in("category", "select", nil)
	cat.Groups = p.Categories
	trend := in("trend", "select", p.Trends)
	trend.Any = v.T("dash.trend.auto")
	p.Fields = []filterInput{in("region", "select", p.Regions), in("department", "select", p.Departments), cat,
		in("kind", "select", p.Kinds), in("from", "date", nil), in("to", "date", nil), trend}
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
	Key        figures.Key
	Label      string
	Value      string
	Change     string
	YearChange string
	Part       bool
	// Cell is Value with its numbers linked to the cases behind them.
	Cell template.HTML
}

// dashChart is one chart and its table: the same numbers twice, the chart
// drawn by static/js/dash.js from Data, the table read by everyone else.
type dashChart struct {
	ID      string // the chart's element ids derive from it
	Title   string
	Caption string
	Head    string // the first column's heading
	Columns []dashColumn
	Rows    []dashRow
	Empty   string // said instead of an empty table
	Toggle  string // the label of the button that shows the table
	Exports []exportLink
	Data    chartData
}

// dashColumn is a table's column after the first; a ranking's columns
// link to the ranking sorted by them.
type dashColumn struct {
	Label  string
	Link   string
	Sorted bool
}

type dashRow struct {
	Label string
	Cells []template.HTML // each number a link to its cases (linkedFigure)
}

// chartData is what static/js/dash.js draws: a line chart over time or a
// bar per label, each series a count or a per cent (null: no figure).
type chartData struct {
	Kind   string        `json:"kind"` // "trend" or "bars"
	Labels []string      `json:"labels"`
	Series []chartSeries `json:"series"`
}

type chartSeries struct {
	Name    string     `json:"name"`
	Percent bool       `json:"percent"`
	Values  []*float64 `json:"values"`
}

// dashWarning is an open early warning as the dashboard lists it. Its
// title is the detector's sentence, kept in Chinese.
type dashWarning struct {
	Kind, Title, Raised string
}

// dashHotspot is a hotspot as the dashboard lists it.
type dashHotspot struct {
	Name                string
	Count, Reporters    int
	FirstSeen, LastSeen string
}

func (w *Web) handleDash(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	v.Title = v.T("nav.dash")
	q := r.URL.Query()
	p, err := w.dashChoices(ctx, v, q)
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	for _, by := range dashTrends {
		p.Trends = append(p.Trends, choice{Value: string(by), Label: v.T("dash.trend." + string(by)),
			Selected: p.Value("trend") == string(by)})
	}
	// bad answers with the form again and msg, about field ("" for none).
	bad := func(status int, field, msg string) {
		p.Field, p.Error = field, msg
		p.fields(v)
		w.render(rw, r, v, status, "dash/index", p)
	}
	trend := store.FigureGroupBy(p.Value("trend"))
	if trend != "" && !slices.Contains(dashTrends, trend) {
		bad(http.StatusBadRequest, "trend", v.T("dash.bad.trend"))
		return
	}
	p.Rank = cmp.Or(p.Value("rank"), dashRanks[0].Name)
	rankBy := slices.IndexFunc(dashRanks, func(r dashRank) bool { return r.Name == p.Rank })
	if rankBy < 0 {
		// No field of the form: the rankings' column heads set it.
		bad(http.StatusBadRequest, "", v.T("dash.bad.rank"))
		return
	}

	f, period, err := store.FigureQueryFromQuery(p.Values, w.db.Now())
	if trend == "" {
		trend = defaultTrend(period)
	}
	if err == nil && trend == store.ByDay && period.To.Sub(period.From) > maxDailyTrend {
		// A point a day for years is unreadable, and costs a recount a day.
		bad(http.StatusBadRequest, "trend", v.T("dash.bad.trend_long", int(maxDailyTrend.Hours()/24)))
		return
	}
	ranked := []figures.Key{figures.Received}
	for _, r := range dashRanks {
		ranked = append(ranked, r.Key)
	}
	var d store.Dashboard
	if err == nil {
		d, err = w.db.Dashboard(ctx, v.Actor, store.DashboardAsk{Filter: f, Period: period, Trend: trend,
			Shown: []figures.Key{figures.Received, figures.OnTimeResolution}, Ranked: ranked})
	}
	before, yearBefore := d.Before, d.YearBefore
	cur, prev, year := d.Now, d.Prev, d.YearAgo
	byTime, byCategory, byDepartment, byRegion := d.Trend, d.Categories, d.Departments, d.Regions
	switch field := anju.ErrorField(err); {
	case err != nil && anju.ErrorCode(err) == anju.ENOTFOUND:
		// A region outside the reader's reach is no region at all.
		w.fail(rw, r, v, err)
		return
	case err != nil && userError(err) && slices.Contains([]string{"department", "category", "kind", "from", "to"}, field):
		bad(httpStatusOf(err), field, v.T("dash.bad."+field))
		return
	case err != nil && userError(err):
		bad(httpStatusOf(err), "", errorMessage(v, err))
		return
	case err != nil:
		w.fail(rw, r, v, err)
		return
	}
	p.fields(v)
	day := func(t time.Time) string { return t.In(httpx.ChinaTime).Format(time.DateOnly) }
	p.From, p.To = day(period.From), day(store.LastDay(period))
	p.PrevFrom, p.PrevTo = day(before.From), day(store.LastDay(before))
	p.YearFrom, p.YearTo = day(yearBefore.From), day(store.LastDay(yearBefore))
	for _, d := range figures.Definitions() {
		now, then, last := cur[d.Key], prev[d.Key], year[d.Key]
		row := figureRow{Key: d.Key, Label: v.T("figures." + string(d.Key)), Value: figureText(v, now),
			Change: changeText(v, now, then), YearChange: changeText(v, now, last)}
		to := casesBehind(f, period, d.Key)
		row.Cell = linkedFigure(v, d.Key, now, "", to)
		p.Rows = append(p.Rows, row)
		for _, part := range now.Parts {
			pv := now.PartValue(part.Key)
			p.Rows = append(p.Rows, figureRow{Key: d.Key, Label: v.T("figures.part." + part.Key), Value: figureText(v, pv),
				Change: changeText(v, pv, then.PartValue(part.Key)), YearChange: changeText(v, pv, last.PartValue(part.Key)), Part: true,
				Cell: linkedFigure(v, d.Key, pv, part.Key, to)})
		}
	}
	p.Trend = trendChart(v, trend, byTime, func(g store.FigureGroup) figureFilterOf {
		return func(k figures.Key) figureLinks { return casesBehind(f, g.Period, k) }
	})
	p.Breakdown = breakdownChart(v, byCategory, func(g store.FigureGroup) figureFilterOf {
		gf := f
		gf.Category = g.Key
		return func(k figures.Key) figureLinks { return casesBehind(gf, period, k) }
	})
	p.DeptRank = p.rankingChart(v, "departments", byDepartment, dashRanks[rankBy], func(g store.FigureGroup) figureFilterOf {
		gf := f
		gf.Department = g.Key
		return func(k figures.Key) figureLinks {
			if g.Key == "" {
				return nil // no department to filter by
			}
			return casesBehind(gf, period, k)
		}
	})
	p.RegionRank = p.rankingChart(v, "regions", byRegion, dashRanks[rankBy], func(g store.FigureGroup) figureFilterOf {
		gf := f
		gf.Region = g.Key
		return func(k figures.Key) figureLinks { return casesBehind(gf, period, k) }
	})
	for table, c := range map[string]*dashChart{"trend": &p.Trend, "categories": &p.Breakdown, "departments": &p.DeptRank, "regions": &p.RegionRank} {
		c.Toggle = v.T("dash.table")
		c.Exports = p.exports(v, table)
	}
	p.FigureExports = p.exports(v, "figures")
	if err := w.dashAlerts(ctx, v, p, f, period); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if err := w.dashHazards(ctx, v, p, f.Region, period); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if format := q.Get("format"); format != "" {
		w.dashExport(rw, r, v, p, format, q.Get("table"))
		return
	}
	w.render(rw, r, v, http.StatusOK, "dash/index", p)
}

// dashChoices reads the dashboard's query values and offers the filter's
// choices within the reader's reach: the workbench's regions,
// departments and kinds, and categories by group and leaf.
func (w *Web) dashChoices(ctx context.Context, v *View, q url.Values) (*dashPage, error) {
	p := &dashPage{Values: url.Values{}}
	for _, n := range dashNames {
		if val := strings.TrimSpace(q.Get(n)); val != "" {
			p.Values.Set(n, val)
		}
	}
	choices := &workPage{Values: p.Values}
	if err := w.filterChoices(ctx, v, choices); err != nil {
		return p, err
	}
	p.Regions, p.Departments, p.Kinds = choices.Regions, choices.Departments, choices.Kinds
	return p, w.dashCategories(ctx, v, p)
}

// dashCategories are the form's categories: the workbench's leaves under
// each group, and the group itself first, since the dashboard counts a
// group as a whole.
func (w *Web) dashCategories(ctx context.Context, v *View, p *dashPage) error {
	tree, err := w.db.Taxonomy(ctx, v.Actor.City)
	if err != nil {
		return err
	}
	want, found := p.Value("category"), false
	pick := func(code string) choice {
		c := choice{Value: code, Label: categoryLabel(v, tree, code, ""), Selected: code == want}
		found = found || c.Selected
		return c
	}
	for _, root := range tree.Roots() {
		all := pick(root.Code)
		all.Label = v.T("dash.category_all", all.Label)
		g := choiceGroup{Label: categoryLabel(v, tree, root.Code, ""), Options: []choice{all}}
		for _, c := range tree.LeavesUnder(root.Code) {
			g.Options = append(g.Options, pick(c.Code))
		}
		p.Categories = append(p.Categories, g)
	}
	if want != "" && !found {
		p.Categories = append(p.Categories, choiceGroup{Label: want, Options: []choice{{Value: want, Label: want, Selected: true}}})
	}
	return nil
}

// defaultTrend splits a period of up to a month by day, up to half a
// year by week, and longer ones by month: a few dozen points at most.
func defaultTrend(p figures.Period) store.FigureGroupBy {
	switch days := p.To.Sub(p.From).Hours() / 24; {
	case days <= 31:
		return store.ByDay
	case days <= 190:
		return store.ByWeek
	}
	return store.ByMonth
}

// groupName is a part's name in the reader's language.
func groupName(v *View, g store.FigureGroup) string {
	if v.Lang == locale.EN && g.NameEn != "" {
		return g.NameEn
	}
	return cmp.Or(g.Name, g.Key)
}

// chartValue is a figure as a chart plots it: a count, or a share in per
// cent to one decimal; nil for no figure.
func chartValue(x figures.Value) *float64 {
	var n float64
	switch x.Unit {
	case figures.UnitShare:
		s, ok := x.Share()
		if !ok {
			return nil
		}
		n = math.Round(s*1000) / 10
	case figures.UnitCount, figures.UnitCounts:
		n = float64(x.Count)
	default:
		return nil
	}
	return &n
}

// trendChart is the received count and the on-time resolution of each
// day, week or month of the period.
func trendChart(v *View, by store.FigureGroupBy, parts []store.FigureGroup, links func(store.FigureGroup) figureFilterOf) dashChart {
	c := dashChart{ID: "trend", Title: v.T("dash.trend.title." + string(by)), Head: v.T("dash.col.period." + string(by)),
		Columns: []dashColumn{{Label: v.T("figures.received")}, {Label: v.T("figures.on_time_resolution")}},
		Data: chartData{Kind: "trend", Series: []chartSeries{{Name: v.T("figures.received")},
			{Name: v.T("figures.on_time_resolution"), Percent: true}}}}
	c.Caption = c.Title
	for _, g := range parts {
		received, onTime := g.Figures[figures.Received], g.Figures[figures.OnTimeResolution]
		label := g.Key
		if last := store.LastDay(g.Period).In(httpx.ChinaTime).Format(time.DateOnly); by != store.ByDay && last != g.Key {
			label = v.T("dash.span", g.Key, last)
		}
		to := links(g)
		c.Rows = append(c.Rows, dashRow{Label: label, Cells: []template.HTML{
			linkedFigure(v, figures.Received, received, "", to(figures.Received)),
			linkedFigure(v, figures.OnTimeResolution, onTime, "", to(figures.OnTimeResolution))}})
		c.Data.Labels = append(c.Data.Labels, g.Key)
		c.Data.Series[0].Values = append(c.Data.Series[0].Values, chartValue(received))
		c.Data.Series[1].Values = append(c.Data.Series[1].Values, chartValue(onTime))
	}
	return c
}

// breakdownChart is the received count of each category one level below
// the filter's, most first, with its on-time resolution.
func breakdownChart(v *View, parts []store.FigureGroup, links func(store.FigureGroup) figureFilterOf) dashChart {
	c := dashChart{ID: "categories", Title: v.T("dash.breakdown.title"), Caption: v.T("dash.breakdown.caption"),
		Head: v.T("dash.col.category"), Empty: v.T("dash.none"),
		Columns: []dashColumn{{Label: v.T("figures.received")}, {Label: v.T("figures.on_time_resolution")}},
		Data:    chartData{Kind: "bars", Series: []chartSeries{{Name: v.T("figures.received")}}}}
	parts = slices.Clone(parts)
	slices.SortStableFunc(parts, func(a, b store.FigureGroup) int {
		return cmp.Compare(b.Figures[figures.Received].Count, a.Figures[figures.Received].Count)
	})
	for _, g := range parts {
		received := g.Figures[figures.Received]
		name := groupName(v, g)
		to := links(g)
		c.Rows = append(c.Rows, dashRow{Label: name, Cells: []template.HTML{
			linkedFigure(v, figures.Received, received, "", to(figures.Received)),
			linkedFigure(v, figures.OnTimeResolution, g.Figures[figures.OnTimeResolution], "", to(figures.OnTimeResolution))}})
		c.Data.Labels = append(c.Data.Labels, name)
		c.Data.Series[0].Values = append(c.Data.Series[0].Values, chartValue(received))
	}
	return c
}

// rankingChart ranks departments or regions by the figure of by, highest
// first, those with no figure last; the chart draws the ranked figure.
func (p *dashPage) rankingChart(v *View, id string, parts []store.FigureGroup, by dashRank, links func(store.FigureGroup) figureFilterOf) dashChart {
	rank := by.Key
	c := dashChart{ID: id, Title: v.T("dash." + id + ".title"),
		Caption: v.T("dash."+id+".caption", v.T("figures."+string(rank))), Head: v.T("dash.col." + id), Empty: v.T("dash.none"),
		Columns: []dashColumn{{Label: v.T("figures.received")}},
		Data:    chartData{Kind: "bars", Series: []chartSeries{{Name: v.T("figures." + string(rank)), Percent: rank != figures.OverdueByAge}}}}
	for _, r := range dashRanks {
		vs := url.Values{}
		for n, val := range p.Values {
			vs[n] = val
		}
		vs.Set("rank", r.Name)
		c.Columns = append(c.Columns, dashColumn{Label: v.T("figures." + string(r.Key)), Link: "/dash?" + vs.Encode() + "#" + id,
			Sorted: r == by})
	}
	parts = slices.Clone(parts)
	slices.SortStableFunc(parts, func(a, b store.FigureGroup) int {
		x, y := chartValue(a.Figures[rank]), chartValue(b.Figures[rank])
		switch {
		case x == nil && y == nil:
		case x == nil:
			return 1
		case y == nil:
			return -1
		case *x != *y:
			return cmp.Compare(*y, *x)
		}
		return cmp.Compare(b.Figures[figures.Received].Count, a.Figures[figures.Received].Count)
	})
	for _, g := range parts {
		name := groupName(v, g)
		if g.Key == "" {
			name = v.T("dash.no_department")
		}
		to := links(g)
		row := dashRow{Label: name, Cells: []template.HTML{linkedFigure(v, figures.Received, g.Figures[figures.Received], "", to(figures.Received))}}
		for _, r := range dashRanks {
			row.Cells = append(row.Cells, linkedFigure(v, r.Key, g.Figures[r.Key], "", to(r.Key)))
		}
		c.Rows = append(c.Rows, row)
		c.Data.Labels = append(c.Data.Labels, name)
		c.Data.Series[0].Values = append(c.Data.Series[0].Values, chartValue(g.Figures[rank]))
	}
	return c
}

// dashAlerts fills the open early warnings addressed inside the filter's
// region (the newest dashWarnings) and the hotspots of the reports since
// the period began. Hotspots reach back at most 366 days from now, and
// narrow by region only: they are problems at places, whatever the
// department or category.
func (w *Web) dashAlerts(ctx context.Context, v *View, p *dashPage, f store.FigureFilter, period figures.Period) error {
	list, err := w.db.ListWarnings(ctx, v.Actor, store.WarningFilter{State: "open", Region: f.Region, PageSize: dashWarnings})
	if err != nil {
		return err
	}
	p.MoreWarns = list.HasMore
	for _, x := range list.Warnings {
		p.Warnings = append(p.Warnings, dashWarning{Kind: v.T("dash.warning." + string(x.Kind)), Title: x.Title,
			Raised: x.CreatedAt.In(httpx.ChinaTime).Format("2006-01-02 15:04")})
	}
	now := w.db.Now()
	days := int(math.Ceil(now.Sub(period.From).Hours() / 24))
	switch {
	case !period.From.Before(now):
		p.HotspotNote = v.T("dash.hotspots.future")
		return nil
	case days > 366:
		p.HotspotNote = v.T("dash.hotspots.too_old")
		return nil
	}
	p.HotspotFrom = period.From.In(httpx.ChinaTime).Format(time.DateOnly)
	hot, err := w.db.Hotspots(ctx, v.Actor, store.HotspotFilter{Since: period.From, Region: f.Region, Top: dashHotspots})
	if err != nil {
		return err
	}
	p.HotspotAsOf = hot.ComputedAt.In(httpx.ChinaTime).Format("2006-01-02 15:04")
	for _, h := range hot.Hotspots {
		if !h.To.Before(period.From) && h.From.Before(period.To) {
			p.Hotspots = append(p.Hotspots, dashHotspot{Name: h.Name, Count: h.Count, Reporters: h.Reporters,
				FirstSeen: h.From.In(httpx.ChinaTime).Format("2006-01-02 15:04"), LastSeen: h.To.In(httpx.ChinaTime).Format("2006-01-02 15:04")})
		}
	}
	return nil
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

// figureFilterOf gives, for a figure, the links to the cases behind its
// numbers within one row of a table (a day, a category, a department, a
// region).
type figureFilterOf func(figures.Key) figureLinks

// casesBehind is the links to the cases behind the numbers of figure key
// over filter f and period p.
func casesBehind(f store.FigureFilter, p figures.Period, key figures.Key) figureLinks {
	return func(count string) string { return figureListURL(f, p, key, count) }
}
