package viz

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gorgonia.org/tensor"
)

// TutorialOptions configure TutorialFigure and TakeSnapshot. The zero value
// draws the tutorial's figure after training.
type TutorialOptions struct {
	// Samples is the number of base samples and of model samples; 0 means
	// 8192, the tutorial's.
	Samples int
	// Autoscale fits the axes to what they show instead of the tutorial's
	// fixed limits, as the tutorial draws the model before training.
	Autoscale bool
	// GridLines is the number of grid lines each way and GridPoints the
	// points along each; 0 means 4 and 100.
	GridLines, GridPoints int
	// KDEGrid is the number of nodes along each axis of the grid the
	// density estimates are evaluated on; 0 means 100, seaborn's.
	KDEGrid int
	// FitLevels draws each density panel in ten levels spanning its own
	// estimate, the top one at its maximum (FitLevels), as seaborn's
	// kdeplot does, instead of the tutorial's fixed levels
	// (TutorialLevels, made for the moons). Set it for other data: a
	// density peaking below 1/12 is one flat colour in the fixed levels.
	FitLevels bool
}

func (o TutorialOptions) resolved() (TutorialOptions, error) {
	if o.Samples < 0 || o.GridLines < 0 || o.GridPoints < 0 || o.KDEGrid < 0 {
		return o, fmt.Errorf("%w: negative count in %+v", ErrInvalidInput, o)
	}
	if o.Samples == 0 {
		o.Samples = 8192
	}
	if o.GridLines == 0 {
		o.GridLines = 4
	}
	if o.GridPoints == 0 {
		o.GridPoints = 100
	}
	if o.KDEGrid == 0 {
		o.KDEGrid = 100
	}
	if o.KDEGrid < 2 {
		return o, fmt.Errorf("%w: KDEGrid = %d, want ≥ 2", ErrInvalidInput, o.KDEGrid)
	}
	return o, nil
}

// Snapshot holds what the tutorial's panels show at one moment of
// training, so that it can be drawn later, as the tutorial collects its
// evaluation samples before every epoch and draws them at the end.
type Snapshot struct {
	Grid            *tensor.Dense // lines over GridBounds, in base space
	Base            *tensor.Dense // samples of the base distribution
	TransformedGrid *tensor.Dense // the grid pushed through the flow
	Samples         *tensor.Dense // samples of the model
	Data            *tensor.Dense // the data set
}

// TakeSnapshot draws base and model samples from m and pushes the grid
// through it, as the tutorial's get_samples and get_transformed_grid.
func TakeSnapshot(m Model, data *tensor.Dense, opt TutorialOptions) (*Snapshot, error) {
	if _, _, err := planar("data", data); err != nil {
		return nil, err
	}
	opt, err := opt.resolved()
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Data: data}
	if s.Grid, err = LineGrid(GridBounds, opt.GridLines, opt.GridPoints); err != nil {
		return nil, err
	}
	if s.Base, err = sample("base samples", m.Base, opt.Samples); err != nil {
		return nil, err
	}
	if m.Samples != nil {
		s.Samples, err = sample("model samples", m.Samples, opt.Samples)
	} else {
		var z *tensor.Dense
		if z, err = sample("base samples", m.Base, opt.Samples); err == nil {
			s.Samples, err = push("model samples", m.Forward, z)
		}
	}
	if err != nil {
		return nil, err
	}
	if s.TransformedGrid, err = push("transforming the grid", m.Forward, s.Grid); err != nil {
		return nil, err
	}
	return s, nil
}

// Figure draws the snapshot as the tutorial's panel of four plots, 16×6
// inches: the grid (black) and base samples (blue); the transformed grid
// and model samples; filled density estimates of the model samples and of
// the data, each with a colour bar. Densities above the top level take the
// top colour. Only opt's Autoscale, KDEGrid and FitLevels are used.
func (s *Snapshot) Figure(opt TutorialOptions) (*Figure, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil snapshot", ErrInvalidInput)
	}
	opt, err := opt.resolved()
	if err != nil {
		return nil, err
	}
	p1, err := pointsPlot("grid, samples", s.Grid, s.Base)
	if err != nil {
		return nil, err
	}
	p2, err := pointsPlot("ode(grid), ode(samples)", s.TransformedGrid, s.Samples)
	if err != nil {
		return nil, err
	}
	p3, bar3, err := densityPlot("model density (KDE)", "samples", s.Samples, opt.KDEGrid, opt.FitLevels)
	if err != nil {
		return nil, err
	}
	p4, bar4, err := densityPlot("data density (KDE)", "data", s.Data, opt.KDEGrid, opt.FitLevels)
	if err != nil {
		return nil, err
	}
	if !opt.Autoscale {
		setLimits(p1, GridBounds)
		setLimits(p2, FlowBounds)
		setLimits(p3, DensityBounds)
		setLimits(p4, DensityBounds)
	}
	f := NewFigure(16*vg.Inch, 6*vg.Inch, p1, p2, p3, p4)
	f.ColorBars = [][]*plot.Plot{{nil, nil, bar3, bar4}}
	return f, nil
}

// TutorialFigure takes a snapshot of m and draws it: the tutorial's
// picture of a flow trained on data. Set opt.Autoscale for the picture
// before training.
func TutorialFigure(m Model, data *tensor.Dense, opt TutorialOptions) (*Figure, error) {
	s, err := TakeSnapshot(m, data, opt)
	if err != nil {
		return nil, err
	}
	return s.Figure(opt)
}

// pointsPlot scatters grid in black and samples over it in blue, clipped
// to the axes, which are fitted to what they show with matplotlib's
// margins until the caller sets limits.
func pointsPlot(title string, grid, samples *tensor.Dense) (*plot.Plot, error) {
	g, err := dots("grid", grid, black, gridRadius)
	if err != nil {
		return nil, err
	}
	s, err := dots("samples", samples, blue, sampleRadius)
	if err != nil {
		return nil, err
	}
	p := newPlot()
	p.Title.Text = title
	p.Add(g, s)
	// The axes meet the data area, so clipping to it clips to the axes.
	p.X.Padding, p.Y.Padding = 0, 0
	setLimits(p, marginBounds(g.XYs, s.XYs))
	return p, nil
}

// dots returns filled round markers at pts, clipped to the axes.
func dots(name string, pts *tensor.Dense, c color.Color, radius vg.Length) (*Dots, error) {
	xy, err := xys(name, pts)
	if err != nil {
		return nil, err
	}
	return &Dots{XYs: xy, Color: c, Radius: radius}, nil
}

// scatter returns filled round markers at pts.
func scatter(name string, pts *tensor.Dense, c color.Color, radius vg.Length) (*plotter.Scatter, error) {
	xy, err := xys(name, pts)
	if err != nil {
		return nil, err
	}
	s, err := plotter.NewScatter(xy)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidInput, name, err)
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: radius, Shape: draw.CircleGlyph{}}
	return s, nil
}

// densityPlot returns the filled density estimate of pts on a grid×grid
// lattice over seaborn's support (3 bandwidths past the data), in viridis,
// and its colour bar: in the tutorial's levels, or with fit in levels
// spanning the estimate. Values above the top level take its colour.
func densityPlot(title, name string, pts *tensor.Dense, grid int, fit bool) (*plot.Plot, *plot.Plot, error) {
	k, err := NewKDE(pts)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	g, err := k.Grid(k.Support(3), grid, grid)
	if err != nil {
		return nil, nil, err
	}
	levels := TutorialLevels()
	if fit {
		if levels, err = FitLevels(g, 10); err != nil {
			return nil, nil, err
		}
	}
	fc, err := NewFilledContour(g, levels, Viridis(0))
	if err != nil {
		return nil, nil, err
	}
	fc.ExtendMax = true
	bar, err := NewColorBar(fc.ColorMap())
	if err != nil {
		return nil, nil, err
	}
	p := newPlot()
	p.Title.Text = title
	p.Add(fc)
	// contourf's axes stop at the grid, with no padding.
	p.X.Padding, p.Y.Padding = 0, 0
	return p, bar, nil
}
