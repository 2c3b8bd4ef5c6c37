package odefunc

import (
	"fmt"
	"runtime"

	"github.com/ffjord-go/ffjord-go/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// kind is what a compiled program computes.
type kind int

const (
	kindF kind = iota
	kindExact
	kindHutchinson
	kindVJPExact
	kindVJPHutchinson
)

func (k kind) vjp() bool        { return k == kindVJPExact || k == kindVJPHutchinson }
func (k kind) stochastic() bool { return k == kindHutchinson || k == kindVJPHutchinson }

type programKey struct {
	kind kind
	rows int
}

// Dynamics evaluates a Model on batches of N points, z given as N×D
// row-major []float64. It compiles one program per kind of evaluation, batch
// size and worker on first use and reuses it afterwards, so evaluation builds
// no graphs.
//
// A batch is cut into chunks of a fixed number of rows, evaluated by up to
// Workers goroutines, each with programs of its own. Because the chunks do
// not depend on the number of workers and their parameter gradients are
// added in chunk order, results are bit-identical for any number of workers.
//
// A Dynamics is not safe for concurrent use: use one per goroutine. Programs
// read the Model's parameters at every run, so updates to them in place take
// effect at the next evaluation.
type Dynamics struct {
	model    Model
	params   []*tensor.Dense // model.Params(), fetched once: evaluations must not allocate
	dim      int
	slots    []*slot
	partials [][][]float64
}

// New returns a Dynamics evaluating m with one worker per CPU
// (runtime.GOMAXPROCS).
func New(m Model) (*Dynamics, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil model", ErrInvalidConfig)
	}
	if m.Dim() <= 0 {
		return nil, fmt.Errorf("%w: model dimension %d", ErrInvalidConfig, m.Dim())
	}
	d := &Dynamics{model: m, params: m.Params(), dim: m.Dim()}
	if err := d.SetWorkers(runtime.GOMAXPROCS(0)); err != nil {
		return nil, err
	}
	return d, nil
}

// Workers returns the number of goroutines that evaluate a batch.
func (d *Dynamics) Workers() int { return len(d.slots) }

// SetWorkers sets the number of goroutines that evaluate a batch: at least
// 1, and at most one more than the helper goroutines started with the
// program (GOMAXPROCS − 1). Results do not depend on it.
func (d *Dynamics) SetWorkers(n int) error {
	if n < 1 {
		return fmt.Errorf("%w: %d workers, want ≥ 1", ErrInvalidConfig, n)
	}
	n = min(n, len(helpers.workers)+1)
	for len(d.slots) < n {
		d.slots = append(d.slots, &slot{model: d.model, programs: map[programKey]*graph.Program{}})
	}
	d.slots = d.slots[:n]
	return nil
}

// Dim returns the dimension D of z.
func (d *Dynamics) Dim() int { return d.dim }

// Model returns the model being evaluated.
func (d *Dynamics) Model() Model { return d.model }

// F writes f(t, z) into dz. z and dz are N×D row-major, N ≥ 1; dz must not
// alias z.
func (d *Dynamics) F(dz []float64, t float64, z []float64) error {
	n, err := d.rows(z, dz)
	if err != nil {
		return err
	}
	return d.eval(kindF, n, t, z, nil, dz, nil, nil, nil, nil, nil)
}

// FTrace writes f(t, z) into dz and the trace term of each row into tr
// (length N): tr(∂f/∂z) for ExactTrace, εᵀ(∂f/∂z)ε with ε the row of eps
// (N×D) for the Hutchinson estimators. eps is ignored, and may be nil, for
// ExactTrace.
func (d *Dynamics) FTrace(dz, tr []float64, t float64, z []float64, est Trace, eps []float64) error {
	n, err := d.rows(z, dz)
	if err != nil {
		return err
	}
	if len(tr) != n {
		return fmt.Errorf("%w: trace has length %d, want %d", ErrDimension, len(tr), n)
	}
	k := kindExact
	switch {
	case !est.Valid():
		return fmt.Errorf("%w: unknown trace estimator %v", ErrInvalidConfig, est)
	case est.Stochastic():
		if len(eps) != len(z) {
			return fmt.Errorf("%w: noise has length %d, want %d", ErrDimension, len(eps), len(z))
		}
		k = kindHutchinson
	}
	return d.eval(k, n, t, z, eps, dz, tr, nil, nil, nil, nil)
}

// VJP writes f(t, z) into dz and the vector–Jacobian products of
// L = Σ a⊙f + Σ_r c_r·trace_r into gz (N×D, ∂L/∂z) and gparams (∂L/∂θ, one
// slice per Model parameter, shaped like it and summed over the rows). The
// trace term is the one FTrace computes for est and eps. a is N×D, c has
// length N.
func (d *Dynamics) VJP(dz, gz []float64, gparams [][]float64, t float64, z, a, c []float64, est Trace, eps []float64) error {
	n, err := d.rows(z, dz)
	if err != nil {
		return err
	}
	switch {
	case len(gz) != len(z) || len(a) != len(z):
		return fmt.Errorf("%w: VJP needs gz and a of length %d, got %d and %d", ErrDimension, len(z), len(gz), len(a))
	case len(c) != n:
		return fmt.Errorf("%w: VJP needs c of length %d, got %d", ErrDimension, n, len(c))
	case len(gparams) != len(d.params):
		return fmt.Errorf("%w: VJP needs %d parameter gradients, got %d", ErrDimension, len(d.params), len(gparams))
	case !est.Valid():
		return fmt.Errorf("%w: unknown trace estimator %v", ErrInvalidConfig, est)
	case est.Stochastic() && len(eps) != len(z):
		return fmt.Errorf("%w: noise has length %d, want %d", ErrDimension, len(eps), len(z))
	}
	for i, p := range d.params {
		if len(gparams[i]) != p.Shape().TotalSize() {
			return fmt.Errorf("%w: gradient %d has length %d, want %d", ErrDimension, i, len(gparams[i]), p.Shape().TotalSize())
		}
	}
	k := kindVJPExact
	if est.Stochastic() {
		k = kindVJPHutchinson
	}
	return d.eval(k, n, t, z, eps, dz, nil, a, c, gz, gparams)
}

func (d *Dynamics) rows(z, dz []float64) (int, error) {
	if len(z) == 0 || len(z)%d.dim != 0 {
		return 0, fmt.Errorf("%w: batch of %d values is not N×%d with N ≥ 1", ErrDimension, len(z), d.dim)
	}
	if len(dz) != len(z) {
		return 0, fmt.Errorf("%w: destination has length %d, want %d", ErrDimension, len(dz), len(z))
	}
	return len(z) / d.dim, nil
}

// eval evaluates the kind's programs over n rows, chunk by chunk. For the
// VJP kinds, tr is unused, a and c are the cotangents and gz, gp receive the
// products (gp summed over the rows).
func (d *Dynamics) eval(k kind, n int, t float64, z, eps, dz, tr []float64, a, c, gz []float64, gp [][]float64) error {
	return run(request{k: k, n: n, t: t, z: z, eps: eps, dz: dz, tr: tr, a: a, c: c, gz: gz}, d.slots, &d.partials, gp)
}

func fill(dst []float64, v float64) {
	for i := range dst {
		dst[i] = v
	}
}

// load copies src into the front of dst and zeroes the padding rows after it.
func load(dst, src []float64) {
	copy(dst, src)
	clear(dst[len(src):])
}

// build adds the inputs t (rows×1), z (rows×D) and, for Hutchinson, ε
// (rows×D), and the outputs f and, unless k is kindF, the trace term.
func build(model Model, g *G.ExprGraph, k kind, rows int) (inputs, outputs []*G.Node, err error) {
	D := model.Dim()
	t := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, 1), G.WithName("t"))
	z := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, D), G.WithName("z"))
	inputs = []*G.Node{t, z}
	params := BindParams(g, model.Params())

	var eps *G.Node
	if k.stochastic() {
		eps = G.NewMatrix(g, tensor.Float64, G.WithShape(rows, D), G.WithName("eps"))
		inputs = append(inputs, eps)
	}
	var f, trace *G.Node
	switch k {
	case kindF:
		f, _, err = model.Build(t, z, params, nil)
	default:
		f, trace, err = BuildTrace(model, t, z, params, eps)
	}
	if err != nil {
		return nil, nil, err
	}
	if !f.Shape().Eq(tensor.Shape{rows, D}) {
		return nil, nil, fmt.Errorf("%w: model returns f of shape %v, want (%d, %d)", ErrDimension, f.Shape(), rows, D)
	}
	if !k.vjp() {
		outputs = []*G.Node{f}
		if trace != nil {
			outputs = append(outputs, trace)
		}
		return inputs, outputs, nil
	}
	// The vector–Jacobian products are one first-order Grad of
	// L = Σ a⊙f + Σ c⊙trace with respect to z and θ.
	a := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, D), G.WithName("a"))
	c := G.NewVector(g, tensor.Float64, G.WithShape(rows), G.WithName("c"))
	inputs = append(inputs, a, c)
	af, err := G.HadamardProd(a, f)
	if err != nil {
		return nil, nil, err
	}
	ct, err := G.HadamardProd(c, trace)
	if err != nil {
		return nil, nil, err
	}
	sa, err := G.Sum(af)
	if err != nil {
		return nil, nil, err
	}
	sc, err := G.Sum(ct)
	if err != nil {
		return nil, nil, err
	}
	loss, err := G.Add(sa, sc)
	if err != nil {
		return nil, nil, err
	}
	grads, err := G.Grad(loss, append([]*G.Node{z}, params...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("odefunc: differentiating the dynamics: %w", err)
	}
	outputs = append([]*G.Node{f}, grads...)
	return inputs, outputs, nil
}

// BindParams adds a node for each parameter tensor to g, bound to the tensor
// itself so that programs see in-place updates.
func BindParams(g *G.ExprGraph, ps []*tensor.Dense) []*G.Node {
	nodes := make([]*G.Node, len(ps))
	for i, p := range ps {
		nodes[i] = G.NewTensor(g, tensor.Float64, p.Dims(), G.WithShape(p.Shape().Clone()...),
			G.WithValue(p), G.WithName(fmt.Sprintf("θ%d", i)))
	}
	return nodes
}

// BuildTrace adds f and the trace term of m to the graph of z: the exact
// trace when eps is nil, Hutchinson's εᵀ(∂f/∂z)ε otherwise. A TraceModel
// builds its own; any other Model gets it from Jacobian–vector products.
func BuildTrace(m Model, t, z *G.Node, params []*G.Node, eps *G.Node) (f, trace *G.Node, err error) {
	if tm, ok := m.(TraceModel); ok {
		f, trace, err = tm.BuildTrace(t, z, params, eps)
	} else if eps != nil {
		f, trace, err = hutchinsonTrace(m, t, z, params, eps)
	} else {
		f, trace, err = exactTrace(m, t, z, params)
	}
	if err != nil {
		return nil, nil, err
	}
	if rows := z.Shape()[0]; !trace.Shape().Eq(tensor.Shape{rows}) {
		return nil, nil, fmt.Errorf("%w: trace has shape %v, want (%d)", ErrDimension, trace.Shape(), rows)
	}
	return f, trace, nil
}

// exactTrace pushes the unit vectors e_i through the model and sums the i-th
// column of each product.
func exactTrace(m Model, t, z *G.Node, params []*G.Node) (*G.Node, *G.Node, error) {
	rows, D := z.Shape()[0], z.Shape()[1]
	dirs := make([]*G.Node, D)
	for i := range dirs {
		e := make([]float64, rows*D)
		for r := range rows {
			e[r*D+i] = 1
		}
		dirs[i] = constant(z.Graph(), fmt.Sprintf("e%d", i), rows, D, e)
	}
	f, jvps, err := m.Build(t, z, params, dirs)
	if err != nil {
		return nil, nil, err
	}
	if len(jvps) != D {
		return nil, nil, fmt.Errorf("%w: model returned %d Jacobian–vector products for %d directions", ErrDimension, len(jvps), D)
	}
	var trace *G.Node
	for i, jv := range jvps {
		col, err := G.Slice(jv, nil, G.S(i))
		if err != nil {
			return nil, nil, err
		}
		if trace == nil {
			trace = col
		} else if trace, err = G.Add(trace, col); err != nil {
			return nil, nil, err
		}
	}
	return f, trace, nil
}

// hutchinsonTrace returns Σ_j ε_j ((∂f/∂z)·ε)_j per row.
func hutchinsonTrace(m Model, t, z *G.Node, params []*G.Node, eps *G.Node) (*G.Node, *G.Node, error) {
	f, jvps, err := m.Build(t, z, params, []*G.Node{eps})
	if err != nil {
		return nil, nil, err
	}
	if len(jvps) != 1 {
		return nil, nil, fmt.Errorf("%w: model returned %d Jacobian–vector products for 1 direction", ErrDimension, len(jvps))
	}
	prod, err := G.HadamardProd(eps, jvps[0])
	if err != nil {
		return nil, nil, err
	}
	trace, err := G.Sum(prod, 1)
	if err != nil {
		return nil, nil, err
	}
	return f, trace, nil
}
