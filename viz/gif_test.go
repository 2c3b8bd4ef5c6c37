package viz

import (
	"errors"
	"image"
	"image/gif"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/vg"
	"gorgonia.org/tensor"
)

func TestGIFRecorder(t *testing.T) {
	rec := &GIFRecorder{Samples: 256}
	// Frames of a model moving from the base towards the moons.
	for i, title := range []string{"before training", "epoch 1", "epoch 2"} {
		model := SampleFunc(func(n int) (*tensor.Dense, error) {
			return sunflower(n, 0.8-0.2*float64(i), 0.25*float64(i), 0.1*float64(i)), nil
		})
		if err := rec.AddFlow(model, title); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.AddFrame(image.NewRGBA(image.Rect(0, 0, 10, 10))); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("frame of another size: err = %v, want ErrInvalidInput", err)
	}
	// The last frame replaced by a figure of more samples, as a training
	// ends on its final figure's density; a figure of another size, or a
	// frame out of range, is refused.
	last, err := SampleDensityFigure(sunflower(2048, 0.4, 0.5, 0.2), "final")
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.SetFigure(rec.Len()-1, last); err != nil {
		t.Fatal(err)
	}
	small := NewFigure(vg.Inch, vg.Inch, last.Plots[0]...)
	if err := rec.SetFigure(0, small); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("SetFigure of another size: err = %v, want ErrInvalidInput", err)
	}
	if err := rec.SetFigure(3, last); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("SetFigure(3) of 3 frames: err = %v, want ErrInvalidInput", err)
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
	// SampleDensityFigure: 6.4×4 inches at 100 DPI, large enough to read.
	if g.Config.Width != 640 || g.Config.Height != 400 {
		t.Errorf("GIF is %d×%d, want 640×400", g.Config.Width, g.Config.Height)
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

func TestGIFRecorderBadModel(t *testing.T) {
	var rec GIFRecorder
	var nilFunc SampleFunc
	boom := errors.New("boom")
	for name, c := range map[string]struct {
		model Sampler
		want  error
	}{
		"no model":    {nil, ErrInvalidInput},
		"nil func":    {nilFunc, ErrInvalidInput},
		"3-D samples": {pointsOf{pts: tensor.New(tensor.WithShape(4, 3), tensor.Of(tensor.Float64))}, ErrInvalidInput},
		"failing":     {pointsOf{err: boom}, boom},
	} {
		if err := rec.AddFlow(c.model, name); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
	if rec.Len() != 0 {
		t.Errorf("%d frames after failures, want 0", rec.Len())
	}
	// Frame replaces the default picture and is given the model.
	rec.Frame = func(m Sampler, title string) (*Figure, error) {
		pts, err := m.Sample(64)
		if err != nil {
			return nil, err
		}
		return SampleDensityFigure(pts, title)
	}
	if err := rec.AddFlow(SampleFunc(func(n int) (*tensor.Dense, error) { return sunflower(n, 0.5, 0.5, 0.2), nil }), "custom"); err != nil || rec.Len() != 1 {
		t.Errorf("custom frame: err = %v, %d frames, want 1", err, rec.Len())
	}
}
