package viz

import (
	"fmt"
	"image"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Figure is a grid of plots drawn together on one page, like a matplotlib
// figure with subplots. Its fields may be changed before it is drawn or
// saved: the plots' styles, limits and titles, the size, the resolution.
type Figure struct {
	// Plots holds the panels by row, then column; a nil plot leaves its
	// tile empty.
	Plots [][]*plot.Plot
	// ColorBars holds by row and column the colour bar (NewColorBar) of
	// the plot in the same place of Plots, drawn in a strip ColorBarWidth
	// wide on the tile's right, as tall as the plot's data area; nil where
	// a plot has none.
	ColorBars [][]*plot.Plot
	// Width and Height are the page's size.
	Width, Height vg.Length
	// DPI is the resolution of raster output (PNG, JPEG, TIFF, Image); 0
	// means 100, matplotlib's default, so 16×6 inches is 1600×600 pixels.
	DPI int
	// Pad is the margin around and between the tiles; 0 means 8 points.
	Pad vg.Length
}

// NewFigure returns a one-row figure of the given plots.
func NewFigure(width, height vg.Length, plots ...*plot.Plot) *Figure {
	return &Figure{Plots: [][]*plot.Plot{plots}, Width: width, Height: height}
}

func (f *Figure) check() error {
	if f == nil {
		return fmt.Errorf("%w: nil figure", ErrInvalidInput)
	}
	if !(f.Width > 0 && f.Height > 0) {
		return fmt.Errorf("%w: figure of size %v×%v", ErrInvalidInput, f.Width, f.Height)
	}
	if f.DPI < 0 {
		return fmt.Errorf("%w: DPI = %d", ErrInvalidInput, f.DPI)
	}
	rows, cols := f.dims()
	if rows == 0 || cols == 0 {
		return fmt.Errorf("%w: figure has no plots", ErrInvalidInput)
	}
	return nil
}

func (f *Figure) dims() (rows, cols int) {
	for _, r := range f.Plots {
		cols = max(cols, len(r))
	}
	return len(f.Plots), cols
}

func (f *Figure) dpi() int {
	if f.DPI == 0 {
		return 100
	}
	return f.DPI
}

// Draw draws the figure on c: a white page, then each plot in its tile,
// the tiles aligned so that the plots' axes line up.
func (f *Figure) Draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	plots, canvases := f.layout(c)
	for i := range plots {
		for j, p := range plots[i] {
			if p == nil {
				continue
			}
			p.Draw(canvases[i][j])
			if bar := f.colorBar(i, j); bar != nil {
				bar.Draw(barCanvas(p, bar, canvases[i][j]))
			}
		}
	}
}

// colorBar returns the colour bar of plot [i][j], or nil.
func (f *Figure) colorBar(i, j int) *plot.Plot {
	if i < len(f.ColorBars) && j < len(f.ColorBars[i]) {
		return f.ColorBars[i][j]
	}
	return nil
}

// barCanvas returns the canvas of bar, right of plot p's canvas c, whose
// data area spans the height of p's: the bar reads as the plot's scale.
func barCanvas(p, bar *plot.Plot, c draw.Canvas) draw.Canvas {
	da := p.DataCanvas(c)
	bc := c
	bc.Min.X = c.Max.X + ColorBarWidth/6
	bc.Max.X = c.Max.X + ColorBarWidth
	bc.Min.Y, bc.Max.Y = da.Min.Y, da.Max.Y
	// The axis pads its end labels; stretch the canvas so that the bar's
	// data area, not the canvas, meets the plot's.
	bda := bar.DataCanvas(bc)
	bc.Min.Y -= bda.Min.Y - da.Min.Y
	bc.Max.Y += da.Max.Y - bda.Max.Y
	// The bar is a fixed width right of its tick labels.
	bc.Max.X = min(bc.Max.X, bda.Min.X+ColorBarWidth/4)
	return bc
}

// layout returns the plots as a rectangular grid, which plot.Align needs,
// and the canvas of each.
func (f *Figure) layout(c draw.Canvas) ([][]*plot.Plot, [][]draw.Canvas) {
	rows, cols := f.dims()
	pad := f.Pad
	if pad == 0 {
		pad = 8
	}
	plots := make([][]*plot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*plot.Plot, cols)
		copy(plots[i], f.Plots[i])
	}
	t := draw.Tiles{Rows: rows, Cols: cols, PadX: 2 * pad, PadY: 2 * pad, PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad}
	canvases := plot.Align(plots, t, c)
	// A plot with a colour bar gives up the right of its tile to it.
	for i := range plots {
		for j := range plots[i] {
			if plots[i][j] != nil && f.colorBar(i, j) != nil {
				canvases[i][j].Max.X -= ColorBarWidth
			}
		}
	}
	return plots, canvases
}

// Image draws the figure at its DPI and returns the picture.
func (f *Figure) Image() (image.Image, error) {
	c, err := f.raster()
	if err != nil {
		return nil, err
	}
	return c.Image(), nil
}

// raster draws the figure on a new image canvas.
func (f *Figure) raster() (*vgimg.Canvas, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	c := f.imageCanvas()
	f.Draw(draw.New(c))
	return c, nil
}

// imageCanvas returns a blank image canvas of the figure's size and DPI.
func (f *Figure) imageCanvas() *vgimg.Canvas {
	return vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(f.dpi()))
}
