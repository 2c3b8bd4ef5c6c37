package viz

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
)

// The tutorial's scatter markers are matplotlib's s = 20 and s = 30 square
// points with a 1.5-point edge of the same colour: radii √s/2 + 0.75.
const (
	gridRadius   = 3.0
	sampleRadius = 3.5
)

var (
	black = color.Black
	blue  = color.RGBA{B: 255, A: 255}
	grey  = color.Gray{Y: 190}
)

// newPlot returns a plot whose text is sans-serif, as matplotlib's, with
// ticks on round values; gonum's default font is serif, and changing
// plot.DefaultFont would change it for every user of gonum/plot in the
// program.
func newPlot() *plot.Plot {
	p := plot.New()
	for _, f := range []*font.Variant{
		&p.Title.TextStyle.Font.Variant,
		&p.X.Label.TextStyle.Font.Variant, &p.Y.Label.TextStyle.Font.Variant,
		&p.X.Tick.Label.Font.Variant, &p.Y.Tick.Label.Font.Variant,
		&p.Legend.TextStyle.Font.Variant,
	} {
		*f = "Sans"
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = RoundTicks{}, RoundTicks{}
	return p
}

// setLimits fixes p's axes to b.
func setLimits(p *plot.Plot, b Bounds) {
	p.X.Min, p.X.Max = b.XMin, b.XMax
	p.Y.Min, p.Y.Max = b.YMin, b.YMax
}
