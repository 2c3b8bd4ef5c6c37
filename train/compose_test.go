package train_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

var tightSolver = ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}}

// checkGradient compares the gradient of train.Objective (the mean NLL of
// x, with regularisers reg) with central differences of the same objective
// evaluated by LogProb, in every parameter of m.
func checkGradient(t *testing.T, m distributions.Trainable, x []float64, n int, tol float64) {
	t.Helper()
	g := train.NewGrads(m)
	_, _, err := train.Objective(m, x, n, train.Regularization{}, g)
	require.NoError(t, err)
	nll := func() float64 {
		lp, err := m.LogProb(tensor.New(tensor.WithShape(n, m.Dim()), tensor.WithBacking(append([]float64(nil), x...))))
		require.NoError(t, err)
		l := 0.0
		for _, v := range lp {
			l -= v / float64(n)
		}
		return l
	}
	const h = 1e-5
	var worst, largest float64
	for k, p := range m.Params() {
		v := p.Float64s()
		for i := range v {
			fd := fdtest.Central(v, i, h, nll)
			worst = max(worst, math.Abs(g[k][i]-fd))
			largest = max(largest, math.Abs(fd))
		}
	}
	t.Logf("worst |gradient − central difference| %.2g (largest gradient %.2g)", worst, largest)
	require.Less(t, worst, tol)
	require.Greater(t, largest, 1e-2, "the gradient is not trivially small")
}

func gradData(n int) []float64 {
	r := rand.New(rand.NewPCG(51, 52))
	x := make([]float64, 2*n)
	for i := range x {
		x[i] = 1 + 1.5*r.NormFloat64()
	}
	return x
}

// perturb moves every parameter of m off its initial value.
func perturb(m distributions.Trainable, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed))
	for _, p := range m.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.2 * r.NormFloat64()
		}
	}
}

func TestOwnModelGradient(t *testing.T) {
	for _, grad := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
		block, err := ffjord.New(newLinearField(), ffjord.Options{Solver: tightSolver, Gradient: grad})
		require.NoError(t, err)
		base, err := distributions.NewLearnableNormal([]float64{0.1, -0.2}, []float64{0.9, 1.2}, nil)
		require.NoError(t, err)
		d, err := distributions.NewTransformed(base, block)
		require.NoError(t, err)
		perturb(d, 1)
		checkGradient(t, d, gradData(6), 6, 1e-7)
	}
}

func TestLayerNetworkGradient(t *testing.T) {
	src := rand.NewPCG(3, 3)
	l1, _ := odefunc.NewLinear(3, 6, src)
	l2, _ := odefunc.NewConcatSquashLinear(6, 2, src)
	net, err := odefunc.NewNetwork(2, &odefunc.TimeConcat{Copies: 1, Width: 2}, l1,
		&odefunc.ActivationLayer{Fn: odefunc.Softplus, Width: 6}, l2)
	require.NoError(t, err)
	block, err := ffjord.New(net, ffjord.Options{Solver: tightSolver, T1: 0.8, LearnTime: true})
	require.NoError(t, err)
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, nil)
	d, err := distributions.NewTransformed(base, block)
	require.NoError(t, err)
	f, err := train.NewFlowOf(d, train.Settings{Solver: tightSolver, Gradient: ode.Discrete{}})
	require.NoError(t, err)
	perturb(f, 2)
	checkGradient(t, f, gradData(5), 5, 1e-7)
}

func TestMixedChainGradient(t *testing.T) {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{5}}, rand.NewPCG(4, 4))
	require.NoError(t, err)
	block, err := ffjord.New(net, ffjord.Options{Solver: tightSolver})
	require.NoError(t, err)
	inner, _ := distributions.NewAffine([]float64{0.3, -0.1}, []float64{0.2, -0.3})
	outer, _ := distributions.NewAffine([]float64{1, 2}, []float64{0.5, 0.1})
	chain, err := distributions.NewChain(outer, block, inner)
	require.NoError(t, err)
	base, _ := distributions.NewLearnableNormal([]float64{0, 0}, []float64{1, 1}, nil)
	d, err := distributions.NewTransformed(base, chain)
	require.NoError(t, err)
	perturb(d, 3)
	checkGradient(t, d, gradData(5), 5, 1e-7)
}
