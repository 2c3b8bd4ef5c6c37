package datasets

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Moons returns n points of two interleaving half circles, distributed as
// scikit-learn's make_moons(n_samples=n, noise=noise, shuffle=shuffle).
//
// The first n/2 points (integer division) lie on the upper arc
// (cos θ, sin θ) and the remaining n − n/2 on the lower arc
// (1 − cos θ, 0.5 − sin θ), each with θ evenly spaced over [0, π]
// including both ends. If shuffle is true the rows are then permuted
// uniformly at random. Finally independent Gaussian noise with standard
// deviation noise is added to every coordinate; with noise == 0 the points
// lie exactly on the arcs.
//
// The result has shape (n, 2). Moons returns an error wrapping
// ErrInvalidArgument if n ≤ 0, noise is negative, infinite or NaN, or src
// is nil.
func Moons(n int, noise float64, shuffle bool, src rand.Source) (*tensor.Dense, error) {
	x, _, err := moons("Moons", n, noise, shuffle, src)
	return x, err
}

// MoonsLabeled is like Moons but also returns the arc of each point, as
// make_moons does: labels[i] is 0 if row i was drawn from the upper arc and
// 1 if from the lower arc. The labels follow the rows through shuffling.
func MoonsLabeled(n int, noise float64, shuffle bool, src rand.Source) (*tensor.Dense, []int, error) {
	return moons("MoonsLabeled", n, noise, shuffle, src)
}

func moons(fn string, n int, noise float64, shuffle bool, src rand.Source) (*tensor.Dense, []int, error) {
	rng, err := newRand(fn, n, src)
	if err != nil {
		return nil, nil, err
	}
	if err := checkNoise(fn, noise); err != nil {
		return nil, nil, err
	}

	nOut := n / 2
	data := make([]float64, 0, 2*n)
	labels := make([]int, 0, n)
	for _, t := range linspace(0, math.Pi, nOut) {
		data = append(data, math.Cos(t), math.Sin(t))
		labels = append(labels, 0)
	}
	for _, t := range linspace(0, math.Pi, n-nOut) {
		data = append(data, 1-math.Cos(t), 0.5-math.Sin(t))
		labels = append(labels, 1)
	}

	// make_moons shuffles before adding noise; keep that order.
	if shuffle {
		shuffleRows(rng, data, labels)
	}
	addNoise(rng, data, noise)
	return points(data), labels, nil
}
