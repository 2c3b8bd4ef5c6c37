package viz

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// DensityOptions configure DensityHeatmap. The zero value draws the
// tutorial's density window on 100×100 nodes.
type DensityOptions struct {
	// Bounds is the window; zero means DensityBounds.
	Bounds Bounds
	// Cols and Rows are the numbers of nodes the density is evaluated at
	// across and up; 0 means 100. The nodes go to LogProb in one batch of
	// Cols·Rows rows; for a flow each is pulled back through every block.
	Cols, Rows int
	// Max is the density at the top of the colour scale, higher densities
	// taking its colour; 0 means the grid's maximum. Fixing it keeps
	// pictures of different models comparable.
	Max float64
	// Width and Height are the figure's size; 0 means 6 inches wide plus
	// the colour bar's strip (ColorBarWidth), and as tall as keeps the
	// window's aspect (within 2 to 8 inches).
	Width, Height vg.Length
}

// DensityGrid returns the density p(x) = exp(log p(x)) at the cols×rows
// nodes of a grid over b, from one batched LogProb.
func DensityGrid(lp LogProber, b Bounds, cols, rows int) (*Grid, error) {
	if missing(lp) {
		return nil, fmt.Errorf("%w: no log-density", ErrInvalidInput)
	}
	g, err := NewGrid(b, cols, rows)
	if err != nil {
		return nil, err
	}
	logp, err := lp.LogProb(g.Nodes())
	if err != nil {
		return nil, fmt.Errorf("viz: density: %w", err)
	}
	if len(logp) != len(g.Values) {
		return nil, fmt.Errorf("%w: density: LogProb returned %d values for %d points", ErrInvalidInput, len(logp), len(g.Values))
	}
	for i, v := range logp {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			return nil, fmt.Errorf("%w: density: log p = %g at (%g, %g)", ErrInvalidInput, v, g.X(i%g.Cols), g.Y(i/g.Cols))
		}
		g.Values[i] = math.Exp(v)
	}
	return g, nil
}

// DensityHeatmap draws the density of lp, such as a flow's exact density,
// on a grid as a viridis heat map with a colour bar: what the model
// believes, where the tutorial's last panels show a kernel estimate from
// its samples.
func DensityHeatmap(lp LogProber, opt DensityOptions) (*Figure, error) {
	if opt.Bounds.isZero() {
		opt.Bounds = DensityBounds
	}
	if opt.Cols == 0 {
		opt.Cols = 100
	}
	if opt.Rows == 0 {
		opt.Rows = 100
	}
	if opt.Max < 0 || math.IsNaN(opt.Max) || math.IsInf(opt.Max, 0) || opt.Width < 0 || opt.Height < 0 {
		return nil, fmt.Errorf("%w: density options %+v", ErrInvalidInput, opt)
	}
	g, err := DensityGrid(lp, opt.Bounds, opt.Cols, opt.Rows)
	if err != nil {
		return nil, err
	}
	peak := g.Max()
	if math.IsNaN(peak) || math.IsInf(peak, 0) {
		return nil, fmt.Errorf("%w: density: not finite on the grid", ErrInvalidInput)
	}
	hm := plotter.NewHeatMap(g, Viridis(0))
	hm.Rasterized = true
	hm.Min, hm.Max = 0, opt.Max
	if opt.Max == 0 {
		hm.Max = peak
	}
	if hm.Max == 0 {
		hm.Max = 1 // a flat zero density: all the lowest colour
	}
	hm.Overflow = ViridisAt(1)
	bar, err := NewColorBar(&ViridisScale{Lo: hm.Min, Hi: hm.Max})
	if err != nil {
		return nil, err
	}
	p := newPlot()
	p.Title.Text = "model density (exact)"
	p.Add(hm)
	p.X.Padding, p.Y.Padding = 0, 0
	w, h := opt.Width, opt.Height
	if w == 0 {
		w = 6*vg.Inch + ColorBarWidth
	}
	if h == 0 {
		b := opt.Bounds
		aspect := (b.YMax - b.YMin) / (b.XMax - b.XMin)
		// The extra half inch is for the title and the x axis.
		h = min(max((w-ColorBarWidth)*vg.Length(aspect)+vg.Inch/2, 2*vg.Inch), 8*vg.Inch)
	}
	f := NewFigure(w, h, p)
	f.ColorBars = [][]*plot.Plot{{bar}}
	return f, nil
}
