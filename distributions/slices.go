package distributions

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/batch"
)

// LogProbRows returns log p(x) for each point of x, given as rows of D
// values: the form for users who keep points in plain slices rather than
// tensors. It is d.LogProb on the same points.
func LogProbRows(d Distribution, x [][]float64) ([]float64, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil distribution", ErrInvalidParameter)
	}
	D := d.Dim()
	if len(x) == 0 {
		return nil, fmt.Errorf("%w: no points", ErrEmpty)
	}
	flat := make([]float64, 0, len(x)*D)
	for i, row := range x {
		if len(row) != D {
			return nil, fmt.Errorf("%w: point %d has %d values, want %d", ErrShape, i, len(row), D)
		}
		flat = append(flat, row...)
	}
	return d.LogProb(batch.New(len(x), D, flat))
}

// SampleRows returns n points drawn from d as rows of D values.
func SampleRows(d Distribution, n int) ([][]float64, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil distribution", ErrInvalidParameter)
	}
	s, err := d.Sample(n)
	if err != nil {
		return nil, err
	}
	D := d.Dim()
	flat := s.Float64s()
	if len(flat) != n*D {
		return nil, fmt.Errorf("%w: Sample returned %d values for %d points of %d", ErrShape, len(flat), n, D)
	}
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = flat[i*D : (i+1)*D : (i+1)*D]
	}
	return rows, nil
}
