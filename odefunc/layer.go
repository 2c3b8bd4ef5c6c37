package odefunc

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Layer is one step of a feed-forward dynamics network together with its
// tangent rule.
//
// Build adds the layer to h's graph. h has shape rows×In(); t is the time as
// a rows×1 column; params are nodes bound to Params(), in order. For each
// tangent v of h (rows×In(), the derivative of h along some direction of z)
// Build returns the tangent of the output, (∂out/∂h)·v, so that traces and,
// through one gorgonia.Grad, gradients come for free. Build must not
// differentiate anything itself.
type Layer interface {
	In() int
	Out() int
	// Params returns the values the layer learns. The layer owns them; graphs
	// bind nodes to them, so updating them in place updates every program.
	Params() []*tensor.Dense
	Build(t, h *G.Node, tangents []*G.Node, params []*G.Node) (out *G.Node, outTangents []*G.Node, err error)
}

// Linear is the affine layer h·W + b with W of shape In×Out (row-vector
// convention, as in Sonnet and TFP) and b of shape 1×Out.
type Linear struct {
	W, B *tensor.Dense
}

// NewLinear returns a Linear layer initialised like Sonnet's Linear: weights
// from a normal with standard deviation 1/√in truncated at two standard
// deviations, biases zero.
func NewLinear(in, out int, src rand.Source) (*Linear, error) {
	if in <= 0 || out <= 0 {
		return nil, fmt.Errorf("%w: linear layer %d×%d", ErrInvalidConfig, in, out)
	}
	if in > MaxWidth || out > MaxWidth {
		return nil, fmt.Errorf("%w: linear layer %d×%d, over the limit of %d features", ErrTooLarge, in, out, MaxWidth)
	}
	if src == nil {
		return nil, fmt.Errorf("%w: nil random source", ErrInvalidConfig)
	}
	r := rand.New(src)
	std := 1 / math.Sqrt(float64(in))
	w := make([]float64, in*out)
	for i := range w {
		w[i] = truncatedNormal(r) * std
	}
	return &Linear{
		W: tensor.New(tensor.WithShape(in, out), tensor.WithBacking(w)),
		B: tensor.New(tensor.WithShape(1, out), tensor.WithBacking(make([]float64, out))),
	}, nil
}

// truncatedNormal draws a standard normal restricted to [−2, 2] by
// rejection, as tf.initializers.TruncatedNormal does.
func truncatedNormal(r *rand.Rand) float64 {
	for {
		if x := r.NormFloat64(); math.Abs(x) <= 2 {
			return x
		}
	}
}

// In returns the number of input features.
func (l *Linear) In() int { return l.W.Shape()[0] }

// Out returns the number of output features.
func (l *Linear) Out() int { return l.W.Shape()[1] }

// Params returns W and B.
func (l *Linear) Params() []*tensor.Dense { return []*tensor.Dense{l.W, l.B} }

// Build adds h·W + b; a tangent v maps to v·W.
func (l *Linear) Build(_, h *G.Node, tangents []*G.Node, params []*G.Node) (*G.Node, []*G.Node, error) {
	w, b := params[0], params[1]
	hw, err := G.Mul(h, w)
	if err != nil {
		return nil, nil, err
	}
	out, err := G.BroadcastAdd(hw, b, nil, []byte{0})
	if err != nil {
		return nil, nil, err
	}
	outT := make([]*G.Node, len(tangents))
	for i, v := range tangents {
		if outT[i], err = G.Mul(v, w); err != nil {
			return nil, nil, err
		}
	}
	return out, outT, nil
}

// Activation is an elementwise nonlinearity.
type Activation int

const (
	// Tanh is tanh(x), the tutorial's activation.
	Tanh Activation = iota
	// Softplus is log(1 + eˣ).
	Softplus
)

// String returns the activation's name as used in checkpoints.
func (a Activation) String() string {
	switch a {
	case Tanh:
		return "tanh"
	case Softplus:
		return "softplus"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation returns the activation named s ("tanh" or "softplus").
func ParseActivation(s string) (Activation, error) {
	switch s {
	case "tanh":
		return Tanh, nil
	case "softplus":
		return Softplus, nil
	}
	return 0, fmt.Errorf("%w: unknown activation %q (want tanh or softplus)", ErrInvalidConfig, s)
}

// ActivationLayer applies an Activation to every feature.
type ActivationLayer struct {
	Fn    Activation
	Width int
}

// In returns the number of features.
func (a *ActivationLayer) In() int { return a.Width }

// Out returns the number of features.
func (a *ActivationLayer) Out() int { return a.Width }

// Params returns nil: activations learn nothing.
func (a *ActivationLayer) Params() []*tensor.Dense { return nil }

// Build adds σ(h); a tangent v maps to σ'(h)⊙v, with tanh' = 1 − tanh² and
// softplus' = sigmoid.
func (a *ActivationLayer) Build(_, h *G.Node, tangents []*G.Node, _ []*G.Node) (*G.Node, []*G.Node, error) {
	var out, slope *G.Node
	var err error
	switch a.Fn {
	case Tanh:
		if out, err = G.Tanh(h); err != nil {
			return nil, nil, err
		}
		sq, err := G.Square(out)
		if err != nil {
			return nil, nil, err
		}
		one := G.NewConstant(1.0)
		if slope, err = G.Sub(one, sq); err != nil {
			return nil, nil, err
		}
	case Softplus:
		if out, err = G.Softplus(h); err != nil {
			return nil, nil, err
		}
		if slope, err = G.Sigmoid(h); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("%w: unknown activation %v", ErrInvalidConfig, a.Fn)
	}
	outT := make([]*G.Node, len(tangents))
	for i, v := range tangents {
		if outT[i], err = G.HadamardProd(slope, v); err != nil {
			return nil, nil, err
		}
	}
	return out, outT, nil
}

// TimeConcat prepends Copies columns of t to its input: with Copies = D it is
// the tutorial's concat([broadcast_to(t, z.shape), z], −1); with Copies = 1 it
// is concat([t, z]). Tangents get zero columns, since t does not depend on z.
type TimeConcat struct {
	Copies int
	Width  int // features of the input
}

// In returns the number of input features.
func (c *TimeConcat) In() int { return c.Width }

// Out returns In() + Copies.
func (c *TimeConcat) Out() int { return c.Width + c.Copies }

// Params returns nil.
func (c *TimeConcat) Params() []*tensor.Dense { return nil }

// Build adds concat(t, …, t, h).
func (c *TimeConcat) Build(t, h *G.Node, tangents []*G.Node, _ []*G.Node) (*G.Node, []*G.Node, error) {
	parts := make([]*G.Node, 0, c.Copies+1)
	for range c.Copies {
		parts = append(parts, t)
	}
	out, err := G.Concat(1, append(parts, h)...)
	if err != nil {
		return nil, nil, err
	}
	rows := h.Shape()[0]
	zeros := constant(h.Graph(), fmt.Sprintf("zeros%dx%d", rows, c.Copies), rows, c.Copies, make([]float64, rows*c.Copies))
	outT := make([]*G.Node, len(tangents))
	for i, v := range tangents {
		if outT[i], err = G.Concat(1, zeros, v); err != nil {
			return nil, nil, err
		}
	}
	return out, outT, nil
}

// constant adds a rows×cols matrix leaf holding data to g. Equal names must
// mean equal values: Gorgonia may merge leaves by name.
func constant(g *G.ExprGraph, name string, rows, cols int, data []float64) *G.Node {
	return G.NewMatrix(g, tensor.Float64, G.WithShape(rows, cols), G.WithName(name),
		G.WithValue(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(data))))
}
