package odefunc

import (
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFAtMatchesF checks that row r of an evaluation with a time per row
// is the evaluation at the scalar time t[r].
func TestFAtMatchesF(t *testing.T) {
	net, err := NewMLP(MLPConfig{Dim: 3, Hidden: []int{7, 5}}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	dyn, err := New(net)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(5, 6))
	const n, D = 11, 3
	z, ts := randomBatch(r, n, D), make([]float64, n)
	for i := range ts {
		ts[i] = r.Float64()
	}
	got := make([]float64, n*D)
	require.NoError(t, dyn.Eval(got, Terms{}, Request{Z: z, Times: ts}))
	want := make([]float64, n*D)
	for i, ti := range ts {
		require.NoError(t, dyn.Eval(want, Terms{}, Request{Z: z, T: ti}))
		assert.Equal(t, want[i*D:(i+1)*D], got[i*D:(i+1)*D], "row %d", i)
	}
	require.Error(t, dyn.Eval(got, Terms{}, Request{Z: z, Times: ts[:2]}))
}

// TestVJPAtFiniteDifferences checks the VJP of f alone: ∂L/∂θ, ∂L/∂z and ∂L/∂c of L = Σ a⊙f,
// each row at its own time, against central differences of f, for an
// unconditional and a conditional MLP.
func TestVJPAtFiniteDifferences(t *testing.T) {
	for _, C := range []int{0, 2} {
		net, err := NewMLP(MLPConfig{Dim: 2, Hidden: []int{6}, Context: C}, rand.NewPCG(9, 10))
		require.NoError(t, err)
		dyn, err := New(net)
		require.NoError(t, err)
		r := rand.New(rand.NewPCG(11, 12))
		const n, D = 7, 2
		z, a, ts := randomBatch(r, n, D), randomBatch(r, n, D), make([]float64, n)
		for i := range ts {
			ts[i] = r.Float64()
		}
		var c []float64
		if C > 0 {
			c = randomBatch(r, n, C)
		}
		loss := func() float64 {
			dz := make([]float64, n*D)
			require.NoError(t, dyn.Eval(dz, Terms{}, Request{Context: c, Z: z, Times: ts}))
			l := 0.0
			for i := range dz {
				l += a[i] * dz[i]
			}
			return l
		}
		fd := func(x []float64, i int) float64 { return fdtest.Central(x, i, 1e-6, loss) }
		params := net.Params()
		gp := zeroGrads(params)
		dz, gz := make([]float64, n*D), make([]float64, n*D)
		var gc []float64
		if C > 0 {
			gc = make([]float64, n*C)
		}
		require.NoError(t, dyn.VJP(VJPOut{F: dz, Z: gz, Context: gc, Params: gp}, Request{Context: c, Z: z, Times: ts}, a, Terms{}))
		for i, p := range params {
			v := p.Float64s()
			for j := range v {
				assert.InDelta(t, fd(v, j), gp[i][j], 1e-6, "C=%d θ%d[%d]", C, i, j)
			}
		}
		for i := range z {
			assert.InDelta(t, fd(z, i), gz[i], 1e-6, "C=%d z[%d]", C, i)
		}
		for i := range c {
			assert.InDelta(t, fd(c, i), gc[i], 1e-6, "C=%d c[%d]", C, i)
		}
		// gz and gc may be left out; the parameter gradient is the same.
		gp2 := make([][]float64, len(params))
		for i := range gp {
			gp2[i] = make([]float64, len(gp[i]))
		}
		require.NoError(t, dyn.VJP(VJPOut{F: dz, Z: nil, Context: nil, Params: gp2}, Request{Context: c, Z: z, Times: ts}, a, Terms{}))
		assert.Equal(t, gp, gp2)
	}
}
