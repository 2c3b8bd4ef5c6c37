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
	}
	return nil, fmt.Errorf("%w: unknown layer type %q (want linear, concatsquash, activation or time_concat)", ErrInvalidConfig, typ)
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
	if len(l.W) != l.In {
		return nil, nil, fmt.Errorf("%w: W has %d rows, want in = %d", ErrInvalidConfig, len(l.W), l.In)
	}
	for i, r := range l.W {
		if len(r) != l.Out {
			return nil, nil, fmt.Errorf("%w: W row %d has %d values, want out = %d", ErrInvalidConfig, i, len(r), l.Out)
		}
		if !finite(r) {
			return nil, nil, fmt.Errorf("%w: W row %d holds a non-finite value", ErrInvalidConfig, i)
		}
	}
	if b, err = row("b", l.B, l.Out); err != nil {
		return nil, nil, err
	}
	data := make([]float64, 0, l.In*l.Out)
	for _, r := range l.W {
		data = append(data, r...)
	}
	return tensor.New(tensor.WithShape(l.In, l.Out), tensor.WithBacking(data)), b, nil
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
