package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/odefunc"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestAdamWeightDecayIsAdamW: two steps with decay λ, at two learning
// rates, are AdamW's θ ← θ − η·λ·θ − η·m̂/(√v̂ + ε), the decay at each
// step's own rate.
func TestAdamWeightDecayIsAdamW(t *testing.T) {
	w0 := []float64{1, -2, 0.5}
	w := tensor.New(tensor.WithShape(1, 3), tensor.WithBacking(append([]float64(nil), w0...)))
	a, err := NewAdam([]*tensor.Dense{w}, 0.1)
	require.NoError(t, err)
	const wd = 0.3
	require.NoError(t, a.SetWeightDecay(wd))
	assert.Equal(t, wd, a.WeightDecay())
	g1, g2 := []float64{0.3, -1, 2}, []float64{-0.1, 0.5, 2}
	lrs := []float64{0.1, 0.04}
	require.NoError(t, a.Step(Grads{append([]float64(nil), g1...)}))
	a.SetLearningRate(lrs[1])
	require.NoError(t, a.Step(Grads{append([]float64(nil), g2...)}))
	for i, x := range w0 {
		m, v := 0.0, 0.0
		for k, g := range []float64{g1[i], g2[i]} {
			m = 0.9*m + 0.1*g
			v = 0.999*v + 0.001*g*g
			mh, vh := m/(1-math.Pow(0.9, float64(k+1))), v/(1-math.Pow(0.999, float64(k+1)))
			x = x - lrs[k]*wd*x - lrs[k]*mh/(math.Sqrt(vh)+1e-8)
		}
		assert.InDelta(t, x, w.Float64s()[i], 1e-14, "parameter %d", i)
	}
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		assert.ErrorIs(t, a.SetWeightDecay(bad), ErrInvalidConfig, "%g", bad)
	}
}

// TestAdamWithoutDecayIsGorgonias: by default (λ = 0) the step is Gorgonia's
// AdamSolver's bit for bit, as it was before weight decay existed.
func TestAdamWithoutDecayIsGorgonias(t *testing.T) {
	w0 := []float64{1, -2, 0.5}
	w := tensor.New(tensor.WithShape(1, 3), tensor.WithBacking(append([]float64(nil), w0...)))
	a, err := NewAdam([]*tensor.Dense{w}, 0.1)
	require.NoError(t, err)
	ref := &valueGrad{value: tensor.New(tensor.WithShape(1, 3), tensor.WithBacking(append([]float64(nil), w0...))), grad: tensor.New(tensor.WithShape(1, 3), tensor.Of(tensor.Float64))}
	solver := G.NewAdamSolver(G.WithLearnRate(0.1))
	for _, g := range [][]float64{{0.3, -1, 2}, {-0.1, 0.5, 2}} {
		require.NoError(t, a.Step(Grads{append([]float64(nil), g...)}))
		copy(ref.grad.Float64s(), g)
		require.NoError(t, solver.Step([]G.ValueGrad{ref}))
	}
	for i := range w0 {
		assert.Equal(t, math.Float64bits(ref.value.Float64s()[i]), math.Float64bits(w.Float64s()[i]), "parameter %d", i)
	}
}

// TestTrainerWeightDecay: Options.WeightDecay reaches Adam, and bad values
// are configuration errors.
func TestTrainerWeightDecay(t *testing.T) {
	tr, err := NewTrainer(tinyFlow(t), Options{WeightDecay: 0.25})
	require.NoError(t, err)
	assert.Equal(t, 0.25, tr.adam.WeightDecay())
	for _, bad := range []float64{-1e-3, math.NaN(), math.Inf(1)} {
		_, err := NewTrainer(tinyFlow(t), Options{WeightDecay: bad})
		assert.ErrorIs(t, err, ErrInvalidConfig, "%g", bad)
		if err != nil {
			assert.Contains(t, err.Error(), "WeightDecay")
		}
	}
}

// TestNewStartBlockShape: the block flags of StartConfig reach the FFJORD
// blocks, and with whitening on a normal base the start is the training
// rows' full Gaussian whatever the blocks' shape.
func TestNewStartBlockShape(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rows := func(n int) *tensor.Dense {
		v := make([]float64, 2*n)
		for i := range n {
			a, b := r.NormFloat64(), r.NormFloat64()
			v[2*i], v[2*i+1] = 3+2*a, -1+a+0.5*b
		}
		return tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(v))
	}
	fit, val := rows(200), rows(50)
	s, err := NewStart(fit, val, StartConfig{Blocks: 2, Hidden: []int{5}, Activation: odefunc.Softplus, Time: odefunc.IgnoreTime, LearnTime: true}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	require.Len(t, s.Flow.blocks, 2)
	for _, b := range s.Flow.blocks {
		assert.True(t, b.LearnsTime())
	}
	g, err := FitGaussian(fit, 1e-6, rand.NewPCG(0, 0)) // FitWhitening's ridge
	require.NoError(t, err)
	want, err := g.LogProb(val)
	require.NoError(t, err)
	got, err := s.Flow.LogProb(val)
	require.NoError(t, err)
	assert.InDeltaSlice(t, want, got, 1e-6)
}
