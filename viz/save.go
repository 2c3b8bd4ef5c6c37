package viz

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

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
// Encode's (in any case); a path without an extension gets PNG. A failed
// write removes the file rather than leave part of a picture.
func (f *Figure) Save(path string) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if !supported(format) {
		return fmt.Errorf("%w: %q (want one of %v)", ErrUnsupportedFormat, filepath.Ext(path), formats)
	}
	if err := f.check(); err != nil {
		return err
	}
	return writeFile(path, func(w io.Writer) error { return f.Encode(w, format) })
}

func supported(format string) bool { return format == "" || slices.Contains(formats, format) }

// writeFile creates path, writes it with write and closes it, removing it
// on any error.
func writeFile(path string, write func(io.Writer) error) error {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("viz: %w", err)
	}
	err = write(file)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(fmt.Errorf("viz: writing %s: %w", path, err), os.Remove(path))
	}
	return nil
}
