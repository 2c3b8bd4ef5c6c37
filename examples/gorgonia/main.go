// Command gorgonia trains a user's own Gorgonia model that contains a CNF:
// a learnable standardisation layer of raw features, written in Gorgonia,
// in front of the FFJORD flow of the tutorial, put into the same graph by
// gnode.LogProb. Gorgonia's gradient (gorgonia.Grad, whose step through the
// flow is the library's adjoint) and Gorgonia's Adam train the layer's and
// the flow's parameters together, end to end.
//
// It then trains the same model — the layer as a distributions.Affine,
// chained with the same flow from the same weights — with the library's
// trainer, and evaluates both on fresh points.
//
//	go run ./examples/gorgonia -epochs 16 -out out/gorgonia
//
// The data are two moons whose two features come on their own scales and
// offsets (4·x₁ + 10, x₂/2 − 3), as raw features do. Both layers start as
// the data's standardisation. The model and solver flags are those of
// examples/moons; RNODE's regularisers, clipping and the cosine schedule
// belong to the library's trainer and are refused. Each epoch of the
// Gorgonia route trains on the whole batches (a remainder of fewer than
// -batch points is left out). The output directory receives both trained
// models as library checkpoints (gorgonia.json, library.json).
//
// It prints a line per epoch of each route, library_test_nll=, and last
// test_nll= of the Gorgonia model on fresh points.
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

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/examples/internal/cli"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/fileio"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func main() { cli.Main("gorgonia", run) }

// rawScale and rawShift map the moons to the raw features u.
var rawScale, rawShift = []float64{4, 0.5}, []float64{10, -3}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fl := cli.Register(fs, 5)
	setDefault(fs, "epochs", "16") // a run of about a minute
	var (
		n     = fs.Int("n", 2048, fmt.Sprintf("training points, 1 to %d", cli.MaxSamples))
		testN = fs.Int("test-n", 4096, fmt.Sprintf("fresh points for the test NLL, 1 to %d", cli.MaxSamples))
		out   = fs.String("out", "out/gorgonia", "output directory")
	)
	if err := cli.Parse(fs, "gorgonia [flags]", args, stdout); err != nil {
		return err
	}
	for _, err := range []error{fl.Check(), cli.CheckInt("n", *n, 1, cli.MaxSamples), cli.CheckInt("test-n", *testN, 1, cli.MaxSamples), cli.RequirePath("out", *out), trainerOnly(fl)} {
		if err != nil {
			return err
		}
	}
	if fl.Batch > *n {
		return fmt.Errorf("-batch %d: want at most -n %d, the Gorgonia graph holds one whole batch", fl.Batch, *n)
	}
	cfg, err := fl.FlowConfig(2)
	if err != nil {
		return err
	}
	settings, err := fl.Settings()
	if err != nil {
		return err
	}
	opts, err := fl.Options()
	if err != nil {
		return err
	}
	paths := map[string]string{"gorgonia": filepath.Join(*out, "gorgonia.json"), "library": filepath.Join(*out, "library.json")}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	if err := cli.CheckFiles(nil, []fileio.Named{cli.Out("out", paths["gorgonia"]), cli.Out("out", paths["library"])}); err != nil {
		return err
	}

	data, err := rawMoons(*n, rand.NewPCG(fl.Seed, 1))
	if err != nil {
		return err
	}
	test, err := rawMoons(*testN, rand.NewPCG(fl.Seed+1000, 3))
	if err != nil {
		return err
	}
	shift, logScale := standardisation(data.Float64s(), 2)
	fmt.Fprintf(stdout, "gorgonia: %d points of raw features, %d blocks, %s gradients, %d epochs of batches of %d\n",
		*n, cfg.Blocks, settings.Gradient, opts.Epochs, opts.BatchSize)

	// The Gorgonia route: the user's graph, Gorgonia's gradient and Adam.
	flow, err := train.NewFlow(cfg, settings, rand.NewPCG(fl.Seed, 2))
	if err != nil {
		return err
	}
	s := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking(append([]float64(nil), logScale...)))
	b := tensor.New(tensor.WithShape(1, 2), tensor.WithBacking(append([]float64(nil), shift...)))
	start := time.Now()
	if err := trainGraph(ctx, flow, s, b, data.Float64s(), opts, stdout); err != nil {
		return err
	}
	gorgoniaSeconds := time.Since(start).Seconds()
	testNLL, err := graphNLL(flow, s, b, test.Float64s())
	if err != nil {
		return err
	}
	trained, err := withAffine(flow, b.Float64s(), s.Float64s(), settings)
	if err != nil {
		return err
	}

	// The library's route: the same model from the same weights.
	libFlow, err := train.NewFlow(cfg, settings, rand.NewPCG(fl.Seed, 2))
	if err != nil {
		return err
	}
	lib, err := withAffine(libFlow, shift, logScale, settings)
	if err != nil {
		return err
	}
	opts.OnEpoch = func(e train.EpochStats) error {
		fmt.Fprintf(stdout, "library  epoch %d: train_nll=%.4f seconds=%.1f\n", e.Epoch, e.Loss, e.Seconds)
		return nil
	}
	trainer, err := train.NewTrainer(lib, opts)
	if err != nil {
		return err
	}
	start = time.Now()
	if err := trainer.Run(ctx, data); err != nil {
		return err
	}
	librarySeconds := time.Since(start).Seconds()
	libNLL, err := lib.NLL(test)
	if err != nil {
		return err
	}
	// The Gorgonia-trained model is a library model too: its checkpoint
	// and its NLL by the library's route, solved as the graph's recorded
	// pass is (the whole batch as one ODE) so that the two agree to
	// rounding rather than to the tolerance.
	set := trained.Settings()
	set.Solver.StepControl = ode.WholeBatch
	if err := trained.SetSettings(set); err != nil {
		return err
	}
	check, err := trained.NLL(test)
	if err != nil {
		return err
	}
	if err := train.SaveFlow(paths["gorgonia"], trained); err != nil {
		return err
	}
	if err := train.SaveFlow(paths["library"], lib); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gorgonia_seconds=%.1f library_seconds=%.1f\n", gorgoniaSeconds, librarySeconds)
	fmt.Fprintf(stdout, "gorgonia_model_nll_by_library=%.6f (the graph's: %.6f)\n", check, testNLL)
	fmt.Fprintf(stdout, "library_test_nll=%.4f\n", libNLL)
	fmt.Fprintf(stdout, "test_nll=%.4f\n", testNLL)
	return nil
}

// trainGraph trains the model's layer and flow end to end on the rows of
// data: gorgonia.Grad of the mean NLL, a TapeMachine and Gorgonia's Adam.
func trainGraph(ctx context.Context, flow *train.Flow, s, b *tensor.Dense, data []float64, opts train.Options, stdout io.Writer) error {
	m, err := newModel(flow, opts.BatchSize, s, b, true)
	if err != nil {
		return err
	}
	if _, err := G.Grad(m.nll, m.learnables()...); err != nil {
		return err
	}
	vm := G.NewTapeMachine(m.g, G.BindDualValues(m.learnables()...))
	defer vm.Close()
	solver := G.NewAdamSolver(G.WithLearnRate(opts.LearningRate))
	rows := len(data) / 2
	shuffle := rand.New(rand.NewPCG(opts.Seed, 4))
	for epoch := 1; epoch <= opts.Epochs; epoch++ {
		start, loss, batches := time.Now(), 0.0, 0
		perm := shuffle.Perm(rows)
		for lo := 0; lo+opts.BatchSize <= rows; lo += opts.BatchSize {
			if ctx.Err() != nil {
				return fmt.Errorf("training in the graph stopped in epoch %d: %w", epoch, context.Cause(ctx))
			}
			m.load(data, perm[lo:lo+opts.BatchSize])
			if err := vm.RunAll(); err != nil {
				return err
			}
			loss += m.nll.Value().Data().(float64)
			batches++
			if err := solver.Step(G.NodesToValueGrads(m.learnables())); err != nil {
				return err
			}
			vm.Reset()
		}
		fmt.Fprintf(stdout, "gorgonia epoch %d: train_nll=%.4f seconds=%.1f\n", epoch, loss/float64(batches), time.Since(start).Seconds())
	}
	return nil
}

// graphNLL evaluates the trained model in a graph of all the test rows,
// with the exact trace.
func graphNLL(flow *train.Flow, s, b *tensor.Dense, test []float64) (float64, error) {
	rows := len(test) / 2
	m, err := newModel(flow, rows, s, b, false)
	if err != nil {
		return 0, err
	}
	idx := make([]int, rows)
	for i := range idx {
		idx[i] = i
	}
	m.load(test, idx)
	vm := G.NewTapeMachine(m.g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		return 0, err
	}
	return m.nll.Value().Data().(float64), nil
}

// withAffine returns the library's model of the raw features: flow's
// blocks after the Affine u = exp(s) ⊙ z + b, which the density undoes
// first.
func withAffine(flow *train.Flow, shift, logScale []float64, s train.Settings) (*train.Flow, error) {
	a, err := distributions.NewAffine(shift, logScale)
	if err != nil {
		return nil, err
	}
	chain, err := distributions.NewChain(a, flow.Dist.Bijector)
	if err != nil {
		return nil, err
	}
	d, err := distributions.NewTransformed(flow.Base, chain)
	if err != nil {
		return nil, err
	}
	return train.NewFlowOf(d, s)
}

// rawMoons returns n moons as raw features: each on its own scale and
// offset.
func rawMoons(n int, src rand.Source) (*tensor.Dense, error) {
	x, err := datasets.Moons(n, datasets.MoonsNoise, true, src)
	if err != nil {
		return nil, err
	}
	v := x.Float64s()
	for i := range v {
		v[i] = rawScale[i%2]*v[i] + rawShift[i%2]
	}
	return x, nil
}

// standardisation returns the mean and log standard deviation of each
// column: both routes' layer starts as the data's standardisation.
func standardisation(data []float64, D int) (mean, logStd []float64) {
	rows := float64(len(data) / D)
	mean, logStd = make([]float64, D), make([]float64, D)
	for j, v := range data {
		mean[j%D] += v / rows
	}
	for j, v := range data {
		logStd[j%D] += (v - mean[j%D]) * (v - mean[j%D]) / rows
	}
	for i, v := range logStd {
		logStd[i] = 0.5 * math.Log(v)
	}
	return mean, logStd
}

// trainerOnly refuses the flags of the library's trainer that the Gorgonia
// route does not have, so that both routes train the same objective.
func trainerOnly(fl *cli.Flags) error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"kinetic", fl.Kinetic}, {"jacobian", fl.Jacobian}, {"clip", fl.Clip}, {"cosine", fl.Cosine}} {
		if f.v != 0 {
			return fmt.Errorf("-%s %g: the Gorgonia route has no such option (the node gives log p only, and Gorgonia's Adam a constant rate); leave it 0", f.name, f.v)
		}
	}
	return nil
}

// setDefault changes a registered flag's default.
func setDefault(fs *flag.FlagSet, name, value string) {
	f := fs.Lookup(name)
	f.DefValue = value
	_ = f.Value.Set(value)
}
