package odefunc

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkVJP checks ∂L/∂z and ∂L/∂θ from VJP against central differences
// of L = Σ a⊙f + Σ c⊙trace (+ Σ cK⊙‖f‖² + Σ cF⊙‖∂f/∂z‖²_F with reg), for
// random points and cotangents, and that the VJP's f equals F's.
func checkVJP(t *testing.T, net *Network, est Trace, reg bool, label string) {
	t.Helper()
	r := rand.New(rand.NewPCG(21, 22))
	dyn, err := New(net)
	require.NoError(t, err)
	const n, tt = 9, 0.3
	D := net.Dim()
	z, a := randomBatch(r, n, D), randomBatch(r, n, D)
	c := Terms{Trace: randomBatch(r, n, 1)}
	if reg {
		c.Kinetic, c.Frobenius = randomBatch(r, n, 1), randomBatch(r, n, 1)
	}
	eps := make([]float64, n*D)
	est.DrawNoise(eps, r)

	loss := func() float64 {
		dz := make([]float64, n*D)
		tm := Terms{Trace: make([]float64, n)}
		if reg {
			tm.Kinetic, tm.Frobenius = make([]float64, n), make([]float64, n)
		}
		require.NoError(t, dyn.Eval(dz, tm, Request{Z: z, T: tt, Want: wantOf(tm), Trace: est, Noise: eps}))
		l := 0.0
		for i := range dz {
			l += a[i] * dz[i]
		}
		for _, p := range []struct{ c, v []float64 }{{c.Trace, tm.Trace}, {c.Kinetic, tm.Kinetic}, {c.Frobenius, tm.Frobenius}} {
			for i := range p.c {
				l += p.c[i] * p.v[i]
			}
		}
		return l
	}
	fd := func(x []float64, i int) float64 { return fdtest.Central(x, i, 1e-6, loss) }

	params := net.Params()
	gp := zeroGrads(params)
	dz, gz := make([]float64, n*D), make([]float64, n*D)
	require.NoError(t, dyn.VJP(VJPOut{F: dz, Z: gz, Params: gp}, Request{Z: z, T: tt, Want: wantOf(c), Trace: est, Noise: eps}, a, c))
	f := make([]float64, n*D)
	require.NoError(t, dyn.Eval(f, Terms{}, Request{Z: z, T: tt}))
	assert.InDeltaSlice(t, f, dz, 1e-14, label)
	for i := range z {
		assert.InDelta(t, fd(z, i), gz[i], 1e-6, "%s ∂L/∂z[%d]", label, i)
	}
	for k, p := range params {
		for i := range p.Float64s() {
			assert.InDelta(t, fd(p.Float64s(), i), gp[k][i], 1e-6, "%s ∂L/∂θ%d[%d]", label, k, i)
		}
	}
}

// perturb adds s·N(0, 1) to every parameter, so biases and gates are not at
// their initial values.
func perturb(net *Network, r *rand.Rand, s float64) {
	for _, p := range net.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += s * r.NormFloat64()
		}
	}
}

// TestVJPMatchesFiniteDifferences covers every time conditioning, both
// activations, all estimators, with and without the regularisers.
func TestVJPMatchesFiniteDifferences(t *testing.T) {
	for _, cfg := range []MLPConfig{
		{Dim: 2, Hidden: []int{6, 5}},
		{Dim: 2, Hidden: []int{6, 5}, Activation: Softplus},
		{Dim: 3, Hidden: []int{4}, Time: ConcatTimeSingle},
		{Dim: 2, Hidden: []int{6, 5}, Activation: Softplus, Time: ConcatSquash},
		{Dim: 2, Hidden: []int{6, 5}, Time: IgnoreTime},
	} {
		for _, est := range []Trace{ExactTrace, HutchinsonRademacher, HutchinsonGaussian} {
			for _, reg := range []bool{false, true} {
				net, err := NewMLP(cfg, rand.NewPCG(23, 24))
				require.NoError(t, err)
				perturb(net, rand.New(rand.NewPCG(25, 26)), 0.3)
				checkVJP(t, net, est, reg, fmt.Sprintf("%v %v %v reg=%v", cfg.Time, cfg.Activation, est, reg))
			}
		}
	}
}
