package mcmc_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/train/mcmc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gaussian is N(μ, Σ) with Σ⁻¹ given, a target with scales 100 apart and
// a correlation of 0.9.
type gaussian struct {
	mu   []float64
	prec [][]float64
}

func (g gaussian) Dim() int { return len(g.mu) }

func (g gaussian) LogDensityGrad(grad, x []float64) float64 {
	var lp float64
	for i := range x {
		grad[i] = 0
		for j := range x {
			grad[i] -= g.prec[i][j] * (x[j] - g.mu[j])
		}
		lp += 0.5 * grad[i] * (x[i] - g.mu[i])
	}
	return lp
}

// corrGaussian: sds 0.1, 10, 1; corr(x0, x1) = 0.9.
func corrGaussian() (gaussian, [][]float64) {
	sd := []float64{0.1, 10, 1}
	cov := [][]float64{
		{sd[0] * sd[0], 0.9 * sd[0] * sd[1], 0},
		{0.9 * sd[0] * sd[1], sd[1] * sd[1], 0},
		{0, 0, sd[2] * sd[2]},
	}
	// The inverse of the 2×2 block and of the last variance.
	det := cov[0][0]*cov[1][1] - cov[0][1]*cov[1][0]
	prec := [][]float64{
		{cov[1][1] / det, -cov[0][1] / det, 0},
		{-cov[1][0] / det, cov[0][0] / det, 0},
		{0, 0, 1 / cov[2][2]},
	}
	return gaussian{mu: []float64{1, -5, 0}, prec: prec}, cov
}

// TestHMCGaussian: four chains from dispersed starts recover the mean
// and covariance of a badly scaled, correlated Gaussian, within 5 Monte
// Carlo standard errors, with R̂ < 1.01. The acceptance rate of the kept
// draws is above warm-up's aim of 0.8 (0.89–0.94 here), as in Stan: the
// final step is dual averaging's running average, smaller than its last
// iterates.
func TestHMCGaussian(t *testing.T) {
	g, cov := corrGaussian()
	h := mcmc.HMC{Warmup: 500, Samples: 1000}
	var chains []mcmc.Chain
	for c := range 4 {
		init := []float64{1 + 0.3*float64(c-2), -5 + 20*float64(c-2), float64(c)}
		ch, err := h.Run(g, init, rand.NewPCG(uint64(c), 7))
		require.NoError(t, err)
		t.Logf("chain %d: step %.3g × %d, accept %.2f, %d gradients, %d divergent", c, ch.StepSize, ch.Steps, ch.AcceptRate, ch.Gradients, ch.Divergent)
		assert.True(t, ch.AcceptRate > 0.7 && ch.AcceptRate < 0.98, "acceptance %.2f", ch.AcceptRate)
		assert.Zero(t, ch.Divergent)
		chains = append(chains, ch)
	}
	for i := range 3 {
		draws := make([][]float64, 4)
		for c, ch := range chains {
			for k := range 1000 {
				draws[c] = append(draws[c], ch.Draws[3*k+i])
			}
		}
		r, err := mcmc.RHat(draws)
		require.NoError(t, err)
		se, err := mcmc.MCSE(draws)
		require.NoError(t, err)
		var mean, ss float64
		for _, d := range draws {
			for _, v := range d {
				mean += v / 4000
			}
		}
		for _, d := range draws {
			for _, v := range d {
				ss += (v - mean) * (v - mean) / 3999
			}
		}
		t.Logf("θ%d: mean %.4f ± %.4f (true %.1f), sd %.4f (true %.2f), R̂ %.4f", i, mean, se, g.mu[i], math.Sqrt(ss), math.Sqrt(cov[i][i]), r)
		assert.Less(t, r, 1.01)
		assert.InDelta(t, g.mu[i], mean, 5*se)
		assert.InDelta(t, math.Sqrt(cov[i][i]), math.Sqrt(ss), 0.1*math.Sqrt(cov[i][i]))
	}
}

// TestHMCDeterministic: the same seed gives the same draws, bit for bit.
func TestHMCDeterministic(t *testing.T) {
	g, _ := corrGaussian()
	h := mcmc.HMC{Warmup: 200, Samples: 50}
	a, err := h.Run(g, []float64{0, 0, 0}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	b, err := h.Run(g, []float64{0, 0, 0}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

func TestHMCErrors(t *testing.T) {
	g, _ := corrGaussian()
	src := rand.NewPCG(1, 1)
	for _, h := range []mcmc.HMC{{Warmup: -1}, {Samples: -1}, {Length: math.NaN()}, {AcceptRate: 1}, {MaxSteps: -2}} {
		_, err := h.Run(g, []float64{0, 0, 0}, src)
		assert.ErrorIs(t, err, mcmc.ErrInvalidArgument, "%+v", h)
	}
	_, err := mcmc.HMC{}.Run(g, []float64{0, 0}, src)
	assert.ErrorIs(t, err, mcmc.ErrInvalidArgument)
	_, err = mcmc.HMC{}.Run(g, []float64{0, 0, 0}, nil)
	assert.ErrorIs(t, err, mcmc.ErrInvalidArgument)
	_, err = mcmc.HMC{}.Run(g, []float64{math.NaN(), 0, 0}, src)
	assert.ErrorIs(t, err, mcmc.ErrInvalidArgument)
}
