// Command moons re-creates the TensorFlow Probability FFJORD tutorial in Go:
// four FFJORD blocks with MLP dynamics trained on two moons by maximum
// likelihood, then evaluated on fresh points.
//
//	go run ./examples/moons -epochs 40 -out out/moons
//
// It prints one line per epoch and, at the end, test_nll=<value> on 8192
// fresh points. The output directory receives the model (model.json), the
// tutorial's four-panel figure before and after training, the exact density,
// the paths of a few points through the blocks, the loss curve and an
// animation of training (one frame per epoch).
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"github.com/ffjord-go/ffjord-go/viz"
	"gorgonia.org/tensor"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "moons:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		epochs   = flag.Int("epochs", 40, "training epochs (the tutorial's 40)")
		seed     = flag.Uint64("seed", 3, "seed of the data, the weights and the shuffling (3 gives a typical run: see README)")
		n        = flag.Int("n", 8192, "training points")
		testN    = flag.Int("test-n", 8192, "fresh points for the test NLL")
		batch    = flag.Int("batch", 256, "batch size")
		lr       = flag.Float64("lr", 1e-2, "Adam learning rate")
		cosine   = flag.Float64("cosine", 0, "if > 0, decay the learning rate along a cosine to this fraction of -lr")
		clip     = flag.Float64("clip", 0, "if > 0, clip each gradient to this L2 norm")
		blocks   = flag.Int("blocks", 4, "FFJORD blocks")
		hidden   = flag.String("hidden", "8,8", "hidden widths of each block's MLP")
		learnT   = flag.Bool("learn-time", false, "learn each block's end time T (FFJORD's train_T)")
		timeIn   = flag.String("time", "concat", "time conditioning: concat (the tutorial's), concat-single, concatsquash or ignore")
		gradient = flag.String("gradient", "adjoint", "gradient mode: adjoint or discrete")
		trace    = flag.String("trace", "exact", "trace estimator for training: exact, hutchinson-gaussian or hutchinson-rademacher")
		kinetic  = flag.Float64("kinetic", 0, "weight of RNODE's kinetic-energy regulariser")
		jacobian = flag.Float64("jacobian", 0, "weight of RNODE's Jacobian-norm regulariser")
		rtol     = flag.Float64("rtol", 1e-3, "relative tolerance of Dormand–Prince")
		atol     = flag.Float64("atol", 1e-5, "absolute tolerance of Dormand–Prince")
		out      = flag.String("out", "out/moons", "output directory")
		figures  = flag.Bool("figures", true, "draw the figures")
		format   = flag.String("format", "png", "figure format: png, svg or pdf")
		quiet    = flag.Bool("quiet", false, "no progress bar")
	)
	flag.Parse()

	mode, err := ode.ParseGradient(*gradient)
	if err != nil {
		return err
	}
	tr, err := odefunc.ParseTrace(*trace)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	data, err := datasets.Moons(*n, datasets.MoonsNoise, true, rand.NewPCG(*seed, 1))
	if err != nil {
		return err
	}
	solver := ode.Settings{Controller: ode.Adaptive{RTol: *rtol, ATol: *atol}}
	widths, err := train.ParseHidden(*hidden)
	if err != nil {
		return fmt.Errorf("-hidden: %w", err)
	}
	timeInput, err := odefunc.ParseTimeInput(*timeIn)
	if err != nil {
		return err
	}
	cfg := train.FlowConfig{Dim: 2, Blocks: *blocks, Hidden: widths, Time: timeInput, LearnTime: *learnT}
	flow, err := train.NewFlow(cfg, train.Settings{Solver: solver, Gradient: mode, Trace: tr}, rand.NewPCG(*seed, 2))
	if err != nil {
		return err
	}
	opts := train.Options{
		Epochs: *epochs, BatchSize: *batch, LearningRate: *lr, ClipNorm: *clip,
		Seed: *seed, Progress: os.Stdout,
		Regularization: train.Regularization{Kinetic: *kinetic, Jacobian: *jacobian},
		Checkpoint:     filepath.Join(*out, "model.json"),
	}
	if *quiet {
		opts.Progress = nil
		opts.OnEpoch = func(s train.EpochStats) error { fmt.Println(train.FormatEpoch(s)); return nil }
	}
	if *cosine > 0 {
		opts.Schedule = train.Cosine(*cosine)
	}
	figure := func(name string) string { return filepath.Join(*out, name+"."+*format) }
	var gif viz.GIFRecorder
	if *figures {
		before, err := viz.TutorialFigure(pictured(flow), data, viz.TutorialOptions{Autoscale: true})
		if err != nil {
			return err
		}
		if err := before.Save(figure("tutorial_before")); err != nil {
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
	}
	trainer, err := train.NewTrainer(flow, opts)
	if err != nil {
		return err
	}
	fmt.Printf("moons: %d points, %d blocks, %s gradients, %s trace, rtol %g atol %g, %d epochs\n",
		*n, *blocks, mode, tr, *rtol, *atol, *epochs)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	if err := trainer.Run(ctx, data); err != nil {
		return err
	}
	trainSeconds := time.Since(start).Seconds()

	test, err := datasets.Moons(*testN, datasets.MoonsNoise, true, rand.NewPCG(*seed+1000, 3))
	if err != nil {
		return err
	}
	nll, err := flow.NLL(test) // with the exact trace, whatever trained it
	if err != nil {
		return err
	}
	fmt.Printf("train_seconds=%.1f\n", trainSeconds)
	fmt.Printf("test_nll=%.4f\n", nll)
	if !*figures {
		return nil
	}
	return drawAfter(flow, data, trainer.History(), nll, &gif, figure, filepath.Join(*out, "training.gif"))
}

// drawAfter writes the figures of the trained model.
func drawAfter(flow *train.Flow, data *tensor.Dense, history []train.EpochStats, testNLL float64,
	gif *viz.GIFRecorder, figure func(string) string, gifPath string) error {
	after, err := viz.TutorialFigure(pictured(flow), data, viz.TutorialOptions{})
	if err != nil {
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
