// Command vi fits continuous flows to densities known up to their
// normalising constant by reverse-KL variational inference (train.ReverseKL)
// and prints, per target, how well each fit matches:
//
//	go run ./examples/vi
//
// For the two-dimensional targets (U1, the two-lobe ring of Rezende &
// Mohamed; a banana; Neal's funnel; an 8-mode ring) it prints KL(q‖π) and
// log Z by quadrature on a grid beside the importance-sampling log Ẑ ± SE
// and ESS/N of -eval fresh draws of the flow; for the funnel the quantiles
// of v against the exact ones, for the ring each mode's share of q's mass.
// With -logistic it also fits the 31-parameter Bayesian logistic regression
// on the breast-cancer data and compares the posterior means and standard
// deviations with targets.BreastCancerReference. With -out it draws each
// 2-D target's density beside the flow's.
//
// Every flow is N(0, I) through a learnable AffineTriL and -blocks FFJORD
// blocks (MLP fields of -hidden widths, tanh), trained with Adam and cosine
// decay on batches of -batch draws, -steps steps an epoch.
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
	"sort"
	"strings"
	"time"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/targets"
	"github.com/ffjord-go/ffjord-go/viz"
	"gonum.org/v1/plot"
	"gorgonia.org/tensor"
)

func main() { cli.Main("vi", run) }

// config is what the flags set.
type config struct {
	epochs, steps, batch, blocks, eval, grid int
	anneal                                   int
	beta0, lr                                float64
	hidden                                   []int
	seed                                     uint64
	out                                      string
	quiet, ringAtMode                        bool
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	var (
		names    = fs.String("targets", "u1,banana,funnel,ring", "2-D targets, comma-separated: u1, banana, funnel, ring (empty: none)")
		logistic = fs.Bool("logistic", false, "also fit the 31-D Bayesian logistic regression (breast cancer)")
		epochs   = fs.Int("epochs", 30, "epochs per target")
		steps    = fs.Int("steps", 50, "Adam steps per epoch")
		batch    = fs.Int("batch", 256, "draws per step")
		lr       = fs.Float64("lr", 1e-2, "Adam learning rate, cosine decay to 1%")
		blocks   = fs.Int("blocks", 1, "FFJORD blocks after the AffineTriL")
		hidden   = fs.String("hidden", "32,32", "hidden widths of each block's MLP")
		anneal   = fs.Int("anneal", 10, "epochs over which β rises to 1 on the 8-mode ring (0: no annealing)")
		beta0    = fs.Float64("beta0", 0.05, "β of the first annealed epoch")
		ringMode = fs.Bool("ring-at-mode", false, "start the 8-mode ring's flow at one mode, N(c₀, σ²I), instead of N(0, I)")
		eval     = fs.Int("eval", 8192, "fresh draws for the importance-sampling measures")
		grid     = fs.Int("grid", 200, "nodes per side of the quadrature grid")
		seed     = fs.Uint64("seed", 1, "random seed")
		out      = fs.String("out", "", "directory for the figures (empty: none)")
		quiet    = fs.Bool("quiet", false, "print only the results, not every epoch")
	)
	if err := cli.Parse(fs, "vi [flags]", args, stdout); err != nil {
		return err
	}
	hid, err := train.ParseHidden(*hidden)
	if err != nil {
		return err
	}
	cfg := config{epochs: *epochs, steps: *steps, batch: *batch, blocks: *blocks, eval: *eval, grid: *grid,
		anneal: *anneal, beta0: *beta0, lr: *lr, hidden: hid, seed: *seed, out: *out, quiet: *quiet, ringAtMode: *ringMode}
	for _, err := range []error{cli.CheckInt("epochs", cfg.epochs, 1, 100_000), cli.CheckInt("steps", cfg.steps, 1, 100_000),
		cli.CheckInt("batch", cfg.batch, 2, 1<<16), cli.CheckInt("blocks", cfg.blocks, 0, cli.MaxBlocks),
		cli.CheckInt("eval", cfg.eval, 25, cli.MaxSamples), cli.CheckInt("grid", cfg.grid, 10, 2000),
		cli.CheckInt("anneal", cfg.anneal, 0, 100_000), cli.CheckLR("lr", cfg.lr), cli.CheckRange("beta0", cfg.beta0, 1e-6, 1)} {
		if err != nil {
			return err
		}
	}
	var list []string
	if *names != "" {
		if list, err = cli.SplitNames("targets", *names); err != nil {
			return err
		}
	}
	if err := prepareFigures(cfg.out, list); err != nil {
		return err
	}
	for _, name := range list {
		if err := fit2D(ctx, name, cfg, stdout); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if *logistic {
		if err := fitLogistic(ctx, cfg, stdout); err != nil {
			return fmt.Errorf("logistic: %w", err)
		}
	}
	return nil
}

// problem is a 2-D target with its quadrature window.
type problem struct {
	target targets.Target
	lo, hi [2]float64
	anneal bool
	// unwarp grids the funnel in (v, u) with x = u·e^{v/2}: KL and log Z
	// are the same in any coordinates, and there the neck is as wide as
	// the mouth.
	unwarp bool
}

func problemOf(name string) (problem, error) {
	switch name {
	case "u1":
		return problem{target: targets.TwoLobeRing{}, lo: [2]float64{-5, -5}, hi: [2]float64{5, 5}}, nil
	case "banana":
		return problem{target: targets.Banana{B: 0.5}, lo: [2]float64{-6, -4}, hi: [2]float64{6, 20}}, nil
	case "funnel":
		// The window is in (v, u = x·e^{−v/2}), where π is N(0, 3²)×N(0, 1)
		// and a grid resolves the neck (see quadrature).
		return problem{target: targets.Funnel{}, lo: [2]float64{-16, -7}, hi: [2]float64{16, 7}, unwarp: true}, nil
	case "ring":
		return problem{target: targets.EightModeRing{}, lo: [2]float64{-7.5, -7.5}, hi: [2]float64{7.5, 7.5}, anneal: true}, nil
	}
	return problem{}, fmt.Errorf("unknown target %q: want u1, banana, funnel or ring", name)
}

// newModel returns N(0, I) through a learnable AffineTriL, applied first,
// then cfg.blocks FFJORD blocks.
// The AffineTriL starts at the shift and scale given, nil meaning 0 and 1.
func newModel(dim int, shift []float64, scale float64, cfg config) (*distributions.TransformedDistribution, error) {
	if shift == nil {
		shift, scale = make([]float64, dim), 1
	}
	eye := make([]float64, dim*dim)
	for i := range dim {
		eye[i*dim+i] = scale
	}
	tril, err := distributions.NewLearnableAffineTriL(shift, eye)
	if err != nil {
		return nil, err
	}
	bs := []distributions.Bijector{}
	for k := range cfg.blocks {
		net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: dim, Hidden: cfg.hidden}, rand.NewPCG(cfg.seed, uint64(k)+1))
		if err != nil {
			return nil, err
		}
		b, err := ffjord.New(net, ffjord.Options{})
		if err != nil {
			return nil, err
		}
		bs = append(bs, b)
	}
	chain, err := distributions.NewChain(append(bs, tril)...)
	if err != nil {
		return nil, err
	}
	mean, std := make([]float64, dim), make([]float64, dim)
	for i := range std {
		std[i] = 1
	}
	base, err := distributions.NewNormal(mean, std, rand.NewPCG(cfg.seed, 99))
	if err != nil {
		return nil, err
	}
	return distributions.NewTransformed(base, chain)
}

// fitTarget trains a model on target and returns it with the training time.
func fitTarget(ctx context.Context, name string, target train.Target, anneal bool, cfg config, stdout io.Writer) (*distributions.TransformedDistribution, time.Duration, error) {
	var shift []float64
	scale := 1.0
	if ring, ok := target.(targets.EightModeRing); ok && cfg.ringAtMode {
		// A start that has found one mode, as a local optimiser would.
		c := ring.Mean(0)
		shift, scale = c[:], targets.DefaultRingSigma
	}
	model, err := newModel(target.Dim(), shift, scale, cfg)
	if err != nil {
		return nil, 0, err
	}
	obj := train.ReverseKL{Target: target, Steps: cfg.steps, Evaluate: 1024}
	if anneal && cfg.anneal > 0 {
		obj.Anneal = train.AnnealGeometric(cfg.anneal, cfg.beta0)
	}
	opts := train.Options{Epochs: cfg.epochs, BatchSize: cfg.batch, LearningRate: cfg.lr, Schedule: train.Cosine(0.01),
		Seed: cfg.seed, Objective: obj, ClipNorm: 100}
	if !cfg.quiet {
		opts.OnEpoch = func(s train.EpochStats) error {
			_, err := fmt.Fprintf(stdout, "%s %s\n", name, train.FormatEpoch(s))
			return err
		}
	}
	tr, err := train.NewTrainer(model, opts)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	if err := tr.Run(ctx, nil); err != nil {
		return nil, 0, err
	}
	return model, time.Since(start), nil
}

// measure draws cfg.eval points of model and returns them with their
// importance weights π̃/q (scaled by the largest) and the
// importance-sampling measures against target.
func measure(model *distributions.TransformedDistribution, target targets.Target, cfg config) (x, w []float64, e targets.ImportanceEstimate, err error) {
	p, err := model.RecordSample(cfg.eval, rand.NewPCG(cfg.seed, 12345), distributions.Request{})
	if err != nil {
		return nil, nil, e, err
	}
	lp := make([]float64, cfg.eval)
	if err := targets.LogDensityRows(target, lp, p.X); err != nil {
		return nil, nil, e, err
	}
	if e, err = targets.Importance(p.LogProb, lp); err != nil {
		return nil, nil, e, err
	}
	w = make([]float64, cfg.eval)
	top := math.Inf(-1)
	for r := range w {
		w[r] = lp[r] - p.LogProb[r]
		top = math.Max(top, w[r])
	}
	for r := range w {
		w[r] = math.Exp(w[r] - top)
	}
	return p.X, w, e, nil
}

func fit2D(ctx context.Context, name string, cfg config, stdout io.Writer) error {
	pr, err := problemOf(name)
	if err != nil {
		return err
	}
	model, took, err := fitTarget(ctx, name, pr.target, pr.anneal, cfg, stdout)
	if err != nil {
		return err
	}
	x, _, e, err := measure(model, pr.target, cfg)
	if err != nil {
		return err
	}
	div, err := quadrature(model, pr, cfg.grid)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "target=%s kl=%.4f ess=%.3f log_z=%.4f±%.4f quad_log_z=%.4f elbo=%.4f pareto_k=%.2f mass_q=%.4f seconds=%.0f\n",
		name, div.KL, e.ESSFraction, e.LogZ, e.LogZSE, div.LogZ, e.ELBO, e.ParetoK, div.MassQ, took.Seconds())
	switch t := pr.target.(type) {
	case targets.Funnel:
		v := make([]float64, len(x)/2)
		for r := range v {
			v[r] = x[2*r]
		}
		sort.Float64s(v)
		var b strings.Builder
		for _, q := range []float64{0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99} {
			fmt.Fprintf(&b, " v_q%02.0f=%.2f(%.2f)", 100*q, v[int(q*float64(len(v)-1))], t.QuantileV(q))
		}
		fmt.Fprintf(stdout, "target=%s quantiles (flow(exact)):%s\n", name, b.String())
	case targets.EightModeRing:
		m, err := t.ModeMasses(x, nil)
		if err != nil {
			return err
		}
		var b strings.Builder
		least := 1.0
		for k, v := range m {
			fmt.Fprintf(&b, " mode%d=%.3f", k, v)
			least = math.Min(least, v)
		}
		fmt.Fprintf(stdout, "target=%s min_mode=%.3f%s\n", name, least, b.String())
	}
	if cfg.out != "" {
		return drawPair(name, pr, model, div.LogZ, cfg.out)
	}
	return nil
}

// quadrature returns KL(q‖π) and log Z on a grid of side nodes over the
// problem's window.
func quadrature(model *distributions.TransformedDistribution, pr problem, side int) (targets.Divergence, error) {
	g := targets.Grid{Lo: pr.lo, Hi: pr.hi, N: [2]int{side, side}}
	nodes, err := g.Points()
	if err != nil {
		return targets.Divergence{}, err
	}
	if pr.unwarp {
		for r := 0; r < len(nodes); r += 2 {
			nodes[r+1] *= math.Exp(nodes[r] / 2) // x = u·e^{v/2}
		}
	}
	logq, err := model.LogProb(tensor.New(tensor.WithShape(g.Len(), 2), tensor.WithBacking(append([]float64(nil), nodes...))))
	if err != nil {
		return targets.Divergence{}, err
	}
	logp := make([]float64, g.Len())
	if err := targets.LogDensityRows(pr.target, logp, nodes); err != nil {
		return targets.Divergence{}, err
	}
	if pr.unwarp {
		// Densities in (v, u) carry the Jacobian ∂x/∂u = e^{v/2}.
		for r := range logq {
			logq[r] += nodes[2*r] / 2
			logp[r] += nodes[2*r] / 2
		}
	}
	return g.KL(logq, logp)
}

// drawPair draws the target's density, normalised by logZ, beside the
// flow's.
func drawPair(name string, pr problem, model *distributions.TransformedDistribution, logZ float64, dir string) error {
	b := viz.Bounds{XMin: pr.lo[0], XMax: pr.hi[0], YMin: pr.lo[1], YMax: pr.hi[1]}
	if name == "funnel" {
		b = viz.Bounds{XMin: -9, XMax: 9, YMin: -20, YMax: 20}
	}
	truth := viz.LogProbFunc(func(x *tensor.Dense) ([]float64, error) {
		n := x.Shape()[0]
		out := make([]float64, n)
		err := targets.LogDensityRows(pr.target, out, x.Float64s())
		for r := range out {
			out[r] -= logZ
		}
		return out, err
	})
	var figs []*viz.Figure
	for _, lp := range []viz.LogProber{truth, model} {
		f, err := viz.DensityHeatmap(lp, viz.DensityOptions{Bounds: b, Cols: 120, Rows: 120})
		if err != nil {
			return err
		}
		figs = append(figs, f)
	}
	figs[0].Plots[0][0].Title.Text = name + ": target π"
	figs[1].Plots[0][0].Title.Text = name + ": flow q"
	fig := &viz.Figure{
		Plots:     [][]*plot.Plot{{figs[0].Plots[0][0], figs[1].Plots[0][0]}},
		ColorBars: [][]*plot.Plot{{figs[0].ColorBars[0][0], figs[1].ColorBars[0][0]}},
		Width:     2 * figs[0].Width, Height: figs[0].Height,
	}
	return fig.Save(figurePath(dir, name))
}

func figurePath(dir, name string) string { return filepath.Join(dir, "vi-"+name+".png") }

// prepareFigures makes -out and checks its figures' paths before any
// training, so that a bad -out is refused at once rather than after the
// first fit.
func prepareFigures(dir string, names []string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	var outs []cli.Named
	for _, name := range names {
		outs = append(outs, cli.Out("out", figurePath(dir, name)))
	}
	return cli.CheckFiles(nil, outs)
}

// fitLogistic fits the breast-cancer posterior and compares it with the
// reference from long HMC.
func fitLogistic(ctx context.Context, cfg config, stdout io.Writer) error {
	target, err := targets.BreastCancerLogistic()
	if err != nil {
		return err
	}
	ref, err := targets.BreastCancerReference()
	if err != nil {
		return err
	}
	model, took, err := fitTarget(ctx, "logistic", target, false, cfg, stdout)
	if err != nil {
		return err
	}
	x, w, e, err := measure(model, target, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "target=logistic ess=%.3f log_z=%.4f±%.4f elbo=%.4f pareto_k=%.2f seconds=%.0f\n",
		e.ESSFraction, e.LogZ, e.LogZSE, e.ELBO, e.ParetoK, took.Seconds())
	// The flow's own moments, then those reweighted by the importance
	// weights (self-normalised), against the reference.
	for _, m := range []struct {
		name string
		w    []float64
	}{{"flow", nil}, {"reweighted", w}} {
		mean, sd := moments(x, m.w, target.Dim())
		dev, err := ref.Deviations(mean)
		if err != nil {
			return err
		}
		worst, worstSD := 0.0, 0.0
		for j := range dev {
			worst = math.Max(worst, math.Abs(dev[j]))
			worstSD = math.Max(worstSD, math.Abs(sd[j]/ref.SD[j]-1))
		}
		fmt.Fprintf(stdout, "target=logistic moments=%s max_mean_dev_sd=%.3f max_sd_rel_err=%.3f\n", m.name, worst, worstSD)
	}
	return nil
}

// moments returns the weighted means and standard deviations of the
// columns of the rows of x (nil w: equal weights).
func moments(x, w []float64, P int) (mean, sd []float64) {
	n := len(x) / P
	mean, sd = make([]float64, P), make([]float64, P)
	total := 0.0
	for r := range n {
		wr := 1.0
		if w != nil {
			wr = w[r]
		}
		total += wr
		for j := range P {
			mean[j] += wr * x[r*P+j]
		}
	}
	for j := range mean {
		mean[j] /= total
	}
	for r := range n {
		wr := 1.0
		if w != nil {
			wr = w[r]
		}
		for j := range P {
			d := x[r*P+j] - mean[j]
			sd[j] += wr * d * d
		}
	}
	for j := range sd {
		sd[j] = math.Sqrt(sd[j] / total)
	}
	return mean, sd
}
