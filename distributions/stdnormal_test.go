package distributions

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLogCDF: log Φ agrees with math.Erfc where that is accurate (to
// 1e−13 relative) and with the asymptotic series where Erfc underflows (to
// 1e−14), and is finite out to u = −1e150.
func TestLogCDF(t *testing.T) {
	for u := -37.0; u <= 8; u += 0.01 {
		want := math.Log(0.5 * math.Erfc(-u/math.Sqrt2))
		if u > 0 {
			want = math.Log1p(-0.5 * math.Erfc(u/math.Sqrt2))
		}
		assert.InDelta(t, want, logCDF(u), 1e-13*math.Abs(want), "u = %g", u)
	}
	for _, u := range []float64{-40, -55.5, -100, -1e3, -1e5, -1e8} {
		// log Φ(u) = −u²/2 − log(−u√(2π)) + log(1 − 1/u² + 3/u⁴ − 15/u⁶ + 105/u⁸ − 945/u¹⁰).
		s := 1 / (u * u)
		want := -0.5*u*u - math.Log(-u*math.Sqrt(2*math.Pi)) + math.Log1p(s*(-1+s*(3+s*(-15+s*(105-945*s)))))
		assert.InDelta(t, want, logCDF(u), 1e-14*math.Abs(want), "u = %g", u)
	}
	assert.True(t, finite(logCDF(-1e150)))
	assert.Equal(t, math.Log(0.5), logCDF(0))
}

// TestQuantileLog: z = Φ⁻¹ from log p inverts log Φ to 1e−14 relative from
// p = ½ to log p = −10⁸, and matches math.Erfinv where p is moderate (for
// small p, Erfinv(1 − 2p) has lost digits to the subtraction).
func TestQuantileLog(t *testing.T) {
	for _, lp := range []float64{math.Log(0.5), -0.7, -1, -2, -5, -20, -100, -699, -700, -701, -750, -1e4, -5e5, -1e8} {
		z := quantileLog(lp)
		assert.InDelta(t, lp, logCDF(z), 1e-14*math.Abs(lp), "log p = %g, z = %g", lp, z)
		assert.LessOrEqual(t, z, 0.0)
	}
	for _, p := range []float64{0.5, 0.4, 0.25, 0.1, 0.025, 1e-3} {
		want := -math.Sqrt2 * math.Erfinv(1-2*p)
		assert.InDelta(t, want, quantileLog(math.Log(p)), 1e-13*(1+math.Abs(want)), "p = %g", p)
	}
	assert.True(t, math.IsInf(quantileLog(math.Inf(-1)), -1))
}

// TestFastExp: fastExp is within 3 ulps of math.Exp over the normal range
// and equal to it outside.
func TestFastExp(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		x := -708 + 1417*r.Float64()
		if r.IntN(2) == 0 {
			x = -40 + 41*r.Float64()
		}
		want := math.Exp(x)
		assert.InDelta(t, want, fastExp(x), 3*0x1p-52*want, "x = %g", x)
	}
	for _, x := range []float64{-745, -720, -708.5, 709.5, math.Inf(-1), math.Inf(1)} {
		assert.Equal(t, math.Exp(x), fastExp(x), "x = %g", x)
	}
	assert.True(t, math.IsNaN(fastExp(math.NaN())))
	assert.Equal(t, 1.0, fastExp(0))
}

// TestTailRatio: the tabulated tail ratio agrees with Cody's rational
// functions to 8 ulps on [0, 8) and is them beyond; Φ(−y) = R(y)e^{−y²/2}
// agrees with math.Erfc to 2e−14 on [0, 8), where rounding y² costs
// e^{−y²/2} no more than 32 ulps.
func TestTailRatio(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 200000 {
		y := 8.2 * r.Float64()
		if i < 129 {
			y = float64(i) / 16 // the ends of the intervals
		}
		want := codyTailRatio(y)
		assert.InDelta(t, want, tailRatio(y), 8*0x1p-52*want, "y = %g", y)
	}
	for _, y := range []float64{8, 9.5, 40, 1e3, 1e150} {
		assert.Equal(t, codyTailRatio(y), tailRatio(y), "y = %g", y)
	}
	assert.Equal(t, 0.0, tailRatio(math.Inf(1)))
	for y := 0.0; y < 8; y += 0.001 {
		want := 0.5 * math.Erfc(y/math.Sqrt2)
		assert.InDelta(t, want, tailRatio(y)*math.Exp(-0.5*y*y), 2e-14*want, "y = %g", y)
	}
}
