package textai

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// synthetic returns a small hand-made training set with three labels.
func synthetic() []Example {
	topics := map[string][]string{
		"交通": {"公交车", "红绿灯", "道路拥堵", "停车位", "地铁站"},
		"环境": {"噪音扰民", "污水排放", "垃圾焚烧", "油烟污染", "粉尘"},
		"教育": {"学校招生", "学区划分", "幼儿园收费", "教师待遇", "课外辅导"},
	}
	var ex []Example
	for _, label := range []string{"交通", "环境", "教育"} {
		for i, w := range topics[label] {
			for j := range 6 {
				other := topics[label][(i+j+1)%5]
				ex = append(ex, Example{
					Title:  fmt.Sprintf("关于%s的问题%d", w, j),
					Detail: fmt.Sprintf("我们小区附近%s很严重，还有%s，希望有关部门尽快处理。编号%d", w, other, i*10+j),
					Label:  label,
				})
			}
		}
	}
	return ex
}

func smallOptions() TrainOptions {
	o := DefaultTrainOptions()
	o.Features.HashBits = 14
	o.Features.MinDF = 1
	return o
}

func TestTrainPredict(t *testing.T) {
	m, err := Train(synthetic(), smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	p := m.Predict("红绿灯坏了", "路口的红绿灯坏了三天，道路拥堵", 2)
	if len(p) != 2 || p[0].Label != "交通" || p[0].Probability < p[1].Probability {
		t.Fatalf("Predict = %+v", p)
	}
	all := m.Probabilities("学校", "幼儿园收费太高")
	var sum float64
	for _, v := range all {
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("probabilities sum to %v", sum)
	}
	if got := m.Predict("", "", 0); len(got) != 3 {
		t.Errorf("Predict of empty text = %+v", got)
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := Train(nil, DefaultTrainOptions()); !errors.Is(err, ErrNoExamples) {
		t.Errorf("Train(nil) = %v", err)
	}
	if _, err := Train([]Example{{Title: "a", Label: "x"}}, DefaultTrainOptions()); err == nil {
		t.Error("Train with one label succeeded")
	}
	o := DefaultTrainOptions()
	o.C = 0
	if _, err := Train(synthetic(), o); err == nil {
		t.Error("Train with C=0 succeeded")
	}
}

func TestSaveLoadDeterministic(t *testing.T) {
	ex := synthetic()
	a, _ := Train(ex, smallOptions())
	b, _ := Train(ex, smallOptions())
	a.SetEvaluation(&Evaluation{Method: "train", MacroF1: 0.5, Date: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)})
	b.SetEvaluation(a.Evaluation())
	var ba, bb bytes.Buffer
	if err := a.Save(&ba); err != nil {
		t.Fatal(err)
	}
	b.Save(&bb)
	if !bytes.Equal(ba.Bytes(), bb.Bytes()) {
		t.Fatal("two trainings with the same seed saved different models")
	}
	l, err := Load(bytes.NewReader(ba.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if l.Evaluation() == nil || l.Evaluation().MacroF1 != 0.5 || l.Temperature() != a.Temperature() {
		t.Errorf("loaded evaluation %+v temperature %v", l.Evaluation(), l.Temperature())
	}
	for _, e := range ex[:20] {
		pa, pl := a.Probabilities(e.Title, e.Detail), l.Probabilities(e.Title, e.Detail)
		for i := range pa {
			if pa[i] != pl[i] {
				t.Fatalf("loaded model predicts %v, trained %v", pl, pa)
			}
		}
	}
	var bl bytes.Buffer
	l.Save(&bl)
	if !bytes.Equal(ba.Bytes(), bl.Bytes()) {
		t.Error("save(load(save(m))) differs from save(m)")
	}
}

func TestLoadRejects(t *testing.T) {
	var buf bytes.Buffer
	m, _ := Train(synthetic(), smallOptions())
	m.Save(&buf)
	good := buf.Bytes()
	bad := map[string][]byte{
		"empty":     nil,
		"magic":     []byte("NOTAMODEL"),
		"version":   append([]byte(modelMagic), 9, 0, 0, 0),
		"truncated": good[:len(good)/2],
	}
	for name, data := range bad {
		if _, err := Load(bytes.NewReader(data)); !errors.Is(err, ErrBadModel) {
			t.Errorf("%s: Load = %v, want ErrBadModel", name, err)
		}
	}
}

func TestStratifiedFolds(t *testing.T) {
	var labels []int
	for l, n := range []int{50, 23, 7} {
		for range n {
			labels = append(labels, l)
		}
	}
	f1 := StratifiedFolds(labels, 5, 42)
	f2 := StratifiedFolds(labels, 5, 42)
	perFold := make([][3]int, 5)
	for i, f := range f1 {
		if f != f2[i] {
			t.Fatal("folds differ for the same seed")
		}
		perFold[f][labels[i]]++
	}
	for f, c := range perFold {
		if c[0] != 10 || c[1] < 4 || c[1] > 5 || c[2] < 1 || c[2] > 2 {
			t.Errorf("fold %d has %v", f, c)
		}
	}
}

func TestCrossValidateSynthetic(t *testing.T) {
	r, err := CrossValidate(synthetic(), 3, smallOptions())
	if err != nil {
		t.Fatal(err)
	}
	if r.MacroF1 < 0.9 || len(r.Classes) != 3 || r.TrainingSize != 90 || r.TestSize != 90 {
		t.Errorf("CV = %+v", r.Evaluation)
	}
}

func TestExpectedCalibrationError(t *testing.T) {
	if e := expectedCalibrationError([]float64{0.8, 0.8, 0.8, 0.8, 0.8}, []bool{true, true, true, true, false}, 10); math.Abs(e) > 1e-9 {
		t.Errorf("ECE of a calibrated bin = %v", e)
	}
	if e := expectedCalibrationError([]float64{1, 1}, []bool{false, false}, 10); e != 1 {
		t.Errorf("ECE of confident errors = %v", e)
	}
}

// sharedData returns the path of a file of the project's shared data set,
// which lives outside the repository because it has no open licence. It
// skips the test when the file is missing, unless CI=true.
func sharedData(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("shared data %s missing (CI=true): %v", p, err)
		}
		tb.Skipf("shared data %s not present; skipping (set CI=true to make this fail)", p)
	}
	return p
}

func readShared(tb testing.TB, name string) []Example {
	f, err := os.Open(sharedData(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadExamplesCSV(f)
	if err != nil {
		tb.Fatal(err)
	}
	return ex
}

func TestCrossValidateMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("takes ~20 s")
	}
	ex := readShared(t, "messages_train.csv")
	r, err := CrossValidate(ex, 5, DefaultTrainOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("macro-F1 %.4f accuracy %.4f ECE %.4f train %v", r.MacroF1, r.Accuracy, r.ECE, r.TrainTime)
	// Measured 0.9212 macro-F1 and 0.015 ECE with seed 1.
	if r.MacroF1 < 0.915 || r.ECE > 0.04 {
		t.Errorf("macro-F1 %.4f (want ≥ 0.915), ECE %.4f (want ≤ 0.04)", r.MacroF1, r.ECE)
	}
}

func BenchmarkPredict(b *testing.B) {
	var ex []Example
	if _, err := os.Stat(filepath.Join("..", "..", "..", "shared", "data", "messages_train.csv")); err == nil {
		ex = readShared(b, "messages_train.csv")
	} else {
		ex = synthetic()
	}
	m, err := Train(ex, DefaultTrainOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		e := ex[i%len(ex)]
		m.Predict(e.Title, e.Detail, 3)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
