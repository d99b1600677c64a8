package webtest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"anju/internal/store/storetest"
)

//go:embed axe.min.js
var axeSource string

// Widths are the viewport widths every page is seen at: a phone, a desk and
// a wide desk.
var Widths = []int{360, 1280, 1920}

// Browser is a headless Chromium (ANJU_CHROME, which make test sets).
// Without it the test is skipped — except in CI, where it fails.
type Browser struct {
	t        testing.TB
	allocCtx context.Context
}

// NewBrowser starts Chromium for the test; it is stopped when the test ends.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	path := os.Getenv("ANJU_CHROME")
	if path == "" {
		if storetest.CI() {
			t.Fatal("ANJU_CHROME is not set; in CI the browser tests must run (make test sets it)")
		}
		t.Skip("ANJU_CHROME is not set; run 'make test' to find or install Chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	return &Browser{t: t, allocCtx: allocCtx}
}

// Tab opens a tab with a viewport width wide (below 600 px a phone: touch,
// device scale 2) and returns its context, closed when the test ends.
func (b *Browser) Tab(width int) context.Context {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.allocCtx)
	b.t.Cleanup(cancel)
	opts := []chromedp.EmulateViewportOption{}
	height := int64(900)
	if width < 600 {
		height = 780
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2), chromedp.EmulatePortrait)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), height, opts...)); err != nil {
		b.t.Fatalf("open tab: %v", err)
	}
	return ctx
}

// Run runs steps on a tab in order, failing the test on an error or when
// they take over a minute.
func Run(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// Get runs one action that returns a value (Text, Evaluate, Location…).
func Get[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// SignIn signs in on the tab through the sign-in form.
func SignIn(t testing.TB, ctx context.Context, base, login string) {
	t.Helper()
	Run(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#login`)),
		chromedp.SendKeys(chromedp.CSS(`#login`), login),
		chromedp.SendKeys(chromedp.CSS(`#password`), Password),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#password`)),
	)
}

// Screenshot saves the whole page as name-<width>.png in the test's artifact
// directory (go test -artifacts keeps it under -outputdir; make test does;
// ANJU_SCREENSHOTS names another directory).
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	width := Get(t, ctx, chromedp.Evaluate[int](`window.innerWidth`))
	png := Get(t, ctx, chromedp.FullScreenshot(100)) // 100: PNG (below it, JPEG)
	file := filepath.Join(artifactDir(t), fmt.Sprintf("%s-%d.png", sanitize(name), width))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func artifactDir(t testing.TB) string {
	if d := os.Getenv("ANJU_SCREENSHOTS"); d != "" {
		os.MkdirAll(d, 0o755)
		return d
	}
	if tt, ok := t.(*testing.T); ok {
		return tt.ArtifactDir()
	}
	return t.TempDir()
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == '?' || r == '&' || r == '=' {
			return '_'
		}
		return r
	}, strings.Trim(s, "/"))
}

// axeViolation is one finding of axe-core.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// Accessible runs axe-core on the tab's page and fails the test on any
// serious or critical violation.
func Accessible(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	Get(t, ctx, chromedp.Evaluate[int](axeSource+";0"))
	raw := Get(t, ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target...))
			}
			t.Errorf("accessibility (%s) on %s: %s — %s at %s", v.Impact, page, v.ID, v.Help, strings.Join(where, ", "))
		}
	}
}
