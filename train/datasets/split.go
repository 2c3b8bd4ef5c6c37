package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Split is a table's rows dealt at random into training, validation and
// test rows; a part without rows is nil.
type Split struct {
	Train, Validation, Test *tensor.Dense
}

// HeldOutRows returns how many of n rows a fraction frac holds out:
// frac·n to the nearest row, and at least one when frac > 0, so that a
// small table still gets a split. It returns 0 for frac ≤ 0 or NaN.
func HeldOutRows(n int, frac float64) int {
	if !(frac > 0) || n <= 0 {
		return 0
	}
	return min(n, max(1, int(math.Round(frac*float64(n)))))
}

// SplitRows shuffles the rows of the N×D table x with src and deals them
// out: the first test rows of the shuffle are Test, the next val are
// Validation and the rest Train. The same src gives the same split, so a
// split need not be stored: its seed and sizes reproduce it. Changing
// either size changes the validation rows.
//
// It returns an error wrapping ErrInvalidArgument for a nil src, a table
// that is not N×D float64, negative sizes or sizes that leave no training
// row. The parts are new tensors; x is not changed.
func SplitRows(x *tensor.Dense, val, test int, src rand.Source) (Split, error) {
	if src == nil {
		return Split{}, fmt.Errorf("SplitRows: nil random source: %w", ErrInvalidArgument)
	}
	if x == nil || len(x.Shape()) != 2 || x.Dtype() != tensor.Float64 {
		return Split{}, fmt.Errorf("SplitRows: want a two-dimensional float64 table: %w", ErrInvalidArgument)
	}
	n, d := x.Shape()[0], x.Shape()[1]
	if val < 0 || test < 0 || val+test >= n {
		return Split{}, fmt.Errorf("SplitRows: %d validation and %d test rows of %d leave no training row: %w", val, test, n, ErrInvalidArgument)
	}
	v, err := rowMajor(x)
	if err != nil {
		return Split{}, err
	}
	perm := rand.New(src).Perm(n)
	part := func(rows []int) *tensor.Dense {
		if len(rows) == 0 {
			return nil
		}
		out := make([]float64, 0, len(rows)*d)
		for _, r := range rows {
			out = append(out, v[r*d:(r+1)*d]...)
		}
		return tensor.New(tensor.WithShape(len(rows), d), tensor.WithBacking(out))
	}
	return Split{Test: part(perm[:test]), Validation: part(perm[test : test+val]), Train: part(perm[test+val:])}, nil
}
