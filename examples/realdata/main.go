// Command realdata trains the real-data recipe (train.NewStart) on the
// data sets shipped with the library and prints, for each, a markdown
// table row of its held-out NLL beside the classical baselines:
//
//	go run ./examples/realdata [-sets iris,wine] [-budget 3m]
//
// For each set it shuffles the rows with -seed, holds out 20% as test rows
// and 10% of the rest as validation rows, and adds uniform [0, 1) noise to
// the columns whose values are all integers (datasets.DiscreteColumns).
// The baselines (train.FitBaselines) are a full-covariance Gaussian and a
// Gaussian mixture whose size and ridge are chosen on the validation rows,
// both refitted to the training and validation rows. The flow starts, for
// each -preprocess, at its preprocessing and a mixture base chosen on the
// validation rows, and trains with early stopping on them (-patience,
// the start competing as epoch 0) for at most -budget of wall time; the
// preprocessing of lower validation NLL is kept (never chosen by test
// NLL). A preprocessing the library cannot fit is reported and skipped.
//
// Each row gives the test NLL in nats with its standard error over rows,
// and the paired difference flow − mixture, row by row: negative when the
// flow is better.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
)

func main() { cli.Main("realdata", run) }

// The random streams of a set, each fixed by -seed, as in ffjord train.
const (
	streamModel      = 2
	streamSplit      = 4
	streamDequantize = 5
	streamBaselines  = 6
)

// config is what run reads from its flags.
type config struct {
	sets     []string
	pres     []train.Preprocessing
	budget   time.Duration
	patience int
	fl       *cli.Flags
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	var (
		sets     = fs.String("sets", "breast_cancer,diabetes,iris,wine", "data sets, comma-separated, of "+fmt.Sprint(datasets.RealNames())+" (examples/digits runs the digits' own recipe)")
		pres     = fs.String("preprocess", "whiten,marginals", "preprocessings to try, comma-separated (whiten, standardize, marginals, raw); the one of lowest validation NLL is reported")
		budget   = fs.Duration("budget", 3*time.Minute, "most wall time of the flow's training per set and preprocessing (early stopping usually ends it first; the output says which)")
		patience = fs.Int("patience", 10, "epochs without a lower validation NLL before training stops; 0: never")
	)
	fl := cli.Register(fs, 1)
	cli.SetDefault(fs, "blocks", "1")
	cli.SetDefault(fs, "hidden", "64,64")
	cli.SetDefault(fs, "epochs", "1000")
	cli.SetDefault(fs, "lr", "0.002")
	cli.SetDefault(fs, "batch", "128")
	if err := cli.Parse(fs, "realdata [flags]", args, stdout); err != nil {
		return err
	}
	if err := fl.Check(); err != nil {
		return err
	}
	cfg := config{budget: *budget, patience: *patience, fl: fl}
	if err := cli.CheckInt("patience", cfg.patience, 0, cli.MaxEpochs); err != nil {
		return err
	}
	if !(cfg.budget > 0) {
		return fmt.Errorf("-budget %v: want a positive duration", cfg.budget)
	}
	setNames, err := cli.SplitNames("sets", *sets)
	if err != nil {
		return err
	}
	preNames, err := cli.SplitNames("preprocess", *pres)
	if err != nil {
		return err
	}
	for _, s := range setNames {
		if _, err := datasets.RealByName(s); err != nil {
			return fmt.Errorf("-sets: %w", err)
		}
		cfg.sets = append(cfg.sets, s)
	}
	for _, s := range preNames {
		p, err := train.ParsePreprocessing(s)
		if err != nil {
			return fmt.Errorf("-preprocess: %w", err)
		}
		cfg.pres = append(cfg.pres, p)
	}
	var rows []string
	for _, name := range cfg.sets {
		row, err := runSet(ctx, name, cfg, stdout)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rows = append(rows, row)
	}
	fmt.Fprintln(stdout, "| set | N×D | flow test NLL (preprocessing, best epoch) | full Gaussian | tuned mixture (K, ridge) | flow − mixture |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintln(stdout, r)
	}
	return nil
}

// trained is one preprocessing's flow after training.
type trained struct {
	pre       train.Preprocessing
	flow      *train.Flow
	epoch     int
	nll       float64 // its best validation NLL
	epochs    int
	seconds   float64
	stoppedBy string
}

// runSet splits, dequantises and fits one data set and returns its table
// row.
func runSet(ctx context.Context, name string, cfg config, stdout io.Writer) (string, error) {
	x, err := datasets.RealByName(name)
	if err != nil {
		return "", err
	}
	n, dim := x.Shape()[0], x.Shape()[1]
	seed := cfg.fl.Seed
	cols := datasets.DiscreteColumns(x)
	if x, err = datasets.Dequantize(x, cols, rand.NewPCG(seed, streamDequantize)); err != nil {
		return "", err
	}
	nTest := datasets.HeldOutRows(n, 0.2)
	nVal := datasets.HeldOutRows(n-nTest, 0.1)
	split, err := datasets.SplitRows(x, nVal, nTest, rand.NewPCG(seed, streamSplit))
	if err != nil {
		return "", err
	}
	fmt.Fprintf(stdout, "set=%s rows=%d dim=%d train=%d validation=%d test=%d dequantized_columns=%s\n",
		name, n, dim, split.Train.Shape()[0], nVal, nTest, cli.DequantizedColumns(cols, nil))
	b, err := train.FitBaselines(split.Train, split.Validation, nil, nil, nil, rand.NewPCG(seed, streamBaselines))
	if err != nil {
		return "", fmt.Errorf("baselines: %w", err)
	}
	var best *trained
	for _, pre := range cfg.pres {
		t, err := trainFlow(ctx, split, pre, cfg)
		if err != nil && ctx.Err() != nil {
			return "", err
		}
		if err != nil {
			fmt.Fprintf(stdout, "set=%s preprocess=%s skipped: %v\n", name, pre, cli.OneLine(err))
			continue
		}
		fmt.Fprintf(stdout, "set=%s preprocess=%s best_epoch=%d validation_nll=%.4f epochs=%d seconds=%.0f stopped=%s\n",
			name, pre, t.epoch, t.nll, t.epochs, t.seconds, t.stoppedBy)
		if best == nil || t.nll < best.nll {
			best = t
		}
	}
	if best == nil {
		return "", errors.New("no preprocessing could be fitted")
	}
	h, err := train.Compare(best.flow, b, split.Test)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("| %s | %d×%d | %v (%s, %d) | %v | %v (%d, %g) | %v |", name, n, dim,
		h.Model, best.pre, best.epoch, h.Gaussian, h.Mixture, b.Choice.Components, b.Choice.Ridge, h.MinusMixture), nil
}

// trainFlow trains NewStart's flow with preprocessing pre and a mixture
// base, with early stopping on the validation rows, within cfg.budget.
func trainFlow(ctx context.Context, split datasets.Split, pre train.Preprocessing, cfg config) (*trained, error) {
	dim := split.Train.Shape()[1]
	fc, settings, opts, err := cfg.fl.Training(dim)
	if err != nil {
		return nil, err
	}
	s, err := train.NewStart(split.Train, split.Validation, train.StartConfig{
		Preprocessing: pre, MixtureBase: true,
		Blocks: fc.Blocks, Hidden: fc.Hidden, Activation: fc.Activation, Time: fc.Time, LearnTime: fc.LearnTime,
		Settings: settings,
	}, rand.NewPCG(cfg.fl.Seed, streamModel))
	if err != nil {
		return nil, err
	}
	t := &trained{pre: pre, flow: s.Flow, stoppedBy: "epochs"}
	start := time.Now()
	opts.Validation, opts.Patience, opts.ValidateStart = split.Validation, cfg.patience, true
	opts.OnEpoch = func(e train.EpochStats) error {
		t.epochs = e.Epoch
		if time.Since(start) > cfg.budget {
			t.stoppedBy = "budget"
			return train.ErrStop
		}
		return nil
	}
	tr, err := train.NewTrainer(s.Flow, opts)
	if err != nil {
		return nil, err
	}
	if err := tr.Run(ctx, split.Train); err != nil {
		return nil, err
	}
	if tr.Stopped() {
		t.stoppedBy = "patience"
	}
	t.epoch, t.nll = tr.Best()
	t.seconds = time.Since(start).Seconds()
	return t, nil
}
