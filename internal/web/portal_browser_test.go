package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"anju/internal/web/webtest"
)

// scripts turns JavaScript in the tab off, as a reader without it has, or
// back on: a page loaded with scripts off stays as it loaded (its scripts do
// not run later), while the test reads it through the browser's evaluator.
func scripts(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return err
	})
}

// inspect reads the page loaded without scripts.
func inspect[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	webtest.Run(t, ctx, scripts(true))
	v := webtest.Get(t, ctx, a)
	webtest.Run(t, ctx, scripts(false))
	return v
}

// TestBrowserPortal: at phone and desk widths a resident reports with a map
// pin (a click on the map, snapped to its grid) and gets the receipt with
// the secret link; every portal page is screenshot and checked with axe.
func TestBrowserPortal(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	for _, w := range webtest.Widths {
		ctx := b.Tab(w)
		webtest.Run(t, ctx,
			chromedp.Navigate(f.URL+"/report"),
			chromedp.WaitVisible(chromedp.CSS(`.leaflet-container path`)),
		)
		webtest.Screenshot(t, ctx, "portal-report")
		webtest.Accessible(t, ctx, "/report")
		// Click the map: the pin fills lat, lon and shows the grid.
		webtest.Run(t, ctx,
			chromedp.ScrollIntoView(chromedp.CSS(`#report-form .map`)),
			chromedp.Click(chromedp.CSS(`#report-form .map`)),
		)
		webtest.Get(t, ctx, chromedp.Poll[bool](`document.querySelector("[data-grid-name]").textContent.length > 0 && document.querySelector("[name=lat]").value !== ""`))
		grid := webtest.Get(t, ctx, chromedp.Text(chromedp.CSS(`[data-grid-name]`)))
		if !strings.Contains(grid, "网格") {
			t.Errorf("the pin shows grid %q", grid)
		}
		// The category search suggests as the resident types (htmx).
		webtest.Run(t, ctx,
			chromedp.SendKeys(chromedp.CSS(`#text`), "小区门口的路灯不亮了 <b>三天</b>"),
			chromedp.SendKeys(chromedp.CSS(`#cq`), "路灯"),
			chromedp.WaitVisible(chromedp.CSS(`#category-help button[data-category="0203"]`)),
			chromedp.Click(chromedp.CSS(`#category-help button[data-category="0203"]`)),
		)
		if v := webtest.Get(t, ctx, chromedp.Value(chromedp.CSS(`#category`))); v != "0203" {
			t.Fatalf("the suggested category was not chosen: %q", v)
		}
		photo, _ := filepath.Abs("../photo/testdata/gps.jpg")
		webtest.Run(t, ctx,
			chromedp.SetUploadFiles(chromedp.CSS(`#photos`), []string{photo}),
			chromedp.SendKeys(chromedp.CSS(`#phone`), "13812341234"),
			chromedp.Click(chromedp.CSS(`#submit`)),
			chromedp.WaitVisible(chromedp.CSS(`.receipt`)),
		)
		if loc := webtest.Get(t, ctx, chromedp.Location()); !strings.Contains(loc, "/track/") {
			t.Fatalf("after reporting the browser is at %s", loc)
		}
		link := webtest.Get(t, ctx, chromedp.Text(chromedp.CSS(`.link-box a`)))
		if !strings.Contains(link, "?key=") {
			t.Fatalf("receipt link %q", link)
		}
		webtest.Run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`ul.photos img`)))
		webtest.Screenshot(t, ctx, "portal-receipt")
		webtest.Accessible(t, ctx, "receipt")
		webtest.Run(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#yours-title`)))
		webtest.Screenshot(t, ctx, "portal-track-reporter")
		webtest.Accessible(t, ctx, "track with the link")

		for _, p := range []string{"/", "/map", "/privacy", "/?lang=en", "/report?lang=en"} {
			webtest.Run(t, ctx, chromedp.Navigate(f.URL+p), chromedp.WaitVisible(chromedp.CSS(`main`)))
			if p != "/privacy" {
				webtest.Run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.leaflet-container`)))
			}
			webtest.Screenshot(t, ctx, "portal"+p)
			webtest.Accessible(t, ctx, p)
		}
		webtest.Run(t, ctx, chromedp.Navigate(f.URL+"/?lang=zh"))
	}
}

// TestBrowserPortalNoScript: with JavaScript off, a resident walks down the
// region tree, searches a category and files a report; a bad one comes back
// with the message and what was typed.
func TestBrowserPortalNoScript(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	for _, w := range webtest.Widths {
		ctx := b.Tab(w)
		webtest.Run(t, ctx,
			scripts(false),
			chromedp.Navigate(f.URL+"/report"),
			chromedp.WaitVisible(chromedp.CSS(`#text`)),
			chromedp.SendKeys(chromedp.CSS(`#text`), "井盖丢了，很危险"),
			chromedp.SetValue(chromedp.CSS(`#district`), "330102"),
			chromedp.Click(chromedp.CSS(`.levels + button`)),
			chromedp.WaitVisible(chromedp.CSS(`#street`)),
			chromedp.SetValue(chromedp.CSS(`#street`), "330102001"),
			chromedp.Click(chromedp.CSS(`.levels + button`)),
			chromedp.WaitVisible(chromedp.CSS(`#community`)),
			chromedp.SetValue(chromedp.CSS(`#community`), "330102001001"),
			chromedp.Click(chromedp.CSS(`.levels + button`)),
			chromedp.WaitVisible(chromedp.CSS(`#grid`)),
			chromedp.SetValue(chromedp.CSS(`#grid`), "330102001001001"),
			chromedp.SendKeys(chromedp.CSS(`#cq`), "井盖"),
			chromedp.Click(chromedp.CSS(`#cq + button`)),
			chromedp.WaitVisible(chromedp.CSS(`button[name=pick][value="0202"]`)),
			chromedp.Click(chromedp.CSS(`button[name=pick][value="0202"]`)),
			chromedp.WaitReady(chromedp.CSS(`#category option[value="0202"][selected]`)),
		)
		if v := inspect(t, ctx, chromedp.Value(chromedp.CSS(`#text`))); v != "井盖丢了，很危险" {
			t.Errorf("the GET reloads lost the text: %q", v)
		}
		if v := inspect(t, ctx, chromedp.Value(chromedp.CSS(`#grid`))); v != "330102001001001" {
			t.Errorf("the grid chosen was lost: %q", v)
		}
		webtest.Run(t, ctx, scripts(true))
		webtest.Screenshot(t, ctx, "portal-report-noscript")
		webtest.Run(t, ctx, scripts(false))
		// Without a phone and not anonymous: refused, kept, said.
		webtest.Run(t, ctx, chromedp.Click(chromedp.CSS(`#submit`)), chromedp.WaitVisible(chromedp.CSS(`[role=alert]`)))
		if v := inspect(t, ctx, chromedp.Value(chromedp.CSS(`#text`))); v != "井盖丢了，很危险" {
			t.Errorf("the refused report lost the text: %q", v)
		}
		webtest.Run(t, ctx, scripts(true))
		webtest.Screenshot(t, ctx, "portal-report-error")
		webtest.Accessible(t, ctx, "report with an error")
		webtest.Run(t, ctx, scripts(false))
		webtest.Run(t, ctx,
			chromedp.Click(chromedp.CSS(`#anonymous`)),
			chromedp.Click(chromedp.CSS(`#submit`)),
			chromedp.WaitVisible(chromedp.CSS(`.receipt`)),
		)
		if loc := inspect(t, ctx, chromedp.Location()); !strings.Contains(loc, "/track/") {
			t.Fatalf("after reporting without scripts the browser is at %s", loc)
		}
		webtest.Run(t, ctx, scripts(true))
		webtest.Screenshot(t, ctx, "portal-receipt-noscript")
	}
}
