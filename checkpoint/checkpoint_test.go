package checkpoint

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/train"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// composedFlow is a flow NewFlow cannot build: a learnable Normal base and
// a chain of an Affine (applied first), a concatsquash FFJORD block with a
// learned end time and a softplus network, and a [t, z] FFJORD block, every
// parameter moved off its initial value.
func composedFlow(t *testing.T) *train.Flow {
	t.Helper()
	src := rand.NewPCG(71, 72)
	must := func(l odefunc.Layer, err error) odefunc.Layer {
		require.NoError(t, err)
		return l
	}
	squash, err := odefunc.NewNetwork(2,
		must(odefunc.NewConcatSquashLinear(2, 5, src)),
		&odefunc.ActivationLayer{Fn: odefunc.Softplus, Width: 5},
		must(odefunc.NewConcatSquashLinear(5, 2, src)))
	require.NoError(t, err)
	concat, err := odefunc.NewNetwork(2,
		&odefunc.TimeConcat{Copies: 1, Width: 2},
		must(odefunc.NewLinear(3, 4, src)),
		&odefunc.ActivationLayer{Fn: odefunc.Tanh, Width: 4},
		must(odefunc.NewLinear(4, 2, src)))
	require.NoError(t, err)
	b1, err := ffjord.New(squash, ffjord.Options{T1: 0.6, LearnTime: true, Source: src})
	require.NoError(t, err)
	b2, err := ffjord.New(concat, ffjord.Options{T0: 0.1, T1: 0.9, Source: src})
	require.NoError(t, err)
	aff, err := distributions.NewAffine([]float64{0.1, -0.2}, []float64{0.3, -0.1})
	require.NoError(t, err)
	chain, err := distributions.NewChain(b2, b1, aff)
	require.NoError(t, err)
	base, err := distributions.NewLearnableNormal([]float64{0.1, 0}, []float64{0.9, 1.1}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, chain)
	require.NoError(t, err)
	f, err := train.NewFlowOf(d, train.Settings{})
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(73, 74))
	for _, p := range f.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.1 * r.NormFloat64()
		}
	}
	return f
}

func bitsOf(vs []float64) []uint64 {
	out := make([]uint64, len(vs))
	for i, v := range vs {
		out[i] = math.Float64bits(v)
	}
	return out
}

// sameFlow checks that g has f's parameters, log-densities and samples
// (from the same source), bit for bit.
func sameFlow(t *testing.T, f, g *train.Flow) {
	t.Helper()
	pf, pg := paramsOf(f), paramsOf(g)
	require.Equal(t, len(pf), len(pg), "number of parameters")
	for i := range pf {
		assert.Equal(t, bitsOf(pf[i]), bitsOf(pg[i]), "parameter %d", i)
	}
	x := batch.New(4, 2, []float64{0.1, 0.2, 1, -0.5, -1, 0.3, 0.7, 1.4})
	want, err := f.LogProb(x)
	require.NoError(t, err)
	got, err := g.LogProb(x)
	require.NoError(t, err)
	assert.Equal(t, bitsOf(want), bitsOf(got), "LogProb")
	require.NoError(t, f.SetSampleSource(rand.NewPCG(5, 5)))
	require.NoError(t, g.SetSampleSource(rand.NewPCG(5, 5)))
	sf, err := f.Sample(6)
	require.NoError(t, err)
	sg, err := g.Sample(6)
	require.NoError(t, err)
	assert.Equal(t, bitsOf(sf.Float64s()), bitsOf(sg.Float64s()), "Sample")
}

func saveLoad(t *testing.T, f *train.Flow) *Checkpoint {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.json")
	require.NoError(t, saveFlow(path, f))
	ck, err := load(path)
	require.NoError(t, err)
	return ck
}

func TestComposedFlowRoundTrip(t *testing.T) {
	f := composedFlow(t)
	ck := saveLoad(t, f)
	sameFlow(t, f, ck.Flow)
	cfg, stack := ck.Flow.Config()
	assert.Equal(t, train.FlowConfig{Dim: 2}, cfg)
	assert.False(t, stack)
	assert.Len(t, blocksOf(t, ck.Flow), 2)
	base := distOf(t, ck.Flow).Base.(*distributions.Normal)
	assert.True(t, base.Learnable())
}

func TestComposedFlowResumes(t *testing.T) {
	opts := train.Options{Epochs: 2, BatchSize: 48, LearningRate: 1e-2, Seed: 3}
	whole, resumed, _, _ := resumeAfterFirstEpoch(t, func() *train.Flow { return composedFlow(t) }, opts)
	sameFlow(t, whole, resumed)
}

func TestNewFlowKeepsConfigAndNets(t *testing.T) {
	learned, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 2, Hidden: []int{3, 5}, Activation: odefunc.Softplus, T1: 0.8, LearnTime: true, Time: odefunc.ConcatSquash}, train.Settings{}, rand.NewPCG(9, 10))
	require.NoError(t, err)
	lb := blocksOf(t, learned)[0].Params()
	lb[len(lb)-1].Float64s()[0] = 0.95
	for name, f := range map[string]*train.Flow{"tiny": tinyFlow(t), "mixed": mixedFlow(t, train.Settings{}), "learned": learned} {
		ck := saveLoad(t, f)
		assert.Equal(t, configOfFlow(t, f), configOfFlow(t, ck.Flow), name)
		want, got := blocksOf(t, f), blocksOf(t, ck.Flow)
		require.Len(t, got, len(want), name)
		for k := range want {
			wn, gn := want[k].Dynamics().Model().(*odefunc.Network), got[k].Dynamics().Model().(*odefunc.Network)
			assert.Equal(t, len(wn.Layers()), len(gn.Layers()), name)
		}
		sameFlow(t, f, ck.Flow)
	}
}

// linearDynamics is a user's own dynamics, f(t, z) = z·A.
type linearDynamics struct{ A *tensor.Dense }

func (m *linearDynamics) Dim() int                { return m.A.Shape()[0] }
func (m *linearDynamics) Params() []*tensor.Dense { return []*tensor.Dense{m.A} }
func (m *linearDynamics) Build(_, z *G.Node, params, dirs []*G.Node) (*G.Node, []*G.Node, error) {
	f, err := G.Mul(z, params[0])
	if err != nil {
		return nil, nil, err
	}
	jvps := make([]*G.Node, len(dirs))
	for i, v := range dirs {
		if jvps[i], err = G.Mul(v, params[0]); err != nil {
			return nil, nil, err
		}
	}
	return f, jvps, nil
}

// unregisteredDynamics has no codec.
type unregisteredDynamics struct{ linearDynamics }

// userAffine is a user's own bijector.
type userAffine struct{ *distributions.Affine }

// testCodec saves and loads linearDynamics and userAffine.
func testCodec() Codec {
	return Codec{
		Models: []ModelCodec{Model("test-linear",
			func(m *linearDynamics) (json.RawMessage, error) { return json.Marshal(m.A.Float64s()) },
			func(data json.RawMessage) (*linearDynamics, error) {
				var a []float64
				if err := json.Unmarshal(data, &a); err != nil || len(a) != 4 {
					return nil, fmt.Errorf("want 4 values: %v", err)
				}
				return &linearDynamics{A: tensor.New(tensor.WithShape(2, 2), tensor.WithBacking(a))}, nil
			})},
		Bijectors: []BijectorCodec{Bijector("test-affine",
			func(b *userAffine) (json.RawMessage, error) { return encodeAffine(b.Affine) },
			func(data json.RawMessage) (*userAffine, error) {
				a, err := decodeAffine(data)
				return &userAffine{a}, err
			})},
	}
}

// userFlow has a user's dynamics and a user's bijector.
func userFlow(t *testing.T, m odefunc.Model) *train.Flow {
	t.Helper()
	b, err := ffjord.New(m, ffjord.Options{})
	require.NoError(t, err)
	aff, err := distributions.NewAffine([]float64{0.5, -0.5}, []float64{0.2, 0.1})
	require.NoError(t, err)
	chain, err := distributions.NewChain(b, &userAffine{aff})
	require.NoError(t, err)
	base, err := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, chain)
	require.NoError(t, err)
	f, err := train.NewFlowOf(d, train.Settings{})
	require.NoError(t, err)
	return f
}

func TestUserCodecsRoundTrip(t *testing.T) {
	A := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{-0.3, 0.2, 0.1, -0.4}))
	f := userFlow(t, &linearDynamics{A: A})
	path := filepath.Join(t.TempDir(), "m.json")
	require.NoError(t, Save(path, f, nil, testCodec()))
	ck, err := Load(path, testCodec())
	require.NoError(t, err)
	sameFlow(t, f, ck.Flow)
	chain := distOf(t, ck.Flow).Bijector.(distributions.Chain)
	assert.IsType(t, &linearDynamics{}, chain[0].(*ffjord.FFJORD).Dynamics().Model())
	assert.IsType(t, &userAffine{}, chain[1])

	// Without the codec the load fails and says what to give.
	_, err = load(path)
	assert.ErrorIs(t, err, ErrCheckpoint)
	assert.Contains(t, err.Error(), `unknown dynamics type "test-linear"`)
	assert.Contains(t, err.Error(), "checkpoint.Codec.Models")

	// Without a codec the save fails, names the type and says what to do,
	// and leaves no file.
	g := userFlow(t, &unregisteredDynamics{linearDynamics{A: A.Clone().(*tensor.Dense)}})
	path = filepath.Join(t.TempDir(), "u.json")
	err = Save(path, g, nil, testCodec())
	require.ErrorIs(t, err, ErrCodec)
	assert.Contains(t, err.Error(), "*checkpoint.unregisteredDynamics")
	assert.Contains(t, err.Error(), "checkpoint.Codec.Models")
	_, statErr := os.Stat(path)
	assert.True(t, os.IsNotExist(statErr))
}

// TestCodecRejects: a Codec that cannot be used is refused by Save and
// Load alike, before anything is read or written.
func TestCodecRejects(t *testing.T) {
	enc := func(*linearDynamics) (json.RawMessage, error) { return nil, nil }
	dec := func(json.RawMessage) (*linearDynamics, error) { return nil, nil }
	type other struct{ linearDynamics }
	good := Model("test-linear", enc, dec)
	path := filepath.Join(t.TempDir(), "m.json")
	require.NoError(t, saveFlow(path, tinyFlow(t)))
	for name, c := range map[string]Codec{
		"empty name":   {Models: []ModelCodec{Model("", enc, dec)}},
		"library name": {Models: []ModelCodec{Model("network", enc, dec)}},
		"nil funcs":    {Models: []ModelCodec{Model[*linearDynamics]("x", nil, nil)}},
		"zero value":   {Models: []ModelCodec{{}}},
		"same type":    {Models: []ModelCodec{good, Model("test-linear-2", enc, dec)}},
		"same name": {Models: []ModelCodec{good, Model("test-linear",
			func(*other) (json.RawMessage, error) { return nil, nil }, func(json.RawMessage) (*other, error) { return nil, nil })}},
		"interface": {Models: []ModelCodec{Model("any-model",
			func(odefunc.Model) (json.RawMessage, error) { return nil, nil }, func(json.RawMessage) (odefunc.Model, error) { return nil, nil })}},
	} {
		assert.ErrorIs(t, Save(filepath.Join(t.TempDir(), "x.json"), tinyFlow(t), nil, c), ErrCodec, name)
		_, err := Load(path, c)
		assert.ErrorIs(t, err, ErrCodec, name)
	}
}

// resealedRaw rewrites a checkpoint's content bytes with edit and a valid
// checksum, for edits a map cannot make (duplicate keys, numbers out of
// range).
func resealedRaw(t *testing.T, raw []byte, edit func([]byte) []byte) []byte {
	t.Helper()
	var file fileJSON
	require.NoError(t, json.Unmarshal(raw, &file))
	var c bytes.Buffer
	require.NoError(t, json.Compact(&c, file.Content))
	content := edit(c.Bytes())
	sum := sha256.Sum256(content)
	out := fmt.Sprintf(`{"format":%q,"version":%d,"sha256":%q,"content":%s}`, file.Format, file.Version, hex.EncodeToString(sum[:]), content)
	return []byte(out)
}

func TestBadVersion2CheckpointsAreRejected(t *testing.T) {
	composed := filepath.Join(t.TempDir(), "c.json")
	require.NoError(t, saveFlow(composed, composedFlow(t)))
	raw, err := os.ReadFile(composed)
	require.NoError(t, err)
	stack := filepath.Join(t.TempDir(), "s.json")
	require.NoError(t, saveFlow(stack, tinyFlow(t)))
	rawStack, err := os.ReadFile(stack)
	require.NoError(t, err)

	model := func(c map[string]any) map[string]any { return c["model"].(map[string]any) }
	bij := func(c map[string]any, k int) map[string]any {
		return model(c)["bijector"].(map[string]any)["bijectors"].([]any)[k].(map[string]any)
	}
	layer := func(c map[string]any, k, i int) map[string]any {
		return bij(c, k)["dynamics"].(map[string]any)["layers"].([]any)[i].(map[string]any)
	}
	nested := map[string]any{"type": "chain", "bijectors": []any{}}
	for range distributions.MaxDepth + 1 {
		nested = map[string]any{"type": "chain", "bijectors": []any{nested}}
	}
	long := make([]any, distributions.MaxChain+1)
	for i := range long {
		long[i] = map[string]any{}
	}
	cases := map[string]struct {
		data []byte
		want string
	}{
		"truncated":      {raw[:len(raw)*2/3], "not valid JSON"},
		"future version": {bytes.Replace(raw, []byte(`"version": 2`), []byte(`"version": 3`), 1), "version 3 is not supported"},
		"unknown step control": {resealed(t, raw, func(c map[string]any) {
			c["settings"].(map[string]any)["solver"].(map[string]any)["step_control"] = "sideways"
		}), "settings.solver.step_control"},
		"ragged W": {resealed(t, raw, func(c map[string]any) {
			w := layer(c, 1, 0)["W"].([]any)
			w[1] = w[1].([]any)[:3]
		}), "bijectors[1]: dynamics: layers[0]: W row 1 has 3 values, want out = 5"},
		"W rows and in disagree": {resealed(t, raw, func(c map[string]any) { layer(c, 0, 1)["in"] = 4.0 }), "W has 3 rows, want in = 4"},
		"huge declared width":    {resealed(t, raw, func(c map[string]any) { layer(c, 0, 1)["out"] = float64(1 << 30) }), "out = 1073741824, want 1 to 65536"},
		"huge activation":        {resealed(t, raw, func(c map[string]any) { layer(c, 0, 2)["width"] = float64(1 << 20) }), "width = 1048576, want 1 to 65536"},
		"widths do not chain":    {resealed(t, raw, func(c map[string]any) { layer(c, 0, 0)["copies"] = 2.0 }), "layers[1]: takes 3 features but receives 4"},
		"huge dim":               {resealed(t, raw, func(c map[string]any) { bij(c, 0)["dynamics"].(map[string]any)["dim"] = float64(1 << 20) }), "dim = 1048576, want 1 to 4096"},
		"short Wg":               {resealed(t, raw, func(c map[string]any) { l := layer(c, 1, 2); l["Wg"] = l["Wg"].([]any)[:1] }), "Wg has 1 values, want out = 2"},
		"unknown layer":          {resealed(t, raw, func(c map[string]any) { layer(c, 0, 2)["type"] = "relu" }), `unknown layer type "relu"`},
		"unknown layer field":    {resealed(t, raw, func(c map[string]any) { layer(c, 0, 2)["slope"] = 1.0 }), `unknown field "slope"`},
		"unknown bijector":       {resealed(t, raw, func(c map[string]any) { bij(c, 2)["type"] = "spline" }), `unknown bijector type "spline"`},
		"unknown dynamics":       {resealed(t, raw, func(c map[string]any) { bij(c, 0)["dynamics"].(map[string]any)["type"] = "mystery" }), `unknown dynamics type "mystery"`},
		"no type":                {resealed(t, raw, func(c map[string]any) { delete(bij(c, 2), "type") }), `bijector: no "type"`},
		"base of another dim": {resealed(t, raw, func(c map[string]any) {
			b := model(c)["base"].(map[string]any)
			b["mean"], b["log_scale"] = []any{0.0, 0.0, 0.0}, []any{0.0, 0.0, 0.0}
		}), "dimension 2, the base's is 3"},
		"huge log-scale":  {resealed(t, raw, func(c map[string]any) { bij(c, 2)["log_scale"] = []any{800.0, 0.0} }), "log-scale[0] = 800"},
		"equal times":     {resealed(t, raw, func(c map[string]any) { bij(c, 0)["t0"] = 0.9 }), "t0 = t1 = 0.9"},
		"negative T":      {resealed(t, raw, func(c map[string]any) { bij(c, 1)["t1"] = -1.0 }), "LearnTime needs T0 = 0 and T1 > 0"},
		"deep chains":     {resealed(t, raw, func(c map[string]any) { model(c)["bijector"] = nested }), "chains nested deeper than 32"},
		"long chain":      {resealed(t, raw, func(c map[string]any) { model(c)["bijector"] = map[string]any{"type": "chain", "bijectors": long} }), "chain of 1025 bijectors, more than the limit 1024"},
		"infinite weight": {resealedRaw(t, raw, func(c []byte) []byte { return bytes.Replace(c, []byte(`"shift":[`), []byte(`"shift":[1e999,`), 1) }), "1e999"},
		"duplicate key": {resealedRaw(t, raw, func(c []byte) []byte {
			return bytes.Replace(c, []byte(`"model":{`), []byte(`"model":{"type":"chain",`), 1)
		}), `key "type" given twice`},
		"unknown model type": {resealed(t, raw, func(c map[string]any) { model(c)["type"] = "mixture" }), `want transformed`},
		"adam of other sizes": {resealed(t, raw, func(c map[string]any) {
			c["training"] = map[string]any{"epoch": 1.0, "lr": 0.01, "shuffle": "", "history": []any{}, "adam": map[string]any{"step": 1.0, "m": []any{[]any{1.0}}, "v": []any{[]any{1.0}}}}
		}), "training.adam has moments of other sizes"},
		// NewFlow's stack: the config must describe the model.
		"config hidden differs": {resealed(t, rawStack, func(c map[string]any) { c["config"].(map[string]any)["hidden"] = []any{7.0} }), "hidden widths are [7]"},
		"config time differs": {resealed(t, rawStack, func(c map[string]any) {
			c["config"].(map[string]any)["block_time"] = []any{"concat", "ignore"}
		}), "block 1: its network has 4 layers, NewMLP builds 3 for time input ignore"},
		"config blocks differ": {resealed(t, rawStack, func(c map[string]any) {
			cfg := c["config"].(map[string]any)
			cfg["blocks"], cfg["block_time"] = 3.0, []any{"concat", "concat", "concat"}
		}), "want a chain of 3 FFJORD blocks"},
		"config base differs": {resealed(t, rawStack, func(c map[string]any) { c["config"].(map[string]any)["base_std"] = []any{1.0, 1.0} }), "the config's N([0 0], [1 1]²)"},
		"config huge hidden":  {resealed(t, rawStack, func(c map[string]any) { c["config"].(map[string]any)["hidden"] = []any{float64(1 << 17)} }), "config.hidden[0] = 131072, want 1 to 65536"},
	}
	for name, c := range cases {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := decodeCheckpoint(c.data)
		runtime.ReadMemStats(&after)
		require.Error(t, err, name)
		assert.ErrorIs(t, err, ErrCheckpoint, name)
		assert.Contains(t, err.Error(), c.want, name)
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "%s: allocated %d bytes", name, after.TotalAlloc-before.TotalAlloc)
		assert.False(t, strings.Contains(err.Error(), "\n"), "%s: one line", name)
	}
}

func TestLoadRejectsHugeFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.json")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(MaxSize+1)) // sparse: costs no disk
	require.NoError(t, f.Close())
	_, err = load(path)
	assert.ErrorIs(t, err, ErrCheckpoint)
	assert.Contains(t, err.Error(), "more than the limit of 268435456")
}

// TestStepControlIsSaved: a step control set on the flow's solver comes
// back from its checkpoint, and the default stays the default.
func TestStepControlIsSaved(t *testing.T) {
	for _, c := range []ode.StepControl{ode.DefaultStepControl, ode.WholeBatch, ode.PerRow} {
		f := tinyFlow(t)
		require.NoError(t, f.SetSettings(train.Settings{Solver: ode.Settings{StepControl: c}}))
		ck := saveLoad(t, f)
		assert.Equal(t, c, ck.Flow.Settings().Solver.StepControl, c.String())
	}
}

// TestPreprocessingFlowRoundTrip: a flow whose chain starts with the
// preprocessing bijectors (a Sigmoid onto a box, a fixed AffineTriL fitted
// by FitWhitening, a learnable AffineTriL) saves and loads bit for bit.
func TestPreprocessingFlowRoundTrip(t *testing.T) {
	src := rand.NewPCG(81, 82)
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{4}}, src)
	require.NoError(t, err)
	block, err := ffjord.New(net, ffjord.Options{Source: src})
	require.NoError(t, err)
	sig, err := distributions.NewSigmoid(2, -3, 3, 0.05)
	require.NoError(t, err)
	white, err := train.FitWhitening(tensor.New(tensor.WithShape(4, 2), tensor.WithBacking([]float64{0.1, 0.3, -0.4, 0.2, 0.5, -0.6, 1, 0.1})), 1e-3)
	require.NoError(t, err)
	tril, err := distributions.NewLearnableAffineTriL([]float64{0.2, -0.1}, []float64{1.2, 0, -0.3, 0.8})
	require.NoError(t, err)
	chain, err := distributions.NewChain(sig, white, tril, block)
	require.NoError(t, err)
	base, err := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	d, err := distributions.NewTransformed(base, chain)
	require.NoError(t, err)
	f, err := train.NewFlowOf(d, train.Settings{})
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(83, 84))
	for _, p := range f.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] += 0.1 * r.NormFloat64()
		}
	}
	tril.Params()[1].Float64s()[1] = 0 // the ignored upper triangle, written as 0
	ck := saveLoad(t, f)
	sameFlow(t, f, ck.Flow)
	back := distOf(t, ck.Flow).Bijector.(distributions.Chain)
	assert.IsType(t, &distributions.Sigmoid{}, back[0])
	assert.False(t, back[1].(*distributions.AffineTriL).Learnable())
	assert.True(t, back[2].(*distributions.AffineTriL).Learnable())
}

// TestRecordIsSaved: Options.Record comes back in TrainingState.Record;
// a file without it (an older one) loads with a nil Record, and a record
// of another shape or size is refused.
func TestRecordIsSaved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ck.json")
	record := map[string]string{"lr": "0.003", "batch": "48"}
	f := tinyFlow(t)
	tr, err := train.NewTrainer(f, train.Options{Epochs: 1, BatchSize: 48, Seed: 3, Save: Saver(path, f, Codec{}), Record: record})
	require.NoError(t, err)
	record["lr"] = "changed after NewTrainer"
	require.NoError(t, tr.Run(context.Background(), tinyData(t)))
	ck, err := load(path)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"lr": "0.003", "batch": "48"}, ck.Training.Record)

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	old := filepath.Join(t.TempDir(), "old.json")
	require.NoError(t, os.WriteFile(old, resealed(t, raw, func(c map[string]any) {
		delete(c["training"].(map[string]any), "record")
	}), 0o644))
	ck, err = load(old)
	require.NoError(t, err)
	assert.Nil(t, ck.Training.Record)

	many := map[string]any{}
	for i := range train.MaxRecord + 1 {
		many[fmt.Sprint(i)] = "x"
	}
	for name, value := range map[string]any{"number": map[string]any{"lr": 0.1}, "list": []any{"lr"}, "too many": many} {
		bad := filepath.Join(t.TempDir(), "bad.json")
		require.NoError(t, os.WriteFile(bad, resealed(t, raw, func(c map[string]any) {
			c["training"].(map[string]any)["record"] = value
		}), 0o644))
		_, err := load(bad)
		assert.ErrorIs(t, err, ErrCheckpoint, name)
	}
	_, err = train.NewTrainer(tinyFlow(t), train.Options{Record: map[string]string(nil)})
	require.NoError(t, err)
}
