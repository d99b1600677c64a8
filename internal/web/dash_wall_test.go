package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"anju/internal/store"
	"anju/internal/store/storetest"
	"anju/internal/web/webtest"
)

// withWarning files three similar reports from three people in district B
// and runs the detection, which raises one open cluster warning there.
func withWarning(t *testing.T, w *workWorld) {
	t.Helper()
	ctx := context.Background()
	for i := range 3 {
		lat, lon := 30.05, 120.12
		nc := store.NewCase{Title: "小区停水", Text: "我们小区从早上开始停水，到现在还没有恢复供水，没有任何通知", Category: "0101", Lat: &lat, Lon: &lon}
		nc.Reporter.Name, nc.Reporter.Phone = "居民", fmt.Sprintf("1370000000%d", i)
		if _, _, err := w.f.DB.CreateCase(ctx, w.actors["operator"], nc, ""); err != nil {
			t.Fatal(err)
		}
	}
	n, err := w.f.DB.DetectWarnings(ctx, w.f.DB.Now(), store.WarningPolicy{ClusterMin: 3, ClusterWindow: time.Hour})
	if err != nil || n[store.WarningCluster] != 1 {
		t.Fatalf("detection raised %v, %v; want one cluster", n, err)
	}
}

// htmxGet asks for path as htmx does, from the wall page.
func htmxGet(c *webtest.Client, f *webtest.Fixture, path string) webtest.Response {
	req, _ := http.NewRequest("GET", f.URL+path, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Current-URL", f.URL+"/dash/wall")
	return c.Do(req)
}

// The wall shows today's intake, the key figures and the open warnings of
// the reader's region, each part also alone for htmx; another district is
// no region; a part asked for after signing out answers 401 for the page's
// script to show the signed-out state, never a sign-in form.
func TestDashWall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newMapWorld(t, dsn)
		withWarning(t, w)
		c := w.f.SignIn("dispatcher")
		c.Lang = "en"
		for _, tc := range []struct {
			query    string
			today    int
			warnings int
		}{
			{"", 13, 1},
			{"region=330102", 8, 0},
			{"region=330105", 5, 1},
		} {
			res := c.Get("/dash/wall?" + tc.query)
			if res.Status != http.StatusOK {
				t.Fatalf("/dash/wall?%s: %d\n%s", tc.query, res.Status, brief(res.Body))
			}
			webtest.CheckPage(t, "/dash/wall?"+tc.query, res)
			if !strings.Contains(res.Body, fmt.Sprintf(`data-today="%d"`, tc.today)) {
				t.Errorf("%q: today's intake is not %d\n%s", tc.query, tc.today, brief(res.Body))
			}
			if n := strings.Count(res.Body, `data-warning="cluster"`); n != tc.warnings {
				t.Errorf("%q: %d warnings shown, want %d", tc.query, n, tc.warnings)
			}
			for _, part := range []string{"intake", "figures", "warnings"} {
				if !strings.Contains(res.Body, `hx-get="/dash/wall?`+strings.ReplaceAll(tc.query, "&", "&amp;")+`&amp;part=`+part+`" hx-trigger="every 60s, anju:refresh"`) {
					t.Errorf("%q: no refresh of part %s", tc.query, part)
				}
			}
			if !strings.Contains(res.Body, `data-gridmap="/dash/map?`) {
				t.Errorf("%q: no map", tc.query)
			}
			for _, key := range []string{"on_time_response", "on_time_resolution", "satisfaction", "overdue_by_age"} {
				if !strings.Contains(res.Body, `data-figure="`+key+`"`) {
					t.Errorf("%q: no figure %s", tc.query, key)
				}
			}
			// Each part alone: a fragment, no page around it.
			for part, mark := range map[string]string{"intake": fmt.Sprintf(`data-today="%d"`, tc.today),
				"figures": `data-figure="satisfaction"`, "warnings": `class="wall-part"`} {
				sep := "&"
				if tc.query == "" {
					sep = ""
				}
				res := htmxGet(c, w.f, "/dash/wall?"+tc.query+sep+"part="+part)
				if res.Status != http.StatusOK || strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, mark) {
					t.Errorf("%q part %s: %d\n%s", tc.query, part, res.Status, res.Body)
				}
			}
		}
		// The map the wall draws is the grid map of the last 7 days.
		res := c.Get("/dash/wall?region=330105")
		if !strings.Contains(res.Body, "figure=received") || !strings.Contains(res.Body, "region=330105") {
			t.Errorf("the wall's map is not district B's intake")
		}

		a := w.f.SignIn("dispatcher-a")
		for _, path := range []string{"/dash/wall?region=330105", "/dash/wall?region=330105&part=figures"} {
			if res := htmxGet(a, w.f, path); res.Status != http.StatusNotFound {
				t.Errorf("dispatcher-a %s: %d, want 404", path, res.Status)
			}
		}
		if res := a.Get("/dash/wall?region=330105"); res.Status != http.StatusNotFound {
			t.Errorf("dispatcher-a's wall of district B: %d", res.Status)
		}
		if res := htmxGet(a, w.f, "/dash/wall?part=bogus"); res.Status != http.StatusBadRequest {
			t.Errorf("part=bogus: %d", res.Status)
		}
		// A part without htmx is the wall itself.
		if res := a.Get("/dash/wall?region=330102&part=figures"); res.Status != http.StatusSeeOther || res.Location != "/dash/wall?region=330102" {
			t.Errorf("a part without htmx: %d %q", res.Status, res.Location)
		}
		// dispatcher-a's wall: district A only, no warning of district B.
		res = a.Get("/dash/wall")
		if !strings.Contains(res.Body, `data-today="8"`) || strings.Contains(res.Body, `data-warning=`) {
			t.Errorf("dispatcher-a's wall\n%s", brief(res.Body))
		}

		// Signed out mid-shift: the page's parts get 401 and no page.
		if res := a.PostForm("/logout", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("sign out: %d", res.Status)
		}
		res = htmxGet(a, w.f, "/dash/wall?region=330102&part=figures")
		if res.Status != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/login?next=") ||
			strings.Contains(res.Body, `id="password"`) {
			t.Errorf("a part after signing out: %d %v\n%s", res.Status, res.Header, res.Body)
		}
		if !strings.Contains(c.Get("/dash/wall").Body, `id="wall-signed-out" role="alert" hidden`) {
			t.Errorf("the wall has no signed-out banner to show")
		}
	})
}
