package gnode

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/odefunc"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestConditionalNode: in a user's graph whose ordinary Gorgonia layer maps
// raw features u to the context c = tanh(u·V) of a conditional flow, the
// node gives the library's log p(x | c) and gorgonia.Grad reaches V, x and
// the flow's parameters with the gradients of central differences.
func TestConditionalNode(t *testing.T) {
	for _, grad := range []ode.Gradient{ode.Discrete{}, ode.BacksolveAdjoint{}} {
		t.Run(grad.String(), func(t *testing.T) {
			s := exactSteps
			tol := 1e-7
			if _, ok := grad.(ode.BacksolveAdjoint); ok {
				s, tol = ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}}, 1e-6
			}
			net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{6}, Context: 2, ContextInput: odefunc.ContextSquashInput}, rand.NewPCG(1, 2))
			if err != nil {
				t.Fatal(err)
			}
			block, err := ffjord.New(net, ffjord.Options{Solver: s, Gradient: grad})
			if err != nil {
				t.Fatal(err)
			}
			base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, nil)
			d, err := distributions.NewTransformed(base, block)
			if err != nil {
				t.Fatal(err)
			}
			const n = 6
			g, x, c, logp, cost, wrt := conditionalGraph(t, d, n)
			grads, err := G.Grad(cost, wrt...)
			if err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.TraceExec())
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			vm.Close()
			got := append([]float64(nil), logp.Value().Data().([]float64)...)
			ctx := append([]float64(nil), c.Value().Data().([]float64)...)
			want, err := d.LogProbContext(x.Value().(*tensor.Dense), tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(ctx)))
			if err != nil {
				t.Fatal(err)
			}
			if dd := maxDiff(got, want); dd > 1e-10 {
				t.Errorf("node log p differs from the library's by %.3g", dd)
			}
			gv := make([][]float64, len(grads))
			for i, gn := range grads {
				gv[i] = append([]float64(nil), gn.Value().Data().([]float64)...)
			}
			costOf := func() float64 {
				m := G.NewTapeMachine(g.ExactSubgraphRoots(cost))
				defer m.Close()
				if err := m.RunAll(); err != nil {
					t.Fatal(err)
				}
				return cost.Value().Data().(float64)
			}
			worst := 0.0
			for k, node := range wrt {
				v := node.Value().Data().([]float64)
				for j := range v {
					fd := fdtest.Central(v, j, 1e-5, costOf)
					worst = math.Max(worst, math.Abs(fd-gv[k][j])/math.Max(1, math.Abs(fd)))
				}
			}
			t.Logf("%v: largest relative difference from finite differences %.3g", grad, worst)
			if worst > tol {
				t.Errorf("worst %.3g over %.0e", worst, tol)
			}
		})
	}
}

// conditionalGraph builds a user's graph: raw features u (n×3), an
// ordinary layer c = tanh(u·V) giving the context, and the node's
// −mean log p(x | c); wrt is V, x and the flow's parameters.
func conditionalGraph(t *testing.T, d distributions.Trainable, n int) (g *G.ExprGraph, x, c, logp, cost *G.Node, wrt []*G.Node) {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	g = G.NewGraph()
	u := G.NewMatrix(g, tensor.Float64, G.WithShape(n, 3), G.WithName("u"),
		G.WithValue(tensor.New(tensor.WithShape(n, 3), tensor.WithBacking(randomRows(r, n, 3, 1)))))
	V := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("V"),
		G.WithValue(tensor.New(tensor.WithShape(3, 2), tensor.WithBacking(randomRows(r, 3, 2, 0.8)))))
	x = G.NewMatrix(g, tensor.Float64, G.WithShape(n, 2), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(randomRows(r, n, 2, 1)))))
	c = G.Must(G.Tanh(G.Must(G.Mul(u, V))))
	logp, params, err := LogProb(g, d, x, Options{Context: c})
	if err != nil {
		t.Fatal(err)
	}
	cost = G.Must(G.Neg(G.Must(G.Mean(logp))))
	return g, x, c, logp, cost, append([]*G.Node{V, x}, params...)
}

// TestConditionalLispMachine: the LispMachine's automatic differentiation
// of a conditional node gives the TapeMachine's gradients, the context's
// upstream layer included.
func TestConditionalLispMachine(t *testing.T) {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{6}, Context: 2}, rand.NewPCG(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	block, err := ffjord.New(net, ffjord.Options{Solver: exactSteps, Gradient: ode.Discrete{}})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, nil)
	d, err := distributions.NewTransformed(base, block)
	if err != nil {
		t.Fatal(err)
	}
	g, _, _, _, cost, wrt := conditionalGraph(t, d, 5)
	grads, err := G.Grad(cost, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	tape := G.NewTapeMachine(g)
	if err := tape.RunAll(); err != nil {
		t.Fatal(err)
	}
	tape.Close()
	want := make([][]float64, len(grads))
	for i, gn := range grads {
		want[i] = append([]float64(nil), gn.Value().Data().([]float64)...)
	}
	lg, _, _, _, _, lwrt := conditionalGraph(t, d, 5)
	vm := G.NewLispMachine(lg)
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	vm.Close()
	for k, node := range lwrt {
		gv, err := node.Grad()
		if err != nil {
			t.Fatal(err)
		}
		if diff := maxDiff(gv.Data().([]float64), want[k]); diff > 1e-12 {
			t.Errorf("LispMachine: %s differs by %g", node.Name(), diff)
		}
	}
}

// TestForwardNode: the forward-map node of a graph gives the block's
// recorded forward pass bit for bit, of the evaluation preset with
// Options.Evaluation and of the training preset by default, and the
// library's ForwardContext within the solver's tolerance (its step control
// sees no log-det).
func TestForwardNode(t *testing.T) {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{5}, Context: 2}, rand.NewPCG(5, 6))
	if err != nil {
		t.Fatal(err)
	}
	block, err := ffjord.New(net, ffjord.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, nil)
	d, err := distributions.NewTransformed(base, block)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	zv, cv := randomRows(r, 4, 2, 1), randomRows(r, 4, 2, 1)
	g := G.NewGraph()
	z := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 2), G.WithName("z"), G.WithValue(tensor.New(tensor.WithShape(4, 2), tensor.WithBacking(zv))))
	c := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 2), G.WithName("c"), G.WithValue(tensor.New(tensor.WithShape(4, 2), tensor.WithBacking(cv))))
	x, _, err := Forward(g, d, z, Options{Context: c, Evaluation: true})
	if err != nil {
		t.Fatal(err)
	}
	xt, _, err := Forward(g, d, z, Options{Context: c})
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	wantX, err := block.ForwardContext(tensor.New(tensor.WithShape(4, 2), tensor.WithBacking(append([]float64(nil), zv...))), tensor.New(tensor.WithShape(4, 2), tensor.WithBacking(append([]float64(nil), cv...))))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		node     *G.Node
		training bool
	}{{x, false}, {xt, true}} {
		p, err := block.RecordForward(append([]float64(nil), zv...), 4, distributions.Request{Training: tc.training, Context: append([]float64(nil), cv...)})
		if err != nil {
			t.Fatal(err)
		}
		got := tc.node.Value().Data().([]float64)
		if maxDiff(got, p.X) != 0 {
			t.Errorf("training %v: forward node %v, recorded pass %v", tc.training, got, p.X)
		}
		if dd := maxDiff(got, wantX.Float64s()); dd > 1e-3 {
			t.Errorf("training %v: forward node differs from ForwardContext by %.3g", tc.training, dd)
		}
	}
	if _, _, err := Forward(g, d, z, Options{}); err == nil {
		t.Error("a conditional flow's forward node without a context should be an error")
	}
}
