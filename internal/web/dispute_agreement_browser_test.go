package web_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"anju/internal/web/webtest"
)

// In Chromium: the mediator's agreement on screen and as printed — on A4,
// one page, without the navigation or the hint, every signature line there.
func TestDisputeAgreementBrowser(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	id := agreedDispute(t, f)
	ctx := b.Tab(1280)
	webtest.SignIn(t, ctx, f.URL, "mediator-a")
	webtest.Run(t, ctx, chromedp.Navigate(f.URL+"/work/disputes/"+itoa(id)+"/agreement"), chromedp.WaitVisible(chromedp.CSS("article.agreement")))
	webtest.Screenshot(t, ctx, "agreement")
	webtest.Accessible(t, ctx, "/work/disputes/{id}/agreement")

	webtest.Run(t, ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		return err
	}))
	webtest.Screenshot(t, ctx, "agreement-print")
	if shown := webtest.Get(t, ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("header.top")).display !== "none" ||
		getComputedStyle(document.querySelector(".agreement-tools")).display !== "none"`)); shown {
		t.Errorf("printed, the navigation or the hint shows")
	}
	text := webtest.Get(t, ctx, chromedp.Evaluate[string](`document.querySelector("article.agreement").innerText`))
	for _, want := range []string{"人民调解协议书", "李四", "申请人（签名）", "被申请人（签名）", "调解员 赵调解（签名）", "调解员 钱调解（签名）", "盖章"} {
		if !strings.Contains(text, want) {
			t.Errorf("the printed agreement lacks %q", want)
		}
	}
	pdf := webtest.Get(t, ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		prefer := true
		res, err := cdp.Call(ctx, t, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &prefer})
		return res.Data, err
	})
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF")
	}
	boxes := mediaBox.FindAllSubmatch(pdf, -1)
	if len(boxes) != 1 {
		t.Errorf("the agreement prints on %d pages, want 1", len(boxes))
	}
	for _, m := range boxes {
		wpt, _ := strconv.ParseFloat(string(m[1]), 64)
		hpt, _ := strconv.ParseFloat(string(m[2]), 64)
		if wpt < 594 || wpt > 597 || hpt < 840 || hpt > 843 {
			t.Errorf("a PDF page is %.1f × %.1f pt, not A4", wpt, hpt)
		}
	}
}
