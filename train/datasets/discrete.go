package datasets

import (
	"math"

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
