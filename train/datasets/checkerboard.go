package datasets

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Checkerboard returns n points from FFJORD's "checkerboard" toy set: the
// uniform distribution on the "black" squares of a 4×4 checkerboard
// covering [−4, 4)².
//
// As in FFJORD's lib/toy_data.py, x₁ is uniform on [−2, 2); x₂ is uniform
// on [0, 1) or [−2, −1) with equal probability, shifted up by 1 when
// ⌊x₁⌋ is odd; the point 2·(x₁, x₂) is returned. The squares of side 2
// that receive points are exactly those with ⌊x/2⌋ + ⌊y/2⌋ even, eight of
// the sixteen, each with probability 1/8.
//
// The result has shape (n, 2). Checkerboard returns an error wrapping
// ErrInvalidArgument if n ≤ 0 or src is nil.
func Checkerboard(n int, src rand.Source) (*tensor.Dense, error) {
	rng, err := newRand("Checkerboard", n, src)
	if err != nil {
		return nil, err
	}
	data := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		x1 := rng.Float64()*4 - 2
		x2 := rng.Float64() - float64(rng.IntN(2))*2
		// Python's % is non-negative for a positive divisor; math.Mod
		// keeps the sign of the dividend.
		if math.Mod(math.Floor(x1), 2) != 0 {
			x2++
		}
		data[2*i] = 2 * x1
		data[2*i+1] = 2 * x2
	}
	return points(data), nil
}
