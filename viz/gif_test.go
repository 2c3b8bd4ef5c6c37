package viz

import (
	"errors"
	"image"
	"image/gif"
	"os"
	"path/filepath"
	"testing"
)

func TestGIFRecorder(t *testing.T) {
	flow := testFlow(t)
	rec := &GIFRecorder{Samples: 256}
	for _, title := range []string{"before training", "epoch 1", "epoch 2"} {
		if err := rec.AddFlow(flow, title); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.AddFrame(image.NewRGBA(image.Rect(0, 0, 10, 10))); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("frame of another size: err = %v, want ErrInvalidInput", err)
	}
	path := filepath.Join(t.TempDir(), "train.gif")
	if err := rec.Save(path); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	g, err := gif.DecodeAll(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 || rec.Len() != 3 {
		t.Fatalf("GIF has %d frames (Len %d), want 3, one per AddFlow", len(g.Image), rec.Len())
	}
	// SampleDensityFigure: 4×2.5 inches at 80 DPI.
	if g.Config.Width != 320 || g.Config.Height != 200 {
		t.Errorf("GIF is %d×%d, want 320×200", g.Config.Width, g.Config.Height)
	}
	for i, d := range g.Delay {
		if d != 25 {
			t.Errorf("frame %d delay %d, want 25", i, d)
		}
	}
	// A frame shows the density: many of the palette's viridis entries.
	used := map[uint8]bool{}
	for _, p := range g.Image[1].Pix {
		used[p] = true
	}
	if len(used) < 10 {
		t.Errorf("frame 1 uses %d palette entries, want ≥ 10", len(used))
	}
	if err := (&GIFRecorder{}).Save(filepath.Join(t.TempDir(), "empty.gif")); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("empty GIF: err = %v, want ErrInvalidInput", err)
	}
}
