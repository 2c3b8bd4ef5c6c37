package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/graph"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/train/targets"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bananaGraph is targets.Banana{B: b} as a Gorgonia graph:
// −½x₁² − ½(x₂ − b·x₁²)² − log 2π.
func bananaGraph(b float64) func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
	return func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
		x0, err := G.Slice(x, G.S(0))
		if err != nil {
			return nil, err
		}
		x1, err := G.Slice(x, G.S(1))
		if err != nil {
			return nil, err
		}
		sq := G.Must(G.Square(x0))
		w := G.Must(G.Sub(x1, G.Must(G.Mul(G.NewConstant(b), sq))))
		s := G.Must(G.Add(sq, G.Must(G.Square(w))))
		return G.Sub(G.Must(G.Mul(G.NewConstant(-0.5), s)), G.NewConstant(math.Log(2*math.Pi)))
	}
}

// TestGraphTargetMatchesBanana: the graph's value and gradient are the Go
// target's at 20 random points, within 1e-12.
func TestGraphTargetMatchesBanana(t *testing.T) {
	gt, err := NewGraphTarget(2, bananaGraph(0.7))
	require.NoError(t, err)
	assert.Equal(t, 2, gt.Dim())
	want := targets.Banana{B: 0.7}
	rng := rand.New(rand.NewPCG(5, 6))
	var worst float64
	for range 20 {
		x := []float64{3 * rng.NormFloat64(), 3 * rng.NormFloat64()}
		g, wg := make([]float64, 2), make([]float64, 2)
		v, wv := gt.LogDensityGrad(g, x), want.LogDensityGrad(wg, x)
		worst = max(worst, math.Abs(v-wv), math.Abs(g[0]-wg[0]), math.Abs(g[1]-wg[1]))
	}
	t.Logf("worst |graph − Go| over value and gradient: %.3g", worst)
	assert.LessOrEqual(t, worst, 1e-12)
	require.NoError(t, gt.Err())
}

// TestGraphTargetGradient: the gradient against central differences, and
// a second call at the same point gives the same bits (the TapeMachine's
// gradients do not accumulate from run to run).
func TestGraphTargetGradient(t *testing.T) {
	gt, err := NewGraphTarget(2, bananaGraph(1.3))
	require.NoError(t, err)
	x := []float64{0.4, -0.9}
	g := make([]float64, 2)
	v := gt.LogDensityGrad(g, x)
	fd := fdtest.Gradient(x, 1e-6, func() float64 { return gt.LogDensityGrad(make([]float64, 2), x) })
	assert.InDeltaSlice(t, fd, g, 1e-7)
	for range 3 {
		g2 := make([]float64, 2)
		v2 := gt.LogDensityGrad(g2, x)
		assert.Equal(t, math.Float64bits(v), math.Float64bits(v2))
		assert.Equal(t, []uint64{math.Float64bits(g[0]), math.Float64bits(g[1])},
			[]uint64{math.Float64bits(g2[0]), math.Float64bits(g2[1])})
	}
	assert.Equal(t, []float64{0.4, -0.9}, x, "x is not modified")
}

func TestGraphTargetRefuses(t *testing.T) {
	ok := bananaGraph(1)
	for _, c := range []struct {
		name  string
		dim   int
		build func(*G.ExprGraph, *G.Node) (*G.Node, error)
	}{
		{"dim 0", 0, ok},
		{"nil build", 2, nil},
		{"nil node", 2, func(*G.ExprGraph, *G.Node) (*G.Node, error) { return nil, nil }},
		{"vector output", 2, func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Square(x) }},
		{"no x", 2, func(g *G.ExprGraph, _ *G.Node) (*G.Node, error) {
			return G.NewScalar(g, tensor.Float64, G.WithValue(1.0)), nil
		}},
		{"other graph", 2, func(*G.ExprGraph, *G.Node) (*G.Node, error) {
			return G.NewScalar(G.NewGraph(), tensor.Float64, G.WithValue(1.0)), nil
		}},
		{"float32", 2, func(g *G.ExprGraph, _ *G.Node) (*G.Node, error) {
			return G.NewScalar(g, tensor.Float32, G.WithValue(float32(1))), nil
		}},
	} {
		_, err := NewGraphTarget(c.dim, c.build)
		assert.ErrorIs(t, err, ErrInvalidConfig, c.name)
		t.Logf("%s: %v", c.name, err)
	}
	boom := errors.New("boom")
	_, err := NewGraphTarget(2, func(*G.ExprGraph, *G.Node) (*G.Node, error) { return nil, boom })
	assert.ErrorIs(t, err, boom)
	// A build that panics (a shape error Gorgonia panics on) is an error.
	_, err = NewGraphTarget(2, func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
		return G.Must(G.Add(x, G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithValue(tensor.New(tensor.WithBacking([]float64{1, 2, 3})))))), nil
	})
	assert.ErrorIs(t, err, graph.ErrBuild)
}

// TestGraphTargetBadCall: a call with a wrong length gives NaN and an Err,
// never a panic.
func TestGraphTargetBadCall(t *testing.T) {
	gt, err := NewGraphTarget(2, bananaGraph(1))
	require.NoError(t, err)
	g := make([]float64, 3)
	assert.True(t, math.IsNaN(gt.LogDensityGrad(g, []float64{1, 2, 3})))
	for _, v := range g {
		assert.True(t, math.IsNaN(v))
	}
	assert.ErrorIs(t, gt.Err(), ErrInvalidConfig)
}

// gaussGraph is gaussTarget as a graph: u = L⁻¹(x − μ),
// −½‖u‖² − log 2π − log 0.5 + 1.5.
func gaussGraph(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
	x0 := G.Must(G.Slice(x, G.S(0)))
	x1 := G.Must(G.Slice(x, G.S(1)))
	u0 := G.Must(G.Sub(x0, G.NewConstant(1.0)))
	u1 := G.Must(G.Div(G.Must(G.Sub(G.Must(G.Add(x1, G.NewConstant(2.0))), G.Must(G.Mul(G.NewConstant(0.6), u0)))), G.NewConstant(0.5)))
	s := G.Must(G.Add(G.Must(G.Square(u0)), G.Must(G.Square(u1))))
	return G.Add(G.Must(G.Mul(G.NewConstant(-0.5), s)), G.NewConstant(-math.Log(2*math.Pi)-math.Log(0.5)+1.5))
}

// TestReverseKLGraphTarget: the Gaussian fit of TestReverseKLFitsAGaussian,
// shorter, with the target as a graph.
func TestReverseKLGraphTarget(t *testing.T) {
	gt, err := NewGraphTarget(2, gaussGraph)
	require.NoError(t, err)
	x := []float64{0.3, -1.1}
	g, wg := make([]float64, 2), make([]float64, 2)
	assert.InDelta(t, gaussTarget{}.LogDensityGrad(wg, x), gt.LogDensityGrad(g, x), 1e-12)
	assert.InDeltaSlice(t, wg, g, 1e-12)

	m := affineModel(t)
	var last EpochStats
	tr, err := NewTrainer(m, Options{Epochs: 6, BatchSize: 64, LearningRate: 0.05, Schedule: Cosine(0.01), Seed: 1,
		Objective: ReverseKL{Target: gt, Steps: 50, Evaluate: 1000},
		OnEpoch:   func(s EpochStats) error { last = s; return nil }})
	require.NoError(t, err)
	require.NoError(t, tr.Run(context.Background(), nil))
	require.NotNil(t, last.VI)
	t.Logf("%s", FormatEpoch(last))
	assert.Greater(t, last.VI.ESS, 0.9)
	assert.InDelta(t, 1.5, last.VI.LogZ, 0.05)
	require.NoError(t, gt.Err())
}
