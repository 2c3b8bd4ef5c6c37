package odefunc

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResultsDoNotDependOnWorkers: every output, parameter gradients
// included, is bit-identical for 1, 2 and 3 workers.
func TestResultsDoNotDependOnWorkers(t *testing.T) {
	net, err := NewMLP(MLPConfig{Dim: 2}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(3, 4))
	const n = 300 // three chunks, the last one padded
	z, a, c := randomBatch(r, n, 2), randomBatch(r, n, 2), randomBatch(r, n, 1)
	eps := make([]float64, 2*n)
	HutchinsonRademacher.DrawNoise(eps, r)

	type result struct {
		f, tr, fv, gz []float64
		gp            [][]float64
	}
	eval := func(workers int) result {
		dyn, err := New(net)
		require.NoError(t, err)
		require.NoError(t, dyn.SetWorkers(workers))
		var res result
		res.f, res.tr = make([]float64, 2*n), make([]float64, n)
		require.NoError(t, dyn.FTrace(res.f, res.tr, 0.2, z, HutchinsonRademacher, eps))
		res.fv, res.gz = make([]float64, 2*n), make([]float64, 2*n)
		for _, p := range net.Params() {
			res.gp = append(res.gp, make([]float64, p.Shape().TotalSize()))
		}
		require.NoError(t, dyn.VJP(res.fv, res.gz, res.gp, 0.2, z, a, c, ExactTrace, nil))
		return res
	}
	one := eval(1)
	for _, w := range []int{2, 3} {
		assert.Equal(t, one, eval(w), "%d workers", w)
	}
	dyn, _ := New(net)
	assert.Error(t, dyn.SetWorkers(0))
}
