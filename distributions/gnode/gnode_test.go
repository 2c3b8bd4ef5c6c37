package gnode

import (
	"errors"
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

// testFlow returns a flow with parameters in each kind of part: a
// learnable Normal base, an Affine and an FFJORD block of a small MLP.
func testFlow(t testing.TB, s ode.Settings, grad ode.Gradient) *distributions.TransformedDistribution {
	t.Helper()
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2, Hidden: []int{8}}, rand.NewPCG(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	block, err := ffjord.New(net, ffjord.Options{Solver: s, Gradient: grad})
	if err != nil {
		t.Fatal(err)
	}
	affine, err := distributions.NewAffine([]float64{0.3, -0.2}, []float64{0.1, -0.3})
	if err != nil {
		t.Fatal(err)
	}
	chain, err := distributions.NewChain(affine, block)
	if err != nil {
		t.Fatal(err)
	}
	base, err := distributions.NewLearnableNormal([]float64{0.1, -0.1}, []float64{0.9, 1.1}, rand.NewPCG(3, 4))
	if err != nil {
		t.Fatal(err)
	}
	d, err := distributions.NewTransformed(base, chain)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// exactSteps are fixed RK4 steps: with the discrete gradient, log p is a
// smooth function of everything, so finite differences check it closely.
var exactSteps = ode.Settings{Method: ode.RK4(), Controller: ode.Constant{Step: 0.125}}

func randomRows(r *rand.Rand, n, d int, scale float64) []float64 {
	v := make([]float64, n*d)
	for i := range v {
		v[i] = scale * r.NormFloat64()
	}
	return v
}

// model is a user's graph: x = tanh(u·W) from raw features u (N×3) through
// an ordinary Gorgonia layer W (3×2), then L = −Σ_r w_r log p(x_r).
type model struct {
	g       *G.ExprGraph
	u, W, x *G.Node
	logp    *G.Node
	params  []*G.Node
	cost    *G.Node
	w       []float64
}

func newModel(t testing.TB, d distributions.Trainable, n int, seed uint64, upstream bool) *model {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	m := &model{g: G.NewGraph()}
	if upstream {
		m.u = G.NewMatrix(m.g, tensor.Float64, G.WithShape(n, 3), G.WithName("u"),
			G.WithValue(tensor.New(tensor.WithShape(n, 3), tensor.WithBacking(randomRows(r, n, 3, 1)))))
		m.W = G.NewMatrix(m.g, tensor.Float64, G.WithShape(3, 2), G.WithName("W"),
			G.WithValue(tensor.New(tensor.WithShape(3, 2), tensor.WithBacking(randomRows(r, 3, 2, 0.7)))))
		m.x = G.Must(G.Tanh(G.Must(G.Mul(m.u, m.W))))
	} else {
		m.x = G.NewMatrix(m.g, tensor.Float64, G.WithShape(n, 2), G.WithName("x"),
			G.WithValue(tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(randomRows(r, n, 2, 1)))))
	}
	var err error
	if m.logp, m.params, err = LogProb(m.g, d, m.x, Options{}); err != nil {
		t.Fatal(err)
	}
	m.w = randomRows(r, n, 1, 1)
	wn := G.NewVector(m.g, tensor.Float64, G.WithShape(n), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(m.w))))
	m.cost = G.Must(G.Neg(G.Must(G.Mul(m.logp, wn))))
	return m
}

// wrt returns the nodes whose gradients the tests check: x or W, then the
// flow's parameters.
func (m *model) wrt() []*G.Node {
	if m.W != nil {
		return append([]*G.Node{m.W}, m.params...)
	}
	return append([]*G.Node{m.x}, m.params...)
}

// tapeGrads runs the model on a TapeMachine after gorgonia.Grad and
// returns the cost, log p and the gradients of wrt().
func (m *model) tapeGrads(t testing.TB) (float64, []float64, [][]float64) {
	t.Helper()
	grads, err := G.Grad(m.cost, m.wrt()...)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(m.g, G.TraceExec()) // keep log p's value
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, len(grads))
	for i, g := range grads {
		out[i] = append([]float64(nil), g.Value().Data().([]float64)...)
	}
	return m.cost.Value().Data().(float64), append([]float64(nil), m.logp.Value().Data().([]float64)...), out
}

// costOf evaluates the cost on a forward-only machine.
func (m *model) costOf(t testing.TB) float64 {
	t.Helper()
	vm := G.NewTapeMachine(m.g.ExactSubgraphRoots(m.cost))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return m.cost.Value().Data().(float64)
}

func maxDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// The node gives the library's own log p and gradients: those of
// RecordLogProb and Backward with the cotangent −w, on the same rows.
func TestMatchesLibrary(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    ode.Settings
		grad ode.Gradient
	}{
		{"adjoint", ode.Settings{}, ode.BacksolveAdjoint{}},
		{"discrete", ode.Settings{}, ode.Discrete{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testFlow(t, tc.s, tc.grad)
			const n = 37
			m := newModel(t, d, n, 1, false)
			x := append([]float64(nil), m.x.Value().Data().([]float64)...)
			_, lp, grads := m.tapeGrads(t)

			pass, err := d.RecordLogProb(x, n, distributions.Request{Training: true})
			if err != nil {
				t.Fatal(err)
			}
			want := make([][]float64, len(d.Params()))
			for i, p := range d.Params() {
				want[i] = make([]float64, p.Shape().TotalSize())
			}
			c := make([]float64, n)
			for r := range c {
				c[r] = -m.w[r]
			}
			xbar, err := pass.Backward(distributions.Cotangents{LogDet: c}, want)
			if err != nil {
				t.Fatal(err)
			}
			worst := maxDiff(lp, pass.LogProb)
			worst = math.Max(worst, maxDiff(grads[0], xbar))
			for i := range want {
				worst = math.Max(worst, maxDiff(grads[1+i], want[i]))
			}
			t.Logf("largest difference from the library's route: %.3g", worst)
			if worst > 1e-10 {
				t.Errorf("node and library differ by %g, want ≤ 1e-10", worst)
			}
		})
	}
}

// Gradients with respect to x, an upstream Gorgonia layer's weights and
// the flow's parameters agree with central differences of the cost.
func TestFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		name     string
		s        ode.Settings
		grad     ode.Gradient
		upstream bool
		tol      float64
	}{
		{"x/discrete", exactSteps, ode.Discrete{}, false, 1e-7},
		{"upstream/discrete", exactSteps, ode.Discrete{}, true, 1e-7},
		{"upstream/adjoint", ode.Settings{Controller: ode.Adaptive{RTol: 1e-10, ATol: 1e-10}}, ode.BacksolveAdjoint{}, true, 1e-6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := testFlow(t, tc.s, tc.grad)
			m := newModel(t, d, 9, 2, tc.upstream)
			_, _, grads := m.tapeGrads(t)
			worst := 0.0
			for k, node := range m.wrt() {
				v := node.Value().Data().([]float64) // the flow's own tensors for its parameters
				for j := range v {
					fd := fdtest.Central(v, j, 1e-5, func() float64 { return m.costOf(t) })
					err := math.Abs(fd-grads[k][j]) / math.Max(1, math.Abs(fd))
					worst = math.Max(worst, err)
					if err > tc.tol {
						t.Errorf("%s[%d]: node %.10g, finite differences %.10g", node.Name(), j, grads[k][j], fd)
					}
				}
			}
			t.Logf("largest relative difference from finite differences: %.3g", worst)
		})
	}
}

// The LispMachine gives the TapeMachine's gradients, by its automatic
// differentiation (DoDiff) and by running gorgonia.Grad's nodes forward.
func TestLispMachine(t *testing.T) {
	d := testFlow(t, ode.Settings{}, ode.BacksolveAdjoint{})
	m := newModel(t, d, 11, 3, true)
	cost, _, want := newModel(t, d, 11, 3, true).tapeGrads(t)

	vm := G.NewLispMachine(m.g)
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	vm.Close()
	if got := m.cost.Value().Data().(float64); math.Abs(got-cost) > 1e-12 {
		t.Errorf("LispMachine cost %g, TapeMachine %g", got, cost)
	}
	for k, node := range m.wrt() {
		g, err := node.Grad()
		if err != nil {
			t.Fatal(err)
		}
		if diff := maxDiff(g.Data().([]float64), want[k]); diff > 1e-12 {
			t.Errorf("autodiff: %s differs by %g", node.Name(), diff)
		}
	}

	s := newModel(t, d, 11, 3, true)
	grads, err := G.Grad(s.cost, s.wrt()...)
	if err != nil {
		t.Fatal(err)
	}
	fwd := G.NewLispMachine(s.g, G.ExecuteFwdOnly())
	if err := fwd.RunAll(); err != nil {
		t.Fatal(err)
	}
	fwd.Close()
	for k, g := range grads {
		if diff := maxDiff(g.Value().Data().([]float64), want[k]); diff > 1e-12 {
			t.Errorf("symbolic: %s differs by %g", s.wrt()[k].Name(), diff)
		}
	}

}

// One run records one pass and runs one backward, however many gradient
// nodes read it; a machine that runs only the gradient nodes' inputs anew
// gets a fresh pass, not a stale one.
func TestOnePassPerRun(t *testing.T) {
	d := testFlow(t, ode.Settings{}, ode.BacksolveAdjoint{})
	m := newModel(t, d, 5, 4, true)
	if _, err := G.Grad(m.cost, m.wrt()...); err != nil {
		t.Fatal(err)
	}
	ev := m.logp.Op().(*flowOp).ev
	vm := G.NewTapeMachine(m.g)
	defer vm.Close()
	for run := 1; run <= 3; run++ {
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		vm.Reset()
		if ev.records != run || ev.backwards != run {
			t.Fatalf("after %d runs: %d passes recorded and %d backwards, want %d each", run, ev.records, ev.backwards, run)
		}
	}
	// Change the upstream weights between the forward Op and a gradient Op:
	// the gradient is recorded anew on the new inputs.
	xs := append([]float64(nil), ev.x...)
	ev.x[0] += 1
	theta := make([]G.Value, len(m.params))
	for i, p := range m.params {
		theta[i] = p.Value()
	}
	xv := tensor.New(tensor.WithShape(5, 2), tensor.WithBacking(xs))
	cot := tensor.New(tensor.WithShape(5), tensor.WithBacking([]float64{1, 0, 0, 0, 0}))
	if _, err := ev.gradients([]G.Value{xv}, theta, cot); err != nil {
		t.Fatal(err)
	}
	if ev.records != 4 || ev.backwards != 4 {
		t.Errorf("stale pass: %d records and %d backwards, want 4 each", ev.records, ev.backwards)
	}
}

// Gorgonia's own solver trains the flow through the shared tensors.
func TestSolverUpdatesFlow(t *testing.T) {
	d := testFlow(t, ode.Settings{}, ode.BacksolveAdjoint{})
	m := newModel(t, d, 64, 5, false)
	for i := range m.w {
		m.w[i] = 1.0 / 64 // the mean NLL
	}
	if _, err := G.Grad(m.cost, m.params...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(m.g, G.BindDualValues(m.params...))
	defer vm.Close()
	solver := G.NewAdamSolver(G.WithLearnRate(0.05))
	shift := d.Params()[2] // the Affine's shift
	before := append([]float64(nil), shift.Float64s()...)
	var first, last float64
	for step := range 20 {
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		if step == 0 {
			first = m.cost.Value().Data().(float64)
		}
		last = m.cost.Value().Data().(float64)
		if err := solver.Step(G.NodesToValueGrads(m.params)); err != nil {
			t.Fatal(err)
		}
		vm.Reset()
	}
	if maxDiff(before, shift.Float64s()) == 0 {
		t.Error("the solver's steps did not reach the flow's tensors")
	}
	if !(last < first) {
		t.Errorf("NLL went from %g to %g", first, last)
	}
}

func TestErrors(t *testing.T) {
	d := testFlow(t, ode.Settings{}, ode.BacksolveAdjoint{})
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 2), G.WithName("x"))
	other := G.NewGraph()
	for _, tc := range []struct {
		name string
		call func() error
		want error
	}{
		{"context for an unconditional flow", func() error {
			c := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 1), G.WithName("c"))
			_, _, err := LogProb(g, d, x, Options{Context: c})
			return err
		}, ErrInput},
		{"wrong width", func() error {
			_, _, err := LogProb(g, d, G.NewMatrix(g, tensor.Float64, G.WithShape(4, 3)), Options{})
			return err
		}, ErrInput},
		{"vector", func() error {
			_, _, err := LogProb(g, d, G.NewVector(g, tensor.Float64, G.WithShape(4)), Options{})
			return err
		}, ErrInput},
		{"float32", func() error {
			_, _, err := LogProb(g, d, G.NewMatrix(g, tensor.Float32, G.WithShape(4, 2)), Options{})
			return err
		}, ErrInput},
		{"other graph", func() error {
			_, _, err := LogProb(other, d, x, Options{})
			return err
		}, ErrInput},
		{"nil distribution", func() error {
			_, _, err := LogProb(g, nil, x, Options{})
			return err
		}, ErrInput},
		{"typed nil distribution", func() error {
			var nilDist *distributions.TransformedDistribution
			_, _, err := LogProb(g, nilDist, x, Options{})
			return err
		}, ErrInput},
		{"too few params", func() error {
			_, _, err := LogProb(g, d, x, Options{Params: []*G.Node{x}})
			return err
		}, ErrInput},
		{"param shape", func() error {
			_, ps, err := LogProb(g, d, x, Options{})
			if err != nil {
				return err
			}
			ps[0] = x
			_, _, err = LogProb(g, d, x, Options{Params: ps})
			return err
		}, ErrInput},
		{"second derivative", func() error {
			logp, ps, err := LogProb(g, d, x, Options{})
			if err != nil {
				return err
			}
			gs, err := G.Grad(G.Must(G.Sum(logp)), ps[2])
			if err != nil {
				return err
			}
			_, err = G.Grad(G.Must(G.Sum(gs[0])), ps[2])
			return err
		}, nil}, // Gorgonia's error, checked below
	} {
		err := tc.call()
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}

	// Bad values at run time are errors of the machine, not panics.
	logp, _, err := LogProb(g, d, x, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bad := tensor.New(tensor.WithShape(4, 2), tensor.WithBacking([]float64{0, 0, math.NaN(), 0, 0, 0, 0, 0}))
	if err := G.Let(x, bad); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g.ExactSubgraphRoots(logp))
	defer vm.Close()
	// The TapeMachine's error hides the Op's behind its Err method.
	err = vm.RunAll()
	if e, ok := err.(interface{ Err() error }); ok {
		err = e.Err()
	}
	if !errors.Is(err, distributions.ErrNonFinite) {
		t.Errorf("NaN input: got %v, want ErrNonFinite", err)
	}
}

// panicky is a user's distribution whose pass panics.
type panicky struct{}

func (panicky) Dim() int                                 { return 2 }
func (panicky) LogProb(*tensor.Dense) ([]float64, error) { return nil, nil }
func (panicky) Sample(int) (*tensor.Dense, error)        { return nil, nil }
func (panicky) Params() []*tensor.Dense                  { return nil }
func (panicky) RecordLogProb([]float64, int, distributions.Request) (*distributions.DensityPass, error) {
	panic("a user's bug")
}

// A distribution that panics in a run makes the machine return an error.
func TestPanicIsAnError(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(3, 2), tensor.WithBacking(make([]float64, 6)))))
	logp, _, err := LogProb(g, panicky{}, x, Options{})
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g.ExactSubgraphRoots(logp))
	defer vm.Close()
	if err := vm.RunAll(); err == nil {
		t.Error("no error from a panicking distribution")
	}
}
