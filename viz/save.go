package viz

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ffjord-go/ffjord-go/train/datasets/fileio"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// formats are the file formats Save and Encode write, by extension.
var formats = []string{"png", "jpg", "jpeg", "tif", "tiff", "svg", "pdf"}

// Encode writes the figure to w in the named format: png, jpg or jpeg,
// tif or tiff, svg or pdf; "" means png. Raster formats are drawn at the
// figure's DPI.
func (f *Figure) Encode(w io.Writer, format string) error {
	if err := f.check(); err != nil {
		return err
	}
	var c vg.CanvasWriterTo
	switch strings.ToLower(format) {
	case "", "png":
		c = vgimg.PngCanvas{Canvas: f.imageCanvas()}
	case "jpg", "jpeg":
		c = vgimg.JpegCanvas{Canvas: f.imageCanvas()}
	case "tif", "tiff":
		c = vgimg.TiffCanvas{Canvas: f.imageCanvas()}
	case "svg":
		c = vgsvg.New(f.Width, f.Height)
	case "pdf":
		c = vgpdf.New(f.Width, f.Height)
	default:
		return fmt.Errorf("%w: %q (want one of %v)", ErrUnsupportedFormat, format, formats)
	}
	f.Draw(draw.New(c))
	_, err := c.WriteTo(w)
	return err
}

// Save writes the figure to path in the format its extension names, one of
// Encode's (in any case); a path without an extension gets PNG. The file is
// replaced atomically: a failed write leaves the old one, never part of a
// picture. A symbolic link at path is replaced, not written through: the
// file it led to is left as it was.
func (f *Figure) Save(path string) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if err := CheckFormat(format); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	return writeFile(path, func(w io.Writer) error { return f.Encode(w, format) })
}

// CheckFormat returns an error wrapping ErrUnsupportedFormat unless Save
// and Encode can write format (an extension without its dot, in any case;
// "" means png), so that a program can refuse a format before it draws.
func CheckFormat(format string) error {
	if format == "" || slices.Contains(formats, strings.ToLower(format)) {
		return nil
	}
	return fmt.Errorf("%w: %q (want one of %v)", ErrUnsupportedFormat, format, formats)
}

// writeFile writes path atomically with write.
func writeFile(path string, write func(io.Writer) error) error {
	if err := fileio.WriteAtomic(path, write); err != nil {
		return fmt.Errorf("viz: %w", err)
	}
	return nil
}
