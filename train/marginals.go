package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// FitMarginals fits a 1-D Gaussian mixture of opts.Components components
// to each column of x (N×D) by FitMixture, with opts's ridge, iterations
// and restarts, and returns the fixed MixtureCDF of those marginals: its
// Inverse maps each column to about N(0, 1), the marginal Gaussianisation
// that goes before a full-covariance model or a flow. For a learnable
// start, call LearnableCopy on the result.
//
// As in FitMixture, Ridge is relative to each column's variance: every
// component's variance gets Ridge·var_j added, which also bounds how
// narrow a component can get. A constant column (variance 0) has nothing
// to fit; it gets K equal components at its value whose variance is Ridge
// times the mean variance of the other columns (1 if all are constant),
// so it needs Ridge > 0. src seeds the fits, column after column.
//
// Each column's mixture has one more component than opts.Components: the
// column's own Gaussian (its mean and variance) with weight 1/(n+1), the
// others' weights scaled by n/(n+1). It is a floor under the density far
// from the rows seen, so that one value unlike any of them (a pixel that
// was always blank in training, say) costs what it would under a
// Gaussian of the column rather than hundreds of nats under the narrow
// components that fit the rows.
func FitMarginals(x *tensor.Dense, opts MixtureFit, src rand.Source) (*distributions.MixtureCDF, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: FitMarginals needs a random source", ErrInvalidConfig)
	}
	if x == nil || len(x.Shape()) != 2 {
		return nil, fmt.Errorf("%w: FitMarginals wants an N×D tensor", ErrInvalidConfig)
	}
	D := x.Shape()[1]
	if D < 1 || D > distributions.MaxDim {
		return nil, fmt.Errorf("%w: FitMarginals: dimension %d, want 1 to %d", ErrInvalidConfig, D, distributions.MaxDim)
	}
	data, n, err := batch.Data(x, D)
	if err != nil {
		return nil, fmt.Errorf("train: FitMarginals: %w", err)
	}
	fitK := max(opts.Components, 1)
	K := fitK + 1 // and the floor
	if opts.Components < 0 || K > distributions.MaxComponents {
		return nil, fmt.Errorf("%w: FitMarginals: Components = %d, want 1 to %d", ErrInvalidConfig, opts.Components, distributions.MaxComponents)
	}
	if !(opts.Ridge >= 0) || math.IsInf(opts.Ridge, 0) {
		return nil, fmt.Errorf("%w: FitMarginals: Ridge = %g, want finite and ≥ 0", ErrInvalidConfig, opts.Ridge)
	}

	mean, variance, constant := columnVariances(data, n, D)
	ref, positive := 0.0, 0
	for j, v := range variance {
		if !constant[j] {
			ref += v
			positive++
		}
	}
	if positive > 0 {
		ref /= float64(positive)
	} else {
		ref = 1
	}

	logits, means, scales := make([]float64, D*K), make([]float64, D*K), make([]float64, D*K)
	col := make([]float64, n)
	for j := range D {
		for r := range n {
			col[r] = data[r*D+j]
		}
		floor := j*K + fitK
		if constant[j] {
			if opts.Ridge == 0 {
				return nil, fmt.Errorf("%w: FitMarginals: column %d is constant (%g): set Ridge > 0 to give it a width", ErrInvalidConfig, j, col[0])
			}
			for k := range K {
				means[j*K+k], scales[j*K+k] = col[0], math.Sqrt(opts.Ridge*ref)
			}
		} else {
			o := opts
			o.Components = fitK
			g, err := FitMixture(batch.New(n, 1, col), o, src)
			if err != nil {
				return nil, fmt.Errorf("train: FitMarginals: column %d: %w", j, err)
			}
			w := g.Weights()
			for k := range fitK {
				c, err := g.Component(k, nil)
				if err != nil {
					return nil, fmt.Errorf("train: FitMarginals: column %d: %w", j, err)
				}
				means[j*K+k], scales[j*K+k] = c.Loc()[0], c.ScaleTriL()[0]
				logits[j*K+k] = math.Log(w[k]) + math.Log(float64(n)/float64(n+1))
			}
			means[floor], scales[floor] = mean[j], math.Sqrt(variance[j])
		}
		logits[floor] = -math.Log(float64(n + 1))
		if constant[j] {
			for k := range fitK {
				logits[j*K+k] = math.Log(float64(n) / float64(n+1) / float64(fitK))
			}
		}
	}
	b, err := distributions.NewMixtureCDF(logits, means, scales, D, K)
	if err != nil {
		return nil, fmt.Errorf("train: FitMarginals: %w", err)
	}
	return b, nil
}

// columnVariances returns the mean and maximum-likelihood variance of each column
// of the n×D row-major x, by two passes, and whether the column is
// constant (compared exactly: the mean of equal values may be off by an
// ulp, and their variance not quite 0).
func columnVariances(x []float64, n, D int) (mean, variance []float64, constant []bool) {
	mean, v, constant := make([]float64, D), make([]float64, D), make([]bool, D)
	for j := range D {
		constant[j] = true
	}
	for r := range n {
		for j := range D {
			mean[j] += x[r*D+j] / float64(n)
			constant[j] = constant[j] && x[r*D+j] == x[j]
		}
	}
	for r := range n {
		for j := range D {
			d := x[r*D+j] - mean[j]
			v[j] += d * d / float64(n)
		}
	}
	return mean, v, constant
}
