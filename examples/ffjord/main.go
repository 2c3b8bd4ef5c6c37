// Command ffjord trains continuous normalizing flows on CSV files or toy data
// sets and uses saved models.
//
//	ffjord train   (-data points.csv [-test test.csv] | -toy NAME) [-epochs N] -model model.json
//	ffjord logprob -model model.json -in points.csv [-out logp.csv]
//	ffjord sample  -model model.json -n 1000 [-seed S] [-out samples.csv]
//	ffjord plot    -model model.json [-data points.csv|-toy NAME] -out DIR
//
// train prints one line per epoch, then train_seconds=<value> and, when
// there are test points (-test, or by default -test-n fresh points of -toy
// drawn with another seed), test_nll=<value>: their mean negative
// log-likelihood with the exact trace, whatever trace trained the model.
//
// plot writes tutorial, density and paths figures, or those named by
// -only; -bounds, -size, -grid, -max and -bare shape the density heat map,
// so that
//
//	ffjord plot -model m.json -toy rings -only density -bare -size 200,200 -out DIR
//
// makes a 200×200-pixel thumbnail of the learned density.
//
// Errors are one line on standard error and a non-zero exit status.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
	"gonum.org/v1/plot/vg"
	"gorgonia.org/tensor"
)

const usage = `usage:
  ffjord train   (-data points.csv [-test test.csv] | -toy NAME) -model model.json [flags]
  ffjord logprob -model model.json -in points.csv [-out logp.csv]
  ffjord sample  -model model.json -n COUNT [-seed S] [-out samples.csv]
  ffjord plot    -model model.json [-data points.csv | -toy NAME] [-out DIR] [-format png|svg|pdf] [-only density] [flags]
run "ffjord COMMAND -h" for a command's flags`

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ffjord:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "train":
		return trainCmd(args[1:], stdout)
	case "logprob":
		return logprobCmd(args[1:], stdout)
	case "sample":
		return sampleCmd(args[1:], stdout)
	case "plot":
		return plotCmd(args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

func trainCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var (
		data     = fs.String("data", "", "CSV file of training points (any dimension)")
		toy      = fs.String("toy", "", "toy data set instead of -data: "+fmt.Sprint(datasets.Names()))
		n        = fs.Int("n", 8192, "points drawn from -toy")
		test     = fs.String("test", "", "CSV file of test points; default with -toy: -test-n fresh points of the same set")
		testN    = fs.Int("test-n", 8192, "fresh -toy points for the test NLL (a different seed); 0: no test")
		model    = fs.String("model", "model.json", "where to save the model")
		resume   = fs.Bool("resume", false, "continue the training saved in -model")
		epochs   = fs.Int("epochs", 40, "total training epochs")
		batchSz  = fs.Int("batch", 256, "batch size")
		lr       = fs.Float64("lr", 1e-2, "Adam learning rate")
		cosine   = fs.Float64("cosine", 0, "if > 0, decay the learning rate along a cosine to this fraction of -lr")
		blocks   = fs.Int("blocks", 4, "FFJORD blocks")
		hidden   = fs.String("hidden", "8,8", "hidden widths of each block's MLP, comma-separated")
		timeIn   = fs.String("time", "concat", "time conditioning: concat, concat-single, concatsquash or ignore")
		act      = fs.String("activation", "tanh", "tanh or softplus")
		learnT   = fs.Bool("learn-time", false, "learn each block's end time T (FFJORD's train_T)")
		gradient = fs.String("gradient", "adjoint", "adjoint or discrete")
		trace    = fs.String("trace", "exact", "exact, hutchinson-gaussian or hutchinson-rademacher (training only; the test NLL is exact)")
		rtol     = fs.Float64("rtol", 1e-3, "relative tolerance")
		atol     = fs.Float64("atol", 1e-5, "absolute tolerance")
		seed     = fs.Uint64("seed", 1, "random seed")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var x *tensor.Dense
	var err error
	switch {
	case *data != "" && *toy != "":
		return errors.New("train: give -data or -toy, not both")
	case *data != "":
		x, err = readCSV(*data)
	case *toy != "":
		x, err = datasets.ByName(*toy, *n, rand.NewPCG(*seed, 1))
	default:
		return errors.New("train: give -data FILE.csv or -toy NAME")
	}
	if err != nil {
		return err
	}
	// The test points are read or drawn before training, so that a bad
	// file or count fails at once.
	var xt *tensor.Dense
	switch {
	case *testN < 0:
		return fmt.Errorf("train: -test-n %d, want ≥ 0", *testN)
	case *test != "":
		if xt, err = readCSV(*test); err != nil {
			return err
		}
		if xt.Shape()[1] != x.Shape()[1] {
			return fmt.Errorf("train: %s has %d columns but the training data %d", *test, xt.Shape()[1], x.Shape()[1])
		}
	case *toy != "" && *testN > 0:
		if xt, err = datasets.ByName(*toy, *testN, rand.NewPCG(*seed+1000, 3)); err != nil {
			return err
		}
	}
	mode, err := ode.ParseGradient(*gradient)
	if err != nil {
		return err
	}
	tr, err := odefunc.ParseTrace(*trace)
	if err != nil {
		return err
	}
	widths, err := train.ParseHidden(*hidden)
	if err != nil {
		return fmt.Errorf("-hidden: %w", err)
	}
	timeInput, err := odefunc.ParseTimeInput(*timeIn)
	if err != nil {
		return err
	}
	activation, err := odefunc.ParseActivation(*act)
	if err != nil {
		return err
	}
	opts := train.Options{Epochs: *epochs, BatchSize: *batchSz, LearningRate: *lr, Seed: *seed, Progress: stdout, Checkpoint: *model}
	switch {
	case *cosine > 0 && *cosine <= 1:
		opts.Schedule = train.Cosine(*cosine)
	case *cosine != 0:
		return fmt.Errorf("train: -cosine %g, want a fraction in (0, 1]", *cosine)
	}
	var trainer *train.Trainer
	var flow *train.Flow
	if *resume {
		ck, err := train.Load(*model)
		if err != nil {
			return err
		}
		flow = ck.Flow
		s := flow.Settings()
		s.Gradient = mode
		if err := flow.SetSettings(s); err != nil {
			return err
		}
		if trainer, err = train.Resume(ck, opts); err != nil {
			return err
		}
	} else {
		settings := train.Settings{Solver: ode.Settings{Controller: ode.Adaptive{RTol: *rtol, ATol: *atol}}, Gradient: mode, Trace: tr}
		cfg := train.FlowConfig{Dim: x.Shape()[1], Blocks: *blocks, Hidden: widths, Activation: activation, Time: timeInput, LearnTime: *learnT}
		if flow, err = train.NewFlow(cfg, settings, rand.NewPCG(*seed, 2)); err != nil {
			return err
		}
		if trainer, err = train.NewTrainer(flow, opts); err != nil {
			return err
		}
	}
	if xt != nil && xt.Shape()[1] != flow.Config.Dim {
		return fmt.Errorf("train: the test points have %d columns but the model is %d-dimensional", xt.Shape()[1], flow.Config.Dim)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	if err := trainer.Run(ctx, x); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "train_seconds=%.1f\n", time.Since(start).Seconds())
	fmt.Fprintf(stdout, "saved %s\n", *model)
	if xt == nil {
		return nil
	}
	nll, err := flow.NLL(xt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test_nll=%.4f\n", nll)
	return nil
}

func logprobCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("logprob", flag.ContinueOnError)
	model := fs.String("model", "model.json", "saved model")
	in := fs.String("in", "", "CSV file of points")
	out := fs.String("out", "", "output CSV (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("logprob: give -in FILE.csv")
	}
	ck, err := train.Load(*model)
	if err != nil {
		return err
	}
	x, err := readCSV(*in)
	if err != nil {
		return err
	}
	if d := x.Shape()[1]; d != ck.Flow.Config.Dim {
		return fmt.Errorf("logprob: %s has %d columns but the model is %d-dimensional", *in, d, ck.Flow.Config.Dim)
	}
	lp, err := ck.Flow.LogProb(x)
	if err != nil {
		return err
	}
	return writeCSV(*out, stdout, batch.New(len(lp), 1, lp), []string{"logp"})
}

func sampleCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	model := fs.String("model", "model.json", "saved model")
	n := fs.Int("n", 1000, "number of samples")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "output CSV (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ck, err := train.Load(*model)
	if err != nil {
		return err
	}
	if err := ck.Flow.SetSampleSource(rand.NewPCG(*seed, 3)); err != nil {
		return err
	}
	x, err := ck.Flow.Sample(*n)
	if err != nil {
		return err
	}
	header := make([]string, ck.Flow.Config.Dim)
	for i := range header {
		header[i] = fmt.Sprintf("x%d", i+1)
	}
	return writeCSV(*out, stdout, x, header)
}

// plotCmd draws a saved 2-D model: the tutorial's four panels against the
// data, the exact density and the paths of a few points through the blocks.
func plotCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	model := fs.String("model", "model.json", "saved model")
	data := fs.String("data", "", "CSV file of data points to compare with")
	toy := fs.String("toy", "moons", "toy data set to compare with when -data is not given")
	n := fs.Int("n", 8192, "points drawn from -toy")
	out := fs.String("out", ".", "output directory")
	format := fs.String("format", "png", "png, svg or pdf")
	only := fs.String("only", "", "comma-separated figures to write, of tutorial, density and paths (default all)")
	boundsFlag := fs.String("bounds", "", "density window xmin,xmax,ymin,ymax (default: the tutorial's for -toy moons, else a square around the data)")
	size := fs.String("size", "", "density figure size W,H in pixels (default 6 inches wide at 100 dpi)")
	grid := fs.Int("grid", 100, "density nodes along each axis")
	maxFlag := fs.String("max", "", "density at the top of the colour scale: a number, or P% for that percentile of the grid's values (default: the grid's maximum)")
	bare := fs.Bool("bare", false, "density as the heat map alone: no title, axes or margin (for thumbnails)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	want, err := parseOnly(*only)
	if err != nil {
		return err
	}
	var bounds viz.Bounds
	if *boundsFlag != "" {
		v, err := parseFloats(*boundsFlag, 4)
		if err != nil || !(v[0] < v[1] && v[2] < v[3]) {
			return fmt.Errorf("plot: -bounds %q: want xmin,xmax,ymin,ymax with xmin < xmax and ymin < ymax", *boundsFlag)
		}
		bounds = viz.Bounds{XMin: v[0], XMax: v[1], YMin: v[2], YMax: v[3]}
	}
	var width, height vg.Length
	if *size != "" {
		v, err := parseFloats(*size, 2)
		if err != nil || !(v[0] >= 1 && v[1] >= 1) || v[0] != math.Trunc(v[0]) || v[1] != math.Trunc(v[1]) {
			return fmt.Errorf("plot: -size %q: want W,H, whole numbers of pixels", *size)
		}
		// Figures are rasterised at 100 dpi.
		width, height = vg.Length(v[0])*vg.Inch/100, vg.Length(v[1])*vg.Inch/100
	}
	top, maxPct, err := parseMax(*maxFlag)
	if err != nil {
		return err
	}
	if *grid < 2 {
		return fmt.Errorf("plot: -grid %d, want ≥ 2", *grid)
	}
	ck, err := train.Load(*model)
	if err != nil {
		return err
	}
	if ck.Flow.Config.Dim != 2 {
		return fmt.Errorf("plot: the model is %d-dimensional; the figures are for 2", ck.Flow.Config.Dim)
	}
	var x *tensor.Dense
	if *data != "" {
		x, err = readCSV(*data)
	} else {
		x, err = datasets.ByName(*toy, *n, rand.NewPCG(1, 1))
	}
	if err != nil {
		return err
	}
	if x.Shape()[1] != 2 {
		return fmt.Errorf("plot: the data have %d columns, want 2", x.Shape()[1])
	}
	// The tutorial's fixed limits are those of the moons; other data get
	// a window that fits them.
	moons := *data == "" && *toy == "moons"
	if bounds == (viz.Bounds{}) {
		if moons {
			bounds = viz.DensityBounds
		} else {
			bounds = squareAround(x)
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	figs := map[string]*viz.Figure{}
	if want["tutorial"] {
		if figs["tutorial"], err = viz.TutorialFigure(viz.Model{Base: viz.SampleFunc(ck.Flow.SampleBase), Forward: ck.Flow, Samples: ck.Flow}, x, viz.TutorialOptions{Autoscale: !moons}); err != nil {
			return err
		}
	}
	if want["density"] {
		if maxPct {
			if top, err = percentile(ck.Flow, top, bounds, *grid); err != nil {
				return err
			}
		}
		d, err := viz.DensityHeatmap(ck.Flow, viz.DensityOptions{Bounds: bounds, Cols: *grid, Rows: *grid, Max: top, Width: width, Height: height})
		if err != nil {
			return err
		}
		if *bare {
			for _, row := range d.Plots {
				for _, p := range row {
					p.Title.Text = ""
					p.HideAxes()
				}
			}
			d.Pad = vg.Length(1e-6) // 0 would mean the default margin
		}
		figs["density"] = d
	}
	if want["paths"] {
		if figs["paths"], err = viz.Paths(ck.Flow, x, viz.PathOptions{Base: viz.SampleFunc(ck.Flow.SampleBase)}); err != nil {
			return err
		}
	}
	for _, name := range figureNames {
		f := figs[name]
		if f == nil {
			continue
		}
		path := filepath.Join(*out, name+"."+*format)
		if err := f.Save(path); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	return nil
}

// parseMax reads -max: "" for the grid's maximum (0), a density, or P%
// for the P-th percentile of the density on the grid.
func parseMax(s string) (v float64, percent bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	num, percent := strings.CutSuffix(s, "%")
	v, err = strconv.ParseFloat(num, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) || (percent && v > 100) {
		return 0, false, fmt.Errorf("plot: -max %q: want a density > 0 or a percentile such as 99%%", s)
	}
	return v, percent, nil
}

// percentile returns the p-th percentile of the flow's density on the grid
// of the density figure, or 0 (the grid's maximum) where it is 0: a colour
// scale topped there keeps a few sharp peaks from darkening the rest.
func percentile(flow *train.Flow, p float64, b viz.Bounds, grid int) (float64, error) {
	g, err := viz.DensityGrid(flow, b, grid, grid)
	if err != nil {
		return 0, err
	}
	vals := slices.Clone(g.Values)
	slices.Sort(vals)
	top := vals[min(len(vals)-1, int(math.Ceil(p/100*float64(len(vals))))-1)]
	if !(top > 0) {
		return 0, nil
	}
	return top, nil
}

// figureNames are the figures plot draws, in the order it writes them.
var figureNames = []string{"tutorial", "density", "paths"}

// parseOnly reads -only: the set of figures to write, all of them for "".
func parseOnly(s string) (map[string]bool, error) {
	want := map[string]bool{}
	if s == "" {
		for _, name := range figureNames {
			want[name] = true
		}
		return want, nil
	}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(figureNames, f) {
			return nil, fmt.Errorf("plot: -only %q: want names from %v separated by commas", s, figureNames)
		}
		want[f] = true
	}
	return want, nil
}

// parseFloats reads exactly count comma-separated finite numbers.
func parseFloats(s string, count int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != count {
		return nil, fmt.Errorf("%q: want %d numbers, got %d", s, count, len(parts))
	}
	v := make([]float64, count)
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q: %q is not a finite number", s, p)
		}
		v[i] = f
	}
	return v, nil
}

// squareAround returns the square centred on the bounding box of the 2-D
// points x whose side is the box's longer side plus a tenth on each side.
func squareAround(x *tensor.Dense) viz.Bounds {
	v := x.Float64s()
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	for i := 0; i+1 < len(v); i += 2 {
		for j := range 2 {
			lo[j] = min(lo[j], v[i+j])
			hi[j] = max(hi[j], v[i+j])
		}
	}
	half := max(hi[0]-lo[0], hi[1]-lo[1], 1e-3) * 0.6
	cx, cy := (lo[0]+hi[0])/2, (lo[1]+hi[1])/2
	return viz.Bounds{XMin: cx - half, XMax: cx + half, YMin: cy - half, YMax: cy + half}
}

func readCSV(path string) (*tensor.Dense, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	x, _, err := datasets.ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}

func writeCSV(path string, stdout io.Writer, x *tensor.Dense, header []string) error {
	if path == "" {
		return datasets.WriteCSV(stdout, x, header)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := datasets.WriteCSV(f, x, header); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
