package web_test

import (
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
