package distributions

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMixtureCDFJSONRoundTrip: fixed and learnable read back bit for bit
// through EncodeBijector and DecodeBijector, write the same bytes, and map
// as the original; LearnableCopy keeps the values and shares nothing.
func TestMixtureCDFJSONRoundTrip(t *testing.T) {
	for name, b := range mixtures(t) {
		raw, err := EncodeBijector(b, Codec{})
		require.NoError(t, err, name)
		back, err := DecodeBijector(raw, Codec{})
		require.NoError(t, err, name)
		require.IsType(t, b, back, name)
		bm := back.(*MixtureCDF)
		again, err := EncodeBijector(back, Codec{})
		require.NoError(t, err, name)
		assert.Equal(t, string(raw), string(again), name)
		assert.Equal(t, b.Learnable(), bm.Learnable(), name)
		assert.Equal(t, b.Logits(), bm.Logits(), name)
		assert.Equal(t, b.Means(), bm.Means(), name)
		assert.Equal(t, b.LogScales(), bm.LogScales(), name)
		x := farPoints()
		z1, ld1, err := b.InverseWithLogDet(batchOf(t, len(x)/3, 3, x))
		require.NoError(t, err)
		z2, ld2, err := bm.InverseWithLogDet(batchOf(t, len(x)/3, 3, x))
		require.NoError(t, err)
		assert.Equal(t, z1.Float64s(), z2.Float64s(), name)
		assert.Equal(t, ld1, ld2, name)

		var fields map[string]any
		require.NoError(t, json.Unmarshal(raw, &fields))
		assert.Equal(t, "mixture_cdf", fields["type"])
		assert.Equal(t, 3.0, fields["dim"])
		assert.Equal(t, 4.0, fields["components"])
		assert.Equal(t, b.Learnable(), fields["learnable"])
		assert.Len(t, fields["log_scales"], 12)
	}
	f := mixtures(t)["fixed"]
	l := f.LearnableCopy()
	require.True(t, l.Learnable())
	require.Len(t, l.Params(), 3)
	assert.Equal(t, f.LogScales(), l.Params()[2].Float64s())
	l.Params()[1].Float64s()[0] = 99
	assert.Equal(t, marginalMixture.means, f.Means(), "the copy shares nothing")
	assert.Nil(t, f.Params())
}

// TestMixtureCDFDecodeRefusals: malformed JSON forms are refused with
// ErrInvalidParameter naming the problem; dim and components over the
// limits are refused before the arrays are read.
func TestMixtureCDFDecodeRefusals(t *testing.T) {
	ok := `"logits":[0,0],"means":[0,1],"log_scales":[0,0]`
	big := "[" + strings.Repeat("0,", 10) + "0]"
	for name, c := range map[string]struct{ json, says string }{
		"dim over MaxDim":     {`{"type":"mixture_cdf","dim":1099511627776,"components":2,"learnable":false,"logits":[],"means":[],"log_scales":[]}`, "coordinates"},
		"components over":     {`{"type":"mixture_cdf","dim":1,"components":1025,"learnable":false,"logits":[],"means":[],"log_scales":[]}`, "components"},
		"dim 0":               {`{"type":"mixture_cdf","dim":0,"components":2,"learnable":false,` + ok + `}`, "coordinates"},
		"components 0":        {`{"type":"mixture_cdf","dim":1,"components":0,"learnable":false,` + ok + `}`, "components"},
		"missing learnable":   {`{"type":"mixture_cdf","dim":1,"components":2,` + ok + `}`, "learnable"},
		"missing log_scales":  {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":true,"logits":[0,0],"means":[0,1]}`, "log_scales"},
		"scales, not logs":    {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":true,"logits":[0,0],"means":[0,1],"scales":[1,1]}`, "unknown field"},
		"short logits":        {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":false,"logits":[0],"means":[0,1],"log_scales":[0,0]}`, "logits has 1"},
		"long means":          {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":false,"logits":[0,0],"means":` + big + `,"log_scales":[0,0]}`, "means has 11"},
		"log-scale too large": {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":false,"logits":[0,0],"means":[0,1],"log_scales":[0,701]}`, "700"},
		"string value":        {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":false,"logits":[0,"a"],"means":[0,1],"log_scales":[0,0]}`, "logits"},
		"null array":          {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":false,"logits":null,"means":[0,1],"log_scales":[0,0]}`, "logits"},
		"wrong type":          {`{"type":"mixture","dim":1}`, "unknown bijector type"},
	} {
		_, err := DecodeBijector([]byte(c.json), Codec{})
		require.ErrorIs(t, err, ErrInvalidParameter, name)
		assert.Contains(t, err.Error(), c.says, name)
	}
	_, err := DecodeMixtureCDF([]byte(`{"type":"sigmoid"}`))
	assert.ErrorIs(t, err, ErrInvalidParameter)
}
