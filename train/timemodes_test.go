package train

import (
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
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
	assert.Equal(t, mixedTime, f.config.BlockTime)
	assert.Equal(t, odefunc.ConcatTime, f.config.Time)
	first := func(k int) odefunc.Layer { return f.nets[k].Layers()[0] }
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
	assert.Equal(t, []odefunc.TimeInput{odefunc.ConcatSquash, odefunc.ConcatSquash}, g.config.BlockTime)
	g, err = NewFlow(FlowConfig{Dim: 2, Blocks: 2, SingleTime: true}, Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	assert.Equal(t, odefunc.ConcatTimeSingle, g.config.Time)
	assert.Equal(t, &odefunc.TimeConcat{Copies: 1, Width: 2}, g.nets[1].Layers()[0])

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

func TestMixedTimeFlowGradientMatchesFiniteDifferences(t *testing.T) {
	f := mixedFlow(t, Settings{Solver: ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}}})
	checkFlowGradient(t, f, testBatch(4), 4)
}
