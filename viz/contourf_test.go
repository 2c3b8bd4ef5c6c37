package viz

import (
	"image/color"
	"math"
	"testing"
)

func TestFilledContourBands(t *testing.T) {
	g, err := NewGrid(Bounds{0, 1, 0, 1}, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := NewFilledContour(g, TutorialLevels(), Viridis(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		z    float64
		band int
	}{{-0.01, -1}, {0, 0}, {0.08, 0}, {1.0 / 12, 1}, {0.5, 6}, {0.74, 8}, {0.75, -1}, {2, -1}} {
		if got := fc.band(c.z); got != c.band {
			t.Errorf("band(%g) = %d, want %d", c.z, got, c.band)
		}
	}
	// Nine bands coloured at their middles, as contourf maps viridis over
	// its levels: band 0 at 1/18, band 8 at 17/18 of the colour map.
	if len(fc.Colors) != 9 || !near(fc.Colors[0], ViridisAt(1.0/18), 2) || !near(fc.Colors[8], ViridisAt(17.0/18), 2) {
		t.Errorf("band colours %v", fc.Colors)
	}
	exact, err := NewFilledContour(g, []float64{0, 1, 2}, colors{color.Black, color.White})
	if err != nil {
		t.Fatal(err)
	}
	if exact.Colors[0] != color.Black || exact.Colors[1] != color.White {
		t.Errorf("a palette of one colour per band was resampled: %v", exact.Colors)
	}
	for name, levels := range map[string][]float64{"one level": {0}, "decreasing": {0, 2, 1}, "repeated": {0, 1, 1}} {
		if _, err := NewFilledContour(g, levels, Viridis(0)); err == nil {
			t.Errorf("%s: NewFilledContour succeeded", name)
		}
	}
}

func TestFilledContourExtendMax(t *testing.T) {
	g, err := NewGrid(Bounds{0, 1, 0, 1}, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := NewFilledContour(g, TutorialLevels(), Viridis(0))
	if err != nil {
		t.Fatal(err)
	}
	fc.ExtendMax = true
	// Above the top level: the top band, not a hole; below the first and
	// NaN: still unpainted.
	for _, c := range []struct {
		z    float64
		band int
	}{{0.74, 8}, {0.75, 8}, {3, 8}, {math.Inf(1), 8}, {-0.01, -1}, {math.NaN(), -1}} {
		if got := fc.band(c.z); got != c.band {
			t.Errorf("band(%g) = %d, want %d", c.z, got, c.band)
		}
	}
}

func TestFitLevels(t *testing.T) {
	g, err := NewGrid(Bounds{0, 1, 0, 1}, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	copy(g.Values, []float64{0.01, 0.02, 0.05, 0.08, math.NaN(), 0.03})
	levels, err := FitLevels(g, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(levels) != 10 || levels[0] != 0.01 || levels[9] != 0.08 {
		t.Errorf("FitLevels = %v, want 10 levels from 0.01 to 0.08", levels)
	}
	for i := 1; i < len(levels); i++ {
		if !(levels[i] > levels[i-1]) {
			t.Errorf("FitLevels = %v, not increasing", levels)
		}
	}
	for i := range g.Values {
		g.Values[i] = 2
	}
	if levels, err = FitLevels(g, 0); err != nil || len(levels) != 10 || levels[0] != 2 || levels[9] != 4 {
		t.Errorf("FitLevels of a flat grid = %v, %v; want 10 levels from 2 to 4", levels, err)
	}
	if _, err := NewFilledContour(g, levels, Viridis(0)); err != nil {
		t.Errorf("the levels of a flat grid do not make a FilledContour: %v", err)
	}
}
