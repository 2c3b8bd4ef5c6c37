package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// affineFlow is x = shift + e^{log_scale}·z, z ~ N(0, 1) in one dimension,
// starting as the identity: a Flow with no ODE, quick to train.
func affineFlow(t *testing.T) *Flow {
	t.Helper()
	base, err := distributions.NewNormal([]float64{0}, []float64{1}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	aff, err := distributions.NewAffine([]float64{0}, []float64{0})
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, aff)
	require.NoError(t, err)
	f, err := NewFlowOf(d, Settings{})
	require.NoError(t, err)
	return f
}

// gaussianRows returns n draws of N(mu, sd²) as an n×1 tensor.
func gaussianRows(n int, mu, sd float64, seed uint64) *tensor.Dense {
	r := rand.New(rand.NewPCG(seed, seed+1))
	v := make([]float64, n)
	for i := range v {
		v[i] = mu + sd*r.NormFloat64()
	}
	return tensor.New(tensor.WithShape(n, 1), tensor.WithBacking(v))
}

// driftOptions train affineFlow on N(3, 0.5²) and validate on N(1.5, 0.5²):
// the model's mean walks from 0 to 3, past the validation set's, so the
// validation NLL falls and then rises well before the last epoch.
func driftOptions() (Options, *tensor.Dense) {
	return Options{Epochs: 40, BatchSize: 16, LearningRate: 0.05, Seed: 3, Validation: gaussianRows(48, 1.5, 0.5, 7)},
		gaussianRows(64, 3, 0.5, 5)
}

// epochRecord is what OnEpoch saw.
type epochRecord struct {
	params [][]float64
	nll    float64
}

func recordEpochs(f *Flow, opts *Options, into *[]epochRecord) {
	opts.OnEpoch = func(s EpochStats) error {
		*into = append(*into, epochRecord{paramsOf(f), s.ValidationNLL})
		return nil
	}
}

// argmin returns the 1-based epoch of the first lowest NLL.
func argmin(rs []epochRecord) int {
	best := 0
	for i, r := range rs {
		if r.nll < rs[best].nll {
			best = i
		}
	}
	return best + 1
}

// TestEarlyStoppingKeepsTheBestWeights: after all epochs the model holds,
// bit for bit, the parameters of the epoch with the lowest validation NLL
// (recorded as training went), not the last epoch's.
func TestEarlyStoppingKeepsTheBestWeights(t *testing.T) {
	opts, data := driftOptions()
	f := affineFlow(t)
	var rs []epochRecord
	recordEpochs(f, &opts, &rs)
	tr, err := NewTrainer(f, opts)
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), data))
	require.Len(t, rs, opts.Epochs)
	best := argmin(rs)
	t.Logf("best epoch %d of %d: validation NLL %.4f, last %.4f", best, opts.Epochs, rs[best-1].nll, rs[len(rs)-1].nll)
	require.Less(t, best, opts.Epochs-5, "the scenario must overfit")
	require.Greater(t, rs[len(rs)-1].nll, rs[best-1].nll+0.1)
	assert.Equal(t, rs[best-1].params, paramsOf(f), "the model must hold the best epoch's parameters")
	assert.NotEqual(t, rs[len(rs)-1].params, paramsOf(f))
	e, nll := tr.Best()
	assert.Equal(t, best, e)
	assert.Equal(t, rs[best-1].nll, nll)
	assert.False(t, tr.Stopped())
	for i, r := range rs {
		assert.Equal(t, r.nll, tr.History()[i].ValidationNLL)
	}

	// State after Run gives the last parameters, which resuming needs;
	// the model keeps the best.
	st, err := tr.State()
	require.NoError(t, err)
	assert.Equal(t, rs[len(rs)-1].params, st.Params)
	assert.Equal(t, rs[best-1].params, paramsOf(f))
}

// TestPatienceStopsOnTime: with Patience p the training ends at the first
// validation that is the p-th in a row without a new lowest NLL, found
// here from the validation NLLs of a run without patience (whose training
// is the same); the last epoch's stats say so and the best weights are in
// the model.
func TestPatienceStopsOnTime(t *testing.T) {
	for _, c := range []struct{ patience, every int }{{1, 1}, {4, 1}, {3, 2}, {2, 3}} {
		opts, data := driftOptions()
		opts.ValidateEvery = c.every
		f := affineFlow(t)
		var full []epochRecord
		recordEpochs(f, &opts, &full)
		tr, err := NewTrainer(f, opts)
		require.NoError(t, err)
		require.NoError(t, tr.Run(context.Background(), data))

		want, bestEpoch, low, stale := 0, 0, math.Inf(1), 0
		for i, r := range full {
			if (i+1)%c.every != 0 {
				continue
			}
			if r.nll < low {
				low, bestEpoch, stale = r.nll, i+1, 0
			} else if stale++; stale == c.patience {
				want = i + 1
				break
			}
		}
		require.NotZero(t, want, "%+v: the scenario must run out of patience", c)

		opts.Patience = c.patience
		g := affineFlow(t)
		var rs []epochRecord
		recordEpochs(g, &opts, &rs)
		tr, err = NewTrainer(g, opts)
		require.NoError(t, err)
		require.NoError(t, tr.Run(context.Background(), data), "stopping early is not an error")
		assert.Equal(t, want, tr.Epoch(), "%+v", c)
		assert.Len(t, rs, want, "%+v", c)
		assert.True(t, tr.Stopped(), "%+v", c)
		h := tr.History()
		assert.True(t, h[len(h)-1].Stopped, "%+v", c)
		for _, s := range h[:len(h)-1] {
			assert.False(t, s.Stopped)
		}
		e, _ := tr.Best()
		assert.Equal(t, bestEpoch, e, "%+v", c)
		assert.Equal(t, full[bestEpoch-1].params, paramsOf(g), "%+v", c)
		// Run again: nothing more to do, and the best stays.
		require.NoError(t, tr.Run(context.Background(), data))
		assert.Equal(t, want, tr.Epoch())
		assert.Equal(t, full[bestEpoch-1].params, paramsOf(g), "%+v", c)
	}
}

// TestValidationNLLIsTheFlowsNLL: the validation NLL of an epoch, taken in
// passes of BatchSize rows, is the Flow's own NLL of the validation rows
// at that epoch, for an unconditional and a conditional flow.
func TestValidationNLLIsTheFlowsNLL(t *testing.T) {
	t.Run("unconditional", func(t *testing.T) {
		f := tinyFlow(t)
		val := tinyData(t)
		opts := Options{Epochs: 2, BatchSize: 40, Seed: 1, Validation: val}
		var nll []float64
		opts.OnEpoch = func(s EpochStats) error {
			want, err := f.NLL(val)
			require.NoError(t, err)
			assert.InDelta(t, want, s.ValidationNLL, 1e-9)
			nll = append(nll, s.ValidationNLL)
			return nil
		}
		tr, err := NewTrainer(f, opts)
		require.NoError(t, err)
		require.NoError(t, tr.Run(context.Background(), tinyData(t)))
		require.Len(t, nll, 2)
	})
	t.Run("conditional", func(t *testing.T) {
		f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{8}, Context: 2}, Settings{}, rand.NewPCG(1, 2))
		require.NoError(t, err)
		x, c := labelled(128, 3)
		vx, vc := labelled(50, 4)
		opts := Options{Epochs: 2, BatchSize: 32, Seed: 1, Validation: vx, ValidationContext: vc}
		calls := 0
		opts.OnEpoch = func(s EpochStats) error {
			want, err := f.NLLContext(vx, vc)
			require.NoError(t, err)
			assert.InDelta(t, want, s.ValidationNLL, 1e-9)
			calls++
			return nil
		}
		tr, err := NewTrainer(f, opts)
		require.NoError(t, err)
		require.NoError(t, tr.RunContext(context.Background(), x, c))
		assert.Equal(t, 2, calls)
	})
}

// TestValidationLeavesTrainingAlone: validating, exactly or with the
// Hutchinson estimate, changes nothing in the training itself: the same
// losses bit for bit and the same last parameters as without validation.
// The estimate is the same at every call on the same weights, wherever
// the training's noise stream stands.
func TestValidationLeavesTrainingAlone(t *testing.T) {
	for _, estimate := range []bool{false, true} {
		newFlow := func() *Flow {
			f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{6}}, Settings{Trace: odefunc.HutchinsonRademacher}, rand.NewPCG(7, 8))
			require.NoError(t, err)
			return f
		}
		opts := Options{Epochs: 3, BatchSize: 32, LearningRate: 3e-2, Seed: 11}
		plain := newFlow()
		tp, err := NewTrainer(plain, opts)
		require.NoError(t, err)
		require.NoError(t, tp.Run(context.Background(), tinyData(t)))

		opts.Validation, opts.ValidationEstimate = gaussianPairs(40), estimate
		f := newFlow()
		tv, err := NewTrainer(f, opts)
		require.NoError(t, err)
		require.NoError(t, tv.Run(context.Background(), tinyData(t)))
		for i, s := range tv.History() {
			assert.Equal(t, math.Float64bits(tp.History()[i].Loss), math.Float64bits(s.Loss), "estimate %t, epoch %d", estimate, i+1)
			assert.NotZero(t, s.ValidationNLL)
		}
		assert.Equal(t, paramsOf(plain), tv.last, "estimate %t: last parameters", estimate)

		a, err := tv.val.nll(context.Background(), tv.use, tv.blocks, 16)
		require.NoError(t, err)
		// Move the training's noise on: the validation must not see it.
		_, err = f.RecordLogProb(tinyData(t).Float64s(), 96, distributions.Request{Estimate: true})
		require.NoError(t, err)
		b, err := tv.val.nll(context.Background(), tv.use, tv.blocks, 16)
		require.NoError(t, err)
		assert.Equal(t, a, b, "estimate %t: the same weights, the same validation NLL", estimate)
	}
}

// gaussianPairs returns n points of N(0, I) in two dimensions.
func gaussianPairs(n int) *tensor.Dense {
	r := rand.New(rand.NewPCG(31, 32))
	v := make([]float64, 2*n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(v))
}

// TestBadValidationOptions: every misuse of the validation options is an
// ErrInvalidConfig error from NewTrainer, before any training.
func TestBadValidationOptions(t *testing.T) {
	f := tinyFlow(t)
	ok := gaussianPairs(4)
	nan := gaussianPairs(4)
	nan.Float64s()[5] = math.NaN()
	inf := gaussianPairs(4)
	inf.Float64s()[0] = math.Inf(-1)
	cond, err := NewFlow(FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}, Context: 2}, Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	cases := map[string]struct {
		model distributions.Trainable
		opts  Options
		want  string
	}{
		"negative patience":         {f, Options{Validation: ok, Patience: -1}, "Patience = -1"},
		"negative every":            {f, Options{Validation: ok, ValidateEvery: -2}, "ValidateEvery = -2"},
		"patience without rows":     {f, Options{Patience: 3}, "need Validation"},
		"every without rows":        {f, Options{ValidateEvery: 3}, "need Validation"},
		"estimate without rows":     {f, Options{ValidationEstimate: true}, "need Validation"},
		"context without rows":      {f, Options{ValidationContext: ok}, "need Validation"},
		"wrong width":               {f, Options{Validation: gaussianRows(4, 0, 1, 1)}, "Validation"},
		"NaN row":                   {f, Options{Validation: nan}, "Validation"},
		"infinite row":              {f, Options{Validation: inf}, "Validation"},
		"empty":                     {f, Options{Validation: tensor.New(tensor.WithShape(0, 2), tensor.Of(tensor.Float64))}, "Validation"},
		"context for unconditional": {f, Options{Validation: ok, ValidationContext: ok}, "reads none"},
		"no context":                {cond, Options{Validation: ok}, "ValidationContext is required"},
		"context rows":              {cond, Options{Validation: ok, ValidationContext: gaussianPairs(3)}, "3 rows for 4"},
		"context width":             {cond, Options{Validation: ok, ValidationContext: gaussianRows(4, 0, 1, 1)}, "ValidationContext"},
		"NaN context":               {cond, Options{Validation: ok, ValidationContext: nan}, "ValidationContext"},
		"estimate without blocks":   {gaussianModel(t), Options{Validation: ok, ValidationEstimate: true}, "needs a model with FFJORD blocks"},
		"NaN decay":                 {f, Options{Validation: ok, WeightDecay: math.NaN()}, "WeightDecay"},
	}
	for name, c := range cases {
		_, err := NewTrainer(c.model, c.opts)
		require.ErrorIs(t, err, ErrInvalidConfig, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
}

// historyWithoutSeconds clears the wall times, which checkpoints leave out.
func historyWithoutSeconds(h []EpochStats) []EpochStats {
	out := append([]EpochStats(nil), h...)
	for i := range out {
		out[i].Seconds = 0
	}
	return out
}

// TestResumeWithValidationMatchesUninterrupted: a run with validation and
// patience, interrupted after an epoch where patience was already being
// used up and resumed from its checkpoint, stops at the same epoch with the
// same best and the same parameters, bit for bit; so does a flow with
// Hutchinson's trace validated with the estimate.
func TestResumeWithValidationMatchesUninterrupted(t *testing.T) {
	t.Run("affine", func(t *testing.T) {
		opts, data := driftOptions()
		opts.Patience = 5
		whole := affineFlow(t)
		all, err := NewTrainer(whole, opts)
		require.NoError(t, err)
		require.NoError(t, all.Run(context.Background(), data))
		require.True(t, all.Stopped())
		best, _ := all.Best()
		stop := best + 2 // two validations of patience used
		require.Less(t, stop, all.Epoch())

		resumed, rest := interruptAndResume(t, affineFlow, opts, data, stop)
		assert.Equal(t, 2, rest.best.Stale-(rest.Epoch()-stop), "the counter carried over")
		assert.True(t, rest.Stopped())
		assert.Equal(t, all.Epoch(), rest.Epoch())
		assert.Equal(t, paramsOf(whole), paramsOf(resumed))
		assert.Equal(t, all.last, rest.last)
		assert.Equal(t, all.best, rest.best)
		assert.Equal(t, historyWithoutSeconds(all.History()), historyWithoutSeconds(rest.History()))
	})
	for _, tr := range []odefunc.Trace{odefunc.ExactTrace, odefunc.HutchinsonRademacher} {
		t.Run(tr.String(), func(t *testing.T) {
			newFlow := func(t *testing.T) *Flow {
				f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{6}}, Settings{Trace: tr}, rand.NewPCG(7, 8))
				require.NoError(t, err)
				return f
			}
			opts := Options{Epochs: 4, BatchSize: 32, LearningRate: 3e-2, Seed: 11, Schedule: Cosine(0.1),
				Validation: gaussianPairs(40), Patience: 2, ValidationEstimate: tr.Stochastic(), WeightDecay: 1e-2}
			data := tinyData(t)
			whole := newFlow(t)
			all, err := NewTrainer(whole, opts)
			require.NoError(t, err)
			require.NoError(t, all.Run(context.Background(), data))
			t.Logf("%v: stopped %t after epoch %d; best %d", tr, all.Stopped(), all.Epoch(), all.best.Epoch)
			require.True(t, all.Stopped(), "the scenario must stop early")
			require.Less(t, all.Epoch(), opts.Epochs)
			resumed, rest := interruptAndResume(t, newFlow, opts, data, 2)
			assert.Equal(t, paramsOf(whole), paramsOf(resumed))
			assert.Equal(t, all.last, rest.last)
			assert.Equal(t, all.best, rest.best)
			assert.Equal(t, historyWithoutSeconds(all.History()), historyWithoutSeconds(rest.History()))
		})
	}
}

// interruptAndResume trains a flow from newFlow with opts on data, stops
// it after epoch stop, and continues it to the end with a new Trainer
// restoring the state Options.Save got.
func interruptAndResume(t *testing.T, newFlow func(*testing.T) *Flow, opts Options, data *tensor.Dense, stop int) (*Flow, *Trainer) {
	t.Helper()
	first := opts
	var saved *TrainingState
	first.Save = func(st *TrainingState) error { saved = st; return nil }
	interrupt := errors.New("interrupt")
	first.OnEpoch = func(s EpochStats) error {
		if s.Epoch == stop {
			return interrupt
		}
		return nil
	}
	f := newFlow(t)
	tr, err := NewTrainer(f, first)
	require.NoError(t, err)
	require.ErrorIs(t, tr.Run(context.Background(), data), interrupt)
	require.Equal(t, stop, saved.Epoch)
	rest, err := NewTrainer(f, opts)
	require.NoError(t, err)
	require.NoError(t, rest.Restore(saved))
	require.NoError(t, rest.Run(context.Background(), data))
	return f, rest
}

// TestValidateEvery: validations happen every ValidateEvery epochs and
// after the last, and only then.
func TestValidateEvery(t *testing.T) {
	opts, data := driftOptions()
	opts.Epochs, opts.ValidateEvery = 7, 3
	tr, err := NewTrainer(affineFlow(t), opts)
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), data))
	for _, s := range tr.History() {
		assert.Equal(t, s.Epoch == 3 || s.Epoch == 6 || s.Epoch == 7, s.ValidationNLL != 0, "epoch %d", s.Epoch)
	}
}

// TestATieIsNoImprovement: only a strictly lower NLL is a new best.
func TestATieIsNoImprovement(t *testing.T) {
	w := &valueGrad{value: tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{1}))}
	var b BestState
	assert.False(t, b.observe(1, 2, []*valueGrad{w}, 2))
	w.value.Float64s()[0] = 5
	assert.False(t, b.observe(2, 2, []*valueGrad{w}, 2))
	assert.Equal(t, BestState{Epoch: 1, NLL: 2, Params: [][]float64{{1}}, Stale: 1}, b)
	assert.True(t, b.observe(3, 2.5, []*valueGrad{w}, 2))
	assert.False(t, b.observe(4, 1, []*valueGrad{w}, 2))
	assert.Equal(t, BestState{Epoch: 4, NLL: 1, Params: [][]float64{{5}}}, b)
}

// TestCancelledRunKeepsTheLastWeights: a cancelled Run leaves the model
// where training reached, not at the best epoch, and reports the
// cancellation.
func TestCancelledRunKeepsTheLastWeights(t *testing.T) {
	opts, data := driftOptions()
	f := affineFlow(t)
	var rs []epochRecord
	recordEpochs(f, &opts, &rs)
	ctx, cancel := context.WithCancel(context.Background())
	record := opts.OnEpoch
	opts.OnEpoch = func(s EpochStats) error {
		if s.Epoch == 30 {
			cancel()
		}
		return record(s)
	}
	tr, err := NewTrainer(f, opts)
	require.NoError(t, err)
	err = tr.Run(ctx, data)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "epoch 31, batch 1")
	best, _ := tr.Best()
	require.Less(t, best, 30)
	assert.Equal(t, rs[29].params, paramsOf(f))
	assert.False(t, tr.Stopped())
}

// gaussianModel is a trainable model without FFJORD blocks: a one-component
// mixture in two dimensions.
func gaussianModel(t *testing.T) distributions.Trainable {
	t.Helper()
	m, err := distributions.NewMultivariateNormalTriL([]float64{0, 0}, []float64{1, 0, 0, 1}, nil)
	require.NoError(t, err)
	g, err := distributions.NewGaussianMixture([]float64{0}, []*distributions.MultivariateNormalTriL{m}, nil)
	require.NoError(t, err)
	return g
}
