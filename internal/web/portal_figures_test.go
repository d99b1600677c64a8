package web_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// publicWorld is the fixture city with cases filed in the three months
// before this one, as the public figures see them: the last month holds 12
// public reports in district 1 (330102) and 3 in district 2 (330105), the
// month before 9, the one before that 10; every month also holds a
// petition, a dispute and a private request that must never count.
type publicWorld struct {
	f        *webtest.Fixture
	operator *anju.Actor
	months   []time.Time // the first days of the last three months, latest first
}

func newPublicWorld(t *testing.T, dsn string) *publicWorld {
	t.Helper()
	f := webtest.New(t, dsn)
	op, err := f.DB.Authenticate(context.Background(), "operator", webtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	last := store.LastFullMonth(time.Now()).From
	w := &publicWorld{f: f, operator: op, months: []time.Time{last, last.AddDate(0, -1, 0), last.AddDate(0, -2, 0)}}
	for i, n := range []int{12, 9, 10} {
		w.file(t, w.months[i], "0203", 120.02, n)
		w.file(t, w.months[i], "1601", 120.02, 1) // a petition
		w.file(t, w.months[i], "1101", 120.02, 1) // a dispute
		w.file(t, w.months[i], "0701", 120.02, 1) // a request about one's own circumstances
	}
	w.file(t, w.months[0], "0203", 120.12, 3)
	return w
}

// file files n reports of category at longitude lon (district 1 below
// 120.1, district 2 above) on the 10th of month.
func (w *publicWorld) file(t *testing.T, month time.Time, category string, lon float64, n int) {
	t.Helper()
	db := w.f.DB.WithClock(anju.NewFakeClock(month.AddDate(0, 0, 9).Add(10 * time.Hour)))
	for range n {
		lat := 30.05
		nc := store.NewCase{Title: "门口那盏灯坏了", Text: "小区门口的路灯坏了三天", Category: category, Lat: &lat, Lon: &lon}
		nc.Reporter.Name, nc.Reporter.Phone = "张三", "13812341234"
		c, _, err := db.CreateCase(context.Background(), w.operator, nc, "")
		if err != nil {
			t.Fatalf("file %s: %v", category, err)
		}
		if c.Kind == cases.KindPetition && category != "1601" {
			t.Fatalf("category %s filed a petition", category)
		}
	}
}

// monthQuery is the query of the whole month starting at first.
func monthQuery(first time.Time) string {
	return "from=" + first.Format(time.DateOnly) + "&to=" + first.AddDate(0, 1, -1).Format(time.DateOnly)
}

var pubCell = regexp.MustCompile(`<td class="num( withheld)?" data-figure="([a-z_0-9]+)"(?: data-withheld="([a-z]+)")?>(?:<a [^>]*>)?([^<]*)`)

// publicRow reads the cells of the row named name in the table of split
// ("places" or "categories"): figure key → text, and → why withheld.
func publicRow(t *testing.T, body, split, name string) (map[string]string, map[string]string) {
	t.Helper()
	i := strings.Index(body, `data-split="`+split+`"`)
	if i < 0 {
		t.Fatalf("no %s table\n%s", split, brief(body))
	}
	table := body[i:]
	table = table[:strings.Index(table, "</table>")]
	j := strings.Index(table, `<th scope="row">`+name+`</th>`)
	if j < 0 {
		t.Fatalf("no row %q in the %s table\n%s", name, split, table)
	}
	row := table[j:]
	row = row[:strings.Index(row, "</tr>")]
	texts, why := map[string]string{}, map[string]string{}
	for _, m := range pubCell.FindAllStringSubmatch(row, -1) {
		texts[m[2]], why[m[2]] = html.UnescapeString(m[4]), m[3]
	}
	return texts, why
}

// GET /figures, on both engines: public cases only, nothing over fewer than
// ten, the complement of a withheld district withheld too, one recount per
// month while the cache holds, bad periods a form message with 400.
func TestPublicFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newPublicWorld(t, dsn)
		anon := w.f.Anonymous()
		anon.Lang = "en"

		// The last month: 15 public reports, 12 and 3 by district.
		res := anon.Get("/figures")
		if res.Status != http.StatusOK {
			t.Fatalf("GET /figures: %d\n%s", res.Status, brief(res.Body))
		}
		webtest.CheckPage(t, "/figures", res)
		city, _ := publicRow(t, res.Body, "places", "测试市, whole city")
		if city["received"] != "15" {
			t.Errorf("city received %q, want 15 (the petition, dispute and private request never count)", city["received"])
		}
		d2, why2 := publicRow(t, res.Body, "places", "第2区")
		if d2["received"] != "Fewer than 10" || why2["received"] != "fewer" {
			t.Errorf("district 2 with 3 reports: %q (%s), want Fewer than 10", d2["received"], why2["received"])
		}
		// 15 − 12 would give district 2's 3: district 1 is withheld too.
		d1, why1 := publicRow(t, res.Body, "places", "第1区")
		if d1["received"] != "Withheld" || why1["received"] != "complement" {
			t.Errorf("district 1 with 12 reports beside a withheld 3: %q (%s), want Withheld", d1["received"], why1["received"])
		}
		if strings.Contains(res.Body, ">12<") || strings.Contains(res.Body, ">3<") {
			t.Errorf("a district's count shows\n%s", brief(res.Body))
		}
		// None was answered, all 15 past their deadlines: judged, and
		// shown for the city, withheld by district as the count is.
		for _, k := range []string{"on_time_response", "on_time_resolution"} {
			if city[k] != "0.0% (0 of 15)" || d2[k] != "Fewer than 10" || d1[k] != "Withheld" {
				t.Errorf("%s: city %q, district 1 %q, district 2 %q", k, city[k], d1[k], d2[k])
			}
		}
		// None accepted, rated or closed: no population, no figure given.
		for _, k := range []string{"resolution_rate", "satisfaction", "time_to_close_p50"} {
			if city[k] != "Fewer than 10" {
				t.Errorf("city %s: %q, want Fewer than 10", k, city[k])
			}
		}
		// The petitions' group is not a public group and is not listed.
		if strings.Contains(res.Body, "Letters and visits") || strings.Contains(res.Body, "信访") {
			t.Errorf("the petitions' group is listed")
		}
		group, _ := publicRow(t, res.Body, "categories", "Roads and traffic")
		if group["received"] != "Withheld" {
			t.Errorf("category group 02 with all 15 reports beside groups of none: %q, want Withheld", group["received"])
		}

		// The cache: a report filed now changes nothing until it expires,
		// and asking again recounts nothing.
		recounts := w.f.DB.PublicFigureRecounts()
		w.file(t, w.months[0], "0203", 120.12, 8)
		again := anon.Get("/figures?from=" + w.months[0].Format(time.DateOnly) + "&to=" + w.months[0].AddDate(0, 1, -1).Format(time.DateOnly))
		if c, _ := publicRow(t, again.Body, "places", "测试市, whole city"); c["received"] != "15" {
			t.Errorf("within ten minutes the page shows %q, want the cached 15", c["received"])
		}
		if n := w.f.DB.PublicFigureRecounts(); n != recounts {
			t.Errorf("asking again recounted: %d recounts, were %d", n, recounts)
		}

		// 9 reports: withheld; 10: shown.
		res = anon.Get("/figures?" + monthQuery(w.months[1]))
		if c, _ := publicRow(t, res.Body, "places", "测试市, whole city"); c["received"] != "Fewer than 10" {
			t.Errorf("9 reports: %q, want Fewer than 10", c["received"])
		}
		if strings.Contains(res.Body, ">9<") {
			t.Errorf("the 9 shows")
		}
		res = anon.Get("/figures?" + monthQuery(w.months[2]))
		if c, _ := publicRow(t, res.Body, "places", "测试市, whole city"); c["received"] != "10" {
			t.Errorf("10 reports: %q, want 10", c["received"])
		}
		// All 10 in district 1: district 2's none is withheld, and so is
		// district 1 (10 − 0 would tell).
		if d, why := publicRow(t, res.Body, "places", "第1区"); why["received"] != "complement" {
			t.Errorf("district 1 beside an empty district: %q %q", d["received"], why["received"])
		}
		if n := w.f.DB.PublicFigureRecounts(); n != recounts+2 {
			t.Errorf("two new months: %d recounts, want %d", n, recounts+2)
		}

		// Bad periods: the form's message, 400, what was typed escaped.
		this := store.LastFullMonth(time.Now()).To
		for _, tc := range []struct{ query, field string }{
			{"from=2026-13-01&to=2026-13-31", "from"},
			{"from=" + w.months[0].AddDate(0, 0, 1).Format(time.DateOnly) + "&to=" + w.months[0].AddDate(0, 1, -1).Format(time.DateOnly), "from"},
			{"from=" + w.months[1].Format(time.DateOnly) + "&to=" + w.months[0].AddDate(0, 1, -1).Format(time.DateOnly), "to"}, // two months
			{monthQuery(this), "to"},                            // not ended
			{monthQuery(this.AddDate(-4, 0, 0)), "from"},        // too far back
			{"to=" + w.months[0].Format(time.DateOnly), "from"}, // 30 days back from to: not a month
			{"from=%3Cscript%3E&to=" + w.months[0].Format(time.DateOnly), "from"},
		} {
			res := anon.Get("/figures?" + tc.query)
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `id="f-`+tc.field+`-error"`) {
				t.Errorf("/figures?%s: %d, want 400 with a message on %s\n%s", tc.query, res.Status, tc.field, brief(res.Body))
			}
			if strings.Contains(res.Body, "<script>") {
				t.Errorf("/figures?%s: unescaped input", tc.query)
			}
		}

		// The portal's navigation links to it; no sign-in needed.
		home := anon.Get("/")
		if !strings.Contains(home.Body, `href="/figures"`) {
			t.Errorf("the portal's navigation has no link to /figures")
		}
	})
}

// The public figures leak nothing private: no title, tracking code, name,
// phone, department or grid of any case, whoever asks — a staff member
// gets the same page as anyone.
func TestPublicFiguresLeakNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newPublicWorld(t, dsn)
		anon := w.f.Anonymous()
		anon.Lang = "en"
		res := anon.Get("/figures")
		if res.Status != http.StatusOK {
			t.Fatalf("GET /figures: %d", res.Status)
		}
		for _, secret := range []string{"门口那盏灯", "小区门口", "张三", "13812341234", "第一网格", "街道", "社区", "市城管局",
			"Letters and visits", "Neighbourhood disputes", "Labour and social security"} {
			if strings.Contains(res.Body, secret) {
				t.Errorf("the public figures show %q", secret)
			}
		}
		var codes []string
		rows, err := w.f.DB.SQL().Query(`SELECT tracking_code FROM cases`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c string
			rows.Scan(&c)
			codes = append(codes, c)
		}
		rows.Close()
		for _, c := range codes {
			if strings.Contains(res.Body, c) {
				t.Errorf("the public figures show tracking code %s", c)
			}
		}
		// Signed in, staff see exactly the public answer.
		staff := w.f.SignIn("dispatcher")
		staff.Lang = "en"
		got := staff.Get("/figures")
		strip := regexp.MustCompile(`(?s)<header.*?</header>|<meta name="csrf-token"[^>]*>`)
		if strip.ReplaceAllString(got.Body, "") != strip.ReplaceAllString(res.Body, "") {
			t.Errorf("staff see other public figures than everyone")
		}
	})
}
