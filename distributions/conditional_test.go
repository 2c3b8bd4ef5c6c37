package distributions_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// conditionalFlow is a two-block flow p(x | c) with c of 2 features, one
// block conditioned by concatenation and one by squash, behind an Affine.
func conditionalFlow(t *testing.T, solver ode.Settings, grad ode.Gradient) *distributions.TransformedDistribution {
	t.Helper()
	var blocks []distributions.Bijector
	for k, ci := range []odefunc.ContextInput{odefunc.ContextConcatInput, odefunc.ContextSquashInput} {
		net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{6}, Context: 2, ContextInput: ci}, rand.NewPCG(uint64(k), 9))
		require.NoError(t, err)
		r := rand.New(rand.NewPCG(uint64(k), 10))
		for _, p := range net.Params() {
			for i := range p.Float64s() {
				p.Float64s()[i] += 0.3 * r.NormFloat64()
			}
		}
		b, err := ffjord.New(net, ffjord.Options{Solver: solver, Gradient: grad})
		require.NoError(t, err)
		blocks = append(blocks, b)
	}
	affine, err := distributions.NewAffine([]float64{0.2, -0.1}, []float64{0.1, -0.2})
	require.NoError(t, err)
	chain, err := distributions.NewChain(affine, blocks[0], blocks[1])
	require.NoError(t, err)
	base, err := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(3, 3))
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, chain)
	require.NoError(t, err)
	return d
}

// TestConditionalDensityIntegratesToOne: for several contexts, p(x | c) on
// a grid sums to 1, and the contexts give different densities.
func TestConditionalDensityIntegratesToOne(t *testing.T) {
	d := conditionalFlow(t, ode.Settings{Controller: ode.Adaptive{RTol: 1e-7, ATol: 1e-9}}, nil)
	require.Equal(t, 2, d.ContextDim())
	const n, lo, hi = 100, -7.0, 7.0
	h := (hi - lo) / n
	pts := make([]float64, 0, 2*n*n)
	for i := range n {
		for j := range n {
			pts = append(pts, lo+(float64(i)+0.5)*h, lo+(float64(j)+0.5)*h)
		}
	}
	x := tensor.New(tensor.WithShape(n*n, 2), tensor.WithBacking(pts))
	var first []float64
	for _, ctx := range [][2]float64{{0, 0}, {1, -1}, {-2, 0.5}} {
		cv := make([]float64, 0, 2*n*n)
		for range n * n {
			cv = append(cv, ctx[0], ctx[1])
		}
		lp, err := d.LogProbContext(x, tensor.New(tensor.WithShape(n*n, 2), tensor.WithBacking(cv)))
		require.NoError(t, err)
		mass := 0.0
		for _, v := range lp {
			mass += math.Exp(v) * h * h
		}
		t.Logf("context %v: mass %.6f", ctx, mass)
		assert.InDelta(t, 1, mass, 2e-3, "context %v", ctx)
		if first == nil {
			first = lp
		} else {
			assert.NotEqual(t, first, lp, "the context changes the density")
		}
	}
	// Unconditional calls on a conditional flow are errors, not panics.
	_, err := d.LogProb(x)
	assert.ErrorIs(t, err, distributions.ErrShape)
}

// TestConditionalGradients: ∂L/∂x, ∂L/∂c and ∂L/∂θ of L = −mean log p(x | c)
// from the recorded pass (adjoint and discrete) agree with central
// differences; sampling gives one point per context row.
func TestConditionalGradients(t *testing.T) {
	for _, grad := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
		t.Run(grad.String(), func(t *testing.T) {
			d := conditionalFlow(t, ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}}, grad)
			const n = 4
			r := rand.New(rand.NewPCG(5, 6))
			x, c := make([]float64, 2*n), make([]float64, 2*n)
			for i := range x {
				x[i], c[i] = r.NormFloat64(), r.NormFloat64()
			}
			loss := func() float64 {
				p, err := d.RecordLogProb(x, n, distributions.Request{Context: c})
				require.NoError(t, err)
				l := 0.0
				for _, v := range p.LogProb {
					l -= v / n
				}
				return l
			}
			p, err := d.RecordLogProb(x, n, distributions.Request{Context: c})
			require.NoError(t, err)
			w := make([]float64, n)
			for i := range w {
				w[i] = -1.0 / n
			}
			grads := make([][]float64, len(d.Params()))
			for i, q := range d.Params() {
				grads[i] = make([]float64, q.Shape().TotalSize())
			}
			gx, err := p.Backward(distributions.Cotangents{LogDet: w}, grads)
			require.NoError(t, err)
			require.Len(t, p.ContextGrad, 2*n)
			const h = 1e-5
			fd := func(v []float64, i int) float64 { return fdtest.Central(v, i, h, loss) }
			worst := 0.0
			for i := range x {
				worst = math.Max(worst, math.Abs(fd(x, i)-gx[i]))
				worst = math.Max(worst, math.Abs(fd(c, i)-p.ContextGrad[i]))
			}
			for k, q := range d.Params() {
				for i := range q.Float64s() {
					worst = math.Max(worst, math.Abs(fd(q.Float64s(), i)-grads[k][i]))
				}
			}
			t.Logf("%v: worst |gradient − central difference| %.2g", grad, worst)
			assert.Less(t, worst, 1e-7)

			s, err := d.SampleContext(tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(c)))
			require.NoError(t, err)
			assert.Equal(t, tensor.Shape{n, 2}, s.Shape())
		})
	}
}

// TestConditionalRows: the slice helpers give LogProbContext's numbers and
// one sample per context row, and say what is wrong with ragged input.
func TestConditionalRows(t *testing.T) {
	d := conditionalFlow(t, ode.Settings{}, nil)
	x := [][]float64{{0.1, 0.2}, {-1, 0.5}}
	c := [][]float64{{1, 0}, {0, 1}}
	got, err := distributions.LogProbContextRows(d, x, c)
	require.NoError(t, err)
	want, err := d.LogProbContext(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{0.1, 0.2, -1, 0.5})),
		tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, 0, 0, 1})))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	s, err := distributions.SampleContextRows(d, c)
	require.NoError(t, err)
	assert.Len(t, s, 2)
	assert.Len(t, s[1], 2)
	_, err = distributions.LogProbContextRows(d, x, c[:1])
	assert.ErrorIs(t, err, distributions.ErrShape)
	_, err = distributions.SampleContextRows(d, [][]float64{{1}})
	assert.ErrorIs(t, err, distributions.ErrShape)
}
