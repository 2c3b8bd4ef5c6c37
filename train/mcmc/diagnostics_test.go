package mcmc_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/train/mcmc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ar1 returns m chains of n draws of x_t = φx_{t−1} + √(1−φ²)ε_t, started
// from the stationary N(0, 1), shifted by shift[c].
func ar1(m, n int, phi float64, shift []float64, seed uint64) [][]float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float64, m)
	for c := range out {
		x := r.NormFloat64()
		out[c] = make([]float64, n)
		for t := range n {
			x = phi*x + math.Sqrt(1-phi*phi)*r.NormFloat64()
			out[c][t] = x
			if shift != nil {
				out[c][t] += shift[c]
			}
		}
	}
	return out
}

// TestDiagnosticsIID: independent draws give R̂ ≈ 1 and an ESS near the
// number of draws (its sampling error is about 3 % here).
func TestDiagnosticsIID(t *testing.T) {
	ch := ar1(4, 2000, 0, nil, 1)
	r, err := mcmc.RHat(ch)
	require.NoError(t, err)
	assert.Less(t, r, 1.005)
	for name, f := range map[string]func([][]float64) (float64, error){"bulk": mcmc.BulkESS, "raw": mcmc.ESS} {
		e, err := f(ch)
		require.NoError(t, err)
		t.Logf("%s ESS %.0f of 8000", name, e)
		assert.InDelta(t, 8000, e, 800, name)
	}
	se, err := mcmc.MCSE(ch)
	require.NoError(t, err)
	assert.InDelta(t, 1/math.Sqrt(8000), se, 0.1/math.Sqrt(8000))
}

// TestDiagnosticsAR1: an AR(1) chain of φ = 0.9 has integrated
// autocorrelation time (1 + φ)/(1 − φ) = 19, so ESS ≈ N/19.
func TestDiagnosticsAR1(t *testing.T) {
	ch := ar1(4, 20000, 0.9, nil, 2)
	e, err := mcmc.ESS(ch)
	require.NoError(t, err)
	t.Logf("ESS %.0f, want about %.0f", e, 80000/19.0)
	assert.InDelta(t, 80000/19.0, e, 0.15*80000/19)
	r, err := mcmc.RHat(ch)
	require.NoError(t, err)
	assert.Less(t, r, 1.01)
}

// TestDiagnosticsDisagree: chains that sit in different places, or one
// that drifts, give R̂ well above 1.01.
func TestDiagnosticsDisagree(t *testing.T) {
	r, err := mcmc.RHat(ar1(4, 1000, 0.5, []float64{0, 0, 0, 1}, 3))
	require.NoError(t, err)
	assert.Greater(t, r, 1.1)

	drift := ar1(4, 1000, 0.5, nil, 4)
	for i := range drift[2] {
		drift[2][i] += 2 * float64(i) / 1000
	}
	r, err = mcmc.RHat(drift)
	require.NoError(t, err)
	assert.Greater(t, r, 1.05)

	// Same location, one chain four times as wide: the folded R̂ sees it.
	wide := ar1(4, 1000, 0, nil, 5)
	for i := range wide[0] {
		wide[0][i] *= 4
	}
	r, err = mcmc.RHat(wide)
	require.NoError(t, err)
	assert.Greater(t, r, 1.1)
}

func TestDiagnosticsErrors(t *testing.T) {
	for _, ch := range [][][]float64{nil, {{1, 2, 3}}, {{1, 2, 3, 4}, {1, 2, 3}}, {{1, 2, math.NaN(), 4}}} {
		_, err := mcmc.RHat(ch)
		assert.ErrorIs(t, err, mcmc.ErrInvalidArgument)
		_, err = mcmc.BulkESS(ch)
		assert.ErrorIs(t, err, mcmc.ErrInvalidArgument)
		_, err = mcmc.MCSE(ch)
		assert.ErrorIs(t, err, mcmc.ErrInvalidArgument)
	}
	// Constant chains: nothing to mix, R̂ = 1.
	r, err := mcmc.RHat([][]float64{{1, 1, 1, 1}, {1, 1, 1, 1}})
	require.NoError(t, err)
	assert.Equal(t, 1.0, r)
}
