package viz

import (
	"errors"
	"image"
	"image/color"
	"math"
	"slices"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
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
	data := fixedMoons(2048, 0.06)
	f, err := TutorialFigure(testModel(), data, TutorialOptions{Samples: 256})
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
	data := fixedMoons(1024, 0.06)
	s, err := TakeSnapshot(testModel(), data, TutorialOptions{Samples: 128})
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

func TestTakeSnapshotSamples(t *testing.T) {
	// Given a sampler of the model, the snapshot's samples are its; else
	// a second draw of the base pushed through Forward.
	m := testModel()
	want := sunflower(64, 0.5, 1, 0)
	m.Samples = SampleFunc(func(n int) (*tensor.Dense, error) { return sunflower(n, 0.5, 1, 0), nil })
	s, err := TakeSnapshot(m, fixedMoons(64, 0.06), TutorialOptions{Samples: 64})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Samples.Float64s(), want.Float64s()) {
		t.Errorf("snapshot samples are not the model sampler's")
	}
	m.Samples = nil
	if s, err = TakeSnapshot(m, fixedMoons(64, 0.06), TutorialOptions{Samples: 64}); err != nil {
		t.Fatal(err)
	}
	pushed, err := bend{}.Forward(sunflower(64, 0.8, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Samples.Float64s(), pushed.Float64s()) {
		t.Errorf("without a model sampler, snapshot samples are not the base's pushed forward")
	}
}

// pointsOf is a Sampler returning pts whatever n is asked for, or err.
type pointsOf struct {
	pts *tensor.Dense
	err error
}

func (p pointsOf) Sample(int) (*tensor.Dense, error) { return p.pts, p.err }

// pushTo is a Pusher returning pts whatever it is given.
type pushTo struct{ pts *tensor.Dense }

func (p pushTo) Forward(*tensor.Dense) (*tensor.Dense, error) { return p.pts, nil }

func TestTutorialFigureBadInput(t *testing.T) {
	good := testModel()
	data := fixedMoons(64, 0.06)
	with := func(change func(*Model)) Model {
		m := good
		change(&m)
		return m
	}
	var nilFunc SampleFunc
	for name, c := range map[string]struct {
		m    Model
		data *tensor.Dense
		opt  TutorialOptions
	}{
		"no base":           {with(func(m *Model) { m.Base = nil }), data, TutorialOptions{Samples: 16}},
		"nil base func":     {with(func(m *Model) { m.Base = nilFunc }), data, TutorialOptions{Samples: 16}},
		"no forward":        {with(func(m *Model) { m.Forward = nil }), data, TutorialOptions{Samples: 16}},
		"3-D base":          {with(func(m *Model) { m.Base = pointsOf{pts: batch.New(16, 3, make([]float64, 48))} }), data, TutorialOptions{Samples: 16}},
		"too few samples":   {with(func(m *Model) { m.Samples = pointsOf{pts: batch.New(2, 2, make([]float64, 4))} }), data, TutorialOptions{Samples: 16}},
		"NaN samples":       {with(func(m *Model) { m.Samples = pointsOf{pts: batch.New(1, 2, []float64{0, math.NaN()})} }), data, TutorialOptions{Samples: 1}},
		"grid lost":         {with(func(m *Model) { m.Forward = pushTo{batch.New(3, 2, make([]float64, 6))} }), data, TutorialOptions{Samples: 16}},
		"nil data":          {good, nil, TutorialOptions{Samples: 16}},
		"empty data":        {good, tensor.New(tensor.WithShape(0, 2), tensor.Of(tensor.Float64)), TutorialOptions{Samples: 16}},
		"3-D data":          {good, batch.New(2, 3, make([]float64, 6)), TutorialOptions{Samples: 16}},
		"NaN in data":       {good, batch.New(3, 2, []float64{0, 1, math.NaN(), 0, 1, 1}), TutorialOptions{Samples: 16}},
		"negative":          {good, data, TutorialOptions{Samples: -1}},
		"one-node KDE":      {good, data, TutorialOptions{Samples: 16, KDEGrid: 1}},
		"too few lines":     {good, data, TutorialOptions{Samples: 16, GridPoints: 1}},
		"nil pusher struct": {with(func(m *Model) { m.Forward = (*bend)(nil) }), data, TutorialOptions{Samples: 16}},
	} {
		if _, err := TutorialFigure(c.m, c.data, c.opt); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
	// The model's own errors come back wrapped.
	boom := errors.New("boom")
	if _, err := TutorialFigure(with(func(m *Model) { m.Base = pointsOf{err: boom} }), data, TutorialOptions{Samples: 16}); !errors.Is(err, boom) {
		t.Errorf("failing base: err = %v, want it wrapped", err)
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
