package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

func smallFlow(t *testing.T, s Settings) *Flow {
	t.Helper()
	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{5}}, s, rand.NewPCG(41, 42))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(43, 44))
	for _, p := range f.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.2 * r.NormFloat64()
		}
	}
	return f
}

// lossAndGrad is the mean NLL of x and its gradient, taken with mode.
func lossAndGrad(f *Flow, x []float64, n int, mode ode.Gradient, g Grads) (float64, Cost, error) {
	s := f.Settings()
	s.Gradient = mode
	if err := f.SetSettings(s); err != nil {
		return 0, Cost{}, err
	}
	l, c, err := Objective(f, x, n, Regularization{}, g)
	return l.NLL, c, err
}

// paramIndex returns the index of p in ps.
func paramIndex(t *testing.T, ps []*tensor.Dense, p *tensor.Dense) int {
	t.Helper()
	for i, q := range ps {
		if q == p {
			return i
		}
	}
	t.Fatalf("parameter not found")
	return -1
}

func testBatch(n int) []float64 {
	r := rand.New(rand.NewPCG(45, 46))
	x := make([]float64, 2*n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return x
}

func TestLossIsMeanNLL(t *testing.T) {
	f := smallFlow(t, Settings{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-9, ATol: 1e-9}}})
	x := testBatch(7)
	loss, _, err := lossAndGrad(f, x, 7, ode.BacksolveAdjoint{}, NewGrads(f))
	require.NoError(t, err)
	lp, err := f.LogProb(batch.New(7, 2, x))
	require.NoError(t, err)
	var want float64
	for _, v := range lp {
		want -= v / 7
	}
	assert.InDelta(t, want, loss, 1e-9)
}

// checkFlowGradient compares the adjoint and discrete gradients of the mean
// NLL of x with central differences of LogProb in every parameter.
func checkFlowGradient(t *testing.T, f *Flow, x []float64, n int) {
	t.Helper()
	adj, disc := NewGrads(f), NewGrads(f)
	_, _, err := lossAndGrad(f, x, n, ode.BacksolveAdjoint{}, adj)
	require.NoError(t, err)
	_, _, err = lossAndGrad(f, x, n, ode.Discrete{}, disc)
	require.NoError(t, err)
	nll := func() float64 {
		lp, err := f.LogProb(batch.New(n, f.config.Dim, x))
		require.NoError(t, err)
		l := 0.0
		for _, v := range lp {
			l -= v / float64(n)
		}
		return l
	}
	const h = 1e-5
	var worstAdj, worstDisc, largest float64
	for k, p := range f.Params() {
		for i := range p.Float64s() {
			fd := fdtest.Central(p.Float64s(), i, h, nll)
			worstAdj = max(worstAdj, math.Abs(adj[k][i]-fd))
			worstDisc = max(worstDisc, math.Abs(disc[k][i]-fd))
			largest = max(largest, math.Abs(fd))
		}
	}
	t.Logf("worst |gradient − central difference|: adjoint %.2g, discrete %.2g (largest gradient %.2g)", worstAdj, worstDisc, largest)
	assert.Less(t, worstAdj, 1e-7)
	assert.Less(t, worstDisc, 1e-7)
	assert.Greater(t, largest, 1e-2, "the gradient is not trivially small")
}

func TestFlowGradientMatchesFiniteDifferences(t *testing.T) {
	f := smallFlow(t, Settings{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}}})
	checkFlowGradient(t, f, testBatch(5), 5)
}

// TestRegularisedObjectiveGradient: the gradient of NLL + λ_K·K + λ_J·J
// through all blocks matches central differences of the objective.
func TestRegularisedObjectiveGradient(t *testing.T) {
	f := smallFlow(t, Settings{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}}})
	const n = 5
	x := testBatch(n)
	reg := Regularization{Kinetic: 0.3, Jacobian: 0.2}
	g := NewGrads(f)
	loss, _, err := Objective(f, x, n, reg, g)
	require.NoError(t, err)
	assert.Greater(t, loss.Kinetic, 0.0)
	assert.Greater(t, loss.Jacobian, 0.0)
	assert.InDelta(t, loss.NLL+0.3*loss.Kinetic+0.2*loss.Jacobian, loss.Total, 1e-12)
	total := func() float64 {
		l, _, err := Objective(f, x, n, reg, NewGrads(f))
		require.NoError(t, err)
		return l.Total
	}
	const h = 1e-5
	var worst float64
	for k, p := range f.Params() {
		for i := range p.Float64s() {
			worst = max(worst, math.Abs(g[k][i]-fdtest.Central(p.Float64s(), i, h, total)))
		}
	}
	t.Logf("worst |gradient − central difference| %.2g", worst)
	assert.Less(t, worst, 1e-7)
}

// TestHutchinsonGradientIsUnbiased: averaged over noise draws, the gradient
// of the loss with Hutchinson's trace equals the exact-trace gradient
// within standard errors.
func TestHutchinsonGradientIsUnbiased(t *testing.T) {
	const n, draws = 6, 600
	x := testBatch(n)
	solver := ode.Settings{Controller: ode.Adaptive{RTol: 1e-8, ATol: 1e-8}}
	exact := smallFlow(t, Settings{Solver: solver})
	want := NewGrads(exact)
	_, _, err := lossAndGrad(exact, x, n, ode.BacksolveAdjoint{}, want)
	require.NoError(t, err)

	hutch := smallFlow(t, Settings{Solver: solver, Trace: odefunc.HutchinsonRademacher})
	sum, sq := NewGrads(hutch), NewGrads(hutch)
	g := NewGrads(hutch)
	for range draws {
		_, _, err := lossAndGrad(hutch, x, n, ode.BacksolveAdjoint{}, g)
		require.NoError(t, err)
		for k := range g {
			for i, v := range g[k] {
				sum[k][i] += v
				sq[k][i] += v * v
			}
		}
	}
	var worst float64
	for k := range g {
		for i := range g[k] {
			mean := sum[k][i] / draws
			se := math.Sqrt(max(sq[k][i]/draws-mean*mean, 0) / (draws - 1))
			if se == 0 {
				assert.InDelta(t, want[k][i], mean, 1e-9)
				continue
			}
			worst = max(worst, math.Abs(mean-want[k][i])/se)
		}
	}
	// Some 60 components: a 4.5 standard-error bound holds for all of them
	// with probability above 99.9% if the estimator is unbiased.
	t.Logf("largest deviation %.2f standard errors", worst)
	assert.Less(t, worst, 4.5)
}

// TestLearnedEndTimeGradient: with LearnTime, the gradient with respect to
// each block's √T matches central differences, and T survives a checkpoint.
func TestLearnedEndTimeGradient(t *testing.T) {
	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{5}, T1: 0.7, LearnTime: true},
		Settings{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-11, ATol: 1e-11}}}, rand.NewPCG(81, 82))
	require.NoError(t, err)
	const n = 5
	x := testBatch(n)
	g := NewGrads(f)
	_, _, err = lossAndGrad(f, x, n, ode.BacksolveAdjoint{}, g)
	require.NoError(t, err)
	ps := f.Params()
	loss := func() float64 {
		l, _, err := lossAndGrad(f, x, n, ode.BacksolveAdjoint{}, NewGrads(f))
		require.NoError(t, err)
		return l
	}
	const h = 1e-6
	for k := range 2 {
		bp := f.blocks[k].Params()
		i := paramIndex(t, ps, bp[len(bp)-1])
		fd := fdtest.Central(ps[i].Float64s(), 0, h, loss)
		assert.InDelta(t, fd, g[i][0], 1e-7*max(1, math.Abs(fd)), "block %d", k)
	}
}

// TestNLLUsesTheExactTrace: a flow trained with Hutchinson's estimator is
// evaluated with the exact trace, and keeps its estimator for training.
func TestNLLUsesTheExactTrace(t *testing.T) {
	x := batch.New(6, 2, testBatch(6))
	exact := smallFlow(t, Settings{})
	want, err := exact.NLL(x)
	require.NoError(t, err)
	hutch := smallFlow(t, Settings{Trace: odefunc.HutchinsonRademacher})
	got, err := hutch.NLL(x)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	lp, err := exact.LogProb(x)
	require.NoError(t, err)
	mean := 0.0
	for _, v := range lp {
		mean -= v / 6
	}
	assert.InDelta(t, mean, want, 1e-12)
	assert.Equal(t, odefunc.HutchinsonRademacher, hutch.Settings().Trace)
	hl, err := hutch.LogProb(x)
	require.NoError(t, err)
	assert.Equal(t, lp, hl, "LogProb is exact whatever the training estimator")
}
