package datasets

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// MaxRotation is the largest angle RotatedEightGaussians draws: an eighth
// of a turn, after which the eight Gaussians look the same again.
const MaxRotation = math.Pi / 4

// RotatedEightGaussians returns n points of EightGaussians, each rotated
// about the origin by its own angle θ drawn uniformly from [0, MaxRotation),
// and the angles: a data set with a continuous context, p(x | θ) being
// the eight Gaussians turned by θ.
//
// The angles are drawn from src first; the unrotated points are then
// EightGaussians' from a source seeded by src. The result has shape (n, 2) and angles has n
// entries. It returns an error wrapping ErrInvalidArgument if n ≤ 0 or src
// is nil.
func RotatedEightGaussians(n int, src rand.Source) (*tensor.Dense, []float64, error) {
	rng, err := newRand("RotatedEightGaussians", n, src)
	if err != nil {
		return nil, nil, err
	}
	angles := make([]float64, n)
	for i := range angles {
		angles[i] = MaxRotation * rng.Float64()
	}
	// The unrotated points come from the same generator, with a stream of
	// their own, so that they are EightGaussians' points exactly.
	x, err := EightGaussians(n, rand.NewPCG(rng.Uint64(), rng.Uint64()))
	if err != nil {
		return nil, nil, err
	}
	d := x.Data().([]float64)
	for i, a := range angles {
		s, c := math.Sincos(a)
		px, py := d[2*i], d[2*i+1]
		d[2*i], d[2*i+1] = c*px-s*py, s*px+c*py
	}
	return x, angles, nil
}
