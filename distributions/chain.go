package distributions

import (
	"errors"
	"fmt"

	"gorgonia.org/tensor"
)

// Chain composes bijectors in TFP's order: Chain{b3, b2, b1, b0} applies b0
// first in Forward, so Forward(x) = b3(b2(b1(b0(x)))), and Inverse undoes b3
// first. An empty Chain is the identity on whatever it is given.
type Chain []Bijector

// NewChain returns the chain of bs, last applied first, as
// tfb.Chain(bijectors[::-1]) does in the tutorial.
func NewChain(bs ...Bijector) (Chain, error) {
	for i, b := range bs {
		if b == nil {
			return nil, fmt.Errorf("%w: bijector %d of the chain is nil", ErrInvalidParameter, i)
		}
	}
	return Chain(append([]Bijector(nil), bs...)), nil
}

// Forward returns the chain's map of x.
func (c Chain) Forward(x *tensor.Dense) (*tensor.Dense, error) {
	y, _, err := c.forward(x, false)
	return y, err
}

// Inverse returns the chain's inverse map of y.
func (c Chain) Inverse(y *tensor.Dense) (*tensor.Dense, error) {
	x, _, err := c.inverse(y, false)
	return x, err
}

// ForwardWithLogDet returns Forward(x) and Σ_k log|det ∂b_k| along the way.
func (c Chain) ForwardWithLogDet(x *tensor.Dense) (*tensor.Dense, []float64, error) {
	return c.forward(x, true)
}

// InverseWithLogDet returns Inverse(y) and the log-determinant of the inverse.
func (c Chain) InverseWithLogDet(y *tensor.Dense) (*tensor.Dense, []float64, error) {
	return c.inverse(y, true)
}

// ForwardLogDetJacobian returns log|det ∂Forward/∂x| for each row of x.
func (c Chain) ForwardLogDetJacobian(x *tensor.Dense) ([]float64, error) {
	_, ld, err := c.forward(x, true)
	return ld, err
}

// InverseLogDetJacobian returns log|det ∂Inverse/∂y| for each row of y.
func (c Chain) InverseLogDetJacobian(y *tensor.Dense) ([]float64, error) {
	_, ld, err := c.inverse(y, true)
	return ld, err
}

func (c Chain) forward(x *tensor.Dense, withLogDet bool) (*tensor.Dense, []float64, error) {
	return c.apply(x, withLogDet, len(c)-1, -1, Bijector.ForwardWithLogDet, Bijector.Forward)
}

func (c Chain) inverse(y *tensor.Dense, withLogDet bool) (*tensor.Dense, []float64, error) {
	return c.apply(y, withLogDet, 0, 1, Bijector.InverseWithLogDet, Bijector.Inverse)
}

// apply runs the bijectors from index first in steps of step, summing
// log-determinants when asked.
func (c Chain) apply(x *tensor.Dense, withLogDet bool, first, step int,
	withLD func(Bijector, *tensor.Dense) (*tensor.Dense, []float64, error),
	plain func(Bijector, *tensor.Dense) (*tensor.Dense, error)) (*tensor.Dense, []float64, error) {
	if len(c) == 0 {
		if x == nil {
			return nil, nil, errors.New("distributions: Chain: nil batch")
		}
		if withLogDet {
			return x.Clone().(*tensor.Dense), make([]float64, x.Shape()[0]), nil
		}
		return x.Clone().(*tensor.Dense), nil, nil
	}
	var total []float64
	for k := first; k >= 0 && k < len(c); k += step {
		var err error
		if withLogDet {
			var ld []float64
			x, ld, err = withLD(c[k], x)
			if err == nil {
				if total == nil {
					total = ld
				} else {
					for i := range total {
						total[i] += ld[i]
					}
				}
			}
		} else {
			x, err = plain(c[k], x)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("distributions: Chain bijector %d: %w", k, err)
		}
	}
	return x, total, nil
}

// Params returns the parameters of every bijector of the chain, in the
// chain's order (Chain{b1, b0}: b1's, then b0's). It is nil if a bijector
// is not Differentiable.
func (c Chain) Params() []*tensor.Dense {
	var ps []*tensor.Dense
	for _, b := range c {
		d, ok := b.(Differentiable)
		if !ok {
			return nil
		}
		ps = append(ps, d.Params()...)
	}
	return ps
}

// RecordInverse records the chain's inverse pass: c[0] first, as Inverse.
// Every bijector must be Differentiable. The pass's log-determinant and
// penalties are the sums over the bijectors, and its Work lists theirs from
// the one Forward applies first.
func (c Chain) RecordInverse(y []float64, n int, req Request) (*Pass, error) {
	return c.record(y, n, req, false)
}

// record records the chain's inverse pass, c[0] first, or with forward its
// forward pass, c[len(c)−1] first; the backward pass runs the other way.
func (c Chain) record(y []float64, n int, req Request, forward bool) (*Pass, error) {
	if len(c) == 0 {
		return nil, fmt.Errorf("%w: empty Chain has nothing to record", ErrInvalidParameter)
	}
	recs := make([]func([]float64, int, Request) (*Pass, error), len(c))
	offs := make([]int, len(c)+1) // bijector k's parameters are grads[offs[k]:offs[k+1]]
	for k, b := range c {
		d, ok := b.(Differentiable)
		if !ok {
			return nil, fmt.Errorf("%w: Chain bijector %d (%T) is not Differentiable", ErrInvalidParameter, k, b)
		}
		recs[k], offs[k+1] = d.RecordInverse, offs[k]+len(d.Params())
		if forward {
			f, ok := b.(ForwardDifferentiable)
			if !ok {
				return nil, fmt.Errorf("%w: Chain bijector %d (%T) has no recorded forward pass (it is not ForwardDifferentiable)", ErrInvalidParameter, k, b)
			}
			recs[k] = f.RecordForward
		}
	}
	order := make([]int, len(c)) // the order the bijectors are applied in
	for i := range order {
		order[i] = i
		if forward {
			order[i] = len(c) - 1 - i
		}
	}
	passes := make([]*Pass, len(c))
	out := &Pass{}
	x := y
	for _, k := range order {
		p, err := recs[k](x, n, req)
		if err != nil {
			return nil, fmt.Errorf("distributions: Chain bijector %d: %w", k, err)
		}
		passes[k], x = p, p.X
		out.LogDet = addRows(out.LogDet, p.LogDet)
		out.Kinetic = addRows(out.Kinetic, p.Kinetic)
		out.Jacobian = addRows(out.Jacobian, p.Jacobian)
	}
	out.X = x
	// work lists the blocks' work from the one Forward applies first.
	work := func() []Work {
		var w []Work
		for k := len(passes) - 1; k >= 0; k-- {
			w = append(w, passes[k].Work...)
		}
		return w
	}
	out.Work = work()
	out.Backward = func(ct Cotangents, grads [][]float64) ([]float64, error) {
		if len(grads) != offs[len(c)] {
			return nil, fmt.Errorf("%w: %d gradient slices for the chain's %d parameters", ErrInvalidParameter, len(grads), offs[len(c)])
		}
		// The same per-row cotangents reach every bijector's log-det and
		// penalties; the points' cotangent flows back through them.
		for i := len(order) - 1; i >= 0; i-- {
			k := order[i]
			xbar, err := passes[k].Backward(ct, grads[offs[k]:offs[k+1]])
			if err != nil {
				return nil, fmt.Errorf("distributions: Chain bijector %d backward: %w", k, err)
			}
			ct.X = xbar
			out.ContextGrad = addRows(out.ContextGrad, passes[k].ContextGrad)
		}
		out.Work = work()
		return ct.X, nil
	}
	return out, nil
}

func addTo(dst, src []float64) {
	for i, v := range src {
		dst[i] += v
	}
}

// addRows adds a bijector's per-row values (log-det, a penalty, a context
// gradient) to the running sum, nil meaning none, and returns the sum.
func addRows(sum, p []float64) []float64 {
	switch {
	case p == nil:
		return sum
	case sum == nil:
		return append([]float64(nil), p...)
	}
	addTo(sum, p)
	return sum
}
