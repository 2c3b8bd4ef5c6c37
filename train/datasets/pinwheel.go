package datasets

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Pinwheel returns n points from FFJORD's "pinwheel" toy set: five curved
// blades arranged with five-fold rotational symmetry.
//
// As in FFJORD's lib/toy_data.py, a point of blade k ∈ {0, …, 4} starts as
// (r, s) with r ~ N(1, 0.3²) and s ~ N(0, 0.1²). It is rotated clockwise
// by the angle 2πk/5 + 0.25·exp(r), scaled by 2, and the rows are then
// permuted uniformly at random. A point's distance from the origin is
// therefore 2·√(r² + s²), about 2.
//
// The reference returns 5·⌊n/5⌋ points; this function instead gives the
// first n mod 5 blades one extra point so that exactly n are returned.
//
// The result has shape (n, 2). Pinwheel returns an error wrapping
// ErrInvalidArgument if n ≤ 0 or src is nil.
func Pinwheel(n int, src rand.Source) (*tensor.Dense, error) {
	rng, err := newRand("Pinwheel", n, src)
	if err != nil {
		return nil, err
	}
	const (
		radialStd     = 0.3
		tangentialStd = 0.1
		blades        = 5
		rate          = 0.25
		scale         = 2.0
	)
	data := make([]float64, 0, 2*n)
	for k := 0; k < blades; k++ {
		count := n / blades
		if k < n%blades {
			count++
		}
		base := 2 * math.Pi * float64(k) / blades
		for j := 0; j < count; j++ {
			r := radialStd*rng.NormFloat64() + 1
			s := tangentialStd * rng.NormFloat64()
			a := base + rate*math.Exp(r)
			sin, cos := math.Sincos(a)
			// (r, s) times the row-vector rotation [[cos, −sin], [sin, cos]],
			// as the reference's einsum("ti,tij->tj") computes it.
			data = append(data, scale*(r*cos+s*sin), scale*(-r*sin+s*cos))
		}
	}
	shuffleRows(rng, data, nil)
	return points(data), nil
}
