package checkpoint

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/ffjord"
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

func (c *coder) encodeBlock(b *ffjord.FFJORD) ([]byte, error) {
	dyn, err := c.encodeModel(b.Dynamics().Model())
	if err != nil {
		return nil, err
	}
	t0, t1 := b.Times()
	if err := checkTimes(t0, t1, b.LearnsTime()); err != nil {
		return nil, refused{err}
	}
	return json.Marshal(blockJSON{Type: "ffjord", T0: t0, T1: t1, LearnTime: b.LearnsTime(), Dynamics: dyn})
}

// checkTimes refuses the times a block cannot be made with: equal (New
// would read t0 = t1 = 0 as the defaults 0 and 1), not finite, or a
// learned end time that is not > 0.
func checkTimes(t0, t1 float64, learn bool) error {
	switch {
	case t0 == t1:
		return fmt.Errorf("t0 = t1 = %g", t0)
	case math.IsNaN(t0) || math.IsInf(t0, 0) || math.IsNaN(t1) || math.IsInf(t1, 0):
		return fmt.Errorf("t0 = %g and t1 = %g, want finite", t0, t1)
	case learn && (t0 != 0 || !(t1 > 0)):
		return fmt.Errorf("learn_time needs t0 = 0 and t1 > 0, got %g and %g", t0, t1)
	}
	return nil
}

// decodeBlock reads a block, its dynamics through decodeModel, with the
// coder's options and the next source.
func (c *coder) decodeBlock(data []byte) (*ffjord.FFJORD, error) {
	opts := c.ffjordOpts
	if src := c.src(); src != nil {
		opts.Source = src
	}
	var bj blockJSON
	if err := strictjson.Unmarshal(data, &bj); err != nil {
		return nil, fmt.Errorf("ffjord block: %v", err)
	}
	if bj.Type != "ffjord" {
		return nil, fmt.Errorf("type = %q, want ffjord", bj.Type)
	}
	if bj.T0 == bj.T1 {
		return nil, fmt.Errorf("ffjord block: t0 = t1 = %g", bj.T0)
	}
	m, err := c.decodeModel(bj.Dynamics)
	if err != nil {
		return nil, fmt.Errorf("dynamics: %w", err)
	}
	opts.T0, opts.T1, opts.LearnTime = bj.T0, bj.T1, bj.LearnTime
	return ffjord.New(m, opts)
}

// encodeModel writes m: an *odefunc.Network itself, anything else through
// the Codec.
func (c *coder) encodeModel(m odefunc.Model) (json.RawMessage, error) {
	if n, ok := m.(*odefunc.Network); ok {
		return encodeNetwork(n)
	}
	return c.models.encode(m)
}

// decodeModel reads a dynamics: "network" with decodeNetwork, any other
// type through the Codec. Its dimension must be 1 to odefunc.MaxDim.
func (c *coder) decodeModel(data []byte) (odefunc.Model, error) {
	typ, err := strictjson.Type(data)
	if err != nil {
		return nil, fmt.Errorf("dynamics: %v", err)
	}
	var m odefunc.Model
	if typ == "network" {
		n, err := decodeNetwork(data)
		if err != nil {
			return nil, err
		}
		m = n
	} else {
		v, err := c.models.decode(typ, data)
		if err != nil {
			return nil, err
		}
		m = v.(odefunc.Model)
	}
	if m.Dim() < 1 || m.Dim() > odefunc.MaxDim {
		return nil, fmt.Errorf("decoded dynamics %T has dimension %d, want 1 to %d", m, m.Dim(), odefunc.MaxDim)
	}
	return m, nil
}
