package distributions

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

// normalJSON is the JSON form of a Normal: a fixed one by its standard
// deviations, a learnable one by its parameters, so that both read back
// bit for bit:
//
//	{"type": "normal", "mean": […D], "std": […D]}
//	{"type": "normal", "learnable": true, "mean": […D], "log_scale": […D]}
type normalJSON struct {
	Type      string    `json:"type"`
	Learnable bool      `json:"learnable,omitempty"`
	Mean      []float64 `json:"mean"`
	Std       []float64 `json:"std,omitempty"`
	LogScale  []float64 `json:"log_scale,omitempty"`
}

// MarshalJSON writes the Normal as {"type": "normal", …}; its random
// source is not written.
func (n *Normal) MarshalJSON() ([]byte, error) {
	if n.Learnable() {
		return json.Marshal(normalJSON{Type: "normal", Learnable: true, Mean: n.Mean(), LogScale: append([]float64(nil), n.logScale.Float64s()...)})
	}
	return json.Marshal(normalJSON{Type: "normal", Mean: n.Mean(), Std: n.Std()})
}

// DecodeNormal reads a Normal written by MarshalJSON, sampling from src:
// D ≤ MaxDim, finite means, std > 0 (or |log σ| ≤ 700).
func DecodeNormal(data []byte, src rand.Source) (*Normal, error) {
	var nj normalJSON
	if err := strictjson.Unmarshal(data, &nj); err != nil {
		return nil, fmt.Errorf("%w: normal: %v", ErrInvalidParameter, err)
	}
	if nj.Type != "normal" {
		return nil, fmt.Errorf("%w: type = %q, want normal", ErrInvalidParameter, nj.Type)
	}
	if len(nj.Mean) > MaxDim {
		return nil, fmt.Errorf("%w: normal mean has %d values, more than the limit %d", ErrInvalidParameter, len(nj.Mean), MaxDim)
	}
	if !nj.Learnable {
		if nj.LogScale != nil {
			return nil, fmt.Errorf("%w: a fixed normal has std, not log_scale", ErrInvalidParameter)
		}
		return NewNormal(nj.Mean, nj.Std, src)
	}
	if nj.Std != nil {
		return nil, fmt.Errorf("%w: a learnable normal has log_scale, not std", ErrInvalidParameter)
	}
	if len(nj.Mean) == 0 || len(nj.LogScale) != len(nj.Mean) {
		return nil, fmt.Errorf("%w: mean has %d entries and log_scale %d; want the same number, at least 1", ErrInvalidParameter, len(nj.Mean), len(nj.LogScale))
	}
	for i, l := range nj.LogScale {
		if !finite(nj.Mean[i]) || !finite(l) || math.Abs(l) > maxLogScale {
			return nil, fmt.Errorf("%w: mean[%d] = %g, log_scale[%d] = %g: want finite, |log_scale| ≤ %g", ErrInvalidParameter, i, nj.Mean[i], i, l, maxLogScale)
		}
	}
	return learnableNormal(nj.Mean, nj.LogScale, src), nil
}
