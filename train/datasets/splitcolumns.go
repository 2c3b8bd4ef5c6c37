package datasets

import (
	"fmt"

	"gorgonia.org/tensor"
)

// SplitColumns splits the N×W table t into its first W − k columns and its
// last k: the points x and their contexts c of a conditional data set read
// from one CSV file, context last. With k = 0, x is t and c is nil.
//
// It returns an error wrapping ErrInvalidArgument if t is nil, not a
// two-dimensional float64 table, or if k < 0 or k ≥ W (x must keep at
// least one column). x and c are new tensors; t is not changed.
func SplitColumns(t *tensor.Dense, k int) (x, c *tensor.Dense, err error) {
	if t == nil || len(t.Shape()) != 2 || t.Dtype() != tensor.Float64 {
		return nil, nil, fmt.Errorf("SplitColumns: want a two-dimensional float64 table: %w", ErrInvalidArgument)
	}
	rows, w := t.Shape()[0], t.Shape()[1]
	if k < 0 || k >= w {
		return nil, nil, fmt.Errorf("SplitColumns: %d context columns of a table of %d, want 0 to %d (at least one column of points): %w", k, w, w-1, ErrInvalidArgument)
	}
	if k == 0 {
		return t, nil, nil
	}
	vals, err := rowMajor(t)
	if err != nil {
		return nil, nil, err
	}
	d := w - k
	xv, cv := make([]float64, rows*d), make([]float64, rows*k)
	for r := range rows {
		copy(xv[r*d:(r+1)*d], vals[r*w:r*w+d])
		copy(cv[r*k:(r+1)*k], vals[r*w+d:(r+1)*w])
	}
	return tensor.New(tensor.WithShape(rows, d), tensor.WithBacking(xv)),
		tensor.New(tensor.WithShape(rows, k), tensor.WithBacking(cv)), nil
}
