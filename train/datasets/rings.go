package datasets

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Rings returns n points from FFJORD's "rings" toy set: four concentric
// noisy circles.
//
// As in FFJORD's lib/toy_data.py, ⌊n/4⌋ points are evenly spaced (without
// repeating the start point) on each of the circles of radius 3, 2.25 and
// 1.5, and the remaining n − 3·⌊n/4⌋ on the circle of radius 0.75, all
// centred at the origin. The rows are permuted uniformly at random and
// Gaussian noise with standard deviation 0.08 is added to every
// coordinate.
//
// The result has shape (n, 2). Rings returns an error wrapping
// ErrInvalidArgument if n ≤ 0 or src is nil.
func Rings(n int, src rand.Source) (*tensor.Dense, error) {
	rng, err := newRand("Rings", n, src)
	if err != nil {
		return nil, err
	}
	const (
		scale = 3.0
		noise = 0.08
	)
	q := n / 4
	rings := [4]struct {
		radius float64
		count  int
	}{
		{1, q}, {0.75, q}, {0.5, q}, {0.25, n - 3*q},
	}
	data := make([]float64, 0, 2*n)
	for _, r := range rings {
		for _, t := range fullTurn(r.count) {
			data = append(data, scale*r.radius*math.Cos(t), scale*r.radius*math.Sin(t))
		}
	}
	shuffleRows(rng, data, nil)
	addNoise(rng, data, noise)
	return points(data), nil
}
