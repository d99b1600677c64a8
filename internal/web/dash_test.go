package web_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/figures"
	"anju/internal/httpx"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

var receivedLink = regexp.MustCompile(`<a href="(/work\?[^"]+)" data-figure-link="received" data-figure-count="numerator"`)

// cellText is a table cell's words, its links' markup dropped.
func cellText(cell string) string {
	return html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(cell, ""))
}

// dashValue reads the value cell of figure key's own row on a dashboard.
func dashValue(t *testing.T, body string, key figures.Key) string {
	t.Helper()
	re := regexp.MustCompile(`<tr class="" data-figure="` + string(key) + `">\s*<th scope="row">[^<]*</th>\s*<td class="num"[^>]*>((?:[^<]|<a [^>]*>|</a>)*)</td>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row for %s on the dashboard\n%s", key, brief(body))
	}
	return cellText(m[1])
}

// apiFigures is GET /api/v1/figures as c sees it.
type apiFigures struct {
	Figures map[string]struct {
		Count       *int     `json:"count"`
		Numerator   int      `json:"numerator"`
		Denominator int      `json:"denominator"`
		Share       *float64 `json:"share"`
		Total       *int     `json:"total"`
	} `json:"figures"`
	Period struct{ From, To string } `json:"period"`
}

func getFigures(t *testing.T, c *webtest.Client, query string) apiFigures {
	t.Helper()
	res := c.Get("/api/v1/figures?" + query)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/figures?%s: %d %s", query, res.Status, res.Body)
	}
	var out apiFigures
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The dashboard shows the API's numbers for the same query, within the
// reader's scope, and its received count opens the workbench list of
// exactly those cases.
func TestDashMatchesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		for _, tc := range []struct {
			login, query string
			received     int
		}{
			{"dispatcher", "", 8},
			{"dispatcher", "region=330102", 6},
			{"dispatcher", "region=330105&kind=request", 2},
			{"dispatcher", "category=0101", 8},
			{"dispatcher", "department=a-street", 3},
			{"dispatcher-a", "", 6},
			{"admin-a", "", 6},
		} {
			c := w.f.SignIn(tc.login)
			c.Lang = "en"
			res := c.Get("/dash?" + tc.query)
			if res.Status != http.StatusOK {
				t.Fatalf("%s /dash?%s: %d\n%s", tc.login, tc.query, res.Status, brief(res.Body))
			}
			webtest.CheckPage(t, "/dash?"+tc.query, res)
			want := getFigures(t, c, tc.query)
			if tc.login != "dispatcher" && strings.Contains(res.Body, `value="330105"`) {
				t.Errorf("%s is offered district 330105, outside their reach", tc.login)
			}
			if tc.received >= 0 && *want.Figures["received"].Count != tc.received {
				t.Errorf("%s %q: the API counts %d received, want %d", tc.login, tc.query, *want.Figures["received"].Count, tc.received)
			}
			for _, d := range figures.Definitions() {
				got, api := dashValue(t, res.Body, d.Key), want.Figures[string(d.Key)]
				var exp string
				switch d.Unit {
				case figures.UnitCount:
					exp = fmt.Sprint(*api.Count)
				case figures.UnitCounts:
					exp = fmt.Sprint(*api.Total)
				case figures.UnitShare:
					exp = "No figure"
					if api.Share != nil {
						exp = fmt.Sprintf("%.1f%% (%d of %d)", *api.Share*100, api.Numerator, api.Denominator)
					}
				default:
					continue
				}
				if got != exp {
					t.Errorf("%s %q: %s shows %q, the API %q", tc.login, tc.query, d.Key, got, exp)
				}
			}
			m := receivedLink.FindStringSubmatch(res.Body)
			if m == nil {
				t.Fatalf("%s %q: no link on the received count", tc.login, tc.query)
			}
			link := html.UnescapeString(m[1])
			if !strings.Contains(link, "from="+want.Period.From) {
				t.Errorf("link %s does not start at %s", link, want.Period.From)
			}
			list := getWork(t, c, link, http.StatusOK)
			if n := len(listed(list.Body)); n != *want.Figures["received"].Count {
				t.Errorf("%s %q: the received link %s lists %d cases, the dashboard counts %d", tc.login, tc.query, link, n, *want.Figures["received"].Count)
			}
		}
		// A category group lists the cases of every category under it.
		res := w.f.SignIn("dispatcher").Get("/dash?category=01")
		if m := receivedLink.FindStringSubmatch(res.Body); res.Status != http.StatusOK || m == nil {
			t.Errorf("category group: %d, no link", res.Status)
		} else if n := len(listed(getWork(t, w.f.SignIn("dispatcher"), html.UnescapeString(m[1]), http.StatusOK).Body)); n != 8 {
			t.Errorf("category group: the received link lists %d cases, want 8", n)
		}
		// The previous period holds none of the fixture's cases.
		res = w.f.SignIn("dispatcher").Get("/dash")
		if !regexp.MustCompile(`data-figure-link="received" data-figure-count="numerator" data-figure-n="8">8</a></td>\s*<td class="num"[^>]*>(?:\+|&#43;)8</td>`).MatchString(res.Body) {
			t.Errorf("received's change is not +8\n%s", res.Body[strings.Index(res.Body, `data-figure="received"`):][:400])
		}
	})
}

// Bad filters get the page with a message on the field; a region outside
// the reader's reach is a 404 page; what the reader typed is escaped.
func TestDashBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		c := w.f.SignIn("dispatcher-a")
		for _, tc := range []struct {
			query, field string
			status       int
		}{
			{"from=2026-13-01", "from", 400},
			{"to=tomorrow", "to", 400},
			{"from=2026-03-02&to=2026-03-01", "to", 400},
			{"from=2020-01-01&to=2026-01-01", "to", 400},
			{"kind=%3Cscript%3Ealert(1)%3C/script%3E", "kind", 400},
			{"department=%3Cscript%3Ealert(1)%3C/script%3E", "department", 400},
			{"category=%3Cscript%3Ealert(1)%3C/script%3E", "category", 400},
			{"from=%ff%fe", "", 400}, // refused by the guard before the page
			{"region=330105", "", 404},
			{"region=999999", "", 404},
		} {
			res := c.Get("/dash?" + tc.query)
			if res.Status != tc.status {
				t.Fatalf("/dash?%s: %d, want %d\n%s", tc.query, res.Status, tc.status, brief(res.Body))
			}
			webtest.CheckPage(t, "/dash?"+tc.query, res)
			if strings.Contains(res.Body, "<script>alert(1)") {
				t.Errorf("/dash?%s: the script came back unescaped", tc.query)
			}
			if tc.field != "" {
				if !strings.Contains(res.Body, `role="alert"`) || !strings.Contains(res.Body, `id="f-`+tc.field+`" name="`+tc.field+`" `) ||
					!strings.Contains(res.Body, `aria-describedby="f-`+tc.field+`-error"`) {
					t.Errorf("/dash?%s: no message on %s\n%s", tc.query, tc.field, brief(res.Body))
				}
				if strings.Contains(res.Body, `data-figure="received"`) {
					t.Errorf("/dash?%s: figures shown despite the bad filter", tc.query)
				}
			}
		}
		if res := w.f.Anonymous().Get("/dash"); res.Status != http.StatusSeeOther && res.Status != http.StatusFound {
			t.Errorf("anonymous /dash: %d", res.Status)
		}
	})
}

// apiText is figure d of the API's answer as the dashboard writes it in
// English: a count, a total, or a share with its numerator and denominator.
func apiText(t *testing.T, a apiFigures, key figures.Key) string {
	t.Helper()
	d, _ := figures.Lookup(key)
	x := a.Figures[string(key)]
	switch d.Unit {
	case figures.UnitCount:
		return fmt.Sprint(*x.Count)
	case figures.UnitCounts:
		return fmt.Sprint(*x.Total)
	case figures.UnitShare:
		if x.Share == nil {
			return "No figure"
		}
		return fmt.Sprintf("%.1f%% (%d of %d)", *x.Share*100, x.Numerator, x.Denominator)
	}
	t.Fatalf("no text for %s", key)
	return ""
}

var (
	dashRow  = regexp.MustCompile(`<tr><th scope="row">([^<]*)</th>((?:<td class="num"[^>]*>(?:[^<]|<a [^>]*>|</a>)*</td>)*)</tr>`)
	dashCell = regexp.MustCompile(`<td class="num"[^>]*>((?:[^<]|<a [^>]*>|</a>)*)</td>`)
)

// chartRows reads the table of chart id: each row's heading and cells, in
// order.
func chartRows(t *testing.T, body, id string) [][]string {
	t.Helper()
	start := strings.Index(body, `data-chart-table="`+id+`"`)
	if start < 0 {
		t.Fatalf("no table of chart %s\n%s", id, brief(body))
	}
	table := body[start:]
	table = table[:strings.Index(table, "</table>")]
	var out [][]string
	for _, m := range dashRow.FindAllStringSubmatch(table, -1) {
		row := []string{html.UnescapeString(m[1])}
		for _, c := range dashCell.FindAllStringSubmatch(m[2], -1) {
			row = append(row, cellText(c[1]))
		}
		out = append(out, row)
	}
	return out
}

// section is the dashboard's section id.
func section(body, id string) string {
	start := strings.Index(body, `<section class="card" id="`+id+`"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</section>")
	return body[start : start+end]
}

// chartJSON reads the data static/js/dash.js draws chart id from.
func chartJSON(t *testing.T, body, id string) (out struct {
	Kind   string
	Labels []string
	Series []struct {
		Name    string
		Percent bool
		Values  []*float64
	}
}) {
	t.Helper()
	m := regexp.MustCompile(`<script type="application/json" id="` + id + `-data">([^<]*)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no data for chart %s", id)
	}
	if err := json.Unmarshal([]byte(m[1]), &out); err != nil {
		t.Fatalf("chart %s: %v in %s", id, err, m[1])
	}
	return out
}

// fileOn files n cases in street A at noon (China time) of day.
func (w *workWorld) fileOn(t *testing.T, day time.Time, n int) {
	t.Helper()
	y, m, d := day.In(httpx.ChinaTime).Date()
	db := w.f.DB.WithClock(anju.NewFakeClock(time.Date(y, m, d, 12, 0, 0, 0, httpx.ChinaTime)))
	for i := range n {
		lat, lon := 30.05, 120.02
		nc := store.NewCase{Title: fmt.Sprintf("早前的路灯 %d", i), Text: "路灯坏了", Category: "0101", Lat: &lat, Lon: &lon}
		nc.Reporter.Name, nc.Reporter.Phone = "李四", "13912341234"
		if _, _, err := db.CreateCase(context.Background(), w.actors["operator"], nc, ""); err != nil {
			t.Fatal(err)
		}
	}
}

// The figures' change against the same period a year earlier; the trend
// of three days counts the cases filed on each (two, one, and the
// fixture's eight today), in the table and in the chart's data alike.
func TestDashYearEarlierAndTrend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		today := time.Now().In(httpx.ChinaTime)
		w.fileOn(t, today.AddDate(-1, 0, -3), 3)
		w.fileOn(t, today.AddDate(0, 0, -2), 2)
		w.fileOn(t, today.AddDate(0, 0, -1), 1)
		c := w.f.SignIn("dispatcher")
		c.Lang = "en"

		// The last 30 days hold 11 cases; the same days a year earlier 3.
		res := c.Get("/dash")
		webtest.CheckPage(t, "/dash", res)
		if got := dashValue(t, res.Body, figures.Received); got != "11" {
			t.Errorf("received %s, want 11", got)
		}
		year := regexp.MustCompile(`data-figure="received">(?s:.*?)<td class="num"[^>]* data-year-change>([^<]*)</td>`).FindStringSubmatch(res.Body)
		if year == nil || html.UnescapeString(year[1]) != "+8" {
			t.Errorf("received against a year earlier: %v, want +8", year)
		}
		if !strings.Contains(res.Body, "Change on a year earlier") {
			t.Error("no year-earlier column")
		}

		day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
		res = c.Get("/dash?trend=day&from=" + day(-2) + "&to=" + day(0))
		if res.Status != http.StatusOK {
			t.Fatalf("trend: %d\n%s", res.Status, brief(res.Body))
		}
		want := [][]string{{day(-2), "2"}, {day(-1), "1"}, {day(0), "8"}}
		rows := chartRows(t, res.Body, "trend")
		if len(rows) != len(want) {
			t.Fatalf("trend rows %v, want %v", rows, want)
		}
		data := chartJSON(t, res.Body, "trend")
		for i, wr := range want {
			if rows[i][0] != wr[0] || rows[i][1] != wr[1] {
				t.Errorf("trend row %d: %v, want %v", i, rows[i], wr)
			}
			if data.Labels[i] != wr[0] || data.Series[0].Values[i] == nil || fmt.Sprint(*data.Series[0].Values[i]) != wr[1] {
				t.Errorf("trend chart point %d: %s %v, want %v", i, data.Labels[i], data.Series[0].Values[i], wr)
			}
		}
		// Three days are split by day without asking; half a year by week.
		if got := chartRows(t, c.Get("/dash?from="+day(-2)+"&to="+day(0)).Body, "trend"); len(got) != 3 {
			t.Errorf("a three-day period's default trend has %d rows, want 3", len(got))
		}
		if got := chartJSON(t, c.Get("/dash?from="+day(-120)).Body, "trend"); len(got.Labels) < 17 || len(got.Labels) > 19 {
			t.Errorf("120 days by default have %d points, want a week each", len(got.Labels))
		}
	})
}

// The department and region rankings hold, for each department and
// region one level down, the numbers the API gives for that department or
// region alone, ranked by the figure rank names.
func TestDashRankings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		c := w.f.SignIn("dispatcher")
		c.Lang = "en"
		cols := []figures.Key{figures.Received, figures.OnTimeResolution, figures.Satisfaction, figures.OverdueByAge, figures.ReopenRate}
		check := func(body, id, name, query string) {
			t.Helper()
			api := getFigures(t, c, query)
			for _, row := range chartRows(t, body, id) {
				if row[0] != name {
					continue
				}
				for i, k := range cols {
					if want := apiText(t, api, k); row[i+1] != want {
						t.Errorf("%s %s: %s reads %q, the API for %s %q", id, name, k, row[i+1], query, want)
					}
				}
				return
			}
			t.Errorf("%s lists no %s\n%v", id, name, chartRows(t, body, id))
		}
		res := c.Get("/dash")
		webtest.CheckPage(t, "/dash", res)
		check(res.Body, "departments", "第1街道办", "department=a-street")
		check(res.Body, "regions", "第1区", "region=330102")
		check(res.Body, "regions", "第2区", "region=330105")
		if rows := chartRows(t, res.Body, "regions"); len(rows) != 2 {
			t.Errorf("the city's regions one level down: %v, want its two districts", rows)
		}
		// The hotspots of the period: the street lamps of street A.
		if hot := section(res.Body, "hotspots"); !strings.Contains(hot, "<li data-hotspot><strong lang=\"zh-CN\">第1社区") {
			t.Errorf("no hotspot at 第1社区\n%s", hot)
		}
		// Within district 330102 the ranking is of its street.
		res = c.Get("/dash?region=330102")
		if rows := chartRows(t, res.Body, "regions"); len(rows) != 1 || rows[0][0] != "第1街道" || rows[0][1] != "6" {
			t.Errorf("district 330102's regions: %v, want 第1街道 with 6", rows)
		}
		// Every department, those not yet dispatched to one included, adds
		// up to the whole; ranked by reopen rate the column head says so.
		res = c.Get("/dash?rank=reopened")
		total := 0
		for _, row := range chartRows(t, res.Body, "departments") {
			n, _ := strconv.Atoi(row[1])
			total += n
		}
		if total != 8 {
			t.Errorf("the departments receive %d cases together, want 8", total)
		}
		if !regexp.MustCompile(`aria-sort="descending"><a href="[^"]*rank=reopened[^"]*#departments" aria-current="true"`).MatchString(res.Body) {
			t.Error("ranked by reopen rate, its column is not marked sorted")
		}
		// A street administrator sees the communities of their street, and
		// nothing of the other street, district or its department.
		c = w.f.SignIn("admin-a")
		c.Lang = "en"
		res = c.Get("/dash")
		webtest.CheckPage(t, "/dash", res)
		rows := chartRows(t, res.Body, "regions")
		if len(rows) != 1 || rows[0][0] != "第1社区" {
			t.Errorf("the street administrator's regions: %v, want 第1社区", rows)
		}
		for _, id := range []string{"regions", "departments", "categories", "trend"} {
			for _, row := range chartRows(t, res.Body, id) {
				if strings.Contains(row[0], "第2") || strings.Contains(row[0], "b-street") {
					t.Errorf("the street administrator's %s lists %s", id, row[0])
				}
			}
		}
		if hot := section(res.Body, "hotspots"); strings.Contains(hot, "第2") || !strings.Contains(hot, "第1社区") {
			t.Errorf("the street administrator's hotspots:\n%s", hot)
		}
		if res := c.Get("/dash?region=330105001"); res.Status != http.StatusNotFound {
			t.Errorf("another street: %d, want 404", res.Status)
		}
	})
}

// A trend or ranking the page does not know is a form message, not a
// failure; the categories' breakdown names them in the reader's language.
func TestDashBadTrendAndRank(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		c := w.f.SignIn("dispatcher")
		c.Lang = "en"
		for _, q := range []string{"trend=fortnight", "rank=bogus", "rank=%3Cscript%3Ealert(1)%3C/script%3E", "trend=Day"} {
			res := c.Get("/dash?" + q)
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `role="alert"`) {
				t.Errorf("/dash?%s: %d, want 400 with a message\n%s", q, res.Status, brief(res.Body))
			}
			webtest.CheckPage(t, "/dash?"+q, res)
			if strings.Contains(res.Body, `data-chart-table=`) {
				t.Errorf("/dash?%s: charts despite the bad query", q)
			}
		}
		for _, q := range []string{"trend=fortnight", "trend=day&from=2026-01-01&to=2026-06-30"} {
			if res := c.Get("/dash?" + q); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `aria-describedby="f-trend-error"`) {
				t.Errorf("%s: %d, the message is not on the trend field", q, res.Status)
			}
		}
		for _, q := range []string{"trend=week", "trend=month", "rank=satisfaction", "rank=overdue", "category=01"} {
			if res := c.Get("/dash?" + q); res.Status != http.StatusOK {
				t.Errorf("/dash?%s: %d\n%s", q, res.Status, brief(res.Body))
			}
		}
		// English names where the taxonomy has them, Chinese otherwise.
		en := chartRows(t, c.Get("/dash").Body, "categories")
		c.Lang = "zh"
		zh := chartRows(t, c.Get("/dash").Body, "categories")
		if len(en) != 1 || len(zh) != 1 || en[0][1] != "8" || zh[0][1] != "8" {
			t.Fatalf("categories: en %v, zh %v, want one group of 8", en, zh)
		}
		tree, err := w.f.DB.Taxonomy(context.Background(), "330100")
		if err != nil {
			t.Fatal(err)
		}
		group, _ := tree.Get("01")
		if en[0][0] != cmp.Or(group.NameEn, group.Name) || zh[0][0] != group.Name {
			t.Errorf("category names en %q zh %q, want %q and %q", en[0][0], zh[0][0], group.NameEn, group.Name)
		}
	})
}

// BenchmarkDashPage is the whole dashboard of the small city with 300
// cases over the last 30 days, a third dispatched, as the dispatcher reads
// it (server time, over HTTP): three recounts, four splits, the warnings
// and the hotspots.
func BenchmarkDashPage(b *testing.B) {
	f := webtest.New(b, "sqlite:"+b.TempDir()+"/anju.db")
	ctx := context.Background()
	op, _ := f.DB.Authenticate(ctx, "operator", webtest.Password)
	d, _ := f.DB.Authenticate(ctx, "dispatcher", webtest.Password)
	now := time.Now()
	for i := range 300 {
		db := f.DB.WithClock(anju.NewFakeClock(now.Add(-time.Duration(i) * 2 * time.Hour)))
		lat, lon := 30.05, 120.02+float64(i%2)*0.1
		nc := store.NewCase{Title: fmt.Sprintf("路灯不亮 %d", i), Text: "小区门口的路灯坏了", Category: "0101", Lat: &lat, Lon: &lon}
		nc.Reporter.Name, nc.Reporter.Phone = "张三", fmt.Sprintf("138%08d", i)
		c, _, err := db.CreateCase(ctx, op, nc, "")
		if err != nil {
			b.Fatal(err)
		}
		if i%3 == 0 {
			db.Act(ctx, d, c.ID, cases.ActionAccept, store.ActionInput{})
			db.Act(ctx, d, c.ID, cases.ActionDispatch, store.ActionInput{Input: cases.Input{Department: "a-street"}})
		}
	}
	c := f.SignIn("dispatcher")
	b.ResetTimer()
	for b.Loop() {
		if res := c.Get("/dash"); res.Status != http.StatusOK {
			b.Fatalf("/dash: %d", res.Status)
		}
	}
}
