package viz

import (
	"errors"
	"math"
	"testing"
)

func TestDensityGridIntegratesToOne(t *testing.T) {
	flow := testFlow(t)
	// The base is N(0, 0.8²I); the untrained flow moves it little, so
	// [−4, 4]² holds all but ~1e-5 of the mass.
	g, err := DensityGrid(flow, Bounds{-4, 4, -4, 4}, 61, 61)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Integral(); math.Abs(got-1) > 1e-2 {
		t.Errorf("exact density integrates to %.5f over [−4, 4]², want 1 ± 1e-2", got)
	}
}

func TestDensityHeatmap(t *testing.T) {
	flow := testFlow(t)
	b := Bounds{-3, 3, -3, 3}
	f, err := DensityHeatmap(flow, DensityOptions{Bounds: b, Cols: 40, Rows: 40})
	if err != nil {
		t.Fatal(err)
	}
	// 6 inches wide; a square window is 6.5 inches tall with the title.
	img := savePNG(t, f, "density")
	checkPicture(t, img, 600, 650, 100, 0.8)

	// The densest node is painted yellow, viridis' top; a corner dark.
	g, err := DensityGrid(flow, b, 40, 40)
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
	px = pixelOf(f, 0, 0, -2.95, 2.95)
	if c := img.At(px.X, px.Y); !near(c, ViridisAt(0), 20) {
		t.Errorf("corner, pixel %v, is %v, want viridis' dark purple", px, rgba(c))
	}
}

func TestDensityHeatmapBadInput(t *testing.T) {
	flow := testFlow(t)
	for name, c := range map[string]DensityOptions{
		"empty bounds": {Bounds: Bounds{1, 1, 0, 1}, Cols: 4, Rows: 4},
		"NaN bounds":   {Bounds: Bounds{0, math.NaN(), 0, 1}, Cols: 4, Rows: 4},
		"one column":   {Cols: 1, Rows: 4},
		"negative max": {Cols: 4, Rows: 4, Max: -1},
	} {
		if _, err := DensityHeatmap(flow, c); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
	if _, err := DensityHeatmap(nil, DensityOptions{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("nil flow: err = %v, want ErrInvalidInput", err)
	}
}
