package ffjord

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// gradCase is a block, a batch and the linear loss L = Σ w⊙z(tb) + Σ v⊙ℓ(tb)
// of an inverse solve, whose cotangents are simply w and v.
type gradCase struct {
	block *FFJORD
	x     []float64
	w, v  []float64
	n     int
}

func newGradCase(t *testing.T, opts Options) gradCase {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(31, 32))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(33, 34))
	for _, p := range net.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.3 * r.NormFloat64()
		}
	}
	b, err := New(net, opts)
	require.NoError(t, err)
	const n = 6
	c := gradCase{block: b, n: n, x: make([]float64, 2*n), w: make([]float64, 2*n), v: make([]float64, n)}
	for i := range c.x {
		c.x[i], c.w[i] = r.NormFloat64(), r.NormFloat64()
	}
	for i := range c.v {
		c.v[i] = r.NormFloat64()
	}
	return c
}

// loss solves with b, with its estimator, and evaluates the linear loss.
func (c gradCase) loss(t *testing.T, b *FFJORD) float64 {
	z, ld, _, err := b.recordSolve(c.x, c.n, 1, 0, ode.BacksolveAdjoint{}, false)
	require.NoError(t, err)
	var l float64
	for i := range z {
		l += c.w[i] * z[i]
	}
	for i := range ld {
		l += c.v[i] * ld[i]
	}
	return l
}

// gradients returns ∂L/∂x and ∂L/∂θ by the given mode, and the tape.
func (c gradCase) gradients(t *testing.T, mode ode.Gradient) ([]float64, [][]float64, *recording) {
	_, _, tape, err := c.block.recordSolve(c.x, c.n, 1, 0, mode, false)
	require.NoError(t, err)
	params := c.block.Dynamics().Model().Params()
	grads := make([][]float64, len(params))
	for i, p := range params {
		grads[i] = make([]float64, p.Shape().TotalSize())
	}
	gx, err := c.block.backward(tape, cotangents{Z: c.w, LogDet: c.v}, grads)
	require.NoError(t, err)
	return gx, grads, tape
}

// finiteDifferences returns central differences of c.loss(b) in x and θ.
func (c gradCase) finiteDifferences(t *testing.T, b *FFJORD, h float64) ([]float64, [][]float64) {
	return centralDifferences(c.x, b.Dynamics().Model().Params(), func() float64 { return c.loss(t, b) }, h)
}

// centralDifferences returns the central differences of loss in every
// value of x and of the parameters.
func centralDifferences(x []float64, params []*tensor.Dense, loss func() float64, h float64) ([]float64, [][]float64) {
	gx := fdtest.Gradient(x, h, loss)
	var gp [][]float64
	for _, p := range params {
		gp = append(gp, fdtest.Gradient(p.Float64s(), h, loss))
	}
	return gx, gp
}

// relErr is max|a−b| / max(max|b|, 1e-3).
func relErr(a, b []float64) float64 {
	var diff, scale float64
	for i := range a {
		diff = max(diff, math.Abs(a[i]-b[i]))
		scale = max(scale, math.Abs(b[i]))
	}
	return diff / max(scale, 1e-3)
}

func TestDiscreteGradientIsExactForTheGrid(t *testing.T) {
	for _, tr := range []odefunc.Trace{odefunc.ExactTrace, odefunc.HutchinsonRademacher} {
		c := newGradCase(t, Options{Trace: tr, Source: rand.NewPCG(1, 2)})
		gx, gp, tape := c.gradients(t, ode.Discrete{})
		require.Greater(t, len(tape.rowGrid[0]), 2)

		// The same model, stepping on the recorded grid and with the
		// recorded noise, computes the same loss as a smooth function of θ.
		replay, err := New(c.block.Dynamics().Model(), Options{Solver: ode.Settings{Controller: ode.Grid{Times: tape.rowGrid[0]}}, Trace: tr, Source: fixedNoise(tape.eps)})
		require.NoError(t, err)
		fx, fp := c.finiteDifferences(t, replay, 1e-6)
		assert.Less(t, relErr(gx, fx), 1e-6, "%v ∂L/∂x", tr)
		for i := range gp {
			assert.Less(t, relErr(gp[i], fp[i]), 1e-6, "%v ∂L/∂θ%d", tr, i)
		}
	}
}

func TestAdjointGradientConvergesToFiniteDifferences(t *testing.T) {
	adjointConverges(t, ode.WholeBatch)
}

// adjointConverges checks that the adjoint's gradients with the step
// control approach the loss's central differences as the tolerance
// shrinks.
func adjointConverges(t *testing.T, ctl ode.StepControl) {
	ref := newGradCase(t, Options{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-11, ATol: 1e-11}}})
	fx, fp := ref.finiteDifferences(t, ref.block, 1e-5)
	prev := math.Inf(1)
	for _, tol := range []float64{1e-4, 1e-7, 1e-10} {
		s := ode.Settings{Controller: ode.Adaptive{RTol: tol, ATol: tol}, StepControl: ctl}
		c := newGradCase(t, Options{Solver: s})
		gx, gp, tape := c.gradients(t, ode.BacksolveAdjoint{})
		require.Equal(t, ctl == ode.PerRow, tape.perRow)
		worst := relErr(gx, fx)
		for i := range gp {
			worst = max(worst, relErr(gp[i], fp[i]))
		}
		t.Logf("tol %g: worst relative error %.2g", tol, worst)
		assert.Less(t, worst, 100*tol+1e-7)
		assert.LessOrEqual(t, worst, prev*1.0001)
		prev = worst
	}
}

func TestAdjointAgreesWithDiscrete(t *testing.T) {
	s := ode.Settings{Controller: ode.Adaptive{RTol: 1e-9, ATol: 1e-9}}
	c := newGradCase(t, Options{Solver: s})
	ax, ap, _ := c.gradients(t, ode.BacksolveAdjoint{})
	dx, dp, _ := c.gradients(t, ode.Discrete{})
	assert.Less(t, relErr(ax, dx), 1e-6)
	for i := range ap {
		assert.Less(t, relErr(ap[i], dp[i]), 1e-6)
	}
}

// fixedNoise is a rand.Source whose Hutchinson draws reproduce eps: it
// replays the Rademacher signs' low bits.
func fixedNoise(eps []float64) rand.Source {
	return &replaySource{eps: eps}
}

type replaySource struct {
	eps []float64
	i   int
}

func (r *replaySource) Uint64() uint64 {
	v := r.eps[r.i%len(r.eps)]
	r.i++
	if v > 0 {
		return 1
	}
	return 0
}

// TestRegularisedGradients: with RNODE's regularisers integrated, the
// gradient of L = Σ w⊙z + Σ v⊙ℓ + Σ κ⊙E + Σ φ⊙F matches central differences,
// for both modes.
func TestRegularisedGradients(t *testing.T) {
	for _, mode := range []ode.Gradient{ode.Discrete{}, ode.BacksolveAdjoint{}} {
		c := newGradCase(t, Options{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}}})
		r := rand.New(rand.NewPCG(71, 72))
		kappa, phi := make([]float64, c.n), make([]float64, c.n)
		for i := range kappa {
			kappa[i], phi[i] = r.NormFloat64(), r.NormFloat64()
		}
		solve := func(b *FFJORD) (float64, *recording) {
			z, ld, tape, err := b.recordSolve(c.x, c.n, 1, 0, mode, true)
			require.NoError(t, err)
			l := 0.0
			for i := range z {
				l += c.w[i] * z[i]
			}
			for i := range ld {
				l += c.v[i]*ld[i] + kappa[i]*tape.Kinetic()[i] + phi[i]*tape.Frobenius()[i]
			}
			return l, tape
		}
		_, tape := solve(c.block)
		params := c.block.Dynamics().Model().Params()
		grads := make([][]float64, len(params))
		for i, p := range params {
			grads[i] = make([]float64, p.Shape().TotalSize())
		}
		gx, err := c.block.backward(tape, cotangents{Z: c.w, LogDet: c.v, Kinetic: kappa, Frobenius: phi}, grads)
		require.NoError(t, err)

		ref := c.block
		if _, ok := mode.(ode.Discrete); ok {
			ref, err = New(c.block.Dynamics().Model(), Options{Solver: ode.Settings{Controller: ode.Grid{Times: tape.rowGrid[0]}}})
			require.NoError(t, err)
		}
		const h = 1e-5
		loss := func() float64 { l, _ := solve(ref); return l }
		fx := fdtest.Gradient(c.x, h, loss)
		assert.Less(t, relErr(gx, fx), 1e-6, "%v ∂L/∂x", mode)
		for k, p := range params {
			fp := fdtest.Gradient(p.Float64s(), h, loss)
			assert.Less(t, relErr(grads[k], fp), 1e-6, "%v ∂L/∂θ%d", mode, k)
		}
		assert.Less(t, tape.Kinetic()[0], 0.0, "integrated from t1 back to t0")
	}
}

// TestTimeGradients: ∂L/∂t0 and ∂L/∂t1 of an inverse solve (from t1 to t0)
// match central differences in the times.
func TestTimeGradients(t *testing.T) {
	c := newGradCase(t, Options{T0: 0.1, T1: 0.9, Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-11, ATol: 1e-11}}})
	loss := func(t0, t1 float64) float64 {
		require.NoError(t, c.block.SetTimes(t0, t1))
		z, ld, _, err := c.block.recordSolve(c.x, c.n, t1, t0, ode.BacksolveAdjoint{}, false)
		require.NoError(t, err)
		l := 0.0
		for i := range z {
			l += c.w[i] * z[i]
		}
		for i := range ld {
			l += c.v[i] * ld[i]
		}
		return l
	}
	_, _, tape, err := c.block.recordSolve(c.x, c.n, 0.9, 0.1, ode.BacksolveAdjoint{}, false)
	require.NoError(t, err)
	params := c.block.Dynamics().Model().Params()
	grads := make([][]float64, len(params))
	for i, p := range params {
		grads[i] = make([]float64, p.Shape().TotalSize())
	}
	cot := cotangents{Z: c.w, LogDet: c.v}
	za, err := c.block.backward(tape, cot, grads)
	require.NoError(t, err)
	dt1, dt0, err := c.block.timeGradients(tape, cot, za) // ta = t1, tb = t0
	require.NoError(t, err)
	const h = 1e-5
	fd1 := (loss(0.1, 0.9+h) - loss(0.1, 0.9-h)) / (2 * h)
	fd0 := (loss(0.1+h, 0.9) - loss(0.1-h, 0.9)) / (2 * h)
	assert.InDelta(t, fd1, dt1, 1e-6*max(1, math.Abs(fd1)))
	assert.InDelta(t, fd0, dt0, 1e-6*max(1, math.Abs(fd0)))
}

// The adjoint's own controller drives the backward solve only; a bad one is
// reported before solving.
func TestBacksolveAdjointController(t *testing.T) {
	c := newGradCase(t, Options{})
	_, _, lt := c.gradients(t, ode.BacksolveAdjoint{})
	loose := lt.backward
	gx, _, tt := c.gradients(t, ode.BacksolveAdjoint{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}})
	tight := tt.backward
	assert.Greater(t, tight.NFE, 2*loose.NFE)
	ref := newGradCase(t, Options{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}}})
	rx, _, _ := ref.gradients(t, ode.BacksolveAdjoint{})
	assert.Less(t, relErr(gx, rx), 1e-2) // only the forward solve's error remains

	_, _, _, err := c.block.recordSolve(c.x, c.n, 1, 0, ode.BacksolveAdjoint{Controller: ode.Constant{}}, false)
	assert.ErrorIs(t, err, ode.ErrInvalidSettings)
}

// recordSolve is solveTaped as training records it, with the block's
// estimator and no context.
func (b *FFJORD) recordSolve(z []float64, n int, ta, tb float64, grad ode.Gradient, regularize bool) (out, ld []float64, tape *recording, err error) {
	return b.solveTaped(z, n, ta, tb, grad, regularize, b.trace, nil, true)
}
