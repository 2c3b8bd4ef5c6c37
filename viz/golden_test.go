package viz

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// update rewrites the golden images: go test ./viz -run Golden -update.
var update = flag.Bool("update", false, "rewrite the golden images in testdata/")

// A pixel differs from the golden one when a channel is off by more than
// goldenChannelTol of 255; a picture fails when more than goldenPixelFrac
// of its pixels differ. The slack absorbs antialiasing that moves by a
// rounding error (such as fused multiply-adds on another architecture); a
// moved marker, line or contour changes far more.
const (
	goldenChannelTol = 32
	goldenPixelFrac  = 0.001
)

// checkGolden draws f as a PNG and compares it with testdata/name.png, or
// with -update writes it there. It returns the picture drawn.
func checkGolden(t *testing.T, f *Figure, name string) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Encode(&buf, "png"); err != nil {
		t.Fatal(err)
	}
	got, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".png")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return got
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write the golden images)", err)
	}
	want, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	n, frac := pixelDiff(got, want)
	if n >= 0 && frac <= goldenPixelFrac {
		return got
	}
	dir, err := os.MkdirTemp("", "viz-golden-")
	if err != nil {
		t.Fatal(err)
	}
	gotPath, diffPath := filepath.Join(dir, name+".png"), filepath.Join(dir, name+"_diff.png")
	if err := os.WriteFile(gotPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if n >= 0 {
		d := diffImage(got, want)
		var db bytes.Buffer
		if err := png.Encode(&db, d); err == nil {
			_ = os.WriteFile(diffPath, db.Bytes(), 0o644)
		}
		t.Errorf("%s: %d pixels (%.3f%%) differ by more than %d in a channel, want at most %.3f%%; got %s, difference %s",
			path, n, 100*frac, goldenChannelTol, 100*goldenPixelFrac, gotPath, diffPath)
	} else {
		t.Errorf("%s: picture is %v, golden %v; got %s", path, got.Bounds().Size(), want.Bounds().Size(), gotPath)
	}
	return got
}

// diffImage paints the pixels where a and b differ red over a faded b.
func diffImage(a, b image.Image) *image.RGBA {
	r := b.Bounds()
	d := image.NewRGBA(image.Rectangle{Max: r.Size()})
	for y := range r.Dy() {
		for x := range r.Dx() {
			pa, pb := a.At(a.Bounds().Min.X+x, a.Bounds().Min.Y+y), b.At(r.Min.X+x, r.Min.Y+y)
			c := rgba(pb)
			c = color.RGBA{191 + c.R/4, 191 + c.G/4, 191 + c.B/4, 255}
			if !near(pa, pb, goldenChannelTol) {
				c = color.RGBA{255, 0, 0, 255}
			}
			d.SetRGBA(x, y, c)
		}
	}
	return d
}

// pixelDiff returns how many pixels of a and b differ by more than
// goldenChannelTol in a channel, and what fraction of the picture that is;
// −1 if their sizes differ.
func pixelDiff(a, b image.Image) (int, float64) {
	ra, rb := a.Bounds(), b.Bounds()
	if ra.Size() != rb.Size() {
		return -1, 1
	}
	n := 0
	for y := range ra.Dy() {
		for x := range ra.Dx() {
			if !near(a.At(ra.Min.X+x, ra.Min.Y+y), b.At(rb.Min.X+x, rb.Min.Y+y), goldenChannelTol) {
				n++
			}
		}
	}
	return n, float64(n) / float64(ra.Dx()*ra.Dy())
}

// pathStarts are the paths' fixed starting points.
var pathStarts = batch.New(5, 2, []float64{-1, 0.5, -0.5, -1, 0.2, 0.8, 1, -0.3, 0.6, 0.2})

// testLosses is a fixed training history: a decreasing loss per epoch.
var testLosses = []float64{2.6, 1.9, 1.6, 1.45, 1.38, 1.33}

func TestGoldenTutorialFigure(t *testing.T) {
	f, err := TutorialFigure(testModel(), fixedMoons(1024, 0.06), TutorialOptions{Samples: 1024})
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, f, "tutorial")
}

func TestGoldenDensityHeatmap(t *testing.T) {
	lp := mixture(0.35, [2]float64{-0.5, 0.4}, [2]float64{1, 0.6}, [2]float64{1.8, -0.2})
	f, err := DensityHeatmap(lp, DensityOptions{Cols: 80, Rows: 40})
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, f, "density")
}

func TestGoldenPaths(t *testing.T) {
	f, err := Paths(swirl{blocks: 3}, fixedMoons(512, 0.06), PathOptions{Points: pathStarts, Steps: 6})
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, f, "paths")
}

func TestGoldenLossCurve(t *testing.T) {
	f, err := LossCurve(testLosses, 1.4)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, f, "loss")
}

// eightClusters returns n points in eight tight clusters on a circle of
// radius 2, like the 8gaussians toy set: a density peaking near 0.08 per
// unit area in KDE, below the tutorial's first level.
func eightClusters(n int) *tensor.Dense {
	per := n / 8
	out := make([]float64, 0, 2*8*per)
	for k := range 8 {
		th := 2 * math.Pi * float64(k) / 8
		c := sunflower(per, 0.15, 2*math.Cos(th), 2*math.Sin(th))
		out = append(out, c.Float64s()...)
	}
	return batch.New(8*per, 2, out)
}

// The figure of data other than the moons, with levels fitted to each
// density: the clusters show in many bands, with colour bars.
func TestGoldenTutorialFitLevels(t *testing.T) {
	f, err := TutorialFigure(testModel(), eightClusters(1024), TutorialOptions{Samples: 1024, Autoscale: true, FitLevels: true})
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, f, "tutorial_fit")
}

// The tutorial's fixed levels under a density peaking far above the top
// level, 0.75: the peak is filled with the top colour, not left white.
func TestGoldenTutorialPeak(t *testing.T) {
	peaked := Model{Base: testModel().Base, Forward: squeeze{}}
	f, err := TutorialFigure(peaked, fixedMoons(1024, 0.06), TutorialOptions{Samples: 1024})
	if err != nil {
		t.Fatal(err)
	}
	img := checkGolden(t, f, "tutorial_peak")
	px := pixelOf(f, 0, 2, 0.5, 0.25)
	if c := img.At(px.X, px.Y); !near(c, ViridisAt(17.0/18), 3) {
		t.Errorf("the peak of panel 3, pixel %v, is %v, want the top band's colour", px, rgba(c))
	}
}

// squeeze maps the base into a tight blob around (0.5, 0.25), a sixth of
// its size: a density peaking near 10.
type squeeze struct{}

func (squeeze) Forward(z *tensor.Dense) (*tensor.Dense, error) {
	v, n, err := batch.Data(z, 2)
	if err != nil {
		return nil, err
	}
	out := make([]float64, 2*n)
	for i := range n {
		out[2*i], out[2*i+1] = 0.5+v[2*i]/6, 0.25+v[2*i+1]/6
	}
	return batch.New(n, 2, out), nil
}
