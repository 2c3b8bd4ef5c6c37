package viz

import (
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TutorialLevels returns the tutorial's contour levels,
// numpy.linspace(0, 0.75, 10): the edges of nine bands.
func TutorialLevels() []float64 {
	levels := make([]float64, 10)
	for i := range levels {
		levels[i] = linspace(0, 0.75, 10, i)
	}
	return levels
}

// FitLevels returns n levels evenly spanning the grid's values, the first
// at its minimum and the last at its maximum, as seaborn's kdeplot spans a
// density's range: every picture uses all its colours, whatever the scale
// of the data. Draw them with ExtendMax, so that the maximum is painted. A
// grid of one value gets levels spanning [v, v+1]; n < 2 means 10.
func FitLevels(g plotter.GridXYZ, n int) ([]float64, error) {
	if g == nil {
		return nil, fmt.Errorf("%w: levels of a nil grid", ErrInvalidInput)
	}
	if n < 2 {
		n = 10
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	c, r := g.Dims()
	for i := range c {
		for j := range r {
			if z := g.Z(i, j); !math.IsNaN(z) {
				lo, hi = min(lo, z), max(hi, z)
			}
		}
	}
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil, fmt.Errorf("%w: levels of a grid with values in [%g, %g]", ErrInvalidInput, lo, hi)
	}
	if !(hi > lo) || hi-lo < 1e-12*max(math.Abs(lo), math.Abs(hi)) {
		hi = lo + max(1, math.Abs(lo))
	}
	levels := make([]float64, n)
	for i := range levels {
		levels[i] = linspace(lo, hi, n, i)
	}
	return levels, nil
}

// FilledContour is a plotter that fills the bands between successive
// levels of a GridXYZ with solid colours, as matplotlib's contourf does.
//
// It draws a raster the size of the plot's data area, each pixel coloured
// by the band of the bilinear interpolation of the grid at its centre;
// that is what contourf's polygons look like, without tracing them. Values
// below the first level and NaNs are left unpainted, as contourf leaves
// them; so are values at or above the last unless ExtendMax is set. Axes
// must be linear.
type FilledContour struct {
	GridXYZ plotter.GridXYZ
	// Levels are the increasing band edges; band i is
	// [Levels[i], Levels[i+1]).
	Levels []float64
	// Colors holds one colour per band.
	Colors []color.Color
	// ExtendMax paints values at or above the last level in the top
	// band's colour instead of leaving them out, as matplotlib's
	// extend="max" with the over colour equal to the top one: a density
	// peaking above fixed levels shows as the top band, not as a hole.
	ExtendMax bool
	// DPI is the raster's resolution on canvases that are not images (SVG,
	// PDF); 0 means 150. On an image canvas its own resolution is used.
	DPI float64
}

// NewFilledContour returns a FilledContour of g with the given levels
// (at least two, increasing), colouring band i by the palette's colour at
// the band's middle, (i+½)/bands of the way along it, as matplotlib maps a
// colour map over contourf's levels. A palette with exactly one colour per
// band is used as it is.
func NewFilledContour(g plotter.GridXYZ, levels []float64, p palette.Palette) (*FilledContour, error) {
	if g == nil || p == nil || len(p.Colors()) == 0 {
		return nil, fmt.Errorf("%w: FilledContour needs a grid and a palette", ErrInvalidInput)
	}
	if c, r := g.Dims(); c < 2 || r < 2 {
		return nil, fmt.Errorf("%w: FilledContour of a %d×%d grid, want at least 2×2", ErrInvalidInput, c, r)
	}
	if len(levels) < 2 {
		return nil, fmt.Errorf("%w: %d contour levels, want at least 2", ErrInvalidInput, len(levels))
	}
	for i := 1; i < len(levels); i++ {
		if !(levels[i] > levels[i-1]) {
			return nil, fmt.Errorf("%w: contour levels %v are not increasing", ErrInvalidInput, levels)
		}
	}
	bands := len(levels) - 1
	pal := p.Colors()
	cols := make([]color.Color, bands)
	for i := range cols {
		if len(pal) == bands {
			cols[i] = pal[i]
			continue
		}
		j := int(math.Round((float64(i) + 0.5) / float64(bands) * float64(len(pal)-1)))
		cols[i] = pal[j]
	}
	return &FilledContour{GridXYZ: g, Levels: append([]float64(nil), levels...), Colors: cols}, nil
}

// Plot implements plot.Plotter.
func (f *FilledContour) Plot(c draw.Canvas, plt *plot.Plot) {
	xmin, xmax, ymin, ymax := f.DataRange()
	// Only the part inside the axes is drawn: gonum does not clip plotters.
	xmin, xmax = max(xmin, plt.X.Min), min(xmax, plt.X.Max)
	ymin, ymax = max(ymin, plt.Y.Min), min(ymax, plt.Y.Max)
	if !(xmin < xmax && ymin < ymax) {
		return
	}
	trX, trY := plt.Transforms(&c)
	rect := vg.Rectangle{Min: vg.Point{X: trX(xmin), Y: trY(ymin)}, Max: vg.Point{X: trX(xmax), Y: trY(ymax)}}
	dpi := f.DPI
	if d, ok := imageDPI(c.Canvas); ok {
		dpi = d
	} else if dpi <= 0 {
		dpi = 150
	}
	size := rect.Size()
	w := min(max(int(math.Ceil(size.X.Dots(dpi))), 1), 8192)
	h := min(max(int(math.Ceil(size.Y.Dots(dpi))), 1), 8192)

	cols, rows := f.GridXYZ.Dims()
	xs, ys := make([]float64, cols), make([]float64, rows)
	for i := range xs {
		xs[i] = f.GridXYZ.X(i)
	}
	for j := range ys {
		ys[j] = f.GridXYZ.Y(j)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for py := range h {
		y := ymax - (float64(py)+0.5)/float64(h)*(ymax-ymin) // image rows run downwards
		j, ty := cell(ys, y)
		for px := range w {
			x := xmin + (float64(px)+0.5)/float64(w)*(xmax-xmin)
			i, tx := cell(xs, x)
			z := (1-ty)*((1-tx)*f.GridXYZ.Z(i, j)+tx*f.GridXYZ.Z(i+1, j)) +
				ty*((1-tx)*f.GridXYZ.Z(i, j+1)+tx*f.GridXYZ.Z(i+1, j+1))
			if b := f.band(z); b >= 0 {
				img.Set(px, py, f.Colors[b])
			}
		}
	}
	c.DrawImage(rect, img)
}

// band returns the band holding z, or −1 outside the levels.
func (f *FilledContour) band(z float64) int {
	top := f.Levels[len(f.Levels)-1]
	if f.ExtendMax && z >= top {
		return len(f.Levels) - 2
	}
	if math.IsNaN(z) || z < f.Levels[0] || z >= top {
		return -1
	}
	// The band starts at the last level ≤ z.
	return sort.Search(len(f.Levels), func(i int) bool { return f.Levels[i] > z }) - 1
}

// cell returns the index i of the grid interval [v[i], v[i+1]] holding x
// and x's fraction of the way along it; v increases.
func cell(v []float64, x float64) (int, float64) {
	i := sort.SearchFloat64s(v, x) - 1
	i = min(max(i, 0), len(v)-2)
	return i, (x - v[i]) / (v[i+1] - v[i])
}

// DataRange implements plot.DataRanger: the grid's extent.
func (f *FilledContour) DataRange() (xmin, xmax, ymin, ymax float64) {
	c, r := f.GridXYZ.Dims()
	return f.GridXYZ.X(0), f.GridXYZ.X(c - 1), f.GridXYZ.Y(0), f.GridXYZ.Y(r - 1)
}

// imageDPI finds the resolution of the image canvas under c, if there is
// one; vector canvases also report a DPI, but a nominal one.
func imageDPI(c vg.Canvas) (float64, bool) {
	type imageCanvas interface {
		DPI() float64
		Image() stddraw.Image
	}
	for {
		switch v := c.(type) {
		case draw.Canvas:
			c = v.Canvas
		case *draw.Canvas:
			c = v.Canvas
		case imageCanvas:
			return v.DPI(), true
		default:
			return 0, false
		}
	}
}
