package ffjord

import (
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// perRow returns opts with per-row step control at the given tolerance.
func perRow(opts Options, tol float64) Options {
	opts.Solver = ode.Settings{Controller: ode.Adaptive{RTol: tol, ATol: tol}, StepControl: ode.PerRow}
	return opts
}

// TestPerRowDiscreteGradientIsExactForTheRowGrids: discrete gradients of a
// per-row solve are the exact gradients of the loss computed on the steps
// each row took (every row replayed alone on its own grid, with its own
// noise), with and without the regularisers.
func TestPerRowDiscreteGradientIsExactForTheRowGrids(t *testing.T) {
	for _, tc := range []struct {
		tr  odefunc.Trace
		reg bool
	}{{odefunc.ExactTrace, true}, {odefunc.HutchinsonRademacher, false}} {
		c := newGradCase(t, perRow(Options{Trace: tc.tr, Source: rand.NewPCG(1, 2)}, 1e-4))
		_, _, tape, err := c.block.recordSolve(c.x, c.n, 1, 0, ode.Discrete{}, tc.reg)
		require.NoError(t, err)
		require.True(t, tape.perRow)
		k, f := make([]float64, c.n), make([]float64, c.n) // regulariser cotangents
		for r := range c.n {
			k[r], f[r] = 0.3*float64(r)-1, 0.1*float64(r)
		}
		cot := cotangents{Z: c.w, LogDet: c.v}
		if tc.reg {
			cot.Kinetic, cot.Frobenius = k, f
		}
		grads := zeroGrads(c.block)
		gx, err := c.block.backward(tape, cot, grads)
		require.NoError(t, err)
		steps := 0
		for r := range c.n {
			steps = max(steps, len(tape.rowGrid[r])-1)
		}
		require.Greater(t, steps, 2)

		// Every row alone on its recorded grid with its recorded noise.
		D := 2
		blocks := make([]*FFJORD, c.n)
		for r := range c.n {
			var eps []float64
			if tc.tr.Stochastic() {
				eps = tape.eps[r*D : (r+1)*D]
			}
			blocks[r], err = New(c.block.Dynamics().Model(), Options{Solver: ode.Settings{Controller: ode.Grid{Times: tape.rowGrid[r]}}, Trace: tc.tr, Source: fixedNoise(eps)})
			require.NoError(t, err)
		}
		loss := func() float64 {
			l := 0.0
			for r, b := range blocks {
				z, ld, tp, err := b.recordSolve(c.x[r*D:(r+1)*D], 1, 1, 0, ode.Discrete{}, tc.reg)
				require.NoError(t, err)
				l += c.w[r*D]*z[0] + c.w[r*D+1]*z[1] + c.v[r]*ld[0]
				if tc.reg {
					l += k[r]*tp.Kinetic()[0] + f[r]*tp.Frobenius()[0]
				}
			}
			return l
		}
		fx, fp := centralDifferences(c.x, c.block.Dynamics().Model().Params(), loss, 1e-6)
		assert.Less(t, relErr(gx, fx), 1e-6, "%v ∂L/∂x", tc.tr)
		for i := range grads {
			assert.Less(t, relErr(grads[i], fp[i]), 1e-6, "%v ∂L/∂θ%d", tc.tr, i)
		}
	}
}

// TestPerRowAdjointConvergesToFiniteDifferences: the per-row adjoint's
// gradients approach the loss's central differences as the tolerance
// shrinks, with and without the regularisers.
func TestPerRowAdjointConvergesToFiniteDifferences(t *testing.T) {
	adjointConverges(t, ode.PerRow)
	// The per-row adjoint agrees with the per-row discrete gradient at a
	// tight tolerance, with the regularisers.
	c := newGradCase(t, perRow(Options{}, 1e-10))
	cot := cotangents{Z: c.w, LogDet: c.v, Kinetic: c.v, Frobenius: c.v}
	var gx [2][]float64
	var gp [2][][]float64
	for i, mode := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
		_, _, tape, err := c.block.recordSolve(c.x, c.n, 1, 0, mode, true)
		require.NoError(t, err)
		gp[i] = zeroGrads(c.block)
		gx[i], err = c.block.backward(tape, cot, gp[i])
		require.NoError(t, err)
	}
	assert.Less(t, relErr(gx[0], gx[1]), 1e-7)
	for i := range gp[0] {
		assert.Less(t, relErr(gp[0][i], gp[1][i]), 1e-7, "∂L/∂θ%d", i)
	}
}

// TestPerRowGradientIsTheRowAlone: with per-row step control, ∂L/∂x of a
// row has the same bits in a batch, in another order, and alone, for both
// gradients.
func TestPerRowGradientIsTheRowAlone(t *testing.T) {
	for _, mode := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
		c := newGradCase(t, perRow(Options{}, 1e-5))
		gx, _, _ := c.gradients(t, mode)
		const D = 2
		perm := []int{4, 1, 5, 0, 3, 2}
		px, pw, pv := make([]float64, len(c.x)), make([]float64, len(c.w)), make([]float64, len(c.v))
		for j, r := range perm {
			copy(px[j*D:(j+1)*D], c.x[r*D:(r+1)*D])
			copy(pw[j*D:(j+1)*D], c.w[r*D:(r+1)*D])
			pv[j] = c.v[r]
		}
		pc := c
		pc.x, pc.w, pc.v = px, pw, pv
		pg, _, _ := pc.gradients(t, mode)
		for j, r := range perm {
			assert.Equal(t, gx[r*D:(r+1)*D], pg[j*D:(j+1)*D], "%v: row %d reordered", mode, r)
		}
		for r := range c.n {
			one := c
			one.n, one.x, one.w, one.v = 1, c.x[r*D:(r+1)*D], c.w[r*D:(r+1)*D], c.v[r:r+1]
			g1, _, _ := one.gradients(t, mode)
			assert.Equal(t, gx[r*D:(r+1)*D], g1, "%v: row %d alone", mode, r)
		}
	}
}

func zeroGrads(b *FFJORD) [][]float64 {
	var g [][]float64
	for _, p := range b.Dynamics().Model().Params() {
		g = append(g, make([]float64, p.Shape().TotalSize()))
	}
	return g
}

// TestPerRowGradientSplitKeepsTheBits: on 1100 rows, where the per-row
// solvers split their bookkeeping over two goroutines, both gradients
// (∂L/∂x and ∂L/∂θ) have the bits of one worker, which splits nothing.
func TestPerRowGradientSplitKeepsTheBits(t *testing.T) {
	const n, D = 1100, 2
	for _, mode := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
		c := newGradCase(t, perRow(Options{}, 1e-4))
		r := rand.New(rand.NewPCG(35, 36))
		c.n, c.x, c.w, c.v = n, make([]float64, D*n), make([]float64, D*n), make([]float64, n)
		for i := range c.x {
			c.x[i], c.w[i] = r.NormFloat64(), r.NormFloat64()
		}
		for i := range c.v {
			c.v[i] = r.NormFloat64()
		}
		require.NoError(t, c.block.Dynamics().SetWorkers(2))
		gx2, gp2, _ := c.gradients(t, mode)
		require.NoError(t, c.block.Dynamics().SetWorkers(1))
		gx1, gp1, _ := c.gradients(t, mode)
		assert.Equal(t, gx1, gx2, "%v: ∂L/∂x", mode)
		assert.Equal(t, gp1, gp2, "%v: ∂L/∂θ", mode)
	}
}
