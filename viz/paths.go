package viz

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gorgonia.org/tensor"
)

// Trajectory follows the base-space points z through t in steps pieces per
// block and checks what comes back: at least two positions, blocks·steps + 1
// in all for a whole number of blocks, each a batch of as many 2-D points as
// z, z first and the data side last.
func Trajectory(t Trajectories, z *tensor.Dense, steps int) ([]*tensor.Dense, error) {
	if missing(t) {
		return nil, fmt.Errorf("%w: no trajectories", ErrInvalidInput)
	}
	if steps < 1 {
		return nil, fmt.Errorf("%w: %d steps per block, want ≥ 1", ErrInvalidInput, steps)
	}
	_, n, err := planar("path starts", z)
	if err != nil {
		return nil, err
	}
	states, err := t.Trajectory(z, steps)
	if err != nil {
		return nil, fmt.Errorf("viz: paths: %w", err)
	}
	if len(states) < 2 || (len(states)-1)%steps != 0 {
		return nil, fmt.Errorf("%w: %d positions along the paths, want blocks·%d + 1", ErrInvalidInput, len(states), steps)
	}
	for i, st := range states {
		if err := checkRows(fmt.Sprintf("position %d along the paths", i), st, n); err != nil {
			return nil, err
		}
	}
	return states, nil
}

// PathOptions configure Paths. Given Points or Base, the zero value of the
// rest follows 12 base samples with 10 steps per block and fits the axes to
// what is drawn.
type PathOptions struct {
	// Points are the starting points in base space; nil means Count draws
	// from Base.
	Points *tensor.Dense
	// Base draws the starting points when Points is nil, such as
	// SampleFunc(flow.SampleBase); one of Points and Base is required.
	Base Sampler
	// Count is the number of points drawn when Points is nil; 0 means 12.
	Count int
	// Steps is the number of pieces each block's path is drawn in; 0 means
	// 10, and 1 draws straight segments between the stages.
	Steps int
	// Bounds are the axis limits; zero means autoscale.
	Bounds Bounds
	// Width and Height are the figure's size; 0 means 7×5 inches.
	Width, Height vg.Length
}

// Paths draws how a few points travel through a flow, as t follows them,
// over the data scattered in grey (data may be nil): each point's path from
// z in the base (open circle) through the output of every block (dot) to x
// on the data side (filled circle).
func Paths(t Trajectories, data *tensor.Dense, opt PathOptions) (*Figure, error) {
	if opt.Count < 0 || opt.Steps < 0 || opt.Width < 0 || opt.Height < 0 {
		return nil, fmt.Errorf("%w: path options %+v", ErrInvalidInput, opt)
	}
	if opt.Count == 0 {
		opt.Count = 12
	}
	if opt.Steps == 0 {
		opt.Steps = 10
	}
	if !opt.Bounds.isZero() {
		if err := opt.Bounds.check(); err != nil {
			return nil, err
		}
	}
	p := newPlot()
	p.Title.Text = "paths through the blocks"
	if data != nil {
		s, err := scatter("data", data, grey, 1)
		if err != nil {
			return nil, err
		}
		p.Add(s)
	}
	z := opt.Points
	if z == nil {
		var err error
		if z, err = sample("path starts", opt.Base, opt.Count); err != nil {
			return nil, err
		}
	}
	states, err := Trajectory(t, z, opt.Steps)
	if err != nil {
		return nil, err
	}
	if err := addPaths(p, states, opt.Steps); err != nil {
		return nil, err
	}
	if !opt.Bounds.isZero() {
		setLimits(p, opt.Bounds)
	}
	w, h := opt.Width, opt.Height
	if w == 0 {
		w = 7 * vg.Inch
	}
	if h == 0 {
		h = 5 * vg.Inch
	}
	return NewFigure(w, h, p), nil
}

// addPaths draws one polyline per point through states, marking every
// steps-th state, and a legend of the markers.
func addPaths(p *plot.Plot, states []*tensor.Dense, steps int) error {
	n := states[0].Shape()[0]
	last := len(states) - 1
	start := draw.GlyphStyle{Radius: 4, Shape: draw.RingGlyph{}}
	stage := draw.GlyphStyle{Radius: 2.5, Shape: draw.CircleGlyph{}}
	end := draw.GlyphStyle{Radius: 4, Shape: draw.CircleGlyph{}}
	cols := Distinct(n).Colors()
	for i := range n {
		col := cols[i]
		path := make(plotter.XYs, len(states))
		for s, st := range states {
			v := st.Float64s()
			path[s] = plotter.XY{X: v[2*i], Y: v[2*i+1]}
		}
		l, err := plotter.NewLine(path)
		if err != nil {
			return fmt.Errorf("%w: path %d: %w", ErrInvalidInput, i, err)
		}
		l.LineStyle = draw.LineStyle{Color: col, Width: 1.5}
		p.Add(l)
		var marks plotter.XYs
		for s := steps; s < last; s += steps {
			marks = append(marks, path[s])
		}
		for _, m := range []struct {
			pts   plotter.XYs
			style draw.GlyphStyle
		}{{path[:1], start}, {marks, stage}, {path[last:], end}} {
			if len(m.pts) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(m.pts)
			if err != nil {
				return fmt.Errorf("%w: path %d: %w", ErrInvalidInput, i, err)
			}
			sc.GlyphStyle = m.style
			sc.GlyphStyle.Color = col
			p.Add(sc)
		}
	}
	// The legend's samples are black, standing for every path's colour.
	for _, e := range []struct {
		name  string
		style draw.GlyphStyle
	}{{"z (base)", start}, {"after each block", stage}, {"x (data side)", end}} {
		e.style.Color = black
		p.Legend.Add(e.name, legendGlyph(e.style))
	}
	p.Legend.Top = true
	return nil
}

// legendGlyph is a legend thumbnail of one glyph.
type legendGlyph draw.GlyphStyle

// Thumbnail implements plot.Thumbnailer.
func (g legendGlyph) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(draw.GlyphStyle(g), c.Center())
}
