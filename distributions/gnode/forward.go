package gnode

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"github.com/ffjord-go/ffjord-go/distributions"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Forward adds to g a node computing the flow's forward map T(z) of the
// N×D float64 node z — base-side points to the data side, what sampling
// does — given opts.Context (N×C) for a conditional flow. It reads the
// distribution's current parameters (those LogProb's parameter nodes share
// by default), so a graph that trains the flow samples from the trained
// flow. The node is for sampling: it has no gradient, and differentiating
// through it is ErrNotSupported (the log-density node is the one to train).
// opts.Params and opts.Estimate are ignored.
func Forward(g *G.ExprGraph, d *distributions.TransformedDistribution, z *G.Node, opts Options) (x *G.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			x, err = nil, fmt.Errorf("%w: building the node panicked: %v", ErrInput, r)
		}
	}()
	if g == nil || d == nil || d.Base == nil || d.Bijector == nil || z == nil {
		return nil, fmt.Errorf("%w: Forward needs a graph, a distribution and an input node", ErrInput)
	}
	D, C := d.Dim(), d.ContextDim()
	if z.Graph() != g || z.Dtype() != tensor.Float64 || z.Dims() != 2 || z.Shape()[1] != D || z.Shape()[0] < 1 {
		return nil, fmt.Errorf("%w: z is %v of shape %v, want a float64 N×%d node of the graph", ErrInput, z.Dtype(), z.Shape(), D)
	}
	n := z.Shape()[0]
	inputs := []*G.Node{z}
	switch c := opts.Context; {
	case C == 0 && c != nil:
		return nil, fmt.Errorf("%w: a context input for a distribution that reads none", ErrInput)
	case C > 0 && c == nil:
		return nil, fmt.Errorf("%w: the distribution reads a context of %d features per row; give it as Options.Context", ErrInput, C)
	case C > 0:
		if c.Graph() != g || c.Dtype() != tensor.Float64 || c.Dims() != 2 || c.Shape()[0] != n || c.Shape()[1] != C {
			return nil, fmt.Errorf("%w: the context is %v of shape %v, want a float64 %d×%d node of the graph", ErrInput, c.Dtype(), c.Shape(), n, C)
		}
		inputs = append(inputs, c)
	}
	name := opts.Name
	if name == "" {
		name = "flow"
	}
	op := &forwardOp{id: nextID.Add(1), name: name, d: d, n: n, dim: D, cdim: C}
	x, err = G.ApplyOpWithName(op, name+".forward", inputs...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	return x, nil
}

// forwardOp is (z [, c]) ↦ T(z [| c]).
type forwardOp struct {
	id           uint64
	name         string
	d            *distributions.TransformedDistribution
	n, dim, cdim int
}

func (op *forwardOp) Arity() int {
	if op.cdim > 0 {
		return 2
	}
	return 1
}

func (op *forwardOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: tensor.Float64}
	if op.cdim > 0 {
		return hm.NewFnType(m, G.TensorType{Dims: 2, Of: tensor.Float64}, G.TensorType{Dims: 2, Of: tensor.Float64})
	}
	return hm.NewFnType(m, G.TensorType{Dims: 2, Of: tensor.Float64})
}

func (op *forwardOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) < op.Arity() {
		return nil, fmt.Errorf("%w: %s has %d inputs, want %d", ErrInput, op, len(in), op.Arity())
	}
	if s, ok := in[0].(tensor.Shape); !ok || !s.Eq(tensor.Shape{op.n, op.dim}) {
		return nil, fmt.Errorf("%w: %s input z has shape %v, want (%d, %d)", ErrInput, op, in[0], op.n, op.dim)
	}
	return tensor.Shape{op.n, op.dim}, nil
}

func (op *forwardOp) Do(in ...G.Value) (v G.Value, err error) {
	defer recovered(&err)
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%w: %s got %d values, want %d", ErrInput, op, len(in), op.Arity())
	}
	zs, err := float64s(in[0], op.n*op.dim)
	if err != nil {
		return nil, fmt.Errorf("%s: z: %w", op, err)
	}
	z := tensor.New(tensor.WithShape(op.n, op.dim), tensor.WithBacking(append([]float64(nil), zs...)))
	var x *tensor.Dense
	if op.cdim > 0 {
		cs, err := float64s(in[1], op.n*op.cdim)
		if err != nil {
			return nil, fmt.Errorf("%s: context: %w", op, err)
		}
		cb, ok := op.d.Bijector.(distributions.ConditionalBijector)
		if !ok {
			return nil, fmt.Errorf("%w: %s: the bijector %T takes no context", ErrInput, op, op.d.Bijector)
		}
		x, err = cb.ForwardContext(z, tensor.New(tensor.WithShape(op.n, op.cdim), tensor.WithBacking(append([]float64(nil), cs...))))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	} else if x, err = op.d.Bijector.Forward(z); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return x, nil
}

func (op *forwardOp) ReturnsPtr() bool     { return false }
func (op *forwardOp) CallsExtern() bool    { return false }
func (op *forwardOp) OverwritesInput() int { return -1 }
func (op *forwardOp) String() string       { return op.name + ".forward" }

func (op *forwardOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "gnode.forward %d", op.id) }

func (op *forwardOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// DiffWRT: nothing; the node is for sampling.
func (op *forwardOp) DiffWRT(inputs int) []bool { return make([]bool, inputs) }

// SymDiff refuses: the forward map's gradient is not provided.
func (op *forwardOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%w: differentiating %s (the forward map is for sampling)", ErrNotSupported, op)
}

// DoDiff refuses as SymDiff does.
func (op *forwardOp) DoDiff(G.ExecutionContext, G.Nodes, *G.Node) error {
	return fmt.Errorf("%w: differentiating %s (the forward map is for sampling)", ErrNotSupported, op)
}
