package odefunc

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNetworkJSONRoundTrip: every library layer reads back as it was.
func TestNetworkJSONRoundTrip(t *testing.T) {
	for _, ti := range []TimeInput{ConcatTime, ConcatTimeSingle, ConcatSquash, IgnoreTime} {
		net, err := NewMLP(MLPConfig{Dim: 3, Hidden: []int{4, 5}, Activation: Softplus, Time: ti}, rand.NewPCG(1, 2))
		require.NoError(t, err)
		raw, err := json.Marshal(net)
		require.NoError(t, err)
		back, err := DecodeNetwork(raw)
		require.NoError(t, err, ti)
		assert.Equal(t, net, back, ti)
	}
}

func TestDecodeLayerRejects(t *testing.T) {
	for in, want := range map[string]string{
		`{"type":"linear","in":2,"out":1,"W":[[1],[2],[3]],"b":[0]}`:   "W has 3 rows, want in = 2",
		`{"type":"linear","in":70000,"out":1,"W":[],"b":[0]}`:          "in = 70000, want 1 to 65536",
		`{"type":"activation","fn":"relu","width":2}`:                  `unknown activation "relu"`,
		`{"type":"time_concat","copies":65536,"width":1}`:              "width + copies = 65537",
		`{"type":"linear","in":1,"out":1,"W":[[1]],"b":[0],"extra":1}`: `unknown field "extra"`,
		`{"type":"linear","in":1,"out":1,"W":[[1]],"b":[0]} {}`:        "after top-level value",
		`{"in":1}`: `no "type"`,
	} {
		_, err := DecodeLayer([]byte(in))
		require.Error(t, err, in)
		assert.ErrorIs(t, err, ErrInvalidConfig, in)
		assert.Contains(t, err.Error(), want, in)
	}
}
