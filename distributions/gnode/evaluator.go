package gnode

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/ffjord-go/ffjord-go/distributions"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// evaluator runs a node's distribution: it records the pass (of log p, or
// of the forward map for a Forward node), keeps it for the gradient, and
// computes and keeps the gradient of the last cotangent.
type evaluator struct {
	mu           sync.Mutex
	d            distributions.Trainable
	req          distributions.Request
	n, dim, cdim int
	shapes       []tensor.Shape
	names        []string // of the parameter nodes, for errors

	// fwd, for a Forward node, is the bijector whose forward pass is
	// recorded, and nb the number of the base's parameters before its own
	// (they get no gradient); nil for a LogProb node.
	fwd distributions.ForwardDifferentiable
	nb  int

	// The recorded pass — its output (log p, or T(z) N×D) and its
	// backward, nil once consumed — and the rows, contexts and parameters
	// it was recorded on.
	out   []float64
	back  func(cot []float64, grads [][]float64) (inBar, ctxBar []float64, err error)
	x, c  []float64
	theta [][]float64

	// The last backward: its cotangent and the gradients, x's first, then
	// c's for a conditional flow, on the inputs above.
	haveGrads bool
	cot       []float64
	grads     [][]float64

	records, backwards int // counts, for tests
}

// forward loads the parameters into the distribution, records a pass on
// the data (x or z, and c for a conditional flow) and returns a copy of its
// output: the log-densities, or T(z).
func (e *evaluator) forward(data, theta []G.Value) (lp []float64, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	defer recovered(&err)
	if err := e.record(data, theta); err != nil {
		return nil, err
	}
	return slices.Clone(e.out), nil
}

// values returns the values of the data inputs: x, and c for a
// conditional flow.
func (e *evaluator) values(data []G.Value) (xs, cs []float64, err error) {
	if len(data) != 1+min(e.cdim, 1) {
		return nil, nil, fmt.Errorf("%w: %d data inputs, want %d", ErrInput, len(data), 1+min(e.cdim, 1))
	}
	if xs, err = float64s(data[0], e.n*e.dim); err != nil {
		return nil, nil, fmt.Errorf("x: %w", err)
	}
	if e.cdim > 0 {
		if cs, err = float64s(data[1], e.n*e.cdim); err != nil {
			return nil, nil, fmt.Errorf("context: %w", err)
		}
	}
	return xs, cs, nil
}

// record loads theta into the distribution's parameters and records a
// pass on the data, replacing any kept one.
func (e *evaluator) record(data []G.Value, theta []G.Value) error {
	e.back, e.haveGrads = nil, false
	xs, cs, err := e.values(data)
	if err != nil {
		return err
	}
	if err := e.load(theta); err != nil {
		return err
	}
	e.x = append(e.x[:0], xs...)
	e.c = append(e.c[:0], cs...)
	// The distribution may keep what it is given: it gets the copies.
	req := e.req
	if e.cdim > 0 {
		req.Context = e.c
	}
	if e.fwd != nil {
		pass, err := e.fwd.RecordForward(e.x, e.n, req)
		if err != nil {
			return err
		}
		if len(pass.X) != e.n*e.dim {
			return fmt.Errorf("%w: the recorded forward pass has %d values, want %d", ErrInput, len(pass.X), e.n*e.dim)
		}
		e.out = pass.X
		e.back = func(cot []float64, grads [][]float64) ([]float64, []float64, error) {
			zbar, err := pass.Backward(distributions.Cotangents{X: cot}, grads[e.nb:])
			return zbar, pass.ContextGrad, err
		}
	} else {
		pass, err := e.d.RecordLogProb(e.x, e.n, req)
		if err != nil {
			return err
		}
		e.out = pass.LogProb
		e.back = func(cot []float64, grads [][]float64) ([]float64, []float64, error) {
			xbar, err := pass.Backward(distributions.Cotangents{LogDet: cot}, grads)
			return xbar, pass.ContextGrad, err
		}
	}
	e.records++
	return nil
}

// outLen returns the number of values of the node's output, and of its
// cotangent.
func (e *evaluator) outLen() int {
	if e.fwd != nil {
		return e.n * e.dim
	}
	return e.n
}

// load copies the parameter values into the distribution's tensors
// (nothing to copy for a value that is the tensor itself) and keeps a copy
// as the key of the pass.
func (e *evaluator) load(theta []G.Value) error {
	ps := e.d.Params()
	if len(ps) != len(e.shapes) || len(theta) != len(e.shapes) {
		return fmt.Errorf("%w: %d parameter values for the distribution's %d parameters (built with %d)", ErrInput, len(theta), len(ps), len(e.shapes))
	}
	if len(e.theta) != len(ps) {
		e.theta = make([][]float64, len(ps))
	}
	// Every value is checked before any is copied: a non-finite one would
	// stay in the distribution and fail every later evaluation and save.
	srcs := make([][]float64, len(ps))
	for i, p := range ps {
		if !p.Shape().Eq(e.shapes[i]) {
			return fmt.Errorf("%w: the distribution's parameter %d changed shape to %v from %v", ErrInput, i, p.Shape(), e.shapes[i])
		}
		src, err := float64s(theta[i], e.shapes[i].TotalSize())
		if err != nil {
			return fmt.Errorf("parameter %d: %w", i, err)
		}
		for j, v := range src {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: parameter node %q (parameter %d) holds %v at index %d; the distribution's parameters are left as they were", ErrInput, e.name(i), i, v, j)
			}
		}
		srcs[i] = src
	}
	for i, p := range ps {
		if dst, src := p.Float64s(), srcs[i]; &dst[0] != &src[0] {
			copy(dst, src)
		}
		e.theta[i] = append(e.theta[i][:0], srcs[i]...)
	}
	return nil
}

// name returns the name of parameter node i.
func (e *evaluator) name(i int) string {
	if i < len(e.names) {
		return e.names[i]
	}
	return fmt.Sprintf("θ%d", i)
}

// gradients returns ∂L/∂x (∂L/∂z of a Forward node), ∂L/∂c (of a
// conditional flow) and ∂L/∂θ (in that order) for the cotangent
// cot = ∂L/∂logp (∂L/∂T(z)) at the inputs: the kept
// ones if they are of the same inputs and cotangent, else from the kept
// pass if it is of these inputs, else from a pass recorded anew.
func (e *evaluator) gradients(data, theta []G.Value, cot G.Value) (grads [][]float64, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	defer recovered(&err)
	xs, cv, err := e.values(data)
	if err != nil {
		return nil, err
	}
	cs, err := float64s(cot, e.outLen())
	if err != nil {
		return nil, fmt.Errorf("the cotangent of the output: %w", err)
	}
	same, err := e.sameInputs(xs, cv, theta)
	if err != nil {
		return nil, err
	}
	if same && e.haveGrads && slices.Equal(cs, e.cot) {
		return e.grads, nil
	}
	if !same || e.back == nil {
		if err := e.record(data, theta); err != nil {
			return nil, err
		}
	} else if err := e.load(theta); err != nil {
		// Another node of the distribution may have loaded its own values.
		return nil, err
	}
	k := 1 + min(e.cdim, 1) // data inputs before the parameters
	if len(e.grads) != k+len(e.shapes) {
		e.grads = make([][]float64, k+len(e.shapes))
		for i, s := range e.shapes {
			e.grads[k+i] = make([]float64, s.TotalSize())
		}
	}
	for _, g := range e.grads[k:] {
		clear(g)
	}
	e.cot = append(e.cot[:0], cs...)
	back := e.back
	e.back, e.haveGrads = nil, false // a pass is differentiated once
	xbar, cbar, err := back(slices.Clone(e.cot), e.grads[k:])
	if err != nil {
		return nil, err
	}
	if len(xbar) != e.n*e.dim {
		return nil, fmt.Errorf("%w: the backward pass gave %d input gradients, want %d", ErrInput, len(xbar), e.n*e.dim)
	}
	e.backwards++
	e.grads[0] = xbar
	if e.cdim > 0 {
		e.grads[1] = cbar
		if len(e.grads[1]) != e.n*e.cdim {
			e.grads[1] = make([]float64, e.n*e.cdim) // no block read the context
		}
	}
	e.haveGrads = true
	return e.grads, nil
}

// sameInputs reports whether x and theta are the rows and parameters of
// the kept pass (or of the kept gradients).
func (e *evaluator) sameInputs(xs, cs []float64, theta []G.Value) (bool, error) {
	if len(theta) != len(e.shapes) {
		return false, fmt.Errorf("%w: %d parameter values, want %d", ErrInput, len(theta), len(e.shapes))
	}
	if len(e.theta) != len(theta) || !slices.Equal(xs, e.x) || !slices.Equal(cs, e.c) {
		return false, nil
	}
	for i, v := range theta {
		src, err := float64s(v, e.shapes[i].TotalSize())
		if err != nil {
			return false, fmt.Errorf("parameter %d: %w", i, err)
		}
		if !slices.Equal(src, e.theta[i]) {
			return false, nil
		}
	}
	return true, nil
}

// float64s returns the values of a float64 tensor in row-major order (a
// copy for a view), checking that there are want of them (want < 0: any
// number).
func float64s(v G.Value, want int) ([]float64, error) {
	t, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%w: a value of type %T, want a *tensor.Dense", ErrInput, v)
	}
	if t.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("%w: a value of dtype %v, want float64", ErrInput, t.Dtype())
	}
	if !isDirect(t) {
		t = t.Materialize().(*tensor.Dense)
	}
	data := t.Float64s()
	if want >= 0 && len(data) != want {
		return nil, fmt.Errorf("%w: a value of %d elements, want %d", ErrInput, len(data), want)
	}
	return data, nil
}

// isDirect reports whether v's backing holds its values in row-major
// order, so that writing the backing writes v.
func isDirect(v G.Value) bool {
	t, ok := v.(*tensor.Dense)
	return ok && !t.IsView() && !t.IsMaterializable()
}

// recovered turns a panic of the distribution (a user's bijector, say)
// into an error: Gorgonia's machines do not recover an Op's panic.
func recovered(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("the distribution panicked: %v", r)
	}
}
