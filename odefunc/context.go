package odefunc

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ContextModel is a Model of a conditional dynamics f(t, z, c): every row
// has a context vector c of ContextDim() values, constant along the solve.
// BuildContext is Build with c as a rows×ContextDim() node; the directions
// and their products are along z only (the trace is over z), and rows stay
// independent. With ContextDim() = 0, c is nil and BuildContext must build
// what Build builds.
type ContextModel interface {
	Model
	ContextDim() int
	BuildContext(t, z, c *G.Node, params []*G.Node, directions []*G.Node) (f *G.Node, jvps []*G.Node, err error)
}

// ContextLayer is a Layer that also reads the context c (rows×ContextDim())
// of a conditional network. Its Build, without a context, is an error.
type ContextLayer interface {
	Layer
	ContextDim() int
	BuildContext(t, c, h *G.Node, tangents []*G.Node, params []*G.Node) (out *G.Node, outTangents []*G.Node, err error)
}

// contextDimOf returns the context dimension of m: 0 unless m is a
// ContextModel.
func contextDimOf(m Model) int {
	if cm, ok := m.(ContextModel); ok {
		return cm.ContextDim()
	}
	return 0
}

// ContextConcat appends the context to its input, [h, c]: conditioning by
// concatenation, as zuko's CNF and TFP's conditional FFJORD do. Tangents
// get zero columns, since c does not depend on z.
type ContextConcat struct {
	Width   int // features of the input h
	Context int // C, features of the context
}

// In returns the input features.
func (l *ContextConcat) In() int { return l.Width }

// Out returns In() + C.
func (l *ContextConcat) Out() int { return l.Width + l.Context }

// ContextDim returns C.
func (l *ContextConcat) ContextDim() int { return l.Context }

// Params returns nil.
func (l *ContextConcat) Params() []*tensor.Dense { return nil }

// Build is an error: the layer needs a context.
func (l *ContextConcat) Build(_, _ *G.Node, _ []*G.Node, _ []*G.Node) (*G.Node, []*G.Node, error) {
	return nil, nil, fmt.Errorf("%w: ContextConcat needs a context (build it with BuildContext)", ErrInvalidConfig)
}

// BuildContext adds concat(h, c).
func (l *ContextConcat) BuildContext(_, c, h *G.Node, tangents []*G.Node, _ []*G.Node) (*G.Node, []*G.Node, error) {
	if c == nil {
		return nil, nil, fmt.Errorf("%w: ContextConcat got no context", ErrInvalidConfig)
	}
	out, err := G.Concat(1, h, c)
	if err != nil {
		return nil, nil, err
	}
	rows := h.Shape()[0]
	zeros := constant(h.Graph(), fmt.Sprintf("czeros%dx%d", rows, l.Context), rows, l.Context, make([]float64, rows*l.Context))
	outT := make([]*G.Node, len(tangents))
	for i, v := range tangents {
		if outT[i], err = G.Concat(1, v, zeros); err != nil {
			return nil, nil, err
		}
	}
	return out, outT, nil
}

// ContextSquashLinear is ConcatSquashLinear's gate and shift driven by the
// context instead of the time: an affine map of h gated and shifted by c,
//
//	out = (h·W + b) ⊙ σ(c·Wg + bg) + c·Wb,
//
// with W In×Out, Wg and Wb C×Out, b and bg 1×Out.
type ContextSquashLinear struct {
	W, B *tensor.Dense // the affine map of h
	Wg   *tensor.Dense // gate weight: the gate is σ(c·Wg + Bg)
	Bg   *tensor.Dense // gate bias
	Wb   *tensor.Dense // context shift: c·Wb is added to the output
}

// NewContextSquashLinear returns a ContextSquashLinear layer: W as NewLinear
// (b zero), Wg, bg and Wb uniform on ±1/√C as PyTorch's nn.Linear(C, Out),
// drawn from src in the order W, Wg, bg, Wb.
func NewContextSquashLinear(in, out, context int, src rand.Source) (*ContextSquashLinear, error) {
	if context <= 0 || context > MaxWidth {
		return nil, fmt.Errorf("%w: context of %d features, want 1 to %d", ErrInvalidConfig, context, MaxWidth)
	}
	lin, err := NewLinear(in, out, src)
	if err != nil {
		return nil, err
	}
	r := rand.New(src)
	bound := 1 / math.Sqrt(float64(context))
	uniform := func(rows int) *tensor.Dense {
		v := make([]float64, rows*out)
		for i := range v {
			v[i] = bound * (2*r.Float64() - 1)
		}
		return tensor.New(tensor.WithShape(rows, out), tensor.WithBacking(v))
	}
	wg := uniform(context)
	bg := uniform(1)
	wb := uniform(context)
	return &ContextSquashLinear{W: lin.W, B: lin.B, Wg: wg, Bg: bg, Wb: wb}, nil
}

// In returns the input features.
func (l *ContextSquashLinear) In() int { return l.W.Shape()[0] }

// Out returns the output features.
func (l *ContextSquashLinear) Out() int { return l.W.Shape()[1] }

// ContextDim returns C.
func (l *ContextSquashLinear) ContextDim() int { return l.Wg.Shape()[0] }

// Params returns W, B, Wg, Bg and Wb, in that order.
func (l *ContextSquashLinear) Params() []*tensor.Dense {
	return []*tensor.Dense{l.W, l.B, l.Wg, l.Bg, l.Wb}
}

// Build is an error: the layer needs a context.
func (l *ContextSquashLinear) Build(_, _ *G.Node, _ []*G.Node, _ []*G.Node) (*G.Node, []*G.Node, error) {
	return nil, nil, fmt.Errorf("%w: ContextSquashLinear needs a context (build it with BuildContext)", ErrInvalidConfig)
}

// BuildContext adds (h·W + b) ⊙ σ(c·Wg + bg) + c·Wb; a tangent v maps to
// (v·W) ⊙ σ(c·Wg + bg), since c does not depend on z.
func (l *ContextSquashLinear) BuildContext(_, c, h *G.Node, tangents []*G.Node, params []*G.Node) (*G.Node, []*G.Node, error) {
	if c == nil {
		return nil, nil, fmt.Errorf("%w: ContextSquashLinear got no context", ErrInvalidConfig)
	}
	if len(params) != 5 {
		return nil, nil, fmt.Errorf("%w: context-squash layer needs 5 parameters, got %d", ErrInvalidConfig, len(params))
	}
	return squash(h, c, tangents, params)
}
