package odefunc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConcatSquashLayers(t *testing.T) {
	net, err := NewMLP(MLPConfig{Dim: 3, Hidden: []int{5, 4}, Time: ConcatSquash}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	var shapes [][]int
	for _, l := range net.Layers() {
		switch l := l.(type) {
		case *ConcatSquashLinear:
			shapes = append(shapes, []int{l.In(), l.Out()})
			for _, p := range l.Params()[1:] {
				assert.Equal(t, []int{1, l.Out()}, []int(p.Shape()))
			}
		case *ActivationLayer:
		default:
			t.Fatalf("unexpected layer %T", l)
		}
	}
	// No concatenated t: the first layer takes z alone.
	assert.Equal(t, [][]int{{3, 5}, {5, 4}, {4, 3}}, shapes)
	assert.Len(t, net.Params(), 15)

	net, err = NewMLP(MLPConfig{Dim: 3, Hidden: []int{5}, Time: IgnoreTime}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	shapes = nil
	for _, l := range net.Layers() {
		switch l := l.(type) {
		case *Linear:
			shapes = append(shapes, []int{l.In(), l.Out()})
		case *ActivationLayer:
		default:
			t.Fatalf("unexpected layer %T", l)
		}
	}
	assert.Equal(t, [][]int{{3, 5}, {5, 3}}, shapes)
}

func TestConcatSquashInitialisation(t *testing.T) {
	const in, out = 64, 400
	l, err := NewConcatSquashLinear(in, out, rand.NewPCG(15, 16))
	require.NoError(t, err)
	// W as Sonnet's Linear: truncated normal, std 0.8796/√in, within ±2/√in.
	var sq float64
	for _, v := range l.W.Float64s() {
		assert.LessOrEqual(t, math.Abs(v), 2/8.0)
		sq += v * v
	}
	assert.InDelta(t, 0.87962566/8, math.Sqrt(sq/float64(in*out)), 0.02/8)
	assert.Equal(t, make([]float64, out), l.B.Float64s())
	// Wg, bg, Wb as nn.Linear(1, out): U(−1, 1), mean 0 and variance 1/3.
	for name, p := range map[string][]float64{"Wg": l.Wg.Float64s(), "bg": l.Bg.Float64s(), "Wb": l.Wb.Float64s()} {
		var mean, sq float64
		for _, v := range p {
			assert.LessOrEqual(t, math.Abs(v), 1.0, name)
			mean += v / out
			sq += v * v / out
		}
		assert.InDelta(t, 0, mean, 4*math.Sqrt(1.0/3/out), name)
		assert.InDelta(t, 1.0/3, sq, 0.06, name)
	}
	assert.NotEqual(t, l.Wg.Float64s(), l.Bg.Float64s(), "independent draws")

	_, err = NewConcatSquashLinear(0, 3, rand.NewPCG(1, 1))
	assert.ErrorIs(t, err, ErrInvalidConfig)
	_, err = NewConcatSquashLinear(2, 3, nil)
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

func TestTimeModesFMatchPlainGo(t *testing.T) {
	for _, cfg := range []MLPConfig{
		{Dim: 2, Time: ConcatSquash},
		{Dim: 3, Hidden: []int{5, 7, 4}, Activation: Softplus, Time: ConcatSquash},
		{Dim: 3, Hidden: []int{6}, Time: IgnoreTime},
		{Dim: 2, Time: ConcatTimeSingle},
	} {
		r := rand.New(rand.NewPCG(1, 2))
		net, err := NewMLP(cfg, rand.NewPCG(3, 4))
		require.NoError(t, err)
		perturb(net, r, 0.3)
		dyn, err := New(net)
		require.NoError(t, err)
		for _, n := range []int{1, 7, 300, 2100} { // pads, exact power of two, several chunks
			z := randomBatch(r, n, cfg.Dim)
			dz := make([]float64, len(z))
			tt := 2*r.Float64() - 0.5
			require.NoError(t, dyn.Eval(dz, Terms{}, Request{Z: z, T: tt}))
			for row := range n {
				want := mlpRef(net, tt, z[row*cfg.Dim:(row+1)*cfg.Dim])
				assert.InDeltaSlice(t, want, dz[row*cfg.Dim:(row+1)*cfg.Dim], 1e-13, "%v row %d", cfg.Time, row)
			}
		}
	}
}

func TestTimeModesExactTraceMatchesFiniteDifferences(t *testing.T) {
	for _, cfg := range []MLPConfig{
		{Dim: 2, Time: ConcatSquash},
		{Dim: 4, Hidden: []int{16, 16}, Activation: Softplus, Time: ConcatSquash},
		{Dim: 3, Hidden: []int{9}, Time: IgnoreTime},
	} {
		r := rand.New(rand.NewPCG(5, 6))
		net, err := NewMLP(cfg, rand.NewPCG(7, 8))
		require.NoError(t, err)
		perturb(net, r, 0.3)
		dyn, err := New(net)
		require.NoError(t, err)
		const n = 50
		z := randomBatch(r, n, cfg.Dim)
		dz := make([]float64, len(z))
		tr := make([]float64, n)
		const tt = 0.37
		require.NoError(t, dyn.Eval(dz, Terms{Trace: tr}, Request{Z: z, T: tt, Want: WantTrace, Trace: ExactTrace}))
		var sum float64
		for row := range n {
			want := fdTrace(net, tt, z[row*cfg.Dim:(row+1)*cfg.Dim])
			assert.InDelta(t, want, tr[row], 1e-7, "%v row %d", cfg.Time, row)
			sum += math.Abs(want)
		}
		assert.Greater(t, sum/n, 1e-2, "the traces are not trivially zero")
		dz2 := make([]float64, len(z))
		require.NoError(t, dyn.Eval(dz2, Terms{}, Request{Z: z, T: tt}))
		assert.Equal(t, dz2, dz)
	}
}

func TestIgnoreTimeDoesNotDependOnT(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	net, err := NewMLP(MLPConfig{Dim: 3, Hidden: []int{7, 7}, Time: IgnoreTime}, rand.NewPCG(33, 34))
	require.NoError(t, err)
	perturb(net, r, 0.3)
	dyn, err := New(net)
	require.NoError(t, err)
	const n = 40
	z := randomBatch(r, n, 3)
	f0, f1 := make([]float64, n*3), make([]float64, n*3)
	tr0, tr1 := make([]float64, n), make([]float64, n)
	require.NoError(t, dyn.Eval(f0, Terms{Trace: tr0}, Request{Z: z, T: 0.1, Want: WantTrace, Trace: ExactTrace}))
	require.NoError(t, dyn.Eval(f1, Terms{Trace: tr1}, Request{Z: z, T: 7.3, Want: WantTrace, Trace: ExactTrace}))
	assert.Equal(t, f0, f1)
	assert.Equal(t, tr0, tr1)
	assert.NotEqual(t, make([]float64, n*3), f0)

	// A ConcatSquash network, on the other hand, does see t.
	cs, err := NewMLP(MLPConfig{Dim: 3, Hidden: []int{7, 7}, Time: ConcatSquash}, rand.NewPCG(33, 34))
	require.NoError(t, err)
	dcs, err := New(cs)
	require.NoError(t, err)
	require.NoError(t, dcs.Eval(f0, Terms{}, Request{Z: z, T: 0.1}))
	require.NoError(t, dcs.Eval(f1, Terms{}, Request{Z: z, T: 7.3}))
	assert.NotEqual(t, f0, f1)
}

func TestTimeInputNamesAndConfig(t *testing.T) {
	for _, ti := range []TimeInput{ConcatTime, ConcatTimeSingle, ConcatSquash, IgnoreTime} {
		got, err := ParseTimeInput(ti.String())
		require.NoError(t, err)
		assert.Equal(t, ti, got)
		assert.True(t, ti.Valid())
	}
	for s, want := range map[string]TimeInput{"broadcast": ConcatTime, "single": ConcatTimeSingle} {
		got, err := ParseTimeInput(s)
		require.NoError(t, err)
		assert.Equal(t, want, got, s)
	}
	_, err := ParseTimeInput("none")
	assert.ErrorIs(t, err, ErrInvalidConfig)
	assert.False(t, TimeInput(4).Valid())
	assert.False(t, TimeInput(-1).Valid())

	// SingleTime is the older spelling of ConcatTimeSingle.
	for _, cfg := range []MLPConfig{{Dim: 2, SingleTime: true}, {Dim: 2, Time: ConcatTimeSingle}, {Dim: 2, Time: ConcatTimeSingle, SingleTime: true}} {
		net, err := NewMLP(cfg, rand.NewPCG(1, 2))
		require.NoError(t, err)
		assert.Equal(t, &TimeConcat{Copies: 1, Width: 2}, net.Layers()[0])
	}
	for _, cfg := range []MLPConfig{
		{Dim: 2, Time: ConcatSquash, SingleTime: true},
		{Dim: 2, Time: IgnoreTime, SingleTime: true},
		{Dim: 2, Time: TimeInput(9)},
	} {
		_, err := NewMLP(cfg, rand.NewPCG(1, 2))
		assert.ErrorIs(t, err, ErrInvalidConfig, "%+v", cfg)
	}
}
