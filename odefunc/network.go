package odefunc

import (
	"fmt"
	"math/rand/v2"
	"reflect"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Network is a Model made of Layers applied in order to z. The network sees
// t through its layers: usually a TimeConcat first, or ConcatSquashLinear
// layers throughout.
type Network struct {
	dim     int
	context int // C of its ContextLayers; 0 for an unconditional network
	layers  []Layer
}

// NewNetwork returns the Network applying layers in order to z ∈ ℝ^dim. The
// widths must chain (each layer's In equals the previous Out) and the last
// layer must return dim features. A network with ContextLayers is
// conditional (a ContextModel): they must all read the same context
// dimension.
func NewNetwork(dim int, layers ...Layer) (*Network, error) {
	if dim <= 0 {
		return nil, fmt.Errorf("%w: dimension %d", ErrInvalidConfig, dim)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("%w: a network needs at least one layer", ErrInvalidConfig)
	}
	if dim > MaxDim || len(layers) > MaxLayers {
		return nil, fmt.Errorf("%w: network of dimension %d with %d layers, over the limits of %d and %d", ErrTooLarge, dim, len(layers), MaxDim, MaxLayers)
	}
	width, context := dim, 0
	for i, l := range layers {
		if l == nil {
			return nil, fmt.Errorf("%w: layer %d is nil", ErrInvalidConfig, i)
		}
		if err := layerComplete(l); err != nil {
			return nil, fmt.Errorf("%w: layer %d: %v", ErrInvalidConfig, i, err)
		}
		if cl, ok := l.(ContextLayer); ok {
			if context != 0 && cl.ContextDim() != context {
				return nil, fmt.Errorf("%w: layer %d reads a context of %d features, an earlier layer %d", ErrInvalidConfig, i, cl.ContextDim(), context)
			}
			if cl.ContextDim() <= 0 {
				return nil, fmt.Errorf("%w: layer %d reads a context of %d features", ErrInvalidConfig, i, cl.ContextDim())
			}
			context = cl.ContextDim()
		}
		if l.In() != width {
			return nil, fmt.Errorf("%w: layer %d takes %d features but receives %d", ErrInvalidConfig, i, l.In(), width)
		}
		width = l.Out()
	}
	if width != dim {
		return nil, fmt.Errorf("%w: the last layer returns %d features, want %d", ErrInvalidConfig, width, dim)
	}
	return &Network{dim: dim, context: context, layers: layers}, nil
}

// MLPConfig describes an MLP dynamics: Linear layers of the Hidden widths
// each followed by Activation, then a Linear layer back to Dim features, with
// t entering as Time says. The zero value with Dim set is the tutorial's
// MLP_ODE: concat(t, …, t, z) as the input.
type MLPConfig struct {
	Dim        int        // dimension of z; required
	Hidden     []int      // hidden widths; nil means {8, 8}, the tutorial's
	Activation Activation // zero value: Tanh
	// Time is how the network sees t; the zero value is ConcatTime, the
	// tutorial's [t, …, t, z]. With ConcatSquash every linear layer is a
	// ConcatSquashLinear; with IgnoreTime f does not depend on t.
	Time TimeInput
	// SingleTime is the older spelling of Time = ConcatTimeSingle, kept so
	// that existing configurations work: with Time left at ConcatTime it
	// selects ConcatTimeSingle; with ConcatSquash or IgnoreTime it is an
	// error, since those modes do not concatenate t.
	SingleTime bool
	// Context is C, the features of a context vector per row (0: an
	// unconditional network, the tutorial's).
	Context int
	// ContextInput is how the network sees the context; the zero value is
	// ContextConcatInput.
	ContextInput ContextInput
}

// ContextInput is how a conditional MLP sees its context c.
type ContextInput int

const (
	// ContextConcatInput appends c to the network's input once:
	// [t, …, t, z, c].
	ContextConcatInput ContextInput = iota
	// ContextSquashInput gates and shifts every linear layer by c
	// (ContextSquashLinear); t enters as Time says, except ConcatSquash,
	// which it cannot be combined with.
	ContextSquashInput
)

// String returns "concat" or "squash".
func (ci ContextInput) String() string {
	switch ci {
	case ContextConcatInput:
		return "concat"
	case ContextSquashInput:
		return "squash"
	}
	return fmt.Sprintf("ContextInput(%d)", int(ci))
}

// ParseContextInput returns the context input named "concat" or "squash".
func ParseContextInput(s string) (ContextInput, error) {
	switch s {
	case "concat", "":
		return ContextConcatInput, nil
	case "squash":
		return ContextSquashInput, nil
	}
	return 0, fmt.Errorf("%w: unknown context input %q (want concat or squash)", ErrInvalidConfig, s)
}

// TimeMode returns the time input cfg selects, folding SingleTime into Time.
func (cfg MLPConfig) TimeMode() (TimeInput, error) {
	if !cfg.Time.Valid() {
		return 0, fmt.Errorf("%w: unknown time input %v", ErrInvalidConfig, cfg.Time)
	}
	if !cfg.SingleTime {
		return cfg.Time, nil
	}
	switch cfg.Time {
	case ConcatTime, ConcatTimeSingle:
		return ConcatTimeSingle, nil
	}
	return 0, fmt.Errorf("%w: SingleTime set with time input %v, which concatenates no t", ErrInvalidConfig, cfg.Time)
}

// NewMLP returns the MLP dynamics described by cfg, initialised from src:
// Linear layers like Sonnet's Linear, ConcatSquashLinear layers as
// NewConcatSquashLinear says. With cfg = MLPConfig{Dim: 2} it is the
// tutorial's MLP_ODE(num_hidden=8, num_layers=3, num_output=2): 4→8→8→2 with
// tanh.
func NewMLP(cfg MLPConfig, src rand.Source) (*Network, error) {
	if cfg.Dim <= 0 {
		return nil, fmt.Errorf("%w: MLP dimension %d", ErrInvalidConfig, cfg.Dim)
	}
	if cfg.Dim > MaxDim || len(cfg.Hidden) >= MaxLayers {
		return nil, fmt.Errorf("%w: MLP of dimension %d with %d hidden layers, over the limits of %d and %d", ErrTooLarge, cfg.Dim, len(cfg.Hidden), MaxDim, MaxLayers-1)
	}
	if cfg.Activation != Tanh && cfg.Activation != Softplus {
		return nil, fmt.Errorf("%w: unknown activation %v", ErrInvalidConfig, cfg.Activation)
	}
	mode, err := cfg.TimeMode()
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.Context < 0 || cfg.Context > MaxWidth:
		return nil, fmt.Errorf("%w: context of %d features, want 0 to %d", ErrInvalidConfig, cfg.Context, MaxWidth)
	case cfg.ContextInput != ContextConcatInput && cfg.ContextInput != ContextSquashInput:
		return nil, fmt.Errorf("%w: unknown context input %v", ErrInvalidConfig, cfg.ContextInput)
	case cfg.Context > 0 && cfg.ContextInput == ContextSquashInput && mode == ConcatSquash:
		return nil, fmt.Errorf("%w: context squash cannot be combined with time input concatsquash", ErrInvalidConfig)
	}
	squashContext := cfg.Context > 0 && cfg.ContextInput == ContextSquashInput
	hidden := cfg.Hidden
	if hidden == nil {
		hidden = []int{8, 8}
	}
	var layers []Layer
	width := cfg.Dim
	if copies := mode.Copies(cfg.Dim); copies > 0 {
		layers = append(layers, &TimeConcat{Copies: copies, Width: cfg.Dim})
		width += copies
	}
	if cfg.Context > 0 && !squashContext {
		layers = append(layers, &ContextConcat{Width: width, Context: cfg.Context})
		width += cfg.Context
	}
	for i := 0; i <= len(hidden); i++ {
		out := cfg.Dim // the output layer
		if i < len(hidden) {
			out = hidden[i]
		}
		var l Layer
		switch {
		case squashContext:
			l, err = NewContextSquashLinear(width, out, cfg.Context, src)
		case mode == ConcatSquash:
			l, err = NewConcatSquashLinear(width, out, src)
		default:
			l, err = NewLinear(width, out, src)
		}
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
		if i < len(hidden) {
			layers = append(layers, &ActivationLayer{Fn: cfg.Activation, Width: out})
		}
		width = out
	}
	return NewNetwork(cfg.Dim, layers...)
}

// Dim returns the dimension of z.
func (n *Network) Dim() int { return n.dim }

// ContextDim returns C, the context features its ContextLayers read (0 for
// an unconditional network).
func (n *Network) ContextDim() int { return n.context }

// Layers returns the network's layers in order. The slice is the network's
// own; do not modify it.
func (n *Network) Layers() []Layer { return n.layers }

// Params returns the parameters of every layer, in layer order.
func (n *Network) Params() []*tensor.Dense {
	var ps []*tensor.Dense
	for _, l := range n.layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Build applies the layers of an unconditional network in order, pushing
// the directions along.
func (n *Network) Build(t, z *G.Node, params []*G.Node, directions []*G.Node) (*G.Node, []*G.Node, error) {
	return n.BuildContext(t, z, nil, params, directions)
}

// BuildContext applies the layers in order with the context c (nil for an
// unconditional network), pushing the directions along.
func (n *Network) BuildContext(t, z, c *G.Node, params []*G.Node, directions []*G.Node) (*G.Node, []*G.Node, error) {
	if (c == nil) != (n.context == 0) {
		return nil, nil, fmt.Errorf("%w: a network of context dimension %d built with context %v", ErrInvalidConfig, n.context, c != nil)
	}
	return n.buildLayers(0, len(n.layers), t, z, c, params, directions)
}

// buildLayers applies layers from…to−1 to h, params starting with the
// first of layer from's.
func (n *Network) buildLayers(from, to int, t, h, c *G.Node, params []*G.Node, tangents []*G.Node) (*G.Node, []*G.Node, error) {
	for i := from; i < to; i++ {
		l := n.layers[i]
		k := len(l.Params())
		if len(params) < k {
			return nil, nil, fmt.Errorf("odefunc: layer %d needs %d parameters, %d left", i, k, len(params))
		}
		var err error
		if cl, ok := l.(ContextLayer); ok {
			h, tangents, err = cl.BuildContext(t, c, h, tangents, params[:k])
		} else {
			h, tangents, err = l.Build(t, h, tangents, params[:k])
		}
		if err != nil {
			return nil, nil, fmt.Errorf("odefunc: building layer %d: %w", i, err)
		}
		params = params[k:]
	}
	return h, tangents, nil
}

// buildUnit builds f with the tangents of the unit directions e_1…e_D of
// z, for the exact trace, when the network opens with concatenations and
// a Linear layer (ok is false for any other). The tangent of e_i after
// that layer is e_i's input row times W: row off+i of W, where off is z's
// first column in the layer's input. It is read off W as 0 + W[off+i]
// down the rows instead of computed by D products, which were 40 % of the
// exact trace's products at D = 64 (MLP 128-128). The values are the
// product's bits for finite weights: the product's chain of FMAs from +0
// adds only zeros besides 1·W[off+i], and +0 + w is what it leaves (+0
// for w = −0, as here). In VJPs the gradient of the row is the sum of its
// cotangent's rows in order, as the product's Aᵀ·B chain adds them.
func (n *Network) buildUnit(t, z, c *G.Node, params []*G.Node) (f *G.Node, jvps []*G.Node, ok bool, err error) {
	off, k, np := 0, 0, 0
scan:
	for ; k < len(n.layers); k++ {
		switch l := n.layers[k].(type) {
		case *TimeConcat:
			off += l.Copies
		case *ContextConcat:
		default:
			break scan
		}
	}
	if k == len(n.layers) || (c == nil) != (n.context == 0) {
		return nil, nil, false, nil
	}
	lin, isLinear := n.layers[k].(*Linear)
	if !isLinear {
		return nil, nil, false, nil
	}
	for _, l := range n.layers[:k+1] {
		np += len(l.Params())
	}
	if len(params) < np {
		return nil, nil, false, fmt.Errorf("odefunc: the first %d layers need %d parameters, %d given", k+1, np, len(params))
	}
	h, _, err := n.buildLayers(0, k+1, t, z, c, params[:np], nil)
	if err != nil {
		return nil, nil, false, err
	}
	w := params[np-2] // the Linear's W, then its B
	rows, out := z.Shape()[0], lin.Out()
	zeros := constant(z.Graph(), fmt.Sprintf("zeros%dx%d", rows, out), rows, out, make([]float64, rows*out))
	jvps = make([]*G.Node, n.dim)
	for i := range jvps {
		row, err := G.Slice(w, G.S(off+i))
		if err != nil {
			return nil, nil, false, err
		}
		if row, err = G.Reshape(row, tensor.Shape{1, out}); err != nil {
			return nil, nil, false, err
		}
		if jvps[i], err = G.BroadcastAdd(zeros, row, nil, []byte{0}); err != nil {
			return nil, nil, false, err
		}
	}
	f, jvps, err = n.buildLayers(k+1, len(n.layers), t, h, c, params[np:], jvps)
	return f, jvps, true, err
}

// layerComplete returns an error unless l is a non-nil pointer (for the
// pointer layers) whose parameters are all present and two-dimensional,
// so that its In, Out and ContextDim can be read; a ContextSquashLinear's
// parameters must also agree in shape.
func layerComplete(l Layer) error {
	if v := reflect.ValueOf(l); v.Kind() == reflect.Pointer && v.IsNil() {
		return fmt.Errorf("nil %T", l)
	}
	for k, p := range l.Params() {
		if p == nil || len(p.Shape()) != 2 {
			return fmt.Errorf("%T parameter %d is nil or not a matrix", l, k)
		}
	}
	if cs, ok := l.(*ContextSquashLinear); ok {
		in, out, c := cs.W.Shape()[0], cs.W.Shape()[1], cs.Wg.Shape()[0]
		for k, want := range [][2]int{{in, out}, {1, out}, {c, out}, {1, out}, {c, out}} {
			if got := cs.Params()[k].Shape(); got[0] != want[0] || got[1] != want[1] {
				return fmt.Errorf("ContextSquashLinear parameter %d is %d×%d, want %d×%d", k, got[0], got[1], want[0], want[1])
			}
		}
	}
	return nil
}
