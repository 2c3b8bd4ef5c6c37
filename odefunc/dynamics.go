package odefunc

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// maxChunkRows bounds the rows of one compiled program; larger batches are
// evaluated a chunk at a time. Smaller batches round up to a power of two, so
// arbitrary batch sizes compile only a handful of programs.
const maxChunkRows = 1024

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
// row-major []float64. It compiles one program per kind of evaluation and
// batch size on first use and reuses it afterwards, so evaluation builds no
// graphs.
//
// A Dynamics is not safe for concurrent use: use one per goroutine. Programs
// read the Model's parameters at every run, so updates to them in place take
// effect at the next evaluation.
type Dynamics struct {
	model    Model
	dim      int
	programs map[programKey]*graph.Program
}

// New returns a Dynamics evaluating m.
func New(m Model) (*Dynamics, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil model", ErrInvalidConfig)
	}
	if m.Dim() <= 0 {
		return nil, fmt.Errorf("%w: model dimension %d", ErrInvalidConfig, m.Dim())
	}
	return &Dynamics{model: m, dim: m.Dim(), programs: map[programKey]*graph.Program{}}, nil
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
	case len(gparams) != len(d.model.Params()):
		return fmt.Errorf("%w: VJP needs %d parameter gradients, got %d", ErrDimension, len(d.model.Params()), len(gparams))
	case !est.Valid():
		return fmt.Errorf("%w: unknown trace estimator %v", ErrInvalidConfig, est)
	case est.Stochastic() && len(eps) != len(z):
		return fmt.Errorf("%w: noise has length %d, want %d", ErrDimension, len(eps), len(z))
	}
	for i, p := range d.model.Params() {
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

// eval runs the kind's programs over n rows, a chunk at a time. For the
// VJP kinds, tr is unused, a and c are the cotangents and gz, gp receive the
// products (gp summed over the rows).
func (d *Dynamics) eval(k kind, n int, t float64, z, eps, dz, tr []float64, a, c, gz []float64, gp [][]float64) error {
	D := d.dim
	for _, g := range gp {
		clear(g)
	}
	for lo := 0; lo < n; lo += maxChunkRows {
		m := min(n-lo, maxChunkRows)
		p, err := d.program(k, chunkRows(m))
		if err != nil {
			return err
		}
		// Inputs in build's order: t, z, [ε], [a, c].
		fill(p.Input(0), t)
		load(p.Input(1), z[lo*D:(lo+m)*D])
		in := 2
		if k.stochastic() {
			load(p.Input(in), eps[lo*D:(lo+m)*D])
			in++
		}
		if k.vjp() {
			load(p.Input(in), a[lo*D:(lo+m)*D])
			load(p.Input(in+1), c[lo:lo+m])
		}
		if err := p.Run(); err != nil {
			return fmt.Errorf("odefunc: evaluating at t=%g: %w", t, err)
		}
		copy(dz[lo*D:(lo+m)*D], p.Output(0))
		switch {
		case k.vjp():
			copy(gz[lo*D:(lo+m)*D], p.Output(1))
			for i, g := range gp {
				for j, v := range p.Output(2 + i) {
					g[j] += v
				}
			}
		case k != kindF:
			copy(tr[lo:lo+m], p.Output(1))
		}
	}
	return nil
}

// chunkRows returns the compiled batch size used for m rows.
func chunkRows(m int) int {
	r := 8
	for r < m {
		r *= 2
	}
	return min(r, maxChunkRows)
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

func (d *Dynamics) program(k kind, rows int) (*graph.Program, error) {
	key := programKey{k, rows}
	if p, ok := d.programs[key]; ok {
		return p, nil
	}
	p, err := graph.Compile(func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
		return d.build(g, k, rows)
	})
	if err != nil {
		return nil, fmt.Errorf("odefunc: compiling the %d-row program: %w", rows, err)
	}
	d.programs[key] = p
	return p, nil
}

// build adds the inputs t (rows×1), z (rows×D) and, for Hutchinson, ε
// (rows×D), and the outputs f and, unless k is kindF, the trace term.
func (d *Dynamics) build(g *G.ExprGraph, k kind, rows int) (inputs, outputs []*G.Node, err error) {
	D := d.dim
	t := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, 1), G.WithName("t"))
	z := G.NewMatrix(g, tensor.Float64, G.WithShape(rows, D), G.WithName("z"))
	inputs = []*G.Node{t, z}
	params := BindParams(g, d.model.Params())

	var eps *G.Node
	if k.stochastic() {
		eps = G.NewMatrix(g, tensor.Float64, G.WithShape(rows, D), G.WithName("eps"))
		inputs = append(inputs, eps)
	}
	var f, trace *G.Node
	switch k {
	case kindF:
		f, _, err = d.model.Build(t, z, params, nil)
	default:
		f, trace, err = BuildTrace(d.model, t, z, params, eps)
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
