package gnode

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/distributions"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Forward adds to g a node computing the flow's forward map x = T(z) of
// the N×D float64 node z — base-side points to the data side, what
// sampling does — given opts.Context (N×C) for a conditional flow, and
// returns it with the parameter nodes it reads (opts.Params, or new leaves
// bound to the distribution's tensors, as LogProb's). The node is a
// differentiable sampler: its gradient with respect to z, the context and
// the parameters is the backward pass of the bijector's recorded forward
// pass (distributions.ForwardDifferentiable), so a loss of samples trains
// the flow. The base's parameters are inputs too, so that LogProb's
// parameter nodes can be shared, but get a zero gradient: T does not read
// them.
//
// The solve follows opts.Evaluation as LogProb's does: the training
// preset by default, the library's evaluation (Forward, ForwardContext,
// bit for bit) with Evaluation set. opts.Estimate is ignored. Every part of
// the bijector must have a recorded forward pass: one that has not (a
// Sigmoid, a MixtureCDF) is an ErrInput naming it.
func Forward(g *G.ExprGraph, d *distributions.TransformedDistribution, z *G.Node, opts Options) (x *G.Node, params []*G.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			x, params, err = nil, nil, fmt.Errorf("%w: building the node panicked: %v", ErrInput, r)
		}
	}()
	if g == nil || d == nil || d.Base == nil || d.Bijector == nil || z == nil {
		return nil, nil, fmt.Errorf("%w: Forward needs a graph, a distribution and an input node", ErrInput)
	}
	D, C := d.Dim(), d.ContextDim()
	if z.Graph() != g || z.Dtype() != tensor.Float64 || z.Dims() != 2 || z.Shape()[1] != D || z.Shape()[0] < 1 {
		return nil, nil, fmt.Errorf("%w: z is %v of shape %v, want a float64 N×%d node of the graph", ErrInput, z.Dtype(), z.Shape(), D)
	}
	n := z.Shape()[0]
	inputs, err := nodeInputs(g, z, n, C, opts.Context)
	if err != nil {
		return nil, nil, err
	}
	if err := recordsForward(d.Bijector, "the bijector"); err != nil {
		return nil, nil, err
	}
	fwd := d.Bijector.(distributions.ForwardDifferentiable)
	base, ok := d.Base.(distributions.DifferentiableBase)
	if !ok {
		return nil, nil, fmt.Errorf("%w: the base %T is not a DifferentiableBase, so the distribution has no parameter list", ErrInput, d.Base)
	}
	ps := d.Params()
	if len(ps) != len(base.Params())+len(fwd.Params()) {
		return nil, nil, fmt.Errorf("%w: the distribution has %d parameters, want the base's %d and the bijector's %d", ErrInput, len(ps), len(base.Params()), len(fwd.Params()))
	}
	name := opts.Name
	if name == "" {
		name = "flow"
	}
	ev := &evaluator{d: d, req: distributions.Request{Training: !opts.Evaluation}, n: n, dim: D, cdim: C, fwd: fwd, nb: len(base.Params())}
	return apply(g, &flowOp{name: name, n: n, dim: D, cdim: C, forward: true, ev: ev}, ps, inputs, opts.Params)
}

// recordsForward reports, as an ErrInput naming it, a part of the
// bijector b (named what) without a recorded forward pass.
func recordsForward(b distributions.Bijector, what string) error {
	if c, ok := b.(distributions.Chain); ok {
		for k, part := range c {
			if err := recordsForward(part, fmt.Sprintf("%s's Chain part %d", what, k)); err != nil {
				return err
			}
		}
		return nil
	}
	if _, ok := b.(distributions.ForwardDifferentiable); !ok {
		return fmt.Errorf("%w: %s (%T) has no recorded forward pass (it is not distributions.ForwardDifferentiable), so Forward cannot differentiate it", ErrInput, what, b)
	}
	return nil
}
