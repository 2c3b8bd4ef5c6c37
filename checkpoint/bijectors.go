package checkpoint

import (
	"encoding/json"
	"fmt"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

// The JSON forms of the library's bijectors other than FFJORD blocks and
// chains. Each is written as its parameters are stored, so that it reads
// back bit for bit, and each encoder reads back what it wrote, so that Save
// never writes what Load refuses.

// affineJSON is the JSON form of an Affine:
//
//	{"type": "affine", "shift": […D], "log_scale": […D]}
type affineJSON struct {
	Type     string    `json:"type"`
	Shift    []float64 `json:"shift"`
	LogScale []float64 `json:"log_scale"`
}

func encodeAffine(a *distributions.Affine) ([]byte, error) {
	raw, err := json.Marshal(affineJSON{Type: "affine", Shift: a.Shift(), LogScale: a.LogScale()})
	return readsBack(raw, err, decodeAffine)
}

// decodeAffine reads D ≤ MaxDim values each, finite, as NewAffine wants.
func decodeAffine(data []byte) (*distributions.Affine, error) {
	var aj affineJSON
	if err := strictjson.Unmarshal(data, &aj); err != nil {
		return nil, fmt.Errorf("affine: %v", err)
	}
	if aj.Type != "affine" {
		return nil, fmt.Errorf("type = %q, want affine", aj.Type)
	}
	if len(aj.Shift) > distributions.MaxDim {
		return nil, fmt.Errorf("affine shift has %d values, more than the limit %d", len(aj.Shift), distributions.MaxDim)
	}
	return distributions.NewAffine(aj.Shift, aj.LogScale)
}

// affineTriLJSON is the JSON form of an AffineTriL: a fixed one by L, a
// learnable one by its scale parameter (L with log L_ii on the diagonal),
// so that both read back bit for bit, as a Normal's std and log_scale:
//
//	{"type": "affine_tril", "learnable": false, "shift": […D], "scale_tril": […D×D]}
//	{"type": "affine_tril", "learnable": true, "shift": […D], "scale_tril_log_diag": […D×D]}
//
// Both matrices are row-major with zeros above the diagonal.
type affineTriLJSON struct {
	Type      string    `json:"type"`
	Learnable bool      `json:"learnable"`
	Shift     []float64 `json:"shift"`
	// The D×D values are read once the shift's D is known to be within
	// MaxDim.
	ScaleTriL        json.RawMessage `json:"scale_tril,omitempty"`
	ScaleTriLLogDiag json.RawMessage `json:"scale_tril_log_diag,omitempty"`
}

func encodeAffineTriL(a *distributions.AffineTriL) ([]byte, error) {
	aj := affineTriLJSON{Type: "affine_tril", Learnable: a.Learnable(), Shift: a.Shift()}
	m, err := json.Marshal(a.ScaleParam())
	if err != nil {
		return nil, err
	}
	if a.Learnable() {
		aj.ScaleTriLLogDiag = m
	} else {
		aj.ScaleTriL = m
	}
	raw, err := json.Marshal(aj)
	return readsBack(raw, err, decodeAffineTriL)
}

// decodeAffineTriL reads a shift of 1 ≤ D ≤ MaxDim values, checked before
// the D×D matrix is read, and the matrix as the constructors want it.
func decodeAffineTriL(data []byte) (*distributions.AffineTriL, error) {
	var aj affineTriLJSON
	if err := strictjson.Unmarshal(data, &aj); err != nil {
		return nil, fmt.Errorf("affine_tril: %v", err)
	}
	if aj.Type != "affine_tril" {
		return nil, fmt.Errorf("type = %q, want affine_tril", aj.Type)
	}
	if D := len(aj.Shift); D == 0 || D > distributions.MaxDim {
		return nil, fmt.Errorf("affine_tril shift has %d values, want 1 to the limit %d", D, distributions.MaxDim)
	}
	raw, field, other := aj.ScaleTriL, "scale_tril", aj.ScaleTriLLogDiag
	if aj.Learnable {
		raw, field, other = aj.ScaleTriLLogDiag, "scale_tril_log_diag", aj.ScaleTriL
	}
	if other != nil {
		return nil, fmt.Errorf("affine_tril with learnable = %t has %s only", aj.Learnable, field)
	}
	if raw == nil {
		return nil, fmt.Errorf("affine_tril with learnable = %t has no %s", aj.Learnable, field)
	}
	var m []float64
	if err := strictjson.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("affine_tril %s: %v", field, err)
	}
	if !aj.Learnable {
		return distributions.NewAffineTriL(aj.Shift, m)
	}
	return distributions.NewLearnableAffineTriLFromParams(aj.Shift, m)
}

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

func encodeSigmoid(s *distributions.Sigmoid) ([]byte, error) {
	d, lo, hi, alpha := s.Dim(), s.Low(), s.High(), s.Alpha()
	return json.Marshal(sigmoidJSON{Type: "sigmoid", Dim: &d, Low: &lo, High: &hi, Alpha: &alpha})
}

// decodeSigmoid reads every field, with values as NewSigmoid wants.
func decodeSigmoid(data []byte) (*distributions.Sigmoid, error) {
	var sj sigmoidJSON
	if err := strictjson.Unmarshal(data, &sj); err != nil {
		return nil, fmt.Errorf("sigmoid: %v", err)
	}
	if sj.Type != "sigmoid" {
		return nil, fmt.Errorf("type = %q, want sigmoid", sj.Type)
	}
	if sj.Dim == nil || sj.Low == nil || sj.High == nil || sj.Alpha == nil {
		return nil, fmt.Errorf(`sigmoid needs "dim", "low", "high" and "alpha"`)
	}
	return distributions.NewSigmoid(*sj.Dim, *sj.Low, *sj.High, *sj.Alpha)
}

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

func encodeMixtureCDF(b *distributions.MixtureCDF) ([]byte, error) {
	d, k, learnable := b.Dim(), b.Components(), b.Learnable()
	mj := mixtureCDFJSON{Type: "mixture_cdf", Dim: &d, Components: &k, Learnable: &learnable}
	var err error
	if mj.Logits, err = json.Marshal(b.Logits()); err != nil {
		return nil, err
	}
	if mj.Means, err = json.Marshal(b.Means()); err != nil {
		return nil, err
	}
	if mj.LogScales, err = json.Marshal(b.LogScales()); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(mj)
	return readsBack(raw, err, decodeMixtureCDF)
}

// decodeMixtureCDF reads every field: 1 ≤ dim ≤ MaxDim and
// 1 ≤ components ≤ MaxComponents (checked before the arrays are read),
// arrays of dim×components values with finite logits and means and
// |log-scale| ≤ 700.
func decodeMixtureCDF(data []byte) (*distributions.MixtureCDF, error) {
	var mj mixtureCDFJSON
	if err := strictjson.Unmarshal(data, &mj); err != nil {
		return nil, fmt.Errorf("mixture_cdf: %v", err)
	}
	if mj.Type != "mixture_cdf" {
		return nil, fmt.Errorf("type = %q, want mixture_cdf", mj.Type)
	}
	if mj.Dim == nil || mj.Components == nil || mj.Learnable == nil || mj.Logits == nil || mj.Means == nil || mj.LogScales == nil {
		return nil, fmt.Errorf(`mixture_cdf needs "dim", "components", "learnable", "logits", "means" and "log_scales"`)
	}
	D, K := *mj.Dim, *mj.Components
	if D < 1 || D > distributions.MaxDim || K < 1 || K > distributions.MaxComponents {
		return nil, fmt.Errorf("mixture_cdf of %d coordinates and %d components, want 1 to %d and 1 to %d", D, K, distributions.MaxDim, distributions.MaxComponents)
	}
	arrays := make([][]float64, 3)
	for a, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"logits", mj.Logits}, {"means", mj.Means}, {"log_scales", mj.LogScales}} {
		if err := strictjson.Unmarshal(f.raw, &arrays[a]); err != nil {
			return nil, fmt.Errorf("mixture_cdf %s: %v", f.name, err)
		}
		if len(arrays[a]) != D*K {
			return nil, fmt.Errorf("mixture_cdf %s has %d values, want dim×components = %d×%d = %d", f.name, len(arrays[a]), D, K, D*K)
		}
	}
	return distributions.NewMixtureCDFFromParams(arrays[0], arrays[1], arrays[2], D, K, *mj.Learnable)
}

// readsBack reads the JSON raw of a part (or passes on err, the error of
// writing it) back with decode and returns raw if it reads, so that Save
// refuses a part that Load would refuse (a training may have driven a
// log-scale past its bound).
func readsBack[T any](raw []byte, err error, decode func([]byte) (T, error)) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	if _, err := decode(raw); err != nil {
		return nil, refused{err}
	}
	return raw, nil
}
