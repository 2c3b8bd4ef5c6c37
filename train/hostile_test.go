package train

import (
	"math"
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

// withConstantColumn returns n rows of N(0, 1) and a constant 0.5.
func withConstantColumn(n int, seed uint64) *tensor.Dense {
	x := columns(n, seed, 1, 1)
	v := x.Float64s()
	for r := range n {
		v[2*r+1] = 0.5
	}
	return x
}

// TestStandardizeKeepsAConstantColumn: fitStandardize's contract is that
// a constant column keeps scale 1, so NewStart with Standardize takes such
// data (as Whiten and Marginals do).
func TestStandardizeKeepsAConstantColumn(t *testing.T) {
	s, err := NewStart(withConstantColumn(80, 1), withConstantColumn(20, 2), StartConfig{Preprocessing: Standardize, Hidden: []int{4}}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	require.NotNil(t, s.Flow)
}

// TestBaselinesOfAConstantColumn: the CLI's real-data recipe fits
// baselines to every CSV; a constant column must not stop it with
// "raise Ridge", a knob FitBaselines does not have.
func TestBaselinesOfAConstantColumn(t *testing.T) {
	b, err := FitBaselines(withConstantColumn(80, 1), withConstantColumn(20, 2), nil, []int{1, 2}, []float64{0.1}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	h, err := Compare(b.Mixture, b, withConstantColumn(10, 3))
	require.NoError(t, err)
	assert.False(t, math.IsNaN(h.Gaussian.Mean) || math.IsInf(h.Gaussian.Mean, 0))
}

// TestCompareNilModel: a nil model is an error, not a panic.
func TestCompareNilModel(t *testing.T) {
	x := columns(60, 1, 1, 2)
	b, err := FitBaselines(x, columns(20, 2, 1, 2), nil, []int{1}, []float64{0.1}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	_, err = Compare(nil, b, x)
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

// TestFitMarginalsRefusesNegativeComponents: 0 means 1, but a negative
// number is a mistake that FitMixture refuses, and FitMarginals should
// too rather than quietly fit one component.
func TestFitMarginalsRefusesNegativeComponents(t *testing.T) {
	_, err := FitMarginals(columns(50, 1, 1), MixtureFit{Components: -5}, rand.NewPCG(1, 1))
	assert.ErrorIs(t, err, ErrInvalidConfig)
}
