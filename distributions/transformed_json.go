package distributions

import (
	"encoding/json"
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

// transformedJSON is the JSON form of a TransformedDistribution:
//
//	{"type": "transformed", "base": {"type": "normal", …}, "bijector": {"type": "chain", …}}
type transformedJSON struct {
	Type     string          `json:"type"`
	Base     json.RawMessage `json:"base"`
	Bijector json.RawMessage `json:"bijector"`
}

// MarshalJSON writes a distribution of the library's parts.
func (d *TransformedDistribution) MarshalJSON() ([]byte, error) { return d.EncodeJSON(Codec{}) }

// EncodeJSON writes the distribution: its base as EncodeBase does and its
// bijector as EncodeBijector does.
func (d *TransformedDistribution) EncodeJSON(c Codec) ([]byte, error) {
	rawBase, err := EncodeBase(d.Base)
	if err != nil {
		return nil, err
	}
	rawBij, err := EncodeBijector(d.Bijector, c)
	if err != nil {
		return nil, fmt.Errorf("bijector: %w", err)
	}
	return json.Marshal(transformedJSON{Type: "transformed", Base: rawBase, Bijector: rawBij})
}

// DecodeTransformed reads a distribution written by EncodeJSON. The base
// takes the first of c's sources. Every bijector that has a dimension (a
// Dim method) must have the base's.
func DecodeTransformed(data []byte, c Codec) (*TransformedDistribution, error) {
	var tj transformedJSON
	if err := strictjson.Unmarshal(data, &tj); err != nil {
		return nil, fmt.Errorf("%w: transformed distribution: %v", ErrInvalidParameter, err)
	}
	if tj.Type != "transformed" {
		return nil, fmt.Errorf("%w: type = %q, want transformed", ErrInvalidParameter, tj.Type)
	}
	base, err := DecodeBase(tj.Base, c.source())
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	b, err := DecodeBijector(tj.Bijector, c)
	if err != nil {
		return nil, fmt.Errorf("bijector: %w", err)
	}
	if err := checkDims(b, base.Dim(), "bijector"); err != nil {
		return nil, err
	}
	return NewTransformed(base, b)
}

// checkDims checks that b and, in a Chain, each of its parts act on ℝ^D.
func checkDims(b Bijector, D int, where string) error {
	if c, ok := b.(Chain); ok {
		for k, bk := range c {
			if err := checkDims(bk, D, fmt.Sprintf("%s.bijectors[%d]", where, k)); err != nil {
				return err
			}
		}
		return nil
	}
	if d, ok := b.(interface{ Dim() int }); ok && d.Dim() != D {
		return fmt.Errorf("%s: %w: dimension %d, the base's is %d", where, ErrShape, d.Dim(), D)
	}
	return nil
}
