package gnode_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/distributions/gnode"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A flow inside a user's Gorgonia model: an ordinary layer x = tanh(u·W)
// feeds the flow's log-density, gorgonia.Grad differentiates the mean NLL
// with respect to W and the flow's parameters, and a TapeMachine runs it.
// The node's log p is the library's: the node's recorded pass solves as
// training does (the batch as one ODE, at rtol 1e-3, atol 1e-5), so the
// block is given those settings explicitly, which then hold for evaluation
// too (evaluation's defaults, per-row steps at rtol 1e-5, agree to the
// tolerance).
func ExampleLogProb() {
	net, _ := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 1))
	tutorial := ode.Settings{Controller: ode.Adaptive{RTol: 1e-3, ATol: 1e-5}, StepControl: ode.WholeBatch}
	block, _ := ffjord.New(net, ffjord.Options{Solver: tutorial})
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, nil)
	flow, _ := distributions.NewTransformed(base, block)

	g := G.NewGraph()
	u := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("u"),
		G.WithValue(tensor.New(tensor.WithShape(3, 2), tensor.WithBacking([]float64{1, 0, 0, 1, -1, 2}))))
	W := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 2), G.WithName("W"),
		G.WithValue(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{0.5, 0.1, -0.2, 0.4}))))
	x := G.Must(G.Tanh(G.Must(G.Mul(u, W))))

	logp, params, err := gnode.LogProb(g, flow, x, gnode.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	nll := G.Must(G.Neg(G.Must(G.Mean(logp))))
	learnables := append([]*G.Node{W}, params...)
	if _, err := G.Grad(nll, learnables...); err != nil {
		fmt.Println(err)
		return
	}
	// TraceExec keeps every node's value (x's below); without it the
	// machine reuses their memory.
	vm := G.NewTapeMachine(g, G.BindDualValues(learnables...), G.TraceExec())
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		fmt.Println(err)
		return
	}

	want, _ := flow.LogProb(x.Value().(*tensor.Dense))
	fmt.Printf("log p by the node:    %.6f\n", logp.Value().Data())
	fmt.Printf("log p by the library: %.6f\n", want)
	dW, _ := W.Grad()
	fmt.Printf("parameter nodes: %d (the block's), ∂NLL/∂W has shape %v\n", len(params), dW.Shape())
	// Output:
	// log p by the node:    [-1.531532 -2.078670 -3.001135]
	// log p by the library: [-1.531532 -2.078670 -3.001135]
	// parameter nodes: 6 (the block's), ∂NLL/∂W has shape (2, 2)
}
