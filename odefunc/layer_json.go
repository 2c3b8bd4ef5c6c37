package odefunc

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
	"gorgonia.org/tensor"
)

// The JSON form of the library's layers: an object whose "type" is
// "linear", "concatsquash", "activation" or "time_concat". Weights are
// written with the row-vector convention of Linear: W as In rows of Out
// values, the bias and the concatsquash vectors as Out values.
//
//	{"type": "linear", "in": 4, "out": 8, "W": [[…8 values], …4 rows], "b": […8]}
//	{"type": "concatsquash", "in": 2, "out": 8, "W": …, "b": …, "Wg": […8], "bg": […8], "Wb": […8]}
//	{"type": "activation", "fn": "tanh", "width": 8}
//	{"type": "time_concat", "copies": 2, "width": 2}
//	{"type": "context_concat", "width": 4, "context": 3}
//	{"type": "context_squash", "in": 2, "out": 8, "context": 3, "W": …, "b": …, "Wg": [[…8], …3 rows], "bg": […8], "Wb": [[…8], …3 rows]}

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

// rows returns the rows×cols matrix m as rows slices.
func rows(m *tensor.Dense) [][]float64 {
	r, c := m.Shape()[0], m.Shape()[1]
	out := make([][]float64, r)
	for i := range out {
		out[i] = append([]float64(nil), m.Float64s()[i*c:(i+1)*c]...)
	}
	return out
}

// MarshalJSON writes the layer as {"type": "context_concat", …}.
func (l *ContextConcat) MarshalJSON() ([]byte, error) {
	return json.Marshal(contextConcatJSON{Type: "context_concat", Width: l.Width, Context: l.Context})
}

// MarshalJSON writes the layer as {"type": "context_squash", …}.
func (l *ContextSquashLinear) MarshalJSON() ([]byte, error) {
	return json.Marshal(contextSquashJSON{
		linearJSON: linearOf("context_squash", l.W, l.B),
		Context:    l.ContextDim(),
		Wg:         rows(l.Wg),
		Bg:         append([]float64(nil), l.Bg.Float64s()...),
		Wb:         rows(l.Wb),
	})
}

func linearOf(typ string, w, b *tensor.Dense) linearJSON {
	in, out := w.Shape()[0], w.Shape()[1]
	l := linearJSON{Type: typ, In: in, Out: out, B: append([]float64(nil), b.Float64s()...)}
	for i := range in {
		l.W = append(l.W, append([]float64(nil), w.Float64s()[i*out:(i+1)*out]...))
	}
	return l
}

// MarshalJSON writes the layer as {"type": "linear", …}.
func (l *Linear) MarshalJSON() ([]byte, error) { return json.Marshal(linearOf("linear", l.W, l.B)) }

// MarshalJSON writes the layer as {"type": "concatsquash", …}.
func (l *ConcatSquashLinear) MarshalJSON() ([]byte, error) {
	return json.Marshal(concatSquashJSON{
		linearJSON: linearOf("concatsquash", l.W, l.B),
		Wg:         append([]float64(nil), l.Wg.Float64s()...),
		Bg:         append([]float64(nil), l.Bg.Float64s()...),
		Wb:         append([]float64(nil), l.Wb.Float64s()...),
	})
}

// MarshalJSON writes the layer as {"type": "activation", …}.
func (a *ActivationLayer) MarshalJSON() ([]byte, error) {
	return json.Marshal(activationJSON{Type: "activation", Fn: a.Fn.String(), Width: a.Width})
}

// MarshalJSON writes the layer as {"type": "time_concat", …}.
func (c *TimeConcat) MarshalJSON() ([]byte, error) {
	return json.Marshal(timeConcatJSON{Type: "time_concat", Copies: c.Copies, Width: c.Width})
}

// DecodeLayer reads a layer written by one of the library layers'
// MarshalJSON. It checks every size against the layer's declared widths and
// the limits (MaxWidth) before allocating, and every value for finiteness;
// errors wrap ErrInvalidConfig and name the field.
func DecodeLayer(data []byte) (Layer, error) {
	typ, err := strictjson.Type(data)
	if err != nil {
		return nil, fmt.Errorf("%w: layer: %v", ErrInvalidConfig, err)
	}
	switch typ {
	case "linear":
		var l linearJSON
		if err := strictjson.Unmarshal(data, &l); err != nil {
			return nil, fmt.Errorf("%w: linear layer: %v", ErrInvalidConfig, err)
		}
		w, b, err := l.tensors()
		if err != nil {
			return nil, err
		}
		return &Linear{W: w, B: b}, nil
	case "concatsquash":
		var l concatSquashJSON
		if err := strictjson.Unmarshal(data, &l); err != nil {
			return nil, fmt.Errorf("%w: concatsquash layer: %v", ErrInvalidConfig, err)
		}
		w, b, err := l.tensors()
		if err != nil {
			return nil, err
		}
		out := &ConcatSquashLinear{W: w, B: b}
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
			return nil, fmt.Errorf("%w: activation layer: %v", ErrInvalidConfig, err)
		}
		fn, err := ParseActivation(a.Fn)
		if err != nil {
			return nil, fmt.Errorf("fn: %w", err)
		}
		if err := checkWidth("width", a.Width); err != nil {
			return nil, err
		}
		return &ActivationLayer{Fn: fn, Width: a.Width}, nil
	case "time_concat":
		var c timeConcatJSON
		if err := strictjson.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("%w: time_concat layer: %v", ErrInvalidConfig, err)
		}
		if err := checkWidth("width", c.Width); err != nil {
			return nil, err
		}
		if err := checkWidth("copies", c.Copies); err != nil {
			return nil, err
		}
		if err := checkWidth("width + copies", c.Width+c.Copies); err != nil {
			return nil, err
		}
		return &TimeConcat{Copies: c.Copies, Width: c.Width}, nil
	case "context_concat":
		var c contextConcatJSON
		if err := strictjson.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("%w: context_concat layer: %v", ErrInvalidConfig, err)
		}
		for _, f := range []struct {
			name string
			v    int
		}{{"width", c.Width}, {"context", c.Context}, {"width + context", c.Width + c.Context}} {
			if err := checkWidth(f.name, f.v); err != nil {
				return nil, err
			}
		}
		return &ContextConcat{Width: c.Width, Context: c.Context}, nil
	case "context_squash":
		var l contextSquashJSON
		if err := strictjson.Unmarshal(data, &l); err != nil {
			return nil, fmt.Errorf("%w: context_squash layer: %v", ErrInvalidConfig, err)
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
		return &ContextSquashLinear{W: w, B: b, Wg: wg, Bg: bg, Wb: wb}, nil
	}
	return nil, fmt.Errorf("%w: unknown layer type %q (want linear, concatsquash, activation, time_concat, context_concat or context_squash)", ErrInvalidConfig, typ)
}

func checkWidth(field string, n int) error {
	if n < 1 || n > MaxWidth {
		return fmt.Errorf("%w: %s = %d, want 1 to %d", ErrInvalidConfig, field, n, MaxWidth)
	}
	return nil
}

// tensors checks W (in×out) and b (out) against the declared widths and
// returns them as tensors.
func (l linearJSON) tensors() (w, b *tensor.Dense, err error) {
	if err := checkWidth("in", l.In); err != nil {
		return nil, nil, err
	}
	if err := checkWidth("out", l.Out); err != nil {
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
		return nil, fmt.Errorf("%w: %s has %d rows, want %s = %d", ErrInvalidConfig, field, len(m), rName, r)
	}
	for i, row := range m {
		if len(row) != c {
			return nil, fmt.Errorf("%w: %s row %d has %d values, want %s = %d", ErrInvalidConfig, field, i, len(row), cName, c)
		}
		if !finite(row) {
			return nil, fmt.Errorf("%w: %s row %d holds a non-finite value", ErrInvalidConfig, field, i)
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
		return nil, fmt.Errorf("%w: %s has %d values, want out = %d", ErrInvalidConfig, field, len(v), out)
	}
	if !finite(v) {
		return nil, fmt.Errorf("%w: %s holds a non-finite value", ErrInvalidConfig, field)
	}
	return tensor.New(tensor.WithShape(1, out), tensor.WithBacking(append([]float64(nil), v...))), nil
}

func finite(vs []float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
