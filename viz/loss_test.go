package viz

import (
	"errors"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/ffjord-go/ffjord-go/train"
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
	history := []train.EpochStats{{Epoch: 1, Loss: 2.6}, {Epoch: 2, Loss: 1.9}, {Epoch: 3, Loss: 1.6}, {Epoch: 4, Loss: 1.45}}
	red := color.RGBA{0xd6, 0x27, 0x28, 0xff}
	trainBlue := color.RGBA{0x1f, 0x77, 0xb4, 0xff}

	f, err := LossCurve(history, 1.5)
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

	f, err = LossCurve(history, math.NaN())
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

	if _, err := LossCurve(nil, 1); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("empty history: err = %v, want ErrInvalidInput", err)
	}
	if _, err := LossCurve([]train.EpochStats{{Epoch: 1, Loss: math.Inf(1)}}, 1); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("infinite loss: err = %v, want ErrInvalidInput", err)
	}
}
