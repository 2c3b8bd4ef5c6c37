package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
	"gorgonia.org/tensor"
)

// The classical baselines a flow must beat, fitted in closed form or by
// expectation–maximisation: a full-covariance Gaussian and a Gaussian
// mixture whose size and regularisation are chosen on held-out rows.
//
// Every covariance is regularised as Σ + ridge·diag(s²), where s² holds the
// per-column variances of the whole data set, so that ridge is free of the
// data's units: 0.01 adds one per cent of each column's variance. A
// constant column (standard deviation ≤ 1e-12 of its mean's magnitude)
// takes the mean variance of the columns instead (or 1 when every column
// is constant), so that a ridge makes any data fit.

// MixtureFit configures FitMixture. The zero value fits one component with
// no ridge.
type MixtureFit struct {
	Components int     // K ≥ 1; 0 means 1
	Ridge      float64 // ≥ 0: added to each covariance as Ridge·diag(column variances)
	MaxIter    int     // EM iterations; 0 means 300
	Tol        float64 // stop when the mean log-likelihood gains less; 0 means 1e-6
	Restarts   int     // fits from different starts, the best kept; 0 means 1
}

// MaxComponents and MaxEMIter bound a MixtureFit.
const (
	MaxEMIter   = 100_000
	MaxRestarts = 1000
)

// FitGaussian returns the maximum-likelihood full-covariance Gaussian of
// the rows of x (N×D, N ≥ 2), its covariance regularised by ridge.
func FitGaussian(x *tensor.Dense, ridge float64, src rand.Source) (*distributions.MultivariateNormalTriL, error) {
	g, err := FitMixture(x, MixtureFit{Components: 1, Ridge: ridge, MaxIter: 1}, src)
	if err != nil {
		return nil, err
	}
	return g.Component(0, src)
}

// FitWhitening returns the fixed AffineTriL whose shift is the mean of the
// rows of x and whose scale L is the Cholesky factor of their covariance,
// regularised by ridge as FitGaussian's. Its Inverse whitens the data
// (with ridge 0, to mean 0 and identity covariance), and a standard normal
// under it is FitGaussian's Gaussian: a full-covariance first block for a
// flow, whose field then learns the departure from that Gaussian.
func FitWhitening(x *tensor.Dense, ridge float64) (*distributions.AffineTriL, error) {
	g, err := FitGaussian(x, ridge, rand.NewPCG(0, 0))
	if err != nil {
		return nil, err
	}
	return distributions.NewAffineTriL(g.Loc(), g.ScaleTriL())
}

// FitMixture fits a Gaussian mixture with full covariances to the rows of x
// (N×D) by expectation–maximisation from k-means++ starts, and returns the
// fit of highest likelihood. src seeds the starts and is the mixture's
// random source for sampling.
func FitMixture(x *tensor.Dense, opts MixtureFit, src rand.Source) (*distributions.GaussianMixture, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: FitMixture needs a random source", ErrInvalidConfig)
	}
	if x == nil || len(x.Shape()) != 2 {
		return nil, fmt.Errorf("%w: FitMixture wants an N×D tensor", ErrInvalidConfig)
	}
	D := x.Shape()[1]
	if D < 1 || D > distributions.MaxDim {
		return nil, fmt.Errorf("%w: FitMixture: dimension %d, want 1 to %d", ErrInvalidConfig, D, distributions.MaxDim)
	}
	data, n, err := batch.Data(x, D)
	if err != nil {
		return nil, fmt.Errorf("train: FitMixture: %w", err)
	}
	if opts.Components == 0 {
		opts.Components = 1
	}
	if opts.MaxIter == 0 {
		opts.MaxIter = 300
	}
	if opts.Tol == 0 {
		opts.Tol = 1e-6
	}
	if opts.Restarts == 0 {
		opts.Restarts = 1
	}
	switch {
	case opts.Components < 1 || opts.Components > distributions.MaxComponents:
		return nil, fmt.Errorf("%w: FitMixture: Components = %d, want 1 to %d", ErrInvalidConfig, opts.Components, distributions.MaxComponents)
	case n < 2*opts.Components:
		return nil, fmt.Errorf("%w: FitMixture: %d rows for %d components, want at least 2 per component", ErrInvalidConfig, n, opts.Components)
	case int64(opts.Components)*int64(D)*int64(D) > batch.MaxElements.Load():
		return nil, fmt.Errorf("%w: FitMixture: %d components of %d×%d covariances are over the limit of %d values", ErrInvalidConfig, opts.Components, D, D, batch.MaxElements.Load())
	case !(opts.Ridge >= 0) || math.IsInf(opts.Ridge, 0):
		return nil, fmt.Errorf("%w: FitMixture: Ridge = %g, want finite and ≥ 0", ErrInvalidConfig, opts.Ridge)
	case opts.MaxIter < 1 || opts.MaxIter > MaxEMIter:
		return nil, fmt.Errorf("%w: FitMixture: MaxIter = %d, want 1 to %d", ErrInvalidConfig, opts.MaxIter, MaxEMIter)
	case !(opts.Tol > 0) || math.IsInf(opts.Tol, 0):
		return nil, fmt.Errorf("%w: FitMixture: Tol = %g, want finite and > 0", ErrInvalidConfig, opts.Tol)
	case opts.Restarts < 1 || opts.Restarts > MaxRestarts:
		return nil, fmt.Errorf("%w: FitMixture: Restarts = %d, want 1 to %d", ErrInvalidConfig, opts.Restarts, MaxRestarts)
	}
	em := newEM(data, n, D, opts)
	r := rand.New(src)
	var best *emFit
	for range opts.Restarts {
		fit, err := em.run(r)
		if err != nil {
			return nil, err
		}
		if best == nil || fit.logLik > best.logLik {
			best = fit
		}
	}
	return best.mixture(D, src)
}

// em holds the data and the work buffers of expectation–maximisation.
type em struct {
	x      []float64 // n×D
	n, D   int
	opts   MixtureFit
	ridge  []float64 // Ridge·s² per column
	sd     []float64 // s per column (1 when s² is 0 or not finite): the units the singularity check is free of
	resp   []float64 // n×K responsibilities
	centre []float64 // n×D scratch
}

func newEM(x []float64, n, D int, opts MixtureFit) *em {
	e := &em{x: x, n: n, D: D, opts: opts, ridge: make([]float64, D), sd: make([]float64, D),
		resp: make([]float64, n*opts.Components), centre: make([]float64, n*D)}
	mean := make([]float64, D)
	for r := range n {
		for i := range D {
			mean[i] += x[r*D+i]
		}
	}
	for i := range mean {
		mean[i] /= float64(n)
	}
	for r := range n {
		for i := range D {
			d := x[r*D+i] - mean[i]
			e.ridge[i] += d * d / float64(n)
		}
	}
	avg := 0.0
	for _, v := range e.ridge {
		avg += v / float64(D)
	}
	if avg == 0 {
		avg = 1
	}
	for i, v := range e.ridge {
		if v <= 1e-24*mean[i]*mean[i] { // constant but for rounding: s ≤ 1e-12·|mean|, whatever the other columns' units
			v = avg
		}
		e.ridge[i] = v * opts.Ridge
		e.sd[i] = math.Sqrt(v)
		if !(e.sd[i] > 0) || math.IsInf(e.sd[i], 0) {
			e.sd[i] = 1
		}
	}
	return e
}

// emFit is one fitted mixture: weights, means and Cholesky factors.
type emFit struct {
	logW   []float64
	mu     [][]float64
	chol   []*mat.TriDense
	logLik float64 // mean over the rows
}

func (f *emFit) mixture(D int, src rand.Source) (*distributions.GaussianMixture, error) {
	cs := make([]*distributions.MultivariateNormalTriL, len(f.mu))
	for k := range cs {
		l := make([]float64, D*D)
		for i := range D {
			for j := 0; j <= i; j++ {
				l[i*D+j] = f.chol[k].At(i, j)
			}
		}
		var err error
		if cs[k], err = distributions.NewMultivariateNormalTriL(f.mu[k], l, nil); err != nil {
			return nil, fmt.Errorf("train: FitMixture: component %d: %w", k, err)
		}
	}
	return distributions.NewGaussianMixture(f.logW, cs, src)
}

// run fits once from a k-means++ start.
func (e *em) run(r *rand.Rand) (*emFit, error) {
	K := e.opts.Components
	e.kmeans(r)
	fit := &emFit{logW: make([]float64, K), mu: make([][]float64, K), chol: make([]*mat.TriDense, K)}
	prev := math.Inf(-1)
	for it := range e.opts.MaxIter {
		if err := e.maximise(fit); err != nil {
			return nil, err
		}
		ll := e.expect(fit)
		fit.logLik = ll
		if it > 0 && ll-prev < e.opts.Tol {
			break
		}
		prev = ll
	}
	return fit, nil
}

// kmeans sets hard responsibilities from k-means++ seeds refined by a few
// Lloyd iterations.
func (e *em) kmeans(r *rand.Rand) {
	K, n, D, x := e.opts.Components, e.n, e.D, e.x
	if K == 1 { // one cluster: every row in it, nothing to seed
		for i := range e.resp {
			e.resp[i] = 1
		}
		return
	}
	centres := make([]float64, K*D)
	d2 := make([]float64, n)
	dist := func(row, c int) float64 {
		s := 0.0
		for i := range D {
			d := x[row*D+i] - centres[c*D+i]
			s += d * d
		}
		return s
	}
	copy(centres, x[r.IntN(n)*D:][:D])
	for r2 := range n {
		d2[r2] = dist(r2, 0)
	}
	for c := 1; c < K; c++ {
		total := 0.0
		for _, v := range d2 {
			total += v
		}
		pick := n - 1
		if total > 0 {
			u := r.Float64() * total
			for i, v := range d2 {
				if u -= v; u < 0 {
					pick = i
					break
				}
			}
		} else {
			pick = r.IntN(n)
		}
		copy(centres[c*D:(c+1)*D], x[pick*D:(pick+1)*D])
		for i := range n {
			d2[i] = min(d2[i], dist(i, c))
		}
	}
	assign := make([]int, n)
	counts := make([]float64, K)
	for range 20 {
		changed := false
		for i := range n {
			best, bd := 0, math.Inf(1)
			for c := range K {
				if d := dist(i, c); d < bd {
					best, bd = c, d
				}
			}
			if assign[i] != best {
				assign[i], changed = best, true
			}
		}
		clear(centres)
		clear(counts)
		for i, c := range assign {
			counts[c]++
			for j := range D {
				centres[c*D+j] += x[i*D+j]
			}
		}
		for c := range K {
			if counts[c] == 0 { // an empty cluster takes a random point
				copy(centres[c*D:(c+1)*D], x[r.IntN(n)*D:][:D])
				continue
			}
			for j := range D {
				centres[c*D+j] /= counts[c]
			}
		}
		if !changed {
			break
		}
	}
	clear(e.resp)
	for i, c := range assign {
		e.resp[i*K+c] = 1
	}
}

// maximise sets the weights, means and Cholesky factors from the
// responsibilities.
func (e *em) maximise(f *emFit) error {
	K, n, D := e.opts.Components, e.n, e.D
	for k := range K {
		nk := 0.0
		for i := range n {
			nk += e.resp[i*K+k]
		}
		f.logW[k] = math.Log(max(nk, 1e-300) / float64(n))
		mu := make([]float64, D)
		if nk > 0 {
			for i := range n {
				if w := e.resp[i*K+k]; w != 0 {
					for j := range D {
						mu[j] += w * e.x[i*D+j]
					}
				}
			}
			for j := range mu {
				mu[j] /= nk
			}
		}
		f.mu[k] = mu
		// Σ_k = Σ_i ρ_ik (x_i − μ)(x_i − μ)ᵀ / n_k + ridge: the centred rows
		// scaled by √(ρ/n_k), then one symmetric rank-n update.
		for i := range n {
			s := 0.0
			if nk > 0 {
				s = math.Sqrt(e.resp[i*K+k] / nk)
			}
			for j := range D {
				e.centre[i*D+j] = s * (e.x[i*D+j] - mu[j])
			}
		}
		cov := blas64.Symmetric{N: D, Stride: D, Data: make([]float64, D*D), Uplo: blas.Upper}
		blas64.Syrk(blas.Trans, 1, blas64.General{Rows: n, Cols: D, Stride: D, Data: e.centre}, 0, cov)
		// Factorise the covariance of the columns divided by their
		// standard deviations, so that its condition number, and so the
		// singularity check, does not depend on the columns' units; then
		// L = diag(s)·L'.
		for j := range D {
			cov.Data[j*D+j] += e.ridge[j]
			for c := j; c < D; c++ {
				cov.Data[j*D+c] /= e.sd[j] * e.sd[c]
			}
		}
		var chol mat.Cholesky
		if !chol.Factorize(mat.NewSymDense(D, cov.Data)) || chol.Cond() > mat.ConditionTolerance {
			return fmt.Errorf("%w: FitMixture: component %d's covariance is singular or nearly so (a constant column, or columns that are combinations of others): raise Ridge", ErrInvalidConfig, k)
		}
		var l mat.TriDense
		chol.LTo(&l)
		for i := range D {
			for j := 0; j <= i; j++ {
				l.SetTri(i, j, e.sd[i]*l.At(i, j))
			}
		}
		f.chol[k] = &l
	}
	return nil
}

// expect sets the responsibilities and returns the mean log-likelihood.
func (e *em) expect(f *emFit) float64 {
	K, n, D := e.opts.Components, e.n, e.D
	for k := range K {
		l := f.chol[k].RawTriangular()
		logDet := 0.0
		for j := range D {
			logDet += math.Log(l.Data[j*l.Stride+j])
		}
		for i := range n {
			for j := range D {
				e.centre[i*D+j] = e.x[i*D+j] - f.mu[k][j]
			}
		}
		// Rows uᵢ = L⁻¹(xᵢ − μ) solve U·Lᵀ = X − μ.
		blas64.Trsm(blas.Right, blas.Trans, 1, l, blas64.General{Rows: n, Cols: D, Stride: D, Data: e.centre})
		c := f.logW[k] - logDet - 0.5*float64(D)*math.Log(2*math.Pi)
		for i := range n {
			ss := 0.0
			for _, u := range e.centre[i*D : (i+1)*D] {
				ss += u * u
			}
			e.resp[i*K+k] = c - 0.5*ss
		}
	}
	total := 0.0
	for i := range n {
		row := e.resp[i*K : (i+1)*K]
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, v)
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(v - m)
		}
		lse := m + math.Log(s)
		total += lse
		for k := range row {
			row[k] = math.Exp(row[k] - lse)
		}
	}
	return total / float64(n)
}

// MixtureScore is a candidate of SelectMixture and its held-out score.
type MixtureScore struct {
	Components    int
	Ridge         float64
	ValidationNLL float64 // mean −log p over the validation rows, in nats; +Inf when the fit failed
}

// SelectMixture fits a mixture for every pair of components and ridges to
// train (with opts's other settings) and returns the one of lowest mean
// negative log-likelihood on val, with every candidate's score in the
// order tried. A candidate whose fit fails (a singular covariance, fewer
// rows than it needs) scores +Inf; SelectMixture fails only when all do.
func SelectMixture(train, val *tensor.Dense, components []int, ridges []float64, opts MixtureFit, src rand.Source) (*distributions.GaussianMixture, []MixtureScore, error) {
	if len(components) == 0 || len(ridges) == 0 {
		return nil, nil, fmt.Errorf("%w: SelectMixture needs at least one number of components and one ridge", ErrInvalidConfig)
	}
	if train == nil || val == nil || len(train.Shape()) != 2 {
		return nil, nil, fmt.Errorf("%w: SelectMixture wants N×D training and validation tensors", ErrInvalidConfig)
	}
	if _, _, err := batch.Data(val, train.Shape()[1]); err != nil {
		return nil, nil, fmt.Errorf("train: SelectMixture: validation: %w", err)
	}
	if src == nil {
		return nil, nil, fmt.Errorf("%w: SelectMixture needs a random source", ErrInvalidConfig)
	}
	seeds := rand.New(src)
	var best *distributions.GaussianMixture
	var scores []MixtureScore
	bestNLL := math.Inf(1)
	var firstErr error
	for _, k := range components {
		for _, ridge := range ridges {
			o := opts
			o.Components, o.Ridge = k, ridge
			s := MixtureScore{Components: k, Ridge: ridge, ValidationNLL: math.Inf(1)}
			g, err := FitMixture(train, o, rand.NewPCG(seeds.Uint64(), seeds.Uint64()))
			if err == nil {
				var lp []float64
				if lp, err = g.LogProb(val); err == nil {
					s.ValidationNLL = -mean(lp)
				}
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
			scores = append(scores, s)
			if s.ValidationNLL < bestNLL {
				best, bestNLL = g, s.ValidationNLL
			}
		}
	}
	if best == nil {
		return nil, scores, fmt.Errorf("train: SelectMixture: no candidate fitted: %w", firstErr)
	}
	return best.WithSource(src), scores, nil
}
