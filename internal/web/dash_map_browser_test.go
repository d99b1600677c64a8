package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"anju/internal/store"
	"anju/internal/web/webtest"
)

// In Chromium: the grid map draws the four grids as polygons filled by
// their class's colour; clicking a grid opens its popup, whose link lists
// as many cases on the workbench as the popup says; screenshots and the
// accessibility check at every width.
func TestDashMapBrowser(t *testing.T) {
	b := webtest.NewBrowser(t)
	w := newMapWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	for _, width := range webtest.Widths {
		ctx := b.Tab(width)
		webtest.SignIn(t, ctx, w.f.URL, "dispatcher")
		webtest.Run(t, ctx, chromedp.Navigate(w.f.URL+"/dash/map"),
			chromedp.WaitVisible(chromedp.CSS(`.gridmap[data-loaded="4"]`)))
		fills := webtest.Get(t, ctx, chromedp.Evaluate[map[string]string](`(() => {
			const out = {};
			document.querySelectorAll(".gridmap path[data-grid]").forEach(p => { out[p.dataset.grid] = p.getAttribute("fill") + " " + p.dataset.swatch; });
			return out; })()`))
		if len(fills) != 4 {
			t.Fatalf("at %d px the map draws %d grids: %v", width, len(fills), fills)
		}
		// The legend's own colours: the busiest grid (6 cases) the darkest
		// class, the empty one the first.
		swatch := func(n string) string {
			return webtest.Get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".gridmap")).getPropertyValue("--c`+n+`").trim()`))
		}
		if got, want := fills["330102001001001"], swatch("4")+" 4"; got != want {
			t.Errorf("at %d px the grid of 6 cases is filled %q, want %q", width, got, want)
		}
		if got, want := fills["330105001001002"], swatch("0")+" 0"; got != want {
			t.Errorf("at %d px the grid of no case is filled %q, want %q", width, got, want)
		}
		webtest.Screenshot(t, ctx, "dash-map")
		webtest.Accessible(t, ctx, "/dash/map")
		if over := webtest.Get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); over {
			t.Errorf("at %d px the map page is wider than the screen", width)
		}
		if width == 360 {
			continue
		}
		// Click the second grid of district A: its popup, its cases.
		webtest.Run(t, ctx, chromedp.Click(chromedp.CSS(`path[data-grid="330102001001002"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.gridmap-popup a[data-grid-cases="330102001001002"]`)))
		webtest.Screenshot(t, ctx, "dash-map-popup")
		text := webtest.Get(t, ctx, chromedp.Text(chromedp.CSS(`.gridmap-popup a[data-grid-cases]`)))
		if !strings.Contains(text, "2") {
			t.Errorf("the popup's link reads %q, want its 2 cases", text)
		}
		webtest.Run(t, ctx, chromedp.Click(chromedp.CSS(`.gridmap-popup a[data-grid-cases]`)), chromedp.WaitVisible(chromedp.CSS("table.cases")))
		if rows := webtest.Get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.cases tbody tr").length`)); rows != 2 {
			t.Errorf("at %d px the grid's link lists %d cases, want 2", width, rows)
		}
		// Satisfaction: nobody rated, so every grid is "no figure".
		webtest.Run(t, ctx, chromedp.Navigate(w.f.URL+"/dash/map?figure=satisfaction"),
			chromedp.WaitVisible(chromedp.CSS(`.gridmap[data-loaded="4"]`)))
		if n := webtest.Get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.gridmap path[data-swatch="-1"]').length`)); n != 4 {
			t.Errorf("satisfaction: %d grids without a figure, want 4", n)
		}
		webtest.Screenshot(t, ctx, "dash-map-satisfaction")
	}
}

// In Chromium at 1920×1080: the wall fills the screen without scrolling,
// with numbers of 48 px and more and labels of 24 px and more; a part
// refreshed by htmx shows a new case without reloading the page or moving
// any panel; after the session ends a refresh shows the signed-out banner
// over the last figures and the page stays.
func TestDashWallBrowser(t *testing.T) {
	b := webtest.NewBrowser(t)
	w := newMapWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	withWarning(t, w)
	for _, size := range [][2]int64{{1920, 1080}, {1280, 720}} {
		ctx := b.Tab(int(size[0]))
		webtest.Run(t, ctx, chromedp.EmulateViewport(size[0], size[1]))
		webtest.SignIn(t, ctx, w.f.URL, "dispatcher")
		webtest.Run(t, ctx, chromedp.Navigate(w.f.URL+"/dash/wall"),
			chromedp.WaitVisible(chromedp.CSS(`.gridmap[data-loaded="4"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#wall-legend li`)))
		webtest.Screenshot(t, ctx, "dash-wall")
		webtest.Accessible(t, ctx, "/dash/wall")
		if size[0] != 1920 {
			continue
		}
		sizes := webtest.Get(t, ctx, chromedp.Evaluate[map[string]float64](`(() => {
			const px = s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize);
			const min = s => Math.min(...[...document.querySelectorAll(s)].map(e => parseFloat(getComputedStyle(e).fontSize)));
			return {number: px(".wall-number"), figures: min(".wall-figures dd"), clock: px(".wall-clock"),
				labels: min(".wall-panel h2, .wall-figures dt, .wall-list li, .legend-row li, .wall-status"),
				overflow: document.documentElement.scrollHeight - window.innerHeight}; })()`))
		if sizes["number"] < 48 || sizes["figures"] < 48 || sizes["clock"] < 48 || sizes["labels"] < 24 || sizes["overflow"] > 0 {
			t.Errorf("the wall at 1920×1080: %v", sizes)
		}
		// A refresh: a new case appears without a reload or a move.
		rects := `JSON.stringify([...document.querySelectorAll(".wall-panel")].map(e => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }))`
		before := webtest.Get(t, ctx, chromedp.Evaluate[string](rects))
		webtest.Get(t, ctx, chromedp.Evaluate[bool](`document.body.dataset.before = "1"; true`))
		lat, lon := 30.05, 120.17
		nc := store.NewCase{Title: "路面塌陷", Text: "路口路面塌陷一个大坑", Category: "0101", Lat: &lat, Lon: &lon}
		nc.Reporter.Name, nc.Reporter.Phone = "王五", "13612341234"
		if _, _, err := w.f.DB.CreateCase(context.Background(), w.actors["operator"], nc, ""); err != nil {
			t.Fatal(err)
		}
		webtest.Get(t, ctx, chromedp.Evaluate[bool](`document.querySelector('[data-part="intake"]').dispatchEvent(new CustomEvent("anju:refresh")); true`))
		webtest.Run(t, ctx,
			chromedp.WaitVisible(chromedp.CSS(`[data-part="intake"] [data-today="14"]`)),
			chromedp.WaitVisible(chromedp.CSS(`body[data-before]`)))
		if after := webtest.Get(t, ctx, chromedp.Evaluate[string](rects)); after != before {
			t.Errorf("the refresh moved the panels: %s → %s", before, after)
		}
		// The session ends mid-shift.
		if _, err := w.f.DB.SQL().Exec(`UPDATE sessions SET expires_at = 0`); err != nil {
			t.Fatal(err)
		}
		webtest.Get(t, ctx, chromedp.Evaluate[bool](`document.querySelector('[data-part="figures"]').dispatchEvent(new CustomEvent("anju:refresh")); true`))
		webtest.Run(t, ctx,
			chromedp.WaitVisible(chromedp.CSS(`#wall-signed-out`)),
			chromedp.WaitVisible(chromedp.CSS(`body[data-before]`)))
		if loc := webtest.Get(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, "/dash/wall") {
			t.Errorf("after the session ended the wall went to %s", loc)
		}
		if n := webtest.Get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#password").length`)); n != 0 {
			t.Errorf("a sign-in form is on the wall")
		}
		if today := webtest.Get(t, ctx, chromedp.Evaluate[string](`document.querySelector("[data-today]").dataset.today`)); today != "14" {
			t.Errorf("the last figures are gone: today reads %q", today)
		}
		webtest.Screenshot(t, ctx, "dash-wall-signed-out")
	}
}
