package targets

import (
	"math"
	"sort"
)

// paretoK returns the Pareto-smoothed importance sampling diagnostic k̂
// of the log-weights (Vehtari, Simpson, Gelman, Yao & Gabry 2024; for
// variational inference, Yao, Vehtari, Simpson & Gelman 2018): the shape
// of a generalised Pareto distribution fitted to the M = ⌈min(N/5, 3√N)⌉
// largest weights' exceedances over the next one, by Zhang & Stephens'
// (2009) estimator with loo's weakly informative adjustment towards ½.
// k̂ < 0.7 says the importance estimates are reliable; above, the weights'
// variance is too large (infinite from k = ½) for their central limit to
// hold at any practical N. It is NaN for fewer than 5 tail weights
// (N < 25) and −Inf when the tail weights are all equal: equal to within
// their rounding, 8ε(|lw_i| + slack_i) for the tail and the cutoff points,
// where slack_i is the magnitude that lw_i was computed from (|log π̃| +
// |log q|; nil means none). Constant weights otherwise come out unequal
// by an ulp or two, and their fit is rounding noise or NaN.
func paretoK(lw, slack []float64) float64 {
	n := len(lw)
	m := int(math.Ceil(math.Min(0.2*float64(n), 3*math.Sqrt(float64(n)))))
	if m < 5 || m >= n {
		return math.NaN()
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return lw[order[a]] < lw[order[b]] })
	s := make([]float64, n)
	var tol float64
	for i, j := range order {
		s[i] = lw[j]
		if i >= n-m-1 {
			r := math.Abs(lw[j])
			if slack != nil {
				r += slack[j]
			}
			tol = max(tol, 8*epsilon*r)
		}
	}
	top := s[n-1]
	if top-s[n-m-1] <= tol {
		return math.Inf(-1)
	}
	cut := math.Exp(s[n-m-1] - top)
	x := make([]float64, m)
	for i := range m {
		x[i] = math.Exp(s[n-m+i]-top) - cut
	}
	if x[m-1] == x[0] {
		return math.Inf(-1)
	}
	return gpdShape(x)
}

// epsilon is the float64 machine epsilon, 2⁻⁵².
const epsilon = 0x1p-52

// gpdShape fits the generalised Pareto shape to the sorted exceedances x
// (x ≥ 0, not all equal) by Zhang & Stephens (2009): the profile
// likelihood of θ = −k/σ on a grid of M = 30 + ⌊√n⌋ points, weighted by
// it, as loo's gpdfit does, then k̂ shrunk towards ½ with weight 10/(n+10).
func gpdShape(x []float64) float64 {
	n := len(x)
	const prior, minGrid = 3, 30
	M := minGrid + int(math.Floor(math.Sqrt(float64(n))))
	xstar := x[int(math.Floor(float64(n)/4+0.5))-1] // first quartile
	theta := make([]float64, M)
	l := make([]float64, M)
	maxL := math.Inf(-1)
	for j := range M {
		theta[j] = 1/x[n-1] + (1-math.Sqrt(float64(M)/(float64(j+1)-0.5)))/prior/xstar
		a := -theta[j]
		var k float64
		for _, v := range x {
			k += math.Log1p(a*v) / float64(n)
		}
		l[j] = float64(n) * (math.Log(a/k) - k - 1)
		if !math.IsNaN(l[j]) {
			maxL = math.Max(maxL, l[j])
		}
	}
	var sw, th float64
	for j := range M {
		if math.IsNaN(l[j]) {
			continue
		}
		w := math.Exp(l[j] - maxL)
		sw += w
		th += w * theta[j]
	}
	th /= sw
	var k float64
	for _, v := range x {
		k += math.Log1p(-th*v) / float64(n)
	}
	const a = 10
	return k*float64(n)/float64(n+a) + a*0.5/float64(n+a)
}
