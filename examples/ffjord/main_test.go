package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var bg = context.Background()

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	var out bytes.Buffer
	require.NoError(t, run(bg, []string{"train", "-toy", "moons", "-n", "128", "-test-n", "256", "-epochs", "1", "-batch", "64", "-blocks", "1", "-model", model}, &out))
	nll := valueOf(t, out.String(), "test_nll")
	assert.False(t, math.IsNaN(nll) || math.IsInf(nll, 0), "test_nll = %g", nll)
	assert.GreaterOrEqual(t, valueOf(t, out.String(), "train_seconds"), 0.0)

	samples := filepath.Join(dir, "s.csv")
	require.NoError(t, run(bg, []string{"sample", "-model", model, "-n", "5", "-out", samples}, &out))
	raw, err := os.ReadFile(samples)
	require.NoError(t, err)
	assert.Equal(t, 6, strings.Count(string(raw), "\n"), "header and 5 rows")

	out.Reset()
	require.NoError(t, run(bg, []string{"logprob", "-model", model, "-in", samples}, &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	assert.Equal(t, "logp", lines[0])
	assert.Len(t, lines, 6)

	// plot draws the saved model.
	figs := filepath.Join(dir, "figs")
	require.NoError(t, run(bg, []string{"plot", "-model", model, "-n", "256", "-out", figs}, &out))
	for _, name := range []string{"tutorial.png", "density.png", "paths.png"} {
		st, err := os.Stat(filepath.Join(figs, name))
		require.NoError(t, err)
		assert.Greater(t, st.Size(), int64(1000), name)
	}

	// -only density writes the density alone, at the size asked for in
	// pixels, bare or not.
	for _, bare := range []string{"-bare=false", "-bare"} {
		thumbs := filepath.Join(dir, "thumbs"+bare)
		out.Reset()
		require.NoError(t, run(bg, []string{"plot", "-model", model, "-only", "density", "-size", "120,100", "-grid", "20", "-bounds", "-2,3,-1,1.5", "-max", "99%", bare, "-out", thumbs}, &out))
		assert.Equal(t, "wrote "+filepath.Join(thumbs, "density.png")+"\n", out.String())
		entries, err := os.ReadDir(thumbs)
		require.NoError(t, err)
		assert.Len(t, entries, 1)
		f, err := os.Open(filepath.Join(thumbs, "density.png"))
		require.NoError(t, err)
		cfg, err := png.DecodeConfig(f)
		f.Close()
		require.NoError(t, err)
		assert.Equal(t, [2]int{120, 100}, [2]int{cfg.Width, cfg.Height})
	}

	// The same seed gives the same samples.
	again := filepath.Join(dir, "s2.csv")
	require.NoError(t, run(bg, []string{"sample", "-model", model, "-n", "5", "-out", again}, &out))
	raw2, _ := os.ReadFile(again)
	assert.Equal(t, raw, raw2)
}

// valueOf returns the number after "key=" at the start of a line of out
// (the first, when a standard error or a note follows it).
func valueOf(t *testing.T, out, key string) float64 {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			f, err := strconv.ParseFloat(strings.Fields(v)[0], 64)
			require.NoError(t, err, line)
			return f
		}
	}
	t.Fatalf("no %s= line in\n%s", key, out)
	return 0
}

func TestTrainTestSet(t *testing.T) {
	dir := t.TempDir()
	points := filepath.Join(dir, "p.csv")
	require.NoError(t, os.WriteFile(points, []byte("x,y\n0,0\n1,0.5\n-0.5,1\n0.2,-0.3\n"), 0o644))
	var out bytes.Buffer
	args := []string{"train", "-data", points, "-test", points, "-epochs", "1", "-blocks", "1", "-hidden", "4,4,4", "-cosine", "0.1", "-model", filepath.Join(dir, "m.json")}
	require.NoError(t, run(bg, args, &out))
	nll := valueOf(t, out.String(), "test_nll")
	assert.False(t, math.IsNaN(nll) || math.IsInf(nll, 0), "test_nll = %g", nll)

	// Without -test and with -test-frac 0, -data gives no test NLL.
	out.Reset()
	require.NoError(t, run(bg, []string{"train", "-data", points, "-test-frac", "0", "-epochs", "1", "-blocks", "1", "-model", filepath.Join(dir, "m2.json")}, &out))
	assert.Contains(t, out.String(), "train_seconds=")
	assert.NotContains(t, out.String(), "test_nll")
}

func TestErrorsAreOneClearLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"format": "ffjord-go checkpoint", "version": 2, "sha256": "00", "content": {}}`), 0o644))
	ragged := filepath.Join(dir, "ragged.csv")
	require.NoError(t, os.WriteFile(ragged, []byte("1,2\n3\n"), 0o644))
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"no command":      {nil, "usage"},
		"unknown command": {[]string{"fly"}, `unknown command "fly"`},
		"missing model":   {[]string{"sample", "-model", filepath.Join(dir, "none.json")}, "no such file"},
		"corrupt model":   {[]string{"sample", "-model", bad}, "checksum"},
		"ragged csv":      {[]string{"train", "-data", ragged, "-model", filepath.Join(dir, "m.json")}, "line 2"},
		"no data":         {[]string{"train"}, "give -data"},
		"unknown toy":     {[]string{"train", "-toy", "unicorns"}, "unicorns"},
		"bad gradient":    {[]string{"train", "-toy", "moons", "-gradient", "magic"}, "magic"},
		"bad hidden":      {[]string{"train", "-toy", "moons", "-hidden", "8,x"}, "-hidden"},
		"bad cosine":      {[]string{"train", "-toy", "moons", "-cosine", "2"}, "-cosine"},
		"bad test-n":      {[]string{"train", "-toy", "moons", "-test-n", "-1"}, "-test-n"},
		"missing test":    {[]string{"train", "-toy", "moons", "-test", filepath.Join(dir, "none.csv"), "-model", filepath.Join(dir, "m.json")}, "no such file"},
		"bad bounds":      {[]string{"plot", "-bounds", "1,0,0,1"}, "-bounds"},
		"bad size":        {[]string{"plot", "-size", "100,0"}, "-size"},
		"bad only":        {[]string{"plot", "-only", "density,map"}, "-only"},
		"bad max":         {[]string{"plot", "-max", "200%"}, "-max"},
	} {
		err := run(bg, c.args, &bytes.Buffer{})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
}

// TestPlotEveryToySet draws every toy set with plot, from an untrained
// one-block model (nothing is trained), and checks that each density panel
// shows the data: panels 3 and 4 of tutorial.png (KDE of the model's samples
// and of the data, levels fitted to each) hold several of the ten band
// colours, and density.png many shades. With the tutorial's fixed levels,
// 8gaussians' panels were one flat colour.
func TestPlotEveryToySet(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1}, train.Settings{}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	require.NoError(t, checkpoint.Save(model, flow, nil, checkpoint.Codec{}))
	bands := make([]color.Color, 9)
	for i := range bands {
		bands[i] = viz.ViridisAt((float64(i) + 0.5) / 9)
	}
	for _, name := range datasets.Names() {
		t.Run(name, func(t *testing.T) {
			figs := filepath.Join(os.Getenv("PLOT_TOYS_DIR"), name) // set it to look at the pictures
			if os.Getenv("PLOT_TOYS_DIR") == "" {
				figs = filepath.Join(dir, name)
			}
			var out bytes.Buffer
			require.NoError(t, run(bg, []string{"plot", "-model", model, "-toy", name, "-n", "2048", "-grid", "40", "-only", "tutorial,density", "-out", figs}, &out))
			tut := decodePNG(t, filepath.Join(figs, "tutorial.png"))
			w, h := tut.Bounds().Dx(), tut.Bounds().Dy()
			require.Equal(t, [2]int{1600, 600}, [2]int{w, h})
			// Each panel's tile is a quarter of the width; its plot area
			// is well inside [0.15, 0.7]×[0.1, 0.9] of the tile (the colour
			// bar is right of 0.75).
			for _, panel := range []int{2, 3} {
				r := image.Rect(panel*w/4+w/4*15/100, h/10, panel*w/4+w/4*70/100, h*9/10)
				seen := map[int]bool{}
				for y := r.Min.Y; y < r.Max.Y; y++ {
					for x := r.Min.X; x < r.Max.X; x++ {
						for i, b := range bands {
							if sameColour(tut.At(x, y), b) {
								seen[i] = true
							}
						}
					}
				}
				want := 6
				if name == "moons" && panel == 2 {
					// The tutorial's fixed levels: the untrained model's wide
					// blob peaks at 0.25, in the third band of nine.
					want = 3
				}
				assert.GreaterOrEqual(t, len(seen), want, "%s: panel %d shows %d of the 9 band colours", name, panel+1, len(seen))
			}
			dens := decodePNG(t, filepath.Join(figs, "density.png"))
			b := dens.Bounds()
			shades := map[color.RGBA]bool{}
			for y := b.Dy() / 5; y < b.Dy()*4/5; y++ {
				for x := b.Dx() / 5; x < b.Dx()*3/5; x++ {
					r, g, bl, _ := dens.At(x, y).RGBA()
					shades[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 255}] = true
				}
			}
			assert.GreaterOrEqual(t, len(shades), 20, "%s: density.png shows %d shades", name, len(shades))
		})
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}

// sameColour reports whether a and b differ by at most 2 in every channel.
func sameColour(a, b color.Color) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(p, q uint32) bool { p, q = p>>8, q>>8; return p-q <= 2 || q-p <= 2 }
	return d(ar, br) && d(ag, bg) && d(ab, bb)
}
