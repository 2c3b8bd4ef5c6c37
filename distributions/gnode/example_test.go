package gnode_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

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

// A Gorgonia graph has a fixed batch size N. To train at one N and
// evaluate or sample at another, write the model as a function of N whose
// nodes take their weights from tensors kept outside the graphs
// (G.WithValue): every graph built from them shares them, and Gorgonia's
// solvers update them in place, so what one graph trains the others use.
// The flow's parameter nodes share the flow's tensors the same way.
//
// The evaluation graph asks for Evaluation, the library's evaluation
// solve (per row, rtol 1e-5): its log p is then the library's LogProb of
// the same points, bit for bit, whatever N. Sampling needs no encoder:
// gnode.Forward maps base points of any N.
func ExampleLogProb_otherBatchSize() {
	net, _ := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 1))
	block, _ := ffjord.New(net, ffjord.Options{})
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(2, 2))
	flow, _ := distributions.NewTransformed(base, block)
	w := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{0.5, 0.1, -0.2, 0.4}))

	// model builds x = tanh(u·W) and log p(x) for n rows of u.
	type model struct {
		g              *G.ExprGraph
		u, W, x, logp  *G.Node
		params, learns []*G.Node
	}
	build := func(n int, opts gnode.Options) (m model, err error) {
		m.g = G.NewGraph()
		m.u = G.NewMatrix(m.g, tensor.Float64, G.WithShape(n, 2), G.WithName("u"))
		m.W = G.NewMatrix(m.g, tensor.Float64, G.WithShape(2, 2), G.WithName("W"), G.WithValue(w))
		if m.x, err = G.Tanh(G.Must(G.Mul(m.u, m.W))); err != nil {
			return m, err
		}
		m.logp, m.params, err = gnode.LogProb(m.g, flow, m.x, opts)
		m.learns = append([]*G.Node{m.W}, m.params...)
		return m, err
	}
	rows := func(n int) *tensor.Dense { // n rows of made-up raw features
		v := make([]float64, 2*n)
		for i := range v {
			v[i] = math.Sin(float64(3*i + 1))
		}
		return tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(v))
	}

	// Train at N = 4: two Adam steps on the mean NLL.
	tr, err := build(4, gnode.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	nll := G.Must(G.Neg(G.Must(G.Mean(tr.logp))))
	if _, err := G.Grad(nll, tr.learns...); err != nil {
		fmt.Println(err)
		return
	}
	vm := G.NewTapeMachine(tr.g, G.BindDualValues(tr.learns...))
	solver := G.NewAdamSolver(G.WithLearnRate(0.05))
	for range 2 {
		_ = G.Let(tr.u, rows(4))
		if err := vm.RunAll(); err != nil {
			fmt.Println(err)
			return
		}
		if err := solver.Step(G.NodesToValueGrads(tr.learns)); err != nil {
			fmt.Println(err)
			return
		}
		vm.Reset()
	}
	vm.Close()
	fmt.Printf("trained W: %.4f\n", w.Float64s())

	// Evaluate at N = 6 in a graph of its own, sharing W and the flow.
	ev, err := build(6, gnode.Options{Evaluation: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = G.Let(ev.u, rows(6))
	evm := G.NewTapeMachine(ev.g, G.TraceExec()) // TraceExec: x's value stays readable
	if err := evm.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	evm.Close()
	want, _ := flow.LogProb(ev.x.Value().(*tensor.Dense))
	got := ev.logp.Value().Data().([]float64)
	fmt.Printf("log p at N = 6: %.4f, the library's: %v\n", got, slices.Equal(got, want))

	// Sample 5 points: base draws through gnode.Forward.
	sg := G.NewGraph()
	z := G.NewMatrix(sg, tensor.Float64, G.WithShape(5, 2), G.WithName("z"))
	x, _, err := gnode.Forward(sg, flow, z, gnode.Options{Evaluation: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	draws, err := base.Sample(5)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = G.Let(z, draws)
	svm := G.NewTapeMachine(sg)
	defer svm.Close()
	if err := svm.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("samples:", x.Value().Shape())
	// Output:
	// trained W: [0.4032 0.1656 -0.1000 0.3168]
	// log p at N = 6: [-0.3463 0.0433 0.3296 0.0653 -0.5722 -1.1995], the library's: true
	// samples: (5, 2)
}

// A TapeMachine adds each run's gradient to the last; only a solver's
// Step clears it. Three runs without a Step read three times the gradient
// (a finite-difference check that runs the machine at θ + h and θ − h
// before reading it fails by exactly 3×); ZeroGrads clears it by hand.
func ExampleZeroGrads() {
	net, _ := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(1, 1))
	block, _ := ffjord.New(net, ffjord.Options{})
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, nil)
	flow, _ := distributions.NewTransformed(base, block)
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(3, 2), tensor.WithBacking([]float64{1, 0, 0, 1, -1, 2}))))
	logp, params, _ := gnode.LogProb(g, flow, x, gnode.Options{})
	nll := G.Must(G.Neg(G.Must(G.Mean(logp))))
	if _, err := G.Grad(nll, params...); err != nil {
		fmt.Println(err)
		return
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(params...))
	defer vm.Close()
	first := func() float64 { gv, _ := params[0].Grad(); return gv.Data().([]float64)[0] }
	var once float64
	for i := range 3 {
		if err := vm.RunAll(); err != nil {
			fmt.Println(err)
			return
		}
		if i == 0 {
			once = first()
		}
		vm.Reset()
	}
	fmt.Printf("after 3 runs: %.1f× the gradient\n", first()/once)
	if err := gnode.ZeroGrads(params...); err != nil {
		fmt.Println(err)
		return
	}
	if err := vm.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ZeroGrads, then 1 run: %.1f×\n", first()/once)
	// Output:
	// after 3 runs: 3.0× the gradient
	// ZeroGrads, then 1 run: 1.0×
}

// A differentiable sampler inside a Gorgonia model: samples x = T(z) of a
// flow whose bijector is a learnable Affine, from base draws z fed to the
// graph, and a loss of the samples alone — their first two moments against
// a target's, mean (2, −1) and standard deviation (0.5, 2) — that Adam
// minimises through the Forward node's gradient. The trained flow is the
// library's own: its Sample has the target's moments.
func ExampleForward() {
	base, _ := distributions.NewNormal([]float64{0, 0}, []float64{1, 1}, rand.NewPCG(1, 2))
	affine, _ := distributions.NewAffine([]float64{0, 0}, []float64{0, 0})
	flow, _ := distributions.NewTransformed(base, affine)

	const n = 256
	g := G.NewGraph()
	z := G.NewMatrix(g, tensor.Float64, G.WithShape(n, 2), G.WithName("z"))
	x, params, err := gnode.Forward(g, flow, z, gnode.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	vec := func(name string, v ...float64) *G.Node {
		return G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(2), tensor.WithBacking(v))))
	}
	mu, sd := []float64{2, -1}, []float64{0.5, 2}
	m1 := vec("m1", mu...)
	m2 := vec("m2", mu[0]*mu[0]+sd[0]*sd[0], mu[1]*mu[1]+sd[1]*sd[1])
	// L = Σ_j (mean_r x_rj − μ_j)² + (mean_r x_rj² − μ_j² − σ_j²)²
	d1 := G.Must(G.Sub(G.Must(G.Mean(x, 0)), m1))
	d2 := G.Must(G.Sub(G.Must(G.Mean(G.Must(G.Square(x)), 0)), m2))
	loss := G.Must(G.Add(G.Must(G.Sum(G.Must(G.Square(d1)))), G.Must(G.Sum(G.Must(G.Square(d2))))))
	if _, err := G.Grad(loss, params...); err != nil {
		fmt.Println(err)
		return
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(params...))
	defer vm.Close()
	run := func() float64 {
		draws, _ := base.Sample(n) // fresh base draws for every run
		_ = G.Let(z, draws)
		if err := vm.RunAll(); err != nil {
			fmt.Println(err)
		}
		defer vm.Reset()
		return loss.Value().Data().(float64)
	}
	fmt.Printf("loss before: %.1f\n", run())
	// That run left its gradient in the parameters' gradients, and a
	// TapeMachine adds to them: clear it before training.
	if err := gnode.ZeroGrads(params...); err != nil {
		fmt.Println(err)
		return
	}
	solver := G.NewAdamSolver(G.WithLearnRate(0.1))
	for range 400 {
		run()
		if err := solver.Step(G.NodesToValueGrads(params)); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("loss after: %.2f\n", run())
	ps := affine.Params() // the parameter nodes' values: trained in place
	b, ls := ps[0].Float64s(), ps[1].Float64s()
	fmt.Printf("Affine: shift (%.2f, %.2f), scale (%.2f, %.2f)\n", b[0], b[1], math.Exp(ls[0]), math.Exp(ls[1]))
	xs, _ := flow.Sample(20000)
	v := xs.Float64s()
	var mean, sq [2]float64
	for r := range 20000 {
		for j := range 2 {
			mean[j] += v[2*r+j] / 20000
			sq[j] += v[2*r+j] * v[2*r+j] / 20000
		}
	}
	fmt.Printf("the flow's samples: mean (%.1f, %.1f), sd (%.1f, %.1f)\n",
		mean[0], mean[1], math.Sqrt(sq[0]-mean[0]*mean[0]), math.Sqrt(sq[1]-mean[1]*mean[1]))
	// Output:
	// loss before: 32.0
	// loss after: 0.20
	// Affine: shift (1.98, -1.01), scale (0.51, 1.96)
	// the flow's samples: mean (2.0, -1.0), sd (0.5, 2.0)
}
