package distributions

import (
	"encoding/json"
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

// affineJSON is the JSON form of an Affine:
//
//	{"type": "affine", "shift": […D], "log_scale": […D]}
type affineJSON struct {
	Type     string    `json:"type"`
	Shift    []float64 `json:"shift"`
	LogScale []float64 `json:"log_scale"`
}

// MarshalJSON writes the Affine as {"type": "affine", "shift", "log_scale"}.
func (a *Affine) MarshalJSON() ([]byte, error) {
	return json.Marshal(affineJSON{Type: "affine", Shift: a.Shift(), LogScale: a.LogScale()})
}

// DecodeAffine reads an Affine written by MarshalJSON: D ≤ MaxDim
// values each, finite, as NewAffine wants.
func DecodeAffine(data []byte) (*Affine, error) {
	var aj affineJSON
	if err := strictjson.Unmarshal(data, &aj); err != nil {
		return nil, fmt.Errorf("%w: affine: %v", ErrInvalidParameter, err)
	}
	if aj.Type != "affine" {
		return nil, fmt.Errorf("%w: type = %q, want affine", ErrInvalidParameter, aj.Type)
	}
	if len(aj.Shift) > MaxDim {
		return nil, fmt.Errorf("%w: affine shift has %d values, more than the limit %d", ErrInvalidParameter, len(aj.Shift), MaxDim)
	}
	return NewAffine(aj.Shift, aj.LogScale)
}
