package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &cliEnv{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	err := run(context.Background(), args, env)
	return out.String(), err
}

var summaryLine = regexp.MustCompile(`^accuracy=([0-9.]+) macro_f1=([0-9.]+) messages_per_s=([0-9]+)$`)

// lastLine checks the summary line and returns its accuracy and macro-F1.
func lastLine(t *testing.T, out string) (acc, f1 float64) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	m := summaryLine.FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("last line %q is not the summary; output:\n%s", lines[len(lines)-1], out)
	}
	acc, _ = strconv.ParseFloat(m[1], 64)
	f1, _ = strconv.ParseFloat(m[2], 64)
	if mps, _ := strconv.Atoi(m[3]); mps <= 0 {
		t.Errorf("messages_per_s = %d", mps)
	}
	return acc, f1
}

func TestClassifyTrainEval(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model.bin")
	out, err := runCLI(t, "classify", "train", "--csv", "testdata/classify_small.csv", "--out", model, "--seed", "7")
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	if !strings.Contains(out, "trained on 54 messages, 3 labels") || !strings.Contains(out, "bytes)") {
		t.Errorf("train output:\n%s", out)
	}
	out, err = runCLI(t, "classify", "eval", "--model", model, "--csv", "testdata/classify_small.csv")
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, out)
	}
	for _, want := range []string{"label     precision", "交通运输", "环境保护", "教育文体"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	if acc, f1 := lastLine(t, out); acc != 1 || f1 != 1 {
		t.Errorf("training-set accuracy %v macro-F1 %v, want 1", acc, f1)
	}
}

func TestClassifyCV(t *testing.T) {
	for _, csv := range []string{"testdata/classify_small.csv", "testdata/classify_titles.csv"} {
		out, err := runCLI(t, "classify", "cv", "--csv", csv, "--folds", "3", "--seed", "3")
		if err != nil {
			t.Fatalf("cv %s: %v\n%s", csv, err, out)
		}
		for _, want := range []string{"training time:", "ece=", "folds=3 seed=3 messages=54"} {
			if !strings.Contains(out, want) {
				t.Errorf("cv output lacks %q:\n%s", want, out)
			}
		}
		if _, f1 := lastLine(t, out); f1 < 0.8 {
			t.Errorf("%s: macro-F1 %v", csv, f1)
		}
	}
}

func TestClassifyUsage(t *testing.T) {
	for _, args := range [][]string{
		{"classify"},
		{"classify", "nope"},
		{"classify", "train", "--csv", "x.csv"},
		{"classify", "train", "--csv", "x.csv", "--out", "m", "--text", "detail"},
		{"classify", "eval", "--model", "m"},
		{"classify", "cv"},
		{"classify", "cv", "--csv", "x", "--folds", "1"},
		{"classify", "cv", "--csv", "x", "--bogus"},
		{"classify", "cv", "--csv", "x", "extra"},
	} {
		_, err := runCLI(t, args...)
		var ex exitError
		if !errors.As(err, &ex) || ex.code != 2 || strings.Contains(ex.msg, "\n") {
			t.Errorf("%q: err = %v, want a one-line usage error", args, err)
		}
	}
	// Failures that are not usage errors exit 1.
	_, err := runCLI(t, "classify", "cv", "--csv", "testdata/does-not-exist.csv")
	var ex exitError
	if err == nil || errors.As(err, &ex) {
		t.Errorf("missing file: err = %v, want a plain error", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.bin")
	os.WriteFile(bad, []byte("not a model"), 0o644)
	if _, err := runCLI(t, "classify", "eval", "--model", bad, "--csv", "testdata/classify_small.csv"); err == nil {
		t.Error("eval of a bad model succeeded")
	}
}

// TestClassifyCVMessages runs the reproducible measurement on the real data
// set, which lives outside the repository (it has no open licence).
func TestClassifyCVMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("takes ~25 s")
	}
	p := filepath.Join("..", "..", "..", "shared", "data", "messages_train.csv")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data missing (CI=true): %v", err)
		}
		t.Skipf("shared data %s not present; skipping (set CI=true to make this fail)", p)
	}
	out, err := runCLI(t, "classify", "cv", "--csv", p)
	if err != nil {
		t.Fatalf("cv: %v\n%s", err, out)
	}
	t.Log("\n" + out)
	// Measured macro-F1 0.9212 with the default seed.
	if _, f1 := lastLine(t, out); f1 < 0.915 {
		t.Errorf("macro-F1 %.4f, want ≥ 0.915", f1)
	}
}
