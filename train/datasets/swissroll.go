package datasets

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// SwissRoll returns n points from FFJORD's "swissroll" toy set: a noisy
// two-dimensional spiral.
//
// FFJORD's lib/toy_data.py takes the first and third coordinates of
// scikit-learn's make_swiss_roll(n_samples=n, noise=1.0) and divides them
// by 5. Accordingly a point is (t·cos t + e₁, t·sin t + e₂)/5 with t
// uniform on [1.5π, 4.5π] and e₁, e₂ ~ N(0, 1), so the noise-free radius
// t/5 ranges over [0.3π, 0.9π] ≈ [0.94, 2.83] and the noise has standard
// deviation 0.2 per coordinate.
//
// The result has shape (n, 2). SwissRoll returns an error wrapping
// ErrInvalidArgument if n ≤ 0 or src is nil.
func SwissRoll(n int, src rand.Source) (*tensor.Dense, error) {
	rng, err := newRand("SwissRoll", n, src)
	if err != nil {
		return nil, err
	}
	const (
		noise  = 1.0
		shrink = 5.0
	)
	data := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		t := 1.5 * math.Pi * (1 + 2*rng.Float64())
		sin, cos := math.Sincos(t)
		data[2*i] = (t*cos + noise*rng.NormFloat64()) / shrink
		data[2*i+1] = (t*sin + noise*rng.NormFloat64()) / shrink
	}
	return points(data), nil
}
