package checkpoint

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"
)

// The JSON forms of the library's parts, one by one.

// TestTransformedJSONRoundTrip: a distribution of the library's parts reads
// back with the same parameters and log-densities.
func TestTransformedJSONRoundTrip(t *testing.T) {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{3}, Time: odefunc.ConcatSquash}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	block, err := ffjord.New(net, ffjord.Options{T1: 0.5, LearnTime: true})
	require.NoError(t, err)
	aff, err := distributions.NewAffine([]float64{1, 2}, []float64{-0.5, 0.25})
	require.NoError(t, err)
	inner, err := distributions.NewChain(aff)
	require.NoError(t, err)
	chain, err := distributions.NewChain(block, inner)
	require.NoError(t, err)
	for _, learnable := range []bool{false, true} {
		newBase := distributions.NewNormal
		if learnable {
			newBase = distributions.NewLearnableNormal
		}
		base, err := newBase([]float64{0.1, -0.1}, []float64{0.7, 1.3}, nil)
		require.NoError(t, err)
		d, err := distributions.NewTransformed(base, chain)
		require.NoError(t, err)
		c := libCoder()
		raw, err := c.encodeTransformed(d)
		require.NoError(t, err)
		back, err := c.decodeTransformed(raw)
		require.NoError(t, err)
		assert.Equal(t, learnable, back.Base.(*distributions.Normal).Learnable())
		assert.Equal(t, base.Std(), back.Base.(*distributions.Normal).Std())
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

// preprocessors are the bijectors without FFJORD blocks, fixed and
// learnable, with every parameter off its initial value.
func preprocessors(t *testing.T) map[string]distributions.Differentiable {
	t.Helper()
	aff, err := distributions.NewAffine([]float64{0.5, -1, 2}, []float64{0.1, -0.2, 0.3})
	require.NoError(t, err)
	l := []float64{1.2, 0, 0, -0.3, 0.8, 0, 0.4, 0.1, 1.5}
	fixed, err := distributions.NewAffineTriL([]float64{0.5, -1, 2}, l)
	require.NoError(t, err)
	learn, err := distributions.NewLearnableAffineTriL([]float64{0.5, -1, 2}, l)
	require.NoError(t, err)
	learn.Params()[1].Float64s()[1] = 7 // the upper triangle is ignored, and written as 0
	sig, err := distributions.NewSigmoid(3, -3, 3, 0.05)
	require.NoError(t, err)
	logits, means, scales := []float64{0.3, -0.2, 0, 0, -2, 1.5}, []float64{-2, 0.5, 1, 1.2, 0, -0.3}, []float64{0.7, 1.5, 0.05, 1, 1, 0.2}
	mixFixed, err := distributions.NewMixtureCDF(logits, means, scales, 3, 2)
	require.NoError(t, err)
	mixLearn, err := distributions.NewLearnableMixtureCDF(logits, means, scales, 3, 2)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(11, 12))
	for _, b := range []distributions.Differentiable{aff, learn, mixLearn} {
		for _, p := range b.Params() {
			for i := range p.Float64s() {
				p.Float64s()[i] += 0.1 * r.NormFloat64()
			}
		}
	}
	return map[string]distributions.Differentiable{"affine": aff, "affine_tril fixed": fixed, "affine_tril learnable": learn,
		"sigmoid": sig, "mixture_cdf fixed": mixFixed, "mixture_cdf learnable": mixLearn}
}

// TestBijectorJSONRoundTrip: each bijector reads back bit for bit, writes
// the same bytes again, and maps as the original.
func TestBijectorJSONRoundTrip(t *testing.T) {
	c := libCoder()
	y := batch.New(2, 3, []float64{0.1, 0.2, -0.4, 1.1, -0.3, 0.5})
	for name, b := range preprocessors(t) {
		raw, err := c.encodeBijector(b)
		require.NoError(t, err, name)
		back, err := c.decodeBijector(raw, 0)
		require.NoError(t, err, name)
		require.IsType(t, b, back, name)
		again, err := c.encodeBijector(back)
		require.NoError(t, err, name)
		assert.Equal(t, string(raw), string(again), name)
		bd := back.(distributions.Differentiable)
		require.Equal(t, len(b.Params()), len(bd.Params()), name)
		for k, p := range b.Params() {
			want := p.Float64s()
			if a, ok := b.(*distributions.AffineTriL); ok && k == 1 {
				want = a.ScaleParam()
			}
			assert.Equal(t, bitsOf(want), bitsOf(bd.Params()[k].Float64s()), "%s: parameter %d", name, k)
		}
		x1, ld1, err := b.InverseWithLogDet(y)
		require.NoError(t, err, name)
		x2, ld2, err := back.InverseWithLogDet(y)
		require.NoError(t, err, name)
		assert.Equal(t, x1.Float64s(), x2.Float64s(), name)
		assert.Equal(t, ld1, ld2, name)
	}
	sig, err := distributions.NewSigmoid(64, 0, 17, 0.05)
	require.NoError(t, err)
	raw, err := encodeSigmoid(sig)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"sigmoid","dim":64,"low":0,"high":17,"alpha":0.05}`, string(raw))
}

// TestBijectorDecodeRefusals: malformed JSON forms are refused with a
// message naming the problem; a dimension over MaxDim is refused before
// the D×D matrix is read, dim and components over the limits before the
// arrays are read.
func TestBijectorDecodeRefusals(t *testing.T) {
	big := strings.Repeat("0,", distributions.MaxDim) + "0" // MaxDim+1 values
	ok := `"logits":[0,0],"means":[0,1],"log_scales":[0,0]`
	ten := "[" + strings.Repeat("0,", 10) + "0]"
	for name, c := range map[string]struct{ json, says string }{
		"D over MaxDim":          {`{"type":"affine_tril","learnable":false,"shift":[` + big + `],"scale_tril":[1]}`, "limit"},
		"no shift":               {`{"type":"affine_tril","learnable":false,"shift":[],"scale_tril":[]}`, "1 to"},
		"upper entry":            {`{"type":"affine_tril","learnable":false,"shift":[0,0],"scale_tril":[1,0.5,0,1]}`, "above the diagonal"},
		"upper entry, learnable": {`{"type":"affine_tril","learnable":true,"shift":[0,0],"scale_tril_log_diag":[0,0.5,0,0]}`, "above the diagonal"},
		"zero diagonal":          {`{"type":"affine_tril","learnable":false,"shift":[0,0],"scale_tril":[1,0,0,0]}`, "diagonal"},
		"negative diagonal":      {`{"type":"affine_tril","learnable":false,"shift":[0,0],"scale_tril":[1,0,0,-2]}`, "diagonal"},
		"log diagonal too large": {`{"type":"affine_tril","learnable":true,"shift":[0],"scale_tril_log_diag":[800]}`, "700"},
		"wrong length":           {`{"type":"affine_tril","learnable":false,"shift":[0,0],"scale_tril":[1,0,1]}`, "2×2"},
		"wrong matrix field":     {`{"type":"affine_tril","learnable":true,"shift":[0],"scale_tril":[1]}`, "scale_tril_log_diag"},
		"both matrix fields":     {`{"type":"affine_tril","learnable":false,"shift":[0],"scale_tril":[1],"scale_tril_log_diag":[0]}`, "scale_tril only"},
		"unknown field":          {`{"type":"affine_tril","learnable":false,"shift":[0],"scale_tril":[1],"x":1}`, "unknown field"},
		"alpha 0.5":              {`{"type":"sigmoid","dim":2,"low":0,"high":1,"alpha":0.5}`, "alpha"},
		"alpha negative":         {`{"type":"sigmoid","dim":2,"low":0,"high":1,"alpha":-0.1}`, "alpha"},
		"low = high":             {`{"type":"sigmoid","dim":2,"low":1,"high":1,"alpha":0}`, "interval"},
		"low > high":             {`{"type":"sigmoid","dim":2,"low":2,"high":1,"alpha":0}`, "interval"},
		"width overflows":        {`{"type":"sigmoid","dim":2,"low":-1e308,"high":1e308,"alpha":0}`, "interval"},
		"sigmoid dim over":       {`{"type":"sigmoid","dim":1099511627776,"low":0,"high":1,"alpha":0}`, "coordinates"},
		"sigmoid dim 0":          {`{"type":"sigmoid","dim":0,"low":0,"high":1,"alpha":0}`, "coordinates"},
		"missing alpha":          {`{"type":"sigmoid","dim":2,"low":0,"high":1}`, "alpha"},
		"mixture dim over":       {`{"type":"mixture_cdf","dim":1099511627776,"components":2,"learnable":false,"logits":[],"means":[],"log_scales":[]}`, "coordinates"},
		"components over":        {`{"type":"mixture_cdf","dim":1,"components":1025,"learnable":false,"logits":[],"means":[],"log_scales":[]}`, "components"},
		"mixture dim 0":          {`{"type":"mixture_cdf","dim":0,"components":2,"learnable":false,` + ok + `}`, "coordinates"},
		"components 0":           {`{"type":"mixture_cdf","dim":1,"components":0,"learnable":false,` + ok + `}`, "components"},
		"missing learnable":      {`{"type":"mixture_cdf","dim":1,"components":2,` + ok + `}`, "learnable"},
		"missing log_scales":     {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":true,"logits":[0,0],"means":[0,1]}`, "log_scales"},
		"scales, not logs":       {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":true,"logits":[0,0],"means":[0,1],"scales":[1,1]}`, "unknown field"},
		"short logits":           {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":false,"logits":[0],"means":[0,1],"log_scales":[0,0]}`, "logits has 1"},
		"long means":             {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":false,"logits":[0,0],"means":` + ten + `,"log_scales":[0,0]}`, "means has 11"},
		"log-scale too large":    {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":false,"logits":[0,0],"means":[0,1],"log_scales":[0,701]}`, "700"},
		"string value":           {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":false,"logits":[0,"a"],"means":[0,1],"log_scales":[0,0]}`, "logits"},
		"null array":             {`{"type":"mixture_cdf","dim":1,"components":2,"learnable":false,"logits":null,"means":[0,1],"log_scales":[0,0]}`, "logits"},
		"wrong type":             {`{"type":"mixture","dim":1}`, "unknown bijector type"},
	} {
		_, err := libCoder().decodeBijector([]byte(c.json), 0)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.says, name)
	}
}

// libCoder is the coder of the zero Codec: the library's types only.
func libCoder() *coder {
	models, bijectors, err := Codec{}.tables()
	if err != nil {
		panic(err)
	}
	return &coder{models: models, bijectors: bijectors}
}

// TestGaussiansJSON: the full-covariance Gaussians read back bit for bit,
// inside a transformed distribution too, and malformed forms are refused.
func TestGaussiansJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	randomVec := func(n int, s float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = s * r.NormFloat64()
		}
		return v
	}
	cs := make([]*distributions.MultivariateNormalTriL, 2)
	for k := range cs {
		var err error
		cs[k], err = distributions.NewMultivariateNormalTriL(randomVec(3, 2), []float64{1.1, 0, 0, 0.3, 0.7, 0, -0.2, 0.4, 1.6}, nil)
		require.NoError(t, err)
	}
	g, err := distributions.NewGaussianMixture(randomVec(2, 1), cs, rand.NewPCG(3, 4))
	require.NoError(t, err)
	for _, b := range []distributions.Distribution{g, cs[0]} {
		raw, err := encodeBase(b)
		require.NoError(t, err)
		back, err := decodeBase(raw, rand.NewPCG(1, 1))
		require.NoError(t, err)
		x := tensor.New(tensor.WithShape(4, 3), tensor.WithBacking(randomVec(12, 2)))
		want, err := b.LogProb(x)
		require.NoError(t, err)
		got, err := back.LogProb(x)
		require.NoError(t, err)
		assert.Equal(t, bitsOf(want), bitsOf(got))
		d, err := distributions.NewTransformed(b, distributions.Chain{})
		require.NoError(t, err)
		raw, err = libCoder().encodeTransformed(d)
		require.NoError(t, err)
		d2, err := libCoder().decodeTransformed(raw)
		require.NoError(t, err)
		got, err = d2.LogProb(x)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	for name, bad := range map[string]string{
		"upper":        `{"type":"mvn_tril","loc":[0,0],"scale":[0,1,0,0]}`,
		"short scale":  `{"type":"mvn_tril","loc":[0,0],"scale":[0,0,0]}`,
		"huge logdiag": `{"type":"mvn_tril","loc":[0],"scale":[800]}`,
		"no loc":       `{"type":"mvn_tril","loc":[],"scale":[]}`,
		"mix lengths":  `{"type":"gaussian_mixture","dim":1,"logits":[0,0],"locs":[0],"scales":[0,0]}`,
		"mix dim":      `{"type":"gaussian_mixture","dim":100000,"logits":[0],"locs":[0],"scales":[0]}`,
		"mix no comps": `{"type":"gaussian_mixture","dim":1,"logits":[],"locs":[],"scales":[]}`,
		"unknown":      `{"type":"student"}`,
	} {
		_, err := decodeBase([]byte(bad), nil)
		assert.Error(t, err, name)
	}
}

// TestNetworkJSONRoundTrip: every library layer reads back as it was,
// conditional networks too, evaluating to the same bits.
func TestNetworkJSONRoundTrip(t *testing.T) {
	for _, ti := range []odefunc.TimeInput{odefunc.ConcatTime, odefunc.ConcatTimeSingle, odefunc.ConcatSquash, odefunc.IgnoreTime} {
		net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 3, Hidden: []int{4, 5}, Activation: odefunc.Softplus, Time: ti}, rand.NewPCG(1, 2))
		require.NoError(t, err)
		raw, err := encodeNetwork(net)
		require.NoError(t, err)
		back, err := decodeNetwork(raw)
		require.NoError(t, err, ti)
		assert.Equal(t, net, back, ti)
	}
	for _, ci := range []odefunc.ContextInput{odefunc.ContextConcatInput, odefunc.ContextSquashInput} {
		net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{5}, Context: 3, ContextInput: ci}, rand.NewPCG(7, 8))
		require.NoError(t, err)
		raw, err := encodeNetwork(net)
		require.NoError(t, err)
		back, err := decodeNetwork(raw)
		require.NoError(t, err)
		require.Equal(t, 3, back.ContextDim())
		z, c := []float64{0.1, -0.4, 1, 2}, []float64{0.5, -1, 2, 0, 1, -0.3}
		out := func(m *odefunc.Network) []float64 {
			d, err := odefunc.New(m)
			require.NoError(t, err)
			f := make([]float64, 4)
			require.NoError(t, d.Eval(f, odefunc.Terms{}, odefunc.Request{Context: c, Z: z, T: 0.3}))
			return f
		}
		assert.Equal(t, out(net), out(back), "%v", ci)
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
		_, err := decodeLayer([]byte(in))
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

// TestSaveRefusesWhatLoadRefuses: a model a training drove past what Load
// accepts (a log-scale beyond ±700, a weight that is not finite, a learned
// end time of 0) is refused by Save with ErrUnsaveable, naming the part,
// and no file is written.
func TestSaveRefusesWhatLoadRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		spoil func(f *train.Flow)
		says  string
	}{
		"affine log-scale": {func(f *train.Flow) {
			distOf(t, f).Bijector.(distributions.Chain)[2].(*distributions.Affine).Params()[1].Float64s()[0] = 800
		}, "log-scale[0] = 800"},
		"normal log-scale": {func(f *train.Flow) { distOf(t, f).Base.(*distributions.Normal).Params()[1].Float64s()[1] = -750 }, "log_scale[1] = -750"},
		"weight":           {func(f *train.Flow) { blocksOf(t, f)[1].Params()[0].Float64s()[0] = math.Inf(1) }, "non-finite"},
		"end time":         {func(f *train.Flow) { p := blocksOf(t, f)[0].Params(); p[len(p)-1].Float64s()[0] = 0 }, "t0 = t1 = 0"},
	} {
		f := composedFlow(t)
		c.spoil(f)
		path := filepath.Join(t.TempDir(), "m.json")
		err := saveFlow(path, f)
		require.ErrorIs(t, err, ErrUnsaveable, name)
		assert.Contains(t, err.Error(), c.says, name)
		_, statErr := os.Stat(path)
		assert.True(t, os.IsNotExist(statErr), name)
	}
}

// TestNullInArraysIsRefused: a null among the numbers of an array, which
// encoding/json would read as 0, is refused.
func TestNullInArraysIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.json")
	require.NoError(t, saveFlow(path, tinyFlow(t)))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	_, err = decodeCheckpoint(raw)
	require.NoError(t, err)
	for name, edit := range map[string]func(map[string]any){
		"base mean": func(c map[string]any) { c["model"].(map[string]any)["base"].(map[string]any)["mean"].([]any)[0] = nil },
		"config":    func(c map[string]any) { c["config"].(map[string]any)["base_std"].([]any)[1] = nil },
		"weight": func(c map[string]any) {
			b := c["model"].(map[string]any)["bijector"].(map[string]any)["bijectors"].([]any)[0].(map[string]any)
			l := b["dynamics"].(map[string]any)["layers"].([]any)[1].(map[string]any)
			l["b"].([]any)[0] = nil
		},
	} {
		_, err := decodeCheckpoint(resealed(t, raw, edit))
		require.ErrorIs(t, err, ErrCheckpoint, name)
		assert.Contains(t, err.Error(), "an array holds a null", name)
	}
}
