package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/graph"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// kind is a graph odefunc builds.
type kind int

const (
	kindF kind = iota
	kindExact
	kindHutchinson
	kindVJPExact
	kindVJPHutchinson
)

var kinds = []kind{kindF, kindExact, kindHutchinson, kindVJPExact, kindVJPHutchinson}

func (k kind) String() string {
	return [...]string{"F", "Exact", "Hutchinson", "VJPExact", "VJPHutchinson"}[k]
}

func (k kind) stochastic() bool { return k == kindHutchinson || k == kindVJPHutchinson }
func (k kind) vjp() bool        { return k == kindVJPExact || k == kindVJPHutchinson }

// dynamicsBuilder builds the graph odefunc's Dynamics compiles for k: inputs
// t, z, [ε], [a, c]; outputs f, then the trace or ∂L/∂z and ∂L/∂θ.
func dynamicsBuilder(m odefunc.Model, k kind, rows int) graph.Builder {
	return func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
		D := m.Dim()
		t := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, 1), G.WithName("t"))
		z := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, D), G.WithName("z"))
		inputs := []*G.Node{t, z}
		params := odefunc.BindParams(g, m.Params())
		var eps *G.Node
		if k.stochastic() {
			eps = G.NewMatrix(g, tensor.Float64, G.WithShape(rows, D), G.WithName("eps"))
			inputs = append(inputs, eps)
		}
		var f, trace *G.Node
		var err error
		if k == kindF {
			f, _, err = m.Build(t, z, params, nil)
		} else {
			f, trace, err = odefunc.BuildTrace(m, t, z, params, eps)
		}
		if err != nil {
			return nil, nil, err
		}
		if !k.vjp() {
			outputs := []*G.Node{f}
			if trace != nil {
				outputs = append(outputs, trace)
			}
			return inputs, outputs, nil
		}
		a := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, D), G.WithName("a"))
		c := G.NewVector(g, tensor.Float64, G.WithShape(rows), G.WithName("c"))
		inputs = append(inputs, a, c)
		loss := G.Must(G.Add(
			G.Must(G.Sum(G.Must(G.HadamardProd(a, f)))),
			G.Must(G.Sum(G.Must(G.HadamardProd(c, trace))))))
		grads, err := G.Grad(loss, append([]*G.Node{z}, params...)...)
		if err != nil {
			return nil, nil, err
		}
		return inputs, append([]*G.Node{f}, grads...), nil
	}
}

// newMLP returns an MLP with random biases, so that every path carries
// non-trivial values.
func newMLP(t testing.TB, cfg odefunc.MLPConfig, seed uint64) *odefunc.Network {
	net, err := odefunc.NewMLP(cfg, rand.NewPCG(seed, seed+1))
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(seed+2, seed+3))
	for _, p := range net.Params() {
		if p.Shape()[0] == 1 {
			fillNormal(r, p.Float64s())
		}
	}
	return net
}

func fillNormal(r *rand.Rand, x []float64) {
	for i := range x {
		x[i] = r.NormFloat64()
	}
}

// fillInputs writes random inputs: t is one value per program, as odefunc
// writes it.
func fillInputs(r *rand.Rand, p *graph.Program) {
	t := r.NormFloat64()
	for i := range p.Input(0) {
		p.Input(0)[i] = t
	}
	for i := 1; i < p.NumInputs(); i++ {
		fillNormal(r, p.Input(i))
	}
}

// assertClose compares to 1e-13 relative, or absolute for values below 1.
func assertClose(t *testing.T, want, got []float64, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	worst, at := 0.0, -1
	for i := range want {
		d := math.Abs(want[i]-got[i]) / math.Max(1, math.Max(math.Abs(want[i]), math.Abs(got[i])))
		if !(d <= worst) { // NaN counts as worst
			worst, at = d, i
		}
	}
	if at >= 0 && !(worst <= 1e-13) {
		t.Errorf("%s: element %d: want %v, got %v (relative difference %.3g)", msg, at, want[at], got[at], worst)
	}
}

var mlpConfigs = []odefunc.MLPConfig{
	{Dim: 2},
	{Dim: 2, Activation: odefunc.Softplus},
	{Dim: 3, Hidden: []int{6, 5}, SingleTime: true},
	{Dim: 3, Hidden: []int{7}, Activation: odefunc.Softplus, SingleTime: true},
}

// TestExecutorMatchesTapeMachine runs every graph odefunc builds, for every
// time conditioning, on both engines several times, with fresh inputs and
// parameters each time, so that state left over from a previous run would
// show.
func TestExecutorMatchesTapeMachine(t *testing.T) {
	for ci, cfg := range append(append([]odefunc.MLPConfig(nil), mlpConfigs...), timeModeConfigs...) {
		for _, k := range kinds {
			for _, rows := range []int{8, 16, 256} {
				name := fmt.Sprintf("cfg%d/%v/%v/%s/rows%d", ci, cfg.Time, cfg.Activation, k, rows)
				t.Run(name, func(t *testing.T) {
					net := newMLP(t, cfg, uint64(10+ci))
					build := dynamicsBuilder(net, k, rows)
					tape, err := graph.CompileWith(build, graph.TapeMachine)
					require.NoError(t, err)
					var execs []*graph.Program
					for ks := range kernelSets(t) {
						exec, err := graph.CompileWith(build, graph.Executor)
						require.NoError(t, err, "the executor must support every op these graphs use")
						require.Equal(t, graph.Executor, exec.Engine())
						require.Equal(t, ks, exec.Kernels())
						require.Equal(t, tape.NumInputs(), exec.NumInputs())
						execs = append(execs, exec)
					}
					outputs := numOutputs(k, net)
					r := rand.New(rand.NewPCG(uint64(rows), uint64(k)))
					for run := range 4 {
						for _, p := range net.Params() { // updated in place, as training does
							fillNormal(r, p.Float64s())
						}
						fillInputs(r, tape)
						require.NoError(t, tape.Run())
						for _, exec := range execs {
							for i := range tape.NumInputs() {
								copy(exec.Input(i), tape.Input(i))
							}
							require.NoError(t, exec.Run())
							for i := range outputs {
								assertClose(t, tape.Output(i), exec.Output(i), fmt.Sprintf("%v run %d output %d", exec.Kernels(), run, i))
							}
							assert.NotEqual(t, make([]float64, len(exec.Output(0))), exec.Output(0))
						}
					}
				})
			}
		}
	}
}

// TestDynamicsOnExecutor evaluates through odefunc's public API with each
// default engine, which also covers chunking and padded rows.
func TestDynamicsOnExecutor(t *testing.T) {
	old := graph.DefaultEngine()
	defer func() { require.NoError(t, graph.SetDefaultEngine(old)) }()

	for ci, cfg := range mlpConfigs {
		net := newMLP(t, cfg, uint64(30+ci))
		dyns := map[graph.Engine]*odefunc.Dynamics{}
		for _, e := range []graph.Engine{graph.TapeMachine, graph.Executor} {
			require.NoError(t, graph.SetDefaultEngine(e))
			d, err := odefunc.New(net)
			require.NoError(t, err)
			dyns[e] = d
		}
		D, n := cfg.Dim, 37
		r := rand.New(rand.NewPCG(7, uint64(ci)))
		for run := range 3 {
			for _, p := range net.Params() {
				fillNormal(r, p.Float64s())
			}
			z, a, c := make([]float64, n*D), make([]float64, n*D), make([]float64, n)
			fillNormal(r, z)
			fillNormal(r, a)
			fillNormal(r, c)
			tt := r.NormFloat64()
			for _, est := range []odefunc.Trace{odefunc.ExactTrace, odefunc.HutchinsonGaussian} {
				eps := make([]float64, n*D)
				est.DrawNoise(eps, r)
				res := map[graph.Engine][][]float64{}
				for e, d := range dyns {
					// Compile each engine's programs with that engine.
					require.NoError(t, graph.SetDefaultEngine(e))
					f, dz, tr, gz := make([]float64, n*D), make([]float64, n*D), make([]float64, n), make([]float64, n*D)
					require.NoError(t, d.Eval(f, odefunc.Terms{}, odefunc.Request{Z: z, T: tt}))
					require.NoError(t, d.Eval(dz, odefunc.Terms{Trace: tr}, odefunc.Request{Z: z, T: tt, Want: odefunc.WantTrace, Trace: est, Noise: eps}))
					gp := make([][]float64, len(net.Params()))
					for i, p := range net.Params() {
						gp[i] = make([]float64, p.Shape().TotalSize())
					}
					dz2 := make([]float64, n*D)
					require.NoError(t, d.VJP(odefunc.VJPOut{F: dz2, Z: gz, Params: gp}, odefunc.Request{Z: z, T: tt, Want: odefunc.WantTrace, Trace: est, Noise: eps}, a, odefunc.Terms{Trace: c}))
					res[e] = append([][]float64{f, dz, tr, dz2, gz}, gp...)
				}
				for i := range res[graph.TapeMachine] {
					assertClose(t, res[graph.TapeMachine][i], res[graph.Executor][i], fmt.Sprintf("cfg %d run %d %v result %d", ci, run, est, i))
				}
			}
		}
	}
}

func TestExecutorRunDoesNotAllocate(t *testing.T) {
	net := newMLP(t, odefunc.MLPConfig{Dim: 2}, 1)
	for ks := range kernelSets(t) {
		for _, k := range kinds {
			p, err := graph.CompileWith(dynamicsBuilder(net, k, 255), graph.Executor)
			require.NoError(t, err)
			fillInputs(rand.New(rand.NewPCG(1, 2)), p)
			allocs := testing.AllocsPerRun(20, func() {
				if err := p.Run(); err != nil {
					t.Fatal(err)
				}
			})
			assert.Zero(t, allocs, "%v %v", ks, k)
		}
	}
}

// kernelSets yields each kernel set this CPU and build can run, set as the
// default while the caller compiles, and restores the default at the end of
// the test.
func kernelSets(t testing.TB) func(yield func(graph.KernelSet) bool) {
	old := graph.DefaultKernels()
	t.Cleanup(func() { require.NoError(t, graph.SetDefaultKernels(old)) })
	return func(yield func(graph.KernelSet) bool) {
		for _, ks := range []graph.KernelSet{graph.PureGo, graph.Vector} {
			if !ks.Available() {
				continue
			}
			require.NoError(t, graph.SetDefaultKernels(ks))
			if !yield(ks) {
				return
			}
		}
	}
}

func TestDefaultEngine(t *testing.T) {
	old := graph.DefaultEngine()
	defer func() { require.NoError(t, graph.SetDefaultEngine(old)) }()
	assert.Equal(t, graph.Executor, old, "the initial default")

	build := func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
		x := G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("x"))
		return []*G.Node{x}, []*G.Node{G.Must(G.Tanh(x))}, nil
	}
	for _, e := range []graph.Engine{graph.Executor, graph.TapeMachine} {
		require.NoError(t, graph.SetDefaultEngine(e))
		assert.Equal(t, e, graph.DefaultEngine())
		p, err := graph.Compile(build)
		require.NoError(t, err)
		assert.Equal(t, e, p.Engine())
	}
	assert.Error(t, graph.SetDefaultEngine(graph.Engine(7)))
	_, err := graph.CompileWith(build, graph.Engine(-1))
	assert.Error(t, err)
	assert.Equal(t, "executor", graph.Executor.String())
	assert.Equal(t, "tapemachine", graph.TapeMachine.String())
}

func TestExecutorRejectsUnsupportedOps(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		op         func(x *G.Node) (*G.Node, error)
	}{
		{"cos", `"cos"`, G.Cos},
		{"max", "max", func(x *G.Node) (*G.Node, error) { return G.Max(x, 1) }},
		{"pow", `"^`, func(x *G.Node) (*G.Node, error) { return G.Pow(x, G.NewConstant(2.0)) }},
		{"sum of two of three axes", "Σ", func(x *G.Node) (*G.Node, error) {
			y, err := G.Reshape(x, tensor.Shape{2, 3, 1})
			if err != nil {
				return nil, err
			}
			return G.Sum(y, 0, 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			build := func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
				x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("x"))
				y, err := tc.op(x)
				if err != nil {
					return nil, nil, err
				}
				return []*G.Node{x}, []*G.Node{y}, nil
			}
			_, err := graph.CompileWith(build, graph.Executor)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			_, err = graph.CompileWith(build, graph.TapeMachine)
			assert.NoError(t, err, "the tape machine runs it")
		})
	}
}

// TestExecutorOps checks each supported op on a small graph against
// hand-computed values, on both engines and over two runs.
func TestExecutorOps(t *testing.T) {
	// x = [1 2 3; 4 5 6] is the input; w and the scalars are constants.
	x0 := []float64{1, 2, 3, 4, 5, 6}
	mat := func(g *G.ExprGraph, name string, r, c int, v ...float64) *G.Node {
		return G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(r, c), tensor.WithBacking(v))))
	}
	two := func() *G.Node { return G.NewConstant(2.0) }
	elem := func(f func(float64) float64) []float64 {
		out := make([]float64, len(x0))
		for i, v := range x0 {
			out[i] = f(v)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		op   func(g *G.ExprGraph, x *G.Node) (*G.Node, error)
		want []float64
	}{
		{"x+x", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Add(x, x) }, elem(func(v float64) float64 { return 2 * v })},
		{"x-w", func(g *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Sub(x, mat(g, "w", 2, 3, 6, 5, 4, 3, 2, 1)) }, []float64{-5, -3, -1, 1, 3, 5}},
		{"x⊙x", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.HadamardProd(x, x) }, elem(func(v float64) float64 { return v * v })},
		{"x÷w", func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
			return G.HadamardDiv(x, mat(g, "w", 2, 3, 2, 2, 2, 2, 2, 2))
		}, elem(func(v float64) float64 { return v / 2 })},
		{"x+2", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Add(x, two()) }, elem(func(v float64) float64 { return v + 2 })},
		{"2+x", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Add(two(), x) }, elem(func(v float64) float64 { return 2 + v })},
		{"x-2", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Sub(x, two()) }, elem(func(v float64) float64 { return v - 2 })},
		{"2-x", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Sub(two(), x) }, elem(func(v float64) float64 { return 2 - v })},
		{"x⊙2", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.HadamardProd(x, two()) }, elem(func(v float64) float64 { return v * 2 })},
		{"2⊙x", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.HadamardProd(two(), x) }, elem(func(v float64) float64 { return 2 * v })},
		{"x÷2", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.HadamardDiv(x, two()) }, elem(func(v float64) float64 { return v / 2 })},
		{"2÷x", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.HadamardDiv(two(), x) }, elem(func(v float64) float64 { return 2 / v })},
		{"tanh", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Tanh(x) }, elem(math.Tanh)},
		{"sigmoid", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Sigmoid(x) }, elem(func(v float64) float64 { return 1 / (1 + math.Exp(-v)) })},
		{"softplus", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Softplus(x) }, elem(func(v float64) float64 { return math.Log(1 + math.Exp(v)) })},
		{"square", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Square(x) }, elem(func(v float64) float64 { return v * v })},
		{"neg", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Neg(x) }, elem(func(v float64) float64 { return -v })},
		{"exp", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Exp(x) }, elem(math.Exp)},
		{"log", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Log(x) }, elem(math.Log)},
		{"sqrt", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Sqrt(x) }, elem(math.Sqrt)},
		{"inverse", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Inverse(x) }, elem(func(v float64) float64 { return 1 / v })},
		{"cube", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Cube(x) }, elem(func(v float64) float64 { return v * v * v })},
		{"log1p", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Log1p(x) }, elem(math.Log1p)},
		{"expm1", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Expm1(x) }, elem(math.Expm1)},
		{"x × w", func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
			return G.Mul(x, mat(g, "w", 3, 2, 7, 8, 9, 10, 11, 12))
		}, []float64{58, 64, 139, 154}},
		{"x × v", func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
			v := G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("v"),
				G.WithValue(tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 0, -1}))))
			return G.Mul(x, v)
		}, []float64{-2, -2}},
		{"concat", func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
			return G.Concat(1, mat(g, "c", 2, 1, -1, -2), x)
		}, []float64{-1, 1, 2, 3, -2, 4, 5, 6}},
		{"concat axis 0", func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
			return G.Concat(0, x, mat(g, "c", 1, 3, 7, 8, 9))
		}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"reshape", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Reshape(x, tensor.Shape{3, 2}) }, x0},
		{"broadcast add", func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
			return G.BroadcastAdd(x, mat(g, "b", 1, 3, 10, 20, 30), nil, []byte{0})
		}, []float64{11, 22, 33, 14, 25, 36}},
		{"broadcast add column", func(g *G.ExprGraph, x *G.Node) (*G.Node, error) {
			return G.BroadcastAdd(mat(g, "b", 2, 1, 10, 20), x, []byte{1}, nil)
		}, []float64{11, 12, 13, 24, 25, 26}},
		{"column", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Slice(x, nil, G.S(1)) }, []float64{2, 5}},
		{"columns", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Slice(x, nil, G.S(1, 3)) }, []float64{2, 3, 5, 6}},
		{"row", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Slice(x, G.S(1)) }, []float64{4, 5, 6}},
		{"Σ", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Sum(x) }, []float64{21}},
		{"Σ[0]", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Sum(x, 0) }, []float64{5, 7, 9}},
		{"Σ[1]", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) { return G.Sum(x, 1) }, []float64{6, 15}},
		{"∂Σ x[:,1:3]²/∂x", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) {
			s, err := G.Slice(x, nil, G.S(1, 3))
			if err != nil {
				return nil, err
			}
			l, err := G.Sum(G.Must(G.Square(s)))
			if err != nil {
				return nil, err
			}
			g, err := G.Grad(l, x)
			if err != nil {
				return nil, err
			}
			return g[0], nil
		}, []float64{0, 4, 6, 0, 10, 12}},
		{"∂Σ tanh(x)/∂x", func(_ *G.ExprGraph, x *G.Node) (*G.Node, error) {
			g, err := G.Grad(G.Must(G.Sum(G.Must(G.Tanh(x)))), x)
			if err != nil {
				return nil, err
			}
			return g[0], nil
		}, elem(func(v float64) float64 { return 1 - math.Tanh(v)*math.Tanh(v) })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			build := func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
				x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("x"))
				y, err := tc.op(g, x)
				if err != nil {
					return nil, nil, err
				}
				return []*G.Node{x}, []*G.Node{y}, nil
			}
			for _, e := range []graph.Engine{graph.Executor, graph.TapeMachine} {
				p, err := graph.CompileWith(build, e)
				require.NoError(t, err, "%v", e)
				for run := range 2 {
					copy(p.Input(0), x0)
					require.NoError(t, p.Run(), "%v", e)
					assert.InDeltaSlice(t, tc.want, p.Output(0), 1e-14, "%v run %d", e, run)
				}
			}
		})
	}
}

// benchmarkProgram times one Run of the tutorial MLP's program of kind k
// (D = 2, hidden 8, 8, 256 rows) on engine e with the kernel set ks.
func benchmarkProgram(b *testing.B, k kind, e graph.Engine, ks graph.KernelSet) {
	if !ks.Available() {
		b.Skip(ks, "kernels not available")
	}
	old := graph.DefaultKernels()
	defer func() { require.NoError(b, graph.SetDefaultKernels(old)) }()
	require.NoError(b, graph.SetDefaultKernels(ks))
	net := newMLP(b, odefunc.MLPConfig{Dim: 2}, 1)
	p, err := graph.CompileWith(dynamicsBuilder(net, k, 256), e)
	require.NoError(b, err)
	fillInputs(rand.New(rand.NewPCG(1, 2)), p)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFExactTrace(b *testing.B) {
	b.Run("Executor", func(b *testing.B) { benchmarkProgram(b, kindExact, graph.Executor, graph.Vector) })
	b.Run("ExecutorPureGo", func(b *testing.B) { benchmarkProgram(b, kindExact, graph.Executor, graph.PureGo) })
	b.Run("TapeMachine", func(b *testing.B) { benchmarkProgram(b, kindExact, graph.TapeMachine, graph.PureGo) })
}

func BenchmarkVJPExact(b *testing.B) {
	b.Run("Executor", func(b *testing.B) { benchmarkProgram(b, kindVJPExact, graph.Executor, graph.Vector) })
	b.Run("ExecutorPureGo", func(b *testing.B) { benchmarkProgram(b, kindVJPExact, graph.Executor, graph.PureGo) })
	b.Run("TapeMachine", func(b *testing.B) { benchmarkProgram(b, kindVJPExact, graph.TapeMachine, graph.PureGo) })
}

func BenchmarkVJPHutchinson(b *testing.B) {
	b.Run("Executor", func(b *testing.B) { benchmarkProgram(b, kindVJPHutchinson, graph.Executor, graph.Vector) })
	b.Run("ExecutorPureGo", func(b *testing.B) { benchmarkProgram(b, kindVJPHutchinson, graph.Executor, graph.PureGo) })
	b.Run("TapeMachine", func(b *testing.B) { benchmarkProgram(b, kindVJPHutchinson, graph.TapeMachine, graph.PureGo) })
}

// TestFusionKeepsBits runs every graph odefunc builds fused and unfused on
// each kernel set: the fusion passes only rewrite kernels into ones doing
// the same IEEE operations, so every output has the same bits.
func TestFusionKeepsBits(t *testing.T) {
	for ci, cfg := range append(append([]odefunc.MLPConfig(nil), mlpConfigs...), timeModeConfigs...) {
		for _, k := range kinds {
			net := newMLP(t, cfg, uint64(40+ci))
			build := dynamicsBuilder(net, k, 13)
			for ks := range kernelSets(t) {
				fused, err := graph.CompileWith(build, graph.Executor)
				require.NoError(t, err)
				plain, err := graph.CompileUnfused(build)
				require.NoError(t, err)
				fillInputs(rand.New(rand.NewPCG(uint64(ci), uint64(k))), fused)
				for i := range fused.NumInputs() {
					copy(plain.Input(i), fused.Input(i))
				}
				require.NoError(t, fused.Run())
				require.NoError(t, plain.Run())
				for i := range numOutputs(k, net) {
					require.Equal(t, bitsOf(plain.Output(i)), bitsOf(fused.Output(i)), "cfg %d %v %v output %d", ci, k, ks, i)
				}
			}
		}
	}
}

// numOutputs is the number of outputs of dynamicsBuilder's program of kind
// k: f, then the trace, or ∂L/∂z and one gradient per parameter.
func numOutputs(k kind, net *odefunc.Network) int {
	switch {
	case k.vjp():
		return 2 + len(net.Params())
	case k != kindF:
		return 2
	}
	return 1
}

func bitsOf(x []float64) []uint64 {
	b := make([]uint64, len(x))
	for i, v := range x {
		b[i] = math.Float64bits(v)
	}
	return b
}
