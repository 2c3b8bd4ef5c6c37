package train

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var mixedTime = []odefunc.TimeInput{odefunc.ConcatTime, odefunc.ConcatSquash, odefunc.IgnoreTime}

// mixedFlow has block 0 concatenated, block 1 concatsquash and block 2
// ignoring t, with every parameter moved off its initial value.
func mixedFlow(t *testing.T, s Settings) *Flow {
	t.Helper()
	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 3, Hidden: []int{4}, BlockTime: mixedTime}, s, rand.NewPCG(51, 52))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(53, 54))
	for _, p := range f.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.2 * r.NormFloat64()
		}
	}
	return f
}

func TestMixedTimeFlowLayers(t *testing.T) {
	f := mixedFlow(t, Settings{})
	assert.Equal(t, mixedTime, f.Config.BlockTime)
	assert.Equal(t, odefunc.ConcatTime, f.Config.Time)
	first := func(k int) odefunc.Layer { return f.Nets[k].Layers()[0] }
	assert.Equal(t, &odefunc.TimeConcat{Copies: 2, Width: 2}, first(0))
	require.IsType(t, &odefunc.ConcatSquashLinear{}, first(1))
	assert.Equal(t, 2, first(1).In())
	require.IsType(t, &odefunc.Linear{}, first(2))
	assert.Equal(t, 2, first(2).In())
	// Parameters: concat 2 layers × (W, b); concatsquash 2 × 5; ignore 2 × 2.
	assert.Len(t, f.Params(), 4+10+4)

	// Time alone sets every block; SingleTime is its older spelling.
	g, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2, Time: odefunc.ConcatSquash}, Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	assert.Equal(t, []odefunc.TimeInput{odefunc.ConcatSquash, odefunc.ConcatSquash}, g.Config.BlockTime)
	g, err = NewFlow(FlowConfig{Dim: 2, Blocks: 2, SingleTime: true}, Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	assert.Equal(t, odefunc.ConcatTimeSingle, g.Config.Time)
	assert.Equal(t, &odefunc.TimeConcat{Copies: 1, Width: 2}, g.Nets[1].Layers()[0])

	for name, cfg := range map[string]FlowConfig{
		"short BlockTime":    {Dim: 2, Blocks: 3, BlockTime: mixedTime[:2]},
		"default Blocks":     {Dim: 2, BlockTime: mixedTime}, // 0 means 4
		"unknown BlockTime":  {Dim: 2, Blocks: 1, BlockTime: []odefunc.TimeInput{7}},
		"unknown Time":       {Dim: 2, Time: -1},
		"SingleTime clashes": {Dim: 2, Time: odefunc.IgnoreTime, SingleTime: true},
	} {
		_, err := NewFlow(cfg, Settings{}, rand.NewPCG(1, 2))
		assert.ErrorIs(t, err, ErrInvalidConfig, name)
	}
}

func TestMixedTimeCheckpointRoundTrip(t *testing.T) {
	f := mixedFlow(t, Settings{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-8, ATol: 1e-8}}})
	path := filepath.Join(t.TempDir(), "m.json")
	require.NoError(t, SaveFlow(path, f))
	ck, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, mixedTime, ck.Flow.Config.BlockTime)
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
	f, err := NewFlow(FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{3}, SingleTime: true}, Settings{}, rand.NewPCG(3, 4))
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
	assert.Equal(t, []odefunc.TimeInput{odefunc.ConcatTimeSingle, odefunc.ConcatTimeSingle}, ck.Flow.Config.BlockTime)
	assert.True(t, ck.Flow.Config.SingleTime)
	x := batch.New(2, 2, []float64{0.3, -0.2, 1.1, 0.4})
	want, err := f.LogProb(x)
	require.NoError(t, err)
	got, err := ck.Flow.LogProb(x)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestMixedTimeFlowGradientMatchesFiniteDifferences(t *testing.T) {
	f := mixedFlow(t, Settings{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}}})
	checkFlowGradient(t, f, testBatch(4), 4)
}

func TestBadTimeCheckpointsAreRejected(t *testing.T) {
	raw := v1File(t, mixedFlow(t, Settings{}))
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
