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

// Normal is a Gaussian with diagonal covariance, N(mean, diag(std²)).
//
// Sample draws from the Normal's own generator, so a Normal is not safe for
// concurrent sampling; LogProb is.
type Normal struct {
	mean, std []float64
	logNorm   float64 // −Σ log σ_i − D/2 log 2π
	rng       *rand.Rand
}

// NewNormal returns N(mean, diag(std²)), drawing samples from src. mean and
// std must have the same length D ≥ 1, finite entries and std > 0. src may be
// nil when the Normal is only evaluated, never sampled.
func NewNormal(mean, std []float64, src rand.Source) (*Normal, error) {
	if len(mean) == 0 || len(mean) != len(std) {
		return nil, fmt.Errorf("%w: mean has %d entries and std %d; want the same number, at least 1", ErrInvalidParameter, len(mean), len(std))
	}
	n := &Normal{mean: append([]float64(nil), mean...), std: append([]float64(nil), std...)}
	n.logNorm = -0.5 * float64(len(mean)) * math.Log(2*math.Pi)
	for i := range mean {
		if math.IsNaN(mean[i]) || math.IsInf(mean[i], 0) {
			return nil, fmt.Errorf("%w: mean[%d] = %g", ErrInvalidParameter, i, mean[i])
		}
		if !(std[i] > 0) || math.IsInf(std[i], 0) {
			return nil, fmt.Errorf("%w: std[%d] = %g, want finite and > 0", ErrInvalidParameter, i, std[i])
		}
		n.logNorm -= math.Log(std[i])
	}
	if src != nil {
		n.rng = rand.New(src)
	}
	return n, nil
}

// WithSource returns a copy of the Normal that samples from src.
func (n *Normal) WithSource(src rand.Source) (*Normal, error) {
	return NewNormal(n.mean, n.std, src)
}

// Dim returns D.
func (n *Normal) Dim() int { return len(n.mean) }

// Mean returns a copy of the mean.
func (n *Normal) Mean() []float64 { return append([]float64(nil), n.mean...) }

// Std returns a copy of the standard deviations.
func (n *Normal) Std() []float64 { return append([]float64(nil), n.std...) }

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

// Sample returns n points drawn from the distribution.
func (n *Normal) Sample(count int) (*tensor.Dense, error) {
	if count <= 0 {
		return nil, fmt.Errorf("%w: Normal.Sample of %d points", ErrEmpty, count)
	}
	if n.rng == nil {
		return nil, fmt.Errorf("%w: Normal has no random source to sample from", ErrInvalidParameter)
	}
	D := n.Dim()
	data := make([]float64, count*D)
	for i := range data {
		data[i] = n.mean[i%D] + n.std[i%D]*n.rng.NormFloat64()
	}
	return batch.New(count, D, data), nil
}
