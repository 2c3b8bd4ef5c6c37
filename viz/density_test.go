package viz

import (
	"errors"
	"math"
	"testing"

	"gorgonia.org/tensor"
)

func TestDensityGridIntegratesToOne(t *testing.T) {
	// N(0, 0.8²I), the flow's base: [−4, 4]² holds all but ~1e-5 of the mass.
	lp := mixture(0.8, [2]float64{0, 0})
	g, err := DensityGrid(lp, Bounds{-4, 4, -4, 4}, 61, 61)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Integral(); math.Abs(got-1) > 1e-2 {
		t.Errorf("density integrates to %.5f over [−4, 4]², want 1 ± 1e-2", got)
	}
}

func TestDensityHeatmap(t *testing.T) {
	lp := mixture(0.6, [2]float64{0.5, -0.4}, [2]float64{-1, 1})
	b := Bounds{-3, 3, -3, 3}
	f, err := DensityHeatmap(lp, DensityOptions{Bounds: b, Cols: 40, Rows: 40})
	if err != nil {
		t.Fatal(err)
	}
	// 6 inches wide and the colour bar's 0.85; a square window is 6.5
	// inches tall with the title.
	img := savePNG(t, f, "density")
	checkPicture(t, img, 685, 650, 100, 0.7)
	if len(f.ColorBars) != 1 || len(f.ColorBars[0]) != 1 || f.ColorBars[0][0] == nil {
		t.Errorf("density figure's colour bars %v, want one beside the map", f.ColorBars)
	}

	// The densest node is painted yellow, viridis' top; a corner dark.
	g, err := DensityGrid(lp, b, 40, 40)
	if err != nil {
		t.Fatal(err)
	}
	best := 0
	for i, v := range g.Values {
		if v > g.Values[best] {
			best = i
		}
	}
	x, y := g.X(best%g.Cols), g.Y(best/g.Cols)
	px := pixelOf(f, 0, 0, x, y)
	if c := img.At(px.X, px.Y); !near(c, ViridisAt(1), 20) {
		t.Errorf("densest node (%.2f, %.2f), pixel %v, is %v, want viridis' yellow", x, y, px, rgba(c))
	}
	px = pixelOf(f, 0, 0, 2.95, -2.95)
	if c := img.At(px.X, px.Y); !near(c, ViridisAt(0), 20) {
		t.Errorf("corner, pixel %v, is %v, want viridis' dark purple", px, rgba(c))
	}
}

func TestDensityHeatmapBadInput(t *testing.T) {
	lp := mixture(0.6, [2]float64{0, 0})
	for name, c := range map[string]DensityOptions{
		"empty bounds": {Bounds: Bounds{1, 1, 0, 1}, Cols: 4, Rows: 4},
		"NaN bounds":   {Bounds: Bounds{0, math.NaN(), 0, 1}, Cols: 4, Rows: 4},
		"one column":   {Cols: 1, Rows: 4},
		"negative max": {Cols: 4, Rows: 4, Max: -1},
	} {
		if _, err := DensityHeatmap(lp, c); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
	var nilFunc LogProbFunc
	constant := func(v float64, n int) LogProbFunc {
		return func(x *tensor.Dense) ([]float64, error) {
			out := make([]float64, min(n, x.Shape()[0]))
			for i := range out {
				out[i] = v
			}
			return out, nil
		}
	}
	for name, lp := range map[string]LogProber{
		"no density":   nil,
		"nil func":     nilFunc,
		"short answer": constant(0, 3),
		"NaN":          constant(math.NaN(), 1<<30),
		"+Inf":         constant(math.Inf(1), 1<<30),
		"overflow":     constant(800, 1<<30), // exp(800) = +Inf
	} {
		if _, err := DensityHeatmap(lp, DensityOptions{Cols: 4, Rows: 4}); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
	// −Inf is a density of 0: a flat picture, not an error.
	if _, err := DensityHeatmap(constant(math.Inf(-1), 1<<30), DensityOptions{Cols: 4, Rows: 4}); err != nil {
		t.Errorf("log p = −Inf everywhere: %v", err)
	}
	boom := errors.New("boom")
	failing := LogProbFunc(func(*tensor.Dense) ([]float64, error) { return nil, boom })
	if _, err := DensityGrid(failing, DensityBounds, 4, 4); !errors.Is(err, boom) {
		t.Errorf("failing LogProb: err = %v, want it wrapped", err)
	}
}
