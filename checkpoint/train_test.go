package checkpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckpointRoundTrip(t *testing.T) {
	f := tinyFlow(t)
	path := filepath.Join(t.TempDir(), "m.json")
	require.NoError(t, saveFlow(path, f))
	ck, err := load(path)
	require.NoError(t, err)
	assert.Nil(t, ck.Training)
	assert.Equal(t, paramsOf(f), paramsOf(ck.Flow))
	x := batch.New(3, 2, []float64{0.1, 0.2, 1, -0.5, -1, 0.3})
	want, err := f.LogProb(x)
	require.NoError(t, err)
	got, err := ck.Flow.LogProb(x)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// Settings are separate from weights: evaluate with another estimator.
	s := ck.Flow.Settings()
	s.Trace = odefunc.HutchinsonRademacher
	require.NoError(t, ck.Flow.SetSettings(s))
	_, err = ck.Flow.LogProb(x)
	require.NoError(t, err)
}

// TestBadVersion1CheckpointsAreRejected edits a version-1 file.
func TestBadVersion1CheckpointsAreRejected(t *testing.T) {
	raw := v1File(t, tinyFlow(t))
	model := func(c map[string]any) map[string]any { return c["model"].(map[string]any) }
	layer0 := func(c map[string]any) map[string]any {
		return model(c)["blocks"].([]any)[0].(map[string]any)["layers"].([]any)[0].(map[string]any)
	}
	flipped := append([]byte(nil), raw...)
	i := bytes.Index(flipped, []byte(`"W"`)) + 10
	flipped[i] ^= 0x01

	cases := map[string]struct {
		data []byte
		want string
	}{
		"truncated":      {raw[:len(raw)/2], "not valid JSON"},
		"bit flip":       {flipped, ""},
		"empty":          {nil, "not valid JSON"},
		"wrong format":   {bytes.Replace(raw, []byte(Format), []byte("other"), 1), "format"},
		"future version": {bytes.Replace(raw, []byte(`"version": 1`), []byte(`"version": 9`), 1), "version 9"},
		"ragged W": {resealed(t, raw, func(c map[string]any) {
			w := layer0(c)["W"].([]any)
			w[1] = w[1].([]any)[:3]
		}), "row 1 has 3 values"},
		"short bias": {resealed(t, raw, func(c map[string]any) {
			layers := model(c)["blocks"].([]any)[1].(map[string]any)["layers"].([]any)
			layers[len(layers)-1].(map[string]any)["b"] = []any{1.0}
		}), "blocks[1].layers[1].b has 1 values, want 2"},
		"wrong dim":      {resealed(t, raw, func(c map[string]any) { model(c)["dim"] = 3.0 }), "base has 2 means"},
		"zero std":       {resealed(t, raw, func(c map[string]any) { model(c)["base"].(map[string]any)["std"] = []any{0.8, 0.0} }), "std[1] = 0"},
		"no blocks":      {resealed(t, raw, func(c map[string]any) { model(c)["blocks"] = []any{} }), "blocks is empty"},
		"bad activation": {resealed(t, raw, func(c map[string]any) { model(c)["blocks"].([]any)[0].(map[string]any)["activation"] = "relu" }), "relu"},
		"bad trace":      {resealed(t, raw, func(c map[string]any) { c["settings"].(map[string]any)["trace"] = "magic" }), "magic"},
		"negative rtol":  {resealed(t, raw, func(c map[string]any) { c["settings"].(map[string]any)["solver"].(map[string]any)["rtol"] = -1.0 }), "RTol"},
		"unknown field":  {resealed(t, raw, func(c map[string]any) { c["extra"] = 1.0 }), "extra"},
		"equal times":    {resealed(t, raw, func(c map[string]any) { model(c)["t1"] = 0.0 }), "t0 = 0 and t1 = 0"},
		"bad time input": {resealed(t, raw, func(c map[string]any) { model(c)["time_input"] = "none" }), "time_input"},
	}
	for name, c := range cases {
		_, err := decodeCheckpoint(c.data)
		require.Error(t, err, name)
		assert.ErrorIs(t, err, ErrCheckpoint, name)
		if c.want != "" {
			assert.Contains(t, err.Error(), c.want, name)
		} else {
			assert.Regexp(t, "checksum|JSON", err.Error(), name)
		}
	}
}

func TestFailedTrainingKeepsTheLastGoodCheckpoint(t *testing.T) {
	f := tinyFlow(t)
	path := filepath.Join(t.TempDir(), "m.json")
	tr, err := train.NewTrainer(f, train.Options{Epochs: 1, BatchSize: 32, Seed: 1, Save: Saver(path, f, Codec{})})
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), tinyData(t)))
	good, err := os.ReadFile(path)
	require.NoError(t, err)

	// Blow the dynamics up: the solver cannot keep up within its budget.
	for _, p := range f.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] *= 200
		}
	}
	require.NoError(t, f.SetSettings(train.Settings{Solver: f.Settings().Solver}))
	s := f.Settings()
	s.Solver.MaxSteps = 50
	require.NoError(t, f.SetSettings(s))
	tr2, err := train.NewTrainer(f, train.Options{Epochs: 2, BatchSize: 32, Seed: 1, Save: Saver(path, f, Codec{})})
	require.NoError(t, err)
	err = tr2.Run(context.Background(), tinyData(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "epoch 1, batch 1")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, good, after)
}

func TestMixedTimeCheckpointRoundTrip(t *testing.T) {
	f := mixedFlow(t, train.Settings{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-8, ATol: 1e-8}}})
	path := filepath.Join(t.TempDir(), "m.json")
	require.NoError(t, saveFlow(path, f))
	ck, err := load(path)
	require.NoError(t, err)
	assert.Equal(t, mixedTime, configOfFlow(t, ck.Flow).BlockTime)
	assert.Equal(t, paramsOf(f), paramsOf(ck.Flow))
	x := batch.New(4, 2, []float64{0.1, 0.2, 1, -0.5, -1, 0.3, 0.7, 1.4})
	want, err := f.LogProb(x)
	require.NoError(t, err)
	got, err := ck.Flow.LogProb(x)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// The file says each block's mode in its config, and the layers say
	// how t enters: a time_concat first, concatsquash layers, or neither.
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var file struct {
		Content struct {
			Config configJSON
			Model  struct {
				Bijector struct {
					Bijectors []struct {
						Dynamics struct {
							Layers []map[string]any
						}
					}
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	assert.Equal(t, []string{"concat", "concatsquash", "ignore"}, file.Content.Config.BlockTime)
	chain := file.Content.Model.Bijector.Bijectors
	require.Len(t, chain, 3)
	first := func(k int) map[string]any { return chain[len(chain)-1-k].Dynamics.Layers[0] } // block k
	assert.Equal(t, "time_concat", first(0)["type"])
	assert.Equal(t, "concatsquash", first(1)["type"])
	assert.Len(t, first(1)["W"], 2, "concatsquash takes z alone")
	assert.Len(t, first(1)["Wg"], 4)
	assert.Equal(t, "linear", first(2)["type"])
}

// TestOldCheckpointStillLoads loads a version 1 file written before time
// modes existed: "single" at the model level, no per-block "time".
func TestOldCheckpointStillLoads(t *testing.T) {
	f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{3}, SingleTime: true}, train.Settings{}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	old := resealed(t, v1File(t, f), func(c map[string]any) {
		m := c["model"].(map[string]any)
		require.Equal(t, "single", m["time_input"])
		for _, b := range m["blocks"].([]any) {
			require.NotContains(t, b.(map[string]any), "time")
		}
	})
	ck, err := decodeCheckpoint(old)
	require.NoError(t, err)
	assert.Equal(t, []odefunc.TimeInput{odefunc.ConcatTimeSingle, odefunc.ConcatTimeSingle}, configOfFlow(t, ck.Flow).BlockTime)
	assert.True(t, configOfFlow(t, ck.Flow).SingleTime)
	x := batch.New(2, 2, []float64{0.3, -0.2, 1.1, 0.4})
	want, err := f.LogProb(x)
	require.NoError(t, err)
	got, err := ck.Flow.LogProb(x)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestBadTimeCheckpointsAreRejected(t *testing.T) {
	raw := v1File(t, mixedFlow(t, train.Settings{}))
	_, err := decodeCheckpoint(raw)
	require.NoError(t, err, "the unedited file loads")
	block := func(c map[string]any, k int) map[string]any {
		return c["model"].(map[string]any)["blocks"].([]any)[k].(map[string]any)
	}
	layer := func(c map[string]any, k, i int) map[string]any {
		return block(c, k)["layers"].([]any)[i].(map[string]any)
	}
	cases := map[string]struct {
		edit func(map[string]any)
		want string
	}{
		"wrong Wg width": {func(c map[string]any) {
			l := layer(c, 1, 0)
			l["Wg"] = l["Wg"].([]any)[:3]
		}, "blocks[1].layers[0].Wg has 3 values, want 4"},
		"missing Wb":         {func(c map[string]any) { delete(layer(c, 1, 1), "Wb") }, "blocks[1].layers[1].Wb has 0 values, want 2"},
		"long bg":            {func(c map[string]any) { l := layer(c, 1, 1); l["bg"] = append(l["bg"].([]any), 1.0) }, "bg has 3 values, want 2"},
		"unknown time mode":  {func(c map[string]any) { block(c, 2)["time"] = "sinusoidal" }, `blocks[2].time: odefunc: invalid configuration: unknown time input "sinusoidal"`},
		"unknown model time": {func(c map[string]any) { c["model"].(map[string]any)["time_input"] = "squash" }, `time_input`},
		"extras on a plain layer": {func(c map[string]any) {
			layer(c, 2, 0)["Wg"] = []any{1.0, 2.0, 3.0, 4.0}
		}, "blocks[2].layers[0] has Wg, bg or Wb"},
		// Block 1's weights read as a concatenated block: W has 2 rows, not 4.
		"time mode and weights disagree":    {func(c map[string]any) { block(c, 1)["time"] = "broadcast" }, "blocks[1].layers[0].W has 2 rows, want 4 for time input broadcast"},
		"ignore block read as concatsquash": {func(c map[string]any) { block(c, 2)["time"] = "concatsquash" }, "blocks[2].layers[0].Wg has 0 values, want 4"},
	}
	for name, c := range cases {
		_, err := decodeCheckpoint(resealed(t, raw, c.edit))
		require.Error(t, err, name)
		assert.ErrorIs(t, err, ErrCheckpoint, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
}

// TestValidationCheckpointHoldsBestAndLast: the checkpoint's model is the
// last state, its training state the best epoch, NLL, parameters and
// patience counter; BestFlow is a separate Flow with the best parameters.
func TestValidationCheckpointHoldsBestAndLast(t *testing.T) {
	opts, data := driftOptions()
	opts.Patience = 6
	path := filepath.Join(t.TempDir(), "ck.json")
	f := affineFlow(t)
	opts.Save = Saver(path, f, Codec{})
	var rs []epochRecord
	recordEpochs(f, &opts, &rs)
	tr, err := train.NewTrainer(f, opts)
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), data))
	require.True(t, tr.Stopped())
	best, _ := tr.Best()

	ck, err := load(path)
	require.NoError(t, err)
	assert.Equal(t, rs[len(rs)-1].params, paramsOf(ck.Flow), "the model is the last state")
	require.NotNil(t, ck.Training.Best)
	assert.Equal(t, train.BestState{Epoch: best, NLL: rs[best-1].nll, Params: rs[best-1].params, Stale: 6}, *ck.Training.Best)
	assert.Equal(t, historyWithoutSeconds(tr.History()), ck.Training.History)

	// Saving the Trainer's state after Run writes the last parameters,
	// which resuming needs, and leaves the best in the model.
	st, err := tr.State()
	require.NoError(t, err)
	after := filepath.Join(t.TempDir(), "after.json")
	require.NoError(t, Save(after, f, st, Codec{}))
	ck2, err := load(after)
	require.NoError(t, err)
	assert.Equal(t, rs[len(rs)-1].params, paramsOf(ck2.Flow))
	assert.Equal(t, rs[best-1].params, paramsOf(f))

	bf, err := ck.BestFlow()
	require.NoError(t, err)
	assert.Equal(t, rs[best-1].params, paramsOf(bf))
	assert.Equal(t, rs[len(rs)-1].params, paramsOf(ck.Flow), "BestFlow leaves the checkpoint's flow alone")
	val := opts.Validation
	want, err := f.NLL(val)
	require.NoError(t, err)
	got, err := bf.NLL(val)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// Without validation there is no best.
	g := affineFlow(t)
	plain := filepath.Join(t.TempDir(), "plain.json")
	tp, err := train.NewTrainer(g, train.Options{Epochs: 2, Seed: 1, Save: Saver(plain, g, Codec{})})
	require.NoError(t, err)
	require.NoError(t, tp.Run(context.Background(), data))
	ck, err = load(plain)
	require.NoError(t, err)
	assert.Nil(t, ck.Training.Best)
	_, err = ck.BestFlow()
	assert.ErrorIs(t, err, ErrCheckpoint)
	_, err = Resume(ck, train.Options{Epochs: 3, Seed: 1})
	require.NoError(t, err)
}

// TestBadBestInCheckpointsIsRejected edits a checkpoint's best state.
func TestBadBestInCheckpointsIsRejected(t *testing.T) {
	opts, data := driftOptions()
	opts.Epochs = 3
	path := filepath.Join(t.TempDir(), "ck.json")
	f := affineFlow(t)
	opts.Save = Saver(path, f, Codec{})
	tr, err := train.NewTrainer(f, opts)
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), data))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	best := func(c map[string]any) map[string]any {
		return c["training"].(map[string]any)["best"].(map[string]any)
	}
	for name, c := range map[string]struct {
		edit func(map[string]any)
		want string
	}{
		"epoch −1":         {func(c map[string]any) { best(c)["epoch"] = -1.0 }, "training.best has epoch -1"},
		"future epoch":     {func(c map[string]any) { best(c)["epoch"] = 9.0 }, "epoch 9 (of 3)"},
		"negative stale":   {func(c map[string]any) { best(c)["stale"] = -1.0 }, "stale -1"},
		"missing params":   {func(c map[string]any) { best(c)["params"] = []any{} }, "training.best.params"},
		"short parameter":  {func(c map[string]any) { best(c)["params"].([]any)[0] = []any{} }, "training.best.params"},
		"unknown best key": {func(c map[string]any) { best(c)["extra"] = 1.0 }, "extra"},
	} {
		_, err := decodeCheckpoint(resealed(t, raw, c.edit))
		require.ErrorIs(t, err, ErrCheckpoint, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
}
