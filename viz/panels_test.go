package viz

import (
	"errors"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/train"
	"gorgonia.org/tensor"
)

func TestLineGrid(t *testing.T) {
	g, err := LineGrid(GridBounds, 4, 100)
	if err != nil {
		t.Fatal(err)
	}
	if s := g.Shape(); s[0] != 800 || s[1] != 2 {
		t.Fatalf("grid shape %v, want (800, 2)", s)
	}
	v := g.Float64s()
	// make_grid: horizontal lines at y = −3, −1, 1, 3 first, then vertical.
	for _, c := range []struct {
		row  int
		x, y float64
	}{{0, -3, -3}, {99, 3, -3}, {100, -3, -1}, {399, 3, 3}, {400, -3, -3}, {401, -1, -3}, {799, 3, 3}} {
		if math.Abs(v[2*c.row]-c.x) > 1e-12 || math.Abs(v[2*c.row+1]-c.y) > 1e-12 {
			t.Errorf("grid row %d = (%g, %g), want (%g, %g)", c.row, v[2*c.row], v[2*c.row+1], c.x, c.y)
		}
	}
}

func TestTutorialFigure(t *testing.T) {
	flow := testFlow(t)
	data := testMoons(t, 2048)
	f, err := TutorialFigure(flow, data, TutorialOptions{Samples: 256})
	if err != nil {
		t.Fatal(err)
	}
	img := savePNG(t, f, "tutorial")
	checkPicture(t, img, 1600, 600, 50, 0.3)

	// Panel 4: the moons' arcs are painted in upper bands, the space around
	// and between them in the lowest band's colour.
	background := ViridisAt(1.0 / 18) // the lowest band's colour
	for _, th := range []float64{math.Pi / 6, math.Pi / 3, math.Pi / 2, 2 * math.Pi / 3, 5 * math.Pi / 6} {
		for _, pt := range [][2]float64{{math.Cos(th), math.Sin(th)}, {1 - math.Cos(th), 0.5 - math.Sin(th)}} {
			px := pixelOf(f, 0, 3, pt[0], pt[1])
			c := img.At(px.X, px.Y)
			if near(c, background, 40) || near(c, image.White, 40) {
				t.Errorf("moon at (%.2f, %.2f), pixel %v, is %v: not painted above the lowest band", pt[0], pt[1], px, rgba(c))
			}
		}
	}
	for _, pt := range [][2]float64{{-1.3, -0.6}, {2.3, 1.1}, {-1.3, 1.1}, {2.3, -0.6}, {0.5, 0.2}} {
		px := pixelOf(f, 0, 3, pt[0], pt[1])
		if c := img.At(px.X, px.Y); !near(c, background, 3) {
			t.Errorf("(%.2f, %.2f), pixel %v, away from the moons is %v, want the lowest band's %v", pt[0], pt[1], px, rgba(c), rgba(background))
		}
	}
	// Panel 1: base samples are blue near the origin, grid lines black.
	if frac := fraction(img, pixelOf(f, 0, 0, -0.5, 0.5), pixelOf(f, 0, 0, 0.5, -0.5), blue); frac < 0.3 {
		t.Errorf("%.2f of panel 1 within 0.5 of the origin is blue, want ≥ 0.3", frac)
	}
	if frac := fraction(img, pixelOf(f, 0, 0, 1.5, 2.9), pixelOf(f, 0, 0, 2.9, 1.5), blue); frac > 0.05 {
		t.Errorf("%.2f of panel 1's top-right corner is blue, want ≤ 0.05", frac)
	}
	if px := pixelOf(f, 0, 0, -2, -1); !near(img.At(px.X, px.Y), black, 10) {
		t.Errorf("panel 1 on the grid line y = −1 is %v, want black", rgba(img.At(px.X, px.Y)))
	}
	// The fixed limits are the tutorial's.
	for i, b := range []Bounds{GridBounds, FlowBounds, DensityBounds, DensityBounds} {
		p := f.Plots[0][i]
		if got := (Bounds{p.X.Min, p.X.Max, p.Y.Min, p.Y.Max}); got != b {
			t.Errorf("panel %d limits %+v, want %+v", i+1, got, b)
		}
	}
}

func TestTutorialFigureAutoscale(t *testing.T) {
	flow := testFlow(t)
	data := testMoons(t, 1024)
	s, err := TakeSnapshot(flow, data, TutorialOptions{Samples: 128})
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Figure(TutorialOptions{Autoscale: true})
	if err != nil {
		t.Fatal(err)
	}
	// Autoscaled axes fit what they show: panel 4 spans the data and three
	// bandwidths more, wider than the fixed limits' y range of 2.
	p := f.Plots[0][3]
	k, err := NewKDE(data)
	if err != nil {
		t.Fatal(err)
	}
	want := k.Support(3)
	if math.Abs(p.Y.Min-want.YMin) > 1e-9 || math.Abs(p.Y.Max-want.YMax) > 1e-9 {
		t.Errorf("panel 4 y range [%g, %g], want the KDE support [%g, %g]", p.Y.Min, p.Y.Max, want.YMin, want.YMax)
	}
	if n := s.TransformedGrid.Shape()[0]; n != 800 {
		t.Errorf("transformed grid has %d points, want 800", n)
	}
	img, err := f.Image()
	if err != nil {
		t.Fatal(err)
	}
	checkPicture(t, img, 1600, 600, 50, 0.3)
}

func TestTutorialFigureBadInput(t *testing.T) {
	flow := testFlow(t)
	data := testMoons(t, 64)
	flow3, err := train.NewFlow(train.FlowConfig{Dim: 3, Blocks: 1}, train.Settings{}, rand.NewPCG(1, 2))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		flow *train.Flow
		data *tensor.Dense
		opt  TutorialOptions
	}{
		"nil flow":      {nil, data, TutorialOptions{Samples: 16}},
		"3-D flow":      {flow3, data, TutorialOptions{Samples: 16}},
		"nil data":      {flow, nil, TutorialOptions{Samples: 16}},
		"empty data":    {flow, tensor.New(tensor.WithShape(0, 2), tensor.Of(tensor.Float64)), TutorialOptions{Samples: 16}},
		"3-D data":      {flow, batch.New(2, 3, make([]float64, 6)), TutorialOptions{Samples: 16}},
		"NaN in data":   {flow, batch.New(3, 2, []float64{0, 1, math.NaN(), 0, 1, 1}), TutorialOptions{Samples: 16}},
		"negative":      {flow, data, TutorialOptions{Samples: -1}},
		"one-node KDE":  {flow, data, TutorialOptions{Samples: 16, KDEGrid: 1}},
		"too few lines": {flow, data, TutorialOptions{Samples: 16, GridPoints: 1}},
	} {
		if _, err := TutorialFigure(c.flow, c.data, c.opt); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
}

// fraction returns the fraction of the pixels in the rectangle with corners
// a and b that are near c.
func fraction(img image.Image, a, b image.Point, c color.Color) float64 {
	r := image.Rectangle{Min: a, Max: b}.Canon()
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if near(img.At(x, y), c, 10) {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}
