package viz

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
)

func TestSquareAround(t *testing.T) {
	b, err := SquareAround(batch.New(3, 2, []float64{0, 0, 2, 1, 1, -1}))
	if err != nil {
		t.Fatal(err)
	}
	// The box is [0, 2]×[−1, 1]: centre (1, 0), half-side 0.6·2.
	want := Bounds{-0.2, 2.2, -1.2, 1.2}
	for i, v := range []float64{b.XMin - want.XMin, b.XMax - want.XMax, b.YMin - want.YMin, b.YMax - want.YMax} {
		if math.Abs(v) > 1e-12 {
			t.Fatalf("bound %d: got %v, want %v", i, b, want)
		}
	}
	if b, err := SquareAround(batch.New(1, 2, []float64{5, 5})); err != nil || !(b.XMin < 5 && b.XMax > 5) {
		t.Errorf("one point: %v, %v", b, err)
	}
	for name, bad := range map[string][]float64{
		"infinite": {0, 0, math.Inf(1), 0},
		"overflow": {-math.MaxFloat64, 0, math.MaxFloat64, 0},
	} {
		if _, err := SquareAround(batch.New(2, 2, bad)); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	if _, err := SquareAround(nil); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("nil: %v", err)
	}
}

func TestGridQuantile(t *testing.T) {
	g, err := NewGrid(Bounds{0, 1, 0, 1}, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	copy(g.Values, []float64{4, 1, 3, 2})
	for p, want := range map[float64]float64{0.25: 1, 0.5: 2, 0.51: 3, 0.99: 4, 1: 4} {
		if got, err := g.Quantile(p); err != nil || got != want {
			t.Errorf("Quantile(%g) = %g, %v; want %g", p, got, err, want)
		}
	}
	for _, p := range []float64{0, -1, 1.5, math.NaN()} {
		if _, err := g.Quantile(p); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("Quantile(%g): %v", p, err)
		}
	}
	if _, err := (*Grid)(nil).Quantile(0.5); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("nil grid: %v", err)
	}
}

// TestCheckFormatAndSaveOverLink: Save replaces a symbolic link at its path
// with the picture and leaves the link's target as it was.
func TestCheckFormatAndSaveOverLink(t *testing.T) {
	for _, ok := range []string{"", "png", "SVG", "pdf", "jpeg"} {
		if err := CheckFormat(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	if err := CheckFormat("bmp"); !errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("bmp: %v", err)
	}
	f, err := LossCurve([]float64{3, 2, 1}, 1.5)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "target.png")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.png")
	if err := os.Symlink("target.png", link); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(link); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the link was not replaced by a file: %v", err)
	}
	if raw, _ := os.ReadFile(link); len(raw) < 1000 {
		t.Fatalf("the picture has %d bytes", len(raw))
	}
	if raw, _ := os.ReadFile(target); string(raw) != "old" {
		t.Fatalf("the link's target was written through: %d bytes", len(raw))
	}
}
