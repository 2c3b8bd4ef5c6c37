package datasets

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Circles returns n points from FFJORD's "circles" toy set: two concentric
// noisy circles.
//
// FFJORD's lib/toy_data.py takes scikit-learn's
// make_circles(n_samples=n, factor=0.5, noise=0.08) and multiplies it by
// 3. Accordingly ⌊n/2⌋ points are evenly spaced (without repeating the
// start point) on the circle of radius 3 and the remaining n − ⌊n/2⌋ on
// the circle of radius 1.5, the rows are permuted uniformly at random, and
// Gaussian noise is added to every coordinate with standard deviation
// 3·0.08 = 0.24, since the scaling applies to the noise too.
//
// The result has shape (n, 2). Circles returns an error wrapping
// ErrInvalidArgument if n ≤ 0 or src is nil.
func Circles(n int, src rand.Source) (*tensor.Dense, error) {
	rng, err := newRand("Circles", n, src)
	if err != nil {
		return nil, err
	}
	const (
		scale  = 3.0
		factor = 0.5
		noise  = 0.08
	)
	nOut := n / 2
	data := make([]float64, 0, 2*n)
	for _, t := range fullTurn(nOut) {
		data = append(data, math.Cos(t), math.Sin(t))
	}
	for _, t := range fullTurn(n - nOut) {
		data = append(data, factor*math.Cos(t), factor*math.Sin(t))
	}
	shuffleRows(rng, data, nil)
	addNoise(rng, data, noise)
	for i := range data {
		data[i] *= scale
	}
	return points(data), nil
}
