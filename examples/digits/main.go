// Command digits fits 64-dimensional densities to sklearn's 8×8
// handwritten digits and reports their held-out likelihood in bits per
// dimension, all on the same held-out images and in the same units:
//
//	go run ./examples/digits -out out/digits
//
// Pixels v ∈ {0…16} are dequantised, x = v + u with u uniform on [0, 1),
// and every model is a density of x whose preprocessing is inside it as
// bijectors (a Sigmoid(0, 17, α = 0.05) first), so that log p is in the
// data's own units. The 1797 images are split into 1200 to fit, 300 to
// validate (every choice below is made on them) and 297 held out.
//
//   - gaussian_full_bpd: the full-covariance Gaussian of the logits
//     (train.FitBaselines), fitted to all 1500 training images;
//   - gmm_bpd: a Gaussian mixture of the logits whose number of components
//     and ridge are chosen on the validation images, then refitted to all
//     1500 training images;
//   - start_bpd: the flow before training (train.NewStart): a MixtureCDF
//     that maps each logit through its own fitted 1-D mixture CDF to
//     N(0, 1) (-preprocess), then one FFJORD block whose field is zero, on
//     a Gaussian mixture base chosen on the validation images;
//   - test_bpd: that flow after maximum likelihood (Hutchinson's trace,
//     adjoint gradients, -copies fresh dequantisations of each image),
//     with early stopping on the validation images keeping the best
//     weights, the start included.
//
// Every figure is the exact-trace log-density of the held-out images,
// with its standard error over images; *_minus_gmm is the paired
// difference from the mixture over the same images. Early stopping
// (-patience) normally ends the training well inside -budget, so that the
// figures do not depend on the machine's speed. It writes samples.png
// (100 samples beside 100 held-out digits; the samples at -temperature
// 0.7, the base's noise scaled as Glow does, for more typical digits) and
// model.json (the flow, its preprocessing included). With -contrast it also trains the same start by
// OT-CFM, and by OT-CFM then MLE (half the time each), each for the time
// MLE took, and prints their figures (otcfm_test_bpd, otcfm_mle_test_bpd).
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
	"path/filepath"
	"time"

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

func main() { cli.Main("digits", run) }

const (
	alpha = 0.05 // keeps the logit finite at pixels 0 and 16
	D     = 64   // pixels of an image
)

// config is what run reads from its flags.
type config struct {
	batch, testN, valN, copies, marginals, patience int
	components                                      []int
	hidden                                          []int
	lr, weightDecay, temperature                    float64
	budget                                          time.Duration
	seed                                            uint64
	contrast                                        bool
	preprocess                                      train.Preprocessing
	out                                             string
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	var (
		budget      = fs.Duration("budget", 6*time.Minute, "most wall time of the MLE training (early stopping usually ends it first); -contrast's routes each get the time MLE took")
		maxK        = fs.Int("max-components", 24, "largest mixture tried, of 1, 2, 4, 8, 12, 16, 24")
		batchSize   = fs.Int("batch", 256, "batch size")
		hidden      = fs.String("hidden", "128,128", "hidden widths of the field's MLP")
		lr          = fs.Float64("lr", 1e-3, fmt.Sprintf("Adam learning rate, > 0 and ≤ %d", cli.MaxLR))
		weightDecay = fs.Float64("weight-decay", 0, "AdamW weight decay")
		patience    = fs.Int("patience", 4, "epochs without a better validation NLL before stopping")
		copies      = fs.Int("copies", 8, "dequantisations of each training image (a fresh noise draw per copy)")
		marginals   = fs.Int("marginals", 16, "components of each pixel's 1-D mixture in MixtureCDF")
		preprocess  = fs.String("preprocess", "marginals", "how the logits are mapped before the flow: marginals, whiten, standardize or raw")
		testN       = fs.Int("test-n", 297, "held-out images")
		valN        = fs.Int("val-n", 300, "validation images, taken from the training images")
		temperature = fs.Float64("temperature", 0.7, "scale of the base's noise for samples.png (1: the model's own samples)")
		contrast    = fs.Bool("contrast", false, "also train by OT-CFM, and OT-CFM then MLE, in the same wall time")
		seed        = fs.Uint64("seed", 1, "random seed")
		out         = fs.String("out", "out/digits", "output directory")
	)
	if err := cli.Parse(fs, "digits [flags]", args, stdout); err != nil {
		return err
	}
	cfg := config{batch: *batchSize, testN: *testN, valN: *valN, copies: *copies, marginals: *marginals, patience: *patience,
		lr: *lr, weightDecay: *weightDecay, temperature: *temperature, budget: *budget, seed: *seed, contrast: *contrast, out: *out}
	var err error
	if cfg.hidden, err = train.ParseHidden(*hidden); err != nil {
		return err
	}
	if cfg.preprocess, err = train.ParsePreprocessing(*preprocess); err != nil {
		return fmt.Errorf("-preprocess: %w", err)
	}
	for _, k := range train.DefaultComponents {
		if k <= *maxK {
			cfg.components = append(cfg.components, k)
		}
	}
	if *maxK < 1 || *maxK > 64 {
		return fmt.Errorf("-max-components %d: want 1 to 64", *maxK)
	}
	if err := cfg.check(); err != nil {
		return err
	}
	// The outputs are refused before any work: a path that is not a
	// directory, or files that cannot be written.
	if err := cli.RequirePath("out", *out); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	if err := cli.CheckFiles(nil, []cli.Named{cli.Out("out", filepath.Join(*out, "samples.png")), cli.Out("out", filepath.Join(*out, "model.json"))}); err != nil {
		return err
	}
	return digits(ctx, cfg, stdout)
}

func (cfg config) check() error {
	switch {
	case cfg.testN < 2 || cfg.testN > 1000: // two for a standard error
		return fmt.Errorf("-test-n %d: want 2 to 1000", cfg.testN)
	case cfg.valN < 1 || cfg.valN > 1000:
		return fmt.Errorf("-val-n %d: want 1 to 1000", cfg.valN)
	case cfg.copies < 1 || cfg.copies > 64:
		return fmt.Errorf("-copies %d: want 1 to 64", cfg.copies)
	case cfg.marginals < 1 || cfg.marginals > 64:
		return fmt.Errorf("-marginals %d: want 1 to 64", cfg.marginals)
	case cfg.patience < 0 || cfg.patience > 1000:
		return fmt.Errorf("-patience %d: want 0 (none) to 1000", cfg.patience)
	case cfg.batch < 2 || cfg.batch > 4096:
		return fmt.Errorf("-batch %d: want 2 to 4096", cfg.batch)
	case cli.CheckLR("lr", cfg.lr) != nil: // train.Options would take 0 for its default 1e-2
		return cli.CheckLR("lr", cfg.lr)
	case cli.CheckWeightDecay(cfg.weightDecay, cfg.lr) != nil:
		return cli.CheckWeightDecay(cfg.weightDecay, cfg.lr)
	case !(cfg.temperature > 0 && cfg.temperature <= 10):
		return fmt.Errorf("-temperature %g: want above 0, at most 10", cfg.temperature)
	case cfg.budget < time.Second || cfg.budget > 24*time.Hour:
		return fmt.Errorf("-budget %v: want 1s to 24h", cfg.budget)
	}
	return nil
}

// split is the images of one part: dequantised pixels, in rows.
type split struct {
	x []float64
	n int
}

func (s split) tensor() *tensor.Dense {
	return tensor.New(tensor.WithShape(s.n, D), tensor.WithBacking(s.x))
}

// dequantise returns copies draws of x = v + u for the images perm.
func dequantise(v []float64, perm []int, copies int, r *rand.Rand) split {
	x := make([]float64, 0, copies*len(perm)*D)
	for range copies {
		for _, src := range perm {
			for d := range D {
				x = append(x, v[src*D+d]+r.Float64())
			}
		}
	}
	return split{x: x, n: copies * len(perm)}
}

func digits(ctx context.Context, cfg config, stdout io.Writer) error {
	pix, _, err := datasets.Digits()
	if err != nil {
		return err
	}
	n := pix.Shape()[0]
	nFit := n - cfg.testN - cfg.valN
	if nFit < 2*D {
		return fmt.Errorf("-test-n %d and -val-n %d leave %d images to fit, want at least %d", cfg.testN, cfg.valN, nFit, 2*D)
	}
	r := rand.New(rand.NewPCG(cfg.seed, 1))
	perm := r.Perm(n)
	v := pix.Float64s()
	fit := dequantise(v, perm[:nFit], 1, r)
	val := dequantise(v, perm[nFit:nFit+cfg.valN], 1, r)
	test := dequantise(v, perm[nFit+cfg.valN:], 1, r)
	more := dequantise(v, perm[:nFit], cfg.copies-1, r)
	data := split{x: append(append([]float64(nil), fit.x...), more.x...), n: fit.n + more.n}
	fmt.Fprintf(stdout, "digits: %d images to fit (%d dequantisations each), %d validation, %d held out, D = %d\n", nFit, cfg.copies, cfg.valN, cfg.testN, D)

	sig, err := distributions.NewSigmoid(D, 0, 17, alpha)
	if err != nil {
		return err
	}
	started := time.Now()
	base, err := train.FitBaselines(fit.tensor(), val.tensor(), []distributions.Bijector{sig}, cfg.components, nil, rand.NewPCG(cfg.seed, 3))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "baselines: mixture of %d components, ridge %g, chosen on the validation split, refitted to all %d training images (%.1f s)\n",
		base.Choice.Components, base.Choice.Ridge, fit.n+val.n, time.Since(started).Seconds())
	sc := train.StartConfig{Pre: []distributions.Bijector{sig}, Preprocessing: cfg.preprocess, MixtureBase: true,
		Components: cfg.components, Marginals: cfg.marginals, Hidden: cfg.hidden, Settings: train.Settings{Trace: odefunc.HutchinsonRademacher}}
	newStart := func() (*train.Start, error) {
		return train.NewStart(fit.tensor(), val.tensor(), sc, rand.NewPCG(cfg.seed, 5))
	}
	started = time.Now()
	start, err := newStart()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "start: %v preprocessing, base of %d components, ridge %g (%.1f s)\n", cfg.preprocess, start.Base.Components, start.Base.Ridge, time.Since(started).Seconds())
	h, err := train.Compare(start.Flow, base, test.tensor())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gaussian_full_bpd=%s\ngmm_bpd=%s\n", bits(h.Gaussian), bits(h.Mixture))
	report(stdout, "start", h)
	runs := []route{{name: "", mle: 1}}
	if cfg.contrast {
		runs = append(runs, route{name: "otcfm_", cfm: 1}, route{name: "otcfm_mle_", cfm: 0.5, mle: 0.5})
	}
	var first *train.Flow
	budget := cfg.budget
	for i, rt := range runs {
		s := start // the first route trains the start itself, the others a new one
		if i > 0 {
			if s, err = newStart(); err != nil {
				return err
			}
		}
		took, err := rt.train(ctx, s.Flow, data, val, budget, cfg, stdout)
		if err != nil {
			return err
		}
		if first == nil {
			budget = took // the contrast's routes get the time MLE took
		}
		h, err := train.Compare(s.Flow, base, test.tensor())
		if err != nil {
			return err
		}
		report(stdout, rt.name+"test", h)
		if first == nil {
			first = s.Flow
		}
	}
	return write(first, test, cfg, stdout)
}

// bits converts a score in nats per image to bits per dimension.
func bits(s train.Score) string {
	return train.Score{Mean: s.Mean / D / math.Ln2, SE: s.SE / D / math.Ln2}.String()
}

// report prints a model's held-out bpd and its paired difference from the
// mixture's.
func report(stdout io.Writer, name string, h *train.HeldOut) {
	d := h.MinusMixture
	fmt.Fprintf(stdout, "%s_bpd=%s\n%s_minus_gmm=%s (paired over the same images, %.1f standard errors)\n",
		name, bits(h.Model), name, bits(d), math.Abs(d.Mean)/d.SE)
}

// route is a training route: the shares of the budget spent on OT-CFM,
// then on MLE; name prefixes its figures.
type route struct {
	name     string
	cfm, mle float64
}

func (rt route) String() string {
	switch {
	case rt.cfm == 0:
		return "mle"
	case rt.mle == 0:
		return "otcfm"
	}
	return "otcfm then mle"
}

// train trains flow by rt within budget, each phase keeping its best
// validated weights, and returns the time it took.
func (rt route) train(ctx context.Context, flow *train.Flow, data, val split, budget time.Duration, cfg config, stdout io.Writer) (time.Duration, error) {
	began := time.Now()
	phases := []struct {
		share float64
		crit  train.Criterion
	}{{rt.cfm, train.OTCFM{SigmaMin: 0.05}}, {rt.mle, nil}}
	for _, ph := range phases {
		if ph.share == 0 {
			continue
		}
		budget := time.Duration(ph.share * float64(budget))
		started := time.Now()
		opts := train.Options{Epochs: 1_000_000, BatchSize: cfg.batch, LearningRate: cfg.lr, WeightDecay: cfg.weightDecay,
			Seed: cfg.seed, Objective: ph.crit, Validation: val.tensor(), ValidationEstimate: true, ValidateStart: true, Patience: cfg.patience,
			OnEpoch: func(s train.EpochStats) error {
				if time.Since(started) >= budget {
					return fmt.Errorf("%w: %w", train.ErrStop, errBudget)
				}
				return nil
			}}
		tr, err := train.NewTrainer(flow, opts)
		if err != nil {
			return 0, err
		}
		if err := tr.Run(ctx, data.tensor()); err != nil {
			return 0, err
		}
		epoch, nll := tr.Best()
		phase := "mle"
		if ph.crit != nil {
			phase = ph.crit.String()
		}
		fmt.Fprintf(stdout, "route %s, %s: %d epochs in %.1f s, best validation NLL %.2f nats at epoch %d\n",
			rt, phase, tr.Epoch(), time.Since(started).Seconds(), nll, epoch)
	}
	return time.Since(began), nil
}

// write draws samples.png and saves model.json.
func write(flow *train.Flow, test split, cfg config, stdout io.Writer) error {
	var d *distributions.TransformedDistribution
	if err := flow.Use(func(fd *distributions.TransformedDistribution) error {
		base, ok := fd.Base.(*distributions.GaussianMixture)
		if !ok {
			return fmt.Errorf("digits: the base is a %T, not a mixture", fd.Base)
		}
		tempered, err := base.Tempered(cfg.temperature)
		if err != nil {
			return fmt.Errorf("-temperature: %w", err)
		}
		d, err = distributions.NewTransformed(tempered.WithSource(rand.NewPCG(cfg.seed, 8)), fd.Bijector)
		return err
	}); err != nil {
		return err
	}
	s, err := d.Sample(100)
	if err != nil {
		return err
	}
	dir := cfg.out
	path := filepath.Join(dir, "samples.png")
	labels := [2]string{fmt.Sprintf("model samples (temperature %g)", cfg.temperature), "held-out digits"}
	if err := writeGrid(path, s.Float64s(), test.x[:min(len(test.x), 100*D)], labels); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	path = filepath.Join(dir, "model.json")
	if err := checkpoint.Save(path, flow, nil, checkpoint.Codec{}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}

// errBudget ends a training phase once it has had its wall time.
var errBudget = errors.New("digits: wall time spent")
