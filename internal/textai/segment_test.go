package textai

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestSegment(t *testing.T) {
	got := Segment("中华人民共和国 ABC小区，噪音扰民！请尽快处理。")
	for _, w := range []string{"中华人民共和国", "人民", "abc", "小区", "噪音", "扰民", "尽快", "处理"} {
		if !slices.Contains(got, w) {
			t.Errorf("Segment lacks %q: %q", w, got)
		}
	}
	for _, w := range got {
		if strings.TrimSpace(w) != w || w == "，" || w == "！" || w == "。" || strings.ToLower(w) != w {
			t.Errorf("Segment kept %q: %q", w, got)
		}
	}
	if got := Segment(""); len(got) != 0 {
		t.Errorf("Segment(\"\") = %q", got)
	}
}

func TestAddWords(t *testing.T) {
	const text = "麓谷街道的芙蓉新苑小区门口积水"
	if slices.Contains(Segment(text), "芙蓉新苑") {
		t.Skip("dictionary already knows 芙蓉新苑")
	}
	if err := AddWords([]string{"芙蓉新苑", " ", ""}); err != nil {
		t.Fatal(err)
	}
	if got := Segment(text); !slices.Contains(got, "芙蓉新苑") {
		t.Errorf("after AddWords, Segment(%q) = %q", text, got)
	}
}

// TestSegmentDeployed builds this test binary with -tags ne -trimpath and
// runs the segmentation test from an empty directory with HOME, GOPATH and
// GOMODCACHE pointing nowhere. -trimpath removes the source paths that gse's
// file loader would derive the module cache from, so the child passes only if
// the dictionary comes from our embed.
func TestSegmentDeployed(t *testing.T) {
	if os.Getenv("TEXTAI_CHILD") != "" {
		t.Skip("already the child")
	}
	if testing.Short() {
		t.Skip("builds a binary; skipped with -short")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		t.Skipf("no go toolchain at %s", goBin)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "textai.test")
	build := exec.Command(goBin, "test", "-c", "-tags", "ne", "-trimpath", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	run := exec.Command(bin, "-test.run", "^(TestSegment|TestSegmentChild)$", "-test.v")
	run.Dir = t.TempDir()
	nowhere := filepath.Join(dir, "nowhere")
	run.Env = []string{"TEXTAI_CHILD=1", "HOME=" + nowhere, "GOPATH=" + nowhere, "GOMODCACHE=" + nowhere, "GOFLAGS=", "PATH="}
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestSegmentChild") {
		t.Fatalf("deployed binary: %v\n%s", err, out)
	}
}

// TestSegmentChild is the body of TestSegmentDeployed's child process.
func TestSegmentChild(t *testing.T) {
	if os.Getenv("TEXTAI_CHILD") == "" {
		t.Skip("run by TestSegmentDeployed")
	}
	if got := Segment("居民反映小区噪音扰民"); !slices.Contains(got, "噪音") || !slices.Contains(got, "居民") {
		t.Fatalf("Segment = %q", got)
	}
}

// TestSegmentShortInput: a word alone segments as it does inside a sentence.
func TestSegmentShortInput(t *testing.T) {
	if got := Segment("路灯"); len(got) != 1 || got[0] != "路灯" {
		t.Errorf("Segment(路灯) = %q, want [路灯]", got)
	}
}
