// Command digits trains a 64-dimensional continuous flow on sklearn's 8×8
// handwritten digits by flow matching and reports its held-out likelihood
// in bits per dimension beside Gaussians fitted to the same training split.
//
//	go run ./examples/digits -out out/digits
//
// Pixels v ∈ {0…16} are dequantised, x = (v + u)/17 with u uniform, mapped
// to y = logit(α + (1 − 2α)x), α = 0.05, and whitened by the full-covariance
// Gaussian of the training split, w = L⁻¹(y − μ) with Σ = L·Lᵀ. The flow
// models w on a standard normal base, so that with a zero field it is that
// Gaussian, and it learns the departure from it. Every reported density is
// of the dequantised pixels, the log-determinants of both maps included.
//
// It prints test_bpd= (the flow, Hutchinson's estimate over the held-out
// images with its standard error over images and probes),
// test_bpd_exact= (the exact trace on the first -exact-n of them, beside
// the Hutchinson figure of the same images), gaussian_diag_bpd= and
// gaussian_full_bpd=, and writes samples.png: 100 samples beside 100 real
// test digits. With -contrast it then trains the same flow by maximum
// likelihood through the solver for the same wall time and prints its
// figures as mle_test_bpd= and mle_test_bpd_exact=.
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

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/examples/internal/cli"
	"github.com/ffjord-go/ffjord-go/internal/fileio"
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
	epochs, batch, testN, exactN, probes int
	hidden                               []int
	crit                                 train.Criterion
	lr, outScale                         float64
	seed                                 uint64
	contrast                             bool
	out                                  string
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	var (
		epochs    = fs.Int("epochs", 1000, "training epochs")
		batchSize = fs.Int("batch", 256, "batch size")
		hidden    = fs.String("hidden", "128,128", "hidden widths of the field's MLP")
		objective = fs.String("objective", "otcfm", "mle, cfm or otcfm")
		sigma     = fs.Float64("sigma-min", 0.05, "width of flow matching's paths")
		lr        = fs.Float64("lr", 2e-3, "Adam learning rate (cosine decay to 1%)")
		outScale  = fs.Float64("out-scale", 0.1, "factor on the initial weights of the field's output layer (0: start at the full Gaussian)")
		testN     = fs.Int("test-n", 297, "held-out images")
		exactN    = fs.Int("exact-n", 100, "held-out images also evaluated with the exact trace")
		probes    = fs.Int("probes", 4, "Hutchinson probes per held-out image")
		contrast  = fs.Bool("contrast", false, "then train by maximum likelihood through the solver for the same wall time")
		seed      = fs.Uint64("seed", 1, "random seed")
		out       = fs.String("out", "out/digits", "output directory")
	)
	if err := cli.Parse(fs, "digits [flags]", args, stdout); err != nil {
		return err
	}
	cfg := config{epochs: *epochs, batch: *batchSize, testN: *testN, exactN: *exactN, probes: *probes,
		lr: *lr, outScale: *outScale, seed: *seed, contrast: *contrast, out: *out}
	var err error
	if cfg.hidden, err = train.ParseHidden(*hidden); err != nil {
		return err
	}
	// The output is refused before any work: a path that is not a
	// directory, or a samples.png that cannot be written.
	if err := cli.RequirePath("out", *out); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	if err := cli.CheckFiles(nil, []fileio.Named{cli.Out("out", filepath.Join(*out, "samples.png"))}); err != nil {
		return err
	}
	if cfg.crit, err = train.ParseCriterion(*objective, *sigma); err != nil {
		return err
	}
	return digits(ctx, cfg, stdout)
}

func digits(ctx context.Context, cfg config, stdout io.Writer) error {
	pix, _, err := datasets.Digits()
	if err != nil {
		return err
	}
	n := pix.Shape()[0]
	switch {
	case cfg.testN < 1 || cfg.testN >= n-D:
		return fmt.Errorf("-test-n %d: want 1 to %d (the rest must fit a %d-dimensional covariance)", cfg.testN, n-D-1, D)
	case cfg.exactN < 0 || cfg.exactN > cfg.testN:
		return fmt.Errorf("-exact-n %d: want 0 to -test-n (%d)", cfg.exactN, cfg.testN)
	case cfg.probes < 1 || cfg.probes > 1000:
		return fmt.Errorf("-probes %d: want 1 to 1000", cfg.probes)
	case cfg.epochs < 1 || cfg.epochs > 1_000_000:
		return fmt.Errorf("-epochs %d: want 1 to 1000000", cfg.epochs)
	case cfg.batch < 2 || cfg.batch > 4096:
		return fmt.Errorf("-batch %d: want 2 to 4096", cfg.batch)
	case !(cfg.lr > 0) || math.IsInf(cfg.lr, 0): // train.Options would take 0 for its default 1e-2
		return fmt.Errorf("-lr %g: want finite and > 0", cfg.lr)
	case !(cfg.outScale >= 0 && cfg.outScale <= 10):
		return fmt.Errorf("-out-scale %g: want 0 to 10", cfg.outScale)
	}
	r := rand.New(rand.NewPCG(cfg.seed, 1))
	y, ld := dequantise(pix.Float64s(), r.Perm(n), r)
	nTrain := n - cfg.testN
	gauss, err := fitGaussian(y[:nTrain*D], nTrain, D)
	if err != nil {
		return err
	}
	w := make([]float64, len(y))
	gauss.whiten(w, y)
	trainW := tensor.New(tensor.WithShape(nTrain, D), tensor.WithBacking(w[:nTrain*D]))
	test := heldOut{w: w[nTrain*D:], logDet: append([]float64(nil), ld[nTrain:]...), full: gauss.logProb(y[nTrain*D:])}
	for i := range test.logDet {
		test.full[i] = -(test.full[i] + ld[nTrain+i]) / D / math.Ln2
		test.logDet[i] -= gauss.logDetL // the whitening's log-determinant
	}

	fmt.Fprintf(stdout, "digits: %d training and %d held-out images, D = %d, hidden %v, objective %v, %d epochs\n", nTrain, cfg.testN, D, cfg.hidden, cfg.crit, cfg.epochs)
	flow, err := newFlow(cfg, rand.NewPCG(cfg.seed, 2))
	if err != nil {
		return err
	}
	opts := train.Options{Epochs: cfg.epochs, BatchSize: cfg.batch, LearningRate: cfg.lr, Schedule: train.Cosine(0.01), Seed: cfg.seed, Objective: cfg.crit,
		OnEpoch: func(s train.EpochStats) error {
			if s.Epoch%100 == 0 || s.Epoch == cfg.epochs {
				fmt.Fprintln(stdout, train.FormatEpoch(s))
			}
			return nil
		}}
	start := time.Now()
	if err := fit(ctx, flow, opts, trainW); err != nil {
		return err
	}
	budget := time.Since(start)
	fmt.Fprintf(stdout, "train_seconds=%.1f\n", budget.Seconds())
	if err := test.report(stdout, "", flow, cfg); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gaussian_diag_bpd=%.4f\ngaussian_full_bpd=%.4f\n",
		bpd(gauss.diagLogProb(y[nTrain*D:]), ld[nTrain:]), bpd(gauss.logProb(y[nTrain*D:]), ld[nTrain:]))
	nfe, err := flow.SampleNFE(100)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sample_nfe=%.1f\n", nfe)
	if err := drawSamples(flow, gauss, y[nTrain*D:], cfg.out, stdout); err != nil {
		return err
	}
	if cfg.contrast {
		return contrast(ctx, cfg, trainW, test, budget, stdout)
	}
	return nil
}

// newFlow returns one FFJORD block on a standard normal base, its output
// layer's initial weights scaled by cfg.outScale.
func newFlow(cfg config, src rand.Source) (*train.Flow, error) {
	ones := make([]float64, D)
	for i := range ones {
		ones[i] = 1
	}
	flow, err := train.NewFlow(train.FlowConfig{Dim: D, Blocks: 1, Hidden: cfg.hidden, BaseStd: ones}, train.Settings{}, src)
	if err != nil {
		return nil, err
	}
	layers := flow.Nets[0].Layers()
	for _, p := range layers[len(layers)-1].Params() {
		for i, v := range p.Float64s() {
			p.Float64s()[i] = v * cfg.outScale
		}
	}
	return flow, nil
}

// fit trains flow on the whitened images.
func fit(ctx context.Context, flow *train.Flow, opts train.Options, data *tensor.Dense) error {
	tr, err := train.NewTrainer(flow, opts)
	if err != nil {
		return err
	}
	return tr.Run(ctx, data)
}

// errBudget stops the contrast's training once it has had its wall time.
var errBudget = errors.New("digits: wall time spent")

// contrast trains the same flow by maximum likelihood through the solver
// (Hutchinson's trace, adjoint gradients) until it has trained as long as
// flow matching did, and reports it.
func contrast(ctx context.Context, cfg config, trainW *tensor.Dense, test heldOut, budget time.Duration, stdout io.Writer) error {
	flow, err := newFlow(cfg, rand.NewPCG(cfg.seed, 2))
	if err != nil {
		return err
	}
	if err := flow.SetSettings(train.Settings{Trace: odefunc.HutchinsonRademacher}); err != nil {
		return err
	}
	start := time.Now()
	opts := train.Options{Epochs: 1_000_000, BatchSize: cfg.batch, LearningRate: cfg.lr, Seed: cfg.seed,
		OnEpoch: func(s train.EpochStats) error {
			if time.Since(start) >= budget {
				fmt.Fprintf(stdout, "mle_epochs=%d\n%s\n", s.Epoch, train.FormatEpoch(s))
				return errBudget
			}
			return nil
		}}
	if err := fit(ctx, flow, opts, trainW); err != nil && !errors.Is(err, errBudget) {
		return err
	}
	fmt.Fprintf(stdout, "mle_train_seconds=%.1f\n", time.Since(start).Seconds())
	if err := flow.SetSettings(train.Settings{}); err != nil {
		return err
	}
	return test.report(stdout, "mle_", flow, cfg)
}

// heldOut is the held-out split: whitened images and, per image, the
// log-determinant of the whole pixel-to-w map and the full Gaussian's bpd.
type heldOut struct {
	w, logDet, full []float64
}

// report prints the Hutchinson estimate of the held-out bpd with its
// standard error, and the exact trace beside Hutchinson on a subset.
func (h heldOut) report(stdout io.Writer, prefix string, flow *train.Flow, cfg config) error {
	n := len(h.logDet)
	start := time.Now()
	est, err := hutchinson(flow, h.w, n, cfg.probes)
	if err != nil {
		return err
	}
	perImage := make([]float64, n)
	for i := range perImage {
		perImage[i] = -(est[i] + h.logDet[i]) / D / math.Ln2
	}
	m, se := meanSE(perImage)
	fmt.Fprintf(stdout, "%stest_bpd=%.4f ± %.4f (Hutchinson, %d images × %d probes, %.1f s)\n", prefix, m, se, n, cfg.probes, time.Since(start).Seconds())
	diff := make([]float64, n)
	for i := range diff {
		diff[i] = perImage[i] - h.full[i]
	}
	m, se = meanSE(diff)
	fmt.Fprintf(stdout, "%stest_bpd_minus_gaussian_full=%.4f ± %.4f (paired over the same images)\n", prefix, m, se)
	if k := cfg.exactN; k > 0 {
		start = time.Now()
		lp, err := flow.LogProb(tensor.New(tensor.WithShape(k, D), tensor.WithBacking(append([]float64(nil), h.w[:k*D]...))))
		if err != nil {
			return err
		}
		hm, hse := meanSE(perImage[:k])
		fmt.Fprintf(stdout, "%stest_bpd_exact=%.4f (exact trace, first %d images, %.1f s; Hutchinson on them %.4f ± %.4f)\n",
			prefix, bpd(lp, h.logDet[:k]), k, time.Since(start).Seconds(), hm, hse)
	}
	return nil
}

// hutchinson returns each row's mean over probes of Hutchinson's estimate
// of log p(w), with Rademacher probes.
func hutchinson(flow *train.Flow, w []float64, n, probes int) ([]float64, error) {
	saved := flow.Settings()
	est := flow.Settings()
	est.Trace = odefunc.HutchinsonRademacher
	if err := flow.SetSettings(est); err != nil {
		return nil, err
	}
	defer flow.SetSettings(saved) //nolint:errcheck // the settings were valid a moment ago
	mean := make([]float64, n)
	for range probes {
		pass, err := flow.RecordLogProb(w, n, distributions.Request{Estimate: true})
		if err != nil {
			return nil, err
		}
		for i, v := range pass.LogProb {
			mean[i] += v / float64(probes)
		}
	}
	return mean, nil
}

// meanSE returns the mean of v and its standard error.
func meanSE(v []float64) (mean, se float64) {
	for _, x := range v {
		mean += x / float64(len(v))
	}
	if len(v) < 2 {
		return mean, math.NaN()
	}
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1) / float64(len(v)))
}

// drawSamples writes samples.png: 100 model samples beside the first 100
// held-out images (real, y-space).
func drawSamples(flow *train.Flow, gauss *gaussian, real []float64, dir string, stdout io.Writer) error {
	s, err := flow.Sample(100)
	if err != nil {
		return err
	}
	y := make([]float64, 100*D)
	gauss.colour(y, s.Float64s())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "samples.png")
	if err := writeGrid(path, y, real[:min(len(real), 100*D)]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}

// dequantise returns y = logit(α + (1 − 2α)(v + u)/17) for the images in
// the order perm, and each image's Σ log|dy/dv|.
func dequantise(v []float64, perm []int, r *rand.Rand) (y, logdet []float64) {
	y, logdet = make([]float64, len(v)), make([]float64, len(perm))
	for i, src := range perm {
		for d := range D {
			p := alpha + (1-2*alpha)*(v[src*D+d]+r.Float64())/17
			y[i*D+d] = math.Log(p / (1 - p))
			logdet[i] += math.Log((1-2*alpha)/17) - math.Log(p*(1-p))
		}
	}
	return y, logdet
}

// bpd converts log-densities and the log-determinants of the map from
// pixels into bits per pixel dimension.
func bpd(lp, logdet []float64) float64 {
	s := 0.0
	for i := range lp {
		s -= lp[i] + logdet[i]
	}
	return s / float64(len(lp)) / D / math.Ln2
}
