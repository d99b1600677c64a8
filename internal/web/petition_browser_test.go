package web_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"anju/internal/anju"
	"anju/internal/cases"
	"anju/internal/petition"
	"anju/internal/web/webtest"
)

// In Chromium: the operator accepts a petition on a phone through the
// step's form, which the case page shows with the statutory clock; the
// dispatcher's printed opinion is one A4 page without the navigation, and
// the acceptance notice too. Screenshots at 360 and 1280 px, the
// accessibility check on the case page and both documents.
func TestPetitionBrowser(t *testing.T) {
	b := webtest.NewBrowser(t)
	clk := anju.NewFakeClock(time.Now())
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"), webtest.Options{Clock: clk})
	withPetitionOffice(t, f)
	phone, desk := b.Tab(360), b.Tab(1280)
	// Signed in now, so that the browser keeps the cookies; the store's
	// clock then goes back to the petition's dates.
	webtest.SignIn(t, phone, f.URL, "operator")
	webtest.SignIn(t, desk, f.URL, "dispatcher")
	clk.Set(time.Date(2026, 2, 2, 10, 0, 0, 0, cst))
	id := fileTestPetition(t, f)
	page1 := f.URL + "/work/cases/" + itoa(id)

	webtest.Run(t, phone, chromedp.Navigate(page1), chromedp.WaitVisible(chromedp.CSS(`section.case-petition`)))
	webtest.Screenshot(t, phone, "petition-received-360")
	webtest.Accessible(t, phone, "/work/cases/{id} (petition)")
	webtest.Run(t, phone,
		chromedp.Click(chromedp.CSS(`#petition-accept > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#petition-accept-notice`)),
		chromedp.SendKeys(chromedp.CSS(`#petition-accept-notice`), "交第1街道信访办调查处理，办结后书面答复。"),
		chromedp.Click(chromedp.CSS(`#petition-accept button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	text := webtest.Get(t, phone, chromedp.Evaluate[string](`document.querySelector("section.case-petition").innerText`))
	for _, want := range []string{"办结期限", "2026-04-03 24:00", "受理告知书"} {
		if !strings.Contains(text, want) {
			t.Errorf("after acceptance on the phone the petition panel lacks %q:\n%s", want, text)
		}
	}
	// The panel fits the phone: nothing wider than the screen.
	if wide := webtest.Get(t, phone, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); wide {
		t.Errorf("the case page scrolls sideways at 360 px")
	}
	webtest.Screenshot(t, phone, "petition-accepted-360")

	actAs(t, f, "dispatcher", id, cases.ActionDispatch, cases.Input{Department: "a-xf"})
	actAs(t, f, "xf-a", id, cases.ActionStart, cases.Input{})
	actAs(t, f, "xf-a", id, cases.ActionResolve, cases.Input{Result: "经核查，差额已由镇政府补发。"})
	clk.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, cst))
	ctx := context.Background()
	disp, err := f.DB.Authenticate(ctx, "dispatcher", webtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.RecordPetitionOpinion(ctx, disp, id, petition.Opinion{Text: "经调查核实，您反映的征地补偿款差额属实，已责成镇政府于十五日内补发。",
		Finding: petition.Supported}); err != nil {
		t.Fatal(err)
	}
	webtest.Run(t, desk, chromedp.Navigate(page1), chromedp.WaitVisible(chromedp.CSS(`section.case-petition`)))
	webtest.Screenshot(t, desk, "petition-concluded-1280")

	for _, doc := range []struct{ path, title, sign string }{
		{"/opinion", "信访事项处理意见书", "2026-04-01前"},
		{"/notice", "信访事项受理告知书", "2026-04-03前"},
	} {
		webtest.Run(t, desk, chromedp.Navigate(f.URL+"/work/petitions/"+itoa(id)+doc.path), chromedp.WaitVisible(chromedp.CSS("article.petition-doc")))
		webtest.Screenshot(t, desk, "petition"+strings.ReplaceAll(doc.path, "/", "-"))
		webtest.Accessible(t, desk, "/work/petitions/{id}"+doc.path)
		webtest.Run(t, desk, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}))
		webtest.Screenshot(t, desk, "petition"+strings.ReplaceAll(doc.path, "/", "-")+"-print")
		if shown := webtest.Get(t, desk, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("header.top")).display !== "none" ||
			getComputedStyle(document.querySelector(".agreement-tools")).display !== "none"`)); shown {
			t.Errorf("%s printed with the navigation or the hint", doc.path)
		}
		text := webtest.Get(t, desk, chromedp.Evaluate[string](`document.querySelector("article.petition-doc").innerText`))
		for _, want := range []string{doc.title, "王五", doc.sign, "盖章"} {
			if !strings.Contains(text, want) {
				t.Errorf("the printed %s lacks %q", doc.path, want)
			}
		}
		pdf := webtest.Get(t, desk, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
			prefer := true
			res, err := cdp.Call(ctx, t, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &prefer})
			return res.Data, err
		})
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("not a PDF")
		}
		boxes := mediaBox.FindAllSubmatch(pdf, -1)
		if len(boxes) != 1 {
			t.Errorf("%s prints on %d pages, want 1", doc.path, len(boxes))
		}
		for _, m := range boxes {
			wpt, _ := strconv.ParseFloat(string(m[1]), 64)
			hpt, _ := strconv.ParseFloat(string(m[2]), 64)
			if wpt < 594 || wpt > 597 || hpt < 840 || hpt > 843 {
				t.Errorf("a PDF page is %.1f × %.1f pt, not A4", wpt, hpt)
			}
		}
		webtest.Run(t, desk, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
			return err
		}))
	}
}

// In Chromium: the operator takes a letter in from the workbench on the
// petition intake page — a refusal said at its field first, the place found
// by name with what was typed kept — and lands on the petition's case page,
// which shows the letter as its channel. The page at 360 and 1280 px,
// checked by axe, with its refusal.
func TestBrowserPetitionIntake(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	withPetitionOffice(t, f)
	desk, phone := b.Tab(1280), b.Tab(360)
	webtest.SignIn(t, desk, f.URL, "operator")
	webtest.SignIn(t, phone, f.URL, "operator")

	fromWorkbench(t, desk, f.URL, "/work/petitions/new", `#petition-intake-form`)
	webtest.Run(t, desk,
		chromedp.Click(chromedp.CSS(`input[name=channel][value=letter]`)),
		chromedp.Click(chromedp.CSS(`input[name=first][value=yes]`)),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "13900001111"),
		chromedp.SetValue(chromedp.CSS(`#category`), "1603"),
		chromedp.SendKeys(chromedp.CSS(`#text`), "村里征地补偿款至今未足额发放，多次询问无果"),
		chromedp.SendKeys(chromedp.CSS(`#place_q`), "第1社区"),
		chromedp.Click(chromedp.CSS(`button[name=find]:not(.visually-hidden)`)),
		chromedp.WaitVisible(chromedp.CSS(`button[name=pick_place][value="330102001001001"]`)),
		chromedp.Click(chromedp.CSS(`button[name=pick_place][value="330102001001001"]`)),
		chromedp.WaitReady(chromedp.CSS(`input[name=grid][value="330102001001001"]`)),
		// Filed without the petitioner's name: refused at the field.
		chromedp.Click(chromedp.CSS(`#file`)),
		chromedp.WaitVisible(chromedp.CSS(`#name-error`)),
	)
	if got := webtest.Get(t, desk, chromedp.Evaluate[string](`document.querySelector("#text").value`)); !strings.Contains(got, "征地补偿款") {
		t.Errorf("the refusal lost the text: %q", got)
	}
	if checked := webtest.Get(t, desk, chromedp.Evaluate[bool](`document.querySelector("input[name=channel][value=letter]").checked`)); !checked {
		t.Errorf("the refusal lost the channel")
	}
	webtest.Screenshot(t, desk, "petition-intake-refused-1280")
	webtest.Accessible(t, desk, "/work/petitions/new (refused)")
	webtest.Run(t, desk,
		chromedp.SendKeys(chromedp.CSS(`#name`), "王五"),
		chromedp.Click(chromedp.CSS(`#file`)),
		chromedp.WaitVisible(chromedp.CSS(`section.case-petition`)),
	)
	text := webtest.Get(t, desk, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	for _, want := range []string{"来信", "书面告知期限", "王**"} {
		if !strings.Contains(text, want) {
			t.Errorf("the new petition's case page lacks %q", want)
		}
	}

	webtest.Run(t, phone, chromedp.Navigate(f.URL+"/work/petitions/new"), chromedp.WaitVisible(chromedp.CSS(`#petition-intake-form`)))
	if wide := webtest.Get(t, phone, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); wide {
		t.Errorf("the petition intake scrolls sideways at 360 px")
	}
	webtest.Screenshot(t, phone, "petition-intake-360")
	webtest.Accessible(t, phone, "/work/petitions/new")
}
