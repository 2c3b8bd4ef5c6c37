package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// TestReflowTrainsOnTheGivenPairs: with pairs x₁ = x₀ + c the best field is
// the constant c and Reflow's loss falls towards 0, while CFM on the same
// data (x₀ drawn independently of x₁ ~ N(c, I)) cannot go below
// E_s Var(x₁ − x₀ | x_s) = ∫₀¹ 2 − (2s − 1)²/(s² + (1 − s)²) ds = π/2 per
// dimension, π in two.
func TestReflowTrainsOnTheGivenPairs(t *testing.T) {
	const n, D = 1024, 2
	c := []float64{1.5, -0.5}
	r := rand.New(rand.NewPCG(21, 22))
	z, x := make([]float64, n*D), make([]float64, n*D)
	for i := range z {
		z[i] = r.NormFloat64()
		x[i] = z[i] + c[i%D]
	}
	final := map[string]float64{}
	for _, crit := range []Criterion{Reflow{X0: tensor.New(tensor.WithShape(n, D), tensor.WithBacking(z))}, CFM{}} {
		f, err := NewFlow(FlowConfig{Dim: D, Blocks: 1, Hidden: []int{16, 16}, BaseStd: []float64{1, 1}}, Settings{}, rand.NewPCG(1, 2))
		require.NoError(t, err)
		tr, err := NewTrainer(f, Options{Epochs: 60, LearningRate: 1e-2, Schedule: Cosine(0.01), Seed: 5, Objective: crit})
		require.NoError(t, err)
		require.NoError(t, tr.Run(context.Background(), tensor.New(tensor.WithShape(n, D), tensor.WithBacking(append([]float64(nil), x...)))))
		h := tr.History()
		final[crit.String()] = h[len(h)-1].Loss
	}
	t.Logf("final matching losses: %v (CFM's floor π = %.4f)", final, math.Pi)
	assert.Less(t, final["reflow"], 0.05)
	assert.Greater(t, final["cfm"], 0.9*math.Pi)
}

// TestReflowPairsAreTheFlowsMap: ReflowPairs returns base points and their
// images under the flow, so the inverse takes the images back within the
// solver's tolerance, and a Reflow objective refuses pairs that do not fit.
func TestReflowPairsAreTheFlowsMap(t *testing.T) {
	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2}, Settings{}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	z, x, err := ReflowPairs(f, 64)
	require.NoError(t, err)
	back, err := f.Inverse(x)
	require.NoError(t, err)
	assert.InDeltaSlice(t, z.Float64s(), back.Float64s(), 1e-3)
	moved := 0.0
	for i, v := range x.Float64s() {
		moved += math.Abs(v - z.Float64s()[i])
	}
	assert.Greater(t, moved/128, 1e-3, "the untrained flow moves its points")

	_, err = NewTrainer(f, Options{Objective: Reflow{}})
	assert.ErrorIs(t, err, ErrInvalidConfig, "no X0")
	bad := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{math.NaN(), 0}))
	_, err = NewTrainer(f, Options{Objective: Reflow{X0: bad}})
	assert.ErrorIs(t, err, ErrInvalidConfig, "NaN in X0")
	tr, err := NewTrainer(f, Options{Epochs: 1, Objective: Reflow{X0: z}})
	require.NoError(t, err)
	err = tr.Run(context.Background(), tensor.New(tensor.WithShape(32, 2), tensor.WithBacking(x.Float64s()[:64])))
	assert.ErrorIs(t, err, ErrInvalidConfig, "32 data rows for 64 pairs")
}
