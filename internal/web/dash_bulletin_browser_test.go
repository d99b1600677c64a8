package web_test

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"anju/internal/web/webtest"
)

var mediaBox = regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]`)

// In Chromium: the bulletin at 1280 px and as printed — A4 pages, no
// navigation, the month and a department on the paper — and the public
// figures at every width; the accessibility check on both.
func TestBulletinBrowser(t *testing.T) {
	b := webtest.NewBrowser(t)
	w := newBulletinWorld(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	ctx := b.Tab(1280)
	webtest.SignIn(t, ctx, w.f.URL, "dispatcher")
	webtest.Run(t, ctx, chromedp.Navigate(w.f.URL+"/dash/bulletin"), chromedp.WaitVisible(chromedp.CSS("article.bulletin")))
	webtest.Screenshot(t, ctx, "bulletin")
	webtest.Accessible(t, ctx, "/dash/bulletin")

	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	webtest.Run(t, ctx, media("print"))
	webtest.Screenshot(t, ctx, "bulletin-print")
	if shown := webtest.Get(t, ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("header.top")).display !== "none" ||
		getComputedStyle(document.querySelector("form.filters")).display !== "none"`)); shown {
		t.Errorf("printed, the navigation or the form shows")
	}
	if breaks := webtest.Get(t, ctx, chromedp.Evaluate[int](`[...document.querySelectorAll(".bulletin-section")].filter(s => getComputedStyle(s).breakBefore === "page").length`)); breaks != 3 {
		t.Errorf("printed, %d sections start a page, want 3 (all but the first)", breaks)
	}
	webtest.Run(t, ctx, media(""))

	pdf := webtest.Get(t, ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		prefer := true
		res, err := cdp.Call(ctx, t, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &prefer})
		return res.Data, err
	})
	boxes := mediaBox.FindAllSubmatch(pdf, -1)
	if len(boxes) < 4 {
		t.Fatalf("the PDF has %d pages, want at least 4 (a section a page)", len(boxes))
	}
	for _, m := range boxes {
		wpt, _ := strconv.ParseFloat(string(m[1]), 64)
		hpt, _ := strconv.ParseFloat(string(m[2]), 64)
		// A4 is 210 × 297 mm: 595.3 × 841.9 points.
		if wpt < 594 || wpt > 597 || hpt < 840 || hpt > 843 {
			t.Errorf("a PDF page is %.1f × %.1f pt, not A4", wpt, hpt)
		}
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("not a PDF")
	}
	// The paper's words: the month in the heading and a department in the
	// ranking, as printed (the PDF's text is compressed; the printed DOM is
	// what it was made from).
	webtest.Run(t, ctx, media("print"))
	text := webtest.Get(t, ctx, chromedp.Evaluate[string](`document.querySelector("article.bulletin").innerText`))
	if !bytes.Contains([]byte(text), []byte(w.month.Format("2006年1月"))) || !bytes.Contains([]byte(text), []byte("第1街道办")) {
		t.Errorf("the printed bulletin lacks the month or a department:\n%s", text)
	}

	for _, width := range webtest.Widths {
		ctx := b.Tab(width)
		webtest.Run(t, ctx, chromedp.Navigate(w.f.URL+"/figures"), chromedp.WaitVisible(chromedp.CSS("table.public-figures")))
		webtest.Screenshot(t, ctx, "public-figures")
		webtest.Accessible(t, ctx, "/figures")
		if over := webtest.Get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); over {
			t.Errorf("at %d px the public figures are wider than the screen", width)
		}
	}
}
