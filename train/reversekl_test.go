package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/train/targets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gaussTarget is N(μ, Σ) in 2-D with Σ = LLᵀ, L = [[1, 0], [0.6, 0.5]],
// unnormalised by log Z = 1.5.
type gaussTarget struct{}

func (gaussTarget) Dim() int { return 2 }

func (gaussTarget) LogDensityGrad(grad, x []float64) float64 {
	// u = L⁻¹(x − μ); log π̃ = −½‖u‖² − log 2π − log det L + log Z.
	u0 := x[0] - 1
	u1 := (x[1] + 2 - 0.6*u0) / 0.5
	// ∇ = −L⁻ᵀu: with L = [[1, 0], [0.6, 0.5]], L⁻ᵀu = (u0 − 1.2u1, 2u1).
	grad[0], grad[1] = -(u0 - 1.2*u1), -2*u1
	return -0.5*(u0*u0+u1*u1) - math.Log(2*math.Pi) - math.Log(0.5) + 1.5
}

// affineModel is N(0, I) through a learnable AffineTriL at the identity:
// it can match gaussTarget exactly.
func affineModel(t *testing.T) *distributions.TransformedDistribution {
	tril, err := distributions.NewLearnableAffineTriL([]float64{0, 0}, []float64{1, 0, 0, 1})
	require.NoError(t, err)
	base, err := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, tril)
	require.NoError(t, err)
	return d
}

func TestGaussTargetGradient(t *testing.T) {
	x := []float64{0.3, -1.1}
	g := make([]float64, 2)
	gaussTarget{}.LogDensityGrad(g, x)
	fd := fdtest.Gradient(x, 1e-6, func() float64 { return gaussTarget{}.LogDensityGrad(make([]float64, 2), x) })
	assert.InDeltaSlice(t, fd, g, 1e-7)
}

// TestReverseKLGradient: the objective's gradient is that of its fixed-noise
// value, by central differences.
func TestReverseKLGradient(t *testing.T) {
	m := affineModel(t)
	v := &variational{ReverseKL: ReverseKL{Target: gaussTarget{}}, beta: 0.7, grad: make([]float64, 2)}
	g := NewGrads(m)
	_, _, err := v.loss(m, 8, rand.NewPCG(3, 4), Regularization{}, g)
	require.NoError(t, err)
	f := func() float64 {
		l, _, err := v.loss(m, 8, rand.NewPCG(3, 4), Regularization{}, NewGrads(m))
		require.NoError(t, err)
		return l.Total
	}
	for i, p := range m.Params() {
		assert.InDeltaSlice(t, fdtest.Gradient(p.Float64s(), 1e-6, f), g[i], 1e-7, "parameter %d", i)
	}
}

// TestReverseKLFitsAGaussian: an AffineTriL flow fitted by reverse KL
// matches a Gaussian target: ESS/N near 1, log Ẑ and the ELBO near the
// true log Z = 1.5, and the parameters near the target's.
func TestReverseKLFitsAGaussian(t *testing.T) {
	m := affineModel(t)
	var last EpochStats
	tr, err := NewTrainer(m, Options{Epochs: 20, BatchSize: 64, LearningRate: 0.05, Schedule: Cosine(0.01), Seed: 1,
		Objective: ReverseKL{Target: gaussTarget{}, Steps: 50, Evaluate: 2000},
		OnEpoch:   func(s EpochStats) error { last = s; return nil }})
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), nil))
	require.NotNil(t, last.VI)
	t.Logf("%s", FormatEpoch(last))
	assert.Greater(t, last.VI.ESS, 0.99)
	assert.InDelta(t, 1.5, last.VI.LogZ, 0.01)
	assert.InDelta(t, 1.5, last.VI.ELBO, 0.01)
	tril := m.Bijector.(*distributions.AffineTriL)
	assert.InDeltaSlice(t, []float64{1, -2}, tril.Shift(), 0.05)
	assert.InDeltaSlice(t, []float64{1, 0, 0.6, 0.5}, tril.ScaleTriL(), 0.05)
}

// TestReverseKLResumesExactly: two epochs, State, a new Trainer restored
// from it and two more give the bits of four epochs in one run, annealed
// and with an FFJORD block.
func TestReverseKLResumesExactly(t *testing.T) {
	opts := func() Options {
		return Options{Epochs: 4, BatchSize: 16, Seed: 3,
			Objective: ReverseKL{Target: targets.Banana{B: 0.5}, Steps: 3, Evaluate: 32, Anneal: AnnealGeometric(3, 0.25)}}
	}
	straight := tinyFlow(t)
	a, err := NewTrainer(straight, opts())
	require.NoError(t, err)
	require.NoError(t, a.Run(context.Background(), nil))

	resumed := tinyFlow(t)
	o := opts()
	o.Epochs = 2
	b, err := NewTrainer(resumed, o)
	require.NoError(t, err)
	require.NoError(t, b.Run(context.Background(), nil))
	st, err := b.State()
	require.NoError(t, err)
	c, err := NewTrainer(resumed, opts())
	require.NoError(t, err)
	require.NoError(t, c.Restore(st))
	require.NoError(t, c.Run(context.Background(), nil))
	assert.Equal(t, paramsOf(straight), paramsOf(resumed))
	assert.Equal(t, a.History()[3].VI, c.History()[3].VI)
	betas := []float64{}
	for _, s := range a.History() {
		betas = append(betas, s.VI.Beta)
	}
	assert.InDeltaSlice(t, []float64{0.25, 0.5, 1, 1}, betas, 1e-12)
}

func TestReverseKLRefuses(t *testing.T) {
	_, err := NewTrainer(affineModel(t), Options{Objective: ReverseKL{}})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = NewTrainer(affineModel(t), Options{Objective: ReverseKL{Target: targets.Funnel{}, Evaluate: 10}})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	tr, err := NewTrainer(affineModel(t), Options{Objective: ReverseKL{Target: targets.Funnel{}}})
	require.NoError(t, err)
	assert.ErrorIs(t, tr.Run(context.Background(), tinyData(t)), ErrInvalidConfig)
}
