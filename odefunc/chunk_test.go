package odefunc

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExactTraceChunksInHighDimensions: past D = 64 the exact trace runs in
// chunks of fewer rows (its unit vectors hold rows·D² values), and still
// gives tr(∂f/∂z) — checked against central differences of f — with the
// same bits whether the rows come together or one at a time.
func TestExactTraceChunksInHighDimensions(t *testing.T) {
	const D, n = 80, 21
	k := kind{trace: true}
	require.Equal(t, 64, rowsPerChunk(k, D))
	require.Equal(t, 1, rowsPerChunk(k, 1024))
	require.Equal(t, chunkRows, rowsPerChunk(kind{trace: true, stochastic: true}, 1024))
	require.Equal(t, chunkRows, rowsPerChunk(k, 64))

	net, err := NewMLP(MLPConfig{Dim: D, Hidden: []int{12}}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	d, err := New(net)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(3, 4))
	z := make([]float64, n*D)
	for i := range z {
		z[i] = r.NormFloat64()
	}
	dz, tr := make([]float64, n*D), make([]float64, n)
	require.NoError(t, d.Eval(dz, Terms{Trace: tr}, Request{Z: z, T: 0.3, Want: WantTrace, Trace: ExactTrace}))

	one, oneTr := make([]float64, D), make([]float64, 1)
	fp, fm := make([]float64, D), make([]float64, D)
	const h = 1e-5
	for row := range n {
		zr := append([]float64(nil), z[row*D:(row+1)*D]...)
		require.NoError(t, d.Eval(one, Terms{Trace: oneTr}, Request{Z: zr, T: 0.3, Want: WantTrace, Trace: ExactTrace}))
		assert.Equal(t, tr[row], oneTr[0], "row %d alone", row)
		if row%5 != 0 {
			continue
		}
		fd := 0.0
		for i := range D {
			old := zr[i]
			zr[i] = old + h
			require.NoError(t, d.Eval(fp, Terms{}, Request{Z: zr, T: 0.3}))
			zr[i] = old - h
			require.NoError(t, d.Eval(fm, Terms{}, Request{Z: zr, T: 0.3}))
			zr[i] = old
			fd += (fp[i] - fm[i]) / (2 * h)
		}
		assert.InDelta(t, fd, tr[row], 1e-6*math.Max(1, math.Abs(fd)), "row %d", row)
	}
}
