package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// GaussianMixture returns n points of shape (n, dim) from an equal-weight
// mixture of components isotropic Gaussians with unit standard deviation.
//
// The means are fixed, not random: they are the vertices of a
// cross-polytope of radius separation, taken in the order
//
//	μ_0 = +s·e_0, μ_1 = −s·e_0, μ_2 = +s·e_1, μ_3 = −s·e_1, …
//
// that is μ_c = (−1)^c · separation · e_⌊c/2⌋, so 1 ≤ components ≤ 2·dim.
// Every pair of means is at least separation·√2 apart, and the same
// (dim, components, separation) always describe the same distribution,
// whose exact log-density is GaussianMixtureLogProb.
//
// Each point draws its component with IntN(components) and then its dim
// offsets with NormFloat64, in that order.
//
// GaussianMixture returns an error wrapping ErrInvalidArgument if n ≤ 0,
// dim ≤ 0, components is outside [1, 2·dim], separation is negative or not
// finite, or src is nil.
func GaussianMixture(n, dim, components int, separation float64, src rand.Source) (*tensor.Dense, error) {
	data, _, err := gaussianMixture(n, dim, components, separation, src)
	if err != nil {
		return nil, err
	}
	return tensor.New(tensor.WithShape(n, dim), tensor.WithBacking(data)), nil
}

// GaussianMixtureLogProb returns the exact natural-log density, under the
// distribution GaussianMixture(·, dim, components, separation, ·) samples,
// of each row of x, which must be a float64 tensor of shape (N, dim).
//
// It returns an error wrapping ErrInvalidArgument for the arguments
// GaussianMixture rejects or for an x of the wrong type or shape.
func GaussianMixtureLogProb(x *tensor.Dense, dim, components int, separation float64) ([]float64, error) {
	const fn = "GaussianMixtureLogProb"
	if err := checkMixture(fn, dim, components, separation); err != nil {
		return nil, err
	}
	if x == nil {
		return nil, fmt.Errorf("%s: x is nil: %w", fn, ErrInvalidArgument)
	}
	if s := x.Shape(); len(s) != 2 || s[1] != dim || x.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("%s: x is %v of shape %v, want float64 of shape (N, %d): %w", fn, x.Dtype(), x.Shape(), dim, ErrInvalidArgument)
	}
	// A strided view's backing slice is not its rows in order: copy it out.
	if x.RequiresIterator() {
		x = x.Materialize().(*tensor.Dense)
	}
	n := x.Shape()[0]
	data := x.Float64s()[:n*dim]
	out := make([]float64, n)
	norm := -math.Log(float64(components)) - 0.5*float64(dim)*math.Log(2*math.Pi)
	e := make([]float64, components)
	for r := range out {
		row := data[r*dim : (r+1)*dim]
		// |x − μ_c|² = |x|² − 2·(±s)·x_k + s², computed from |x|² so each
		// component costs O(1) instead of O(dim).
		sq := 0.0
		for _, v := range row {
			sq += v * v
		}
		hi := math.Inf(-1)
		for c := range e {
			sign := 1.0
			if c%2 == 1 {
				sign = -1
			}
			d2 := sq - 2*sign*separation*row[c/2] + separation*separation
			e[c] = -0.5 * d2
			hi = max(hi, e[c])
		}
		// Log-sum-exp about the largest term: far from every mean the
		// exponentials would underflow to 0 and give −Inf.
		sum := 0.0
		for _, v := range e {
			sum += math.Exp(v - hi)
		}
		out[r] = norm + hi + math.Log(sum)
	}
	return out, nil
}

// GaussianMixtureMeans returns the component means of GaussianMixture, one
// row of length dim per component, or an error wrapping ErrInvalidArgument
// for the arguments GaussianMixture rejects.
func GaussianMixtureMeans(dim, components int, separation float64) ([][]float64, error) {
	if err := checkMixture("GaussianMixtureMeans", dim, components, separation); err != nil {
		return nil, err
	}
	means := make([][]float64, components)
	for c := range means {
		means[c] = make([]float64, dim)
		means[c][c/2] = separation
		if c%2 == 1 {
			means[c][c/2] = -separation
		}
	}
	return means, nil
}

// gaussianMixture is GaussianMixture returning the row-major data and the
// component of every point, which the tests need to count draws.
func gaussianMixture(n, dim, components int, separation float64, src rand.Source) ([]float64, []int, error) {
	const fn = "GaussianMixture"
	if err := checkMixture(fn, dim, components, separation); err != nil {
		return nil, nil, err
	}
	if err := batch.CheckSize(fn, n, dim); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	rng, err := newRand(fn, n, src)
	if err != nil {
		return nil, nil, err
	}
	data := make([]float64, n*dim)
	labels := make([]int, n)
	for i := range labels {
		c := rng.IntN(components)
		labels[i] = c
		row := data[i*dim : (i+1)*dim]
		for j := range row {
			row[j] = rng.NormFloat64()
		}
		if c%2 == 0 {
			row[c/2] += separation
		} else {
			row[c/2] -= separation
		}
	}
	return data, labels, nil
}

// checkMixture validates the parameters shared by the mixture functions.
// MaxMixtureDim bounds the dimension of the Gaussian mixture: its means
// take dim² values.
const MaxMixtureDim = 4096

func checkMixture(fn string, dim, components int, separation float64) error {
	switch {
	case dim <= 0:
		return fmt.Errorf("%s: dim = %d, want dim > 0: %w", fn, dim, ErrInvalidArgument)
	case dim > MaxMixtureDim:
		return fmt.Errorf("%s: dim = %d, over the limit of %d: %w: %w", fn, dim, MaxMixtureDim, ErrInvalidArgument, batch.ErrTooLarge)
	// In uint64, 2·dim cannot overflow.
	case components < 1 || uint64(components) > 2*uint64(dim):
		return fmt.Errorf("%s: components = %d, want 1 ≤ components ≤ 2·dim = %d: %w", fn, components, 2*dim, ErrInvalidArgument)
	// The negated comparison also rejects NaN.
	case !(separation >= 0) || math.IsInf(separation, 1):
		return fmt.Errorf("%s: separation = %v, want a finite value ≥ 0: %w", fn, separation, ErrInvalidArgument)
	}
	return nil
}
