package viz

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gorgonia.org/tensor"
)

// GIFRecorder collects pictures, one a frame, into an animated GIF: call
// AddFlow (or AddFrame) after every epoch, then Save. The zero value is
// ready to use.
//
// With a trainer, add a frame of the model's samples from the OnEpoch
// callback:
//
//	rec := &viz.GIFRecorder{}
//	opts.OnEpoch = func(s train.EpochStats) error {
//		return rec.AddFlow(flow, fmt.Sprintf("epoch %d", s.Epoch))
//	}
type GIFRecorder struct {
	// Delay is each frame's duration in hundredths of a second; 0 means 25.
	Delay int
	// LoopCount is as gif.GIF's: 0 loops forever, −1 plays once.
	LoopCount int
	// Palette is the frames' colour table; nil means DefaultGIFPalette.
	Palette color.Palette
	// Drawer quantises frames to the palette; nil means Floyd–Steinberg
	// error diffusion.
	Drawer draw.Drawer
	// Samples is the number of model samples each AddFlow frame estimates
	// the density from; 0 means 2048.
	Samples int
	// Frame draws the model for AddFlow; nil means SampleDensityFigure of
	// Samples of its samples.
	Frame func(model Sampler, title string) (*Figure, error)

	frames []*image.Paletted
	delays []int
}

// DefaultGIFPalette is 32 greys for text and antialiasing, 160 steps of
// viridis for densities and a 4×4×4 colour cube for everything else.
var DefaultGIFPalette = func() color.Palette {
	p := make(color.Palette, 0, 256)
	for i := range 32 {
		v := uint8(i * 255 / 31)
		p = append(p, color.RGBA{v, v, v, 255})
	}
	for i := range 160 {
		p = append(p, ViridisAt(float64(i)/159))
	}
	for r := range 4 {
		for g := range 4 {
			for b := range 4 {
				p = append(p, color.RGBA{uint8(r * 85), uint8(g * 85), uint8(b * 85), 255})
			}
		}
	}
	return p
}()

// Len returns the number of frames.
func (r *GIFRecorder) Len() int { return len(r.frames) }

// AddFrame quantises img to the palette and appends it. Every frame must
// have the size of the first.
func (r *GIFRecorder) AddFrame(img image.Image) error {
	frame, delay, err := r.quantise(img, len(r.frames))
	if err != nil {
		return err
	}
	r.frames = append(r.frames, frame)
	r.delays = append(r.delays, delay)
	return nil
}

// quantise returns img as a frame in the palette, with its delay, checking
// that it has the size of the other frames than frame i.
func (r *GIFRecorder) quantise(img image.Image, i int) (*image.Paletted, int, error) {
	if img == nil {
		return nil, 0, fmt.Errorf("%w: nil frame", ErrInvalidInput)
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, 0, fmt.Errorf("%w: empty frame", ErrInvalidInput)
	}
	for j, f := range r.frames {
		if j != i {
			if other := f.Bounds().Size(); b.Size() != other {
				return nil, 0, fmt.Errorf("%w: frame of size %v, want %v as the others", ErrInvalidInput, b.Size(), other)
			}
			break
		}
	}
	pal := r.Palette
	if len(pal) == 0 {
		pal = DefaultGIFPalette
	}
	if len(pal) > 256 {
		return nil, 0, fmt.Errorf("%w: GIF palette of %d colours, want at most 256", ErrInvalidInput, len(pal))
	}
	d := r.Drawer
	if d == nil {
		d = draw.FloydSteinberg
	}
	frame := image.NewPaletted(image.Rectangle{Max: b.Size()}, pal)
	d.Draw(frame, frame.Bounds(), img, b.Min)
	delay := r.Delay
	if delay == 0 {
		delay = 25
	}
	return frame, delay, nil
}

// AddFigure rasterises f at its DPI and appends it.
func (r *GIFRecorder) AddFigure(f *Figure) error {
	img, err := f.Image()
	if err != nil {
		return err
	}
	return r.AddFrame(img)
}

// SetFigure replaces frame i (0 ≤ i < Len) with f, rasterised as
// AddFigure does: a training's last frame can then show the final figure's
// density rather than that of a fresh, smaller sample.
func (r *GIFRecorder) SetFigure(i int, f *Figure) error {
	if i < 0 || i >= len(r.frames) {
		return fmt.Errorf("%w: frame %d of %d", ErrInvalidInput, i, len(r.frames))
	}
	img, err := f.Image()
	if err != nil {
		return err
	}
	frame, delay, err := r.quantise(img, i)
	if err != nil {
		return err
	}
	r.frames[i], r.delays[i] = frame, delay
	return nil
}

// AddFlow draws model with Frame, titled title, and appends it.
func (r *GIFRecorder) AddFlow(model Sampler, title string) error {
	if missing(model) {
		return fmt.Errorf("%w: no model to draw", ErrInvalidInput)
	}
	var f *Figure
	var err error
	if r.Frame != nil {
		f, err = r.Frame(model, title)
	} else {
		n := r.Samples
		if n <= 0 {
			n = 2048
		}
		var s *tensor.Dense
		if s, err = sample("GIF frame", model, n); err != nil {
			return err
		}
		f, err = SampleDensityFigure(s, title)
	}
	if err != nil {
		return err
	}
	return r.AddFigure(f)
}

// Encode writes the animation to w.
func (r *GIFRecorder) Encode(w io.Writer) error {
	if len(r.frames) == 0 {
		return fmt.Errorf("%w: GIF has no frames", ErrInvalidInput)
	}
	return gif.EncodeAll(w, &gif.GIF{Image: r.frames, Delay: r.delays, LoopCount: r.LoopCount})
}

// Save writes the animation to path, whatever its extension.
func (r *GIFRecorder) Save(path string) error {
	if len(r.frames) == 0 {
		return fmt.Errorf("%w: GIF has no frames", ErrInvalidInput)
	}
	return writeFile(path, r.Encode)
}

// SampleDensityFigure draws the filled density estimate of points, in the
// tutorial's levels and limits (DensityBounds), densities above the top
// level in the top colour, with a colour bar, titled title: 6.4×4 inches at
// 100 DPI, 640×400 pixels, for the frames of a training GIF. The fixed
// levels keep the frames of one training comparable.
func SampleDensityFigure(points *tensor.Dense, title string) (*Figure, error) {
	p, bar, err := densityPlot(title, "samples", points, 100, false)
	if err != nil {
		return nil, err
	}
	setLimits(p, DensityBounds)
	f := NewFigure(6.4*vg.Inch, 4*vg.Inch, p)
	f.ColorBars = [][]*plot.Plot{{bar}}
	return f, nil
}
