package distributions

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/internal/strictjson"
)

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

// MarshalJSON writes the AffineTriL as {"type": "affine_tril", …}.
func (a *AffineTriL) MarshalJSON() ([]byte, error) {
	aj := affineTriLJSON{Type: "affine_tril", Learnable: a.learnable, Shift: a.Shift()}
	s := a.scale.Float64s()
	if !a.learnable {
		raw, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		aj.ScaleTriL = raw
		return json.Marshal(aj)
	}
	// The upper triangle of the parameter is ignored: write it as zeros.
	D := a.Dim()
	p := make([]float64, D*D)
	for i := range D {
		copy(p[i*D:i*D+i+1], s[i*D:i*D+i+1])
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	aj.ScaleTriLLogDiag = raw
	return json.Marshal(aj)
}

// DecodeAffineTriL reads an AffineTriL written by MarshalJSON: a shift of
// 1 ≤ D ≤ MaxDim values, checked before the D×D matrix is read, and the
// matrix as NewAffineTriL wants it (for a learnable one, finite entries
// with |log L_ii| ≤ 700).
func DecodeAffineTriL(data []byte) (*AffineTriL, error) {
	var aj affineTriLJSON
	if err := strictjson.Unmarshal(data, &aj); err != nil {
		return nil, fmt.Errorf("%w: affine_tril: %v", ErrInvalidParameter, err)
	}
	if aj.Type != "affine_tril" {
		return nil, fmt.Errorf("%w: type = %q, want affine_tril", ErrInvalidParameter, aj.Type)
	}
	if D := len(aj.Shift); D == 0 || D > MaxDim {
		return nil, fmt.Errorf("%w: affine_tril shift has %d values, want 1 to the limit %d", ErrInvalidParameter, D, MaxDim)
	}
	raw, field, other := aj.ScaleTriL, "scale_tril", aj.ScaleTriLLogDiag
	if aj.Learnable {
		raw, field, other = aj.ScaleTriLLogDiag, "scale_tril_log_diag", aj.ScaleTriL
	}
	if other != nil {
		return nil, fmt.Errorf("%w: affine_tril with learnable = %t has %s only", ErrInvalidParameter, aj.Learnable, field)
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: affine_tril with learnable = %t has no %s", ErrInvalidParameter, aj.Learnable, field)
	}
	var m []float64
	if err := strictjson.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: affine_tril %s: %v", ErrInvalidParameter, field, err)
	}
	if !aj.Learnable {
		return NewAffineTriL(aj.Shift, m)
	}
	// Check the parameter as the L it stands for, and keep its exact
	// log-diagonal.
	D := len(aj.Shift)
	l := append([]float64(nil), m...)
	if len(m) == D*D {
		for i := range D {
			v := m[i*D+i]
			if !finite(v) || math.Abs(v) > maxLogScale {
				return nil, fmt.Errorf("%w: affine_tril scale_tril_log_diag[%d][%d] = %g, want finite, |log L_ii| ≤ %g", ErrInvalidParameter, i, i, v, maxLogScale)
			}
			l[i*D+i] = math.Exp(v)
		}
	}
	if err := checkTriL(aj.Shift, l, true); err != nil {
		return nil, err
	}
	return newAffineTriL(aj.Shift, m, true), nil
}
