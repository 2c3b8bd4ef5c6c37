package ffjord

import (
	"encoding/json"
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// blockJSON is the JSON form of an FFJORD block: its times and its
// dynamics, not how it is solved (those settings belong to whoever
// evaluates it):
//
//	{"type": "ffjord", "t0": 0, "t1": 1, "learn_time": true, "dynamics": {"type": "network", …}}
//
// With learn_time, t1 is the learned end time s², from which s is restored
// exactly (√(s²) = s in binary floating point).
type blockJSON struct {
	Type      string          `json:"type"`
	T0        float64         `json:"t0"`
	T1        float64         `json:"t1"`
	LearnTime bool            `json:"learn_time,omitempty"`
	Dynamics  json.RawMessage `json:"dynamics"`
}

// ModelCodec writes and reads the dynamics ffjord cannot on its own: any
// odefunc.Model but an *odefunc.Network. Encode's JSON must be an object
// with a "type" other than "network"; Decode receives it back. Either may
// be nil.
type ModelCodec struct {
	Encode func(odefunc.Model) (json.RawMessage, error)
	Decode func(json.RawMessage) (odefunc.Model, error)
}

// MarshalJSON writes the block, whose dynamics must be an *odefunc.Network.
func (b *FFJORD) MarshalJSON() ([]byte, error) { return b.EncodeJSON(ModelCodec{}) }

// EncodeJSON writes the block, its dynamics through mc unless it is an
// *odefunc.Network.
func (b *FFJORD) EncodeJSON(mc ModelCodec) ([]byte, error) {
	dyn, err := EncodeModel(b.dyn.Model(), mc)
	if err != nil {
		return nil, err
	}
	t0, t1 := b.Times()
	return json.Marshal(blockJSON{Type: "ffjord", T0: t0, T1: t1, LearnTime: b.LearnsTime(), Dynamics: dyn})
}

// EncodeModel writes m: an *odefunc.Network itself, anything else
// through mc.Encode.
func EncodeModel(m odefunc.Model, mc ModelCodec) (json.RawMessage, error) {
	if n, ok := m.(*odefunc.Network); ok {
		return json.Marshal(n)
	}
	if mc.Encode == nil {
		return nil, fmt.Errorf("%w: the dynamics %T has no JSON form and no ModelCodec was given", ErrInvalidOptions, m)
	}
	return mc.Encode(m)
}

// DecodeModel reads a dynamics written by EncodeModel: "network" with
// odefunc.DecodeNetwork, any other type with mc.Decode. Its dimension must
// be 1 to odefunc.MaxDim.
func DecodeModel(data []byte, mc ModelCodec) (odefunc.Model, error) {
	typ, err := strictjson.Type(data)
	if err != nil {
		return nil, fmt.Errorf("%w: dynamics: %v", ErrInvalidOptions, err)
	}
	var m odefunc.Model
	switch {
	case typ == "network":
		n, err := odefunc.DecodeNetwork(data)
		if err != nil {
			return nil, err
		}
		m = n
	case mc.Decode != nil:
		if m, err = mc.Decode(data); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: unknown dynamics type %q (want network)", ErrInvalidOptions, typ)
	}
	if m == nil || m.Dim() < 1 || m.Dim() > odefunc.MaxDim {
		return nil, fmt.Errorf("%w: decoded dynamics %T has dimension outside 1 to %d", ErrInvalidOptions, m, odefunc.MaxDim)
	}
	return m, nil
}

// DecodeJSON reads a block written by EncodeJSON (or MarshalJSON), its
// dynamics through DecodeModel. opts gives everything the JSON does not
// hold (solver, gradient mode, trace estimator, noise source); its times
// and LearnTime are replaced by the file's. Errors wrap ErrInvalidOptions
// or odefunc.ErrInvalidConfig and name the field.
func DecodeJSON(data []byte, mc ModelCodec, opts Options) (*FFJORD, error) {
	var bj blockJSON
	if err := strictjson.Unmarshal(data, &bj); err != nil {
		return nil, fmt.Errorf("%w: ffjord block: %v", ErrInvalidOptions, err)
	}
	if bj.Type != "ffjord" {
		return nil, fmt.Errorf("%w: type = %q, want ffjord", ErrInvalidOptions, bj.Type)
	}
	if bj.T0 == bj.T1 {
		// New would read t0 = t1 = 0 as the defaults 0 and 1.
		return nil, fmt.Errorf("%w: t0 = t1 = %g", ErrInvalidOptions, bj.T0)
	}
	m, err := DecodeModel(bj.Dynamics, mc)
	if err != nil {
		return nil, fmt.Errorf("dynamics: %w", err)
	}
	opts.T0, opts.T1, opts.LearnTime = bj.T0, bj.T1, bj.LearnTime
	return New(m, opts)
}
