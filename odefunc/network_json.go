package odefunc

import (
	"encoding/json"
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

// networkJSON is the JSON form of a Network:
//
//	{"type": "network", "dim": 2, "layers": [{"type": "time_concat", …}, {"type": "linear", …}, …]}
type networkJSON struct {
	Type   string            `json:"type"`
	Dim    int               `json:"dim"`
	Layers []json.RawMessage `json:"layers"`
}

// MarshalJSON writes the network as {"type": "network", "dim", "layers"}.
// Every layer must be one of the library's (Linear, ConcatSquashLinear,
// ActivationLayer, TimeConcat, ContextConcat, ContextSquashLinear); a layer
// of another type is an error, since DecodeNetwork could not read it back.
func (n *Network) MarshalJSON() ([]byte, error) {
	out := networkJSON{Type: "network", Dim: n.dim}
	for i, l := range n.layers {
		switch l.(type) {
		case *Linear, *ConcatSquashLinear, *ActivationLayer, *TimeConcat, *ContextConcat, *ContextSquashLinear:
		default:
			return nil, fmt.Errorf("%w: layer %d is a %T, which has no JSON form (only the library's layers do)", ErrInvalidConfig, i, l)
		}
		raw, err := json.Marshal(l)
		if err != nil {
			return nil, err
		}
		out.Layers = append(out.Layers, raw)
	}
	return json.Marshal(out)
}

// DecodeNetwork reads a network written by Network.MarshalJSON. It checks
// the dimension and the number of layers against MaxDim and MaxLayers, each
// layer as DecodeLayer does, and that the widths chain, before the network
// exists; errors wrap ErrInvalidConfig and name the field.
func DecodeNetwork(data []byte) (*Network, error) {
	var n networkJSON
	if err := strictjson.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("%w: network: %v", ErrInvalidConfig, err)
	}
	switch {
	case n.Type != "network":
		return nil, fmt.Errorf("%w: type = %q, want network", ErrInvalidConfig, n.Type)
	case n.Dim < 1 || n.Dim > MaxDim:
		return nil, fmt.Errorf("%w: dim = %d, want 1 to %d", ErrInvalidConfig, n.Dim, MaxDim)
	case len(n.Layers) < 1 || len(n.Layers) > MaxLayers:
		return nil, fmt.Errorf("%w: %d layers, want 1 to %d", ErrInvalidConfig, len(n.Layers), MaxLayers)
	}
	layers := make([]Layer, len(n.Layers))
	width := n.Dim
	for i, raw := range n.Layers {
		l, err := DecodeLayer(raw)
		if err != nil {
			return nil, fmt.Errorf("layers[%d]: %w", i, err)
		}
		if l.In() != width {
			return nil, fmt.Errorf("layers[%d]: %w: takes %d features but receives %d", i, ErrInvalidConfig, l.In(), width)
		}
		layers[i], width = l, l.Out()
	}
	net, err := NewNetwork(n.Dim, layers...)
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	return net, nil
}
