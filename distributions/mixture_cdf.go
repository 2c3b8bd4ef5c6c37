package distributions

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// MixtureCDF is the elementwise bijector of marginal Gaussianisation: each
// coordinate i has its own 1-D Gaussian mixture of K components, weights
// w_i = softmax(a_i), means m_ik and scales s_ik = exp(ℓ_ik), with
// distribution function F_i and density f_i, and
//
//	Inverse(x)_i = Φ⁻¹(F_i(x_i)),  Forward(z)_i = F_i⁻¹(Φ(z_i)).
//
// A standard-normal base pushed through it has the independent marginals
// f_i; its Inverse maps data of those marginals to N(0, I). Fitted to
// data's columns (train.FitMarginals), it makes each coordinate Gaussian
// before a full-covariance model or a flow. Its log-determinants are, per
// row, Σ_i [log f_i(x_i) − log φ(z_i)] for Inverse and the negative of
// that at the image point for Forward.
//
// Inverse is accurate in the tails: F_i and 1 − F_i are computed as sums
// of each component's smaller tail, Φ(−|u|) with u = (x − m)/s, and z from
// whichever of them is smaller, so that a value thousands of scales from
// every component still maps to a finite z and log-determinant. Only a
// value so far out that u² overflows for every component (|u| > 1e154) is
// refused, with an error wrapping ErrDomain. Forward inverts F_i by
// Newton's method on log F_i (or log(1 − F_i)), safeguarded by bisection
// within the bracket [min_k, max_k] of m_ik + z·s_ik, which always holds
// the solution; the round trip is exact to about 1e−14 relative.
//
// A fixed MixtureCDF (NewMixtureCDF, train.FitMarginals) has no
// parameters and is safe for concurrent use. A learnable one
// (NewLearnableMixtureCDF, LearnableCopy) has three D×K parameters: the
// logits a, the means m and the log-scales ℓ; it reads them at every call,
// so do not update them while a call runs.
type MixtureCDF struct {
	d, k                     int
	logits, means, logScales *tensor.Dense // D×K
	learnable                bool
	table                    *mixtureTable // a fixed one's, built once
}

// maxMixtureScale bounds |log s| of every component, as a learnable
// Normal's: it keeps e^{−ℓ} and the shifted sums below finite.
const maxMixtureScale = maxLogScale

// NewMixtureCDF returns the fixed MixtureCDF of D coordinates (1 ≤ D ≤
// MaxDim), each a mixture of K components (1 ≤ K ≤ MaxComponents). The
// logits, means and scales are D×K row-major (coordinate i, component k
// at i·K + k): logits and means finite, scales > 0 with |log s| ≤ 700.
// The slices are copied; the scales are kept as their logs, so Scales
// returns exp(log s), which may differ from s in the last bit.
func NewMixtureCDF(logits, means, scales []float64, D, K int) (*MixtureCDF, error) {
	ls, err := checkMixtureCDF(logits, means, scales, D, K)
	if err != nil {
		return nil, err
	}
	return newMixtureCDF(logits, means, ls, D, K, false), nil
}

// NewLearnableMixtureCDF returns the MixtureCDF whose logits, means and
// log-scales are parameters (Params), starting from the given values,
// which must be as NewMixtureCDF wants.
func NewLearnableMixtureCDF(logits, means, scales []float64, D, K int) (*MixtureCDF, error) {
	ls, err := checkMixtureCDF(logits, means, scales, D, K)
	if err != nil {
		return nil, err
	}
	return newMixtureCDF(logits, means, ls, D, K, true), nil
}

// checkMixtureCDF checks D and K against the limits before the lengths,
// then the values, and returns the log-scales.
func checkMixtureCDF(logits, means, scales []float64, D, K int) ([]float64, error) {
	if err := checkMixtureSize(D, K); err != nil {
		return nil, err
	}
	if len(logits) != D*K || len(means) != D*K || len(scales) != D*K {
		return nil, fmt.Errorf("%w: MixtureCDF logits, means and scales have %d, %d and %d values, want D×K = %d×%d = %d each", ErrInvalidParameter, len(logits), len(means), len(scales), D, K, D*K)
	}
	ls := make([]float64, D*K)
	for j, s := range scales {
		if !(s > 0) || math.IsInf(s, 0) || math.Abs(math.Log(s)) > maxMixtureScale {
			return nil, fmt.Errorf("%w: MixtureCDF scale of coordinate %d, component %d = %g, want > 0 with |log| ≤ %g", ErrInvalidParameter, j/K, j%K, s, float64(maxMixtureScale))
		}
		ls[j] = math.Log(s)
	}
	if err := checkMixtureValues(logits, means, ls, K); err != nil {
		return nil, err
	}
	return ls, nil
}

// checkMixtureSize checks D and K against MaxDim and MaxComponents.
func checkMixtureSize(D, K int) error {
	if D <= 0 || D > MaxDim {
		return fmt.Errorf("%w: MixtureCDF of %d coordinates, want 1 to the limit %d", ErrInvalidParameter, D, MaxDim)
	}
	if K <= 0 || K > MaxComponents {
		return fmt.Errorf("%w: MixtureCDF of %d components, want 1 to the limit %d", ErrInvalidParameter, K, MaxComponents)
	}
	return nil
}

// checkMixtureValues checks the parameters as they are stored: finite
// logits and means, |ℓ| ≤ maxMixtureScale.
func checkMixtureValues(logits, means, ls []float64, K int) error {
	for j := range logits {
		switch {
		case !finite(logits[j]):
			return fmt.Errorf("%w: MixtureCDF logit of coordinate %d, component %d = %g, want finite", ErrInvalidParameter, j/K, j%K, logits[j])
		case !finite(means[j]):
			return fmt.Errorf("%w: MixtureCDF mean of coordinate %d, component %d = %g, want finite", ErrInvalidParameter, j/K, j%K, means[j])
		case !(math.Abs(ls[j]) <= maxMixtureScale):
			return fmt.Errorf("%w: MixtureCDF log-scale of coordinate %d, component %d = %g, want |log-scale| ≤ %g", ErrInvalidParameter, j/K, j%K, ls[j], float64(maxMixtureScale))
		}
	}
	return nil
}

// newMixtureCDF wraps copies of checked parameters.
func newMixtureCDF(logits, means, ls []float64, D, K int, learnable bool) *MixtureCDF {
	dense := func(v []float64) *tensor.Dense {
		return tensor.New(tensor.WithShape(D, K), tensor.WithBacking(append([]float64(nil), v...)))
	}
	b := &MixtureCDF{d: D, k: K, logits: dense(logits), means: dense(means), logScales: dense(ls), learnable: learnable}
	if !learnable {
		b.table = newMixtureTable(b.logits.Float64s(), b.means.Float64s(), b.logScales.Float64s(), D, K)
	}
	return b
}

// Dim returns D.
func (b *MixtureCDF) Dim() int { return b.d }

// Components returns K.
func (b *MixtureCDF) Components() int { return b.k }

// Learnable reports whether the logits, means and log-scales are
// parameters.
func (b *MixtureCDF) Learnable() bool { return b.learnable }

// LearnableCopy returns a learnable MixtureCDF starting from b's
// parameters as they are now, sharing nothing with b: a fitted fixed one
// as the starting point of training.
func (b *MixtureCDF) LearnableCopy() *MixtureCDF {
	return newMixtureCDF(b.logits.Float64s(), b.means.Float64s(), b.logScales.Float64s(), b.d, b.k, true)
}

// Logits returns a copy of the mixing logits, D×K row-major.
func (b *MixtureCDF) Logits() []float64 { return append([]float64(nil), b.logits.Float64s()...) }

// Weights returns the mixing weights softmax(a_i) of each coordinate, D×K
// row-major.
func (b *MixtureCDF) Weights() []float64 {
	w := b.Logits()
	for i := range b.d {
		row := w[i*b.k : (i+1)*b.k]
		lse := logSumExp(row)
		for k := range row {
			row[k] = math.Exp(row[k] - lse)
		}
	}
	return w
}

// Means returns a copy of the component means, D×K row-major.
func (b *MixtureCDF) Means() []float64 { return append([]float64(nil), b.means.Float64s()...) }

// LogScales returns a copy of the components' log-scales ℓ, D×K row-major.
func (b *MixtureCDF) LogScales() []float64 {
	return append([]float64(nil), b.logScales.Float64s()...)
}

// Scales returns the components' scales exp(ℓ), D×K row-major.
func (b *MixtureCDF) Scales() []float64 {
	s := b.LogScales()
	for j, l := range s {
		s[j] = math.Exp(l)
	}
	return s
}

// Params returns the logits, means and log-scales (each D×K) of a
// learnable MixtureCDF, and nothing for a fixed one.
func (b *MixtureCDF) Params() []*tensor.Dense {
	if !b.learnable {
		return nil
	}
	return []*tensor.Dense{b.logits, b.means, b.logScales}
}

// current returns the table of the parameters as they are now, refusing
// the values of a diverged optimiser.
func (b *MixtureCDF) current() (*mixtureTable, error) {
	if !b.learnable {
		return b.table, nil
	}
	a, m, ls := b.logits.Float64s(), b.means.Float64s(), b.logScales.Float64s()
	if err := checkMixtureValues(a, m, ls, b.k); err != nil {
		return nil, err
	}
	return newMixtureTable(a, m, ls, b.d, b.k), nil
}

// mixtureTable holds what evaluating the mixtures needs, D×K row-major:
// log-weights and weights, means, scales and their inverses.
type mixtureTable struct {
	d, k             int
	lw, w, m, s, inv []float64
}

func newMixtureTable(logits, means, ls []float64, D, K int) *mixtureTable {
	n := D * K
	t := &mixtureTable{d: D, k: K, m: means}
	buf := make([]float64, 4*n)
	t.lw, t.w, t.s, t.inv = buf[:n], buf[n:2*n], buf[2*n:3*n], buf[3*n:]
	for i := range D {
		row := logits[i*K : (i+1)*K]
		lse := logSumExp(row)
		for k, a := range row {
			j := i*K + k
			t.lw[j] = a - lse
			t.w[j] = math.Exp(t.lw[j])
			t.s[j] = math.Exp(ls[j])
			t.inv[j] = math.Exp(-ls[j])
		}
	}
	return t
}

// cdfPoint is one mixture evaluated at one point. With the shift M, the
// largest of log w_k − u_k²/2, log f = M + log sf − ½ log 2π, and F and
// 1 − F are held by their logs.
type cdfPoint struct {
	m, sf      float64
	logF, logQ float64
}

// eval evaluates coordinate i's mixture at x. With E_k = exp(log w_k −
// u_k²/2 − M) ≤ 1, the density is e^M·Σ E_k/s_k/√(2π) and each component's
// smaller tail w·Φ(−|u|) is e^M·τ with τ = R(|u|)·E: the largest E is 1,
// 1/s within e^±700 and R(|u|) ≥ 1e−155, so neither the density's sum nor
// the tails of the components left of x (which make up F) and right of it
// (1 − F) underflow, however far out x is. The components on the other
// side contribute w − e^M·τ ≥ w/2. It reports false when x is so far from
// every component that u² overflows for all of them. When E and tau are
// not nil (K values each), it writes each component's E and τ there.
func (t *mixtureTable) eval(i int, x float64, E, tau []float64) (cdfPoint, bool) {
	K := t.k
	lw, m, inv, w := t.lw[i*K:(i+1)*K], t.m[i*K:(i+1)*K], t.inv[i*K:(i+1)*K], t.w[i*K:(i+1)*K]
	M := math.Inf(-1)
	for k := range lw {
		u := (x - m[k]) * inv[k]
		if a := lw[k] - 0.5*u*u; a > M { // not max, which branches on NaN and ±0
			M = a
		}
	}
	if !(M > math.Inf(-1)) {
		return cdfPoint{}, false
	}
	eM := fastExp(M) // ≤ 1
	var sf, rF, rQ, pF, pQ float64
	for k := range lw {
		u := (x - m[k]) * inv[k]
		e := fastExp(lw[k] - 0.5*u*u - M)
		sf += e * inv[k]
		tk := 0.0
		if e > 0 {
			tk = tailRatio(math.Abs(u)) * e
		}
		if E != nil {
			E[k], tau[k] = e, tk
		}
		// Without a branch: left is 1 for a component whose tail is part
		// of F (u < 0, by its sign bit), 0 for one whose tail is of 1 − F.
		left := float64(math.Float64bits(u) >> 63)
		far := w[k] - eM*tk
		rF += left * tk
		rQ += tk - left*tk
		pQ += left * far
		pF += far - left*far
	}
	return cdfPoint{m: M, sf: sf, logF: sideLog(pF, rF, M, eM), logQ: sideLog(pQ, rQ, M, eM)}, true
}

// sideLog returns log(p + e^M·r) for p, r ≥ 0, not both 0: in linear
// space when p is a normal number (then the sum cannot underflow), from
// the logs otherwise.
func sideLog(p, r, M, eM float64) float64 {
	switch {
	case p >= 0x1p-1000:
		return math.Log(p + eM*r)
	case p == 0:
		return M + math.Log(r)
	}
	a, b := math.Log(p), M+math.Log(r)
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// mixtureState is what the backward pass of RecordInverse keeps per
// value: the shift M and sum sf of eval, the log of the smaller tail T,
// which tail it is, and the value's log-det; and, when the batch is small
// enough, each component's E and τ (n×D×K), which Backward would
// otherwise compute again.
type mixtureState struct {
	m, sf, lt, ld []float64
	upper         []bool // T = 1 − F (z > 0) rather than F
	e, tau        []float64
}

// maxMixtureCache bounds the values of a mixtureState's e and tau: 2²¹
// (16 MiB each) holds a batch of 2048×64 with K = 16.
var maxMixtureCache = 1 << 21

// inverseTo writes z = Φ⁻¹(F_i(x)) of each value of rows lo to hi − 1
// of the row-major x (D columns) and adds its log-det to ld[row] when ld
// is not nil; st, when not nil, receives the state of each value.
func (t *mixtureTable) inverseTo(z, ld []float64, st *mixtureState, x []float64, lo, hi int) error {
	D := t.d
	for j := lo * D; j < hi*D; j++ {
		v, i := x[j], j%D
		var e, tau []float64
		if st != nil && st.e != nil {
			e, tau = st.e[j*t.k:(j+1)*t.k], st.tau[j*t.k:(j+1)*t.k]
		}
		p, ok := t.eval(i, v, e, tau)
		if !ok {
			return fmt.Errorf("%w: MixtureCDF: %g at row %d, column %d is too far from every component (|x − m|/s over 1e154)", ErrDomain, v, j/D, i)
		}
		upper := p.logQ < p.logF
		lt := p.logF
		if upper {
			lt = p.logQ
		}
		zj := quantileLog(lt)
		if upper {
			zj = -zj
		}
		// log f − log φ(z): the ½ log 2π of the two cancel.
		ldj := p.m + math.Log(p.sf) + 0.5*zj*zj
		if !finite(zj) || !finite(ldj) {
			return fmt.Errorf("%w: MixtureCDF: %g at row %d, column %d is too far from every component", ErrDomain, v, j/D, i)
		}
		z[j] = zj
		if ld != nil {
			ld[j/D] += ldj
		}
		if st != nil {
			st.m[j], st.sf[j], st.lt[j], st.ld[j], st.upper[j] = p.m, p.sf, lt, ldj, upper
		}
	}
	return nil
}

// forwardTo writes x = F_i⁻¹(Φ(z)) of each value of rows lo to hi − 1 of
// the row-major z and adds its log-det, −(log f_i(x) − log φ(z)), to
// ld[row] when ld is not nil.
func (t *mixtureTable) forwardTo(x, ld, z []float64, lo, hi int) error {
	D := t.d
	for j := lo * D; j < hi*D; j++ {
		v, i := z[j], j%D
		xj, p, ok := t.quantile(i, v)
		if !ok {
			return fmt.Errorf("%w: MixtureCDF: z = %g at row %d, column %d is too far in the tail to map", ErrDomain, v, j/D, i)
		}
		x[j] = xj
		if ld != nil {
			ld[j/D] -= p.m + math.Log(p.sf) + 0.5*v*v
		}
	}
	return nil
}

// quantile returns x with F_i(x) = Φ(z) and the mixture evaluated there.
// For z ≤ 0 it solves log F_i(x) = log Φ(z), for z > 0 log(1 − F_i(x)) =
// log Φ(−z), so that neither tail loses precision, by Newton's method
// safeguarded by bisection. Every u_k is ≤ z at the low end of the
// bracket [min_k, max_k] of m_k + z·s_k and ≥ z at the high end, so F_i is
// ≤ Φ(z) at one end and ≥ at the other.
func (t *mixtureTable) quantile(i int, z float64) (float64, cdfPoint, bool) {
	K := t.k
	m, s := t.m[i*K:(i+1)*K], t.s[i*K:(i+1)*K]
	lo, hi := math.Inf(1), math.Inf(-1)
	for k := range m {
		v := m[k] + z*s[k]
		lo, hi = min(lo, v), max(hi, v)
	}
	upper := z > 0
	target := logCDF(-math.Abs(z))
	if !finite(lo) || !finite(hi) || !finite(target) {
		return 0, cdfPoint{}, false
	}
	// g(x) = ±(log F − target), increasing in x, and g' = f/F (f/(1 − F)).
	g := func(p cdfPoint) (float64, float64) {
		logf := p.m + math.Log(p.sf) - 0.5*math.Log(2*math.Pi)
		if upper {
			return target - p.logQ, math.Exp(logf - p.logQ)
		}
		return p.logF - target, math.Exp(logf - p.logF)
	}
	x := lo + 0.5*(hi-lo)
	if lo == hi {
		x = lo
	}
	for range 400 {
		p, ok := t.eval(i, x, nil, nil)
		if !ok {
			return 0, cdfPoint{}, false
		}
		gx, dg := g(p)
		if gx == 0 || lo == hi {
			return x, p, true
		}
		if gx < 0 {
			lo = x
		} else {
			hi = x
		}
		next := x - gx/dg
		if !(next > lo && next < hi) {
			next = lo + 0.5*(hi-lo)
		}
		if math.Abs(next-x) <= 2e-16*math.Abs(x) || next == lo || next == hi {
			p, ok = t.eval(i, next, nil, nil)
			return next, p, ok
		}
		x = next
	}
	p, ok := t.eval(i, x, nil, nil)
	return x, p, ok
}

// apply maps x forward (inverse = false) or back, with the log-det per row
// when withLogDet.
func (b *MixtureCDF) apply(x *tensor.Dense, inverse, withLogDet bool) (*tensor.Dense, []float64, error) {
	data, n, err := batch.Data(x, b.d)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: MixtureCDF: %w", err)
	}
	t, err := b.current()
	if err != nil {
		return nil, nil, err
	}
	out := make([]float64, len(data))
	var ld []float64
	if withLogDet {
		ld = make([]float64, n)
	}
	work := len(data) * b.k
	if !inverse {
		work *= 8 // Newton's iterations
	}
	err = inChunks(n, work, func(_, lo, hi int) error {
		if inverse {
			return t.inverseTo(out, ld, nil, data, lo, hi)
		}
		return t.forwardTo(out, ld, data, lo, hi)
	})
	if err != nil {
		return nil, nil, err
	}
	return batch.New(n, b.d, out), ld, nil
}

// Forward returns F_i⁻¹(Φ(z_i)) of each value.
func (b *MixtureCDF) Forward(z *tensor.Dense) (*tensor.Dense, error) {
	x, _, err := b.apply(z, false, false)
	return x, err
}

// Inverse returns Φ⁻¹(F_i(x_i)) of each value.
func (b *MixtureCDF) Inverse(x *tensor.Dense) (*tensor.Dense, error) {
	z, _, err := b.apply(x, true, false)
	return z, err
}

// ForwardWithLogDet returns Forward(z) and its log-determinant per row.
func (b *MixtureCDF) ForwardWithLogDet(z *tensor.Dense) (*tensor.Dense, []float64, error) {
	return b.apply(z, false, true)
}

// InverseWithLogDet returns Inverse(x) and its log-determinant per row,
// Σ_i [log f_i(x_i) − log φ(z_i)].
func (b *MixtureCDF) InverseWithLogDet(x *tensor.Dense) (*tensor.Dense, []float64, error) {
	return b.apply(x, true, true)
}

// RecordInverse records the inverse pass with the parameters as they are
// now; an error wrapping ErrNonFinite for a value that is not finite.
//
// Its backward pass uses, per value, u_k = (x − m_k)/s_k, the
// responsibilities ρ_k = w_k φ(u_k)/(s_k f), J = dz/dx = f/φ(z) and the
// log-det L = log f − log φ(z):
//
//	∂z/∂m_k = −ρ_k J,  ∂z/∂ℓ_k = −ρ_k s_k u_k J,  ∂z/∂a_k = w_k(Φ(u_k) − F)/φ(z),
//	∂log f/∂x = −Σ_k ρ_k u_k/s_k,  ∂log f/∂m_k = ρ_k u_k/s_k,
//	∂log f/∂ℓ_k = ρ_k(u_k² − 1),  ∂log f/∂a_k = ρ_k − w_k,
//
// and ∂L = ∂log f + z·∂z. The ratios to F (or 1 − F) and to φ(z) are
// formed from the shifted sums of the forward pass, so the gradients stay
// finite wherever the values are.
func (b *MixtureCDF) RecordInverse(x []float64, n int, _ Request) (*Pass, error) {
	D, K := b.d, b.k
	if n <= 0 || len(x)%D != 0 || len(x)/D != n { // not n*D, which can overflow
		return nil, fmt.Errorf("distributions: MixtureCDF: %w: %d values are not %d rows of %d", ErrShape, len(x), n, D)
	}
	if err := batch.CheckFinite(x, D); err != nil {
		return nil, fmt.Errorf("distributions: MixtureCDF: %w", err)
	}
	t, err := b.current()
	if err != nil {
		return nil, err
	}
	nv := n * D
	// Copies of x and z as well as the state: the caller owns x and p.X.
	buf := make([]float64, 6*nv)
	st := &mixtureState{m: buf[:nv], sf: buf[nv : 2*nv], lt: buf[2*nv : 3*nv], ld: buf[3*nv : 4*nv], upper: make([]bool, nv)}
	xs, z := buf[4*nv:5*nv], buf[5*nv:]
	copy(xs, x)
	if nv <= maxMixtureCache/K {
		cache := make([]float64, 2*nv*K)
		st.e, st.tau = cache[:nv*K], cache[nv*K:]
	}
	p := &Pass{X: make([]float64, nv), LogDet: make([]float64, n)}
	err = inChunks(n, nv*K, func(_, lo, hi int) error { return t.inverseTo(z, p.LogDet, st, xs, lo, hi) })
	if err != nil {
		return nil, err
	}
	copy(p.X, z)
	nParams := len(b.Params())
	p.Backward = func(c Cotangents, grads [][]float64) ([]float64, error) {
		if len(grads) != nParams {
			return nil, fmt.Errorf("%w: MixtureCDF wants %d gradient slices, got %d", ErrInvalidParameter, nParams, len(grads))
		}
		for _, g := range grads {
			if len(g) != D*K {
				return nil, fmt.Errorf("%w: MixtureCDF gradient slices of %d values, want %d×%d", ErrInvalidParameter, len(g), D, K)
			}
		}
		if (c.X != nil && len(c.X) != nv) || (c.LogDet != nil && len(c.LogDet) != n) {
			return nil, fmt.Errorf("%w: MixtureCDF cotangents of %d and %d values, want %d and %d", ErrShape, len(c.X), len(c.LogDet), nv, n)
		}
		xbar := make([]float64, nv)
		// Each chunk of rows adds its parameter gradients into its own
		// partial sums, which are then added to grads in chunk order.
		var partial []float64
		if nParams != 0 {
			partial = make([]float64, chunks(n)*3*D*K)
		}
		inChunks(n, nv*K, func(ch, lo, hi int) error {
			var g [][]float64
			if nParams != 0 {
				part := partial[ch*3*D*K : (ch+1)*3*D*K]
				g = [][]float64{part[:D*K], part[D*K : 2*D*K], part[2*D*K:]}
			}
			for j := lo * D; j < hi*D; j++ {
				var zbar, ldbar float64
				if c.X != nil {
					zbar = c.X[j]
				}
				if c.LogDet != nil {
					ldbar = c.LogDet[j/D]
				}
				xbar[j] = t.backward(g, j, xs[j], z[j], zbar, ldbar, st)
			}
			return nil
		})
		for ch := range chunks(n) {
			if nParams == 0 {
				break
			}
			part := partial[ch*3*D*K : (ch+1)*3*D*K]
			for q, g := range grads {
				for v, pv := range part[q*D*K : (q+1)*D*K] {
					g[v] += pv
				}
			}
		}
		return xbar, nil
	}
	return p, nil
}

// backward adds the gradients of value j (x, its image z) for the
// cotangents z̄ and ℓ̄ to grads, when there are any, and returns ∂L/∂x.
func (t *mixtureTable) backward(grads [][]float64, j int, x, z, zbar, ldbar float64, st *mixtureState) float64 {
	J := fastExp(st.ld[j])
	alpha := zbar + ldbar*z // the cotangent of z, the log-det's share included
	if len(grads) == 0 && ldbar == 0 {
		return alpha * J
	}
	K, i := t.k, j%t.d
	lw, m, inv, s, w := t.lw[i*K:(i+1)*K], t.m[i*K:(i+1)*K], t.inv[i*K:(i+1)*K], t.s[i*K:(i+1)*K], t.w[i*K:(i+1)*K]
	M, lt, upper := st.m[j], st.lt[j], st.upper[j]
	var ce, ctau []float64
	if st.e != nil {
		ce, ctau = st.e[j*K:(j+1)*K], st.tau[j*K:(j+1)*K]
	}
	invSf := 1 / st.sf[j]
	// G = T/φ(z) with T = Φ(−|z|), and the factors taking a component's
	// tail e^M·τ_k and its far side w_k − e^M·τ_k to ratios to T.
	G := sqrt2Pi * tailRatio(math.Abs(z))
	eM, eMT, invT := fastExp(M), fastExp(M-lt), fastExp(-lt)
	sx := 0.0 // Σ ρ_k u_k/s_k
	var ga, gm, gl []float64
	if len(grads) != 0 {
		ga, gm, gl = grads[0][i*K:(i+1)*K], grads[1][i*K:(i+1)*K], grads[2][i*K:(i+1)*K]
	}
	for k := range lw {
		u := (x - m[k]) * inv[k]
		var e, tau float64
		if ce != nil {
			e, tau = ce[k], ctau[k]
		} else if e = fastExp(lw[k] - 0.5*u*u - M); e > 0 {
			tau = tailRatio(math.Abs(u)) * e
		}
		rho := e * inv[k] * invSf
		if rho != 0 {
			sx += rho * u * inv[k]
		}
		if ga == nil {
			continue
		}
		// The share of T from component k: w_k Φ(u_k)/F, or w_k(1 −
		// Φ(u_k))/(1 − F); ∂z/∂a_k = (share − w_k)·G, or (w_k − share)·G.
		var share float64
		if math.Signbit(u) != upper { // k's tail is part of T
			if tau > 0 {
				share = tau * eMT
				if math.IsInf(eMT, 1) {
					share = math.Exp(math.Log(tau) + M - lt)
				}
			}
		} else {
			share = (w[k] - eM*tau) * invT
			if math.IsInf(invT, 1) {
				share = 0
				if a := w[k] - eM*tau; a > 0 {
					share = math.Exp(math.Log(a) - lt)
				}
			}
		}
		dza := (share - w[k]) * G
		if upper {
			dza = -dza
		}
		ga[k] += alpha*dza + ldbar*(rho-w[k])
		if rho != 0 {
			ru := rho * u
			gm[k] += -alpha*rho*J + ldbar*ru*inv[k]
			gl[k] += -alpha*ru*s[k]*J + ldbar*(ru*u-rho)
		}
	}
	return alpha*J - ldbar*sx
}

// mixtureChunkRows is the rows of one unit of work of a MixtureCDF: a
// constant, so that the partial sums of the parameter gradients, and so
// every result, are the same whatever the number of goroutines.
const mixtureChunkRows = 16

// minParallelWork is the work (values × components) under which a batch is
// evaluated on the calling goroutine alone.
const minParallelWork = 1 << 14

// chunks returns the number of chunks of n rows.
func chunks(n int) int { return (n + mixtureChunkRows - 1) / mixtureChunkRows }

// inChunks calls body(c, lo, hi) for each chunk c of rows lo to hi − 1 of
// n, on up to GOMAXPROCS goroutines when the work is large enough to pay
// for them, and returns the error of the first chunk that failed.
func inChunks(n, work int, body func(c, lo, hi int) error) error {
	nc := chunks(n)
	run := func(c int) error { return body(c, c*mixtureChunkRows, min(n, (c+1)*mixtureChunkRows)) }
	workers := min(runtime.GOMAXPROCS(0), nc)
	if workers <= 1 || work < minParallelWork {
		for c := range nc {
			if err := run(c); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, nc)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for c := w; c < nc; c += workers {
				errs[c] = run(c)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
