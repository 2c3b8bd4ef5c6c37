// Command ffjord trains continuous normalizing flows on CSV files or toy data
// sets and uses saved models.
//
//	ffjord train   -data points.csv|-toy NAME [-epochs N] -model model.json
//	ffjord logprob -model model.json -in points.csv [-out logp.csv]
//	ffjord sample  -model model.json -n 1000 [-seed S] [-out samples.csv]
//	ffjord plot    -model model.json [-data points.csv|-toy NAME] -out DIR
//
// Errors are one line on standard error and a non-zero exit status.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
	"gorgonia.org/tensor"
)

const usage = `usage:
  ffjord train   (-data points.csv | -toy NAME) -model model.json [flags]
  ffjord logprob -model model.json -in points.csv [-out logp.csv]
  ffjord sample  -model model.json -n COUNT [-seed S] [-out samples.csv]
  ffjord plot    -model model.json [-data points.csv | -toy NAME] [-out DIR] [-format png|svg|pdf]
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
		model    = fs.String("model", "model.json", "where to save the model")
		resume   = fs.Bool("resume", false, "continue the training saved in -model")
		epochs   = fs.Int("epochs", 40, "total training epochs")
		batchSz  = fs.Int("batch", 256, "batch size")
		lr       = fs.Float64("lr", 1e-2, "Adam learning rate")
		blocks   = fs.Int("blocks", 4, "FFJORD blocks")
		hidden   = fs.Int("hidden", 8, "width of the two hidden layers")
		gradient = fs.String("gradient", "adjoint", "adjoint or discrete")
		trace    = fs.String("trace", "exact", "exact, hutchinson-gaussian or hutchinson-rademacher")
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
	mode, err := ffjord.ParseGradientMode(*gradient)
	if err != nil {
		return err
	}
	tr, err := odefunc.ParseTrace(*trace)
	if err != nil {
		return err
	}
	opts := train.Options{Epochs: *epochs, BatchSize: *batchSz, LearningRate: *lr, Gradient: mode, Seed: *seed, Progress: stdout, Checkpoint: *model}
	var trainer *train.Trainer
	if *resume {
		ck, err := train.Load(*model)
		if err != nil {
			return err
		}
		if trainer, err = train.Resume(ck, opts); err != nil {
			return err
		}
	} else {
		settings := train.Settings{Solver: ode.Settings{RTol: *rtol, ATol: *atol}, Trace: tr}
		cfg := train.FlowConfig{Dim: x.Shape()[1], Blocks: *blocks, Hidden: []int{*hidden, *hidden}}
		flow, err := train.NewFlow(cfg, settings, rand.NewPCG(*seed, 2))
		if err != nil {
			return err
		}
		if trainer, err = train.NewTrainer(flow, opts); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := trainer.Run(ctx, x); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "saved %s\n", *model)
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
	if err := fs.Parse(args); err != nil {
		return err
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
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	tutorial, err := viz.TutorialFigure(ck.Flow, x, viz.TutorialOptions{})
	if err != nil {
		return err
	}
	density, err := viz.DensityHeatmap(ck.Flow, viz.DensityOptions{})
	if err != nil {
		return err
	}
	paths, err := viz.Paths(ck.Flow, x, viz.PathOptions{})
	if err != nil {
		return err
	}
	for name, f := range map[string]*viz.Figure{"tutorial": tutorial, "density": density, "paths": paths} {
		path := filepath.Join(*out, name+"."+*format)
		if err := f.Save(path); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	return nil
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
