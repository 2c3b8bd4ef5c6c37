package viz

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Dots is a scatter plotter of filled circles clipped to the plot's data
// area, as matplotlib clips to its axes. gonum's Scatter draws the whole
// glyph of every point whose centre is inside the area, so dots on the
// border spill over the axes.
type Dots struct {
	plotter.XYs
	Color  color.Color
	Radius vg.Length
}

// circleSides is the number of sides of the polygon a clipped dot is drawn
// as: at a few pixels across it is a circle.
const circleSides = 20

// Plot implements plot.Plotter.
func (d *Dots) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	r := d.Radius
	c.SetColor(d.Color)
	poly := make([]vg.Point, circleSides)
	for _, xy := range d.XYs {
		x, y := trX(xy.X), trY(xy.Y)
		if x+r < c.Min.X || x-r > c.Max.X || y+r < c.Min.Y || y-r > c.Max.Y {
			continue
		}
		if x-r >= c.Min.X && x+r <= c.Max.X && y-r >= c.Min.Y && y+r <= c.Max.Y {
			var path vg.Path
			path.Move(vg.Point{X: x + r, Y: y})
			path.Arc(vg.Point{X: x, Y: y}, r, 0, 2*math.Pi)
			path.Close()
			c.Fill(path)
			continue
		}
		for k := range poly {
			a := 2 * math.Pi * float64(k) / circleSides
			poly[k] = vg.Point{X: x + r*vg.Length(math.Cos(a)), Y: y + r*vg.Length(math.Sin(a))}
		}
		if clipped := c.ClipPolygonXY(poly); len(clipped) >= 3 {
			c.FillPolygon(d.Color, clipped)
		}
	}
}

// DataRange implements plot.DataRanger.
func (d *Dots) DataRange() (xmin, xmax, ymin, ymax float64) { return plotter.XYRange(d.XYs) }

// marginBounds returns the range of pts widened by a twentieth on each
// side, matplotlib's default margins, so that autoscaled dots are not cut.
func marginBounds(pts ...plotter.XYs) Bounds {
	b := Bounds{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
	for _, xy := range pts {
		for _, v := range xy {
			b.XMin, b.XMax = min(b.XMin, v.X), max(b.XMax, v.X)
			b.YMin, b.YMax = min(b.YMin, v.Y), max(b.YMax, v.Y)
		}
	}
	mx, my := max(0.05*(b.XMax-b.XMin), 1e-3), max(0.05*(b.YMax-b.YMin), 1e-3)
	return Bounds{b.XMin - mx, b.XMax + mx, b.YMin - my, b.YMax + my}
}
