package viz

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gonum.org/v1/plot/vg/draw"
	"gorgonia.org/tensor"
)

// testFlow is a small untrained flow: two blocks, the tutorial's MLPs.
func testFlow(t *testing.T) *train.Flow {
	t.Helper()
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 2}, train.Settings{}, rand.NewPCG(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	return flow
}

func testMoons(t *testing.T, n int) *tensor.Dense {
	t.Helper()
	data, err := datasets.Moons(n, 0.06, true, rand.NewPCG(3, 4))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// savePNG saves f under a temporary directory and decodes it back.
func savePNG(t *testing.T, f *Figure, name string) image.Image {
	t.Helper()
	path := t.TempDir() + "/" + name + ".png"
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s does not decode as PNG: %v", path, err)
	}
	return img
}

// checkPicture fails unless img is w×h with at least minColours distinct
// colours and at least minInk of its pixels not white.
func checkPicture(t *testing.T, img image.Image, w, h, minColours int, minInk float64) {
	t.Helper()
	b := img.Bounds()
	if b.Dx() != w || b.Dy() != h {
		t.Errorf("picture is %d×%d, want %d×%d", b.Dx(), b.Dy(), w, h)
	}
	colours := map[color.RGBA]bool{}
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := rgba(img.At(x, y))
			colours[c] = true
			if c != (color.RGBA{255, 255, 255, 255}) {
				ink++
			}
		}
	}
	if len(colours) < minColours {
		t.Errorf("picture has %d distinct colours, want ≥ %d", len(colours), minColours)
	}
	if f := float64(ink) / float64(b.Dx()*b.Dy()); f < minInk {
		t.Errorf("%.3f of the picture is inked, want ≥ %.3f", f, minInk)
	}
}

func rgba(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// near reports whether two colours differ by at most tol in every channel.
func near(a, b color.Color, tol int) bool {
	x, y := rgba(a), rgba(b)
	d := func(p, q uint8) bool { return int(p)-int(q) <= tol && int(q)-int(p) <= tol }
	return d(x.R, y.R) && d(x.G, y.G) && d(x.B, y.B)
}

// pixelOf returns where the data point (x, y) of plot [row][col] lands in
// the figure's raster, by laying the figure out as Draw does.
func pixelOf(f *Figure, row, col int, x, y float64) image.Point {
	c := draw.New(f.imageCanvas())
	plots, canvases := f.layout(c)
	p := plots[row][col]
	da := p.DataCanvas(canvases[row][col])
	trX, trY := p.Transforms(&da)
	dpi := float64(f.dpi())
	return image.Pt(int(trX(x).Dots(dpi)), int(f.Height.Dots(dpi)-trY(y).Dots(dpi)))
}
