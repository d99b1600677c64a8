package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/store"
)

// The wall screen (大屏, GET /dash/wall?region=…): a full-screen view of a
// city or a district for a centre's wall, read from across the room — the
// grid map of the last seven days' intake, today's intake by category, the
// key figures of the last 30 days and the open warnings. Each part reloads
// itself every minute (htmx, ?part=intake|figures|warnings) and the map
// every five, without reloading the page.
//
// A wall runs unattended for longer than a session lasts
// (store.SessionTTL). When the session ends, a part's request is answered
// as every htmx request of a signed-out reader is (401, HX-Redirect to the
// sign-in page), but js/wall.js does not follow it: a wall must never turn
// into a sign-in form in front of a room, nor show one squeezed into a
// panel. It keeps the last figures on screen, dimmed, under a banner that
// says they stopped updating and when, with a link to sign in again; the
// next successful refresh clears it. A part that fails for any other reason
// (network, server) is dimmed the same way with the time of its last update.

// wallParts are the parts a wall refreshes one by one.
var wallParts = []string{"intake", "figures", "warnings"}

// wallFigures are the key figures of the last 30 days, in wall order.
var wallFigures = []figures.Key{figures.OnTimeResponse, figures.OnTimeResolution, figures.Satisfaction, figures.OverdueByAge}

// wallTopCategories is how many categories today's intake lists by name;
// the rest are summed as one line, so that the panel never overflows.
const wallTopCategories = 5

// wallWarnings is how many open warnings the panel lists.
const wallWarnings = 5

// wallPage is the data of templates/dash/wall.html.
type wallPage struct {
	Region   string // the query's region, kept in every part's address
	Name     string // the region's name
	Part     string // the part asked for; "" for the whole page
	Query    string // region=…, for the parts' addresses
	MapURL   string // the grid map of the last 7 days as GeoJSON
	LoginURL string // where "sign in again" goes: back to this wall
	At       string // when the parts were read, HH:MM

	Today      int
	Categories []wallCount
	Figures    []wallFigure
	Warnings   []wallWarning
	MoreWarn   bool
}

// wallCount is one line of today's intake by category.
type wallCount struct {
	Name  string
	Count int
}

// wallFigure is one key figure: its number large, what it stands on small.
type wallFigure struct {
	Key          figures.Key
	Label        string
	Value, Basis string
}

// wallWarning is one open warning.
type wallWarning struct {
	Kind, KindLabel, Title, At string
}

func (w *Web) handleDashWall(rw http.ResponseWriter, r *http.Request, v *View) {
	ctx := r.Context()
	v.Title = v.T("wall.title")
	q := httpx.NewQuery(r)
	p := &wallPage{Region: q.String("region")}
	if part := q.String("part"); part != "" {
		p.Part = q.OneOf("part", wallParts...)
	}
	if err := q.Err(); err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if p.Part != "" && r.Header.Get("HX-Request") != "true" {
		// A part asked for without htmx (a link, a bookmark) is the wall.
		vs := url.Values{}
		if p.Region != "" {
			vs.Set("region", p.Region)
		}
		http.Redirect(rw, r, "/dash/wall?"+vs.Encode(), http.StatusSeeOther)
		return
	}
	// The region's name; outside the reader's reach it is no region (404).
	if p.Region != "" {
		rr, err := w.db.GetRegion(ctx, v.Actor, p.Region)
		if err != nil {
			w.fail(rw, r, v, err)
			return
		}
		p.Name = rr.Name
	} else if tops, err := w.db.ScopeRegions(ctx, v.Actor, 0); err != nil {
		w.fail(rw, r, v, err)
		return
	} else if len(tops) > 0 {
		p.Name = tops[0].Name
	}
	now := w.db.Now()
	p.At = now.In(httpx.ChinaTime).Format("15:04")
	today := now.In(httpx.ChinaTime).Format(time.DateOnly)
	vs := url.Values{}
	if p.Region != "" {
		vs.Set("region", p.Region)
	}
	p.Query = vs.Encode()
	p.LoginURL = "/login?next=" + url.QueryEscape("/dash/wall?"+p.Query)
	read := func(part string) bool { return p.Part == "" || p.Part == part }
	var err error
	if read("intake") {
		err = w.wallIntake(r, v, p, today)
	}
	if err == nil && read("figures") {
		err = w.wallKeyFigures(r, v, p)
	}
	if err == nil && read("warnings") {
		err = w.wallOpenWarnings(r, v, p)
	}
	if err != nil {
		w.fail(rw, r, v, err)
		return
	}
	if p.Part == "" {
		mq := url.Values{}
		for k, val := range vs {
			mq[k] = val
		}
		mq.Set("figure", "received")
		mq.Set("from", now.In(httpx.ChinaTime).AddDate(0, 0, -6).Format(time.DateOnly))
		mq.Set("to", today)
		mq.Set("format", "geojson")
		p.MapURL = "/dash/map?" + mq.Encode()
	}
	w.render(rw, r, v, http.StatusOK, "dash/wall", p)
}

// wallIntake reads today's intake, in all and by top-level category.
func (w *Web) wallIntake(r *http.Request, v *View, p *wallPage, today string) error {
	f, period, err := store.FigureQueryFromQuery(url.Values{"region": {p.Region}, "from": {today}, "to": {today}}, w.db.Now())
	if err != nil {
		return err
	}
	groups, _, err := w.db.FigureGroups(r.Context(), v.Actor, f, period, store.ByCategory)
	if err != nil {
		return err
	}
	var all []wallCount
	for _, g := range groups {
		n := g.Figures[figures.Received].Count
		if n == 0 {
			continue
		}
		name := g.Name
		if v.HTMLLang() == "en" && g.NameEn != "" {
			name = g.NameEn
		}
		all = append(all, wallCount{Name: name, Count: n})
		p.Today += n
	}
	slices.SortStableFunc(all, func(a, b wallCount) int { return cmp.Compare(b.Count, a.Count) })
	if len(all) > wallTopCategories+1 {
		rest := wallCount{Name: v.T("wall.other_categories")}
		for _, c := range all[wallTopCategories:] {
			rest.Count += c.Count
		}
		all = append(all[:wallTopCategories], rest)
	}
	p.Categories = all
	return nil
}

// wallKeyFigures reads the key figures of the last 30 days.
func (w *Web) wallKeyFigures(r *http.Request, v *View, p *wallPage) error {
	f, period, err := store.FigureQueryFromQuery(url.Values{"region": {p.Region}}, w.db.Now())
	if err != nil {
		return err
	}
	fs, _, err := w.db.CaseFigures(r.Context(), v.Actor, f, period)
	if err != nil {
		return err
	}
	for _, k := range wallFigures {
		x := fs[k]
		wf := wallFigure{Key: k, Label: v.T("figures." + string(k)), Value: figureText(v, x)}
		if s, ok := x.Share(); ok && x.Unit == figures.UnitShare {
			// Large: the rate; small: what it stands on.
			wf.Value, wf.Basis = fmt.Sprintf("%.1f%%", s*100), v.T("wall.share_of", x.Count, x.Of)
		}
		p.Figures = append(p.Figures, wf)
	}
	return nil
}

// wallOpenWarnings reads the newest open warnings inside the region.
func (w *Web) wallOpenWarnings(r *http.Request, v *View, p *wallPage) error {
	list, err := w.db.ListWarnings(r.Context(), v.Actor, store.WarningFilter{State: "open", Region: p.Region, PageSize: wallWarnings})
	if err != nil {
		return err
	}
	for _, wn := range list.Warnings {
		p.Warnings = append(p.Warnings, wallWarning{Kind: string(wn.Kind), KindLabel: v.T("wall.kind." + string(wn.Kind)),
			Title: wn.Title, At: wn.CreatedAt.In(httpx.ChinaTime).Format("01-02 15:04")})
	}
	p.MoreWarn = list.HasMore
	return nil
}
