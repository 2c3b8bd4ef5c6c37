// Command matching trains the same continuous flow by maximum likelihood
// (MLE, through the ODE solver) and by flow matching (CFM and OT-CFM) on
// three toy sets, at two widths, and prints one table of the results:
//
//	go run ./examples/matching
//
// Every run is one FFJORD block with an MLP field (tanh), a standard
// normal base, batches of 256 from 8192 training points, Adam with cosine
// decay to 1% of -lr; -mle-epochs for MLE and -fm-epochs for flow
// matching. The test NLL (nats, exact trace, -test-n fresh points) is taken
// every -eval-every epochs, outside the training clock; the table gives
// the last one, the training seconds, the seconds until the NLL was first
// within -gap of the best final NLL on that data set, and the dynamics
// evaluations of sampling the test points at the default tolerances.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
)

func main() { cli.Main("matching", run) }

// config is what the flags set.
type config struct {
	widths              []string
	sets                []string
	mleEpochs, fmEpochs int
	evalEvery, n, testN int
	lr, sigma, gap      float64
	seed                uint64
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	var (
		mleEpochs = fs.Int("mle-epochs", 10, "epochs of maximum likelihood (32 steps each)")
		fmEpochs  = fs.Int("fm-epochs", 60, "epochs of flow matching (32 steps each)")
		evalEvery = fs.Int("eval-every", 2, "epochs between test NLLs for MLE; flow matching's are 10× as many")
		sets      = fs.String("sets", "moons,8gaussians,checkerboard", "toy data sets, comma-separated")
		objs      = fs.String("objectives", "mle,cfm,otcfm", "objectives, comma-separated")
		lr        = fs.Float64("lr", 1e-2, "Adam learning rate, cosine decay to 1%")
		sigma     = fs.Float64("sigma-min", 0.01, "width of flow matching's paths")
		gap       = fs.Float64("gap", 0.1, "the NLL to reach is the data set's best final NLL plus this")
		testN     = fs.Int("test-n", 4096, "fresh points for the test NLL and the sampling NFE")
		narrow    = fs.String("hidden", "64,64", "the tutorial width")
		wide      = fs.String("wide", "128,128", "the wider field")
		seed      = fs.Uint64("seed", 1, "random seed")
	)
	if err := cli.Parse(fs, "matching [flags]", args, stdout); err != nil {
		return err
	}
	setNames, err := cli.SplitNames("sets", *sets)
	if err != nil {
		return err
	}
	objNames, err := cli.SplitNames("objectives", *objs)
	if err != nil {
		return err
	}
	cfg := config{widths: []string{*narrow, *wide}, sets: setNames,
		mleEpochs: *mleEpochs, fmEpochs: *fmEpochs, evalEvery: *evalEvery, n: 8192, testN: *testN,
		lr: *lr, sigma: *sigma, gap: *gap, seed: *seed}
	for _, err := range []error{cli.CheckInt("mle-epochs", cfg.mleEpochs, 1, 100_000), cli.CheckInt("fm-epochs", cfg.fmEpochs, 1, 100_000),
		cli.CheckInt("eval-every", cfg.evalEvery, 1, 100_000), cli.CheckInt("test-n", cfg.testN, 1, cli.MaxSamples)} {
		if err != nil {
			return err
		}
	}
	if !(cfg.lr > 0 && cfg.lr < 1) || !(cfg.gap >= 0) || math.IsInf(cfg.gap, 0) {
		return fmt.Errorf("-lr %g, -gap %g: want 0 < lr < 1 and a finite gap ≥ 0", cfg.lr, cfg.gap)
	}
	for _, w := range cfg.widths {
		if _, err := train.ParseHidden(w); err != nil {
			return err
		}
	}
	for _, set := range cfg.sets {
		if _, err := datasets.ByName(set, 1, rand.NewPCG(1, 1)); err != nil {
			return fmt.Errorf("-sets: %w", err)
		}
	}
	crits, err := criteria(objNames, *objs, cfg.sigma)
	if err != nil {
		return err
	}
	var table strings.Builder
	fmt.Fprintf(&table, "| data | field | objective | epochs (steps) | test NLL | train s | s to NLL ≤ target | sample NFE |\n|---|---|---|---|---|---|---|---|\n")
	for _, set := range cfg.sets {
		if err := runSet(ctx, cfg, set, crits, stdout, &table); err != nil {
			return err
		}
	}
	_, err = io.WriteString(stdout, table.String())
	return err
}

// criteria parses the -objectives names (the flag's text is list).
func criteria(names []string, list string, sigma float64) ([]train.Criterion, error) {
	var crits []train.Criterion
	for _, name := range names {
		if name == "" {
			// ParseCriterion reads "" as mle: an empty entry would
			// silently add a run nobody asked for.
			return nil, fmt.Errorf("-objectives %q: an empty name; want mle, cfm or otcfm separated by commas", list)
		}
		crit, err := train.ParseCriterion(name, sigma)
		if err != nil {
			return nil, fmt.Errorf("-objectives: %w", err)
		}
		crits = append(crits, crit)
	}
	return crits, nil
}

// runSet trains every width and objective on set, prints a line of each
// run and adds the set's rows to table, with the time each run took to
// reach the set's best final NLL plus the gap.
func runSet(ctx context.Context, cfg config, set string, crits []train.Criterion, stdout io.Writer, table *strings.Builder) error {
	var results []result
	for _, w := range cfg.widths {
		for _, crit := range crits {
			r, err := trainOne(ctx, cfg, set, w, crit)
			if err != nil {
				return fmt.Errorf("%s, %s, %v: %w", set, w, crit, err)
			}
			fmt.Fprintf(stdout, "run data=%s field=%s objective=%s test_nll=%.4f train_seconds=%.1f sample_nfe=%.1f\n", set, w, r.crit, r.nll, r.seconds, r.nfe)
			results = append(results, r)
		}
	}
	best := math.Inf(1)
	for _, r := range results {
		best = min(best, r.nll)
	}
	target := best + cfg.gap
	for _, r := range results {
		reach := "—"
		if s, ok := r.reach(target); ok {
			reach = fmt.Sprintf("%.1f", s)
		}
		fmt.Fprintf(table, "| %s | %s | %s | %d (%d) | %.4f | %.1f | %s (≤ %.3f) | %.1f |\n",
			set, r.width, r.crit, r.epochs, r.steps, r.nll, r.seconds, reach, target, r.nfe)
	}
	return nil
}

// result is one run: its final figures and its NLL curve against the
// training clock.
type result struct {
	width, crit   string
	epochs, steps int
	nll, seconds  float64
	nfe           float64
	curve         []point
}

type point struct{ seconds, nll float64 }

// reach returns the training seconds until the test NLL was first ≤ target.
func (r result) reach(target float64) (float64, bool) {
	for _, p := range r.curve {
		if p.nll <= target {
			return p.seconds, true
		}
	}
	return 0, false
}

// trainOne trains one flow on one data set with one criterion.
func trainOne(ctx context.Context, cfg config, set, width string, crit train.Criterion) (result, error) {
	hidden, err := train.ParseHidden(width)
	if err != nil {
		return result{}, err
	}
	data, err := datasets.ByName(set, cfg.n, rand.NewPCG(cfg.seed, 1))
	if err != nil {
		return result{}, err
	}
	test, err := datasets.ByName(set, cfg.testN, rand.NewPCG(cfg.seed+1000, 3))
	if err != nil {
		return result{}, err
	}
	flow, err := train.NewFlow(train.FlowConfig{Dim: 2, Blocks: 1, Hidden: hidden, BaseStd: []float64{1, 1}}, train.Settings{}, rand.NewPCG(cfg.seed, 2))
	if err != nil {
		return result{}, err
	}
	epochs, every := cfg.mleEpochs, cfg.evalEvery
	if crit != (train.MLE{}) {
		epochs, every = cfg.fmEpochs, 10*cfg.evalEvery
	}
	r := result{width: width, crit: label(crit), epochs: epochs, steps: epochs * (cfg.n / 256)}
	opts := train.Options{Epochs: epochs, LearningRate: cfg.lr, Schedule: train.Cosine(0.01), Seed: cfg.seed, Objective: crit,
		OnEpoch: func(s train.EpochStats) error {
			r.seconds += s.Seconds
			if s.Epoch%every != 0 && s.Epoch != epochs {
				return nil
			}
			nll, err := flow.NLL(test)
			r.curve = append(r.curve, point{r.seconds, nll})
			return err
		}}
	tr, err := train.NewTrainer(flow, opts)
	if err != nil {
		return result{}, err
	}
	if err := tr.Run(ctx, data); err != nil {
		return result{}, err
	}
	r.nll = r.curve[len(r.curve)-1].nll
	if r.nfe, err = flow.SampleNFE(cfg.testN); err != nil {
		return result{}, err
	}
	return r, nil
}

// label names a criterion in the table.
func label(c train.Criterion) string {
	switch c := c.(type) {
	case train.CFM:
		return fmt.Sprintf("CFM σ=%g", c.SigmaMin)
	case train.OTCFM:
		return fmt.Sprintf("OT-CFM σ=%g", c.SigmaMin)
	}
	return "MLE"
}
