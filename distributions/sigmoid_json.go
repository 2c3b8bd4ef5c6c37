package distributions

import (
	"encoding/json"
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

// sigmoidJSON is the JSON form of a Sigmoid; every field is required:
//
//	{"type": "sigmoid", "dim": D, "low": lo, "high": hi, "alpha": α}
type sigmoidJSON struct {
	Type  string   `json:"type"`
	Dim   *int     `json:"dim"`
	Low   *float64 `json:"low"`
	High  *float64 `json:"high"`
	Alpha *float64 `json:"alpha"`
}

// MarshalJSON writes the Sigmoid as {"type": "sigmoid", "dim", "low",
// "high", "alpha"}.
func (s *Sigmoid) MarshalJSON() ([]byte, error) {
	return json.Marshal(sigmoidJSON{Type: "sigmoid", Dim: &s.d, Low: &s.lo, High: &s.hi, Alpha: &s.alpha})
}

// DecodeSigmoid reads a Sigmoid written by MarshalJSON, with every field
// present and values as NewSigmoid wants.
func DecodeSigmoid(data []byte) (*Sigmoid, error) {
	var sj sigmoidJSON
	if err := strictjson.Unmarshal(data, &sj); err != nil {
		return nil, fmt.Errorf("%w: sigmoid: %v", ErrInvalidParameter, err)
	}
	if sj.Type != "sigmoid" {
		return nil, fmt.Errorf("%w: type = %q, want sigmoid", ErrInvalidParameter, sj.Type)
	}
	if sj.Dim == nil || sj.Low == nil || sj.High == nil || sj.Alpha == nil {
		return nil, fmt.Errorf(`%w: sigmoid needs "dim", "low", "high" and "alpha"`, ErrInvalidParameter)
	}
	return NewSigmoid(*sj.Dim, *sj.Low, *sj.High, *sj.Alpha)
}
