// Command moons re-creates the TensorFlow Probability FFJORD tutorial in Go:
// four FFJORD blocks with MLP dynamics trained on two moons by maximum
// likelihood (or, with -objective cfm or otcfm, by flow matching), then
// evaluated on fresh points.
//
//	go run ./examples/moons -epochs 40 -out out/moons
//
// It prints one line per epoch (none with -quiet) and, at the end,
// sample_nfe= (the dynamics evaluations of sampling 8192 points) and, last,
// test_nll=<value> on 8192 fresh points (the exact trace, whatever the
// objective). The output directory receives the model (model.json), the
// tutorial's four-panel figure before and after training, the exact density,
// the paths of a few points through the blocks, the loss curve and an
// animation of training (the untrained model, then one frame per epoch,
// the last the final figure's density).
//
// The model, solver and training flags are those of ffjord train; every
// flag and output path is checked before training starts. Unlike ffjord
// train, moons has no -resume and replaces the files of its -out
// directory, model.json included, on every run: its output is a fresh
// run by design, and reruns of the same command give the same files. SIGINT or SIGTERM
// stop training after the current batch, keeping the last epoch's model.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
	"gorgonia.org/tensor"
)

func main() { cli.Main("moons", run) }

// figureNames are the figures written with -figures, besides training.gif.
var figureNames = []string{"tutorial_before", "tutorial_after", "density", "paths", "loss"}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	// The set has no name: cli.Main prefixes errors with the program's.
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fl := cli.Register(fs, 3) // 3 gives a typical run: see README
	rf := cli.RegisterRun(fs, "training points", "fresh points for the test NLL", "out/moons", "draw the figures")
	if err := cli.Parse(fs, "moons [flags]", args, stdout); err != nil {
		return err
	}
	for _, err := range []error{fl.Check(), rf.Check()} {
		if err != nil {
			return err
		}
	}
	cfg, settings, opts, err := fl.Training(2)
	if err != nil {
		return err
	}
	figure, err := prepareOutputs(rf)
	if err != nil {
		return err
	}
	model := filepath.Join(rf.Out, "model.json")
	lock, err := cli.LockModel("out", model)
	if err != nil {
		return err
	}
	defer lock.Unlock()

	data, err := datasets.Moons(rf.N, datasets.MoonsNoise, true, rand.NewPCG(fl.Seed, 1))
	if err != nil {
		return err
	}
	flow, err := train.NewFlow(cfg, settings, rand.NewPCG(fl.Seed, 2))
	if err != nil {
		return err
	}
	opts.Save = checkpoint.Saver(model, flow, checkpoint.Codec{})
	if !rf.Quiet {
		opts.Progress = stdout // a live bar on a terminal, and a line per epoch
	}
	var gif viz.GIFRecorder
	if rf.Figures {
		if err := drawBefore(flow, data, &opts, &gif, figure("tutorial_before")); err != nil {
			return err
		}
	}
	trainer, err := train.NewTrainer(flow, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "moons: %d points, %d blocks, %s gradients, %s trace, rtol %g atol %g, %d epochs, objective %v\n",
		rf.N, cfg.Blocks, settings.Gradient, settings.Trace, fl.RTol, fl.ATol, opts.Epochs, opts.Objective)

	start := time.Now()
	if err := trainer.Run(ctx, data); err != nil {
		return cli.Stopped(ctx, err, model, trainer.Epoch())
	}
	trainSeconds := time.Since(start).Seconds()
	if err := cli.StopOn(ctx, flow); err != nil { // the test NLL and the figures
		return err
	}

	nll, nfe, err := evaluate(flow, rf.TestN, fl.Seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "train_seconds=%.1f\n", trainSeconds)
	fmt.Fprintf(stdout, "sample_nfe=%.1f\n", nfe)
	fmt.Fprintf(stdout, "test_nll=%.4f\n", nll)
	if !rf.Figures {
		return nil
	}
	return drawAfter(flow, data, trainer.History(), nll, &gif, figure, filepath.Join(rf.Out, "training.gif"))
}

// evaluate returns the test NLL of n fresh moons (with the exact trace,
// whatever trained the flow) and the NFE per point of sampling n points.
func evaluate(flow *train.Flow, n int, seed uint64) (nll, nfe float64, err error) {
	test, err := datasets.Moons(n, datasets.MoonsNoise, true, rand.NewPCG(seed+1000, 3))
	if err != nil {
		return 0, 0, err
	}
	if nll, err = flow.NLL(test); err != nil {
		return 0, 0, err
	}
	nfe, err = flow.SampleNFE(n)
	return nll, nfe, err
}

// prepareOutputs makes the output directory and checks that the model
// and, with -figures, every figure can be written there; it returns the
// path of the figure of a name.
func prepareOutputs(rf *cli.RunFlags) (figure func(name string) string, err error) {
	if err := os.MkdirAll(rf.Out, 0o755); err != nil {
		return nil, fmt.Errorf("-out: %w", err)
	}
	figure = func(name string) string { return filepath.Join(rf.Out, name+"."+rf.Format) }
	outputs := []cli.Named{cli.Out("out", filepath.Join(rf.Out, "model.json"))}
	if rf.Figures {
		for _, name := range figureNames {
			outputs = append(outputs, cli.Out("out", figure(name)))
		}
		outputs = append(outputs, cli.Out("out", filepath.Join(rf.Out, "training.gif")))
	}
	return figure, cli.CheckFiles(nil, outputs)
}

// drawBefore writes the tutorial's figure of the untrained model and makes
// opts.OnEpoch add a frame of each epoch's model to gif.
func drawBefore(flow *train.Flow, data *tensor.Dense, opts *train.Options, gif *viz.GIFRecorder, path string) error {
	before, err := viz.TutorialFigure(pictured(flow), data, viz.TutorialOptions{Autoscale: true})
	if err != nil {
		return err
	}
	if err := before.Save(path); err != nil {
		return err
	}
	if err := gif.AddFlow(flow, "epoch 0"); err != nil {
		return err
	}
	report := opts.OnEpoch
	opts.OnEpoch = func(s train.EpochStats) error {
		if report != nil {
			if err := report(s); err != nil {
				return err
			}
		}
		return gif.AddFlow(flow, fmt.Sprintf("epoch %d", s.Epoch))
	}
	return nil
}

// drawAfter writes the figures of the trained model.
func drawAfter(flow *train.Flow, data *tensor.Dense, history []train.EpochStats, testNLL float64,
	gif *viz.GIFRecorder, figure func(string) string, gifPath string) error {
	snap, err := viz.TakeSnapshot(pictured(flow), data, viz.TutorialOptions{})
	if err != nil {
		return err
	}
	after, err := snap.Figure(viz.TutorialOptions{})
	if err != nil {
		return err
	}
	// The animation ends on the final figure's density, the KDE of its
	// 8192 samples, in place of the last epoch's frame of 2048: that frame
	// is drawn all the same, so that the samples drawn before sample_nfe
	// are as they were.
	last, err := viz.SampleDensityFigure(snap.Samples, fmt.Sprintf("epoch %d", len(history)))
	if err != nil {
		return err
	}
	if err := gif.SetFigure(gif.Len()-1, last); err != nil {
		return err
	}
	density, err := viz.DensityHeatmap(flow, viz.DensityOptions{})
	if err != nil {
		return err
	}
	paths, err := viz.Paths(flow, data, viz.PathOptions{Base: viz.SampleFunc(flow.SampleBase)})
	if err != nil {
		return err
	}
	losses := make([]float64, len(history))
	for i, h := range history {
		losses[i] = h.Loss
	}
	loss, err := viz.LossCurve(losses, testNLL)
	if err != nil {
		return err
	}
	for name, f := range map[string]*viz.Figure{"tutorial_after": after, "density": density, "paths": paths, "loss": loss} {
		if err := f.Save(figure(name)); err != nil {
			return err
		}
	}
	return gif.Save(gifPath)
}

// pictured is what the tutorial's figure draws of flow.
func pictured(flow *train.Flow) viz.Model {
	return viz.Model{Base: viz.SampleFunc(flow.SampleBase), Forward: flow, Samples: flow}
}
