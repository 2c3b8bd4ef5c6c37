package ffjord

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/bijector"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// forwardCase is a conditional block (C = 2) with a learned end time, a
// batch z with its contexts, and the linear loss
// L = Σ w⊙T(z) + Σ v⊙log|det ∂T/∂z| of a recorded forward pass.
type forwardCase struct {
	block      *FFJORD
	z, c, w, v []float64
	n          int
}

func newForwardCase(t *testing.T, ctl ode.StepControl, g ode.Gradient) forwardCase {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Context: 2}, rand.NewPCG(31, 32))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(33, 34))
	for _, p := range net.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.3 * r.NormFloat64()
		}
	}
	b, err := New(net, Options{T1: 0.8, LearnTime: true, Gradient: g,
		Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}, StepControl: ctl}})
	require.NoError(t, err)
	const n = 5
	fc := forwardCase{block: b, n: n, z: make([]float64, 2*n), c: make([]float64, 2*n), w: make([]float64, 2*n), v: make([]float64, n)}
	for _, s := range [][]float64{fc.z, fc.c, fc.w, fc.v} {
		for i := range s {
			s[i] = r.NormFloat64()
		}
	}
	return fc
}

func (fc forwardCase) loss(t *testing.T) float64 {
	p, err := fc.block.RecordForward(fc.z, fc.n, bijector.Request{Training: true, Context: fc.c})
	require.NoError(t, err)
	l := 0.0
	for i, x := range p.X {
		l += fc.w[i] * x
	}
	for i, ld := range p.LogDet {
		l += fc.v[i] * ld
	}
	return l
}

// TestRecordForwardGradients: the forward pass's ∂L/∂z, ∂L/∂θ (with the
// learned end time's √T) and ∂L/∂context match central differences, for
// both gradients under both step controls.
func TestRecordForwardGradients(t *testing.T) {
	for _, ctl := range []ode.StepControl{ode.WholeBatch, ode.PerRow} {
		for _, g := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
			name := fmt.Sprintf("%v/%T", ctl, g)
			fc := newForwardCase(t, ctl, g)
			p, err := fc.block.RecordForward(fc.z, fc.n, bijector.Request{Training: true, Context: fc.c})
			require.NoError(t, err)
			var grads [][]float64
			for _, q := range fc.block.Params() {
				grads = append(grads, make([]float64, q.Shape().TotalSize()))
			}
			gz, err := p.Backward(bijector.Cotangents{X: fc.w, LogDet: fc.v}, grads)
			require.NoError(t, err)
			assert.Greater(t, p.Work[0].Backward, 0, name)

			const h = 1e-5
			loss := func() float64 { return fc.loss(t) }
			worst := relErr(gz, fdtest.Gradient(fc.z, h, loss))
			worst = max(worst, relErr(p.ContextGrad, fdtest.Gradient(fc.c, h, loss)))
			for k, q := range fc.block.Params() {
				worst = max(worst, relErr(grads[k], fdtest.Gradient(q.Float64s(), h, loss)))
			}
			t.Logf("%s: worst relative error %.2g", name, worst)
			assert.Less(t, worst, 1e-5, name)
		}
	}
}

// TestRecordForwardInvertsRecordInverse: RecordInverse takes the forward
// pass's X back to z, with minus its log-det, under both step controls.
func TestRecordForwardInvertsRecordInverse(t *testing.T) {
	for _, ctl := range []ode.StepControl{ode.WholeBatch, ode.PerRow} {
		fc := newForwardCase(t, ctl, nil)
		req := bijector.Request{Context: fc.c}
		f, err := fc.block.RecordForward(fc.z, fc.n, req)
		require.NoError(t, err)
		i, err := fc.block.RecordInverse(f.X, fc.n, req)
		require.NoError(t, err)
		assert.InDeltaSlice(t, fc.z, i.X, 1e-8, "%v", ctl)
		for r := range f.LogDet {
			assert.InDelta(t, -f.LogDet[r], i.LogDet[r], 1e-8, "%v row %d", ctl, r)
		}
	}
}

// TestRecordForwardPenalties: penalties of a forward pass are positive
// integrals along the flow's time, the inverse pass's.
func TestRecordForwardPenalties(t *testing.T) {
	fc := newForwardCase(t, ode.WholeBatch, nil)
	req := bijector.Request{Context: fc.c, Regularize: true}
	f, err := fc.block.RecordForward(fc.z, fc.n, req)
	require.NoError(t, err)
	i, err := fc.block.RecordInverse(f.X, fc.n, req)
	require.NoError(t, err)
	for r := range f.Kinetic {
		assert.Greater(t, f.Kinetic[r], 0.0)
		assert.InDelta(t, f.Kinetic[r], i.Kinetic[r], 1e-6)
		assert.InDelta(t, f.Jacobian[r], i.Jacobian[r], 1e-6)
	}
}
