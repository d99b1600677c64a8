package textai

import (
	"math"
	"math/rand/v2"
)

// trainBinarySVM fits one L2-regularised linear SVM (y in {-1,+1}) by dual
// coordinate descent (Hsieh et al. 2008, the algorithm of LIBLINEAR's
// solvers 1 and 3). squared selects the squared hinge (L2) loss, which is
// smooth and converges faster; otherwise the hinge (L1) loss. The bias is an
// extra feature of constant value bias, regularised like the others.
//
// cost holds each example's C.
//
// It returns the weights (length dim) and the bias weight. The visiting order
// is shuffled with rng, so the result depends only on the seed.
func trainBinarySVM(xs []sparse, y []int8, cost []float64, dim int, squared bool, bias float32, maxEpochs int, rng *rand.Rand) ([]float32, float32) {
	n := len(xs)
	w := make([]float64, dim)
	var wb float64
	alpha := make([]float64, n)
	qd := make([]float64, n)
	diag := make([]float64, n)
	upper := make([]float64, n)
	for i, c := range cost {
		if squared {
			diag[i], upper[i] = 0.5/c, math.Inf(1)
		} else {
			upper[i] = c
		}
	}
	for i, x := range xs {
		var s float64
		for _, v := range x.val {
			s += float64(v) * float64(v)
		}
		qd[i] = s + float64(bias)*float64(bias) + diag[i]
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	const eps = 0.05
	for epoch := 0; epoch < maxEpochs; epoch++ {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		maxPG, minPG := math.Inf(-1), math.Inf(1)
		for _, i := range order {
			x := xs[i]
			yi := float64(y[i])
			var dot float64
			for k, j := range x.idx {
				dot += w[j] * float64(x.val[k])
			}
			dot += wb * float64(bias)
			g := yi*dot - 1 + diag[i]*alpha[i]
			pg := g
			switch {
			case alpha[i] == 0:
				pg = math.Min(g, 0)
			case alpha[i] == upper[i]:
				pg = math.Max(g, 0)
			}
			maxPG = math.Max(maxPG, pg)
			minPG = math.Min(minPG, pg)
			if math.Abs(pg) < 1e-12 {
				continue
			}
			old := alpha[i]
			alpha[i] = math.Min(math.Max(old-g/qd[i], 0), upper[i])
			d := (alpha[i] - old) * yi
			if d == 0 {
				continue
			}
			for k, j := range x.idx {
				w[j] += d * float64(x.val[k])
			}
			wb += d * float64(bias)
		}
		if maxPG-minPG < eps {
			break
		}
	}
	out := make([]float32, dim)
	for j, v := range w {
		out[j] = float32(v)
	}
	return out, float32(wb * float64(bias))
}
