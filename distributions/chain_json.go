package distributions

import (
	"encoding/json"
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

// chainJSON is the JSON form of a Chain, in the chain's own order (the
// last bijector is applied first in Forward):
//
//	{"type": "chain", "bijectors": [{"type": "ffjord", …}, {"type": "affine", …}]}
type chainJSON struct {
	Type      string            `json:"type"`
	Bijectors []json.RawMessage `json:"bijectors"`
}

// MarshalJSON writes the chain of the library's bijectors (FFJORD blocks
// with odefunc.Network dynamics, Affines, AffineTriLs, Sigmoids, Chains).
func (c Chain) MarshalJSON() ([]byte, error) { return c.EncodeJSON(Codec{}) }

// EncodeJSON writes the chain, each bijector as EncodeBijector does.
func (c Chain) EncodeJSON(codec Codec) ([]byte, error) {
	out := chainJSON{Type: "chain", Bijectors: make([]json.RawMessage, len(c))}
	for k, b := range c {
		raw, err := EncodeBijector(b, codec)
		if err != nil {
			return nil, fmt.Errorf("bijectors[%d]: %w", k, err)
		}
		out.Bijectors[k] = raw
	}
	return json.Marshal(out)
}

// DecodeChain reads a chain written by EncodeJSON: at most MaxChain
// bijectors, nested at most MaxDepth deep.
func DecodeChain(data []byte, c Codec) (Chain, error) { return decodeChain(data, c, 1) }

func decodeChain(data []byte, c Codec, depth int) (Chain, error) {
	var cj chainJSON
	if err := strictjson.Unmarshal(data, &cj); err != nil {
		return nil, fmt.Errorf("%w: chain: %v", ErrInvalidParameter, err)
	}
	if cj.Type != "chain" {
		return nil, fmt.Errorf("%w: type = %q, want chain", ErrInvalidParameter, cj.Type)
	}
	if len(cj.Bijectors) > MaxChain {
		return nil, fmt.Errorf("%w: chain of %d bijectors, more than the limit %d", ErrInvalidParameter, len(cj.Bijectors), MaxChain)
	}
	out := make(Chain, len(cj.Bijectors))
	for k, raw := range cj.Bijectors {
		b, err := decodeBijector(raw, c, depth)
		if err != nil {
			return nil, fmt.Errorf("bijectors[%d]: %w", k, err)
		}
		if b == nil {
			return nil, fmt.Errorf("bijectors[%d]: %w: decoded to nil", k, ErrInvalidParameter)
		}
		out[k] = b
	}
	return out, nil
}
