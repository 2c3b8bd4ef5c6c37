package checkpoint

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"gorgonia.org/tensor"
)

// networkJSON is the JSON form of an odefunc.Network:
//
//	{"type": "network", "dim": 2, "layers": [{"type": "time_concat", …}, {"type": "linear", …}, …]}
//
// Each layer is an object whose "type" is "linear", "concatsquash",
// "activation", "time_concat", "context_concat" or "context_squash".
// Weights are written with the row-vector convention of Linear: W as In
// rows of Out values, the bias and the concatsquash vectors as Out values.
//
//	{"type": "linear", "in": 4, "out": 8, "W": [[…8 values], …4 rows], "b": […8]}
//	{"type": "concatsquash", "in": 2, "out": 8, "W": …, "b": …, "Wg": […8], "bg": […8], "Wb": […8]}
//	{"type": "activation", "fn": "tanh", "width": 8}
//	{"type": "time_concat", "copies": 2, "width": 2}
//	{"type": "context_concat", "width": 4, "context": 3}
//	{"type": "context_squash", "in": 2, "out": 8, "context": 3, "W": …, "b": …, "Wg": [[…8], …3 rows], "bg": […8], "Wb": [[…8], …3 rows]}
type networkJSON struct {
	Type   string            `json:"type"`
	Dim    int               `json:"dim"`
	Layers []json.RawMessage `json:"layers"`
}

type linearJSON struct {
	Type string      `json:"type"`
	In   int         `json:"in"`
	Out  int         `json:"out"`
	W    [][]float64 `json:"W"`
	B    []float64   `json:"b"`
}

type concatSquashJSON struct {
	linearJSON
	Wg []float64 `json:"Wg"`
	Bg []float64 `json:"bg"`
	Wb []float64 `json:"Wb"`
}

type activationJSON struct {
	Type  string `json:"type"`
	Fn    string `json:"fn"`
	Width int    `json:"width"`
}

type timeConcatJSON struct {
	Type   string `json:"type"`
	Copies int    `json:"copies"`
	Width  int    `json:"width"`
}

type contextConcatJSON struct {
	Type    string `json:"type"`
	Width   int    `json:"width"`
	Context int    `json:"context"`
}

type contextSquashJSON struct {
	linearJSON
	Context int         `json:"context"`
	Wg      [][]float64 `json:"Wg"`
	Bg      []float64   `json:"bg"`
	Wb      [][]float64 `json:"Wb"`
}

// encodeNetwork writes a network of the library's layers; a layer of
// another type is an error, since decodeNetwork could not read it back.
func encodeNetwork(n *odefunc.Network) ([]byte, error) {
	out := networkJSON{Type: "network", Dim: n.Dim()}
	for i, l := range n.Layers() {
		raw, err := encodeLayer(l)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		out.Layers = append(out.Layers, raw)
	}
	return json.Marshal(out)
}

// encodeLayer writes one of the library's layers, refusing weights that
// are not finite (which decodeLayer would refuse).
func encodeLayer(l odefunc.Layer) ([]byte, error) {
	var v any
	switch l := l.(type) {
	case *odefunc.Linear:
		v = linearOf("linear", l.W, l.B)
	case *odefunc.ConcatSquashLinear:
		v = concatSquashJSON{linearJSON: linearOf("concatsquash", l.W, l.B), Wg: values(l.Wg), Bg: values(l.Bg), Wb: values(l.Wb)}
	case *odefunc.ActivationLayer:
		v = activationJSON{Type: "activation", Fn: l.Fn.String(), Width: l.Width}
	case *odefunc.TimeConcat:
		v = timeConcatJSON{Type: "time_concat", Copies: l.Copies, Width: l.Width}
	case *odefunc.ContextConcat:
		v = contextConcatJSON{Type: "context_concat", Width: l.Width, Context: l.Context}
	case *odefunc.ContextSquashLinear:
		v = contextSquashJSON{linearJSON: linearOf("context_squash", l.W, l.B), Context: l.ContextDim(), Wg: rows(l.Wg), Bg: values(l.Bg), Wb: rows(l.Wb)}
	default:
		return nil, fmt.Errorf("%w: a %T has no JSON form (only the library's layers have)", ErrCodec, l)
	}
	for _, p := range l.Params() {
		if !finite(p.Float64s()) {
			return nil, refused{fmt.Errorf("a %T holds a non-finite weight", l)}
		}
	}
	return json.Marshal(v)
}

func values(t *tensor.Dense) []float64 { return append([]float64(nil), t.Float64s()...) }

// rows returns the rows×cols matrix m as rows slices.
func rows(m *tensor.Dense) [][]float64 {
	r, c := m.Shape()[0], m.Shape()[1]
	out := make([][]float64, r)
	for i := range out {
		out[i] = append([]float64(nil), m.Float64s()[i*c:(i+1)*c]...)
	}
	return out
}

func linearOf(typ string, w, b *tensor.Dense) linearJSON {
	return linearJSON{Type: typ, In: w.Shape()[0], Out: w.Shape()[1], W: rows(w), B: values(b)}
}

// decodeNetwork reads a network written by encodeNetwork. It checks the
// dimension and the number of layers against MaxDim and MaxLayers, each
// layer as decodeLayer does, and that the widths chain, before the network
// exists.
func decodeNetwork(data []byte) (*odefunc.Network, error) {
	var n networkJSON
	if err := strictjson.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("network: %v", err)
	}
	switch {
	case n.Type != "network":
		return nil, fmt.Errorf("type = %q, want network", n.Type)
	case n.Dim < 1 || n.Dim > odefunc.MaxDim:
		return nil, fmt.Errorf("dim = %d, want 1 to %d", n.Dim, odefunc.MaxDim)
	case len(n.Layers) < 1 || len(n.Layers) > odefunc.MaxLayers:
		return nil, fmt.Errorf("%d layers, want 1 to %d", len(n.Layers), odefunc.MaxLayers)
	}
	layers := make([]odefunc.Layer, len(n.Layers))
	width := n.Dim
	for i, raw := range n.Layers {
		l, err := decodeLayer(raw)
		if err != nil {
			return nil, fmt.Errorf("layers[%d]: %w", i, err)
		}
		if l.In() != width {
			return nil, fmt.Errorf("layers[%d]: takes %d features but receives %d", i, l.In(), width)
		}
		layers[i], width = l, l.Out()
	}
	net, err := odefunc.NewNetwork(n.Dim, layers...)
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	return net, nil
}

// decodeLayer reads a layer written by encodeLayer. It checks every size
// against the layer's declared widths and the limits (MaxWidth) before
// allocating, and every value for finiteness.
func decodeLayer(data []byte) (odefunc.Layer, error) {
	typ, err := strictjson.Type(data)
	if err != nil {
		return nil, fmt.Errorf("layer: %v", err)
	}
	switch typ {
	case "linear":
		var l linearJSON
		if err := strictjson.Unmarshal(data, &l); err != nil {
			return nil, fmt.Errorf("linear layer: %v", err)
		}
		w, b, err := l.tensors()
		if err != nil {
			return nil, err
		}
		return &odefunc.Linear{W: w, B: b}, nil
	case "concatsquash":
		var l concatSquashJSON
		if err := strictjson.Unmarshal(data, &l); err != nil {
			return nil, fmt.Errorf("concatsquash layer: %v", err)
		}
		w, b, err := l.tensors()
		if err != nil {
			return nil, err
		}
		out := &odefunc.ConcatSquashLinear{W: w, B: b}
		for _, v := range []struct {
			name string
			src  []float64
			dst  **tensor.Dense
		}{{"Wg", l.Wg, &out.Wg}, {"bg", l.Bg, &out.Bg}, {"Wb", l.Wb, &out.Wb}} {
			if *v.dst, err = row(v.name, v.src, l.Out); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "activation":
		var a activationJSON
		if err := strictjson.Unmarshal(data, &a); err != nil {
			return nil, fmt.Errorf("activation layer: %v", err)
		}
		fn, err := odefunc.ParseActivation(a.Fn)
		if err != nil {
			return nil, fmt.Errorf("fn: %w", err)
		}
		if err := checkWidth("width", a.Width); err != nil {
			return nil, err
		}
		return &odefunc.ActivationLayer{Fn: fn, Width: a.Width}, nil
	case "time_concat":
		var c timeConcatJSON
		if err := strictjson.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("time_concat layer: %v", err)
		}
		if err := checkWidths(named{"width", c.Width}, named{"copies", c.Copies}, named{"width + copies", c.Width + c.Copies}); err != nil {
			return nil, err
		}
		return &odefunc.TimeConcat{Copies: c.Copies, Width: c.Width}, nil
	case "context_concat":
		var c contextConcatJSON
		if err := strictjson.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("context_concat layer: %v", err)
		}
		if err := checkWidths(named{"width", c.Width}, named{"context", c.Context}, named{"width + context", c.Width + c.Context}); err != nil {
			return nil, err
		}
		return &odefunc.ContextConcat{Width: c.Width, Context: c.Context}, nil
	case "context_squash":
		var l contextSquashJSON
		if err := strictjson.Unmarshal(data, &l); err != nil {
			return nil, fmt.Errorf("context_squash layer: %v", err)
		}
		if err := checkWidth("context", l.Context); err != nil {
			return nil, err
		}
		w, b, err := l.tensors()
		if err != nil {
			return nil, err
		}
		wg, err := matrix("Wg", l.Wg, l.Context, l.Out, "context", "out")
		if err != nil {
			return nil, err
		}
		bg, err := row("bg", l.Bg, l.Out)
		if err != nil {
			return nil, err
		}
		wb, err := matrix("Wb", l.Wb, l.Context, l.Out, "context", "out")
		if err != nil {
			return nil, err
		}
		return &odefunc.ContextSquashLinear{W: w, B: b, Wg: wg, Bg: bg, Wb: wb}, nil
	}
	return nil, fmt.Errorf("unknown layer type %q (want linear, concatsquash, activation, time_concat, context_concat or context_squash)", typ)
}

type named struct {
	name string
	v    int
}

func checkWidths(ws ...named) error {
	for _, w := range ws {
		if err := checkWidth(w.name, w.v); err != nil {
			return err
		}
	}
	return nil
}

func checkWidth(field string, n int) error {
	if n < 1 || n > odefunc.MaxWidth {
		return fmt.Errorf("%s = %d, want 1 to %d", field, n, odefunc.MaxWidth)
	}
	return nil
}

// tensors checks W (in×out) and b (out) against the declared widths and
// returns them as tensors.
func (l linearJSON) tensors() (w, b *tensor.Dense, err error) {
	if err := checkWidths(named{"in", l.In}, named{"out", l.Out}); err != nil {
		return nil, nil, err
	}
	if w, err = matrix("W", l.W, l.In, l.Out, "in", "out"); err != nil {
		return nil, nil, err
	}
	if b, err = row("b", l.B, l.Out); err != nil {
		return nil, nil, err
	}
	return w, b, nil
}

// matrix checks that m has r rows of c finite values (r and c already
// within the limits, named rName and cName in errors) and returns it as an
// r×c tensor.
func matrix(field string, m [][]float64, r, c int, rName, cName string) (*tensor.Dense, error) {
	if len(m) != r {
		return nil, fmt.Errorf("%s has %d rows, want %s = %d", field, len(m), rName, r)
	}
	for i, row := range m {
		if len(row) != c {
			return nil, fmt.Errorf("%s row %d has %d values, want %s = %d", field, i, len(row), cName, c)
		}
		if !finite(row) {
			return nil, fmt.Errorf("%s row %d holds a non-finite value", field, i)
		}
	}
	data := make([]float64, 0, r*c)
	for _, row := range m {
		data = append(data, row...)
	}
	return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(data)), nil
}

// row checks that v has out finite values and returns it as a 1×out tensor.
func row(field string, v []float64, out int) (*tensor.Dense, error) {
	if len(v) != out {
		return nil, fmt.Errorf("%s has %d values, want out = %d", field, len(v), out)
	}
	if !finite(v) {
		return nil, fmt.Errorf("%s holds a non-finite value", field)
	}
	return tensor.New(tensor.WithShape(1, out), tensor.WithBacking(append([]float64(nil), v...))), nil
}

// finite reports whether vs holds no NaN or ±Inf.
func finite(vs []float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
