package odefunc

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func randomBatch(r *rand.Rand, n, d int) []float64 {
	z := make([]float64, n*d)
	for i := range z {
		z[i] = r.NormFloat64()
	}
	return z
}

// randomizeBiases gives the biases non-zero values, so tests see them.
func randomizeBiases(n *Network, r *rand.Rand) {
	for _, l := range n.Layers() {
		if lin, ok := l.(*Linear); ok {
			for i, b := 0, lin.B.Data().([]float64); i < len(b); i++ {
				b[i] = 0.3 * r.NormFloat64()
			}
		}
	}
}

func TestFMatchesPlainGo(t *testing.T) {
	for _, cfg := range []MLPConfig{
		{Dim: 2},
		{Dim: 3, Hidden: []int{5, 7, 4}, Activation: Softplus, SingleTime: true},
	} {
		r := rand.New(rand.NewPCG(1, 2))
		net, err := NewMLP(cfg, rand.NewPCG(3, 4))
		require.NoError(t, err)
		randomizeBiases(net, r)
		dyn, err := New(net)
		require.NoError(t, err)
		for _, n := range []int{1, 7, 300, 2100} { // pads, exact power of two, several chunks
			z := randomBatch(r, n, cfg.Dim)
			dz := make([]float64, len(z))
			tt := r.Float64()
			require.NoError(t, dyn.Eval(dz, Terms{}, Request{Z: z, T: tt}))
			for row := 0; row < n; row++ {
				want := mlpRef(net, tt, z[row*cfg.Dim:(row+1)*cfg.Dim])
				assert.InDeltaSlice(t, want, dz[row*cfg.Dim:(row+1)*cfg.Dim], 1e-13)
			}
		}
	}
}

func TestExactTraceMatchesFiniteDifferences(t *testing.T) {
	for _, cfg := range []MLPConfig{
		{Dim: 2},
		{Dim: 4, Hidden: []int{16, 16}, Activation: Softplus},
	} {
		r := rand.New(rand.NewPCG(5, 6))
		net, err := NewMLP(cfg, rand.NewPCG(7, 8))
		require.NoError(t, err)
		randomizeBiases(net, r)
		dyn, err := New(net)
		require.NoError(t, err)
		n := 50
		z := randomBatch(r, n, cfg.Dim)
		dz := make([]float64, len(z))
		tr := make([]float64, n)
		tt := 0.37
		require.NoError(t, dyn.Eval(dz, Terms{Trace: tr}, Request{Z: z, T: tt, Want: WantTrace, Trace: ExactTrace}))
		for row := range n {
			want := fdTrace(net, tt, z[row*cfg.Dim:(row+1)*cfg.Dim])
			assert.InDelta(t, want, tr[row], 1e-7, "row %d", row)
		}
		// f from the trace program equals f from the f-only program.
		dz2 := make([]float64, len(z))
		require.NoError(t, dyn.Eval(dz2, Terms{}, Request{Z: z, T: tt}))
		assert.Equal(t, dz2, dz)
	}
}

func TestHutchinsonIsUnbiased(t *testing.T) {
	for _, est := range []Trace{HutchinsonGaussian, HutchinsonRademacher} {
		r := rand.New(rand.NewPCG(9, 10))
		net, err := NewMLP(MLPConfig{Dim: 3}, rand.NewPCG(11, 12))
		require.NoError(t, err)
		dyn, err := New(net)
		require.NoError(t, err)
		// One point repeated: each row draws its own ε, so the rows are
		// independent samples of the estimator at the same point.
		const n = 4000
		z0 := []float64{0.3, -0.7, 1.1}
		z := make([]float64, 0, n*3)
		for range n {
			z = append(z, z0...)
		}
		eps := make([]float64, len(z))
		est.DrawNoise(eps, r)
		dz := make([]float64, len(z))
		tr := make([]float64, n)
		require.NoError(t, dyn.Eval(dz, Terms{Trace: tr}, Request{Z: z, T: 0.5, Want: WantTrace, Trace: est, Noise: eps}))
		var mean, sq float64
		for _, v := range tr {
			mean += v
		}
		mean /= n
		for _, v := range tr {
			sq += (v - mean) * (v - mean)
		}
		se := math.Sqrt(sq / (n - 1) / n)
		exact := make([]float64, 1)
		require.NoError(t, dyn.Eval(dz[:3], Terms{Trace: exact}, Request{Z: z0, T: 0.5, Want: WantTrace, Trace: ExactTrace}))
		assert.InDelta(t, exact[0], mean, 4*se, "%v: mean %g ± %g, exact %g", est, mean, se, exact[0])
		assert.Greater(t, se, 0.0)
	}
}

func TestBadInput(t *testing.T) {
	net, err := NewMLP(MLPConfig{Dim: 2}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	dyn, err := New(net)
	require.NoError(t, err)
	cases := []struct {
		name       string
		dz, tr, z  []float64
		est        Trace
		eps        []float64
		wantErr    error
		traceCheck bool
	}{
		{"empty batch", nil, nil, nil, ExactTrace, nil, ErrDimension, false},
		{"ragged batch", make([]float64, 3), nil, make([]float64, 3), ExactTrace, nil, ErrDimension, false},
		{"short destination", make([]float64, 2), nil, make([]float64, 4), ExactTrace, nil, ErrDimension, false},
		{"short trace", make([]float64, 4), make([]float64, 1), make([]float64, 4), ExactTrace, nil, ErrDimension, true},
		{"missing noise", make([]float64, 4), make([]float64, 2), make([]float64, 4), HutchinsonGaussian, nil, ErrDimension, true},
		{"unknown estimator", make([]float64, 4), make([]float64, 2), make([]float64, 4), Trace(9), nil, ErrInvalidConfig, true},
	}
	for _, c := range cases {
		var err error
		if c.traceCheck {
			err = dyn.Eval(c.dz, Terms{Trace: c.tr}, Request{Z: c.z, T: 0, Want: WantTrace, Trace: c.est, Noise: c.eps})
		} else {
			err = dyn.Eval(c.dz, Terms{}, Request{Z: c.z, T: 0})
		}
		assert.ErrorIs(t, err, c.wantErr, c.name)
	}
	for _, cfg := range []MLPConfig{{Dim: 0}, {Dim: 2, Hidden: []int{0}}, {Dim: 2, Activation: Activation(7)}} {
		_, err := NewMLP(cfg, rand.NewPCG(1, 1))
		assert.True(t, errors.Is(err, ErrInvalidConfig), "%+v: %v", cfg, err)
	}
	_, err = NewMLP(MLPConfig{Dim: 2}, nil)
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

func TestSonnetInitialisation(t *testing.T) {
	// Weights are a normal of std 1/√fan_in truncated at ±2 std: all within
	// the bound, with the truncated normal's std 0.8796/√fan_in.
	lin, err := NewLinear(64, 500, rand.NewPCG(13, 14))
	require.NoError(t, err)
	w := lin.W.Data().([]float64)
	var sq float64
	for _, v := range w {
		assert.LessOrEqual(t, math.Abs(v), 2/8.0)
		sq += v * v
	}
	std := math.Sqrt(sq / float64(len(w)))
	assert.InDelta(t, 0.87962566/8, std, 0.02/8)
	assert.Equal(t, make([]float64, 500), lin.B.Data().([]float64))
}

func TestTutorialShape(t *testing.T) {
	net, err := NewMLP(MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	var shapes [][]int
	for _, l := range net.Layers() {
		if lin, ok := l.(*Linear); ok {
			shapes = append(shapes, []int{lin.In(), lin.Out()})
		}
	}
	assert.Equal(t, [][]int{{4, 8}, {8, 8}, {8, 2}}, shapes)
}

// wantOf is the Want of the terms tm holds: the regularisers when it has
// either, else the trace.
func wantOf(tm Terms) Want {
	if tm.Kinetic != nil || tm.Frobenius != nil {
		return WantRegularizers
	}
	return WantTrace
}

// wantReg is the Want of a solve with or without the regularisers.
func wantReg(reg bool) Want {
	if reg {
		return WantRegularizers
	}
	return WantTrace
}
