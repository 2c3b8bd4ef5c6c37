// Command gorgonia trains a user's own Gorgonia model that contains a CNF:
// an ordinary Gorgonia MLP maps raw features u to the context c of a
// conditional FFJORD flow p(x | c), and gnode.LogProb puts the flow into
// the same graph. Gorgonia's gradient (gorgonia.Grad, whose step through
// the flow is the library's adjoint, reaching the MLP through ∂L/∂c) and
// Gorgonia's Adam train the MLP's and the flow's parameters together, end
// to end.
//
// It then trains, for comparison, the library's own conditional flow of the
// raw features (context = u itself) with the library's trainer, and
// evaluates both on fresh data.
//
//	go run ./examples/gorgonia -epochs 12 -out out/gorgonia
//
// The data are two moons, x, whose label is seen only through F = 6 noisy
// raw features u = a_label + 0.5·ε. The model and solver flags are those of
// examples/moons; RNODE's regularisers, clipping and the cosine schedule
// belong to the library's trainer and are refused. Each epoch of the
// Gorgonia route trains on whole batches (a remainder of fewer than -batch
// points is left out). The output directory receives both trained flows as
// library checkpoints (gorgonia.json, library.json).
//
// It prints a line per epoch of each route, library_test_nll=, and last
// test_nll= of the Gorgonia model: the mean of −log p(x | c(u)) on fresh
// points.
package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/ffjord-go/ffjord-go/checkpoint"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/graph"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func main() { cli.Main("gorgonia", run) }

// features is F, the raw features of a point; contextDim is C, the
// encoder's output; hidden its hidden units.
const features, contextDim, hidden = 6, 2, 16

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
	cfg, settings, opts, err := fl.Training(2)
	if err != nil {
		return err
	}
	paths := map[string]string{"gorgonia": filepath.Join(*out, "gorgonia.json"), "library": filepath.Join(*out, "library.json")}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	if err := cli.CheckFiles(nil, []cli.Named{cli.Out("out", paths["gorgonia"]), cli.Out("out", paths["library"])}); err != nil {
		return err
	}

	x, u, err := rawMoons(*n, rand.NewPCG(fl.Seed, 1))
	if err != nil {
		return err
	}
	xt, ut, err := rawMoons(*testN, rand.NewPCG(fl.Seed+1000, 3))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gorgonia: %d points with %d raw features, %d blocks, %s gradients, %d epochs of batches of %d\n",
		*n, features, cfg.Blocks, settings.Gradient, opts.Epochs, opts.BatchSize)

	// The Gorgonia route: the user's graph, Gorgonia's gradient and Adam.
	cfg.Context = contextDim
	flow, err := train.NewFlow(cfg, settings, rand.NewPCG(fl.Seed, 2))
	if err != nil {
		return err
	}
	enc := newEncoder(features, hidden, contextDim, rand.NewPCG(fl.Seed, 5))
	start := time.Now()
	if err := trainGraph(ctx, flow, enc, x.Float64s(), u.Float64s(), opts, stdout); err != nil {
		return err
	}
	gorgoniaSeconds := time.Since(start).Seconds()
	testNLL, err := graphNLL(flow, enc, xt.Float64s(), ut.Float64s())
	if err != nil {
		return err
	}
	// The Gorgonia-trained flow is a library model too: its NLL by the
	// library's route, given the encoder's contexts.
	check, err := flow.NLLContext(xt, enc.contexts(ut))
	if err != nil {
		return err
	}

	// The library's route: a conditional flow of the raw features.
	cfg.Context = features
	lib, err := train.NewFlow(cfg, settings, rand.NewPCG(fl.Seed, 2))
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
	if err := trainer.RunContext(ctx, x, u); err != nil {
		return err
	}
	librarySeconds := time.Since(start).Seconds()
	libNLL, err := lib.NLLContext(xt, ut)
	if err != nil {
		return err
	}
	if err := checkpoint.Save(paths["gorgonia"], flow, nil, checkpoint.Codec{}); err != nil {
		return err
	}
	if err := checkpoint.Save(paths["library"], lib, nil, checkpoint.Codec{}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gorgonia_seconds=%.1f library_seconds=%.1f\n", gorgoniaSeconds, librarySeconds)
	fmt.Fprintf(stdout, "gorgonia_model_nll_by_library=%.6f (the graph's: %.6f)\n", check, testNLL)
	fmt.Fprintf(stdout, "library_test_nll=%.4f\n", libNLL)
	fmt.Fprintf(stdout, "test_nll=%.4f\n", testNLL)
	return nil
}

// trainGraph trains the encoder and the flow end to end on the rows of x
// and u: gorgonia.Grad of the mean NLL, a TapeMachine and Gorgonia's Adam.
func trainGraph(ctx context.Context, flow *train.Flow, enc encoder, x, u []float64, opts train.Options, stdout io.Writer) error {
	m, err := newModel(flow, enc, opts.BatchSize, features, true)
	if err != nil {
		return err
	}
	if _, err := G.Grad(m.nll, m.learnables()...); err != nil {
		return err
	}
	vm := G.NewTapeMachine(m.g, G.BindDualValues(m.learnables()...))
	defer vm.Close()
	solver := G.NewAdamSolver(G.WithLearnRate(opts.LearningRate))
	rows := len(x) / flow.Dim()
	shuffle := rand.New(rand.NewPCG(opts.Seed, 4))
	for epoch := 1; epoch <= opts.Epochs; epoch++ {
		start, loss, batches := time.Now(), 0.0, 0
		perm := shuffle.Perm(rows)
		for lo := 0; lo+opts.BatchSize <= rows; lo += opts.BatchSize {
			if ctx.Err() != nil {
				return fmt.Errorf("training in the graph stopped in epoch %d: %w", epoch, context.Cause(ctx))
			}
			m.load(x, u, perm[lo:lo+opts.BatchSize])
			if err := vm.RunAll(); err != nil {
				return fmt.Errorf("epoch %d: %w", epoch, graph.MachineError(err))
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
func graphNLL(flow *train.Flow, enc encoder, x, u []float64) (float64, error) {
	rows := len(x) / flow.Dim()
	m, err := newModel(flow, enc, rows, features, false)
	if err != nil {
		return 0, err
	}
	idx := make([]int, rows)
	for i := range idx {
		idx[i] = i
	}
	m.load(x, u, idx)
	vm := G.NewTapeMachine(m.g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		return 0, graph.MachineError(err)
	}
	return m.nll.Value().Data().(float64), nil
}

// contexts computes the encoder's c = tanh(u·W1 + b1)·W2 + b2 for the rows
// of u in plain Go: the library's evaluation of the Gorgonia model.
func (e encoder) contexts(u *tensor.Dense) *tensor.Dense {
	F, H, C := e.w1.Shape()[0], e.w1.Shape()[1], e.w2.Shape()[1]
	uv := u.Float64s()
	rows := len(uv) / F
	w1, b1, w2, b2 := e.w1.Float64s(), e.b1.Float64s(), e.w2.Float64s(), e.b2.Float64s()
	out := make([]float64, rows*C)
	h := make([]float64, H)
	for r := range rows {
		for j := range H {
			s := b1[j]
			for i := range F {
				s += uv[r*F+i] * w1[i*H+j]
			}
			h[j] = math.Tanh(s)
		}
		for k := range C {
			s := b2[k]
			for j := range H {
				s += h[j] * w2[j*C+k]
			}
			out[r*C+k] = s
		}
	}
	return tensor.New(tensor.WithShape(rows, C), tensor.WithBacking(out))
}

// rawMoons returns n moons and, for each, F raw features that see its
// label only through noise: u = a_label + 0.5·ε with a_0 = −a_1 fixed.
func rawMoons(n int, src rand.Source) (x, u *tensor.Dense, err error) {
	x, labels, err := datasets.MoonsLabeled(n, datasets.MoonsNoise, true, src)
	if err != nil {
		return nil, nil, err
	}
	r := rand.New(src)
	uv := make([]float64, n*features)
	for i, l := range labels {
		sign := float64(2*l - 1)
		for j := range features {
			uv[i*features+j] = sign*float64(j+1)/features + 0.5*r.NormFloat64()
		}
	}
	return x, tensor.New(tensor.WithShape(n, features), tensor.WithBacking(uv)), nil
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
