package targets

import "errors"

// ErrInvalidArgument is returned for a target's state or data that define
// no density, and for slices of the wrong length.
var ErrInvalidArgument = errors.New("targets: invalid argument")

// Target is a density on ℝ^D known up to a constant.
type Target interface {
	// Dim returns D.
	Dim() int
	// LogDensity returns log π̃(x) for x of length D; it does not modify
	// x. It may be −Inf where π̃ is 0, and is NaN for a point with a NaN.
	LogDensity(x []float64) float64
	// LogDensityGrad writes ∇log π̃(x) into grad (length D) and returns
	// log π̃(x); it does not modify x.
	LogDensityGrad(grad, x []float64) float64
}

// LogDensityRows writes log π̃ of each row of the row-major x (len(x)/D
// rows) into dst, one value per row: the batched form a trainer or a grid
// calls.
func LogDensityRows(t Target, dst, x []float64) error {
	D := t.Dim()
	if D < 1 {
		return errInvalid("LogDensityRows: a target in %d dimensions", D)
	}
	if len(x)%D != 0 || len(dst) != len(x)/D {
		return errInvalid("LogDensityRows: %d values are not %d rows of %d", len(x), len(dst), D)
	}
	for r := range dst {
		dst[r] = t.LogDensity(x[r*D : (r+1)*D])
	}
	return nil
}
