package train

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// columns returns n rows of independent N(0, s_j²) columns.
func columns(n int, seed uint64, scales ...float64) *tensor.Dense {
	r := rand.New(rand.NewPCG(seed, seed+1))
	D := len(scales)
	v := make([]float64, n*D)
	for i := range v {
		v[i] = scales[i%D] * r.NormFloat64()
	}
	return tensor.New(tensor.WithShape(n, D), tensor.WithBacking(v))
}

// TestFitGaussianColumnsInDifferentUnits: a well-posed Gaussian whose
// columns are in units 1e9 apart (variances 1e18 apart) is no singular
// covariance; whether a covariance is singular does not depend on the
// units of its columns.
func TestFitGaussianColumnsInDifferentUnits(t *testing.T) {
	x := columns(200, 1, 1e-5, 1e4)
	g, err := FitGaussian(x, 0, rand.NewPCG(1, 1))
	require.NoError(t, err)
	l := g.ScaleTriL()
	assert.InEpsilon(t, 1e-5, l[0], 0.2)
	assert.InEpsilon(t, 1e4, l[3], 0.2)
}
