package apitest

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/graph"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func pts(n, d int, vals ...float64) *tensor.Dense {
	data := make([]float64, n*d)
	copy(data, vals)
	return tensor.New(tensor.WithShape(n, d), tensor.WithBacking(data))
}

// errOf calls f, turning a panic into a test failure: no panic may cross
// the public API.
func errOf(t *testing.T, name string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panicked: %v", name, r)
			err = nil
		}
	}()
	return f()
}

func TestEveryBadInputGetsATypedError(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1}, train.Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	good := filepath.Join(dir, "good.json")
	require.NoError(t, train.SaveFlow(good, flow))
	raw, err := os.ReadFile(good)
	require.NoError(t, err)
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	dyn, err := odefunc.New(net)
	require.NoError(t, err)
	block, err := ffjord.New(net, ffjord.Options{})
	require.NoError(t, err)
	normal, err := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(5, 6))
	require.NoError(t, err)
	decay := func(dy []float64, _ float64, y []float64) error { dy[0] = -y[0]; return nil }
	blowUp := func(dy []float64, _ float64, y []float64) error { dy[0] = y[0] * y[0]; return nil }
	nan := func(dy []float64, _ float64, y []float64) error { dy[0] = math.NaN(); return nil }
	stiff := func(dy []float64, _ float64, y []float64) error { dy[0] = -1e9 * y[0]; return nil }
	solve := func(f ode.Func, t1 float64, s ode.Settings, y0 ...float64) error {
		_, err := ode.Solve(make([]float64, len(y0)), f, 0, t1, y0, s)
		return err
	}
	exploding, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1}, train.Settings{Solver: ode.Settings{MaxSteps: 30}}, rand.NewPCG(7, 8))
	require.NoError(t, err)
	for _, p := range exploding.Params() {
		for i := range p.Float64s() {
			p.Float64s()[i] *= 300
		}
	}
	moons, err := datasets.Moons(64, 0.06, true, rand.NewPCG(9, 9))
	require.NoError(t, err)

	cases := []struct {
		name string
		want error
		call func() error
	}{
		// ode
		{"ode: negative RTol", ode.ErrInvalidSettings, func() error { return solve(decay, 1, ode.Settings{Controller: ode.Adaptive{RTol: -1}}, 1) }},
		{"ode: NaN ATol", ode.ErrInvalidSettings, func() error { return solve(decay, 1, ode.Settings{Controller: ode.Adaptive{ATol: math.NaN()}}, 1) }},
		{"ode: Safety above 1", ode.ErrInvalidSettings, func() error { return solve(decay, 1, ode.Settings{Controller: ode.Adaptive{Safety: 2}}, 1) }},
		{"ode: MinFactor ≥ 1", ode.ErrInvalidSettings, func() error { return solve(decay, 1, ode.Settings{Controller: ode.Adaptive{MinFactor: 1.5}}, 1) }},
		{"ode: MaxFactor < 1", ode.ErrInvalidSettings, func() error { return solve(decay, 1, ode.Settings{Controller: ode.Adaptive{MaxFactor: 0.5}}, 1) }},
		{"ode: negative MaxSteps", ode.ErrInvalidSettings, func() error { return solve(decay, 1, ode.Settings{MaxSteps: -3}, 1) }},
		{"ode: RK4 without a step", ode.ErrInvalidSettings, func() error { return solve(decay, 1, ode.Settings{Method: ode.RK4()}, 1) }},
		{"ode: grid not monotone", ode.ErrInvalidSettings, func() error {
			return solve(decay, 1, ode.Settings{Controller: ode.Grid{Times: []float64{0, 0.5, 0.2, 1}}}, 1)
		}},
		{"ode: t0 = t1", ode.ErrInvalidInput, func() error { return solve(decay, 0, ode.Settings{}, 1) }},
		{"ode: empty state", ode.ErrInvalidInput, func() error { return solve(decay, 1, ode.Settings{}) }},
		{"ode: NaN initial state", ode.ErrNonFinite, func() error { return solve(decay, 1, ode.Settings{}, math.NaN()) }},
		{"ode: NaN derivative", ode.ErrNonFinite, func() error { return solve(nan, 1, ode.Settings{}, 1) }},
		{"ode: blow-up underflows the step", ode.ErrStepSizeTooSmall, func() error { return solve(blowUp, 2, ode.Settings{}, 1) }},
		{"ode: stiff problem exceeds the budget", ode.ErrMaxSteps, func() error { return solve(stiff, 1, ode.Settings{MaxSteps: 100}, 1) }},
		// graph
		{"graph: unknown engine", graph.ErrUnknownEngine, func() error { return graph.SetDefaultEngine(graph.Engine(9)) }},
		{"graph: no outputs", graph.ErrBuild, func() error {
			_, err := graph.Compile(func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) { return nil, nil, nil })
			return err
		}},
		{"graph: unsupported op", graph.ErrUnsupportedOp, func() error {
			_, err := graph.CompileWith(func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
				x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 2), G.WithName("x"))
				y, err := G.Cos(x)
				return []*G.Node{x}, []*G.Node{y}, err
			}, graph.Executor)
			return err
		}},
		// odefunc
		{"odefunc: zero dimension", odefunc.ErrInvalidConfig, func() error { _, err := odefunc.NewMLP(odefunc.MLPConfig{}, rand.NewPCG(1, 1)); return err }},
		{"odefunc: zero width", odefunc.ErrInvalidConfig, func() error {
			_, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{0}}, rand.NewPCG(1, 1))
			return err
		}},
		{"odefunc: unknown activation", odefunc.ErrInvalidConfig, func() error { _, err := odefunc.ParseActivation("relu"); return err }},
		{"odefunc: unknown trace", odefunc.ErrInvalidConfig, func() error { _, err := odefunc.ParseTrace("magic"); return err }},
		{"odefunc: ragged batch", odefunc.ErrDimension, func() error { return dyn.F(make([]float64, 3), 0, make([]float64, 3)) }},
		{"odefunc: short trace buffer", odefunc.ErrDimension, func() error {
			return dyn.FTrace(make([]float64, 4), make([]float64, 1), 0, make([]float64, 4), odefunc.ExactTrace, nil)
		}},
		{"odefunc: zero workers", odefunc.ErrInvalidConfig, func() error { return dyn.SetWorkers(0) }},
		// ffjord
		{"ffjord: t0 = t1", ffjord.ErrInvalidOptions, func() error { _, err := ffjord.New(net, ffjord.Options{T0: 1, T1: 1}); return err }},
		{"ffjord: infinite time", ffjord.ErrInvalidOptions, func() error { _, err := ffjord.New(net, ffjord.Options{T1: math.Inf(1)}); return err }},
		{"ffjord: Hutchinson without noise", ffjord.ErrInvalidOptions, func() error {
			_, err := ffjord.New(net, ffjord.Options{Trace: odefunc.HutchinsonGaussian})
			return err
		}},
		{"ffjord: bad solver settings", ode.ErrInvalidSettings, func() error {
			_, err := ffjord.New(net, ffjord.Options{Solver: ode.Settings{Controller: ode.Adaptive{RTol: -1}}})
			return err
		}},
		{"ode: unknown gradient", ode.ErrInvalidSettings, func() error { _, err := ode.ParseGradient("magic"); return err }},
		{"ffjord: wrong columns", distributions.ErrShape, func() error { _, err := block.Forward(pts(2, 3)); return err }},
		{"ffjord: NaN point", distributions.ErrNonFinite, func() error { _, err := block.Inverse(pts(1, 2, math.NaN(), 0)); return err }},
		{"ffjord: empty batch", distributions.ErrEmpty, func() error { _, err := block.Forward(pts(0, 2)); return err }},
		{"ffjord: nil batch", distributions.ErrShape, func() error { _, _, err := block.ForwardWithLogDet(nil); return err }},
		// distributions
		{"distributions: zero std", distributions.ErrInvalidParameter, func() error {
			_, err := distributions.NewNormal([]float64{0}, []float64{0}, nil)
			return err
		}},
		{"distributions: mean/std lengths", distributions.ErrInvalidParameter, func() error {
			_, err := distributions.NewNormal([]float64{0, 0}, []float64{1}, nil)
			return err
		}},
		{"distributions: Inf point", distributions.ErrNonFinite, func() error { _, err := normal.LogProb(pts(1, 2, math.Inf(1), 0)); return err }},
		{"distributions: zero samples", distributions.ErrEmpty, func() error { _, err := normal.Sample(0); return err }},
		{"distributions: nil bijector in chain", distributions.ErrInvalidParameter, func() error { _, err := distributions.NewChain(nil); return err }},
		// train
		{"train: zero dimension", train.ErrInvalidConfig, func() error {
			_, err := train.NewFlow(train.FlowConfig{}, train.Settings{}, rand.NewPCG(1, 1))
			return err
		}},
		{"train: negative blocks", train.ErrInvalidConfig, func() error {
			_, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: -1}, train.Settings{}, rand.NewPCG(1, 1))
			return err
		}},
		{"train: nil random source", train.ErrInvalidConfig, func() error { _, err := train.NewFlow(train.FlowConfig{Dim: 2}, train.Settings{}, nil); return err }},
		{"train: NaN learning rate", train.ErrInvalidConfig, func() error {
			_, err := train.NewTrainer(flow, train.Options{LearningRate: math.NaN()})
			return err
		}},
		{"train: negative batch size", train.ErrInvalidConfig, func() error { _, err := train.NewTrainer(flow, train.Options{BatchSize: -1}); return err }},
		{"train: data of the wrong dimension", distributions.ErrShape, func() error {
			tr, err := train.NewTrainer(flow, train.Options{Epochs: 1})
			require.NoError(t, err)
			return tr.Run(context.Background(), pts(4, 3))
		}},
		{"train: NaN in the data", distributions.ErrNonFinite, func() error {
			tr, err := train.NewTrainer(flow, train.Options{Epochs: 1})
			require.NoError(t, err)
			return tr.Run(context.Background(), pts(2, 2, 1, math.NaN()))
		}},
		{"train: exploding dynamics", ode.ErrMaxSteps, func() error {
			tr, err := train.NewTrainer(exploding, train.Options{Epochs: 1, BatchSize: 32})
			require.NoError(t, err)
			return tr.Run(context.Background(), moons)
		}},
		{"train: missing checkpoint", os.ErrNotExist, func() error { _, err := train.Load(filepath.Join(dir, "none.json")); return err }},
		{"train: truncated checkpoint", train.ErrCheckpoint, func() error { _, err := train.Load(write("trunc.json", string(raw[:len(raw)/3]))); return err }},
		{"train: future checkpoint version", train.ErrCheckpoint, func() error {
			_, err := train.Load(write("v9.json", strings.Replace(string(raw), `"version": 2`, `"version": 9`, 1)))
			return err
		}},
		{"train: resume without training state", train.ErrCheckpoint, func() error { _, err := train.Resume(&train.Checkpoint{Flow: flow}, train.Options{}); return err }},
		// datasets
		{"datasets: negative noise", datasets.ErrInvalidArgument, func() error { _, err := datasets.Moons(10, -1, true, rand.NewPCG(1, 1)); return err }},
		{"datasets: zero points", datasets.ErrInvalidArgument, func() error { _, err := datasets.Rings(0, rand.NewPCG(1, 1)); return err }},
		{"datasets: unknown set", datasets.ErrUnknownDataset, func() error { _, err := datasets.ByName("unicorns", 10, rand.NewPCG(1, 1)); return err }},
		{"datasets: empty CSV", datasets.ErrEmpty, func() error { _, _, err := datasets.ReadCSV(strings.NewReader("")); return err }},
		{"datasets: ragged CSV", datasets.ErrMalformed, func() error { _, _, err := datasets.ReadCSV(strings.NewReader("1,2\n3\n")); return err }},
		{"datasets: non-number", datasets.ErrMalformed, func() error { _, _, err := datasets.ReadCSV(strings.NewReader("1,2\n3,x\n")); return err }},
		{"datasets: NaN in CSV", datasets.ErrNonFinite, func() error { _, _, err := datasets.ReadCSV(strings.NewReader("1,NaN\n")); return err }},
		{"datasets: header mismatch", datasets.ErrMalformed, func() error { _, _, err := datasets.ReadCSV(strings.NewReader("a,b,c\n1,2\n")); return err }},
		// viz
		{"viz: 3-D data", viz.ErrInvalidInput, func() error {
			_, err := viz.TutorialFigure(viz.Model{Base: viz.SampleFunc(flow.SampleBase), Forward: flow, Samples: flow}, pts(10, 3), viz.TutorialOptions{})
			return err
		}},
		{"viz: unknown format", viz.ErrUnsupportedFormat, func() error {
			f, err := viz.LossCurve([]float64{1}, math.NaN())
			require.NoError(t, err)
			return f.Save(filepath.Join(dir, "x.bmp"))
		}},
	}
	for _, c := range cases {
		err := errOf(t, c.name, c.call)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want an error wrapping %q", c.name, err, c.want)
		}
	}
	t.Logf("%d bad inputs, each with its typed error", len(cases))
}
