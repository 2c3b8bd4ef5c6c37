package gnode

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/fdtest"
	"github.com/ffjord-go/ffjord-go/odefunc"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// conditionalFlow returns a conditional flow of one FFJORD block reading a
// context of 2 features.
func conditionalFlow(t *testing.T, s ode.Settings, grad ode.Gradient) *distributions.TransformedDistribution {
	t.Helper()
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
	return d
}

// TestForwardFiniteDifferences: the gradients of L = Σ w⊙T(z | c) through
// gorgonia.Grad on a TapeMachine, with respect to z, the context and every
// parameter, agree with central differences of L — for an unconditional
// flow (a learnable base, whose gradient is zero, an Affine and an FFJORD
// block) and a conditional one, by the discrete gradient and the adjoint.
func TestForwardFiniteDifferences(t *testing.T) {
	adaptive := ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}}
	for _, tc := range []struct {
		name string
		cond bool
		s    ode.Settings
		grad ode.Gradient
		tol  float64
	}{
		{"unconditional/discrete", false, exactSteps, ode.Discrete{}, 1e-7},
		{"unconditional/adjoint", false, adaptive, ode.BacksolveAdjoint{}, 1e-6},
		{"conditional/discrete", true, exactSteps, ode.Discrete{}, 1e-7},
		{"conditional/adjoint", true, adaptive, ode.BacksolveAdjoint{}, 1e-6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 5
			var d *distributions.TransformedDistribution
			if tc.cond {
				d = conditionalFlow(t, tc.s, tc.grad)
			} else {
				d = testFlow(t, tc.s, tc.grad)
			}
			g, loss, wrt := forwardGraph(t, d, n, tc.cond)
			grads, err := G.Grad(loss, wrt...)
			if err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g)
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			vm.Close()
			gv := make([][]float64, len(grads))
			for i, gn := range grads {
				gv[i] = append([]float64(nil), gn.Value().Data().([]float64)...)
			}
			lossOf := func() float64 {
				m := G.NewTapeMachine(g.ExactSubgraphRoots(loss))
				defer m.Close()
				if err := m.RunAll(); err != nil {
					t.Fatal(err)
				}
				return loss.Value().Data().(float64)
			}
			worst, checked := 0.0, 0
			for k, node := range wrt {
				v := node.Value().Data().([]float64) // the flow's own tensors for its parameters
				for j := range v {
					fd := fdtest.Central(v, j, 1e-5, lossOf)
					e := math.Abs(fd-gv[k][j]) / math.Max(1, math.Abs(fd))
					worst = math.Max(worst, e)
					checked++
					if e > tc.tol {
						t.Errorf("%s[%d]: node %.10g, finite differences %.10g", node.Name(), j, gv[k][j], fd)
					}
				}
			}
			t.Logf("%d entries; largest relative difference from finite differences: %.3g", checked, worst)
		})
	}
}

// forwardGraph builds L = Σ w⊙T(z [| c]) of n rows with fixed random z,
// c and w; wrt is z, c (of a conditional flow) and the parameter nodes.
func forwardGraph(t *testing.T, d *distributions.TransformedDistribution, n int, cond bool) (g *G.ExprGraph, loss *G.Node, wrt []*G.Node) {
	t.Helper()
	r := rand.New(rand.NewPCG(9, 10))
	g = G.NewGraph()
	mat := func(name string, v []float64) *G.Node {
		return G.NewMatrix(g, tensor.Float64, G.WithShape(n, 2), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(v))))
	}
	z := mat("z", randomRows(r, n, 2, 1))
	wrt = []*G.Node{z}
	var opts Options
	if cond {
		opts.Context = mat("c", randomRows(r, n, 2, 1))
		wrt = append(wrt, opts.Context)
	}
	x, params, err := Forward(g, d, z, opts)
	if err != nil {
		t.Fatal(err)
	}
	w := mat("w", randomRows(r, n, 2, 1))
	loss = G.Must(G.Sum(G.Must(G.HadamardProd(x, w))))
	return g, loss, append(wrt, params...)
}

// The LispMachine's automatic differentiation of a Forward node (DoDiff)
// gives the TapeMachine's gradients of gorgonia.Grad's nodes.
func TestForwardLispMachine(t *testing.T) {
	for _, cond := range []bool{false, true} {
		var d *distributions.TransformedDistribution
		if cond {
			d = conditionalFlow(t, exactSteps, ode.Discrete{})
		} else {
			d = testFlow(t, exactSteps, ode.Discrete{})
		}
		g, loss, wrt := forwardGraph(t, d, 4, cond)
		grads, err := G.Grad(loss, wrt...)
		if err != nil {
			t.Fatal(err)
		}
		tape := G.NewTapeMachine(g)
		if err := tape.RunAll(); err != nil {
			t.Fatal(err)
		}
		tape.Close()
		lg, _, lwrt := forwardGraph(t, d, 4, cond)
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
			if diff := maxDiff(gv.Data().([]float64), grads[k].Value().Data().([]float64)); diff > 1e-12 {
				t.Errorf("conditional %v: LispMachine: %s differs by %g", cond, node.Name(), diff)
			}
		}
	}
}

// A Forward node shares LogProb's parameter nodes: built on them, both
// nodes' gradients reach the same leaves and add up.
func TestForwardSharesParams(t *testing.T) {
	d := testFlow(t, exactSteps, ode.Discrete{})
	g := G.NewGraph()
	r := rand.New(rand.NewPCG(3, 3))
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 2), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(4, 2), tensor.WithBacking(randomRows(r, 4, 2, 1)))))
	z := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("z"),
		G.WithValue(tensor.New(tensor.WithShape(3, 2), tensor.WithBacking(randomRows(r, 3, 2, 1)))))
	logp, params, err := LogProb(g, d, x, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, sp, err := Forward(g, d, z, Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	for i := range params {
		if sp[i] != params[i] {
			t.Fatalf("Forward's parameter node %d is not LogProb's", i)
		}
	}
	loss := G.Must(G.Add(G.Must(G.Sum(logp)), G.Must(G.Sum(s))))
	if _, err := G.Grad(loss, params...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(params...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
}

// A bijector part without a recorded forward pass is an ErrInput naming
// the part when the node is built.
func TestForwardUnrecordablePart(t *testing.T) {
	sig, err := distributions.NewSigmoid(2, -1, 1, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	affine, _ := distributions.NewAffine([]float64{0, 0}, []float64{0, 0})
	chain, err := distributions.NewChain(affine, sig)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, nil)
	d, err := distributions.NewTransformed(base, chain)
	if err != nil {
		t.Fatal(err)
	}
	g := G.NewGraph()
	z := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("z"))
	_, _, err = Forward(g, d, z, Options{})
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "Chain part 1") || !strings.Contains(err.Error(), "Sigmoid") {
		t.Errorf("err = %v, want an ErrInput naming Chain part 1, the Sigmoid", err)
	}
}
