package datasets

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// EightGaussians returns n points from FFJORD's "8gaussians" toy set: an
// equal mixture of eight isotropic Gaussians.
//
// As in FFJORD's lib/toy_data.py, each point is drawn around a centre
// chosen uniformly from 4·(±1, 0), 4·(0, ±1) and 4·(±1/√2, ±1/√2), with
// standard deviation 0.5 per coordinate, and the whole point is then
// divided by 1.414 (not exactly √2, as in the reference code). The centres
// therefore lie on a circle of radius 4/1.414 ≈ 2.83 and each component has
// standard deviation 0.5/1.414 ≈ 0.354.
//
// The result has shape (n, 2). EightGaussians returns an error wrapping
// ErrInvalidArgument if n ≤ 0 or src is nil.
func EightGaussians(n int, src rand.Source) (*tensor.Dense, error) {
	rng, err := newRand("EightGaussians", n, src)
	if err != nil {
		return nil, err
	}
	const (
		scale = 4.0
		std   = 0.5
		// The reference code divides by this literal rather than √2.
		shrink = 1.414
	)
	c := 1 / math.Sqrt(2)
	centres := [8][2]float64{
		{1, 0}, {-1, 0}, {0, 1}, {0, -1},
		{c, c}, {c, -c}, {-c, c}, {-c, -c},
	}
	data := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		// Same draw order as the reference: the offset, then the centre.
		x := std * rng.NormFloat64()
		y := std * rng.NormFloat64()
		k := rng.IntN(len(centres))
		data[2*i] = (x + scale*centres[k][0]) / shrink
		data[2*i+1] = (y + scale*centres[k][1]) / shrink
	}
	return points(data), nil
}
