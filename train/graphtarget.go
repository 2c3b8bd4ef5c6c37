package train

import (
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/graph"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GraphTarget is a Target written as a Gorgonia graph: log π̃(x) as a
// scalar node of the D-vector x, its gradient ∂ log π̃/∂x taken once by
// Gorgonia's symbolic G.Grad (first order: the user's graph is
// differentiated, never a gradient). It is compiled once, through package
// graph on the TapeMachine engine (which runs every Gorgonia operation),
// and each LogDensityGrad writes x into the program's input, runs it and
// reads both outputs; the gradient node is recomputed by every run, so
// nothing accumulates from one call to the next.
//
// A GraphTarget is not safe for concurrent use: one goroutine at a time,
// which is what ReverseKL does (train.Target's rule).
type GraphTarget struct {
	dim  int
	prog *graph.Program
	err  error
}

// NewGraphTarget compiles build into a Target on ℝ^dim. build receives the
// graph and the input x, a float64 vector of shape (dim) with no value
// (the program binds it), and returns the scalar node log π̃(x); it may add
// constants and any Gorgonia operation with a first-order gradient, but
// must not give x a value. Under graph's build lock, as every Gorgonia
// graph of the library is built, build must not compile another graph.
//
// NewGraphTarget returns an error wrapping ErrInvalidConfig for dim < 1
// or above distributions.MaxDim, a nil build or a nil result, a result
// that is not a float64 scalar, or one whose gradient in x Gorgonia cannot
// take (a result that does not depend on x, say); build's own error, or
// its panic, is returned wrapped.
func NewGraphTarget(dim int, build func(g *G.ExprGraph, x *G.Node) (*G.Node, error)) (*GraphTarget, error) {
	if dim < 1 || dim > distributions.MaxDim {
		return nil, fmt.Errorf("%w: NewGraphTarget: dimension %d, want 1 to %d", ErrInvalidConfig, dim, distributions.MaxDim)
	}
	if build == nil {
		return nil, fmt.Errorf("%w: NewGraphTarget: nil build", ErrInvalidConfig)
	}
	prog, err := graph.CompileWith(func(g *G.ExprGraph) ([]*G.Node, []*G.Node, error) {
		x := G.NewVector(g, tensor.Float64, G.WithShape(dim), G.WithName("x"))
		logp, err := build(g, x)
		if err != nil {
			return nil, nil, fmt.Errorf("NewGraphTarget: build: %w", err)
		}
		if logp == nil {
			return nil, nil, fmt.Errorf("%w: NewGraphTarget: build returned a nil node", ErrInvalidConfig)
		}
		if logp.Dtype() != tensor.Float64 || !logp.IsScalar() {
			return nil, nil, fmt.Errorf("%w: NewGraphTarget: log π̃ is a %v of shape %v, want a float64 scalar", ErrInvalidConfig, logp.Dtype(), logp.Shape())
		}
		if logp.Graph() != g {
			return nil, nil, fmt.Errorf("%w: NewGraphTarget: log π̃ is not a node of the graph given to build", ErrInvalidConfig)
		}
		if x.Value() != nil {
			return nil, nil, fmt.Errorf("%w: NewGraphTarget: build gave x a value", ErrInvalidConfig)
		}
		grads, err := G.Grad(logp, x)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: NewGraphTarget: ∂ log π̃/∂x: %w", ErrInvalidConfig, err)
		}
		if len(grads) != 1 || grads[0] == nil || grads[0].Shape().TotalSize() != dim {
			return nil, nil, fmt.Errorf("%w: NewGraphTarget: ∂ log π̃/∂x is not a %d-vector", ErrInvalidConfig, dim)
		}
		return []*G.Node{x}, []*G.Node{logp, grads[0]}, nil
	}, graph.TapeMachine)
	if err != nil {
		return nil, err
	}
	return &GraphTarget{dim: dim, prog: prog}, nil
}

// Dim returns D.
func (t *GraphTarget) Dim() int { return t.dim }

// LogDensityGrad writes ∇log π̃(x) into grad and returns log π̃(x). It
// never panics: for x or grad of a length other than D, or a run of the
// program that fails, it fills grad with NaN, returns NaN and keeps the
// error for Err (ReverseKL then stops with ErrDiverged, its report of a
// non-finite objective).
func (t *GraphTarget) LogDensityGrad(grad, x []float64) float64 {
	if len(x) != t.dim || len(grad) != t.dim {
		return t.fail(grad, fmt.Errorf("%w: GraphTarget.LogDensityGrad: x and grad of length %d and %d, want %d", ErrInvalidConfig, len(x), len(grad), t.dim))
	}
	copy(t.prog.Input(0), x)
	if err := t.prog.Run(); err != nil {
		return t.fail(grad, fmt.Errorf("GraphTarget.LogDensityGrad: %w", err))
	}
	copy(grad, t.prog.Output(1))
	return t.prog.Output(0)[0]
}

// fail records err and makes the call's result NaN.
func (t *GraphTarget) fail(grad []float64, err error) float64 {
	t.err = err
	for i := range grad {
		grad[i] = math.NaN()
	}
	return math.NaN()
}

// Err returns the error of the last LogDensityGrad that failed, or nil if
// none has; a later successful call does not clear it.
func (t *GraphTarget) Err() error { return t.err }
