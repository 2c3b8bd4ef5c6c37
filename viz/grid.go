package viz

import (
	"fmt"
	"math"
	"slices"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// Bounds is an axis-aligned rectangle of the plane.
type Bounds struct {
	XMin, XMax, YMin, YMax float64
}

// The tutorial's axis limits.
var (
	// GridBounds are the limits of the first panel and the extent of the grid.
	GridBounds = Bounds{-3, 3, -3, 3}
	// FlowBounds are the limits of the second panel.
	FlowBounds = Bounds{-2, 3, -2, 3}
	// DensityBounds are the limits of the density panels: where the moons lie.
	DensityBounds = Bounds{-1.5, 2.5, -0.75, 1.25}
)

func (b Bounds) check() error {
	for _, v := range []float64{b.XMin, b.XMax, b.YMin, b.YMax} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: bounds %v are not finite", ErrInvalidInput, b)
		}
	}
	if !(b.XMin < b.XMax && b.YMin < b.YMax) {
		return fmt.Errorf("%w: bounds %v are empty", ErrInvalidInput, b)
	}
	return nil
}

// isZero reports whether b was left unset.
func (b Bounds) isZero() bool { return b == Bounds{} }

// Grid holds values on a regular rectangular grid of Cols×Rows nodes
// spanning Bounds, corners included. It implements plotter.GridXYZ, so it
// can be drawn by gonum's HeatMap and Contour as well as FilledContour.
type Grid struct {
	Bounds     Bounds
	Cols, Rows int
	// Values holds the value at node (c, r) at Values[r*Cols+c]; row r lies
	// at y = Y(r), column c at x = X(c).
	Values []float64
}

// MaxGridSide bounds the nodes along each side of a Grid: 4096² nodes is
// far more than any figure shows, and their densities take minutes.
const MaxGridSide = 4096

// NewGrid returns a Grid of zeros with cols×rows nodes over b; both counts
// must be at least 2.
func NewGrid(b Bounds, cols, rows int) (*Grid, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	if cols < 2 || rows < 2 {
		return nil, fmt.Errorf("%w: grid of %d×%d nodes, want at least 2×2", ErrInvalidInput, cols, rows)
	}
	if cols > MaxGridSide || rows > MaxGridSide {
		return nil, fmt.Errorf("%w: grid of %d×%d nodes, over the limit of %d a side: %w", ErrInvalidInput, cols, rows, MaxGridSide, batch.ErrTooLarge)
	}
	return &Grid{Bounds: b, Cols: cols, Rows: rows, Values: make([]float64, cols*rows)}, nil
}

// Dims returns the number of columns and rows.
func (g *Grid) Dims() (c, r int) { return g.Cols, g.Rows }

// Z returns the value at column c, row r.
func (g *Grid) Z(c, r int) float64 { return g.Values[r*g.Cols+c] }

// X returns the x coordinate of column c.
func (g *Grid) X(c int) float64 { return linspace(g.Bounds.XMin, g.Bounds.XMax, g.Cols, c) }

// Y returns the y coordinate of row r.
func (g *Grid) Y(r int) float64 { return linspace(g.Bounds.YMin, g.Bounds.YMax, g.Rows, r) }

// Min returns the smallest value, ignoring NaNs; gonum's HeatMap uses it.
func (g *Grid) Min() float64 {
	m := math.Inf(1)
	for _, v := range g.Values {
		if v < m {
			m = v
		}
	}
	return m
}

// Max returns the largest value, ignoring NaNs.
func (g *Grid) Max() float64 {
	m := math.Inf(-1)
	for _, v := range g.Values {
		if v > m {
			m = v
		}
	}
	return m
}

// Nodes returns the grid's nodes as a (Cols·Rows)×2 batch in the order of
// Values, ready for a flow's LogProb.
func (g *Grid) Nodes() *tensor.Dense {
	out := make([]float64, 0, 2*g.Cols*g.Rows)
	for r := range g.Rows {
		y := g.Y(r)
		for c := range g.Cols {
			out = append(out, g.X(c), y)
		}
	}
	return batch.New(g.Cols*g.Rows, 2, out)
}

// Integral returns the trapezoidal rule's integral of the values over the
// grid's rectangle.
func (g *Grid) Integral() float64 {
	dx := (g.Bounds.XMax - g.Bounds.XMin) / float64(g.Cols-1)
	dy := (g.Bounds.YMax - g.Bounds.YMin) / float64(g.Rows-1)
	var sum float64
	for r := range g.Rows {
		wr := 1.0
		if r == 0 || r == g.Rows-1 {
			wr = 0.5
		}
		for c := range g.Cols {
			w := wr
			if c == 0 || c == g.Cols-1 {
				w *= 0.5
			}
			sum += w * g.Values[r*g.Cols+c]
		}
	}
	return sum * dx * dy
}

// SquareAround returns the square centred on the bounding box of the N×2
// points whose side is the box's longer side plus a tenth on each side (at
// least 1.2e-3, for points that all coincide): a window that fits data
// drawn without known limits.
func SquareAround(points *tensor.Dense) (Bounds, error) {
	v, _, err := planar("points", points)
	if err != nil {
		return Bounds{}, err
	}
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	for i := 0; i+1 < len(v); i += 2 {
		for j := range 2 {
			lo[j] = min(lo[j], v[i+j])
			hi[j] = max(hi[j], v[i+j])
		}
	}
	half := max(hi[0]-lo[0], hi[1]-lo[1], 1e-3) * 0.6
	cx, cy := (lo[0]+hi[0])/2, (lo[1]+hi[1])/2
	b := Bounds{XMin: cx - half, XMax: cx + half, YMin: cy - half, YMax: cy + half}
	if err := b.check(); err != nil { // finite points far apart can overflow
		return Bounds{}, err
	}
	return b, nil
}

// Quantile returns the p-quantile of the grid's values, 0 < p ≤ 1, by
// nearest rank: the smallest value v such that a fraction p of the values
// are ≤ v. NaNs count as larger than every number. A colour scale topped at
// Quantile(0.99) keeps a few sharp peaks from darkening the rest.
func (g *Grid) Quantile(p float64) (float64, error) {
	if g == nil || len(g.Values) == 0 {
		return 0, fmt.Errorf("%w: quantile of an empty grid", ErrInvalidInput)
	}
	if !(p > 0 && p <= 1) {
		return 0, fmt.Errorf("%w: quantile %g, want 0 < p ≤ 1", ErrInvalidInput, p)
	}
	vals := slices.Clone(g.Values)
	slices.Sort(vals)
	return vals[min(len(vals)-1, int(math.Ceil(p*float64(len(vals))))-1)], nil
}
