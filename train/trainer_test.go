package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

func tinyFlow(t *testing.T) *Flow {
	t.Helper()
	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{6}}, Settings{}, rand.NewPCG(7, 8))
	require.NoError(t, err)
	return f
}

func tinyData(t *testing.T) *tensor.Dense {
	t.Helper()
	x, err := datasets.Moons(96, 0.06, true, rand.NewPCG(5, 6))
	require.NoError(t, err)
	return x
}

func paramsOf(f *Flow) [][]float64 {
	var out [][]float64
	for _, p := range f.Params() {
		out = append(out, append([]float64(nil), p.Float64s()...))
	}
	return out
}

func TestAdamStepIsAdam(t *testing.T) {
	w := tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{1, -2, 0.5}))
	a, err := NewAdam([]*tensor.Dense{w}, 0.1)
	require.NoError(t, err)
	g1, g2 := []float64{0.3, -1, 2}, []float64{-0.1, 0.5, 2}
	require.NoError(t, a.Step(Grads{append([]float64(nil), g1...)}))
	require.NoError(t, a.Step(Grads{append([]float64(nil), g2...)}))
	for i, w0 := range []float64{1, -2, 0.5} {
		m, v, x := 0.0, 0.0, w0
		for k, g := range []float64{g1[i], g2[i]} {
			m = 0.9*m + 0.1*g
			v = 0.999*v + 0.001*g*g
			mh, vh := m/(1-math.Pow(0.9, float64(k+1))), v/(1-math.Pow(0.999, float64(k+1)))
			x -= 0.1 * mh / (math.Sqrt(vh) + 1e-8)
		}
		assert.InDelta(t, x, w.Float64s()[i], 1e-12)
	}
}

// TestAdamMemoryAdapter fails loudly if gorgonia's AdamSolver stops keeping
// its moments where the adapter reads them: after two steps, State must
// hold exactly Adam's m and v, and restoring it into a fresh Adam must
// continue bit for bit.
func TestAdamMemoryAdapter(t *testing.T) {
	w := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float64{1, -2}))
	a, err := NewAdam([]*tensor.Dense{w}, 0.1)
	require.NoError(t, err)
	empty, err := a.State()
	require.NoError(t, err, "gorgonia's AdamSolver layout changed: update train/adammemory.go")
	assert.Equal(t, AdamState{}, empty)
	g1, g2 := []float64{0.3, -1}, []float64{-0.1, 0.5}
	require.NoError(t, a.Step(Grads{append([]float64(nil), g1...)}))
	require.NoError(t, a.Step(Grads{append([]float64(nil), g2...)}))
	st, err := a.State()
	require.NoError(t, err, "gorgonia's AdamSolver layout changed: update train/adammemory.go")
	require.Equal(t, 2, st.Step)
	for i := range g1 {
		m := 0.9*(0.1*g1[i]) + 0.1*g2[i]
		v := 0.999*(0.001*g1[i]*g1[i]) + 0.001*g2[i]*g2[i]
		assert.InDelta(t, m, st.M[0][i], 1e-15, "first moment %d", i)
		assert.InDelta(t, v, st.V[0][i], 1e-15, "second moment %d", i)
	}

	w2 := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking(append([]float64(nil), w.Float64s()...)))
	b, err := NewAdam([]*tensor.Dense{w2}, 0.1)
	require.NoError(t, err)
	require.NoError(t, b.Restore(st))
	g3 := []float64{0.7, 0.2}
	require.NoError(t, a.Step(Grads{append([]float64(nil), g3...)}))
	require.NoError(t, b.Step(Grads{append([]float64(nil), g3...)}))
	assert.Equal(t, w.Float64s(), w2.Float64s())
}

func TestTrainingLowersTheLossAndIsDeterministic(t *testing.T) {
	run := func() ([]EpochStats, [][]float64) {
		f := tinyFlow(t)
		tr, err := NewTrainer(f, Options{Epochs: 3, BatchSize: 32, LearningRate: 3e-2, Seed: 9})
		require.NoError(t, err)
		require.NoError(t, tr.Run(context.Background(), tinyData(t)))
		return tr.History(), paramsOf(f)
	}
	h1, p1 := run()
	h2, p2 := run()
	require.Len(t, h1, 3)
	assert.Less(t, h1[2].Loss, h1[0].Loss)
	assert.Equal(t, p1, p2)
	for i := range h1 {
		assert.Equal(t, h1[i].Loss, h2[i].Loss)
	}
}

// TestResumeMatchesUninterruptedTraining: a run stopped after epoch 1 and
// resumed from its checkpoint ends bit for bit where the uninterrupted run
// does, with the exact trace and with Hutchinson's (whose noise stream the
// checkpoint carries).
func TestResumeMatchesUninterruptedTraining(t *testing.T) {
	for _, tr := range []odefunc.Trace{odefunc.ExactTrace, odefunc.HutchinsonRademacher} {
		t.Run(tr.String(), func(t *testing.T) {
			opts := Options{Epochs: 3, BatchSize: 32, LearningRate: 3e-2, Seed: 11, Schedule: Cosine(0.1)}
			whole, resumed, all, rest := resumeAfterFirstEpoch(t, func() *Flow {
				f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{6}}, Settings{Trace: tr}, rand.NewPCG(7, 8))
				require.NoError(t, err)
				return f
			}, opts)
			assert.Equal(t, paramsOf(whole), paramsOf(resumed), "resumed training must match bit for bit")
			assert.Equal(t, all.History()[2].Loss, rest.History()[2].Loss)
		})
	}
}

// resumeAfterFirstEpoch trains one flow from newFlow for opts.Epochs on
// tinyData, and another that stops after epoch 1, whose state (State, as
// Options.Save gets it) a new Trainer restores and continues to the same
// count; it returns both flows and trainers.
func resumeAfterFirstEpoch(t *testing.T, newFlow func() *Flow, opts Options) (whole, resumed *Flow, all, rest *Trainer) {
	t.Helper()
	data := tinyData(t)
	whole = newFlow()
	all, err := NewTrainer(whole, opts)
	require.NoError(t, err)
	require.NoError(t, all.Run(context.Background(), data))

	first := opts
	var saved *TrainingState
	first.Save = func(st *TrainingState) error { saved = st; return nil }
	stopAfter := errors.New("stop")
	first.OnEpoch = func(s EpochStats) error {
		if s.Epoch == 1 {
			return stopAfter
		}
		return nil
	}
	resumed = newFlow()
	tr1, err := NewTrainer(resumed, first)
	require.NoError(t, err)
	require.ErrorIs(t, tr1.Run(context.Background(), data), stopAfter)

	require.NotNil(t, saved)
	require.Equal(t, 1, saved.Epoch)
	rest, err = NewTrainer(resumed, opts)
	require.NoError(t, err)
	require.NoError(t, rest.Restore(saved))
	require.NoError(t, rest.Run(context.Background(), data))
	return whole, resumed, all, rest
}

func TestRunIsCancellable(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tr, err := NewTrainer(tinyFlow(t), Options{Epochs: 1, Seed: 1})
	require.NoError(t, err)
	err = tr.Run(ctx, tinyData(t))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "epoch 1, batch 1")
}

func TestBadOptions(t *testing.T) {
	f := tinyFlow(t)
	for name, o := range map[string]Options{
		"negative epochs": {Epochs: -1},
		"negative batch":  {BatchSize: -2},
		"NaN lr":          {LearningRate: math.NaN()},
		"negative clip":   {ClipNorm: -1},
	} {
		_, err := NewTrainer(f, o)
		assert.ErrorIs(t, err, ErrInvalidConfig, name)
	}
	assert.ErrorIs(t, f.SetSettings(Settings{Gradient: ode.BacksolveAdjoint{Controller: ode.Constant{Step: -1}}}), ode.ErrInvalidSettings, "unknown mode")
	_, err := NewFlow(FlowConfig{Dim: 0}, Settings{}, rand.NewPCG(1, 1))
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = NewFlow(FlowConfig{Dim: 2, Hidden: []int{-1}}, Settings{}, rand.NewPCG(1, 1))
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = NewFlow(FlowConfig{Dim: 2, BaseStd: []float64{1}}, Settings{}, rand.NewPCG(1, 1))
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

// TestSameSeedSameBits: the same seeds give bit-identical data, initial
// weights, losses, parameters and training states, with one worker or two.
func TestSameSeedSameBits(t *testing.T) {
	run := func(workers int) ([][]float64, *TrainingState, []EpochStats) {
		data, err := datasets.Moons(200, 0.06, true, rand.NewPCG(21, 22))
		require.NoError(t, err)
		f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2}, Settings{}, rand.NewPCG(23, 24))
		require.NoError(t, err)
		require.NoError(t, f.SetWorkers(workers))
		tr, err := NewTrainer(f, Options{Epochs: 2, BatchSize: 100, Seed: 25})
		require.NoError(t, err)
		require.NoError(t, tr.Run(context.Background(), data))
		st, err := tr.State()
		require.NoError(t, err)
		st.History = historyWithoutSeconds(st.History)
		return paramsOf(f), st, tr.History()
	}
	pa, a, ha := run(1)
	pb, b, hb := run(2)
	for i := range ha {
		assert.Equal(t, math.Float64bits(ha[i].Loss), math.Float64bits(hb[i].Loss), "epoch %d loss", i+1)
	}
	assert.Equal(t, pa, pb, "parameters differ")
	assert.Equal(t, a, b, "training states differ")
}

// TestWorkersKeepTheBitsAtScale: TestSameSeedSameBits at a size where two
// workers split more than the chunks: a 16-D block with Hutchinson's
// trace on batches of 256 (two chunks), whose whole-batch forward state
// (256 rows of 17 values) and adjoint state ([z, a, ∂L/∂θ]) are long
// enough for the solver to split its loops by values, and whose
// parameters the helpers sum.
func TestWorkersKeepTheBitsAtScale(t *testing.T) {
	run := func(workers int) ([][]float64, []EpochStats) {
		data, err := datasets.GaussianMixture(512, 16, 2, 2, rand.NewPCG(31, 32))
		require.NoError(t, err)
		f, err := NewFlow(FlowConfig{Dim: 16, Blocks: 1, Hidden: []int{64, 64}}, Settings{Trace: odefunc.HutchinsonRademacher}, rand.NewPCG(33, 34))
		require.NoError(t, err)
		require.NoError(t, f.SetWorkers(workers))
		tr, err := NewTrainer(f, Options{Epochs: 1, BatchSize: 256, Seed: 35})
		require.NoError(t, err)
		require.NoError(t, tr.Run(context.Background(), data))
		return paramsOf(f), historyWithoutSeconds(tr.History())
	}
	pa, ha := run(1)
	pb, hb := run(2)
	assert.Equal(t, ha, hb, "histories differ")
	assert.Equal(t, pa, pb, "parameters differ")
}

// TestNonFiniteTrainingIsAnError: a schedule giving NaN or a negative rate,
// an infinite clipping norm and weights driven to ±Inf are errors naming
// the epoch and batch, and the last state saved is the last good epoch's.
func TestNonFiniteTrainingIsAnError(t *testing.T) {
	data := tinyData(t)
	for name, c := range map[string]struct {
		opts  Options
		want  error
		where string
	}{
		"NaN schedule":      {Options{Epochs: 2, Schedule: func(int, int, float64) float64 { return math.NaN() }}, ErrInvalidConfig, "epoch 1"},
		"negative schedule": {Options{Epochs: 2, Schedule: func(e, _ int, b float64) float64 { return b * float64(2-e*2+1) }}, ErrInvalidConfig, "epoch 2"},
		"huge rate":         {Options{Epochs: 3, BatchSize: 16, Schedule: func(e, _ int, b float64) float64 { return map[bool]float64{true: b, false: math.MaxFloat64}[e == 1] }}, ErrDiverged, "epoch 2, batch"},
	} {
		t.Run(name, func(t *testing.T) {
			f := tinyFlow(t)
			var saved *TrainingState
			c.opts.Save = func(st *TrainingState) error { saved = st; return nil }
			tr, err := NewTrainer(f, c.opts)
			require.NoError(t, err)
			err = tr.Run(context.Background(), data)
			require.ErrorIs(t, err, c.want)
			assert.Contains(t, err.Error(), c.where)
			if tr.Epoch() > 0 {
				require.NotNil(t, saved, "the last good epoch was saved")
				assert.Equal(t, tr.Epoch(), saved.Epoch)
			}
		})
	}
	_, err := NewTrainer(tinyFlow(t), Options{ClipNorm: math.Inf(1)})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	a, err := NewAdam(tinyFlow(t).Params(), 0.1)
	require.NoError(t, err)
	g := NewGrads(tinyFlow(t))
	g[0] = g[0][:1]
	assert.Error(t, a.Step(g), "a gradient of the wrong length")
}
