package datasets

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// TwoSpirals returns n points from FFJORD's "2spirals" toy set: two
// interleaved spiral arms, each the point reflection of the other.
//
// As in FFJORD's lib/toy_data.py, a point of the first arm is
// (−t·cos t + u₁/2, t·sin t + u₂/2) with t = √u·3π (540° in radians) and
// u, u₁, u₂ uniform on [0, 1); the second arm holds the negations of the
// first arm's points. All points are then divided by 3 and Gaussian noise
// with standard deviation 0.1 is added to every coordinate, so radii range
// from about 0 to about π + 0.24 before noise.
//
// Rows 0 … ⌈n/2⌉−1 hold the first arm and the remaining ⌊n/2⌋ rows the second,
// with row ⌈n/2⌉+i the reflection of row i before noise. The reference
// returns 2·⌊n/2⌋ points; for odd n this function instead gives the first
// arm one extra point so that exactly n are returned.
//
// The result has shape (n, 2). TwoSpirals returns an error wrapping
// ErrInvalidArgument if n ≤ 0 or src is nil.
func TwoSpirals(n int, src rand.Source) (*tensor.Dense, error) {
	rng, err := newRand("TwoSpirals", n, src)
	if err != nil {
		return nil, err
	}
	const (
		maxTurn = 540 * 2 * math.Pi / 360
		jitter  = 0.5
		shrink  = 3.0
		noise   = 0.1
	)
	first := n - n/2
	data := make([]float64, 2*n)
	for i := 0; i < first; i++ {
		// The square root spreads points evenly along the arm's length
		// rather than its angle.
		t := math.Sqrt(rng.Float64()) * maxTurn
		x := -math.Cos(t)*t + rng.Float64()*jitter
		y := math.Sin(t)*t + rng.Float64()*jitter
		data[2*i] = x / shrink
		data[2*i+1] = y / shrink
	}
	for i := 0; i < n/2; i++ {
		data[2*(first+i)] = -data[2*i]
		data[2*(first+i)+1] = -data[2*i+1]
	}
	addNoise(rng, data, noise)
	return points(data), nil
}
