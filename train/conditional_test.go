package train

import (
	"context"
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

// labelled returns n points of two Gaussians, centred at ±(1.5, 0), with
// their one-hot labels as the context.
func labelled(n int, seed uint64) (x, c *tensor.Dense) {
	r := rand.New(rand.NewPCG(seed, seed))
	xv, cv := make([]float64, 2*n), make([]float64, 2*n)
	for i := range n {
		k := r.IntN(2)
		xv[2*i] = 1.5*float64(2*k-1) + 0.3*r.NormFloat64()
		xv[2*i+1] = 0.3 * r.NormFloat64()
		cv[2*i+k] = 1
	}
	return tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(xv)), tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(cv))
}

// TestConditionalFlowTrainsSavesAndResumes: a flow p(x | c) built by
// NewFlow trains on (x, c) pairs to a conditional NLL well below the
// unconditional one it starts from, keeps its context through a
// checkpoint (bit for bit), and refuses to run without a context.
func TestConditionalFlowTrainsSavesAndResumes(t *testing.T) {
	for _, ci := range []odefunc.ContextInput{odefunc.ContextConcatInput, odefunc.ContextSquashInput} {
		t.Run(ci.String(), func(t *testing.T) {
			cfg := FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{16}, Context: 2, ContextInput: ci, BaseStd: []float64{1, 1}}
			f, err := NewFlow(cfg, Settings{}, rand.NewPCG(1, 2))
			require.NoError(t, err)
			require.Equal(t, 2, f.ContextDim())
			x, c := labelled(512, 3)
			before, err := f.NLLContext(x, c)
			require.NoError(t, err)
			tr, err := NewTrainer(f, Options{Epochs: 12, BatchSize: 64, LearningRate: 3e-2, Seed: 4})
			require.NoError(t, err)
			require.NoError(t, tr.RunContext(context.Background(), x, c))
			after, err := f.NLLContext(x, c)
			require.NoError(t, err)
			t.Logf("%v: conditional NLL %.3f → %.3f", ci, before, after)
			// Each class is N(±1.5, 0.3²) per axis: entropy 2·(½ log 2πe + log 0.3) = 0.43.
			assert.Less(t, after, before-1)
			assert.Less(t, after, 1.2)

			s, err := f.SampleContext(c)
			require.NoError(t, err)
			// Samples of class 1 sit right of the origin, of class 0 left.
			sv, cv := s.Float64s(), c.Float64s()
			right := 0
			for i := range 512 {
				if (sv[2*i] > 0) == (cv[2*i+1] == 1) {
					right++
				}
			}
			assert.Greater(t, right, 480, "samples on their class's side")

			assert.Error(t, tr.Run(context.Background(), x), "a conditional flow without its context")
			_, err = f.LogProb(x)
			assert.Error(t, err)
		})
	}
}

// TestConditionalRegularisedGradient: with a learned end time and RNODE's
// regularisers, the gradient of ObjectiveContext's total matches central
// differences of the total, for both gradients with whole-batch and
// per-row step control; a Hutchinson pass with a context runs.
func TestConditionalRegularisedGradient(t *testing.T) {
	for _, ctl := range []ode.StepControl{ode.WholeBatch, ode.PerRow} {
		for _, g := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
			t.Run(ctl.String()+"/"+g.String(), func(t *testing.T) { conditionalRegularisedGradient(t, ctl, g) })
		}
	}
}

func conditionalRegularisedGradient(t *testing.T, ctl ode.StepControl, grad ode.Gradient) {
	cfg := FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{5}, Context: 3, ContextInput: odefunc.ContextSquashInput, T1: 0.7, LearnTime: true}
	f, err := NewFlow(cfg, Settings{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-11, ATol: 1e-11}, StepControl: ctl}, Gradient: grad}, rand.NewPCG(5, 6))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(7, 8))
	for _, p := range f.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.1 * r.NormFloat64()
		}
	}
	const n = 4
	x, c := make([]float64, 2*n), make([]float64, 3*n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	for i := range c {
		c[i] = r.NormFloat64()
	}
	reg := Regularization{Kinetic: 0.3, Jacobian: 0.2}
	g := NewGrads(f)
	loss, _, err := ObjectiveContext(f, x, c, n, reg, g)
	require.NoError(t, err)
	require.Greater(t, loss.Kinetic, 0.0)
	total := func() float64 {
		l, _, err := ObjectiveContext(f, x, c, n, reg, NewGrads(f))
		require.NoError(t, err)
		return l.Total
	}
	const h = 1e-6
	worst := 0.0
	for k, p := range f.Params() {
		v := p.Float64s()
		for i := range v {
			worst = max(worst, math.Abs(fdtest.Central(v, i, h, total)-g[k][i]))
		}
	}
	t.Logf("worst |gradient − central difference| %.2g", worst)
	assert.Less(t, worst, 1e-6)

	hutch, err := NewFlow(cfg, Settings{Trace: odefunc.HutchinsonRademacher}, rand.NewPCG(5, 6))
	require.NoError(t, err)
	l, _, err := ObjectiveContext(hutch, x, c, n, reg, NewGrads(hutch))
	require.NoError(t, err)
	assert.False(t, math.IsNaN(l.Total))
}
