package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/ffjord-go/ffjord-go/graph"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

// digitsScale measures the work the real-data training does: whitened
// 64-D digits, one FFJORD block, an MLP [t×64, z] → 128 → 128 → 64 with
// tanh, Hutchinson's (Rademacher) trace, adjoint gradients, Dormand–Prince
// at rtol 1e-3 and atol 1e-5, batches of 256 (`ffjord train -data … -blocks
// 1 -hidden 128,128 -trace hutchinson-rademacher`). It prints the FMA peak
// of this machine measured by a calibration loop on one goroutine and two,
// the time of a training step on one goroutine and two (interleaved, five
// rounds; median and range), the rate of each kernel of the step with its
// FLOPs counted from the shapes and its fraction of the one-goroutine peak,
// and the cost of the exact trace against Hutchinson's at D = 16, 32, 64.
// With py, PyTorch's step runs once per round, between this library's.
func digitsScale(py *pytorch) error {
	batch, err := digitsBatch()
	if err != nil {
		return err
	}
	flows := map[int]*train.Flow{}
	trainers := map[int]*train.Trainer{}
	for _, w := range []int{1, 2} {
		if flows[w], err = digitsFlow(w); err != nil {
			return err
		}
	}
	// The peak is the best of short calibrations between the rounds: on a
	// shared machine it is what the cores can do, not what was left.
	var peak1, peak2 float64
	calibrate := func() error {
		p1, err := graph.PeakFLOPS(graph.DefaultKernels(), 1, 100*time.Millisecond)
		if err != nil {
			return err
		}
		p2, err := graph.PeakFLOPS(graph.DefaultKernels(), 2, 100*time.Millisecond)
		peak1, peak2 = max(peak1, p1), max(peak2, p2)
		return err
	}
	times := map[int][]float64{}
	var stats train.EpochStats
	var torch []torchRound
	for round := range 5 {
		if err := calibrate(); err != nil {
			return err
		}
		for _, w := range []int{1, 2} {
			secs, st, err := digitsSteps(flows[w], trainers, w, batch, round == 0)
			if err != nil {
				return err
			}
			times[w], stats = append(times[w], secs), st
		}
		if py != nil {
			r, err := py.digitsRound()
			if err != nil {
				return err
			}
			torch = append(torch, r)
		}
	}
	if err := calibrate(); err != nil {
		return err
	}
	emit("digits_peak_1_goroutine", peak1/1e9, "GFLOP/s (best of 6 calibrations)")
	emit("digits_peak_2_goroutines", peak2/1e9, "GFLOP/s")
	for _, w := range []int{1, 2} {
		lo, med, hi := spread(times[w])
		name := fmt.Sprintf("digits_step_%d_goroutine", w)
		if w > 1 {
			name += "s"
		}
		emit(name, med, fmt.Sprintf("s (median of 5; range %.4g–%.4g)", lo, hi))
	}
	speedups := make([]float64, len(times[1]))
	for i := range speedups {
		speedups[i] = times[1][i] / times[2][i]
	}
	lo, med, hi := spread(speedups)
	emit("digits_speedup_2_goroutines", med, fmt.Sprintf("x (median of 5 paired rounds; range %.3g–%.3g)", lo, hi))
	emit("digits_nfe_forward", sum(stats.ForwardNFE), "per step")
	emit("digits_nfe_backward", sum(stats.BackwardNFE), "per step")
	flops, err := digitsKernels(flows[1], trainers, batch, peak1)
	if err != nil {
		return err
	}
	// The step's floor: its counted FLOPs at the two-goroutine peak.
	emit("digits_flop_per_step", flops/1e9, "GFLOP (counted from the kernels' shapes)")
	emit("digits_step_at_peak", flops/peak2, "s (every FLOP at the two-goroutine peak)")
	if torch != nil {
		emitTorch(torch, times, sum(stats.ForwardNFE)+sum(stats.BackwardNFE), flops/peak2)
	}
	if err := digitsMatching(batch); err != nil {
		return err
	}
	return traceCosts()
}

// digitsBatch is 256 dequantised digits, whitened by their own mean and
// covariance.
func digitsBatch() (*tensor.Dense, error) {
	x, _, err := datasets.Digits()
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(8, 8))
	v := slices.Clone(x.Float64s()[:256*64])
	for i := range v {
		v[i] += r.Float64()
	}
	deq := tensor.New(tensor.WithShape(256, 64), tensor.WithBacking(v))
	w, err := train.FitWhitening(deq, 1e-6)
	if err != nil {
		return nil, err
	}
	return w.Inverse(deq)
}

// digitsFlow is the untrained digits-scale flow on workers goroutines.
func digitsFlow(workers int) (*train.Flow, error) {
	flow, err := train.NewFlow(train.FlowConfig{Dim: 64, Blocks: 1, Hidden: []int{128, 128}},
		train.Settings{Trace: odefunc.HutchinsonRademacher}, rand.NewPCG(9, 9))
	if err != nil {
		return nil, err
	}
	return flow, flow.SetWorkers(workers)
}

// digitsStepCount is the number of steps digitsSteps times.
const digitsStepCount = 6

// digitsSteps trains flow for steps on batch (two more first, the first
// time, to compile its programs) and returns the mean time of a step. The
// weights move on from round to round, so later rounds time a slightly
// trained model; both worker counts see the same sequence of weights.
func digitsSteps(flow *train.Flow, trainers map[int]*train.Trainer, w int, batch *tensor.Dense, first bool) (float64, train.EpochStats, error) {
	const steps = digitsStepCount
	warm := 0
	if first {
		warm = 2
	}
	var start time.Time
	tr, err := train.NewTrainer(flow, train.Options{Epochs: warm + steps, Seed: 3, OnEpoch: func(s train.EpochStats) error {
		if s.Epoch == warm {
			start = time.Now()
		}
		return nil
	}})
	if err != nil {
		return 0, train.EpochStats{}, err
	}
	trainers[w] = tr
	if warm == 0 {
		start = time.Now()
	}
	if err := tr.Run(context.Background(), batch); err != nil {
		return 0, train.EpochStats{}, err
	}
	h := tr.History()
	return time.Since(start).Seconds() / steps, h[len(h)-1], nil
}

// digitsKernels profiles steps of the flow on one goroutine and prints
// each kernel's rate, its share of the step's kernel time and, for the
// products, its fraction of the one-goroutine peak: from the total time
// of its calls (mean) and from its fastest call (best, the kernel's own
// speed where the machine is shared). It returns the FLOPs of a step.
func digitsKernels(flow *train.Flow, trainers map[int]*train.Trainer, batch *tensor.Dense, peak float64) (float64, error) {
	graph.StartProfile()
	if _, _, err := digitsSteps(flow, trainers, 1, batch, false); err != nil {
		graph.StopProfile()
		return 0, err
	}
	prof := graph.StopProfile()
	var total time.Duration
	var flops float64
	for _, k := range prof {
		total += k.Time
		flops += k.FLOPs
	}
	for _, k := range prof {
		share := float64(k.Time) / float64(total)
		if share < 0.01 {
			continue
		}
		name := "digits_kernel_" + k.Kernel + "_" + strings.ReplaceAll(k.Shape, "×", "x")
		mean := k.FLOPs / k.Time.Seconds()
		best := k.FLOPs / float64(k.Calls) / k.Best.Seconds()
		unit := fmt.Sprintf("GFLOP/s mean, %.4g best (%.1f%% of kernel time", best/1e9, 100*share)
		if k.Kernel != "tanh" && !strings.HasPrefix(k.Kernel, "concat") && (strings.HasPrefix(k.Kernel, "matmul") || strings.Contains(k.Kernel, "layer")) {
			unit += fmt.Sprintf("; %.0f%% of peak mean, %.0f%% best", 100*mean/peak, 100*best/peak)
		}
		emit(name, mean/1e9, unit+")")
	}
	return flops / digitsStepCount, nil
}

// traceCosts times one f + trace of an MLP with hidden widths 128, 128 on
// 256 points, one goroutine, exact against Hutchinson's, at D = 16, 32, 64.
func traceCosts() error {
	for _, D := range []int{16, 32, 64} {
		net, err := odefunc.NewMLP(odefunc.MLPConfig{Dim: D, Hidden: []int{128, 128}}, rand.NewPCG(4, 4))
		if err != nil {
			return err
		}
		dyn, err := odefunc.New(net)
		if err != nil {
			return err
		}
		if err := dyn.SetWorkers(1); err != nil {
			return err
		}
		r := rand.New(rand.NewPCG(5, 5))
		z, eps, dz, tr := make([]float64, 256*D), make([]float64, 256*D), make([]float64, 256*D), make([]float64, 256)
		for i := range z {
			z[i], eps[i] = r.NormFloat64(), float64(2*r.IntN(2)-1)
		}
		best := map[odefunc.Trace]float64{}
		for round := range 4 {
			for _, est := range []odefunc.Trace{odefunc.ExactTrace, odefunc.HutchinsonRademacher} {
				reps := 1
				if est != odefunc.ExactTrace {
					reps = 10
				}
				start := time.Now()
				for range reps {
					if err := dyn.Eval(dz, odefunc.Terms{Trace: tr}, odefunc.Request{Z: z, T: 0.5, Want: odefunc.WantTrace, Trace: est, Noise: eps}); err != nil {
						return err
					}
				}
				secs := time.Since(start).Seconds() / float64(reps)
				if round == 1 || (round > 1 && secs < best[est]) {
					best[est] = secs // round 0 compiles
				}
			}
		}
		emit(fmt.Sprintf("ftrace_exact_D%d", D), best[odefunc.ExactTrace]*1e3, "ms")
		emit(fmt.Sprintf("ratio_ftrace_exact_vs_hutchinson_D%d", D), best[odefunc.ExactTrace]/best[odefunc.HutchinsonRademacher], "x")
	}
	return nil
}

// spread returns the least, median and greatest of v.
func spread(v []float64) (lo, med, hi float64) {
	s := slices.Sorted(slices.Values(v))
	return s[0], s[len(s)/2], s[len(s)-1]
}

// digitsMatching times a flow-matching step of the digits-scale model on
// one goroutine, CFM and OT-CFM (one evaluation of the field and one VJP,
// OT-CFM adding the batch's exact assignment), with their allocations,
// with Gorgonia's Adam and with train.InPlaceAdam,
// and the assignment alone on the same kind of batch: the whitened digits
// against as many standard normal points.
func digitsMatching(batch *tensor.Dense) error {
	var cfm float64
	for _, obj := range []train.Criterion{train.CFM{SigmaMin: 0.1}, train.OTCFM{SigmaMin: 0.1}} {
		for _, u := range []train.AdamUpdate{train.GorgoniaAdam{}, train.InPlaceAdam{}} {
			flow, err := digitsFlow(1)
			if err != nil {
				return err
			}
			best, allocs := math.Inf(1), 0.0
			for range 3 {
				us, a, err := timeSteps(flow, batch, obj, u, 3, 20)
				if err != nil {
					return err
				}
				best, allocs = math.Min(best, us), a
			}
			name := obj.String() + adamSuffix(u)
			emit("digits_step_"+name, best, "us (best of 3 runs of 20)")
			emit("digits_step_allocs_"+name, allocs, "allocs")
			if name == "cfm" {
				cfm = best
			}
		}
	}
	const n, D = 256, 64
	x := batch.Float64s()
	r := rand.New(rand.NewPCG(10, 10))
	cost := make([]float64, n*n)
	for j := range n {
		y := make([]float64, D)
		for d := range y {
			y[d] = r.NormFloat64()
		}
		for i := range n {
			s := 0.0
			for d, v := range y {
				e := x[i*D+d] - v
				s += e * e
			}
			cost[i*n+j] = s
		}
	}
	dst := make([]int, n)
	best := math.Inf(1)
	for range 20 {
		start := time.Now()
		if _, err := train.Assign(dst, cost, n); err != nil {
			return err
		}
		best = math.Min(best, float64(time.Since(start).Microseconds()))
	}
	emit("digits_assign_256", best, "us (best of 20)")
	emit("ratio_digits_assign_vs_cfm_step", best/cfm, "x")
	return nil
}
