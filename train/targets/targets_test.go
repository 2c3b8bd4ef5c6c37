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

var twoD = map[string]targets.Target{
	"u1":     targets.TwoLobeRing{},
	"banana": targets.Banana{B: 1},
	"funnel": targets.Funnel{},
	"ring":   targets.EightModeRing{},
	"ring3":  targets.EightModeRing{Radius: 3, Sigma: 0.3},
}

// TestGradients: LogDensityGrad's gradient matches central differences
// with step 1e−5 to 1e−6 relative, and its value is LogDensity's.
func TestGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for name, tg := range twoD {
		for range 20 {
			x := []float64{3 * r.NormFloat64(), 3 * r.NormFloat64()}
			g := make([]float64, 2)
			v := tg.LogDensityGrad(g, x)
			assert.Equal(t, tg.LogDensity(x), v, name)
			fd := fdtest.Gradient(x, 1e-5, func() float64 { return tg.LogDensity(x) })
			for i := range g {
				assert.InDelta(t, fd[i], g[i], 1e-6*(1+math.Abs(fd[i])), "%s at %v, ∂%d", name, x, i)
			}
		}
	}
}

// TestU1Formula: U1 at hand-computed points.
func TestU1Formula(t *testing.T) {
	u := targets.TwoLobeRing{}
	// On the ring at (2, 0): the ring term is 0, the lobes 1 + e^{−½(4/0.6)²}.
	assert.InDelta(t, math.Log(1+math.Exp(-0.5*(4/0.6)*(4/0.6))), u.LogDensity([]float64{2, 0}), 1e-15)
	// At (0, 2): −0 + log(2e^{−½(2/0.6)²}).
	assert.InDelta(t, math.Log(2)-0.5*(2/0.6)*(2/0.6), u.LogDensity([]float64{0, 2}), 1e-14)
	// The origin: (−2/0.4)²/2 = 12.5; the gradient there is the lobes' only.
	g := make([]float64, 2)
	assert.InDelta(t, -12.5+math.Log(2)-0.5*(2/0.6)*(2/0.6), u.LogDensityGrad(g, []float64{0, 0}), 1e-14)
	assert.Equal(t, []float64{0, 0}, g)
	// Far out the lobes do not underflow to −Inf.
	assert.False(t, math.IsInf(u.LogDensity([]float64{100, 0}), 0))
}

// TestFunnelQuantiles: v's quantiles are 3Φ⁻¹(p).
func TestFunnelQuantiles(t *testing.T) {
	f := targets.Funnel{}
	assert.Equal(t, 0.0, f.QuantileV(0.5))
	assert.InDelta(t, 3*1.959963984540054, f.QuantileV(0.975), 1e-12)
	assert.InDelta(t, -3*1.2815515655446004, f.QuantileV(0.1), 1e-12)
}

// TestModeMasses: points near a mode fall to it; shares are
// the (weighted) fractions; bad input is an error.
func TestModeMasses(t *testing.T) {
	e := targets.EightModeRing{}
	r := rand.New(rand.NewPCG(3, 4))
	var x []float64
	for k := range 8 * 100 {
		c := e.Mean(k % 8)
		p := []float64{c[0] + 0.25*r.NormFloat64(), c[1] + 0.25*r.NormFloat64()} // 6σ from the boundary
		assert.Equal(t, k%8, e.Mode(p))
		x = append(x, p...)
	}
	m, err := e.ModeMasses(x, nil)
	require.NoError(t, err)
	for _, v := range m {
		assert.InDelta(t, 0.125, v, 1e-12)
	}
	w := make([]float64, len(x)/2)
	w[3] = 2 // point 3 is of mode 3
	w[8] = 6 // point 8 of mode 0
	m, err = e.ModeMasses(x, w)
	require.NoError(t, err)
	assert.Equal(t, [8]float64{0.75, 0, 0, 0.25}, m)
	assert.Equal(t, 0, e.Mode([]float64{0, 0}))
	assert.Equal(t, 4, e.Mode([]float64{-1, -1e-9}))
	assert.Equal(t, -1, e.Mode([]float64{math.NaN(), 0}))

	for _, bad := range []struct {
		x, w []float64
	}{{nil, nil}, {[]float64{1}, nil}, {[]float64{1, 2}, []float64{1, 2}}, {[]float64{1, 2}, []float64{-1}},
		{[]float64{1, 2}, []float64{0}}, {[]float64{math.Inf(1), 2}, nil}, {[]float64{1, 2}, []float64{math.NaN()}}} {
		_, err := e.ModeMasses(bad.x, bad.w)
		assert.ErrorIs(t, err, targets.ErrInvalidArgument, "%v %v", bad.x, bad.w)
	}
	assert.True(t, math.IsNaN(targets.EightModeRing{Sigma: -1}.LogDensity([]float64{0, 0})))
}

var (
	_ targets.Target = targets.TwoLobeRing{}
	_ targets.Target = targets.Banana{}
	_ targets.Target = targets.Funnel{}
	_ targets.Target = targets.EightModeRing{}
	_ targets.Target = (*targets.LogisticRegression)(nil)
)

// TestLogDensityRows: the batched form is the one-point form row by row,
// and shapes that do not fit are errors.
func TestLogDensityRows(t *testing.T) {
	x := []float64{0, 1, 2, -1, 0.5, 0.5}
	dst := make([]float64, 3)
	require.NoError(t, targets.LogDensityRows(targets.TwoLobeRing{}, dst, x))
	for r := range dst {
		assert.Equal(t, targets.TwoLobeRing{}.LogDensity(x[2*r:2*r+2]), dst[r])
	}
	assert.ErrorIs(t, targets.LogDensityRows(targets.Banana{}, dst, x[:5]), targets.ErrInvalidArgument)
	assert.ErrorIs(t, targets.LogDensityRows(targets.Banana{}, dst[:2], x), targets.ErrInvalidArgument)
	assert.ErrorIs(t, targets.LogDensityRows(noDim{}, dst, x), targets.ErrInvalidArgument)
}

type noDim struct{ targets.Banana }

func (noDim) Dim() int { return 0 }

// TestTempered: β scales the log-density and its gradient; on a Gaussian,
// π̃^β is the Gaussian of variance 1/β, so the grid's log Z is known:
// log Z_β = (1 − β)·log 2π − log β for the standard Gaussian's π^β.
func TestTempered(t *testing.T) {
	tg := targets.Tempered{Target: targets.TwoLobeRing{}, Beta: 0.3}
	x := []float64{1.2, -0.4}
	g := make([]float64, 2)
	want := make([]float64, 2)
	v := tg.LogDensityGrad(g, x)
	w := targets.TwoLobeRing{}.LogDensityGrad(want, x)
	assert.InDelta(t, 0.3*w, v, 1e-15)
	assert.InDelta(t, 0.3*want[0], g[0], 1e-15)
	assert.InDelta(t, 0.3*want[1], g[1], 1e-15)
	assert.Equal(t, v, tg.LogDensity(x))
	assert.Equal(t, 2, tg.Dim())

	const beta = 0.5
	grid := targets.Grid{Lo: [2]float64{-12, -12}, Hi: [2]float64{12, 12}, N: [2]int{96, 96}}
	vals, err := grid.Eval(targets.Tempered{Target: targets.Banana{}, Beta: beta})
	require.NoError(t, err)
	z, err := grid.LogZ(vals)
	require.NoError(t, err)
	assert.InDelta(t, (1-beta)*math.Log(2*math.Pi)-math.Log(beta), z, 1e-10)
}
