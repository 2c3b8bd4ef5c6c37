package viz

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// ViridisScale is viridis from Lo to Hi as a palette.ColorMap, the scale of
// DensityHeatmap; values above Hi take its top colour, below Lo its bottom.
type ViridisScale struct {
	Lo, Hi  float64
	Opacity float64 // 0 means opaque
}

// At returns the colour of v.
func (s *ViridisScale) At(v float64) (color.Color, error) {
	if math.IsNaN(v) {
		return nil, palette.ErrNaN
	}
	c := ViridisAt((v - s.Lo) / (s.Hi - s.Lo))
	return withAlpha(c, s.Opacity), nil
}

func (s *ViridisScale) Max() float64                  { return s.Hi }
func (s *ViridisScale) Min() float64                  { return s.Lo }
func (s *ViridisScale) SetMax(v float64)              { s.Hi = v }
func (s *ViridisScale) SetMin(v float64)              { s.Lo = v }
func (s *ViridisScale) Alpha() float64                { return opacity(s.Opacity) }
func (s *ViridisScale) SetAlpha(a float64)            { s.Opacity = a }
func (s *ViridisScale) Palette(n int) palette.Palette { return paletteOf(s, n) }

// BandScale is a FilledContour's bands as a palette.ColorMap: a value in
// [Levels[i], Levels[i+1]) takes Colors[i]; values above the top level take
// the top colour, below the first the first.
type BandScale struct {
	Levels  []float64
	Colors  []color.Color
	Opacity float64 // 0 means opaque
}

// At returns the colour of v's band.
func (s *BandScale) At(v float64) (color.Color, error) {
	if math.IsNaN(v) {
		return nil, palette.ErrNaN
	}
	i := sort.Search(len(s.Levels), func(i int) bool { return s.Levels[i] > v }) - 1
	i = min(max(i, 0), len(s.Colors)-1)
	return withAlpha(s.Colors[i], s.Opacity), nil
}

func (s *BandScale) Max() float64                  { return s.Levels[len(s.Levels)-1] }
func (s *BandScale) Min() float64                  { return s.Levels[0] }
func (s *BandScale) SetMax(float64)                {} // the levels fix the range
func (s *BandScale) SetMin(float64)                {}
func (s *BandScale) Alpha() float64                { return opacity(s.Opacity) }
func (s *BandScale) SetAlpha(a float64)            { s.Opacity = a }
func (s *BandScale) Palette(n int) palette.Palette { return paletteOf(s, n) }

// ColorMap returns the scale of f's bands, for a colour bar.
func (f *FilledContour) ColorMap() *BandScale {
	return &BandScale{Levels: f.Levels, Colors: f.Colors}
}

func opacity(a float64) float64 {
	if a == 0 {
		return 1
	}
	return a
}

func withAlpha(c color.Color, a float64) color.Color {
	if a == 0 || a == 1 {
		return c
	}
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = uint8(math.Round(255 * a))
	return n
}

// paletteOf samples n colours evenly from the scale's Min to its Max.
func paletteOf(cm palette.ColorMap, n int) palette.Palette {
	p := make(colors, max(n, 0))
	for i := range p {
		v := cm.Min()
		if n > 1 {
			v += (cm.Max() - cm.Min()) * float64(i) / float64(n-1)
		}
		p[i], _ = cm.At(v)
	}
	return p
}

// ColorBarWidth is the strip a Figure gives a colour bar beside its plot:
// the bar, its tick labels and a gap.
const ColorBarWidth = 0.85 * vg.Inch

// NewColorBar returns a plot of a vertical colour bar of cm (gonum's
// plotter.ColorBar) with round ticks, to put in a Figure's ColorBars beside
// the plot it explains.
func NewColorBar(cm palette.ColorMap) (*plot.Plot, error) {
	if missing(cm) || !(cm.Max() > cm.Min()) || math.IsInf(cm.Max()-cm.Min(), 0) {
		return nil, fmt.Errorf("%w: colour bar of an empty or infinite range", ErrInvalidInput)
	}
	p := newPlot()
	p.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	p.HideX()
	p.X.Padding, p.Y.Padding = 0, 0
	p.Y.Min, p.Y.Max = cm.Min(), cm.Max()
	return p, nil
}
