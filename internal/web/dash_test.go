package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"anju/internal/figures"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

var receivedLink = regexp.MustCompile(`<a href="(/work\?[^"]+)" data-figure-link="received">`)

// dashValue reads the value cell of figure key's own row on a dashboard.
func dashValue(t *testing.T, body string, key figures.Key) string {
	t.Helper()
	re := regexp.MustCompile(`<tr class="" data-figure="` + string(key) + `">\s*<th scope="row">[^<]*</th>\s*<td class="num">(?:<a [^>]*>)?([^<]*)`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row for %s on the dashboard\n%s", key, brief(body))
	}
	return html.UnescapeString(m[1])
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
		// A category group is no filter of the workbench: no link then.
		res := w.f.SignIn("dispatcher").Get("/dash?category=01")
		if res.Status != http.StatusOK || receivedLink.MatchString(res.Body) {
			t.Errorf("category group: %d, link %v", res.Status, receivedLink.FindString(res.Body))
		}
		// The previous period holds none of the fixture's cases.
		res = w.f.SignIn("dispatcher").Get("/dash")
		if !regexp.MustCompile(`data-figure-link="received">8</a></td>\s*<td class="num">(?:\+|&#43;)8</td>`).MatchString(res.Body) {
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
