package graph_test

import (
	"testing"
	"time"

	"github.com/ffjord-go/ffjord-go/graph"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestProfile: a profiled run records each kernel once a run, a product's
// FLOPs as 2mnk.
func TestProfile(t *testing.T) {
	w := tensor.New(tensor.WithShape(3, 2), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
	p, err := graph.Compile(func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
		x := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 3), G.WithName("x"))
		wn := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("w"), G.WithValue(w))
		y, err := G.Mul(x, wn)
		if err != nil {
			return nil, nil, err
		}
		y, err = G.Tanh(y)
		return []*G.Node{x}, []*G.Node{y}, err
	})
	require.NoError(t, err)
	graph.StartProfile()
	for range 3 {
		require.NoError(t, p.Run())
	}
	prof := graph.StopProfile()
	require.NoError(t, p.Run())
	byKernel := map[string]graph.KernelTime{}
	for _, k := range prof {
		byKernel[k.Kernel] = k
	}
	mm := byKernel["matmul"]
	assert.Equal(t, "4×2×3", mm.Shape)
	assert.Equal(t, 3, mm.Calls)
	assert.Equal(t, 3*2*4*2*3.0, mm.FLOPs)
	assert.LessOrEqual(t, 3*mm.Best, mm.Time)
	assert.Equal(t, 3, byKernel["tanh"].Calls)
	assert.Equal(t, 3*8.0, byKernel["tanh"].FLOPs)
}

// TestPeakFLOPS: the calibration gives a positive rate on every set this
// build can run, and refuses no goroutines.
func TestPeakFLOPS(t *testing.T) {
	for _, ks := range []graph.KernelSet{graph.Vector, graph.PureGo} {
		if !ks.Available() {
			_, err := graph.PeakFLOPS(ks, 1, time.Millisecond)
			assert.ErrorIs(t, err, graph.ErrKernelsUnavailable)
			continue
		}
		p, err := graph.PeakFLOPS(ks, 1, 5*time.Millisecond)
		require.NoError(t, err)
		assert.Greater(t, p, 1e8, "%v", ks)
	}
	_, err := graph.PeakFLOPS(graph.PureGo, 0, time.Millisecond)
	assert.Error(t, err)
}
