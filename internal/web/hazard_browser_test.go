package web_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"anju/internal/web/webtest"
)

// front brings the tab to the front: a tab behind another is not drawn,
// and its screenshot never comes.
func front(t *testing.T, ctx context.Context) {
	t.Helper()
	webtest.Run(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.BringToFront, cdp.Empty{})
		return err
	}))
}

// atWidths shows the tab's page at each of webtest.Widths in turn, with a
// screenshot of each, and leaves it at the last.
func atWidths(t *testing.T, ctx context.Context, name string, widths ...int) {
	t.Helper()
	if len(widths) == 0 {
		widths = webtest.Widths
	}
	front(t, ctx)
	for _, w := range widths {
		opts := []chromedp.EmulateViewportOption{}
		height := int64(900)
		if w < 600 {
			height = 780
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2), chromedp.EmulatePortrait)
		}
		webtest.Run(t, ctx, chromedp.EmulateViewport(int64(w), height, opts...))
		webtest.Screenshot(t, ctx, name)
	}
}

// TestBrowserHazardLoop: the whole hazard loop in Chromium. The city's
// administrator sets the plan (a desk); a dispatcher registers a gas
// installation on the map's form (a wide desk); the scheduler owes it a
// task; the grid worker opens it on a phone (360 px), is told what is
// missing, answers every item with a failure, its finding and a photo; the
// department rectifies on the case page; the worker's re-inspection sends
// it back, the department rectifies again, and the next re-inspection
// closes it; the dashboard counts it. Screenshots at 360, 1280 and 1920 px
// and the accessibility check on every page of the loop.
func TestBrowserHazardLoop(t *testing.T) {
	b := webtest.NewBrowser(t)
	f := webtest.New(t, "sqlite:"+filepath.Join(t.TempDir(), "anju.db"))
	ctx := context.Background()

	// The plan: high risks weekly.
	desk := b.Tab(1280)
	webtest.SignIn(t, desk, f.URL, "admin")
	webtest.Run(t, desk, chromedp.Navigate(f.URL+"/admin"), chromedp.Click(chromedp.CSS(`a[href="/admin/hazards"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#every-high`)),
		chromedp.SetValue(chromedp.CSS(`#every-high`), "1"),
		chromedp.SetValue(chromedp.CSS(`#unit-high`), "week"),
		chromedp.Click(chromedp.CSS(`#plan-high button[type=submit]`)))
	waitLocation(t, desk, "done=hazard_plan_saved")
	webtest.Run(t, desk, chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	webtest.Accessible(t, desk, "/admin/hazards")
	atWidths(t, desk, "hazard-plan", 1280)
	webtest.Run(t, desk, chromedp.Click(chromedp.CSS(`a[href="/admin/hazards/checklists/gas"]`)), chromedp.WaitVisible(chromedp.CSS(`#text-0`)))
	webtest.Accessible(t, desk, "/admin/hazards/checklists/gas")
	atWidths(t, desk, "hazard-checklist", 1280)

	// The register: a dispatcher places it by its coordinates.
	wide := b.Tab(1920)
	webtest.SignIn(t, wide, f.URL, "dispatcher")
	webtest.Run(t, wide, chromedp.Navigate(f.URL+"/work"), chromedp.Click(chromedp.CSS(`header a[href="/work/hazards"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/work/hazards/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/work/hazards/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		// The map has drawn the city's districts.
		chromedp.WaitVisible(chromedp.CSS(`.map .leaflet-interactive`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "幸福小区燃气调压站"),
		chromedp.SetValue(chromedp.CSS(`#f-type`), "gas"),
		chromedp.SetValue(chromedp.CSS(`#f-risk_level`), "high"),
		chromedp.SendKeys(chromedp.CSS(`#f-owner`), "幸福燃气有限公司"),
		chromedp.SetValue(chromedp.CSS(`#f-department`), "a-street"),
		chromedp.SendKeys(chromedp.CSS(`#f-lat`), "30.05"),
		chromedp.SendKeys(chromedp.CSS(`#f-lon`), "120.02"),
		chromedp.SendKeys(chromedp.CSS(`#f-address`), "幸福路1号"),
		// The typed point moved the pin, which named the grid.
		chromedp.WaitVisible(chromedp.CSS(`.map .leaflet-marker-icon`)))
	for range 100 {
		if webtest.Get(t, wide, chromedp.Text(chromedp.CSS(`output[data-grid-name]`))) != "尚未标出位置" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if grid := webtest.Get(t, wide, chromedp.Text(chromedp.CSS(`output[data-grid-name]`))); !strings.HasSuffix(grid, "第一网格") {
		t.Errorf("the typed point's grid: %q", grid)
	}
	webtest.Run(t, wide)
	webtest.Accessible(t, wide, "/work/hazards/new")
	atWidths(t, wide, "hazard-new", 1920, 360)
	webtest.Run(t, wide, chromedp.Click(chromedp.CSS(`#hazard-form button[type=submit]`)))
	waitLocation(t, wide, "done=saved")
	webtest.Run(t, wide, chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	if text := webtest.Get(t, wide, chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(text, "第一网格") || !strings.Contains(text, "每周一次") {
		t.Errorf("the hazard's page: %s", text)
	}
	webtest.Accessible(t, wide, "/work/hazards/{id}")
	atWidths(t, wide, "hazard", 1920, 360)

	// The scheduler owes it this week's task.
	if n, err := f.DB.GenerateInspectionTasks(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("generation: %d %v", n, err)
	}

	// The grid worker on a phone.
	phone := b.Tab(360)
	webtest.SignIn(t, phone, f.URL, "worker-a")
	webtest.Run(t, phone, chromedp.Navigate(f.URL+"/work/grid"), chromedp.Click(chromedp.CSS(`#inspections`)),
		chromedp.WaitVisible(chromedp.CSS(`a[data-task]`)))
	webtest.Accessible(t, phone, "/work/inspections")
	atWidths(t, phone, "inspections", 360)
	webtest.Run(t, phone, chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Click(chromedp.CSS(`a[data-task]`)), chromedp.WaitVisible(chromedp.CSS(`form.hz-inspect`)))
	task := webtest.Get(t, phone, chromedp.Location())
	// Three items answered, one forgotten: the form says which.
	photo, _ := filepath.Abs("../photo/testdata/gps.jpg")
	webtest.Run(t, phone,
		chromedp.Click(chromedp.CSS(`#item-leak label.bad`)),
		chromedp.WaitVisible(chromedp.CSS(`#finding-leak`)),
		chromedp.SendKeys(chromedp.CSS(`#finding-leak`), "调压阀接口有燃气味，检漏液起泡"),
		chromedp.SetUploadFiles(chromedp.CSS(`#photos-leak`), []string{photo}),
		chromedp.Click(chromedp.CSS(`#item-alarm label.ok`)),
		chromedp.Click(chromedp.CSS(`#item-hose label.na`)))
	if shown := webtest.Get(t, phone, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("#item-alarm .hz-finding-fields")).display !== "none"`)); shown {
		t.Errorf("a passed item offers a finding and photos")
	}
	front(t, phone)
	webtest.Screenshot(t, phone, "inspection-answering")
	webtest.Run(t, phone, chromedp.Click(chromedp.CSS(`.hz-submit button`)), chromedp.WaitVisible(chromedp.CSS(`#inspection-alert`)))
	if text := webtest.Get(t, phone, chromedp.Text(chromedp.CSS(`#item-ventilation`))); !strings.Contains(text, "请逐项选择检查结果") {
		t.Errorf("the forgotten item is not marked: %s", text)
	}
	if got := webtest.Get(t, phone, chromedp.Evaluate[string](`document.querySelector("#finding-leak").value`)); got != "调压阀接口有燃气味，检漏液起泡" {
		t.Errorf("the finding typed was lost: %q", got)
	}
	webtest.Accessible(t, phone, "the refused inspection")
	webtest.Screenshot(t, phone, "inspection-refused")
	webtest.Run(t, phone,
		chromedp.SetUploadFiles(chromedp.CSS(`#photos-leak`), []string{photo}),
		chromedp.Click(chromedp.CSS(`#item-ventilation label.ok`)),
		chromedp.Click(chromedp.CSS(`.hz-submit button`)))
	waitLocation(t, phone, "done=completed")
	webtest.Run(t, phone, chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	webtest.Accessible(t, phone, "the completed inspection")
	atWidths(t, phone, "inspection-done", 1920, 360)
	webtest.Run(t, phone, chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Click(chromedp.CSS(`a[data-finding]`)), chromedp.WaitVisible(chromedp.CSS(`form.hz-reinspect`)))
	finding := webtest.Get(t, phone, chromedp.Location())
	caseHref := webtest.Get(t, phone, chromedp.Evaluate[string](`document.querySelector('#case-link').getAttribute("href")`))
	if n := webtest.Get(t, phone, chromedp.Evaluate[int](`document.querySelectorAll("ul.photos img").length`)); n != 1 {
		t.Errorf("the finding shows %d photos", n)
	}
	webtest.Accessible(t, phone, "/work/findings/{id}")
	webtest.Screenshot(t, phone, "finding")

	// The department rectifies on the case page, where the finding is named.
	handler := b.Tab(1280)
	webtest.SignIn(t, handler, f.URL, "handler-a")
	// rectify signs for the case (the first time) and reports it done.
	rectify := func(start bool, result string) {
		t.Helper()
		front(t, handler)
		webtest.Run(t, handler, chromedp.Navigate(f.URL+caseHref), chromedp.WaitVisible(chromedp.CSS(`#act-resolve > summary, #act-start > summary`)))
		if start {
			webtest.Run(t, handler, chromedp.Click(chromedp.CSS(`#act-start > summary`)),
				chromedp.Click(chromedp.CSS(`#act-start button[type=submit]`)))
			waitLocation(t, handler, "done=start")
			webtest.Run(t, handler, chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
			webtest.Run(t, handler, chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
		}
		webtest.Run(t, handler,
			chromedp.WaitVisible(chromedp.CSS(`#act-resolve > summary`)),
			chromedp.Click(chromedp.CSS(`#act-resolve > summary`)),
			chromedp.WaitVisible(chromedp.CSS(`#resolve-result`)),
			chromedp.SendKeys(chromedp.CSS(`#resolve-result`), result),
			chromedp.Click(chromedp.CSS(`#act-resolve button[type=submit]`)))
		waitLocation(t, handler, "done=resolve")
		webtest.Run(t, handler, chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
		webtest.Run(t, handler, chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	}
	rectify(true, "已更换调压阀接口密封圈")
	if text := webtest.Get(t, handler, chromedp.Text(chromedp.CSS(`.case-summary`))); !strings.Contains(text, "幸福小区燃气调压站") {
		t.Errorf("the case page does not name its finding: %s", text)
	}
	atWidths(t, handler, "rectification-case", 1280)

	// Re-inspection on the phone: not rectified, sent back.
	reinspect := func(passed, note string) {
		t.Helper()
		front(t, phone)
		webtest.Run(t, phone, chromedp.Navigate(f.URL+"/work/inspections"), chromedp.WaitVisible(chromedp.CSS(`#reinsp-h`)),
			chromedp.Click(chromedp.CSS(`a[data-finding]`)), chromedp.WaitVisible(chromedp.CSS(`form.hz-reinspect`)),
			chromedp.Click(chromedp.CSS(`form.hz-reinspect label.`+map[string]string{"true": "ok", "false": "bad"}[passed])),
			chromedp.SendKeys(chromedp.CSS(`#reinspect-note`), note),
			chromedp.Click(chromedp.CSS(`form.hz-reinspect button[type=submit]`)))
		waitLocation(t, phone, "done="+map[string]string{"true": "passed", "false": "sent_back"}[passed])
		webtest.Run(t, phone, chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	}
	reinspect("false", "仍有燃气味")
	if text := webtest.Get(t, phone, chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(text, "退回 1 次") || !strings.Contains(text, "整改中") {
		t.Errorf("after sending back: %s", text)
	}
	rectify(false, "更换整段管道")
	reinspect("true", "复查无异味")
	if text := webtest.Get(t, phone, chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(text, "已销号") {
		t.Errorf("after the re-inspection passed: %s", text)
	}
	webtest.Accessible(t, phone, "the closed finding")
	atWidths(t, phone, "finding-closed", 360)
	if loc := webtest.Get(t, phone, chromedp.Location()); !strings.HasPrefix(loc, strings.TrimSuffix(finding, "?")) {
		t.Errorf("the re-inspection led to %s", loc)
	}
	_ = task

	// The dashboard counts it: one rectified, none open.
	front(t, desk)
	webtest.Run(t, desk, chromedp.Navigate(f.URL+"/dash#hazards"), chromedp.WaitVisible(chromedp.CSS(`#hazards`)))
	row := webtest.Get(t, desk, chromedp.Text(chromedp.CSS(`#hazards-table tbody tr:last-child`)))
	if !regexp.MustCompile(`合计\s+无数据\s+0\s+1\s+[0-9.]+ 小时`).MatchString(row) {
		t.Errorf("the dashboard's hazard total: %q", row)
	}
	webtest.Accessible(t, desk, "/dash")
	atWidths(t, desk, "dash-hazards", 1280)
	// The section alone, to be read in the screenshots.
	sectionShot := func(width string) {
		png := webtest.Get(t, desk, chromedp.Screenshot(chromedp.CSS(`#hazards`)))
		if dir := os.Getenv("ANJU_SCREENSHOTS"); dir != "" {
			os.WriteFile(filepath.Join(dir, "dash-hazards-section-"+width+".png"), png, 0o644)
		}
	}
	sectionShot("1280")
	// On a phone, loaded afresh: the charts are drawn for the width they
	// are loaded at.
	webtest.Run(t, desk, chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#hazards`)))
	webtest.Screenshot(t, desk, "dash-hazards")
	sectionShot("360")
}
