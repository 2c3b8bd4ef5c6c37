package odefunc

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVJPMatchesFiniteDifferences checks ∂L/∂z and ∂L/∂θ of
// L = Σ a⊙f + Σ c⊙trace against central differences of L.
func TestVJPMatchesFiniteDifferences(t *testing.T) {
	for _, est := range []Trace{ExactTrace, HutchinsonRademacher, HutchinsonGaussian} {
		r := rand.New(rand.NewPCG(21, 22))
		net, err := NewMLP(MLPConfig{Dim: 2, Hidden: []int{6, 5}}, rand.NewPCG(23, 24))
		require.NoError(t, err)
		randomizeBiases(net, r)
		dyn, err := New(net)
		require.NoError(t, err)
		const n, D = 9, 2
		z, a, c := randomBatch(r, n, D), randomBatch(r, n, D), randomBatch(r, n, 1)
		eps := make([]float64, n*D)
		est.DrawNoise(eps, r)
		const tt = 0.3

		loss := func() float64 {
			dz, tr := make([]float64, n*D), make([]float64, n)
			require.NoError(t, dyn.FTrace(dz, tr, tt, z, est, eps))
			var l float64
			for i := range dz {
				l += a[i] * dz[i]
			}
			for i := range tr {
				l += c[i] * tr[i]
			}
			return l
		}
		fd := func(x []float64, i int) float64 {
			const h = 1e-6
			old := x[i]
			x[i] = old + h
			lp := loss()
			x[i] = old - h
			lm := loss()
			x[i] = old
			return (lp - lm) / (2 * h)
		}

		params := net.Params()
		gp := make([][]float64, len(params))
		for i, p := range params {
			gp[i] = make([]float64, p.Shape().TotalSize())
		}
		dz, gz := make([]float64, n*D), make([]float64, n*D)
		require.NoError(t, dyn.VJP(dz, gz, gp, tt, z, a, c, est, eps))

		f := make([]float64, n*D)
		require.NoError(t, dyn.F(f, tt, z))
		assert.InDeltaSlice(t, f, dz, 1e-14)
		for i := range z {
			assert.InDelta(t, fd(z, i), gz[i], 1e-7, "%v ∂L/∂z[%d]", est, i)
		}
		for k, p := range params {
			for i := range p.Float64s() {
				assert.InDelta(t, fd(p.Float64s(), i), gp[k][i], 1e-7, "%v ∂L/∂θ%d[%d]", est, k, i)
			}
		}
	}
}
