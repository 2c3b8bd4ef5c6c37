package viz

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gonum.org/v1/plot/vg/draw"
	"gorgonia.org/tensor"
)

// The figures are tested on fixed inputs computed in closed form, so that
// they are the same on every run and machine and need no training.

// sunflower returns n points of N(c, σ²I) laid out as a sunflower head:
// the i-th at the golden angle times i, at the radius below which a
// fraction (i + ½)/n of the Gaussian's mass lies. Quasi-random, not random.
func sunflower(n int, sigma, cx, cy float64) *tensor.Dense {
	golden := math.Pi * (3 - math.Sqrt(5))
	out := make([]float64, 2*n)
	for i := range n {
		r := sigma * math.Sqrt(-2*math.Log(1-(float64(i)+0.5)/float64(n)))
		th := golden * float64(i)
		out[2*i], out[2*i+1] = cx+r*math.Cos(th), cy+r*math.Sin(th)
	}
	return batch.New(n, 2, out)
}

// fixedMoons returns n points on the two moons, the upper arc around
// (0, 0) and the lower around (1, 0.5) as sklearn's make_moons, with a
// deterministic jitter of standard deviation noise (Box–Muller on two
// Weyl sequences).
func fixedMoons(n int, noise float64) *tensor.Dense {
	out := make([]float64, 2*n)
	half := (n + 1) / 2
	for i := range n {
		var x, y float64
		if i < half {
			th := math.Pi * (float64(i) + 0.5) / float64(half)
			x, y = math.Cos(th), math.Sin(th)
		} else {
			th := math.Pi * (float64(i-half) + 0.5) / float64(n-half)
			x, y = 1-math.Cos(th), 0.5-math.Sin(th)
		}
		u1 := math.Mod(float64(i+1)*0.6180339887498949, 1)
		u2 := math.Mod(float64(i+1)*0.4142135623730950, 1)
		r := noise * math.Sqrt(-2*math.Log(u1))
		out[2*i] = x + r*math.Cos(2*math.Pi*u2)
		out[2*i+1] = y + r*math.Sin(2*math.Pi*u2)
	}
	return batch.New(n, 2, out)
}

// bend is a smooth invertible map of the plane standing for a flow's
// Forward: it shrinks and shifts the base into the moons' window and bends
// it, (x, y) ↦ (0.5 + 0.8x, 0.3 + 0.5y − 0.2x²).
type bend struct{}

func (bend) Forward(z *tensor.Dense) (*tensor.Dense, error) {
	v, n, err := batch.Data(z, 2)
	if err != nil {
		return nil, err
	}
	out := make([]float64, 2*n)
	for i := range n {
		x, y := v[2*i], v[2*i+1]
		out[2*i], out[2*i+1] = 0.5+0.8*x, 0.3+0.5*y-0.2*x*x
	}
	return batch.New(n, 2, out), nil
}

// testModel is what the tutorial's figure draws: sunflower base samples
// of N(0, 0.8²I), the flow's base, pushed through bend.
func testModel() Model {
	return Model{Base: SampleFunc(func(n int) (*tensor.Dense, error) { return sunflower(n, 0.8, 0, 0), nil }), Forward: bend{}}
}

// mixture is the log-density of an equal mixture of isotropic Gaussians
// with the given centres and standard deviation.
func mixture(sigma float64, centres ...[2]float64) LogProbFunc {
	return func(x *tensor.Dense) ([]float64, error) {
		v, n, err := batch.Data(x, 2)
		if err != nil {
			return nil, err
		}
		out := make([]float64, n)
		for i := range n {
			p := 0.0
			for _, c := range centres {
				dx, dy := v[2*i]-c[0], v[2*i+1]-c[1]
				p += math.Exp(-(dx*dx + dy*dy) / (2 * sigma * sigma))
			}
			out[i] = math.Log(p / (2 * math.Pi * sigma * sigma * float64(len(centres))))
		}
		return out, nil
	}
}

// swirl stands for a flow's Trajectory: over blocks blocks, each point turns
// a quarter turn about the origin while its distance from it grows by half,
// and drifts right by 0.5, at a constant rate.
type swirl struct{ blocks int }

func (s swirl) Trajectory(z *tensor.Dense, steps int) ([]*tensor.Dense, error) {
	v, n, err := batch.Data(z, 2)
	if err != nil {
		return nil, err
	}
	total := s.blocks * steps
	out := make([]*tensor.Dense, total+1)
	for k := range out {
		tau := float64(k) / float64(total)
		c, sn := math.Cos(tau*math.Pi/2), math.Sin(tau*math.Pi/2)
		scale := 1 + 0.5*tau
		pts := make([]float64, 2*n)
		for i := range n {
			x, y := v[2*i], v[2*i+1]
			pts[2*i] = scale*(c*x-sn*y) + 0.5*tau
			pts[2*i+1] = scale * (sn*x + c*y)
		}
		out[k] = batch.New(n, 2, pts)
	}
	return out, nil
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
