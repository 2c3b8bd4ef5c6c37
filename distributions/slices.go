package distributions

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// LogProbRows returns log p(x) for each point of x, given as rows of D
// values: the form for users who keep points in plain slices rather than
// tensors. It is d.LogProb on the same points.
func LogProbRows(d Distribution, x [][]float64) ([]float64, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil distribution", ErrInvalidParameter)
	}
	xt, err := rowsTensor("point", x, d.Dim())
	if err != nil {
		return nil, err
	}
	return d.LogProb(xt)
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
	return splitRows(s.Float64s(), n, d.Dim())
}

// ContextDistribution is a conditional density p(x | c) that can be
// sampled given contexts: a TransformedDistribution of conditional blocks,
// or a train.Flow of one.
type ContextDistribution interface {
	Dim() int
	ContextDim() int
	LogProbContext(x, c *tensor.Dense) ([]float64, error)
	SampleContext(c *tensor.Dense) (*tensor.Dense, error)
}

// LogProbContextRows returns log p(x_r | c_r) for each point of x and its
// context, the same row of c, both given as rows of plain values.
func LogProbContextRows(d ContextDistribution, x, c [][]float64) ([]float64, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil distribution", ErrInvalidParameter)
	}
	if len(c) != len(x) {
		return nil, fmt.Errorf("%w: %d contexts for %d points", ErrShape, len(c), len(x))
	}
	xt, err := rowsTensor("point", x, d.Dim())
	if err != nil {
		return nil, err
	}
	ct, err := rowsTensor("context", c, d.ContextDim())
	if err != nil {
		return nil, err
	}
	return d.LogProbContext(xt, ct)
}

// SampleContextRows draws one point from p(x | c_r) for each context row
// of c and returns the points as rows of D values.
func SampleContextRows(d ContextDistribution, c [][]float64) ([][]float64, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil distribution", ErrInvalidParameter)
	}
	ct, err := rowsTensor("context", c, d.ContextDim())
	if err != nil {
		return nil, err
	}
	s, err := d.SampleContext(ct)
	if err != nil {
		return nil, err
	}
	return splitRows(s.Float64s(), len(c), d.Dim())
}

// rowsTensor checks that rows holds at least one row of width values each
// (within the batch limit) and returns them as an N×width tensor.
func rowsTensor(what string, rows [][]float64, width int) (*tensor.Dense, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: no %ss", ErrEmpty, what)
	}
	if err := batch.CheckSize(what+"s", len(rows), width); err != nil {
		return nil, err
	}
	flat := make([]float64, 0, len(rows)*width)
	for i, row := range rows {
		if len(row) != width {
			return nil, fmt.Errorf("%w: %s %d has %d values, want %d", ErrShape, what, i, len(row), width)
		}
		flat = append(flat, row...)
	}
	return batch.New(len(rows), width, flat), nil
}

// splitRows cuts the row-major flat into n rows of width values.
func splitRows(flat []float64, n, width int) ([][]float64, error) {
	if len(flat) != n*width {
		return nil, fmt.Errorf("%w: %d values for %d rows of %d", ErrShape, len(flat), n, width)
	}
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = flat[i*width : (i+1)*width : (i+1)*width]
	}
	return rows, nil
}
