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
// raw features u = a_label + 0.5·ε. The model, solver and training flags
// are those of examples/moons that both routes honour; -clip scales the
// gradient of each route to that global L2 norm (in the Gorgonia route
// the encoder's gradient too). The library trainer's other options (the
// cosine schedule, weight decay, RNODE's regularisers, flow matching) have
// no counterpart in a Gorgonia graph of log p and Gorgonia's Adam, and are
// not offered. Each epoch of the Gorgonia route trains on whole batches (a
// remainder of fewer than -batch points is left out). The output directory
// receives both trained flows as library checkpoints (gorgonia.json,
// library.json).
//
// It prints a line per epoch of each route, then the Gorgonia model's NLL
// on the fresh points three ways: by its graph as trained
// (graph_nll_as_trained: the node's training solve, the batch as one ODE at
// rtol 1e-3), by its graph with gnode.Options.Evaluation (graph_nll) and by
// the library's evaluation given the graph's contexts (library_nll), the
// last two the same per-point solve at rtol 1e-5 and equal to rounding.
// Last come library_test_nll, the library-trained flow's, and test_nll, the
// Gorgonia model's by the library's evaluation: the mean of −log p(x | c(u))
// on the fresh points, as every program's test_nll.
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

	"github.com/ffjord-go/ffjord-go/checkpoint"
	"github.com/ffjord-go/ffjord-go/distributions/gnode"
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

// libraryOnly are the flags of cli.Register that only the library's
// trainer could honour.
var libraryOnly = []string{"cosine", "weight-decay", "kinetic", "jacobian", "objective", "sigma-min"}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fl := cli.RegisterWithout(fs, 5, libraryOnly...)
	setDefault(fs, "epochs", "16") // a run of about a minute
	var (
		n     = fs.Int("n", 2048, fmt.Sprintf("training points, 1 to %d", cli.MaxSamples))
		testN = fs.Int("test-n", 4096, fmt.Sprintf("fresh points for the test NLL, 1 to %d", cli.MaxSamples))
		out   = fs.String("out", "out/gorgonia", "output directory")
	)
	if err := cli.Parse(fs, "gorgonia [flags]", args, stdout); err != nil {
		return err
	}
	for _, err := range []error{fl.Check(), cli.CheckInt("n", *n, 1, cli.MaxSamples), cli.CheckInt("test-n", *testN, 1, cli.MaxSamples), cli.RequirePath("out", *out)} {
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
	paths, err := outputs(*out)
	if err != nil {
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
	ev, err := evaluate(flow, enc, xt, ut)
	if err != nil {
		return err
	}

	// The library's route: a conditional flow of the raw features.
	start = time.Now()
	lib, libNLL, err := trainLibrary(ctx, cfg, settings, opts, fl.Seed, x, u, xt, ut, stdout)
	if err != nil {
		return err
	}
	librarySeconds := time.Since(start).Seconds()
	if err := checkpoint.Save(paths["gorgonia"], flow, nil, checkpoint.Codec{}); err != nil {
		return err
	}
	if err := checkpoint.Save(paths["library"], lib, nil, checkpoint.Codec{}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gorgonia_seconds=%.1f library_seconds=%.1f\n", gorgoniaSeconds, librarySeconds)
	ev.print(stdout)
	fmt.Fprintf(stdout, "library_test_nll=%.4f\n", libNLL)
	fmt.Fprintf(stdout, "test_nll=%.4f\n", ev.library)
	return nil
}

// outputs makes the output directory and returns the paths of the two
// checkpoints, after checking that they can be written.
func outputs(dir string) (map[string]string, error) {
	paths := map[string]string{"gorgonia": filepath.Join(dir, "gorgonia.json"), "library": filepath.Join(dir, "library.json")}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("-out: %w", err)
	}
	return paths, cli.CheckFiles(nil, []cli.Named{cli.Out("out", paths["gorgonia"]), cli.Out("out", paths["library"])})
}

// trainLibrary trains the library's conditional flow of the raw features
// with the library's trainer and returns it with its NLL on the test rows.
func trainLibrary(ctx context.Context, cfg train.FlowConfig, settings train.Settings, opts train.Options, seed uint64, x, u, xt, ut *tensor.Dense, stdout io.Writer) (*train.Flow, float64, error) {
	cfg.Context = features
	lib, err := train.NewFlow(cfg, settings, rand.NewPCG(seed, 2))
	if err != nil {
		return nil, 0, err
	}
	opts.OnEpoch = func(e train.EpochStats) error {
		fmt.Fprintf(stdout, "library  epoch %d: train_nll=%.4f seconds=%.1f\n", e.Epoch, e.Loss, e.Seconds)
		return nil
	}
	trainer, err := train.NewTrainer(lib, opts)
	if err != nil {
		return nil, 0, err
	}
	if err := trainer.RunContext(ctx, x, u); err != nil {
		return nil, 0, err
	}
	nll, err := lib.NLLContext(xt, ut)
	return lib, nll, err
}

// trainGraph trains the encoder and the flow end to end on the rows of x
// and u: gorgonia.Grad of the mean NLL, a TapeMachine and Gorgonia's Adam,
// with the gradient scaled to opts.ClipNorm as the library's trainer does.
func trainGraph(ctx context.Context, flow *train.Flow, enc encoder, x, u []float64, opts train.Options, stdout io.Writer) error {
	m, err := newModel(flow, enc, opts.BatchSize, features, trainingNode)
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
			if opts.ClipNorm > 0 {
				clipNorm(m.learnables(), opts.ClipNorm)
			}
			// Step applies and clears the gradients, which the machine
			// would otherwise add the next run's to.
			if err := solver.Step(G.NodesToValueGrads(m.learnables())); err != nil {
				return err
			}
			vm.Reset()
		}
		fmt.Fprintf(stdout, "gorgonia epoch %d: train_nll=%.4f seconds=%.1f\n", epoch, loss/float64(batches), time.Since(start).Seconds())
	}
	return nil
}

// clipNorm scales the gradients of nodes so that their global L2 norm is
// at most c, as train.Options.ClipNorm does.
func clipNorm(nodes []*G.Node, c float64) {
	var grads [][]float64
	var sq float64
	for _, n := range nodes {
		gv, err := n.Grad()
		if err != nil {
			continue
		}
		g := gv.Data().([]float64)
		for _, v := range g {
			sq += v * v
		}
		grads = append(grads, g)
	}
	if norm := math.Sqrt(sq); norm > c {
		for _, g := range grads {
			for i := range g {
				g[i] *= c / norm
			}
		}
	}
}

// evaluation is the Gorgonia model's NLL on the test rows: by its graph as
// trained, by its graph solving as the library evaluates, and by the
// library given the graph's contexts.
type evaluation struct {
	asTrained, graph, library float64
}

// evaluate computes the evaluation, in graphs of all the test rows built
// by the same function as the training graph, with the exact trace.
func evaluate(flow *train.Flow, enc encoder, xt, ut *tensor.Dense) (ev evaluation, err error) {
	if ev.asTrained, _, err = graphNLL(flow, enc, xt.Float64s(), ut.Float64s(), asTrainedNode); err != nil {
		return ev, err
	}
	var c *tensor.Dense
	if ev.graph, c, err = graphNLL(flow, enc, xt.Float64s(), ut.Float64s(), evaluationNode); err != nil {
		return ev, err
	}
	// The Gorgonia-trained flow is a library model too: its NLL by the
	// library's route, given the contexts the graph's encoder computed.
	ev.library, err = flow.NLLContext(xt, c)
	return ev, err
}

func (ev evaluation) print(w io.Writer) {
	fmt.Fprintf(w, "graph_nll_as_trained=%.6f (the node's training solve: the batch as one ODE at rtol 1e-3, atol 1e-5)\n", ev.asTrained)
	fmt.Fprintf(w, "graph_nll=%.6f library_nll=%.6f difference=%.1e (both per point at rtol 1e-5, atol 1e-7)\n", ev.graph, ev.library, math.Abs(ev.graph-ev.library))
}

// graphNLL evaluates the trained model in a graph of all the rows, and
// returns the mean NLL and the encoder's contexts c.
func graphNLL(flow *train.Flow, enc encoder, x, u []float64, node gnode.Options) (float64, *tensor.Dense, error) {
	rows := len(x) / flow.Dim()
	m, err := newModel(flow, enc, rows, features, node)
	if err != nil {
		return 0, nil, err
	}
	idx := make([]int, rows)
	for i := range idx {
		idx[i] = i
	}
	m.load(x, u, idx)
	vm := G.NewTapeMachine(m.g, G.TraceExec()) // TraceExec keeps c's value readable
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		return 0, nil, graph.MachineError(err)
	}
	c := m.c.Value().(*tensor.Dense).Clone().(*tensor.Dense)
	return m.nll.Value().Data().(float64), c, nil
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

// setDefault changes a registered flag's default.
func setDefault(fs *flag.FlagSet, name, value string) {
	f := fs.Lookup(name)
	f.DefValue = value
	_ = f.Value.Set(value)
}
