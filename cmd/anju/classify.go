package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"anju/internal/textai"
)

func init() {
	register(command{
		name:    "classify",
		summary: "train, evaluate and cross-validate the message category classifier",
		usage: `
Usage:
  anju classify train --csv FILE --out MODEL [--text title+detail|title] [--seed N]
  anju classify eval  --model MODEL --csv FILE
  anju classify cv    --csv FILE [--folds 5] [--seed N] [--text title+detail|title]

The CSV has a header row and the columns id,title,detail,label or id,title,label.
train fits a model (no database needed) and writes it to MODEL; eval measures a
model on labelled messages; cv runs stratified k-fold cross-validation with folds
fixed by the seed. eval and cv end with the line
  accuracy=… macro_f1=… messages_per_s=…
where messages_per_s is measured on one goroutine, feature extraction included.`,
		run: runClassify,
	})
}

func runClassify(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		return usageError("classify needs a subcommand: train, eval or cv; see 'anju help classify'")
	}
	switch args[0] {
	case "train":
		return classifyTrain(env, args[1:])
	case "eval":
		return classifyEval(env, args[1:])
	case "cv":
		return classifyCV(env, args[1:])
	}
	return usageError("unknown classify subcommand %q; see 'anju help classify'", args[0])
}

// readExamples reads a labelled CSV; text "title" drops the detail column.
func readExamples(path, text string) ([]textai.Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ex, err := textai.ReadExamplesCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(ex) == 0 {
		return nil, fmt.Errorf("%s: no labelled messages", path)
	}
	if text == "title" {
		for i := range ex {
			ex[i].Detail = ""
		}
	}
	return ex, nil
}

func checkText(text string) error {
	if text != "title+detail" && text != "title" {
		return usageError("--text must be title+detail or title, not %q", text)
	}
	return nil
}

func classifyTrain(env *cliEnv, args []string) error {
	fs := newFlags("classify train", env)
	csvPath := fs.String("csv", "", "labelled messages")
	out := fs.String("out", "", "model file to write")
	text := fs.String("text", "title+detail", "which text to learn from")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	if *csvPath == "" || *out == "" {
		return usageError("classify train needs --csv and --out")
	}
	if err := checkText(*text); err != nil {
		return err
	}
	ex, err := readExamples(*csvPath, *text)
	if err != nil {
		return err
	}
	opts := textai.DefaultTrainOptions()
	opts.Seed = *seed
	start := time.Now()
	m, err := textai.Train(ex, opts)
	if err != nil {
		return err
	}
	took := time.Since(start)
	// The model records how it did on its own training data: a sanity
	// figure, not an estimate of accuracy (run cv for that).
	ev := m.Evaluate(ex)
	ev.Method = "train"
	ev.TrainingSize = len(ex)
	ev.Seed = *seed
	ev.TrainSeconds = took.Seconds()
	m.SetEvaluation(&ev)

	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := m.Save(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "trained on %d messages, %d labels in %.2fs (temperature %.3f)\n",
		len(ex), len(m.Labels()), took.Seconds(), m.Temperature())
	fmt.Fprintf(env.stdout, "wrote %s (%d bytes)\n", *out, st.Size())
	return nil
}

func classifyEval(env *cliEnv, args []string) error {
	fs := newFlags("classify eval", env)
	modelPath := fs.String("model", "", "model file")
	csvPath := fs.String("csv", "", "labelled messages")
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	if *modelPath == "" || *csvPath == "" {
		return usageError("classify eval needs --model and --csv")
	}
	f, err := os.Open(*modelPath)
	if err != nil {
		return err
	}
	m, err := textai.Load(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *modelPath, err)
	}
	ex, err := readExamples(*csvPath, "title+detail")
	if err != nil {
		return err
	}
	ev := m.Evaluate(ex)
	printClassTable(env.stdout, ev.Classes)
	fmt.Fprintf(env.stdout, "ece=%.4f messages=%d\n", ev.ECE, len(ex))
	mps := m.Throughput(ex, time.Second)
	printSummary(env.stdout, ev.Accuracy, ev.MacroF1, mps)
	return nil
}

func classifyCV(env *cliEnv, args []string) error {
	fs := newFlags("classify cv", env)
	csvPath := fs.String("csv", "", "labelled messages")
	folds := fs.Int("folds", 5, "number of folds")
	seed := fs.Uint64("seed", 1, "random seed fixing the folds and the training")
	text := fs.String("text", "title+detail", "which text to learn from")
	if err := parseArgs(fs, args, false); err != nil {
		return err
	}
	if *csvPath == "" {
		return usageError("classify cv needs --csv")
	}
	if *folds < 2 {
		return usageError("--folds must be at least 2")
	}
	if err := checkText(*text); err != nil {
		return err
	}
	ex, err := readExamples(*csvPath, *text)
	if err != nil {
		return err
	}
	opts := textai.DefaultTrainOptions()
	opts.Seed = *seed
	res, err := textai.CrossValidate(ex, *folds, opts)
	if err != nil {
		return err
	}
	printClassTable(env.stdout, res.Classes)
	fmt.Fprintf(env.stdout, "folds=%d seed=%d messages=%d\n", *folds, *seed, len(ex))
	fmt.Fprintf(env.stdout, "training time: %.2fs for %d folds (%.2fs per fold, calibration included, GOMAXPROCS=%d)\n",
		res.TrainTime.Seconds(), *folds, res.TrainTime.Seconds()/float64(*folds), runtime.GOMAXPROCS(0))
	fmt.Fprintf(env.stdout, "ece=%.4f\n", res.ECE)
	// Speed is measured on a model trained on all the data, predicting the
	// same messages: the cost does not depend on whether they were seen.
	m, err := textai.Train(ex, opts)
	if err != nil {
		return err
	}
	mps := m.Throughput(ex, time.Second)
	printSummary(env.stdout, res.Accuracy, res.MacroF1, mps)
	return nil
}

// printClassTable prints per-label figures with the label column padded by
// display width, so that Chinese labels (two columns per character) line up.
func printClassTable(w io.Writer, classes []textai.ClassMetrics) {
	width := len("label")
	for _, c := range classes {
		width = max(width, displayWidth(c.Label))
	}
	pad := func(s string) string { return s + strings.Repeat(" ", width-displayWidth(s)) }
	fmt.Fprintf(w, "%s  %9s  %9s  %9s  %7s\n", pad("label"), "precision", "recall", "f1", "support")
	for _, c := range classes {
		fmt.Fprintf(w, "%s  %9.4f  %9.4f  %9.4f  %7d\n", pad(c.Label), c.Precision, c.Recall, c.F1, c.Support)
	}
}

// displayWidth counts East Asian wide characters as two columns.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115F || (r >= 0x2E80 && r <= 0xA4CF) || (r >= 0xAC00 && r <= 0xD7A3) ||
			(r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFF00 && r <= 0xFF60) || (r >= 0xFFE0 && r <= 0xFFE6) ||
			(r >= 0x20000 && r <= 0x3FFFD)) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func printSummary(w io.Writer, acc, macroF1, mps float64) {
	fmt.Fprintf(w, "accuracy=%.4f macro_f1=%.4f messages_per_s=%.0f\n", acc, macroF1, mps)
}
