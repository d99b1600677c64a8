package textai

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"
)

// Example is one labelled message: a title, an optional detail (full text)
// and the category it was assigned.
type Example struct {
	Title  string
	Detail string
	Label  string
}

// Prediction is one candidate label with its calibrated probability.
type Prediction struct {
	Label       string  `json:"label"`
	Probability float64 `json:"probability"`
}

// TrainOptions control training. The zero value is not useful; start from
// DefaultTrainOptions.
type TrainOptions struct {
	Features FeatureOptions
	// C is the SVM cost: larger fits the training data more closely.
	C float64
	// BalanceClasses scales each example's C by n/(k·n_label), so that
	// rare labels weigh as much as common ones (better macro-F1).
	BalanceClasses bool
	// SquaredHinge selects the squared hinge loss (LIBLINEAR -s 1) instead of
	// the hinge loss (-s 3).
	SquaredHinge bool
	// MaxEpochs bounds the coordinate-descent passes per class.
	MaxEpochs int
	// CalibrationFolds is the number of internal folds whose held-out scores
	// fit the softmax temperature. Values below 2 skip calibration and use
	// temperature 1, which gives probabilities that are far from calibrated.
	CalibrationFolds int
	// Seed fixes every random choice: the same data, options and seed give
	// the same model, byte for byte.
	Seed uint64
}

// DefaultTrainOptions are the options measured best on the A市 data.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{
		Features:         DefaultFeatureOptions(),
		C:                3,
		BalanceClasses:   true,
		SquaredHinge:     true,
		MaxEpochs:        50,
		CalibrationFolds: 3,
		Seed:             1,
	}
}

func (o TrainOptions) validate() error {
	f := o.Features
	switch {
	case f.HashBits < 10 || f.HashBits > 24:
		return fmt.Errorf("textai: hash bits %d outside 10–24", f.HashBits)
	case f.MaxN < 1 || f.MaxN > 4:
		return fmt.Errorf("textai: max n-gram %d outside 1–4", f.MaxN)
	case f.TitleWeight < 0 || math.IsNaN(f.TitleWeight):
		return fmt.Errorf("textai: negative title weight")
	case !(o.C > 0):
		return fmt.Errorf("textai: C must be positive")
	case o.MaxEpochs < 1:
		return fmt.Errorf("textai: max epochs must be at least 1")
	}
	return nil
}

// Classifier predicts the category of a message. It is a one-vs-rest linear
// SVM over hashed character n-gram TF-IDF features whose scores are turned
// into probabilities by a softmax with a temperature fitted on held-out
// folds. It is safe for concurrent use once trained or loaded.
type Classifier struct {
	labels      []string
	opts        FeatureOptions
	stride      int       // 1 + number of labels
	rows        []float32 // per bucket: idf, then one weight per label
	bias        []float32
	temperature float64
	eval        *Evaluation
	idfScale    float32   // rows hold multiples of these (see quantize)
	wScale      []float32 // per label
	pool        sync.Pool // of *extractor
}

// Labels returns the labels the classifier knows, in the order it keeps them.
func (c *Classifier) Labels() []string { return slices.Clone(c.labels) }

// Temperature returns the fitted softmax temperature.
func (c *Classifier) Temperature() float64 { return c.temperature }

// Evaluation returns the evaluation recorded with the model, or nil.
func (c *Classifier) Evaluation() *Evaluation { return c.eval }

// SetEvaluation records an evaluation in the model, to be saved with it.
func (c *Classifier) SetEvaluation(e *Evaluation) { c.eval = e }

// FeatureOptions returns the options the model extracts features with.
func (c *Classifier) FeatureOptions() FeatureOptions { return c.opts }

// ErrNoExamples is returned by Train when there is nothing to learn from.
var ErrNoExamples = errors.New("textai: no labelled examples")

// Train learns a classifier from labelled examples. It needs at least two
// distinct labels. Training runs the classes in parallel on GOMAXPROCS
// goroutines; the result does not depend on their number.
func Train(examples []Example, opts TrainOptions) (*Classifier, error) {
	return TrainContext(context.Background(), examples, opts)
}

// TrainContext is Train that gives up, returning ctx's error, when ctx ends:
// a server shutting down does not wait for a model it will not use. It
// checks between the fits (the model's and each calibration fold's).
func TrainContext(ctx context.Context, examples []Example, opts TrainOptions) (*Classifier, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if len(examples) == 0 {
		return nil, ErrNoExamples
	}
	labels, y := labelIndex(examples)
	if len(labels) < 2 {
		return nil, fmt.Errorf("textai: need at least two labels, have %d", len(labels))
	}
	raws := extractAll(examples, opts.Features)
	return trainRaw(ctx, raws, y, labels, opts)
}

// labelIndex returns the sorted distinct labels and each example's index.
func labelIndex(examples []Example) ([]string, []int) {
	set := map[string]bool{}
	for _, e := range examples {
		set[e.Label] = true
	}
	labels := make([]string, 0, len(set))
	for l := range set {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	y := make([]int, len(examples))
	for i, e := range examples {
		y[i], _ = slices.BinarySearch(labels, e.Label)
	}
	return labels, y
}

func extractAll(examples []Example, fo FeatureOptions) []rawDoc {
	e := newExtractor(fo)
	raws := make([]rawDoc, len(examples))
	for i, ex := range examples {
		raws[i] = e.raw(ex.Title, ex.Detail)
	}
	return raws
}

// trainRaw fits the model and, when asked, its temperature on internal folds.
func trainRaw(ctx context.Context, raws []rawDoc, y []int, labels []string, opts TrainOptions) (*Classifier, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := fitLinear(raws, y, labels, opts)
	c.temperature = 1
	if k := opts.CalibrationFolds; k >= 2 && len(raws) >= 2*k {
		folds := StratifiedFolds(y, k, opts.Seed^0x5eed)
		var scores [][]float64
		var gold []int
		inner := opts
		inner.CalibrationFolds = 0
		for f := 0; f < k; f++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			trR, trY, teR, teY := splitFold(raws, y, folds, f)
			m := fitLinear(trR, trY, labels, inner)
			for i, r := range teR {
				scores = append(scores, m.scoresRaw(r))
				gold = append(gold, teY[i])
			}
		}
		c.temperature = fitTemperature(scores, gold)
	}
	c.quantize()
	return c, nil
}

func splitFold(raws []rawDoc, y []int, folds []int, f int) (trR []rawDoc, trY []int, teR []rawDoc, teY []int) {
	for i, r := range raws {
		if folds[i] == f {
			teR, teY = append(teR, r), append(teY, y[i])
		} else {
			trR, trY = append(trR, r), append(trY, y[i])
		}
	}
	return
}

// fitLinear computes the IDF table from raws and fits one SVM per label.
func fitLinear(raws []rawDoc, y []int, labels []string, opts TrainOptions) *Classifier {
	fo := opts.Features
	dim := 1 << fo.HashBits
	k := len(labels)
	c := &Classifier{labels: labels, opts: fo, stride: k + 1, temperature: 1}

	// Document frequency: a bucket counts once per message even if both
	// the title and the detail block hit it.
	df := make([]int32, dim)
	seen := make([]int32, dim)
	for i, r := range raws {
		mark := int32(i + 1)
		for _, b := range []block{r.title, r.detail} {
			for _, j := range b.idx {
				if seen[j] != mark {
					seen[j] = mark
					df[j]++
				}
			}
		}
	}
	idf := make([]float32, dim)
	n := float64(len(raws))
	minDF := int32(max(fo.MinDF, 1))
	for j, d := range df {
		if d >= minDF {
			idf[j] = float32(math.Log((1+n)/(1+float64(d))) + 1)
		}
	}
	xs := make([]sparse, len(raws))
	for i, r := range raws {
		xs[i] = vectorize(r, idf, float32(fo.TitleWeight))
	}

	c.rows = make([]float32, dim*c.stride)
	for j, v := range idf {
		c.rows[j*c.stride] = v
	}
	c.bias = make([]float32, k)
	cost := make([]float64, len(y))
	count := make([]int, k)
	for _, l := range y {
		count[l]++
	}
	for i, l := range y {
		cost[i] = opts.C
		if opts.BalanceClasses {
			cost[i] *= float64(len(y)) / float64(k*count[l])
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var mu sync.Mutex
	for class := 0; class < k; class++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			yy := make([]int8, len(y))
			for i, l := range y {
				yy[i] = -1
				if l == class {
					yy[i] = 1
				}
			}
			rng := rand.New(rand.NewPCG(opts.Seed, uint64(class)))
			w, b := trainBinarySVM(xs, yy, cost, dim, opts.SquaredHinge, 1, opts.MaxEpochs, rng)
			mu.Lock()
			defer mu.Unlock()
			for j, v := range w {
				if v != 0 {
					c.rows[j*c.stride+1+class] = v
				}
			}
			c.bias[class] = b
		}()
	}
	wg.Wait()
	return c
}

// scoresRaw returns the raw SVM scores of an extracted message.
func (c *Classifier) scoresRaw(r rawDoc) []float64 {
	s := make([]float64, len(c.labels))
	c.scoreBlocks(r.title.idx, r.title.cnt, r.detail.idx, r.detail.cnt, s)
	return s
}

// scoreBlocks adds the scores of the two blocks to s. It mirrors vectorize
// without building the vector: a linear score can be normalised afterwards.
func (c *Classifier) scoreBlocks(tIdx []uint32, tCnt []uint16, dIdx []uint32, dCnt []uint16, s []float64) {
	k := len(c.labels)
	var acc [2][]float64
	var ss [2]float64
	var buf [64]float64
	if 2*k <= len(buf) {
		acc[0], acc[1] = buf[:k], buf[k:2*k]
	} else {
		acc[0], acc[1] = make([]float64, k), make([]float64, k)
	}
	for b, blk := range [2]struct {
		idx []uint32
		cnt []uint16
	}{{tIdx, tCnt}, {dIdx, dCnt}} {
		a := acc[b]
		for i, j := range blk.idx {
			row := c.rows[int(j)*c.stride : int(j+1)*c.stride]
			idf := row[0]
			if idf == 0 {
				continue
			}
			x := idf * tfWeight(blk.cnt[i])
			ss[b] += float64(x) * float64(x)
			for l, w := range row[1:] {
				a[l] += float64(x * w)
			}
		}
	}
	weights := [2]float64{c.opts.TitleWeight, 1}
	var total float64
	for b := range 2 {
		if ss[b] > 0 {
			total += weights[b] * weights[b]
		}
	}
	if total == 0 {
		copy(s, make([]float64, k))
		for l := range s {
			s[l] = float64(c.bias[l])
		}
		return
	}
	norm := 1 / math.Sqrt(total)
	for l := range s {
		v := float64(c.bias[l])
		for b := range 2 {
			if ss[b] > 0 {
				v += acc[b][l] * weights[b] / math.Sqrt(ss[b]) * norm
			}
		}
		s[l] = v
	}
}

// Scores returns the raw SVM score of every label, in Labels order.
func (c *Classifier) Scores(title, detail string) []float64 {
	e, _ := c.pool.Get().(*extractor)
	if e == nil {
		e = newExtractor(c.opts)
	}
	s := make([]float64, len(c.labels))
	e.addText(title, fieldTitle)
	e.tIdx, e.tCnt = e.drain(e.tIdx[:0], e.tCnt[:0])
	if c.opts.TitleInDetail {
		e.addText(title, fieldDetail)
	}
	e.addText(detail, fieldDetail)
	e.dIdx, e.dCnt = e.drain(e.dIdx[:0], e.dCnt[:0])
	c.scoreBlocks(e.tIdx, e.tCnt, e.dIdx, e.dCnt, s)
	c.pool.Put(e)
	return s
}

// Probabilities returns the calibrated probability of every label, in Labels
// order; they sum to 1.
func (c *Classifier) Probabilities(title, detail string) []float64 {
	s := c.Scores(title, detail)
	softmax(s, c.temperature)
	return s
}

// Predict returns the k most probable labels, most probable first, with
// their calibrated probabilities. k ≤ 0 or larger than the number of labels
// returns all of them.
func (c *Classifier) Predict(title, detail string, k int) []Prediction {
	p := c.Probabilities(title, detail)
	out := make([]Prediction, len(p))
	for i, v := range p {
		out[i] = Prediction{Label: c.labels[i], Probability: v}
	}
	slices.SortStableFunc(out, func(a, b Prediction) int {
		switch {
		case a.Probability > b.Probability:
			return -1
		case a.Probability < b.Probability:
			return 1
		}
		return 0
	})
	if k > 0 && k < len(out) {
		out = out[:k]
	}
	return out
}

// softmax turns scores into probabilities in place.
func softmax(s []float64, t float64) {
	m := math.Inf(-1)
	for _, v := range s {
		m = math.Max(m, v)
	}
	var sum float64
	for i, v := range s {
		s[i] = math.Exp((v - m) / t)
		sum += s[i]
	}
	for i := range s {
		s[i] /= sum
	}
}

// fitTemperature finds the temperature T minimising the negative
// log-likelihood of softmax(scores/T) on held-out scores (temperature
// scaling, Guo et al. 2017). The NLL is convex in 1/T, so a golden-section
// search over log T is enough.
func fitTemperature(scores [][]float64, gold []int) float64 {
	if len(scores) == 0 {
		return 1
	}
	nll := func(logT float64) float64 {
		t := math.Exp(logT)
		var sum float64
		p := make([]float64, len(scores[0]))
		for i, s := range scores {
			copy(p, s)
			softmax(p, t)
			sum -= math.Log(math.Max(p[gold[i]], 1e-300))
		}
		return sum
	}
	lo, hi := math.Log(0.005), math.Log(5.0)
	const phi = 0.6180339887498949
	a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
	fa, fb := nll(a), nll(b)
	for range 60 {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - phi*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + phi*(hi-lo)
			fb = nll(b)
		}
	}
	return math.Exp((lo + hi) / 2)
}

// now is the clock for evaluation dates; tests may replace it.
var now = time.Now
