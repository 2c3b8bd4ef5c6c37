package main

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The grid decodes as a PNG of two labelled 10×10 panels side by side, with
// ink in both.
func TestWriteGrid(t *testing.T) {
	samples, real := make([]float64, 100*D), make([]float64, 40*D)
	for i := range samples {
		samples[i] = 17 * math.Abs(math.Sin(float64(i)))
	}
	for i := range real {
		real[i] = 17 * math.Abs(math.Cos(float64(i)/3))
	}
	path := filepath.Join(t.TempDir(), "samples.png")
	if os.Getenv("DIGITS_GRID") != "" {
		path = os.Getenv("DIGITS_GRID")
	}
	if err := writeGrid(path, samples, real, [2]string{"model samples (temperature 0.7)", "held-out digits"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 2*342+32 || b.Dy() != 26+342 {
		t.Errorf("size %v", b)
	}
	// Dark pixels in the label strip (text) and in each panel (ink).
	dark := func(x0, y0, x1, y1 int) bool {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				if r, _, _, _ := img.At(x, y).RGBA(); r < 0x4000 {
					return true
				}
			}
		}
		return false
	}
	for _, r := range [][4]int{{0, 0, 342, 26}, {374, 0, 716, 26}, {0, 26, 342, 368}, {374, 26, 716, 368}} {
		if !dark(r[0], r[1], r[2], r[3]) {
			t.Errorf("nothing dark in %v", r)
		}
	}
}
