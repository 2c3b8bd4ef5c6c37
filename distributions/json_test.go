package distributions

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTransformedJSONRoundTrip: a distribution of the library's parts reads
// back with the same parameters and log-densities.
func TestTransformedJSONRoundTrip(t *testing.T) {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{3}, Time: odefunc.ConcatSquash}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	block, err := ffjord.New(net, ffjord.Options{T1: 0.5, LearnTime: true})
	require.NoError(t, err)
	aff, err := NewAffine([]float64{1, 2}, []float64{-0.5, 0.25})
	require.NoError(t, err)
	inner, err := NewChain(aff)
	require.NoError(t, err)
	chain, err := NewChain(block, inner)
	require.NoError(t, err)
	for _, learnable := range []bool{false, true} {
		newBase := NewNormal
		if learnable {
			newBase = NewLearnableNormal
		}
		base, err := newBase([]float64{0.1, -0.1}, []float64{0.7, 1.3}, nil)
		require.NoError(t, err)
		d, err := NewTransformed(base, chain)
		require.NoError(t, err)
		raw, err := json.Marshal(d)
		require.NoError(t, err)
		back, err := DecodeTransformed(raw, Codec{})
		require.NoError(t, err)
		assert.Equal(t, learnable, back.Base.(*Normal).Learnable())
		assert.Equal(t, base.Std(), back.Base.(*Normal).Std())
		x := batch.New(2, 2, []float64{0.3, -0.2, 1.1, 0.4})
		want, err := d.LogProb(x)
		require.NoError(t, err)
		got, err := back.LogProb(x)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		require.Equal(t, len(d.Params()), len(back.Params()))
		for i, p := range d.Params() {
			assert.Equal(t, p.Float64s(), back.Params()[i].Float64s(), "parameter %d", i)
		}
	}
}
