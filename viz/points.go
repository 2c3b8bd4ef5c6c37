package viz

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gonum.org/v1/plot/plotter"
	"gorgonia.org/tensor"
)

// planar returns the row-major values and row count of pts, which must be
// an N×2 float64 batch with N ≥ 1 and finite values; name goes in the error.
func planar(name string, pts *tensor.Dense) ([]float64, int, error) {
	data, n, err := batch.Data(pts, 2)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s: %w", ErrInvalidInput, name, err)
	}
	return data, n, nil
}

// xys adapts an N×2 batch to gonum's XYer.
func xys(name string, pts *tensor.Dense) (plotter.XYs, error) {
	data, n, err := planar(name, pts)
	if err != nil {
		return nil, err
	}
	out := make(plotter.XYs, n)
	for i := range out {
		out[i].X, out[i].Y = data[2*i], data[2*i+1]
	}
	return out, nil
}

// LineGrid returns the tutorial's grid: lines parallel to the axes over
// [xmin, xmax]×[ymin, ymax], lines of them in each direction, each sampled
// at points evenly spaced points. The first lines·points rows are the
// horizontal lines, the rest the vertical ones, as the tutorial's make_grid.
func LineGrid(b Bounds, lines, points int) (*tensor.Dense, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	if lines < 1 || points < 2 {
		return nil, fmt.Errorf("%w: grid of %d lines of %d points; want ≥ 1 and ≥ 2", ErrInvalidInput, lines, points)
	}
	if lines > MaxGridSide || points > MaxGridSide {
		return nil, fmt.Errorf("%w: grid of %d lines of %d points, over the limit of %d: %w", ErrInvalidInput, lines, points, MaxGridSide, batch.ErrTooLarge)
	}
	out := make([]float64, 0, 4*lines*points)
	for i := range lines {
		y := linspace(b.YMin, b.YMax, lines, i)
		for j := range points {
			out = append(out, linspace(b.XMin, b.XMax, points, j), y)
		}
	}
	for j := range points {
		y := linspace(b.YMin, b.YMax, points, j)
		for i := range lines {
			out = append(out, linspace(b.XMin, b.XMax, lines, i), y)
		}
	}
	return batch.New(2*lines*points, 2, out), nil
}

// linspace returns the i-th of n evenly spaced values from lo to hi
// inclusive, as numpy.linspace; one value is lo.
func linspace(lo, hi float64, n, i int) float64 {
	if n == 1 {
		return lo
	}
	if i == n-1 {
		return hi // exact end point, free of rounding
	}
	return lo + (hi-lo)*float64(i)/float64(n-1)
}
