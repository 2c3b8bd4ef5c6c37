package viz

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LossCurve draws the mean training negative log-likelihood of each epoch,
// losses[i] being that of epoch i+1, and, unless testNLL is NaN, the test
// NLL as a dashed horizontal line across the epochs. The figure is 6×4
// inches.
func LossCurve(losses []float64, testNLL float64) (*Figure, error) {
	if len(losses) == 0 {
		return nil, fmt.Errorf("%w: no epochs' losses", ErrInvalidInput)
	}
	if math.IsInf(testNLL, 0) {
		return nil, fmt.Errorf("%w: test NLL is %g", ErrInvalidInput, testNLL)
	}
	pts := make(plotter.XYs, len(losses))
	for i, loss := range losses {
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, fmt.Errorf("%w: loss of epoch %d is %g", ErrInvalidInput, i+1, loss)
		}
		pts[i] = plotter.XY{X: float64(i + 1), Y: loss}
	}
	p := newPlot()
	p.Title.Text = "negative log-likelihood"
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "NLL (nats)"
	p.Add(plotter.NewGrid()) // first, so the curves are drawn over it
	line, marks, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	trainColor := color.RGBA{0x1f, 0x77, 0xb4, 0xff}
	line.LineStyle = draw.LineStyle{Color: trainColor, Width: 1.5}
	marks.GlyphStyle = draw.GlyphStyle{Color: trainColor, Radius: 2, Shape: draw.CircleGlyph{}}
	p.Add(line, marks)
	p.Legend.Add("train", line, marks)
	if !math.IsNaN(testNLL) {
		lo, hi := pts[0].X, pts[len(pts)-1].X
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5 // one epoch: still a line, not a dot
		}
		test, err := plotter.NewLine(plotter.XYs{{X: lo, Y: testNLL}, {X: hi, Y: testNLL}})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
		}
		test.LineStyle = draw.LineStyle{Color: color.RGBA{0xd6, 0x27, 0x28, 0xff}, Width: 1.5, Dashes: []vg.Length{6, 3}}
		p.Add(test)
		p.Legend.Add(fmt.Sprintf("test %.4g", testNLL), test)
	}
	p.Legend.Top = true
	return NewFigure(6*vg.Inch, 4*vg.Inch, p), nil
}
