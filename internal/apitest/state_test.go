package apitest

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// Hostile use of a Trainer's State and Restore, and of Flow.Use.

// smallTrainer returns a 1-block flow and a Trainer of it that has run
// epochs epochs on moons (none for 0, the Trainer's Epochs then 1), and
// its options.
func smallTrainer(t *testing.T, epochs int, opts train.Options) (*train.Flow, *train.Trainer, *train.Options) {
	t.Helper()
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	if opts.BatchSize == 0 {
		opts.BatchSize, opts.Seed = 32, 3
	}
	opts.Epochs = max(epochs, 1)
	tr, err := train.NewTrainer(flow, opts)
	require.NoError(t, err)
	if epochs > 0 {
		require.NoError(t, tr.Run(context.Background(), moons(t)))
	}
	return flow, tr, &opts
}

func moons(t *testing.T) *tensor.Dense {
	t.Helper()
	data, err := datasets.Moons(64, 0.05, true, rand.NewPCG(5, 6))
	require.NoError(t, err)
	return data
}

func paramValues(f *train.Flow) [][]float64 {
	var out [][]float64
	for _, p := range f.Params() {
		out = append(out, slices.Clone(p.Float64s()))
	}
	return out
}

// editedState returns a copy of st changed by edit, its first moments'
// first slices copied.
func editedState(st *train.TrainingState, edit func(s *train.TrainingState)) *train.TrainingState {
	c := *st
	c.Adam.M, c.Adam.V = slices.Clone(st.Adam.M), slices.Clone(st.Adam.V)
	c.Adam.V[0] = slices.Clone(c.Adam.V[0])
	c.Adam.M[0] = slices.Clone(c.Adam.M[0])
	edit(&c)
	return &c
}

// TestHostileRestoreArguments: states no training can continue from are
// ErrInvalidConfig errors, and Use(nil) is one too.
func TestHostileRestoreArguments(t *testing.T) {
	flow, tr, _ := smallTrainer(t, 1, train.Options{})
	st, err := tr.State()
	require.NoError(t, err)
	edited := func(edit func(s *train.TrainingState)) *train.TrainingState { return editedState(st, edit) }
	negEpoch := edited(func(s *train.TrainingState) { s.Epoch = -1 })
	negV := edited(func(s *train.TrainingState) { s.Adam.V[0][0] = -1 })
	infM := edited(func(s *train.TrainingState) { s.Adam.M[0][0] = math.Inf(1) })
	nanParams := edited(func(s *train.TrainingState) {
		s.Params = paramValues(flow)
		s.Params[0][0] = math.NaN()
	})
	cases := []apiCase{
		{"Flow.Use(nil)", train.ErrInvalidConfig, func() error { return flow.Use(nil) }},
		{"Restore epoch -1", train.ErrInvalidConfig, func() error { return tr.Restore(negEpoch) }},
		{"Restore v < 0", train.ErrInvalidConfig, func() error { return tr.Restore(negV) }},
		{"Restore m = +Inf", train.ErrInvalidConfig, func() error { return tr.Restore(infM) }},
		{"Restore NaN params", train.ErrInvalidConfig, func() error { return tr.Restore(nanParams) }},
	}
	for _, c := range cases {
		err := errOf(t, c.name, c.call)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want an error wrapping %q", c.name, err, c.want)
		}
	}
	countCases(t, "state_test.go", len(cases))
}

// TestHostileUseCannotBreakTheFlow: a Use that removes the base or the
// bijector is refused and leaves a working flow, where every method after
// it refused the flow as a zero value.
func TestHostileUseCannotBreakTheFlow(t *testing.T) {
	flow, _, _ := smallTrainer(t, 0, train.Options{})
	other, err := distributions.NewNormal([]float64{0, 0, 0}, []float64{1, 1, 1}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	for name, edit := range map[string]func(d *distributions.TransformedDistribution){
		"nil base":         func(d *distributions.TransformedDistribution) { d.Base = nil },
		"nil bijector":     func(d *distributions.TransformedDistribution) { d.Bijector = nil },
		"3-D base for 2-D": func(d *distributions.TransformedDistribution) { d.Base = other },
	} {
		err := flow.Use(func(d *distributions.TransformedDistribution) error { edit(d); return nil })
		require.ErrorIs(t, err, train.ErrInvalidConfig, name)
		_, err = flow.Sample(2)
		require.NoError(t, err, name)
	}
	countCases(t, "state_test.go", 3)
}

// TestHostileUseThenSave: a Use that replaces parts of a NewFlow stack
// (as its documentation allows) used to leave the flow's Config claiming
// the stack, so that Save wrote a file Load refused; the flow now drops
// the Config, and the file loads as the flow it is.
func TestHostileUseThenSave(t *testing.T) {
	aff, err := distributions.NewAffine([]float64{1, 2}, []float64{0, 0})
	require.NoError(t, err)
	wide, err := distributions.NewNormal([]float64{0, 0}, []float64{2, 2}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	for name, c := range map[string]struct {
		edit       func(d *distributions.TransformedDistribution)
		keepConfig bool
	}{
		"affine after the blocks": {func(d *distributions.TransformedDistribution) { d.Bijector = distributions.Chain{d.Bijector, aff} }, false},
		"a wider base":            {func(d *distributions.TransformedDistribution) { d.Base = wide }, false},
		"an equal base": {func(d *distributions.TransformedDistribution) {
			b := d.Base.(*distributions.Normal)
			d.Base, _ = distributions.NewNormal(b.Mean(), b.Std(), rand.NewPCG(2, 2))
		}, true},
	} {
		flow, _, _ := smallTrainer(t, 0, train.Options{})
		require.NoError(t, flow.Use(func(d *distributions.TransformedDistribution) error { c.edit(d); return nil }), name)
		_, ok := flow.Config()
		require.Equal(t, c.keepConfig, ok, "%s: Config", name)
		path := filepath.Join(t.TempDir(), "c.json")
		require.NoError(t, checkpoint.Save(path, flow, nil, checkpoint.Codec{}), name)
		ck, err := checkpoint.Load(path, checkpoint.Codec{})
		require.NoError(t, err, name)
		x := pts(2, 2, 0.1, 0.2, -0.3, 0.4)
		want, err := flow.LogProb(x)
		require.NoError(t, err, name)
		got, err := ck.Flow.LogProb(x)
		require.NoError(t, err, name)
		require.Equal(t, want, got, name)
	}
	countCases(t, "state_test.go", 3)
}

// TestHostileConcurrentUse: Uses that replace parts, while other
// goroutines sample, save and read the Config, leave a flow that loads;
// run with -race.
func TestHostileConcurrentUse(t *testing.T) {
	flow, _, _ := smallTrainer(t, 0, train.Options{})
	aff, err := distributions.NewAffine([]float64{0.5, -0.5}, []float64{0.1, 0})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "c.json")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	each := func(fn func(i int) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	each(func(i int) error {
		return flow.Use(func(d *distributions.TransformedDistribution) error {
			if i == 5 {
				d.Bijector = distributions.Chain{d.Bijector, aff}
			}
			_ = d.Params()
			return nil
		})
	})
	each(func(int) error { _, err := flow.Sample(4); return err })
	each(func(int) error { _ = flow.EndTimes(); _, _ = flow.Config(); return nil })
	each(func(int) error { return checkpoint.Save(path, flow, nil, checkpoint.Codec{}) })
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, ok := flow.Config()
	require.False(t, ok)
	require.NoError(t, checkpoint.Save(path, flow, nil, checkpoint.Codec{}))
	_, err = checkpoint.Load(path, checkpoint.Codec{})
	require.NoError(t, err)
	countCases(t, "state_test.go", 1)
}

// TestHostileStateIsACopy: changing what State returned does not change
// the Trainer (its last parameters, kept while the model holds the best
// ones, and its Record were shared).
func TestHostileStateIsACopy(t *testing.T) {
	_, tr, _ := smallTrainer(t, 3, train.Options{Validation: moons(t), BatchSize: 32, Seed: 3, Record: map[string]string{"a": "b"}})
	st, err := tr.State()
	require.NoError(t, err)
	require.NotNil(t, st.Params)
	p, best, loss := st.Params[0][0], st.Best.Params[0][0], st.History[0].Loss
	st.Params[0][0] = 999
	st.Record["a"] = "changed"
	st.Best.Params[0][0] = 777
	st.History[0].Loss = 555
	got, err := tr.State()
	require.NoError(t, err)
	require.Equal(t, p, got.Params[0][0], "Params")
	require.Equal(t, "b", got.Record["a"], "Record")
	require.Equal(t, best, got.Best.Params[0][0], "Best.Params")
	require.Equal(t, loss, got.History[0].Loss, "History")
	countCases(t, "state_test.go", 1)
}

// TestHostileRestoreTwice: restoring the same state twice is restoring it
// once; it must not move the weights.
func TestHostileRestoreTwice(t *testing.T) {
	flow, tr, opts := smallTrainer(t, 1, train.Options{})
	st, err := tr.State()
	require.NoError(t, err)
	w := paramValues(flow)
	require.NoError(t, tr.Restore(st))
	require.Equal(t, w, paramValues(flow), "the first Restore moved the weights")
	require.NoError(t, tr.Restore(st))
	require.Equal(t, w, paramValues(flow), "the second Restore moved the weights")

	// And a run continued from there is the uninterrupted one.
	whole, _, _ := smallTrainer(t, 0, *opts)
	opts2 := *opts
	opts2.Epochs = 2
	all2, err := train.NewTrainer(whole, opts2)
	require.NoError(t, err)
	require.NoError(t, all2.Run(context.Background(), moons(t)))
	tr2, err := train.NewTrainer(flow, opts2)
	require.NoError(t, err)
	require.NoError(t, tr2.Restore(st))
	require.NoError(t, tr2.Restore(st))
	require.NoError(t, tr2.Run(context.Background(), moons(t)))
	require.Equal(t, paramValues(whole), paramValues(flow))
	countCases(t, "state_test.go", 2)
}

// TestHostileRestoreOfAFreshState: a step-0 state (a new Trainer's)
// restored into a Trainer that has trained clears Adam's memory.
func TestHostileRestoreOfAFreshState(t *testing.T) {
	fresh, freshTr, opts := smallTrainer(t, 0, train.Options{})
	st, err := freshTr.State()
	require.NoError(t, err)
	used, usedTr, _ := smallTrainer(t, 1, *opts)
	w := paramValues(fresh)
	require.NoError(t, used.Use(func(d *distributions.TransformedDistribution) error {
		for i, p := range d.Params() {
			copy(p.Float64s(), w[i])
		}
		return nil
	}))
	require.NoError(t, usedTr.Restore(st))
	require.NoError(t, freshTr.Run(context.Background(), moons(t)))
	require.NoError(t, usedTr.Run(context.Background(), moons(t)))
	require.Equal(t, paramValues(fresh), paramValues(used), "Adam kept the moments of the training before Restore")
	countCases(t, "state_test.go", 1)
}

// TestHostileFailedRestoreChangesNothing: a Restore that returns an error
// leaves the Trainer and its model as they were.
func TestHostileFailedRestoreChangesNothing(t *testing.T) {
	flow, tr, _ := smallTrainer(t, 1, train.Options{})
	first, err := tr.State()
	require.NoError(t, err)
	data := moons(t)
	tr2, err := train.NewTrainer(flow, train.Options{Epochs: 2, BatchSize: 32, Seed: 3})
	require.NoError(t, err)
	require.NoError(t, tr2.Restore(first))
	require.NoError(t, tr2.Run(context.Background(), data))
	before, err := tr2.State()
	require.NoError(t, err)
	w := paramValues(flow)

	for name, edit := range map[string]func(s *train.TrainingState){
		"bad shuffle":      func(s *train.TrainingState) { s.Shuffle = []byte("junk") },
		"bad draws":        func(s *train.TrainingState) { s.Draws = []byte("junk") },
		"bad noise":        func(s *train.TrainingState) { s.Noise = [][]byte{[]byte("junk")} },
		"too many noises":  func(s *train.TrainingState) { s.Noise = append(s.Noise, s.Noise...) },
		"best, no val":     func(s *train.TrainingState) { s.Best = &train.BestState{Params: paramValues(flow)} },
		"negative epoch":   func(s *train.TrainingState) { s.Epoch = -3 },
		"params too short": func(s *train.TrainingState) { s.Params = [][]float64{{1}} },
	} {
		bad := *first
		edit(&bad)
		require.Error(t, tr2.Restore(&bad), name)
		after, err := tr2.State()
		require.NoError(t, err)
		require.Equal(t, before, after, "%s: the failed Restore changed the Trainer", name)
		require.Equal(t, w, paramValues(flow), "%s: the failed Restore changed the weights", name)
	}
	countCases(t, "state_test.go", 7)
}
