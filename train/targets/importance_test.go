package targets_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/train/targets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestImportanceExact: q = π gives every weight Z, so log Ẑ is exact,
// ESS/N = 1, KL = 0 and the standard errors are 0.
func TestImportanceExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	const logZ = 7.25
	logq := make([]float64, 1000)
	logp := make([]float64, 1000)
	for i := range logq {
		x := r.NormFloat64()
		logq[i] = -0.5*x*x - 0.5*math.Log(2*math.Pi)
		logp[i] = logq[i] + logZ
	}
	e, err := targets.Importance(logq, logp)
	require.NoError(t, err)
	assert.InDelta(t, logZ, e.LogZ, 1e-12)
	assert.InDelta(t, logZ, e.ELBO, 1e-12)
	assert.InDelta(t, 1, e.ESSFraction, 1e-12)
	assert.InDelta(t, 1000, e.ESS, 1e-9)
	assert.InDelta(t, 0, e.KL, 1e-12)
	assert.InDelta(t, 0, e.LogZSE, 1e-7)
	assert.InDelta(t, 0, e.ELBOSE, 1e-7)
}

// TestImportanceGaussian: q = N(0, 1) for π = N(0, σ²), σ = 0.8, known
// exactly: E_q[w²] = 1/(σ√(2 − σ²)) so ESS/N → σ√(2 − σ²) = 0.933;
// ELBO = −KL(q‖π) = −(log σ + 1/2σ² − ½); log Z = 0. The estimates from
// 100 000 draws are within 4 of their standard errors, and the stated
// standard errors match the spread of 50 repeats of 2 000 draws.
func TestImportanceGaussian(t *testing.T) {
	const s = 0.8
	draw := func(r *rand.Rand, n int) ([]float64, []float64) {
		logq := make([]float64, n)
		logp := make([]float64, n)
		for i := range logq {
			x := r.NormFloat64()
			logq[i] = -0.5*x*x - 0.5*math.Log(2*math.Pi)
			logp[i] = -0.5*x*x/(s*s) - math.Log(s) - 0.5*math.Log(2*math.Pi)
		}
		return logq, logp
	}
	r := rand.New(rand.NewPCG(2, 2))
	e, err := targets.Importance(draw(r, 100000))
	require.NoError(t, err)
	elbo := -(math.Log(s) + 1/(2*s*s) - 0.5)
	t.Logf("%+v; exact ELBO %.5f, ESS/N %.5f", e, elbo, s*math.Sqrt(2-s*s))
	assert.InDelta(t, 0, e.LogZ, 4*e.LogZSE)
	assert.InDelta(t, elbo, e.ELBO, 4*e.ELBOSE)
	assert.InDelta(t, s*math.Sqrt(2-s*s), e.ESSFraction, 0.01)
	assert.InDelta(t, -elbo, e.KL, 0.01)
	assert.Less(t, e.ParetoK, 0.0, "π narrower than q: bounded weights")

	var zs, se []float64
	for range 50 {
		e, err := targets.Importance(draw(r, 2000))
		require.NoError(t, err)
		zs = append(zs, e.LogZ)
		se = append(se, e.LogZSE)
	}
	var m, v, meanSE float64
	for i := range zs {
		m += zs[i] / 50
		meanSE += se[i] / 50
	}
	for _, z := range zs {
		v += (z - m) * (z - m) / 49
	}
	t.Logf("log Ẑ over repeats: sd %.4f, mean stated SE %.4f", math.Sqrt(v), meanSE)
	assert.InDelta(t, math.Sqrt(v), meanSE, 0.3*meanSE)
}

// TestImportanceExtremes: weights spanning e^±800 neither overflow nor
// vanish; π̃ = 0 at a point gives weight 0; bad input is an error.
func TestImportanceExtremes(t *testing.T) {
	e, err := targets.Importance([]float64{0, 0, 0}, []float64{800, 800, math.Inf(-1)})
	require.NoError(t, err)
	assert.InDelta(t, 800+math.Log(2.0/3), e.LogZ, 1e-12)
	assert.InDelta(t, 2.0/3, e.ESSFraction, 1e-12)
	assert.True(t, math.IsInf(e.ELBO, -1))

	e, err = targets.Importance([]float64{0, 0}, []float64{-800, -1600})
	require.NoError(t, err)
	assert.InDelta(t, -800-math.Log(2), e.LogZ, 1e-12)
	assert.InDelta(t, 0.5, e.ESSFraction, 1e-12)

	for _, c := range [][2][]float64{
		{{0}, {0}}, {{0, 0}, {0}}, {{0, math.NaN()}, {0, 0}}, {{0, math.Inf(-1)}, {0, 0}},
		{{0, 0}, {0, math.Inf(1)}}, {{0, 0}, {math.Inf(-1), math.Inf(-1)}}, {{0, 0}, {math.NaN(), 0}},
	} {
		_, err := targets.Importance(c[0], c[1])
		assert.ErrorIs(t, err, targets.ErrInvalidArgument, "%v", c)
	}
}

// TestImportanceParetoK: for q = N(0, 1) and π = N(0, σ²) with σ > 1 the
// weights e^{x²(1 − 1/σ²)/2} have moments of order below σ²/(σ² − 1)
// only, a tail of shape k = 1 − 1/σ²: 0.75 for σ = 2, past the 0.7 at
// which the estimates stop being reliable. With fewer than 25 draws k̂ is
// NaN.
func TestImportanceParetoK(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	const s, n = 2.0, 20000
	logq := make([]float64, n)
	logp := make([]float64, n)
	for i := range logq {
		x := r.NormFloat64()
		logq[i] = -0.5 * x * x
		logp[i] = -0.5*x*x/(s*s) - math.Log(s)
	}
	e, err := targets.Importance(logq, logp)
	require.NoError(t, err)
	t.Logf("σ = 2: k̂ = %.3f (k = 0.75), ESS/N %.2f", e.ParetoK, e.ESSFraction)
	assert.InDelta(t, 0.75, e.ParetoK, 0.2)
	short, err := targets.Importance(logq[:20], logp[:20])
	require.NoError(t, err)
	assert.True(t, math.IsNaN(short.ParetoK))
}
