// Command conditional trains conditional flows p(x | c) on two data sets
// and draws p(x | c) for several contexts side by side:
//
//   - moons: two moons, conditioned on the arc a point comes from, c the
//     one-hot label (1, 0) for the upper arc and (0, 1) for the lower;
//   - rotated: the eight Gaussians turned about the origin by an angle θ
//     drawn uniformly from [0, π/4) (datasets.RotatedEightGaussians),
//     conditioned on c = θ/(π/8) − 1, the angle scaled to [−1, 1).
//
// Run it as
//
//	go run ./examples/conditional -set both -epochs 12 -out out/conditional
//
// (those are the defaults; the model defaults are -hidden 16,16 -batch 64
// -cosine 0.05, other flags as ffjord train's).
//
// For each set it prints one line per epoch (none with -quiet), then a line
// "set=NAME test_nll=… train_seconds=…", the conditional NLL
// −mean log p(x | c) on -test-n fresh pairs (another seed) with the exact
// trace. The last line is test_nll=<value> of the first set run: moons for
// -set both. The output directory receives each set's model (NAME.json,
// loadable by ffjord logprob and sample) and, with -figures, its densities
// p(x | c) for several c in one row (NAME_density.png).
//
// The model, solver and training flags are those of ffjord train, with
// -context-input; the context's width is fixed by the set. Every flag and
// output is checked before training starts.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gorgonia.org/tensor"
)

func main() { cli.Main("conditional", run) }

// dataSet is a conditional data set and the contexts its figure shows.
type dataSet struct {
	name    string
	context int // C
	draw    func(n int, src rand.Source) (x, c *tensor.Dense, err error)
	shown   []shownContext
	bounds  viz.Bounds
}

// shownContext is one panel of a set's figure: p(x | c) for this c.
// The colour scale is set by the contexts of the data; an unseen one's
// density may be sharper, and is drawn on that scale, saturating.
type shownContext struct {
	title  string
	c      []float64
	unseen bool
}

var sets = []dataSet{
	{
		name: "moons", context: 2, draw: labelledMoons, bounds: viz.DensityBounds,
		shown: []shownContext{
			{"c = (1, 0): upper arc", []float64{1, 0}, false},
			{"c = (0, 1): lower arc", []float64{0, 1}, false},
			{"c = (0.5, 0.5): never seen", []float64{0.5, 0.5}, true},
		},
	},
	{
		name: "rotated", context: 1, draw: rotated, bounds: viz.Bounds{XMin: -4, XMax: 4, YMin: -4, YMax: 4},
		shown: []shownContext{
			{"θ = 0", []float64{angleContext(0)}, false},
			{"θ = π/16", []float64{angleContext(math.Pi / 16)}, false},
			{"θ = π/8", []float64{angleContext(math.Pi / 8)}, false},
			{"θ = 3π/16", []float64{angleContext(3 * math.Pi / 16)}, false},
		},
	},
}

// labelledMoons draws two moons with their one-hot arcs as the context.
func labelledMoons(n int, src rand.Source) (x, c *tensor.Dense, err error) {
	x, labels, err := datasets.MoonsLabeled(n, datasets.MoonsNoise, true, src)
	if err != nil {
		return nil, nil, err
	}
	v := make([]float64, 2*n)
	for i, l := range labels {
		v[2*i+l] = 1
	}
	return x, tensor.New(tensor.WithShape(n, 2), tensor.WithBacking(v)), nil
}

// rotated draws the eight Gaussians turned by θ, with the context
// angleContext(θ).
func rotated(n int, src rand.Source) (x, c *tensor.Dense, err error) {
	x, angles, err := datasets.RotatedEightGaussians(n, src)
	if err != nil {
		return nil, nil, err
	}
	for i, a := range angles {
		angles[i] = angleContext(a)
	}
	return x, tensor.New(tensor.WithShape(n, 1), tensor.WithBacking(angles)), nil
}

// angleContext scales θ in [0, π/4) to [−1, 1): the networks learn faster
// from a context of unit scale than from radians (test NLL 3.13 against
// 3.21 after the same short training).
func angleContext(theta float64) float64 { return theta/(datasets.MaxRotation/2) - 1 }

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fl := cli.Register(fs, 1)
	fl.RegisterContextInput()
	for name, value := range map[string]string{"hidden": "16,16", "epochs": "12", "batch": "64", "cosine": "0.05"} {
		cli.SetDefault(fs, name, value)
	}
	set := fs.String("set", "both", "data set: moons, rotated or both")
	rf := cli.RegisterRun(fs, "training pairs per set", "fresh pairs for the test NLL", "out/conditional", "draw p(x | c) for several c")
	if err := cli.Parse(fs, "conditional [-set moons|rotated|both] [flags]", args, stdout); err != nil {
		return err
	}
	for _, err := range []error{fl.Check(), rf.Check()} {
		if err != nil {
			return err
		}
	}
	var chosen []dataSet
	for _, s := range sets {
		if *set == s.name || *set == "both" {
			chosen = append(chosen, s)
		}
	}
	if len(chosen) == 0 {
		return fmt.Errorf("-set %q: want moons, rotated or both", *set)
	}
	// Every model and figure is checked, and locked, before any training.
	if err := os.MkdirAll(rf.Out, 0o755); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	var outputs []cli.Named
	for _, s := range chosen {
		outputs = append(outputs, cli.Out("out", filepath.Join(rf.Out, s.name+".json")))
		if rf.Figures {
			outputs = append(outputs, cli.Out("out", filepath.Join(rf.Out, s.name+"_density."+rf.Format)))
		}
	}
	if err := cli.CheckFiles(nil, outputs); err != nil {
		return err
	}
	configs := make([]train.FlowConfig, len(chosen))
	for i, s := range chosen {
		fl.Context = s.context
		cfg, err := fl.FlowConfig(2)
		if err != nil {
			return err
		}
		configs[i] = cfg
		lock, err := cli.LockModel("out", filepath.Join(rf.Out, s.name+".json"))
		if err != nil {
			return err
		}
		defer lock.Unlock()
	}

	var first float64
	for i, s := range chosen {
		flow, nll, err := trainSet(ctx, s, configs[i], fl, rf.N, rf.TestN, rf.Out, rf.Quiet, stdout)
		if err != nil {
			return err
		}
		if i == 0 {
			first = nll
		}
		if !rf.Figures {
			continue
		}
		path := filepath.Join(rf.Out, s.name+"_density."+rf.Format)
		if err := drawDensities(flow, s, path); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	fmt.Fprintf(stdout, "test_nll=%.4f\n", first)
	return nil
}

// trainSet trains a conditional flow of cfg on set s, saving it to
// OUT/NAME.json, and returns it with its test NLL.
func trainSet(ctx context.Context, s dataSet, cfg train.FlowConfig, fl *cli.Flags, n, testN int, out string, quiet bool, stdout io.Writer) (*train.Flow, float64, error) {
	settings, err := fl.Settings()
	if err != nil {
		return nil, 0, err
	}
	opts, err := fl.Options()
	if err != nil {
		return nil, 0, err
	}
	model := filepath.Join(out, s.name+".json")
	if !quiet {
		opts.Progress = stdout // a live bar on a terminal, and a line per epoch
	}
	x, c, err := s.draw(n, rand.NewPCG(fl.Seed, 1))
	if err != nil {
		return nil, 0, err
	}
	xt, ct, err := s.draw(testN, rand.NewPCG(fl.Seed+1000, 3))
	if err != nil {
		return nil, 0, err
	}
	flow, err := train.NewFlow(cfg, settings, rand.NewPCG(fl.Seed, 2))
	if err != nil {
		return nil, 0, err
	}
	opts.Save = checkpoint.Saver(model, flow, checkpoint.Codec{})
	trainer, err := train.NewTrainer(flow, opts)
	if err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(stdout, "%s: %d pairs, context of %d (%s), %d blocks of %s, %d epochs\n",
		s.name, n, cfg.Context, cfg.ContextInput, cfg.Blocks, fl.Hidden, opts.Epochs)
	start := time.Now()
	if err := trainer.RunContext(ctx, x, c); err != nil {
		return nil, 0, cli.Stopped(ctx, err, model, trainer.Epoch())
	}
	seconds := time.Since(start).Seconds()
	nll, err := flow.NLLContext(xt, ct) // exact trace, whatever trained it
	if err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(stdout, "set=%s test_nll=%.4f train_seconds=%.1f\n", s.name, nll, seconds)
	return flow, nll, nil
}

// drawDensities draws p(x | c) for each context s shows, in one row, on
// the colour scale of the highest density of the data's contexts.
func drawDensities(flow *train.Flow, s dataSet, path string) error {
	given := func(c []float64) viz.LogProbFunc {
		return func(x *tensor.Dense) ([]float64, error) {
			rows := x.Shape()[0]
			v := make([]float64, 0, rows*len(c))
			for range rows {
				v = append(v, c...)
			}
			return flow.LogProbContext(x, tensor.New(tensor.WithShape(rows, len(c)), tensor.WithBacking(v)))
		}
	}
	peak := 0.0
	for _, sc := range s.shown {
		if sc.unseen {
			continue
		}
		g, err := viz.DensityGrid(given(sc.c), s.bounds, 100, 100)
		if err != nil {
			return err
		}
		peak = max(peak, g.Max())
	}
	const side = 4 * vg.Inch
	aspect := (s.bounds.YMax - s.bounds.YMin) / (s.bounds.XMax - s.bounds.XMin)
	var panels, bars []*plot.Plot
	for _, sc := range s.shown {
		f, err := viz.DensityHeatmap(given(sc.c), viz.DensityOptions{Bounds: s.bounds, Max: peak})
		if err != nil {
			return err
		}
		p := f.Plots[0][0]
		p.Title.Text = fmt.Sprintf("%s: p(x | c)", sc.title)
		panels = append(panels, p)
		bars = append(bars, nil)
		if len(f.ColorBars) > 0 && len(f.ColorBars[0]) > 0 {
			bars[len(bars)-1] = f.ColorBars[0][0]
		}
	}
	// One colour scale for every panel: its bar beside the last one.
	for i := range bars[:len(bars)-1] {
		bars[i] = nil
	}
	fig := viz.NewFigure(vg.Length(len(panels))*side+viz.ColorBarWidth, side*vg.Length(aspect)+vg.Inch/2, panels...)
	fig.ColorBars = [][]*plot.Plot{bars}
	return fig.Save(path)
}
