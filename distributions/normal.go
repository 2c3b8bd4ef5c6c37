package distributions

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// Distribution is a density on ℝ^D that can be sampled.
type Distribution interface {
	Dim() int
	// LogProb returns log p(x) for each row of the N×D batch x.
	LogProb(x *tensor.Dense) ([]float64, error)
	// Sample returns n points as an n×D batch.
	Sample(n int) (*tensor.Dense, error)
}

// Normal is a Gaussian with diagonal covariance, N(mean, diag(std²)). Its
// mean and log-scale are fixed (NewNormal) or learnable parameters
// (NewLearnableNormal).
//
// Sample draws from the Normal's own generator, so a Normal is not safe for
// concurrent sampling; LogProb is, for a fixed Normal (a learnable one
// reads its parameters at every call: use it from one goroutine).
type Normal struct {
	mean, std []float64
	logNorm   float64 // −Σ log σ_i − D/2 log 2π
	rng       *rand.Rand

	// With learnable parameters, mean aliases loc's backing and std and
	// logNorm follow logScale: refresh recomputes them from it.
	loc, logScale *tensor.Dense
}

// NewNormal returns N(mean, diag(std²)), drawing samples from src. mean and
// std must have the same length D ≥ 1, finite entries and std > 0. src may be
// nil when the Normal is only evaluated, never sampled.
func NewNormal(mean, std []float64, src rand.Source) (*Normal, error) {
	if err := checkNormal(mean, std); err != nil {
		return nil, err
	}
	n := &Normal{mean: append([]float64(nil), mean...), std: append([]float64(nil), std...)}
	n.logNorm = -0.5 * float64(len(mean)) * math.Log(2*math.Pi)
	for _, s := range std {
		n.logNorm -= math.Log(s)
	}
	if src != nil {
		n.rng = rand.New(src)
	}
	return n, nil
}

// NewLearnableNormal returns N(mean, diag(std²)) whose mean and log σ are
// parameters (Params), for a flow that learns where its base sits.
func NewLearnableNormal(mean, std []float64, src rand.Source) (*Normal, error) {
	if err := checkNormal(mean, std); err != nil {
		return nil, err
	}
	ls := make([]float64, len(mean))
	for i, s := range std {
		ls[i] = math.Log(s)
	}
	return learnableNormal(mean, ls, src), nil
}

// learnableNormal returns the learnable Normal of the given mean and log σ,
// which the caller has checked.
func learnableNormal(mean, ls []float64, src rand.Source) *Normal {
	D := len(mean)
	n := &Normal{
		loc:      tensor.New(tensor.WithShape(1, D), tensor.WithBacking(append([]float64(nil), mean...))),
		logScale: tensor.New(tensor.WithShape(1, D), tensor.WithBacking(append([]float64(nil), ls...))),
		std:      make([]float64, D),
	}
	n.mean = n.loc.Float64s()
	n.refresh()
	if src != nil {
		n.rng = rand.New(src)
	}
	return n
}

func checkNormal(mean, std []float64) error {
	if len(mean) == 0 || len(mean) != len(std) {
		return fmt.Errorf("%w: mean has %d entries and std %d; want the same number, at least 1", ErrInvalidParameter, len(mean), len(std))
	}
	for i := range mean {
		if math.IsNaN(mean[i]) || math.IsInf(mean[i], 0) {
			return fmt.Errorf("%w: mean[%d] = %g", ErrInvalidParameter, i, mean[i])
		}
		if !(std[i] > 0) || math.IsInf(std[i], 0) {
			return fmt.Errorf("%w: std[%d] = %g, want finite and > 0", ErrInvalidParameter, i, std[i])
		}
	}
	return nil
}

// refresh recomputes std and logNorm from a learnable log-scale, which an
// optimiser may have moved since the last call.
func (n *Normal) refresh() {
	if n.logScale == nil {
		return
	}
	n.logNorm = -0.5 * float64(len(n.mean)) * math.Log(2*math.Pi)
	for i, l := range n.logScale.Float64s() {
		n.std[i] = math.Exp(l)
		n.logNorm -= l
	}
}

// Learnable reports whether the mean and log-scale are parameters.
func (n *Normal) Learnable() bool { return n.logScale != nil }

// WithSource returns a copy of the Normal that samples from src. A
// learnable Normal's copy shares its parameters.
func (n *Normal) WithSource(src rand.Source) (*Normal, error) {
	if n.logScale != nil {
		c := *n
		c.std = append([]float64(nil), n.std...)
		c.rng = nil
		if src != nil {
			c.rng = rand.New(src)
		}
		return &c, nil
	}
	return NewNormal(n.mean, n.std, src)
}

// Dim returns D.
func (n *Normal) Dim() int { return len(n.mean) }

// Mean returns a copy of the mean.
func (n *Normal) Mean() []float64 { return append([]float64(nil), n.mean...) }

// Std returns a copy of the standard deviations.
func (n *Normal) Std() []float64 {
	n.refresh()
	return append([]float64(nil), n.std...)
}

// Params returns the mean and log σ (each 1×D) of a learnable Normal, and
// nothing for a fixed one.
func (n *Normal) Params() []*tensor.Dense {
	if n.logScale == nil {
		return nil
	}
	return []*tensor.Dense{n.loc, n.logScale}
}

// LogProb returns log N(x; mean, diag(std²)) for each row of x.
func (n *Normal) LogProb(x *tensor.Dense) ([]float64, error) {
	data, rows, err := batch.Data(x, n.Dim())
	if err != nil {
		return nil, fmt.Errorf("distributions: Normal.LogProb: %w", err)
	}
	lp := make([]float64, rows)
	n.LogProbTo(lp, data)
	return lp, nil
}

// LogProbTo writes the log-density of each row of the row-major N×D data into
// dst (length N), without checking its arguments: the allocation-free form
// for callers that have already validated them.
func (n *Normal) LogProbTo(dst, data []float64) {
	n.refresh()
	D := n.Dim()
	for r := range dst {
		s := 0.0
		for i, v := range data[r*D : (r+1)*D] {
			u := (v - n.mean[i]) / n.std[i]
			s += u * u
		}
		dst[r] = n.logNorm - 0.5*s
	}
}

// LogProbBackward writes zbar_r = w_r ∂log p(z_r)/∂z_r = −w_r (z_r − μ)/σ²
// and, for a learnable Normal, adds Σ_r w_r (z_r − μ)/σ² to the mean's
// gradient and Σ_r w_r (u_r² − 1), u = (z − μ)/σ, to log σ's.
func (n *Normal) LogProbBackward(zbar, z, w []float64, grads [][]float64) {
	n.refresh()
	D := n.Dim()
	for r, wr := range w {
		for i := range D {
			j := r*D + i
			d := z[j] - n.mean[i]
			g := d / (n.std[i] * n.std[i])
			zbar[j] = -wr * g
			if n.logScale != nil {
				grads[0][i] += wr * g
				u := d / n.std[i]
				grads[1][i] += wr * (u*u - 1)
			}
		}
	}
}

// Sample returns n points drawn from the distribution.
func (n *Normal) Sample(count int) (*tensor.Dense, error) {
	if err := batch.CheckSize("Normal.Sample", count, n.Dim()); err != nil {
		return nil, fmt.Errorf("distributions: %w", err)
	}
	if n.rng == nil {
		return nil, fmt.Errorf("%w: Normal has no random source to sample from", ErrInvalidParameter)
	}
	n.refresh()
	D := n.Dim()
	data := make([]float64, count*D)
	for i := range data {
		data[i] = n.mean[i%D] + n.std[i%D]*n.rng.NormFloat64()
	}
	return batch.New(count, D, data), nil
}

// Draw writes len(dst)/D points drawn with r: mean + std·ε, one
// r.NormFloat64 per value in order.
func (n *Normal) Draw(dst []float64, r *rand.Rand) {
	n.refresh()
	D := n.Dim()
	for i := range dst {
		dst[i] = n.mean[i%D] + n.std[i%D]*r.NormFloat64()
	}
}
