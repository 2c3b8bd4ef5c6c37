// Package batch converts between the library's public batch type, an N×D
// *tensor.Dense of float64, and the row-major []float64 the numerics use,
// checking shapes and values on the way in.
package batch

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"gorgonia.org/tensor"
)

var (
	// ErrShape: a batch is not an N×D float64 matrix of the expected D.
	ErrShape = errors.New("batch has the wrong shape")
	// ErrEmpty: a batch has no rows.
	ErrEmpty = errors.New("batch is empty")
	// ErrNonFinite: a batch holds NaN or ±Inf.
	ErrNonFinite = errors.New("batch holds a non-finite value")
	// ErrTooLarge: a size is over its limit.
	ErrTooLarge = errors.New("size over the limit")
)

// DefaultMaxElements is the default of MaxElements: 2²⁴ values (128 MiB of
// float64), whose solve needs about ten times as much.
const DefaultMaxElements = 1 << 24

// MaxElements bounds rows × columns of one batch that the library
// evaluates or allocates: a solve keeps about ten copies of its state, so
// a batch past it would exhaust memory. Callers split larger batches, or
// raise it with distributions.SetMaxElements.
var MaxElements atomic.Int64

func init() { MaxElements.Store(DefaultMaxElements) }

// CheckSize returns an error unless n rows of d columns, both ≥ 1, hold at
// most MaxElements values; what names the batch.
func CheckSize(what string, n, d int) error {
	switch {
	case n <= 0:
		return fmt.Errorf("%w: %s of %d rows", ErrEmpty, what, n)
	case d <= 0:
		return fmt.Errorf("%w: %s of %d columns", ErrShape, what, d)
	case int64(n) > MaxElements.Load()/int64(d):
		return fmt.Errorf("%w: %s of %d rows × %d columns is over the limit of %d values (split it into smaller batches)", ErrTooLarge, what, n, d, MaxElements.Load())
	}
	return nil
}

// Data returns x's values in row-major order and its number of rows, after
// checking that x is N×dim float64 with N ≥ 1 and every value finite. The
// slice is x's own storage when x is contiguous, a copy otherwise; callers
// must not modify it.
func Data(x *tensor.Dense, dim int) ([]float64, int, error) {
	if x == nil {
		return nil, 0, fmt.Errorf("%w: nil tensor", ErrShape)
	}
	if x.Dtype() != tensor.Float64 {
		return nil, 0, fmt.Errorf("%w: dtype %v, want float64", ErrShape, x.Dtype())
	}
	s := x.Shape()
	if len(s) != 2 {
		return nil, 0, fmt.Errorf("%w: shape %v, want (N, %d)", ErrShape, s, dim)
	}
	if s[0] == 0 {
		return nil, 0, fmt.Errorf("%w: shape %v", ErrEmpty, s)
	}
	if s[1] != dim {
		return nil, 0, fmt.Errorf("%w: %d columns, want %d", ErrShape, s[1], dim)
	}
	if err := CheckSize("batch", s[0], s[1]); err != nil {
		return nil, 0, err
	}
	if x.RequiresIterator() {
		x = x.Materialize().(*tensor.Dense)
	}
	data := x.Float64s()[:s[0]*s[1]]
	if err := CheckFinite(data, dim); err != nil {
		return nil, 0, err
	}
	return data, s[0], nil
}

// CheckFinite returns an error naming the first non-finite value of the
// row-major batch data with dim columns.
func CheckFinite(data []float64, dim int) error {
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %g at row %d, column %d", ErrNonFinite, v, i/dim, i%dim)
		}
	}
	return nil
}

// New wraps row-major data as an n×d tensor without copying.
func New(n, d int, data []float64) *tensor.Dense {
	return tensor.New(tensor.WithShape(n, d), tensor.WithBacking(data))
}

// Fits reports whether v holds one slice per tensor of ps, each of that
// tensor's size: values (saved parameters, moments) that can be copied
// into ps.
func Fits(v [][]float64, ps []*tensor.Dense) bool {
	if len(v) != len(ps) {
		return false
	}
	for i, p := range ps {
		if len(v[i]) != p.Shape().TotalSize() {
			return false
		}
	}
	return true
}
