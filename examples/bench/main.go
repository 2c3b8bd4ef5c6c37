// Command bench measures ffjord-go on the tutorial's problem and prints one
// figure per line as name=value unit: seconds per training epoch for both
// graph engines and gradient modes, solver evaluations per block, the cost
// of one dynamics evaluation, the executor's vector kernels against its
// pure-Go ones, log-prob and sampling throughput with the tutorial's
// whole-batch evaluation (rtol 1e-3) and the default per-row one (rtol 1e-5),
// a training epoch with per-row steps, and the speed-up from a second
// goroutine; then the digits-scale section (digits.go): the 64-D training
// step, each kernel's rate against the machine's measured FMA peak, flow
// matching's steps and the exact trace's cost. Absolute times depend on the
// machine; compare the ratios, which are measured in the same run.
//
//	go run ./examples/bench                # both
//	go run ./examples/bench -only digits   # the digits-scale section alone
//
// With -pytorch python3 it also times the same work in PyTorch +
// torchdiffeq (scripts/pytorch), in turns with its own, and prints both
// sides' ratios from the same run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/graph"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

func main() {
	cli.Main("bench", func(ctx context.Context, args []string, stdout io.Writer) error {
		fs := flag.NewFlagSet("", flag.ContinueOnError) // errors are prefixed with the program's name
		batches := fs.Int("batches", 32, fmt.Sprintf("batches of 256 per timed epoch (the tutorial's 32), 1 to %d", cli.MaxSamples/256))
		only := fs.String("only", "", "run one section only: tutorial or digits (default both)")
		torchCmd := fs.String("pytorch", "", "Python command that runs the PyTorch replicas in scripts/pytorch beside\nthe tutorial epoch and the digits step, e.g. python3 (default: none)")
		if err := cli.Parse(fs, "bench [-batches N] [-only tutorial|digits] [-pytorch CMD]", args, stdout); err != nil {
			return err
		}
		if err := cli.CheckInt("batches", *batches, 1, cli.MaxSamples/256); err != nil {
			return err
		}
		py, err := newPytorch(ctx, *torchCmd)
		if err != nil {
			return err
		}
		switch *only {
		case "":
		case "tutorial":
			return run(*batches, py)
		case "digits":
			return digitsScale(py)
		default:
			return fmt.Errorf("-only %q: want tutorial or digits", *only)
		}
		if err := run(*batches, py); err != nil {
			return err
		}
		return digitsScale(py)
	})
}

func emit(name string, value float64, unit string) {
	fmt.Printf("%s=%.4g %s\n", name, value, unit)
}

func run(batches int, py *pytorch) error {
	data, err := datasets.Moons(256*batches, datasets.MoonsNoise, true, rand.NewPCG(1, 1))
	if err != nil {
		return err
	}
	epoch := map[string]float64{}
	for _, engine := range []graph.Engine{graph.Executor, graph.TapeMachine} {
		if err := graph.SetDefaultEngine(engine); err != nil {
			return err
		}
		for _, mode := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
			secs, stats, err := timeEpoch(data, mode, 0, ode.DefaultStepControl)
			if err != nil {
				return err
			}
			name := fmt.Sprintf("epoch_%s_%s", mode, engine)
			epoch[name] = secs
			emit(name, secs, "s")
			if engine == graph.Executor {
				for k := range stats.ForwardNFE {
					emit(fmt.Sprintf("nfe_forward_block%d_%s", k, mode), stats.ForwardNFE[k], "per-batch")
					emit(fmt.Sprintf("nfe_backward_block%d_%s", k, mode), stats.BackwardNFE[k], "per-batch")
				}
			}
		}
		ft, vjp, err := micro()
		if err != nil {
			return err
		}
		emitMicro(engine.String(), ft, vjp)
	}
	if err := graph.SetDefaultEngine(graph.Executor); err != nil {
		return err
	}
	one, _, err := timeEpoch(data, ode.BacksolveAdjoint{}, 1, ode.DefaultStepControl)
	if err != nil {
		return err
	}
	two, _, err := timeEpoch(data, ode.BacksolveAdjoint{}, 2, ode.DefaultStepControl)
	if err != nil {
		return err
	}
	if py != nil {
		epoch := func() (float64, error) {
			secs, _, err := timeEpoch(data, ode.BacksolveAdjoint{}, 0, ode.DefaultStepControl)
			return secs, err
		}
		if err := tutorialVsTorch(py, epoch, batches); err != nil {
			return err
		}
	}
	emit("epoch_adjoint_1_goroutine", one, "s")
	emit("epoch_adjoint_2_goroutines", two, "s")
	emit("speedup_2_goroutines", one/two, "x")
	emit("ratio_epoch_executor_vs_tapemachine_adjoint", epoch["epoch_adjoint_executor"]/epoch["epoch_adjoint_tapemachine"], "x")
	emit("ratio_epoch_executor_vs_tapemachine_discrete", epoch["epoch_discrete_executor"]/epoch["epoch_discrete_tapemachine"], "x")
	// Training with per-row steps against whole-batch steps: the two
	// epochs timed in turns, three times, the fastest of each kept, so that
	// a slow spell of a shared machine does not fall on one of them alone.
	for _, mode := range []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}} {
		row, batch := math.Inf(1), math.Inf(1)
		var stats train.EpochStats
		for range 3 {
			b, _, err := timeEpoch(data, mode, 0, ode.WholeBatch)
			if err != nil {
				return err
			}
			r, st, err := timeEpoch(data, mode, 0, ode.PerRow)
			if err != nil {
				return err
			}
			row, batch, stats = math.Min(row, r), math.Min(batch, b), st
		}
		emit(fmt.Sprintf("epoch_%s_row", mode), row, "s")
		emit(fmt.Sprintf("ratio_epoch_%s_row_vs_batch", mode), row/batch, "x")
		emit(fmt.Sprintf("nfe_forward_%s_row", mode), sum(stats.ForwardNFE), "calls per batch")
	}
	if err := compareKernels(data); err != nil {
		return err
	}
	if err := stepCosts(tensor.New(tensor.WithShape(256, 2), tensor.WithBacking(data.Float64s()[:512]))); err != nil {
		return err
	}
	return throughput()
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// compareKernels times the executor on each kernel set, interleaved and
// best of three, so that both see the same machine: an epoch per gradient
// mode, one f + trace and one VJP, all on one goroutine. The kernels are
// what is compared; with two goroutines on a shared machine the epochs
// measure the scheduler as much (see speedup_2_goroutines). It leaves the
// initial default set.
func compareKernels(data *tensor.Dense) error {
	initial := graph.DefaultKernels()
	defer func() { _ = graph.SetDefaultKernels(initial) }()
	sets := []graph.KernelSet{graph.Vector, graph.PureGo}
	if !graph.Vector.Available() {
		fmt.Println("kernels_vector=unavailable (needs amd64 with AVX2 and FMA, built without -tags purego)")
		sets = sets[1:]
	}
	type best struct {
		epoch   map[string]float64 // by gradient mode
		ft, vjp testing.BenchmarkResult
	}
	res := map[graph.KernelSet]*best{}
	modes := []ode.Gradient{ode.BacksolveAdjoint{}, ode.Discrete{}}
	for round := range 3 {
		for _, ks := range sets {
			if err := graph.SetDefaultKernels(ks); err != nil {
				return err
			}
			if round == 0 {
				res[ks] = &best{epoch: map[string]float64{}}
			}
			b := res[ks]
			for _, mode := range modes {
				secs, _, err := timeEpoch(data, mode, 1, ode.DefaultStepControl)
				if err != nil {
					return err
				}
				if m := fmt.Sprint(mode); round == 0 || secs < b.epoch[m] {
					b.epoch[m] = secs
				}
			}
			ft, vjp, err := micro()
			if err != nil {
				return err
			}
			if round == 0 || ft.NsPerOp() < b.ft.NsPerOp() {
				b.ft = ft
			}
			if round == 0 || vjp.NsPerOp() < b.vjp.NsPerOp() {
				b.vjp = vjp
			}
		}
	}
	for _, ks := range sets {
		for _, mode := range modes {
			emit(fmt.Sprintf("epoch_%s_executor_%s", mode, ks), res[ks].epoch[fmt.Sprint(mode)], "s")
		}
		emitMicro("executor_"+ks.String(), res[ks].ft, res[ks].vjp)
	}
	if len(sets) == 2 {
		v, p := res[graph.Vector], res[graph.PureGo]
		for _, mode := range modes {
			m := fmt.Sprint(mode)
			emit(fmt.Sprintf("ratio_epoch_%s_vector_vs_purego", m), v.epoch[m]/p.epoch[m], "x")
		}
		emit("ratio_ftrace_vector_vs_purego", float64(v.ft.NsPerOp())/float64(p.ft.NsPerOp()), "x")
		emit("ratio_vjp_vector_vs_purego", float64(v.vjp.NsPerOp())/float64(p.vjp.NsPerOp()), "x")
	}
	return nil
}

// newFlow is the tutorial's untrained model; every measurement starts from
// the same weights.
func newFlow() (*train.Flow, error) {
	return train.NewFlow(train.FlowConfig{Dim: 2}, train.Settings{}, rand.NewPCG(2, 2))
}

// timeEpoch trains one epoch from fresh weights and returns its wall time.
func timeEpoch(data *tensor.Dense, mode ode.Gradient, workers int, ctl ode.StepControl) (float64, train.EpochStats, error) {
	flow, err := newFlow()
	if err != nil {
		return 0, train.EpochStats{}, err
	}
	if err := flow.SetSettings(train.Settings{Gradient: mode, Solver: ode.Settings{StepControl: ctl}}); err != nil {
		return 0, train.EpochStats{}, err
	}
	if workers > 0 {
		if err := flow.SetWorkers(workers); err != nil {
			return 0, train.EpochStats{}, err
		}
	}
	tr, err := train.NewTrainer(flow, train.Options{Epochs: 1, Seed: 3})
	if err != nil {
		return 0, train.EpochStats{}, err
	}
	start := time.Now()
	if err := tr.Run(context.Background(), data); err != nil {
		return 0, train.EpochStats{}, err
	}
	return time.Since(start).Seconds(), tr.History()[0], nil
}

// micro times one f + exact trace and one VJP of the tutorial MLP on 256
// points, on one goroutine, with the default engine and kernels.
func micro() (ft, vjp testing.BenchmarkResult, err error) {
	net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: 2}, rand.NewPCG(4, 4))
	if err != nil {
		return ft, vjp, err
	}
	dyn, err := odefunc.New(net)
	if err != nil {
		return ft, vjp, err
	}
	if err := dyn.SetWorkers(1); err != nil {
		return ft, vjp, err
	}
	r := rand.New(rand.NewPCG(5, 5))
	z, a, dz, gz := make([]float64, 512), make([]float64, 512), make([]float64, 512), make([]float64, 512)
	for i := range z {
		z[i], a[i] = r.NormFloat64(), r.NormFloat64()
	}
	tr, c := make([]float64, 256), make([]float64, 256)
	for i := range c {
		c[i] = -1.0 / 256
	}
	var gp [][]float64
	for _, p := range net.Params() {
		gp = append(gp, make([]float64, p.Shape().TotalSize()))
	}
	req := odefunc.Request{Z: z, T: 0.5, Want: odefunc.WantTrace, Trace: odefunc.ExactTrace}
	// Compile the programs first, so that the figures are those of the
	// steady state rather than amortised compilation.
	if err := dyn.Eval(dz, odefunc.Terms{Trace: tr}, req); err != nil {
		return ft, vjp, err
	}
	if err := dyn.VJP(odefunc.VJPOut{F: dz, Z: gz, Params: gp}, req, a, odefunc.Terms{Trace: c}); err != nil {
		return ft, vjp, err
	}
	var failure error
	ft = testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := dyn.Eval(dz, odefunc.Terms{Trace: tr}, req); err != nil {
				failure = err
			}
		}
	})
	vjp = testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := dyn.VJP(odefunc.VJPOut{F: dz, Z: gz, Params: gp}, req, a, odefunc.Terms{Trace: c}); err != nil {
				failure = err
			}
		}
	})
	return ft, vjp, failure
}

// emitMicro prints micro's figures, suffixed with what ran them.
func emitMicro(suffix string, ft, vjp testing.BenchmarkResult) {
	emit("ftrace_"+suffix, float64(ft.NsPerOp())/1e3, "us")
	emit("ftrace_allocs_"+suffix, float64(ft.AllocsPerOp()), "allocs")
	emit("vjp_"+suffix, float64(vjp.NsPerOp())/1e3, "us")
	emit("vjp_allocs_"+suffix, float64(vjp.AllocsPerOp()), "allocs")
}

// throughput measures log p and sampling of 8192 points with the executor,
// with whole-batch and per-row step control (the evaluation default), and
// the evaluations of the dynamics per row and per batched call.
func throughput() error {
	flow, err := newFlow()
	if err != nil {
		return err
	}
	x, err := datasets.Moons(8192, datasets.MoonsNoise, true, rand.NewPCG(6, 6))
	if err != nil {
		return err
	}
	// The tutorial's evaluation (the whole batch at rtol 1e-3, atol 1e-5)
	// against today's default (per row at rtol 1e-5, atol 1e-7): each run
	// once to compile its programs, then timed in turns, three times, the
	// fastest kept.
	controls := []ode.StepControl{ode.WholeBatch, ode.PerRow}
	set := func(c ode.StepControl) error {
		s := ode.Settings{} // evaluation's defaults
		if c == ode.WholeBatch {
			s = ode.Settings{Controller: ode.Adaptive{RTol: ode.DefaultRTol, ATol: ode.DefaultATol}, StepControl: c}
		}
		return flow.SetSettings(train.Settings{Solver: s})
	}
	logProb, sample := []float64{math.Inf(1), math.Inf(1)}, []float64{math.Inf(1), math.Inf(1)}
	for round := range 4 {
		for i, c := range controls {
			if err := set(c); err != nil {
				return err
			}
			start := time.Now()
			if _, err := flow.LogProb(x); err != nil {
				return err
			}
			lp := time.Since(start).Seconds()
			if round == 0 {
				calls, rowNFE := 0, 0
				for _, st := range flow.Stats() {
					calls += st.NFE
					rowNFE += st.RowNFE
				}
				emit("logprob_nfe_per_row_"+c.String(), float64(rowNFE)/8192, "evaluations")
				emit("logprob_calls_"+c.String(), float64(calls), "calls")
			}
			start = time.Now()
			if _, err := flow.Sample(8192); err != nil {
				return err
			}
			sm := time.Since(start).Seconds()
			if round > 0 {
				logProb[i], sample[i] = math.Min(logProb[i], lp), math.Min(sample[i], sm)
			}
		}
	}
	for i, c := range controls {
		emit("logprob_throughput_"+c.String(), 8192/logProb[i], "points/s")
		emit("sample_throughput_"+c.String(), 8192/sample[i], "points/s")
	}
	emit("ratio_logprob_row_vs_batch", logProb[1]/logProb[0], "x")
	return nil
}
