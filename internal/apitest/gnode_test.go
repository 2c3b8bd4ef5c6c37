package apitest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/distributions/gnode"
	"github.com/ffjord-go/ffjord-go/graph"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestHostileGnode(t *testing.T) {
	cflow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}, Context: 2}, train.Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	uflow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 4))
	require.NoError(t, err)
	cd, ud := distOf(t, cflow), distOf(t, uflow)
	mat := func(g *G.ExprGraph, dt tensor.Dtype, r, c int, name string) *G.Node {
		return G.NewMatrix(g, dt, G.WithShape(r, c), G.WithName(name))
	}
	type fix struct {
		g, other *G.ExprGraph
		x, c     *G.Node
	}
	mk := func() fix {
		g, o := G.NewGraph(), G.NewGraph()
		return fix{g, o, mat(g, tensor.Float64, 3, 2, "x"), mat(g, tensor.Float64, 3, 2, "c")}
	}
	lp := func(d distributions.Trainable, pick func(f fix) (*G.ExprGraph, *G.Node, gnode.Options)) func() error {
		return func() error {
			g, x, o := pick(mk())
			_, _, err := gnode.LogProb(g, d, x, o)
			return err
		}
	}
	fw := func(d *distributions.TransformedDistribution, pick func(f fix) (*G.ExprGraph, *G.Node, gnode.Options)) func() error {
		return func() error {
			g, z, o := pick(mk())
			_, _, err := gnode.Forward(g, d, z, o)
			return err
		}
	}
	type pickFn = func(f fix) (*G.ExprGraph, *G.Node, gnode.Options)
	bad := []struct {
		name string
		pick pickFn
		cond bool // on the conditional flow, else the unconditional one
	}{
		{"nil graph", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return nil, f.x, gnode.Options{Context: f.c}
		}, true},
		{"nil x", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) { return f.g, nil, gnode.Options{Context: f.c} }, true},
		{"x of another graph", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, mat(f.other, tensor.Float64, 3, 2, "xo"), gnode.Options{Context: f.c}
		}, true},
		{"x of wrong width", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, mat(f.g, tensor.Float64, 3, 3, "x3"), gnode.Options{}
		}, false},
		{"x a vector", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, G.NewVector(f.g, tensor.Float64, G.WithShape(2), G.WithName("v")), gnode.Options{}
		}, false},
		{"x a scalar", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, G.NewScalar(f.g, tensor.Float64, G.WithName("s")), gnode.Options{}
		}, false},
		{"x float32", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, mat(f.g, tensor.Float32, 3, 2, "x32"), gnode.Options{}
		}, false},
		{"x 3-D", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, G.NewTensor(f.g, tensor.Float64, 3, G.WithShape(3, 2, 1), G.WithName("t3")), gnode.Options{}
		}, false},
		{"conditional without context", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) { return f.g, f.x, gnode.Options{} }, true},
		{"context on unconditional", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: f.c}
		}, false},
		{"context of another graph", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: mat(f.other, tensor.Float64, 3, 2, "co")}
		}, true},
		{"context of wrong width", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: mat(f.g, tensor.Float64, 3, 5, "c5")}
		}, true},
		{"context rows mismatch", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: mat(f.g, tensor.Float64, 4, 2, "c4")}
		}, true},
		{"context float32", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: mat(f.g, tensor.Float32, 3, 2, "c32")}
		}, true},
		{"context a vector", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: G.NewVector(f.g, tensor.Float64, G.WithShape(2), G.WithName("cv"))}
		}, true},
		{"context is x itself, wrong width", func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{Context: mat(f.g, tensor.Float64, 3, 1, "c1")}
		}, true},
	}
	var cases []hostileCase
	for _, b := range bad {
		var d *distributions.TransformedDistribution = ud
		if b.cond {
			d = cd
		}
		cases = append(cases,
			hostileCase{"LogProb " + b.name, false, lp(d, b.pick)},
			hostileCase{"Forward " + b.name, false, fw(d, b.pick)})
	}
	params := func(edit func(f fix, p []*G.Node) []*G.Node) pickFn {
		return func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			var p []*G.Node
			for i, v := range ud.Params() {
				p = append(p, G.NodeFromAny(f.g, v, G.WithName(fmt.Sprintf("p%d", i))))
			}
			return f.g, f.x, gnode.Options{Params: edit(f, p)}
		}
	}
	cases = append(cases,
		hostileCase{"LogProb nil distribution", false, lp(nil, func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) { return f.g, f.x, gnode.Options{} })},
		hostileCase{"LogProb nil typed distribution", false, lp((*distributions.TransformedDistribution)(nil), func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) {
			return f.g, f.x, gnode.Options{}
		})},
		hostileCase{"Forward nil distribution", false, fw(nil, func(f fix) (*G.ExprGraph, *G.Node, gnode.Options) { return f.g, f.x, gnode.Options{} })},
		hostileCase{"Forward Params too few", false, fw(ud, params(func(_ fix, p []*G.Node) []*G.Node { return p[:1] }))},
		hostileCase{"Forward Params wrong shape", false, fw(ud, params(func(f fix, p []*G.Node) []*G.Node {
			p[len(p)-1] = mat(f.g, tensor.Float64, 7, 7, "p77")
			return p
		}))},
		hostileCase{"LogProb Params too few", false, lp(ud, params(func(_ fix, p []*G.Node) []*G.Node { return p[:1] }))},
		hostileCase{"LogProb Params nil entry", false, lp(ud, params(func(_ fix, p []*G.Node) []*G.Node { p[0] = nil; return p }))},
		hostileCase{"LogProb Params of another graph", false, lp(ud, params(func(f fix, p []*G.Node) []*G.Node {
			p[0] = G.NodeFromAny(f.other, ud.Params()[0], G.WithName("po"))
			return p
		}))},
		hostileCase{"LogProb Params wrong shape", false, lp(ud, params(func(f fix, p []*G.Node) []*G.Node {
			p[len(p)-1] = mat(f.g, tensor.Float64, 7, 7, "p77")
			return p
		}))},
		hostileCase{"LogProb Params float32", false, lp(ud, params(func(f fix, p []*G.Node) []*G.Node {
			s := p[0].Shape()
			p[0] = G.NewTensor(f.g, tensor.Float32, s.Dims(), G.WithShape(s...), G.WithName("p32"))
			return p
		}))},
	)
	runHostile(t, cases)
}

// TestHostileGnodeNaNParams gives a node parameter values with a NaN (and
// an Inf): the run fails naming the parameter node and the index, and the
// flow's own parameters are left as they were, so it still evaluates and
// saves.
func TestHostileGnodeNaNParams(t *testing.T) {
	defer countCases(t, "gnode_test.go", 1)
	for _, bad := range []float64{math.NaN(), math.Inf(-1)} {
		f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 4))
		require.NoError(t, err)
		before := make([][]float64, 0)
		for _, p := range f.Params() {
			before = append(before, append([]float64(nil), p.Float64s()...))
		}
		g := G.NewGraph()
		x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("x"), G.WithValue(pts(3, 2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)))
		var ps []*G.Node
		for i, p := range distOf(t, f).Params() {
			v := p.Clone().(*tensor.Dense)
			if i == 2 {
				v.Float64s()[1] = bad
			}
			ps = append(ps, G.NewTensor(g, tensor.Float64, p.Dims(), G.WithShape(p.Shape().Clone()...), G.WithName(fmt.Sprintf("theta%d", i)), G.WithValue(v)))
		}
		logp, _, err := gnode.LogProb(g, distOf(t, f), x, gnode.Options{Params: ps})
		require.NoError(t, err)
		vm := G.NewTapeMachine(g.ExactSubgraphRoots(logp))
		err = vm.RunAll()
		vm.Close()
		if e, ok := err.(interface{ Err() error }); ok { // the TapeMachine's wrapper
			err = e.Err()
		}
		require.ErrorIs(t, err, gnode.ErrInput)
		for _, part := range []string{`"theta2"`, "index 1", fmt.Sprint(bad)} {
			require.Contains(t, err.Error(), part)
		}
		for i, p := range f.Params() {
			require.Equal(t, before[i], p.Float64s(), "parameter %d changed", i)
		}
		_, err = f.LogProb(pts(3, 2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6))
		require.NoError(t, err)
		require.NoError(t, checkpoint.Save(filepath.Join(t.TempDir(), "f.json"), f, nil, checkpoint.Codec{}))
	}
}

// TestHostileGnodeMachineError runs a machine whose flow node fails (a
// NaN row): graph.MachineError leaves one line, without the machine's
// register dump, naming the node and keeping the op's error for errors.Is.
func TestHostileGnodeMachineError(t *testing.T) {
	defer countCases(t, "gnode_test.go", 1)
	f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 4))
	require.NoError(t, err)
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("x"), G.WithValue(pts(3, 2, 0.1, math.NaN(), 0.3, 0.4, 0.5, 0.6)))
	logp, _, err := gnode.LogProb(g, distOf(t, f), x, gnode.Options{Name: "density"})
	require.NoError(t, err)
	vm := G.NewTapeMachine(g.ExactSubgraphRoots(logp))
	defer vm.Close()
	raw := vm.RunAll()
	require.Error(t, raw)
	require.Contains(t, raw.Error(), "CPU0", "Gorgonia's message no longer holds the dump this test strips")
	err = graph.MachineError(raw)
	msg := err.Error()
	for _, dump := range []string{"PC ", "CPU0", "Failed to execute", "\n", "\t"} {
		require.NotContains(t, msg, dump)
	}
	t.Log(msg)
	require.Contains(t, msg, "density.logp")
	require.ErrorIs(t, err, distributions.ErrNonFinite)
	require.NoError(t, graph.MachineError(nil))
	plain := fmt.Errorf("plain")
	require.Equal(t, plain, graph.MachineError(plain))
}

// TestHostileGnodeZeroFlow builds a node of a nil or zero distribution:
// the error says so, rather than asking for an N×0 input.
func TestHostileGnodeZeroFlow(t *testing.T) {
	defer countCases(t, "gnode_test.go", 1)
	for name, d := range map[string]distributions.Trainable{
		"nil Flow":                     (*train.Flow)(nil),
		"zero Flow":                    &train.Flow{},
		"nil TransformedDistribution":  (*distributions.TransformedDistribution)(nil),
		"zero TransformedDistribution": &distributions.TransformedDistribution{},
	} {
		g := G.NewGraph()
		x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("x"))
		_, _, err := gnode.LogProb(g, d, x, gnode.Options{})
		require.ErrorIs(t, err, gnode.ErrInput, name)
		require.Contains(t, err.Error(), "nil or a zero value", name)
		require.NotContains(t, err.Error(), "N×0", name)
	}
}

// TestHostileGnodeForwardGradient differentiates the Forward node in
// hostile ways: a bijector with a part that has no recorded forward pass
// fails to build, naming the part; a NaN parameter value fails the
// gradient's run naming the node and leaves the flow's parameters as they
// were; and the gradient nodes themselves refuse to be differentiated (no
// second derivatives of a flow).
func TestHostileGnodeForwardGradient(t *testing.T) {
	defer countCases(t, "gnode_test.go", 3)
	f, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: []int{4}}, train.Settings{}, rand.NewPCG(1, 4))
	require.NoError(t, err)
	d := distOf(t, f)

	// A Chain with a Sigmoid part.
	sig, err := distributions.NewSigmoid(2, -1, 1, 0.1)
	require.NoError(t, err)
	chain, err := distributions.NewChain(d.Bijector, sig)
	require.NoError(t, err)
	sd, err := distributions.NewTransformed(d.Base, chain)
	require.NoError(t, err)
	g := G.NewGraph()
	z := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("z"), G.WithValue(pts(3, 2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)))
	_, _, err = gnode.Forward(g, sd, z, gnode.Options{})
	require.ErrorIs(t, err, gnode.ErrInput)
	require.Contains(t, err.Error(), "Chain part 1")
	require.Contains(t, err.Error(), "Sigmoid")

	// A NaN parameter value in a run of the gradient.
	before := make([][]float64, 0)
	for _, p := range f.Params() {
		before = append(before, append([]float64(nil), p.Float64s()...))
	}
	g = G.NewGraph()
	z = G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("z"), G.WithValue(pts(3, 2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)))
	var ps []*G.Node
	for i, p := range d.Params() {
		v := p.Clone().(*tensor.Dense)
		if i == 2 {
			v.Float64s()[0] = math.NaN()
		}
		ps = append(ps, G.NewTensor(g, tensor.Float64, p.Dims(), G.WithShape(p.Shape().Clone()...), G.WithName(fmt.Sprintf("theta%d", i)), G.WithValue(v)))
	}
	x, _, err := gnode.Forward(g, d, z, gnode.Options{Params: ps})
	require.NoError(t, err)
	loss := G.Must(G.Sum(x))
	grads, err := G.Grad(loss, append([]*G.Node{z}, ps...)...)
	require.NoError(t, err)
	vm := G.NewTapeMachine(g)
	err = graph.MachineError(vm.RunAll())
	vm.Close()
	require.ErrorIs(t, err, gnode.ErrInput)
	require.Contains(t, err.Error(), `"theta2"`)
	for i, p := range f.Params() {
		require.Equal(t, before[i], p.Float64s(), "parameter %d changed", i)
	}

	// Second derivatives: Gorgonia finds no path (the gradient nodes
	// differentiate with respect to nothing) and says so.
	gz := G.Must(G.Sum(grads[0]))
	_, err = G.Grad(gz, z)
	require.Error(t, err)
}
