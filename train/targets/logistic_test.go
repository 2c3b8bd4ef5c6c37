package targets_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/train/targets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogisticGradient: the breast-cancer posterior's gradient matches
// central differences at random points, and its value at 0 is the prior's
// plus N log ½.
func TestLogisticGradient(t *testing.T) {
	l, err := targets.BreastCancerLogistic()
	require.NoError(t, err)
	require.Equal(t, 31, l.Dim())
	require.Equal(t, 569, l.Rows())
	zero := make([]float64, 31)
	assert.InDelta(t, -31*0.5*math.Log(2*math.Pi)+569*math.Log(0.5), l.LogDensity(zero), 1e-9)

	r := rand.New(rand.NewPCG(5, 6))
	for range 3 {
		beta := make([]float64, 31)
		for j := range beta {
			beta[j] = 0.5 * r.NormFloat64()
		}
		g := make([]float64, 31)
		v := l.LogDensityGrad(g, beta)
		assert.Equal(t, l.LogDensity(beta), v)
		fd := fdtest.Gradient(beta, 1e-5, func() float64 { return l.LogDensity(beta) })
		for j := range g {
			assert.InDelta(t, fd[j], g[j], 1e-5*(1+math.Abs(fd[j])), "∂%d", j)
		}
	}
	// Far from the data's scale the log-likelihood stays finite.
	big := make([]float64, 31)
	big[0] = 800
	assert.False(t, math.IsInf(l.LogDensity(big), 0) || math.IsNaN(l.LogDensity(big)))
}

// TestLogisticStandardised: the features are standardised, read off the
// Hessian at β = 0, −¼ Σ_i x_i x_iᵀ − I (by central differences of the
// gradient): with Σ_i x_ij = 0 and Σ_i x_ij² = N for every feature j,
// H_0j = 0 and H_jj = −N/4 − 1, and the bias's gradient is #benign − N/2.
func TestLogisticStandardised(t *testing.T) {
	l, err := targets.BreastCancerLogistic()
	require.NoError(t, err)
	beta := make([]float64, 31)
	g := make([]float64, 31)
	l.LogDensityGrad(g, beta)
	assert.InDelta(t, 357-569.0/2, g[0], 1e-9)
	for j := 1; j < 31; j++ {
		row := fdtest.Gradient(beta, 1e-4, func() float64 { l.LogDensityGrad(g, beta); return g[j] })
		assert.InDelta(t, 0, row[0], 1e-6, "H_0%d", j)
		assert.InDelta(t, -569.0/4-1, row[j], 1e-4, "H_%d%d", j, j) // O(h²Σx⁴) off
	}
}

func TestLogisticErrors(t *testing.T) {
	for _, c := range []struct {
		x    []float64
		y    []int
		n, p int
		s    float64
	}{
		{[]float64{1, 2}, []int{0}, 1, 1, 1},
		{[]float64{1}, []int{2}, 1, 1, 1},
		{[]float64{math.NaN()}, []int{1}, 1, 1, 1},
		{[]float64{1}, []int{1}, 1, 1, 0},
		{[]float64{1}, []int{1}, 1, 1, math.Inf(1)},
		{nil, nil, 0, 1, 1},
	} {
		_, err := targets.NewLogisticRegression(c.x, c.y, c.n, c.p, c.s)
		assert.ErrorIs(t, err, targets.ErrInvalidArgument)
	}
}
