package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// mapWorld is the workbench's fixture with two more cases, in district
// A's second grid: 6, 2, 2 and 0 cases in the city's four grids.
func newMapWorld(t *testing.T, dsn string) *workWorld {
	t.Helper()
	w := newWorkWorld(t, dsn)
	for _, title := range []string{"垃圾未清运 1", "垃圾未清运 2"} {
		lat, lon := 30.05, 120.07
		nc := store.NewCase{Title: title, Text: "小区垃圾桶满了两天没人清运", Category: "0101", Lat: &lat, Lon: &lon}
		nc.Reporter.Name, nc.Reporter.Phone = "李四", "13912341234"
		if _, _, err := w.f.DB.CreateCase(context.Background(), w.actors["operator"], nc, ""); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// gridMapJSON is the map as GeoJSON, as much as the tests read.
type gridMapJSON struct {
	Type     string `json:"type"`
	Figure   string `json:"figure"`
	From, To string
	Legend   []struct {
		Label  string `json:"label"`
		Swatch int    `json:"swatch"`
	} `json:"legend"`
	Features []struct {
		Geometry struct {
			Type string `json:"type"`
		} `json:"geometry"`
		Properties struct {
			Layer    string `json:"layer"`
			Code     string `json:"code"`
			Value    string `json:"value"`
			Class    int    `json:"class"`
			Swatch   int    `json:"swatch"`
			Href     string `json:"href"`
			LinkText string `json:"link_text"`
			Figures  []struct{ Name, Label, Value, Href string }
		} `json:"properties"`
	} `json:"features"`
}

func getGridMap(t *testing.T, c *webtest.Client, query string) gridMapJSON {
	t.Helper()
	res := c.Get("/dash/map?format=geojson&" + query)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /dash/map?format=geojson&%s: %d %s", query, res.Status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("content type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="anju-map-`) || !strings.HasSuffix(cd, `.geojson"`) {
		t.Errorf("content disposition %q", cd)
	}
	var out gridMapJSON
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
		t.Fatalf("%v\n%s", err, res.Body)
	}
	return out
}

// The map as GeoJSON holds exactly the grids of the reader's subtree, each
// with its count of the cases filed there and the link to exactly those
// cases on the workbench; the page's table says the same.
func TestDashMapGrids(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newMapWorld(t, dsn)
		for _, tc := range []struct {
			login, query string
			want         map[string]int // grid → cases received
		}{
			{"dispatcher", "", map[string]int{"330102001001001": 6, "330102001001002": 2, "330105001001001": 2, "330105001001002": 0}},
			{"dispatcher", "region=330105", map[string]int{"330105001001001": 2, "330105001001002": 0}},
			{"dispatcher-a", "", map[string]int{"330102001001001": 6, "330102001001002": 2}},
			// A street's staff asking for the whole city see their street.
			{"admin-a", "region=330100", map[string]int{"330102001001001": 6, "330102001001002": 2}},
			{"dispatcher", "region=330102&figure=overdue", map[string]int{"330102001001001": 6, "330102001001002": 2}},
		} {
			c := w.f.SignIn(tc.login)
			c.Lang = "en"
			gm := getGridMap(t, c, tc.query)
			if gm.Type != "FeatureCollection" || len(gm.Legend) == 0 {
				t.Errorf("%s %q: type %q, legend %v", tc.login, tc.query, gm.Type, gm.Legend)
			}
			var codes []string
			for _, f := range gm.Features {
				p := f.Properties
				if p.Layer != "grid" {
					continue
				}
				codes = append(codes, p.Code)
				if f.Geometry.Type != "Polygon" && f.Geometry.Type != "MultiPolygon" {
					t.Errorf("%s %q: grid %s is a %q", tc.login, tc.query, p.Code, f.Geometry.Type)
				}
				received := ""
				for _, fg := range p.Figures {
					if fg.Name == "received" {
						received = fg.Value
					}
				}
				if want := strconv.Itoa(tc.want[p.Code]); received != want {
					t.Errorf("%s %q: grid %s received %q, want %s", tc.login, tc.query, p.Code, received, want)
				}
				if p.Class < 0 || p.Class >= len(gm.Legend) || p.Swatch != gm.Legend[p.Class].Swatch {
					t.Errorf("%s %q: grid %s in class %d swatch %d of %v", tc.login, tc.query, p.Code, p.Class, p.Swatch, gm.Legend)
				}
				if tc.want[p.Code] == 0 {
					if p.Href != "" {
						t.Errorf("%s %q: grid %s has no case but a link %s", tc.login, tc.query, p.Code, p.Href)
					}
					continue
				}
				// Every count in the popup opens exactly its cases.
				for _, fg := range p.Figures {
					n, err := strconv.Atoi(fg.Value)
					if err != nil || fg.Href == "" {
						continue
					}
					body := getWork(t, c, fg.Href, http.StatusOK).Body
					if m := figureListTotal.FindStringSubmatch(body); m == nil || m[1] != fg.Value || len(listed(body)) != n {
						t.Errorf("%s %q: grid %s's %s link %s does not list %d cases", tc.login, tc.query, p.Code, fg.Name, fg.Href, n)
					}
				}
				list := getWork(t, c, p.Href, http.StatusOK)
				if n := len(listed(list.Body)); n != tc.want[p.Code] || !strings.Contains(p.LinkText, strconv.Itoa(n)) {
					t.Errorf("%s %q: grid %s's link %s (%q) lists %d cases, want %d", tc.login, tc.query, p.Code, p.Href, p.LinkText, n, tc.want[p.Code])
				}
			}
			var want []string
			for code := range tc.want {
				want = append(want, code)
			}
			slices.Sort(want)
			if !slices.Equal(codes, want) {
				t.Errorf("%s %q: grids %v, want %v", tc.login, tc.query, codes, want)
			}
			// The page: the same grids in the table, the same numbers.
			res := c.Get("/dash/map?" + tc.query)
			if res.Status != http.StatusOK {
				t.Fatalf("%s /dash/map?%s: %d\n%s", tc.login, tc.query, res.Status, brief(res.Body))
			}
			webtest.CheckPage(t, "/dash/map?"+tc.query, res)
			for code, n := range tc.want {
				if strings.Contains(tc.query, "figure=") {
					continue
				}
				row := regexp.MustCompile(`<tr data-grid="` + code + `">[\s\S]*?<td class="num">([^<]*)</td>`).FindStringSubmatch(res.Body)
				if row == nil || html.UnescapeString(row[1]) != strconv.Itoa(n) {
					t.Errorf("%s %q: the table's row of %s reads %v, want %d", tc.login, tc.query, code, row, n)
				}
			}
			if m := regexp.MustCompile(`data-gridmap="([^"]+)"`).FindStringSubmatch(res.Body); m == nil || !strings.Contains(html.UnescapeString(m[1]), "format=geojson") {
				t.Errorf("%s %q: no map on the page", tc.login, tc.query)
			}
		}
		// Overdue: none of the fixture's cases is late yet.
		for _, f := range getGridMap(t, w.f.SignIn("dispatcher"), "figure=overdue").Features {
			if f.Properties.Layer == "grid" && f.Properties.Value != "0" {
				t.Errorf("grid %s has %s overdue", f.Properties.Code, f.Properties.Value)
			}
		}
		// Satisfaction: no case was rated, so no grid has a figure.
		for _, f := range getGridMap(t, w.f.SignIn("dispatcher"), "figure=satisfaction").Features {
			if f.Properties.Layer == "grid" && (f.Properties.Class != -1 || f.Properties.Swatch != -1) {
				t.Errorf("grid %s has satisfaction %q in class %d", f.Properties.Code, f.Properties.Value, f.Properties.Class)
			}
		}
	})
}

// Bad input: another district's region is no region (404, page and
// GeoJSON); an unknown figure is a message on the form (400); a bad date
// is the dashboard's message.
func TestDashMapBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newMapWorld(t, dsn)
		c := w.f.SignIn("dispatcher-a")
		c.Lang = "en"
		for _, path := range []string{"/dash/map?region=330105", "/dash/map?region=330105&format=geojson", "/dash/map?region=nonsense",
			"/dash/map?region=330105001001001&format=geojson"} {
			if res := c.Get(path); res.Status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, res.Status)
			}
		}
		res := c.Get("/dash/map?figure=%3Cscript%3Ealert(1)%3C/script%3E")
		if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `id="f-figure" name="figure" aria-invalid="true"`) ||
			!strings.Contains(res.Body, "Choose a figure from the list.") || !strings.Contains(res.Body, `role="alert"`) {
			t.Errorf("figure=<script>: %d\n%s", res.Status, brief(res.Body))
		}
		webtest.CheckPage(t, "/dash/map?figure=bogus", res)
		res = c.Get("/dash/map?figure=bogus&format=geojson")
		if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `unknown figure`) {
			t.Errorf("figure=bogus as GeoJSON: %d %s", res.Status, res.Body)
		}
		res = c.Get("/dash/map?from=2026-13-01")
		if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `id="f-from" name="from" type="date" value="2026-13-01" aria-invalid="true"`) {
			t.Errorf("from=2026-13-01: %d\n%s", res.Status, brief(res.Body))
		}
		if res := c.Get("/dash/map?format=csv"); res.Status != http.StatusBadRequest {
			t.Errorf("format=csv: %d", res.Status)
		}
		if res := c.Get("/dash/map?format=geojson&zoom=99"); res.Status != http.StatusBadRequest {
			t.Errorf("zoom=99: %d", res.Status)
		}
	})
}

// The legend's classes: 0 alone, then the quartiles of the grids with any
// case; shares in fixed steps.
func TestDashMapLegend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newMapWorld(t, dsn)
		c := w.f.SignIn("dispatcher")
		c.Lang = "en"
		var got []string
		for _, l := range getGridMap(t, c, "").Legend {
			got = append(got, fmt.Sprintf("%s:%d", l.Label, l.Swatch))
		}
		// Grids of 6, 2, 2 and 0 cases.
		if want := []string{"0:0", "1:1", "2–5:3", "6:4"}; !slices.Equal(got, want) {
			t.Errorf("received legend %v, want %v", got, want)
		}
		got = nil
		for _, l := range getGridMap(t, c, "figure=satisfaction").Legend {
			got = append(got, l.Label)
		}
		if want := []string{"below 60%", "60% to under 75%", "75% to under 85%", "85% to under 95%", "95% and over"}; !slices.Equal(got, want) {
			t.Errorf("satisfaction legend %v, want %v", got, want)
		}
	})
}
