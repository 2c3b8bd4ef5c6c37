package viz

import (
	"errors"
	"image"
	"image/color"
	"math"
	"testing"
)

// count returns how many pixels of img are near c.
func count(img image.Image, c color.Color) int {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if near(img.At(x, y), c, 8) {
				n++
			}
		}
	}
	return n
}

func TestLossCurve(t *testing.T) {
	losses := []float64{2.6, 1.9, 1.6, 1.45}
	red := color.RGBA{0xd6, 0x27, 0x28, 0xff}
	trainBlue := color.RGBA{0x1f, 0x77, 0xb4, 0xff}

	f, err := LossCurve(losses, 1.5)
	if err != nil {
		t.Fatal(err)
	}
	img := savePNG(t, f, "loss")
	checkPicture(t, img, 600, 400, 20, 0.02)
	if n := count(img, trainBlue); n < 300 {
		t.Errorf("train curve covers %d pixels, want ≥ 300", n)
	}
	// The dashed test line spans the plot: hundreds of red pixels, and it
	// lies at the height of 1.5.
	if n := count(img, red); n < 300 {
		t.Errorf("test line covers %d pixels, want ≥ 300", n)
	}
	px := pixelOf(f, 0, 0, 2.5, 1.5)
	hit := false
	for x := px.X - 10; x <= px.X+10; x++ {
		hit = hit || near(img.At(x, px.Y), red, 8)
	}
	if !hit {
		t.Errorf("no red near pixel %v, where the test NLL 1.5 is", px)
	}
	// Epochs count from 1.
	if p := f.Plots[0][0]; p.X.Min != 1 || p.X.Max != 4 {
		t.Errorf("epoch axis [%g, %g], want [1, 4]", p.X.Min, p.X.Max)
	}

	f, err = LossCurve(losses, math.NaN())
	if err != nil {
		t.Fatal(err)
	}
	img, err = f.Image()
	if err != nil {
		t.Fatal(err)
	}
	if n := count(img, red); n != 0 {
		t.Errorf("without a test NLL, %d red pixels, want 0", n)
	}

	for name, c := range map[string]struct {
		losses []float64
		test   float64
	}{
		"no epochs":     {nil, 1},
		"infinite loss": {[]float64{1, math.Inf(1)}, 1},
		"NaN loss":      {[]float64{math.NaN()}, 1},
		"infinite test": {[]float64{1}, math.Inf(-1)},
	} {
		if _, err := LossCurve(c.losses, c.test); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v, want ErrInvalidInput", name, err)
		}
	}
}
