package gnode

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	"github.com/ffjord-go/ffjord-go/distributions"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Options configures LogProb and Forward. The zero value evaluates the
// exact log-density with the solver settings of training, with new
// parameter leaves that share the distribution's tensors.
type Options struct {
	// Params are nodes of the graph holding the distribution's parameters,
	// one per d.Params() entry and shaped like it, float64. Nil makes new
	// leaves whose values are d.Params() themselves.
	Params []*G.Node
	// Estimate evaluates log p with the flow's stochastic trace estimator
	// (distributions.Request.Estimate: an FFJORD block's Hutchinson trace,
	// if it has one), an unbiased estimate, as the trainer does. Forward,
	// whose output has no trace in it, ignores it.
	Estimate bool
	// Evaluation solves the flow's ODEs as the library's evaluations do
	// (Flow.LogProb, NLL, sampling; for an FFJORD block by default per-row
	// step control at rtol 1e-5, atol 1e-7), so that the node's log p is the
	// library's LogProb, row for row and whatever the batch. False, the
	// default, solves as the library's trainer does (for an FFJORD block by
	// default the whole batch as one ODE at rtol 1e-3, atol 1e-5): cheaper,
	// and what training differentiates, but then a row's log p depends on
	// the other rows of the batch and is within the looser tolerance of the
	// library's. Tolerances or a step control set on the blocks themselves
	// (ffjord.Options.Solver) apply to both. Forward's node solves the
	// same way: the training preset by default, the evaluation preset with
	// Evaluation.
	Evaluation bool
	// Context is the conditioning input c (N×C, float64) of a conditional
	// flow p(x | c): row r of c is the context of row r of x. It is
	// required exactly when the distribution reads a context (its
	// ContextDim is C > 0), and the node's gradient reaches it too.
	Context *G.Node
	// Name prefixes the names of the new nodes; "" means "flow".
	Name string
}

// LogProb adds to g a node computing log p(x) for each row of the N×D
// float64 matrix node x (a vector of length N), and returns it with the
// parameter nodes it reads (opts.Params, or the new leaves). Its gradient
// with respect to x and the parameters is the distribution's own backward
// pass; see the package documentation.
func LogProb(g *G.ExprGraph, d distributions.Trainable, x *G.Node, opts Options) (logp *G.Node, params []*G.Node, err error) {
	defer func() {
		// Gorgonia's node constructors report some misuse by panicking,
		// and so does a typed nil distribution.
		if r := recover(); r != nil {
			logp, params, err = nil, nil, fmt.Errorf("%w: building the node panicked: %v", ErrInput, r)
		}
	}()
	if g == nil || d == nil || x == nil {
		return nil, nil, fmt.Errorf("%w: LogProb needs a graph, a distribution and an input node", ErrInput)
	}
	name := opts.Name
	if name == "" {
		name = "flow"
	}
	D := d.Dim()
	if D < 1 {
		return nil, nil, fmt.Errorf("%w: the distribution %T has dimension %d: it is nil or a zero value", ErrInput, d, D)
	}
	if x.Graph() != g {
		return nil, nil, fmt.Errorf("%w: x is not a node of the graph", ErrInput)
	}
	if x.Dtype() != tensor.Float64 || x.Dims() != 2 || x.Shape()[1] != D || x.Shape()[0] < 1 {
		return nil, nil, fmt.Errorf("%w: x is %v of shape %v, want float64 N×%d", ErrInput, x.Dtype(), x.Shape(), D)
	}
	n := x.Shape()[0]
	C := 0
	if cd, ok := d.(interface{ ContextDim() int }); ok {
		C = cd.ContextDim()
	}
	inputs, err := nodeInputs(g, x, n, C, opts.Context)
	if err != nil {
		return nil, nil, err
	}
	ev := &evaluator{d: d, req: distributions.Request{Estimate: opts.Estimate, Training: !opts.Evaluation}, n: n, dim: D, cdim: C}
	return apply(g, &flowOp{name: name, n: n, dim: D, cdim: C, ev: ev}, d.Params(), inputs, opts.Params)
}

// nodeInputs returns the data inputs of a flow's node: x and, for a
// distribution reading C > 0 context features, the context node c, checked
// against the graph and x's n rows.
func nodeInputs(g *G.ExprGraph, x *G.Node, n, C int, c *G.Node) ([]*G.Node, error) {
	switch {
	case C == 0 && c != nil:
		return nil, fmt.Errorf("%w: a context input for a distribution that reads none", ErrInput)
	case C > 0 && c == nil:
		return nil, fmt.Errorf("%w: the distribution reads a context of %d features per row; give it as Options.Context", ErrInput, C)
	case C > 0:
		if c.Graph() != g || c.Dtype() != tensor.Float64 || c.Dims() != 2 || c.Shape()[0] != n || c.Shape()[1] != C {
			return nil, fmt.Errorf("%w: the context is %v of shape %v, want a float64 %d×%d node of the graph", ErrInput, c.Dtype(), c.Shape(), n, C)
		}
		return []*G.Node{x, c}, nil
	}
	return []*G.Node{x}, nil
}

// apply checks the distribution's parameters ps, makes their nodes (or
// checks the caller's, given), completes op with their shapes and names and
// applies it to inputs and the parameter nodes.
func apply(g *G.ExprGraph, op *flowOp, ps []*tensor.Dense, inputs, given []*G.Node) (*G.Node, []*G.Node, error) {
	shapes := make([]tensor.Shape, len(ps))
	for i, p := range ps {
		if p.Dtype() != tensor.Float64 || p.Dims() == 0 {
			return nil, nil, fmt.Errorf("%w: parameter %d of the distribution is %v of shape %v; want a float64 tensor of at least one dimension", ErrInput, i, p.Dtype(), p.Shape())
		}
		shapes[i] = p.Shape().Clone()
	}
	params, err := paramNodes(g, ps, shapes, given, op.name)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name()
	}
	op.id, op.shapes, op.ev.shapes, op.ev.names = nextID.Add(1), shapes, shapes, names
	suffix := ".logp"
	if op.forward {
		suffix = ".forward"
	}
	out, err := G.ApplyOpWithName(op, op.name+suffix, append(inputs, params...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	return out, params, nil
}

// paramNodes returns the caller's parameter nodes after checking them, or
// new leaves bound to the distribution's tensors.
func paramNodes(g *G.ExprGraph, ps []*tensor.Dense, shapes []tensor.Shape, given []*G.Node, name string) ([]*G.Node, error) {
	if given != nil {
		if len(given) != len(ps) {
			return nil, fmt.Errorf("%w: %d parameter nodes for the distribution's %d parameters", ErrInput, len(given), len(ps))
		}
		for i, p := range given {
			if p == nil || p.Graph() != g {
				return nil, fmt.Errorf("%w: parameter node %d is nil or of another graph", ErrInput, i)
			}
			if p.Dtype() != tensor.Float64 || !p.Shape().Eq(shapes[i]) {
				return nil, fmt.Errorf("%w: parameter node %d is %v of shape %v, want float64 of shape %v", ErrInput, i, p.Dtype(), p.Shape(), shapes[i])
			}
		}
		return append([]*G.Node(nil), given...), nil
	}
	nodes := make([]*G.Node, len(ps))
	for i, p := range ps {
		nodes[i] = G.NewTensor(g, tensor.Float64, p.Dims(), G.WithShape(shapes[i].Clone()...),
			G.WithName(fmt.Sprintf("%s.θ%d", name, i)), G.WithValue(p))
	}
	return nodes, nil
}

// nextID numbers the nodes' Ops: Gorgonia merges nodes of equal hashes, so
// every Op hashes its own number.
var nextID atomic.Uint64

// flowOp is the forward Op of a node: (x, [c,] θ₀, …, θ_{P−1}) ↦
// log p(x [| c]), a vector, for LogProb, or (z, [c,] θ…) ↦ T(z [| c]),
// N×D, for Forward.
type flowOp struct {
	id           uint64
	name         string
	n, dim, cdim int
	shapes       []tensor.Shape
	ev           *evaluator
	forward      bool // Forward's node, else LogProb's
}

// data returns the number of data inputs before the parameters: x, and c
// for a conditional flow.
func (op *flowOp) data() int {
	if op.cdim > 0 {
		return 2
	}
	return 1
}

// inputShape returns the shape of input i.
func (op *flowOp) inputShape(i int) tensor.Shape {
	switch {
	case i == 0:
		return tensor.Shape{op.n, op.dim}
	case i == 1 && op.cdim > 0:
		return tensor.Shape{op.n, op.cdim}
	}
	return op.shapes[i-op.data()].Clone()
}

// types returns the types of x, c and the parameters, freshly made:
// Gorgonia returns an Op's function type to a pool after inferring.
func (op *flowOp) types() []hm.Type {
	ts := []hm.Type{G.TensorType{Dims: 2, Of: tensor.Float64}}
	if op.cdim > 0 {
		ts = append(ts, G.TensorType{Dims: 2, Of: tensor.Float64})
	}
	for _, s := range op.shapes {
		ts = append(ts, G.TensorType{Dims: s.Dims(), Of: tensor.Float64})
	}
	return ts
}

var (
	vectorType = G.TensorType{Dims: 1, Of: tensor.Float64}
	matrixType = G.TensorType{Dims: 2, Of: tensor.Float64}
)

// outType is the type of the output: a vector of log p, or the N×D T(z).
func (op *flowOp) outType() hm.Type {
	if op.forward {
		return matrixType
	}
	return vectorType
}

// outShape is the shape of the output.
func (op *flowOp) outShape() tensor.Shape {
	if op.forward {
		return tensor.Shape{op.n, op.dim}
	}
	return tensor.Shape{op.n}
}

func (op *flowOp) Arity() int { return op.data() + len(op.shapes) }

func (op *flowOp) Type() hm.Type {
	return hm.NewFnType(append(op.types(), op.outType())...)
}

func (op *flowOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if err := op.checkShapes(in); err != nil {
		return nil, err
	}
	return op.outShape(), nil
}

// checkShapes checks the shapes of x and the parameters.
func (op *flowOp) checkShapes(in []G.DimSizer) error {
	if len(in) < op.Arity() {
		return fmt.Errorf("%w: %s has %d inputs, want %d", ErrInput, op, len(in), op.Arity())
	}
	for i := range op.Arity() {
		w := op.inputShape(i)
		s, ok := in[i].(tensor.Shape)
		if !ok || !s.Eq(w) {
			return fmt.Errorf("%w: %s input %d has shape %v, want %v", ErrInput, op, i, in[i], w)
		}
	}
	return nil
}

func (op *flowOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%w: %s got %d values, want %d", ErrInput, op, len(in), op.Arity())
	}
	out, err := op.ev.forward(in[:op.data()], in[op.data():])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return tensor.New(tensor.WithShape(op.outShape()...), tensor.WithBacking(out)), nil
}

func (op *flowOp) ReturnsPtr() bool     { return false }
func (op *flowOp) CallsExtern() bool    { return false }
func (op *flowOp) OverwritesInput() int { return -1 }
func (op *flowOp) String() string {
	if op.forward {
		return op.name + ".forward"
	}
	return op.name + ".logp"
}

func (op *flowOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "gnode.flow %d", op.id) }

func (op *flowOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// DiffWRT: x (or z), the context and every parameter.
func (op *flowOp) DiffWRT(inputs int) []bool {
	diff := make([]bool, inputs)
	for i := range diff {
		diff[i] = true
	}
	return diff
}

// SymDiff returns, for each input, a node of gradOp that reads the inputs,
// the output (so that it runs after the forward Op) and the cotangent.
func (op *flowOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, fmt.Errorf("%w: %s differentiated with %d inputs, want %d", ErrInput, op, len(inputs), op.Arity())
	}
	children := append(append(G.Nodes{}, inputs...), output, grad)
	out := make(G.Nodes, len(inputs))
	for i := range inputs {
		var err error
		if out[i], err = G.ApplyOp(&gradOp{fwd: op, wrt: i}, children...); err != nil {
			return nil, fmt.Errorf("%s: gradient of input %d: %w", op, i, err)
		}
	}
	return out, nil
}

// DoDiff is the LispMachine's automatic differentiation: it adds the
// library's ∂L/∂x (or ∂L/∂z), ∂L/∂c and ∂L/∂θ to the inputs' gradients.
func (op *flowOp) DoDiff(_ G.ExecutionContext, inputs G.Nodes, output *G.Node) error {
	if len(inputs) != op.Arity() {
		return fmt.Errorf("%w: %s differentiated with %d inputs, want %d", ErrInput, op, len(inputs), op.Arity())
	}
	cot, err := output.Grad()
	if err != nil {
		return fmt.Errorf("%s: the output has no gradient: %w", op, err)
	}
	vals := make([]G.Value, len(inputs))
	for i, in := range inputs {
		vals[i] = in.Value()
	}
	grads, err := op.ev.gradients(vals[:op.data()], vals[op.data():], cot)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for i, in := range inputs {
		gv, err := in.Grad()
		if err != nil {
			return fmt.Errorf("%s: input %d has no gradient: %w", op, i, err)
		}
		dst, err := float64s(gv, len(grads[i]))
		if err != nil || !isDirect(gv) {
			return fmt.Errorf("%w: %s: the gradient of input %d is not a contiguous float64 tensor of %d values", ErrInput, op, i, len(grads[i]))
		}
		for j, v := range grads[i] {
			dst[j] += v
		}
	}
	return nil
}
