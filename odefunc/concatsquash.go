package odefunc

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConcatSquashLinear is the FFJORD paper's default layer
// (ConcatSquashLinear in lib/layers/diffeq_layers/basic.py of the FFJORD
// repository): an affine map of h whose output is gated and shifted by t,
//
//	out = (h·W + b) ⊙ σ(t·Wg + bg) + t·Wb,
//
// with σ the logistic sigmoid, W of shape In×Out and b, Wg, bg, Wb of shape
// 1×Out (row-vector convention, as Linear). t enters every layer instead of
// being concatenated to the input once.
type ConcatSquashLinear struct {
	W, B *tensor.Dense // the affine map of h
	Wg   *tensor.Dense // gate weight: the gate is σ(t·Wg + Bg)
	Bg   *tensor.Dense // gate bias
	Wb   *tensor.Dense // time shift: t·Wb is added to the output
}

// NewConcatSquashLinear returns a ConcatSquashLinear layer. W is initialised
// like Sonnet's Linear (NewLinear: normal of standard deviation 1/√in
// truncated at two standard deviations) and b is zero; Wg, bg and Wb are
// initialised as the FFJORD repository does, with PyTorch's nn.Linear(1, out)
// defaults: uniform on [−1, 1], since their fan-in is 1. Draws come from src
// in the order W, Wg, bg, Wb.
func NewConcatSquashLinear(in, out int, src rand.Source) (*ConcatSquashLinear, error) {
	lin, err := NewLinear(in, out, src)
	if err != nil {
		return nil, err
	}
	r := rand.New(src)
	// nn.Linear draws weights and biases from U(−1/√fan_in, 1/√fan_in).
	uniform := func() *tensor.Dense {
		const bound = 1 // 1/√fan_in with fan_in = 1 (the input is t)
		v := make([]float64, out)
		for i := range v {
			v[i] = bound * (2*r.Float64() - 1)
		}
		return tensor.New(tensor.WithShape(1, out), tensor.WithBacking(v))
	}
	wg := uniform()
	bg := uniform()
	wb := uniform()
	return &ConcatSquashLinear{W: lin.W, B: lin.B, Wg: wg, Bg: bg, Wb: wb}, nil
}

// In returns the number of input features.
func (l *ConcatSquashLinear) In() int { return l.W.Shape()[0] }

// Out returns the number of output features.
func (l *ConcatSquashLinear) Out() int { return l.W.Shape()[1] }

// Params returns W, B, Wg, Bg and Wb, in that order.
func (l *ConcatSquashLinear) Params() []*tensor.Dense {
	return []*tensor.Dense{l.W, l.B, l.Wg, l.Bg, l.Wb}
}

// Build adds (h·W + b) ⊙ σ(t·Wg + bg) + t·Wb. Since t does not depend on z,
// a tangent v maps to (v·W) ⊙ σ(t·Wg + bg).
func (l *ConcatSquashLinear) Build(t, h *G.Node, tangents []*G.Node, params []*G.Node) (*G.Node, []*G.Node, error) {
	if len(params) != 5 {
		return nil, nil, fmt.Errorf("%w: concatsquash layer needs 5 parameters, got %d", ErrInvalidConfig, len(params))
	}
	return squash(h, t, tangents, params)
}

// squash adds (h·W + b) ⊙ σ(s·Wg + bg) + s·Wb for the gate source s (t,
// rows×1 with Wg and Wb 1×Out; or a context c, rows×C with Wg and Wb
// C×Out) and params [W, b, Wg, bg, Wb]. Since s does not depend on z, a
// tangent v maps to (v·W) ⊙ σ(s·Wg + bg).
func squash(h, s *G.Node, tangents []*G.Node, params []*G.Node) (*G.Node, []*G.Node, error) {
	w, b, wg, bg, wb := params[0], params[1], params[2], params[3], params[4]
	hw, err := G.Mul(h, w)
	if err != nil {
		return nil, nil, err
	}
	lin, err := G.BroadcastAdd(hw, b, nil, []byte{0})
	if err != nil {
		return nil, nil, err
	}
	// With s = t (rows×1) and Wg 1×Out the product is the rows×Out outer
	// product: no broadcast of t is needed.
	sg, err := G.Mul(s, wg)
	if err != nil {
		return nil, nil, err
	}
	pre, err := G.BroadcastAdd(sg, bg, nil, []byte{0})
	if err != nil {
		return nil, nil, err
	}
	gate, err := G.Sigmoid(pre)
	if err != nil {
		return nil, nil, err
	}
	gated, err := G.HadamardProd(lin, gate)
	if err != nil {
		return nil, nil, err
	}
	shift, err := G.Mul(s, wb)
	if err != nil {
		return nil, nil, err
	}
	out, err := G.Add(gated, shift)
	if err != nil {
		return nil, nil, err
	}
	outT := make([]*G.Node, len(tangents))
	for i, v := range tangents {
		vw, err := G.Mul(v, w)
		if err != nil {
			return nil, nil, err
		}
		if outT[i], err = G.HadamardProd(vw, gate); err != nil {
			return nil, nil, err
		}
	}
	return out, outT, nil
}

// TimeInput is how an MLP dynamics sees the time t.
type TimeInput int

const (
	// ConcatTime feeds [t, …, t, z], t repeated Dim times: the TFP
	// tutorial's concat([broadcast_to(t, z.shape), z], −1). The default.
	ConcatTime TimeInput = iota
	// ConcatTimeSingle feeds [t, z], t as one column.
	ConcatTimeSingle
	// ConcatSquash makes every linear layer a ConcatSquashLinear, which
	// gates and shifts its output by t; the input is z alone. It is the
	// FFJORD paper's default.
	ConcatSquash
	// IgnoreTime makes f depend on z only: plain Linear layers, no t.
	IgnoreTime
)

// String returns the mode's name as used in checkpoints and flags:
// "concat", "concat-single", "concatsquash" or "ignore".
func (ti TimeInput) String() string {
	switch ti {
	case ConcatTime:
		return "concat"
	case ConcatTimeSingle:
		return "concat-single"
	case ConcatSquash:
		return "concatsquash"
	case IgnoreTime:
		return "ignore"
	}
	return fmt.Sprintf("TimeInput(%d)", int(ti))
}

// Copies returns how many columns of t the mode puts before z in the
// network's input: dim for ConcatTime, 1 for ConcatTimeSingle, 0 otherwise.
// The first layer of an MLP in dim dimensions takes dim + ti.Copies(dim)
// features.
func (ti TimeInput) Copies(dim int) int {
	switch ti {
	case ConcatTime:
		return dim
	case ConcatTimeSingle:
		return 1
	}
	return 0
}

// Valid reports whether ti is one of the defined modes.
func (ti TimeInput) Valid() bool { return ti >= ConcatTime && ti <= IgnoreTime }

// ParseTimeInput returns the mode named s: "concat", "concat-single",
// "concatsquash" or "ignore". The checkpoint format's older names
// "broadcast" (ConcatTime) and "single" (ConcatTimeSingle) are accepted too.
func ParseTimeInput(s string) (TimeInput, error) {
	switch s {
	case "concat", "broadcast":
		return ConcatTime, nil
	case "concat-single", "single":
		return ConcatTimeSingle, nil
	case "concatsquash":
		return ConcatSquash, nil
	case "ignore":
		return IgnoreTime, nil
	}
	return 0, fmt.Errorf("%w: unknown time input %q (want concat, concat-single, concatsquash or ignore)", ErrInvalidConfig, s)
}
