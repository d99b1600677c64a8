package textai

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"time"
)

// ClassMetrics are one label's figures on an evaluation set.
type ClassMetrics struct {
	Label     string  `json:"label"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Evaluation is how well a classifier did, recorded with the model so that
// whoever loads it knows what to expect of it.
type Evaluation struct {
	Method       string         `json:"method"` // "cv-5", "holdout", "train"
	Date         time.Time      `json:"date"`
	TrainingSize int            `json:"training_size"`
	TestSize     int            `json:"test_size"`
	Seed         uint64         `json:"seed"`
	Classes      []ClassMetrics `json:"classes"`
	Accuracy     float64        `json:"accuracy"`
	MacroF1      float64        `json:"macro_f1"`
	// ECE is the expected calibration error of the top label's probability
	// over 15 equal-width bins; NaN-free, 0 when perfectly calibrated.
	ECE float64 `json:"ece"`
	// TrainSeconds is the wall time of training (all folds for CV).
	TrainSeconds float64 `json:"train_seconds,omitempty"`
}

// scorecard accumulates predictions against gold labels.
type scorecard struct {
	labels    []string
	confusion [][]int // [gold][predicted]
	conf      []float64
	correct   []bool
}

func newScorecard(labels []string) *scorecard {
	m := make([][]int, len(labels))
	for i := range m {
		m[i] = make([]int, len(labels))
	}
	return &scorecard{labels: labels, confusion: m}
}

func (s *scorecard) add(gold int, probs []float64) {
	best := 0
	for i, p := range probs {
		if p > probs[best] {
			best = i
		}
	}
	if gold >= 0 {
		s.confusion[gold][best]++
	}
	s.conf = append(s.conf, probs[best])
	s.correct = append(s.correct, gold == best)
}

func (s *scorecard) evaluation() Evaluation {
	k := len(s.labels)
	var ev Evaluation
	var total, right int
	var sumF1 float64
	classes := 0
	for c := 0; c < k; c++ {
		var tp, fp, fn int
		tp = s.confusion[c][c]
		for o := 0; o < k; o++ {
			if o != c {
				fn += s.confusion[c][o]
				fp += s.confusion[o][c]
			}
		}
		m := ClassMetrics{Label: s.labels[c], Support: tp + fn}
		if tp+fp > 0 {
			m.Precision = float64(tp) / float64(tp+fp)
		}
		if tp+fn > 0 {
			m.Recall = float64(tp) / float64(tp+fn)
		}
		if m.Precision+m.Recall > 0 {
			m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
		}
		ev.Classes = append(ev.Classes, m)
		total += tp + fn
		right += tp
		// Macro-F1 averages over the labels present in the gold data, as
		// scikit-learn does for labels it is given.
		if m.Support > 0 || tp+fp > 0 {
			sumF1 += m.F1
			classes++
		}
	}
	if total > 0 {
		ev.Accuracy = float64(right) / float64(total)
	}
	if classes > 0 {
		ev.MacroF1 = sumF1 / float64(classes)
	}
	ev.TestSize = total
	ev.ECE = expectedCalibrationError(s.conf, s.correct, 15)
	return ev
}

// expectedCalibrationError is Σ_b |B_b|/n · |accuracy(B_b) − confidence(B_b)|
// over equal-width confidence bins.
func expectedCalibrationError(conf []float64, correct []bool, bins int) float64 {
	if len(conf) == 0 {
		return 0
	}
	n := make([]int, bins)
	sc := make([]float64, bins)
	sa := make([]float64, bins)
	for i, c := range conf {
		b := min(int(c*float64(bins)), bins-1)
		n[b]++
		sc[b] += c
		if correct[i] {
			sa[b]++
		}
	}
	var ece float64
	for b := range bins {
		if n[b] > 0 {
			ece += math.Abs(sa[b]-sc[b]) / float64(len(conf))
		}
	}
	return ece
}

// Evaluate measures the classifier on labelled examples. Examples whose label
// the classifier does not know count as errors.
func (c *Classifier) Evaluate(examples []Example) Evaluation {
	idx := map[string]int{}
	for i, l := range c.labels {
		idx[l] = i
	}
	sc := newScorecard(c.labels)
	for _, ex := range examples {
		g, ok := idx[ex.Label]
		if !ok {
			g = -1
		}
		sc.add(g, c.Probabilities(ex.Title, ex.Detail))
	}
	ev := sc.evaluation()
	ev.Method = "holdout"
	ev.Date = now().UTC()
	ev.TestSize = len(examples)
	return ev
}

// StratifiedFolds assigns each item to one of k folds so that every label is
// spread as evenly as possible over the folds. Within a label the items are
// shuffled with the seed, so the folds are fixed by (labels, k, seed).
func StratifiedFolds(labels []int, k int, seed uint64) []int {
	byLabel := map[int][]int{}
	maxLabel := 0
	for i, l := range labels {
		byLabel[l] = append(byLabel[l], i)
		maxLabel = max(maxLabel, l)
	}
	rng := rand.New(rand.NewPCG(seed, 0x666f6c6473))
	folds := make([]int, len(labels))
	next := 0 // carry the round-robin across labels so fold sizes even out
	for l := 0; l <= maxLabel; l++ {
		items := byLabel[l]
		rng.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
		for _, i := range items {
			folds[i] = next % k
			next++
		}
	}
	return folds
}

// CVResult is the outcome of cross-validation.
type CVResult struct {
	Evaluation
	// TrainTime is the total training time over all folds, calibration
	// included.
	TrainTime time.Duration
	// Temperatures are the fitted temperatures per fold.
	Temperatures []float64
}

// CrossValidate runs stratified k-fold cross-validation with folds fixed by
// opts.Seed: features are extracted once, and each fold learns its own IDF
// table, model and temperature from its training part only.
func CrossValidate(examples []Example, k int, opts TrainOptions) (*CVResult, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if k < 2 {
		return nil, fmt.Errorf("textai: cross-validation needs at least 2 folds, got %d", k)
	}
	if len(examples) < k {
		return nil, fmt.Errorf("textai: %d examples are too few for %d folds", len(examples), k)
	}
	labels, y := labelIndex(examples)
	if len(labels) < 2 {
		return nil, fmt.Errorf("textai: need at least two labels, have %d", len(labels))
	}
	raws := extractAll(examples, opts.Features)
	folds := StratifiedFolds(y, k, opts.Seed)
	sc := newScorecard(labels)
	res := &CVResult{}
	for f := 0; f < k; f++ {
		trR, trY, teR, teY := splitFold(raws, y, folds, f)
		start := time.Now()
		m, _ := trainRaw(context.Background(), trR, trY, labels, opts) // cannot end: its context never does
		res.TrainTime += time.Since(start)
		res.Temperatures = append(res.Temperatures, m.temperature)
		for i, r := range teR {
			s := m.scoresRaw(r)
			softmax(s, m.temperature)
			sc.add(teY[i], s)
		}
	}
	res.Evaluation = sc.evaluation()
	res.Method = fmt.Sprintf("cv-%d", k)
	res.Date = now().UTC()
	res.TrainingSize = len(examples)
	res.Seed = opts.Seed
	res.TrainSeconds = res.TrainTime.Seconds()
	return res, nil
}

// Throughput measures prediction speed in messages per second on one
// goroutine, feature extraction included, over at least minDuration.
func (c *Classifier) Throughput(examples []Example, minDuration time.Duration) float64 {
	if len(examples) == 0 {
		return 0
	}
	// Lock to one OS thread so the figure is one core's, not the scheduler's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c.Probabilities(examples[0].Title, examples[0].Detail) // warm the pool
	n := 0
	start := time.Now()
	for time.Since(start) < minDuration || n < len(examples) {
		for _, ex := range examples {
			c.Probabilities(ex.Title, ex.Detail)
		}
		n += len(examples)
	}
	return float64(n) / time.Since(start).Seconds()
}
