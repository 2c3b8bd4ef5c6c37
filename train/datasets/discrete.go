package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// DiscreteColumns returns, in increasing order, the indices of the columns
// of the N×D float64 table x whose values are all integers: columns such
// as pixel intensities, ages or counts, on which a continuous density
// model needs dequantisation. Columns on a finer grid, such as iris's
// 0.1 cm, are not reported.
//
// It returns nil if there are none, or if x is nil, not a two-dimensional
// float64 table, or has no rows.
func DiscreteColumns(x *tensor.Dense) []int {
	if x == nil || len(x.Shape()) != 2 || x.Dtype() != tensor.Float64 || x.Shape()[0] == 0 {
		return nil
	}
	v, err := rowMajor(x)
	if err != nil {
		return nil
	}
	d := x.Shape()[1]
	var cols []int
	for j := range d {
		integer := true
		for i := j; i < len(v) && integer; i += d {
			integer = v[i] == math.Trunc(v[i]) && !math.IsInf(v[i], 0)
		}
		if integer {
			cols = append(cols, j)
		}
	}
	return cols
}

// Dequantize returns a copy of the N×D table x with uniform noise on
// [0, 1) from src added to every value of the columns cols (such as
// DiscreteColumns gives): an integer value v becomes a point of [v, v+1),
// so that a continuous density of the result, integrated over that unit
// cell, is the probability of v. The other columns are copied as they are.
//
// It returns an error wrapping ErrInvalidArgument for a nil src, a table
// that is not N×D float64, or a column out of range.
func Dequantize(x *tensor.Dense, cols []int, src rand.Source) (*tensor.Dense, error) {
	if src == nil {
		return nil, fmt.Errorf("Dequantize: nil random source: %w", ErrInvalidArgument)
	}
	if x == nil || len(x.Shape()) != 2 || x.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("Dequantize: want a two-dimensional float64 table: %w", ErrInvalidArgument)
	}
	n, d := x.Shape()[0], x.Shape()[1]
	for _, j := range cols {
		if j < 0 || j >= d {
			return nil, fmt.Errorf("Dequantize: column %d of a table of %d: %w", j, d, ErrInvalidArgument)
		}
	}
	v, err := rowMajor(x)
	if err != nil {
		return nil, err
	}
	out := append([]float64(nil), v...)
	r := rand.New(src)
	for i := range n {
		for _, j := range cols {
			out[i*d+j] += r.Float64()
		}
	}
	return tensor.New(tensor.WithShape(n, d), tensor.WithBacking(out)), nil
}
