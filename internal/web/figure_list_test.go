package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"anju/internal/store/storetest"
)

var figureListTotal = regexp.MustCompile(`id="figure-list" data-total="([0-9]+)"`)

// The workbench lists the cases behind one number of a figure, says how
// many, and pages through exactly that many; a district's reader counts
// only its district's.
func TestWorkbenchFigureList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		now := w.f.DB.Now()
		period := "from=" + now.AddDate(0, 0, -40).Format("2006-01-02") + "&to=" + now.AddDate(0, 0, 2).Format("2006-01-02")
		total := func(login, query string) int {
			t.Helper()
			res := w.f.SignIn(login).Get("/work?" + period + "&" + query)
			if res.Status != http.StatusOK {
				t.Fatalf("%s /work?%s: %d\n%s", login, query, res.Status, brief(res.Body))
			}
			m := figureListTotal.FindStringSubmatch(res.Body)
			if m == nil {
				t.Fatalf("%s /work?%s: no figure heading\n%s", login, query, brief(res.Body))
			}
			n, _ := strconv.Atoi(m[1])
			return n
		}
		if got := total("dispatcher", "figure=received"); got != 8 {
			t.Errorf("received: %d, want 8", got)
		}
		if got := total("dispatcher-a", "figure=received"); got != 6 {
			t.Errorf("received in district A: %d, want 6", got)
		}
		if got := total("dispatcher", "figure=received&region=330105"); got != 2 {
			t.Errorf("received in 330105: %d, want 2", got)
		}
		// A figure that does not exist is the filter form's message.
		res := w.f.SignIn("dispatcher").Get("/work?" + period + "&figure=colour")
		if res.Status != http.StatusBadRequest {
			t.Errorf("figure=colour: %d", res.Status)
		}
	})
}

var figureNumberLink = regexp.MustCompile(`<a href="([^"]+)" data-figure-link="([^"]+)" data-figure-count="([^"]+)" data-figure-n="([0-9]+)">([0-9]+)</a>`)

// Every number on the dashboard — the figures, their parts, the trend, the
// category breakdown, the rankings — opens the workbench list of exactly
// the cases it counts: the list says as many as the number shows.
func TestDashEveryNumberLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		w := newWorkWorld(t, dsn)
		for _, tc := range []struct{ login, query string }{{"dispatcher", ""}, {"dispatcher", "region=330102&category=01"}, {"admin-a", ""}} {
			c := w.f.SignIn(tc.login)
			res := c.Get("/dash?" + tc.query)
			if res.Status != http.StatusOK {
				t.Fatalf("%s /dash?%s: %d", tc.login, tc.query, res.Status)
			}
			links := figureNumberLink.FindAllStringSubmatch(res.Body, -1)
			if len(links) < 20 {
				t.Fatalf("%s /dash?%s: only %d numbers are links", tc.login, tc.query, len(links))
			}
			seen := map[string]bool{}
			for _, m := range links {
				href, key, count, n := html.UnescapeString(m[1]), m[2], m[3], m[4]
				if m[5] != n {
					t.Errorf("%s: the link reads %s but stands for %s", href, m[5], n)
				}
				if seen[href] {
					continue
				}
				seen[href] = true
				body := c.Get(href).Body
				got := figureListTotal.FindStringSubmatch(body)
				if got == nil || got[1] != n {
					t.Errorf("%s /dash?%s: %s %s links to %s, which lists %v cases, not %s", tc.login, tc.query, key, count, href, got, n)
				}
			}
		}
	})
}
