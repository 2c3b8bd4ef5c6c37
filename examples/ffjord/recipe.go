package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

// The random streams of a -data training, each fixed by -seed: the model
// (NewStart's fits, blocks and sampling) takes stream 2 as NewFlow does
// on the -toy route, whose data and test points take 1 and 3.
const (
	streamModel      = 2
	streamSplit      = 4
	streamDequantize = 5
	streamBaselines  = 6
)

// recipeData are the rows of a -data training: the split of the file and
// the test rows (the split's, or -test FILE's).
type recipeData struct {
	split datasets.Split
	test  *tensor.Dense
}

// readRecipeData reads -data and -test, dequantises their integer-valued
// columns and splits the rows of -data, saying what it did on stdout.
func readRecipeData(rf *cli.RecipeFlags, data, test string, seed uint64, stdout io.Writer) (*recipeData, error) {
	x, header, err := cli.ReadCSV("data", data)
	if err != nil {
		return nil, err
	}
	if err := checkRows("data", x); err != nil {
		return nil, err
	}
	var xt *tensor.Dense
	if test != "" {
		if xt, _, err = cli.ReadCSV("test", test); err != nil {
			return nil, err
		}
		if err := checkRows("test", xt); err != nil {
			return nil, err
		}
		if xt.Shape()[1] != x.Shape()[1] {
			return nil, fmt.Errorf("train: %s has %d columns but the training data %d", test, xt.Shape()[1], x.Shape()[1])
		}
	}
	n, dim := x.Shape()[0], x.Shape()[1]
	nVal, nTest, err := rf.Rows(n, dim)
	if err != nil {
		return nil, err
	}
	if auto, _ := rf.DequantizeAuto(); auto {
		// A column is discrete when it is so in every file the model sees.
		cols := datasets.DiscreteColumns(x)
		if xt != nil {
			cols = intersect(cols, datasets.DiscreteColumns(xt))
		}
		fmt.Fprintf(stdout, "dequantized_columns=%s\n", cli.DequantizedColumns(cols, header))
		noise := rand.NewPCG(seed, streamDequantize)
		if x, err = datasets.Dequantize(x, cols, noise); err != nil {
			return nil, err
		}
		if xt != nil {
			if xt, err = datasets.Dequantize(xt, cols, noise); err != nil {
				return nil, err
			}
		}
	}
	split, err := datasets.SplitRows(x, nVal, nTest, rand.NewPCG(seed, streamSplit))
	if err != nil {
		return nil, err
	}
	d := &recipeData{split: split, test: split.Test}
	if xt != nil {
		d.test = xt
	}
	fmt.Fprintf(stdout, "rows_train=%d rows_validation=%d rows_test=%d\n", split.Train.Shape()[0], nVal, rowsOf(d.test))
	return d, nil
}

func rowsOf(x *tensor.Dense) int {
	if x == nil {
		return 0
	}
	return x.Shape()[0]
}

// intersect returns the elements of the sorted a that are in the sorted b.
func intersect(a, b []int) []int {
	var out []int
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			out = append(out, a[i])
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return out
}

// trainRecipe trains train.NewStart's flow on -data (or continues ck) with
// early stopping on the validation rows, then scores it beside the
// baselines on the test rows.
func trainRecipe(ctx context.Context, fl *cli.Flags, rf *cli.RecipeFlags, ck *checkpoint.Checkpoint, d *recipeData, model string, record map[string]string, stdout io.Writer) error {
	opts, err := fl.Options()
	if err != nil {
		return err
	}
	opts.Record = record
	dest, err := cli.Destination(model)
	if err != nil {
		return fmt.Errorf("-model: %w", err)
	}
	opts.Progress = stdout
	opts.Validation, opts.Patience, opts.ValidateStart = d.split.Validation, rf.Patience, true
	dim := d.split.Train.Shape()[1]
	// The baselines first: data they cannot fit fail before any training.
	var b *train.Baselines
	if d.test != nil {
		if b, err = train.FitBaselines(d.split.Train, d.split.Validation, nil, nil, nil, rand.NewPCG(fl.Seed, streamBaselines)); err != nil {
			return fmt.Errorf("train: the baselines: %w", err)
		}
	}
	var flow *train.Flow
	var trainer *train.Trainer
	if ck != nil {
		if dim != ck.Flow.Dim() {
			return fmt.Errorf("train: the data have %d columns but the saved model is %d-dimensional", dim, ck.Flow.Dim())
		}
		if err := checkSameValidation(ck, d.split, opts.BatchSize); err != nil {
			return err
		}
		flow = ck.Flow
		opts.Save = checkpoint.Saver(dest, flow, checkpoint.Codec{})
		if trainer, err = checkpoint.Resume(ck, opts); err != nil {
			return err
		}
	} else {
		cfg, err := fl.FlowConfig(dim)
		if err != nil {
			return err
		}
		settings, err := fl.Settings()
		if err != nil {
			return err
		}
		pre, _ := rf.Preprocessing()
		mixture, _ := rf.MixtureBase()
		s, err := train.NewStart(d.split.Train, d.split.Validation, train.StartConfig{
			Preprocessing: pre, MixtureBase: mixture,
			Blocks: cfg.Blocks, Hidden: cfg.Hidden, Activation: cfg.Activation, Time: cfg.Time, LearnTime: cfg.LearnTime,
			Settings: settings,
		}, rand.NewPCG(fl.Seed, streamModel))
		if err != nil {
			return err
		}
		base := "normal"
		if mixture {
			base = fmt.Sprintf("mixture K=%d ridge=%g", s.Base.Components, s.Base.Ridge)
		}
		fmt.Fprintf(stdout, "start preprocess=%s base=%s\n", pre, base)
		flow = s.Flow
		opts.Save = checkpoint.Saver(dest, flow, checkpoint.Codec{})
		if trainer, err = train.NewTrainer(flow, opts); err != nil {
			return err
		}
	}
	start := time.Now()
	if err := trainer.RunContext(ctx, d.split.Train, nil); err != nil {
		return cli.Stopped(ctx, err, model, trainer.Epoch())
	}
	fmt.Fprintf(stdout, "train_seconds=%.1f\n", time.Since(start).Seconds())
	fmt.Fprintf(stdout, "saved %s\n", model)
	epoch, nll := trainer.Best()
	fmt.Fprintf(stdout, "best_epoch=%d validation_nll=%.4f stopped_early=%t\n", epoch, nll, trainer.Stopped())
	if d.test == nil {
		return nil
	}
	if err := cli.StopOn(ctx, flow); err != nil {
		return err
	}
	h, err := train.Compare(flow, b, d.test)
	if err != nil {
		return err
	}
	// Six decimals, so that the figures can be checked against another
	// computation; each is the mean over the test rows ± its standard error.
	score := func(s train.Score) string { return fmt.Sprintf("%.6f ± %.6f", s.Mean, s.SE) }
	fmt.Fprintf(stdout, "test_nll=%s\n", score(h.Model))
	fmt.Fprintf(stdout, "gaussian_nll=%s\n", score(h.Gaussian))
	fmt.Fprintf(stdout, "gmm_nll=%s (K=%d, ridge=%g)\n", score(h.Mixture), b.Choice.Components, b.Choice.Ridge)
	fmt.Fprintf(stdout, "test_minus_gmm=%s\n", score(h.MinusMixture))
	return nil
}

// checkSameValidation refuses to resume ck on validation rows other than
// those it was trained with: nothing of the split is stored, but the
// checkpoint's best validation NLL, recomputed on these rows with its
// best weights as the Trainer computed it, must come out the same. Rows
// of another -seed, -val-frac, -test-frac, -dequantize or -data do not.
func checkSameValidation(ck *checkpoint.Checkpoint, split datasets.Split, batch int) error {
	best := ck.Training.Best
	if best == nil {
		return fmt.Errorf("-resume: the checkpoint was trained without validation rows (on -toy, with -context, or by an older ffjord); train it anew without -resume")
	}
	params := ck.Flow.Params()
	saved := make([][]float64, len(params))
	for i, p := range params {
		saved[i] = append([]float64(nil), p.Float64s()...)
		copy(p.Float64s(), best.Params[i])
	}
	defer func() {
		for i, p := range params {
			copy(p.Float64s(), saved[i])
		}
	}()
	x, D := split.Validation.Float64s(), split.Validation.Shape()[1]
	n := split.Validation.Shape()[0]
	bs := min(batch, split.Train.Shape()[0])
	sum := 0.0
	for lo := 0; lo < n; lo += bs {
		hi := min(lo+bs, n)
		pass, err := ck.Flow.RecordLogProb(x[lo*D:hi*D], hi-lo, distributions.Request{})
		if err != nil {
			return fmt.Errorf("-resume: the validation rows: %w", err)
		}
		for _, lp := range pass.LogProb {
			sum -= lp
		}
	}
	if nll := sum / float64(n); !cli.SameValidation(best.NLL, nll) {
		return fmt.Errorf("-resume: these are not the validation rows the checkpoint was trained on (its best validation NLL was %.6g, these rows give %.6g): give the -data, -seed, -val-frac, -test-frac and -dequantize of the first run", best.NLL, nll)
	}
	return nil
}
