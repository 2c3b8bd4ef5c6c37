package distributions

import (
	"encoding/json"
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

// mixtureCDFJSON is the JSON form of a MixtureCDF, fixed or learnable
// alike, every field required; the scales are written as their logs, the
// form they are kept in, so that they read back bit for bit:
//
//	{"type": "mixture_cdf", "dim": D, "components": K, "learnable": false|true,
//	 "logits": […D×K], "means": […D×K], "log_scales": […D×K]}
//
// The D×K arrays are row-major (coordinate i, component k at i·K + k).
type mixtureCDFJSON struct {
	Type       string `json:"type"`
	Dim        *int   `json:"dim"`
	Components *int   `json:"components"`
	Learnable  *bool  `json:"learnable"`
	// The arrays are read once D and K are known to be within the limits.
	Logits    json.RawMessage `json:"logits"`
	Means     json.RawMessage `json:"means"`
	LogScales json.RawMessage `json:"log_scales"`
}

// MarshalJSON writes the MixtureCDF as {"type": "mixture_cdf", …}.
func (b *MixtureCDF) MarshalJSON() ([]byte, error) {
	raw := func(t interface{ Float64s() []float64 }) (json.RawMessage, error) { return json.Marshal(t.Float64s()) }
	mj := mixtureCDFJSON{Type: "mixture_cdf", Dim: &b.d, Components: &b.k, Learnable: &b.learnable}
	var err error
	if mj.Logits, err = raw(b.logits); err != nil {
		return nil, err
	}
	if mj.Means, err = raw(b.means); err != nil {
		return nil, err
	}
	if mj.LogScales, err = raw(b.logScales); err != nil {
		return nil, err
	}
	return json.Marshal(mj)
}

// DecodeMixtureCDF reads a MixtureCDF written by MarshalJSON: every field
// present, 1 ≤ dim ≤ MaxDim and 1 ≤ components ≤ MaxComponents (checked
// before the arrays are read), arrays of dim×components values with finite
// logits and means and |log-scale| ≤ 700.
func DecodeMixtureCDF(data []byte) (*MixtureCDF, error) {
	var mj mixtureCDFJSON
	if err := strictjson.Unmarshal(data, &mj); err != nil {
		return nil, fmt.Errorf("%w: mixture_cdf: %v", ErrInvalidParameter, err)
	}
	if mj.Type != "mixture_cdf" {
		return nil, fmt.Errorf("%w: type = %q, want mixture_cdf", ErrInvalidParameter, mj.Type)
	}
	if mj.Dim == nil || mj.Components == nil || mj.Learnable == nil || mj.Logits == nil || mj.Means == nil || mj.LogScales == nil {
		return nil, fmt.Errorf(`%w: mixture_cdf needs "dim", "components", "learnable", "logits", "means" and "log_scales"`, ErrInvalidParameter)
	}
	D, K := *mj.Dim, *mj.Components
	if err := checkMixtureSize(D, K); err != nil {
		return nil, err
	}
	arrays := make([][]float64, 3)
	for a, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"logits", mj.Logits}, {"means", mj.Means}, {"log_scales", mj.LogScales}} {
		if err := strictjson.Unmarshal(f.raw, &arrays[a]); err != nil {
			return nil, fmt.Errorf("%w: mixture_cdf %s: %v", ErrInvalidParameter, f.name, err)
		}
		if len(arrays[a]) != D*K {
			return nil, fmt.Errorf("%w: mixture_cdf %s has %d values, want dim×components = %d×%d = %d", ErrInvalidParameter, f.name, len(arrays[a]), D, K, D*K)
		}
	}
	if err := checkMixtureValues(arrays[0], arrays[1], arrays[2], K); err != nil {
		return nil, err
	}
	return newMixtureCDF(arrays[0], arrays[1], arrays[2], D, K, *mj.Learnable), nil
}
