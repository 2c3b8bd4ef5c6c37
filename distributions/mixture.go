package distributions

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// MaxComponents bounds the components of a GaussianMixture.
const MaxComponents = 1 << 10

// GaussianMixture is Σ_k π_k N(μ_k, L_k·L_kᵀ), π = softmax(logits): TFP's
// tfd.MixtureSameFamily of a Categorical and MultivariateNormalTriL
// components. Its logits, means and scales are learnable (Params), so that
// it is a flow's base, a model fitted on its own by a Trainer, or both.
//
// Sample draws from the mixture's own generator, and every call reads the
// parameters, so use a GaussianMixture from one goroutine.
type GaussianMixture struct {
	// logits 1×K, locs K×D, scales K×(D·D), each row packed as tril.go
	// describes.
	logits, locs, scales *tensor.Dense
	rng                  *rand.Rand
}

// NewGaussianMixture returns the mixture of the given components with
// weights softmax(logits), drawing samples from src (nil when it is never
// sampled). The components' parameters are copied.
func NewGaussianMixture(logits []float64, components []*MultivariateNormalTriL, src rand.Source) (*GaussianMixture, error) {
	K := len(components)
	if K == 0 || K > MaxComponents || len(logits) != K {
		return nil, fmt.Errorf("%w: %d logits for %d components, want the same number, 1 to %d", ErrInvalidParameter, len(logits), K, MaxComponents)
	}
	if err := checkFiniteValues(logits, "logits"); err != nil {
		return nil, err
	}
	for k, c := range components {
		if c == nil || c.loc == nil {
			return nil, fmt.Errorf("%w: component %d is nil", ErrInvalidParameter, k)
		}
		if c.Dim() != components[0].Dim() {
			return nil, fmt.Errorf("%w: component %d has dimension %d, component 0 %d", ErrShape, k, c.Dim(), components[0].Dim())
		}
	}
	D := components[0].Dim()
	if K > MaxDim*MaxDim/(D*D) {
		return nil, fmt.Errorf("%w: %d components of dimension %d are over the limit of %d scale values", ErrInvalidParameter, K, D, MaxDim*MaxDim)
	}
	locs, scales := make([]float64, 0, K*D), make([]float64, 0, K*D*D)
	for _, c := range components {
		locs = append(locs, c.loc.Float64s()...)
		scales = append(scales, c.scale.Float64s()...)
	}
	g := &GaussianMixture{
		logits: tensor.New(tensor.WithShape(1, K), tensor.WithBacking(append([]float64(nil), logits...))),
		locs:   tensor.New(tensor.WithShape(K, D), tensor.WithBacking(locs)),
		scales: tensor.New(tensor.WithShape(K, D*D), tensor.WithBacking(scales)),
	}
	if src != nil {
		g.rng = rand.New(src)
	}
	return g, nil
}

// WithSource returns a copy that samples from src and shares the
// parameters.
func (g *GaussianMixture) WithSource(src rand.Source) *GaussianMixture {
	c := *g
	c.rng = nil
	if src != nil {
		c.rng = rand.New(src)
	}
	return &c
}

// Dim returns D.
func (g *GaussianMixture) Dim() int { return g.locs.Shape()[1] }

// Components returns K.
func (g *GaussianMixture) Components() int { return g.logits.Shape()[1] }

// Logits returns a copy of the mixing logits.
func (g *GaussianMixture) Logits() []float64 { return append([]float64(nil), g.logits.Float64s()...) }

// Weights returns the mixing weights softmax(logits).
func (g *GaussianMixture) Weights() []float64 {
	w := g.Logits()
	lse := logSumExp(w)
	for k := range w {
		w[k] = math.Exp(w[k] - lse)
	}
	return w
}

// Component returns a copy of component k as a MultivariateNormalTriL that
// samples from src.
func (g *GaussianMixture) Component(k int, src rand.Source) (*MultivariateNormalTriL, error) {
	K, D := g.Components(), g.Dim()
	if k < 0 || k >= K {
		return nil, fmt.Errorf("%w: component %d of %d", ErrInvalidParameter, k, K)
	}
	l := make([]float64, D*D)
	unpackTriL(l, g.scales.Float64s()[k*D*D:(k+1)*D*D], D)
	return NewMultivariateNormalTriL(g.locs.Float64s()[k*D:(k+1)*D], l, src)
}

// Params returns the logits (1×K), the means (K×D) and the scales (K×D²,
// each row a component's scale packed as MultivariateNormalTriL's).
func (g *GaussianMixture) Params() []*tensor.Dense {
	return []*tensor.Dense{g.logits, g.locs, g.scales}
}

// components returns each component read from the parameters, and the log
// weights.
func (g *GaussianMixture) components() ([]gaussTriL, []float64) {
	K, D := g.Components(), g.Dim()
	cs := make([]gaussTriL, K)
	locs, scales := g.locs.Float64s(), g.scales.Float64s()
	for k := range cs {
		cs[k].load(locs[k*D:(k+1)*D], scales[k*D*D:(k+1)*D*D])
	}
	lw := g.Logits()
	lse := logSumExp(lw)
	for k := range lw {
		lw[k] -= lse
	}
	return cs, lw
}

// LogProb returns log p(x) for each row of the N×D batch x.
func (g *GaussianMixture) LogProb(x *tensor.Dense) ([]float64, error) {
	data, n, err := batch.Data(x, g.Dim())
	if err != nil {
		return nil, fmt.Errorf("distributions: GaussianMixture.LogProb: %w", err)
	}
	lp := make([]float64, n)
	g.LogProbTo(lp, data)
	return lp, nil
}

// LogProbTo writes log p of each row of the row-major z into dst, without
// checking its arguments.
func (g *GaussianMixture) LogProbTo(dst, z []float64) {
	cs, lw := g.components()
	D := g.Dim()
	u, a := make([]float64, D), make([]float64, len(cs))
	for r := range dst {
		for k := range cs {
			a[k] = lw[k] + cs[k].solve(u, z[r*D:(r+1)*D])
		}
		dst[r] = logSumExp(a)
	}
}

// LogProbBackward writes Σ_r w_r ∂log p(z_r)/∂z into zbar and adds the
// gradients of the logits, means and scales to grads[0], grads[1] and
// grads[2]. With the responsibilities ρ_k = π_k N_k(z)/p(z),
// ∂log p/∂logit_k = ρ_k − π_k and each component's gradients are ρ_k times
// its own.
func (g *GaussianMixture) LogProbBackward(zbar, z, w []float64, grads [][]float64) {
	cs, lw := g.components()
	K, D := len(cs), g.Dim()
	us, v, a := make([]float64, K*D), make([]float64, D), make([]float64, K)
	for r, wr := range w {
		zr, xr := zbar[r*D:(r+1)*D], z[r*D:(r+1)*D]
		clear(zr)
		for k := range cs {
			a[k] = lw[k] + cs[k].solve(us[k*D:(k+1)*D], xr)
		}
		lse := logSumExp(a)
		for k := range cs {
			rho := math.Exp(a[k] - lse)
			grads[0][k] += wr * (rho - math.Exp(lw[k]))
			if rho == 0 {
				continue
			}
			u := us[k*D : (k+1)*D]
			cs[k].back(v, u)
			cs[k].accumulate(grads[1][k*D:(k+1)*D], grads[2][k*D*D:(k+1)*D*D], zr, u, v, wr*rho)
		}
	}
}

// RecordLogProb evaluates log p on the n rows of x and records the pass,
// so that a Trainer fits the mixture on its own.
func (g *GaussianMixture) RecordLogProb(x []float64, n int, req Request) (*DensityPass, error) {
	return recordBase(g, x, n, req)
}

// Sample returns n points, each from a component drawn with the mixing
// weights.
func (g *GaussianMixture) Sample(n int) (*tensor.Dense, error) {
	D := g.Dim()
	out, err := sampleBuffer(g.rng, n, D, "GaussianMixture")
	if err != nil {
		return nil, err
	}
	g.Draw(out, g.rng)
	return batch.New(n, D, out), nil
}

// Draw writes len(dst)/D points drawn with r: for each, a component by
// the mixing weights, then a point of it.
func (g *GaussianMixture) Draw(dst []float64, r *rand.Rand) {
	cs, lw := g.components()
	D := g.Dim()
	e := make([]float64, D)
	for row := 0; row+D <= len(dst); row += D {
		k, u := 0, r.Float64()
		for ; k < len(cs)-1; k++ {
			if u -= math.Exp(lw[k]); u < 0 {
				break
			}
		}
		for i := range e {
			e[i] = r.NormFloat64()
		}
		cs[k].draw(dst[row:row+D], e)
	}
}

// logSumExp returns log Σ exp(a_k), exactly −Inf when every a_k is.
func logSumExp(a []float64) float64 {
	m := math.Inf(-1)
	for _, v := range a {
		m = max(m, v)
	}
	if math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for _, v := range a {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

// Tempered returns a copy of the mixture whose components' scales are
// multiplied by t > 0 (covariances by t²), with the same weights and
// means and no random source: sampling a flow's base at a temperature
// t < 1, as Glow does, draws more typical points.
func (g *GaussianMixture) Tempered(t float64) (*GaussianMixture, error) {
	if !(t > 0) || math.IsInf(t, 0) {
		return nil, fmt.Errorf("%w: temperature %g, want finite and > 0", ErrInvalidParameter, t)
	}
	K, D := g.Components(), g.Dim()
	scales := append([]float64(nil), g.scales.Float64s()...)
	lt := math.Log(t)
	for k := range K {
		p := scales[k*D*D : (k+1)*D*D]
		for i := range D {
			for j := range i {
				p[i*D+j] *= t
			}
			p[i*D+i] += lt
			if math.Abs(p[i*D+i]) > maxLogScale {
				return nil, fmt.Errorf("%w: temperature %g takes component %d's log-scale %d to %g, beyond ±%g", ErrInvalidParameter, t, k, i, p[i*D+i], maxLogScale)
			}
		}
	}
	return &GaussianMixture{
		logits: tensor.New(tensor.WithShape(1, K), tensor.WithBacking(g.Logits())),
		locs:   tensor.New(tensor.WithShape(K, D), tensor.WithBacking(append([]float64(nil), g.locs.Float64s()...))),
		scales: tensor.New(tensor.WithShape(K, D*D), tensor.WithBacking(scales)),
	}, nil
}
