package targets

import (
	"errors"
	"math"
	"reflect"
)

// ErrInvalidArgument is returned for a target's state or data that define
// no density, and for slices of the wrong length.
var ErrInvalidArgument = errors.New("targets: invalid argument")

// Target is a density on ℝ^D known up to a constant.
//
// The methods return no error, so a call that defines no value says so by
// NaN, never by a panic: LogDensity of a point whose length is not D, and
// LogDensityGrad of such a point or with a grad whose length is not D
// (which then sets every element of grad to NaN), are NaN. The targets
// here keep that contract on nil and zero-value receivers too: a nil
// *LogisticRegression and a Tempered of no Target have Dim 0, and every
// point is of the wrong length for them.
type Target interface {
	// Dim returns D.
	Dim() int
	// LogDensity returns log π̃(x) for x of length D; it does not modify
	// x. It may be −Inf where π̃ is 0, and is NaN for a point with a NaN
	// or of the wrong length.
	LogDensity(x []float64) float64
	// LogDensityGrad writes ∇log π̃(x) into grad (length D) and returns
	// log π̃(x); it does not modify x. For x or grad of the wrong length
	// it sets grad to NaN and returns NaN.
	LogDensityGrad(grad, x []float64) float64
}

// undefined sets grad to NaN and returns NaN: the value of a call with a
// point or a gradient of the wrong length.
func undefined(grad []float64) float64 {
	for i := range grad {
		grad[i] = math.NaN()
	}
	return math.NaN()
}

// isNil reports a nil t, or a nil pointer in it, whose methods may panic.
func isNil(t Target) bool {
	if t == nil {
		return true
	}
	v := reflect.ValueOf(t)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// LogDensityRows writes log π̃ of each row of the row-major x (len(x)/D
// rows) into dst, one value per row: the batched form a trainer or a grid
// calls.
func LogDensityRows(t Target, dst, x []float64) error {
	if isNil(t) {
		return errInvalid("LogDensityRows: a nil target (%T)", t)
	}
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
