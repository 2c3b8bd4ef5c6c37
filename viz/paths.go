package viz

import (
	"fmt"
	"image/color"

	"github.com/ffjord-go/ffjord-go/train"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gorgonia.org/tensor"
)

// Trajectory follows the base-space points z through the flow's blocks in
// sampling order, integrating each block's ODE in steps equal pieces of its
// time interval, and returns the len(Blocks)·steps + 1 positions: z first,
// the output of block k at index (k+1)·steps, the data-side x last.
func Trajectory(flow *train.Flow, z *tensor.Dense, steps int) ([]*tensor.Dense, error) {
	if err := checkFlow(flow); err != nil {
		return nil, err
	}
	if steps < 1 {
		return nil, fmt.Errorf("%w: %d steps per block, want ≥ 1", ErrInvalidInput, steps)
	}
	if _, _, err := planar("path starts", z); err != nil {
		return nil, err
	}
	return flow.Trajectory(z, steps)
}

// PathOptions configure Paths. The zero value follows 12 base samples
// with 10 steps per block and fits the axes to what is drawn.
type PathOptions struct {
	// Points are the starting points in base space; nil means Count draws
	// from the flow's base.
	Points *tensor.Dense
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

// pathColors are matplotlib's tab10, told apart easily.
var pathColors = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x94, 0x67, 0xbd, 0xff}, color.RGBA{0x8c, 0x56, 0x4b, 0xff},
	color.RGBA{0xe3, 0x77, 0xc2, 0xff}, color.RGBA{0x7f, 0x7f, 0x7f, 0xff},
	color.RGBA{0xbc, 0xbd, 0x22, 0xff}, color.RGBA{0x17, 0xbe, 0xcf, 0xff},
}

// Paths draws how a few points travel through the flow, over the data
// scattered in grey (data may be nil): each point's path from z in the base
// (open circle) through the output of every block (dot) to x on the data
// side (filled circle).
func Paths(flow *train.Flow, data *tensor.Dense, opt PathOptions) (*Figure, error) {
	if err := checkFlow(flow); err != nil {
		return nil, err
	}
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
		if z, err = flow.SampleBase(opt.Count); err != nil {
			return nil, fmt.Errorf("viz: path starts: %w", err)
		}
	}
	states, err := Trajectory(flow, z, opt.Steps)
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
	for i := range n {
		col := pathColors[i%len(pathColors)]
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
