package gnode

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gradOp is ∂L/∂(input wrt) of a flowOp's node: it reads the forward
// Op's inputs, its output and the cotangent (∂L/∂logp, or ∂L/∂T(z) of a
// Forward node), and returns the library's gradient, shaped like the
// input. Every gradOp of one node shares one Backward of the recorded
// pass.
type gradOp struct {
	fwd *flowOp
	wrt int
}

func (op *gradOp) Arity() int { return op.fwd.Arity() + 2 }

func (op *gradOp) Type() hm.Type {
	ts := op.fwd.types()
	out := ts[op.wrt]
	return hm.NewFnType(append(ts, op.fwd.outType(), op.fwd.outType(), out)...)
}

func (op *gradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if err := op.fwd.checkShapes(in); err != nil {
		return nil, err
	}
	for _, k := range []int{op.fwd.Arity(), op.fwd.Arity() + 1} {
		if s, ok := in[k].(tensor.Shape); !ok || !s.Eq(op.fwd.outShape()) {
			return nil, fmt.Errorf("%w: %s input %d has shape %v, want %v", ErrInput, op, k, in[k], op.fwd.outShape())
		}
	}
	return in[op.wrt].(tensor.Shape).Clone(), nil
}

func (op *gradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("%w: %s got %d values, want %d", ErrInput, op, len(in), op.Arity())
	}
	p, k := op.fwd.Arity(), op.fwd.data()
	grads, err := op.fwd.ev.gradients(in[:k], in[k:p], in[p+1])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	// A copy: Gorgonia's solvers and reductions write into gradients.
	g := append([]float64(nil), grads[op.wrt]...)
	return tensor.New(tensor.WithShape(op.fwd.inputShape(op.wrt)...), tensor.WithBacking(g)), nil
}

func (op *gradOp) ReturnsPtr() bool     { return false }
func (op *gradOp) CallsExtern() bool    { return false }
func (op *gradOp) OverwritesInput() int { return -1 }
func (op *gradOp) String() string       { return fmt.Sprintf("∂%s/∂in%d", op.fwd, op.wrt) }

func (op *gradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "gnode.grad %d %d", op.fwd.id, op.wrt) }

func (op *gradOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// DiffWRT: nothing. A gradient is never differentiated here.
func (op *gradOp) DiffWRT(inputs int) []bool { return make([]bool, inputs) }

// SymDiff refuses: second derivatives would need the library's
// second-order adjoint, which it does not have, and Gorgonia's own are
// wrong.
func (op *gradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%w: differentiating %s (second derivatives of a flow)", ErrNotSupported, op)
}

// DoDiff accepts a zero cotangent — the LispMachine differentiates every
// node it ran, also the gradient nodes of a graph that G.Grad already
// differentiated — and refuses any other.
func (op *gradOp) DoDiff(_ G.ExecutionContext, _ G.Nodes, output *G.Node) error {
	g, err := output.Grad()
	if err != nil {
		return nil // nothing flows back
	}
	data, err := float64s(g, -1)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for _, v := range data {
		if v != 0 {
			return fmt.Errorf("%w: differentiating %s (second derivatives of a flow)", ErrNotSupported, op)
		}
	}
	return nil
}
