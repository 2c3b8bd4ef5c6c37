package viz

import (
	"image/color"
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
