// Command highdim measures how the cost of a log-density grows with the
// dimension D for the exact trace and for the Hutchinson estimator.
//
// For each D it builds one untrained flow (two blocks of 32-32 MLPs) and
// evaluates log p of the same 1024 points of a two-component Gaussian
// mixture with both estimators, switching the flow's settings in between.
// The exact trace pushes D tangent vectors through the network at every
// evaluation, Hutchinson one, so the exact cost per evaluation grows with D
// while Hutchinson's stays nearly flat.
//
//	go run ./examples/highdim
//
// It prints one figure per line as name=value unit, then the same figures
// as a markdown table. The dynamics run on one goroutine unless -workers
// says otherwise. Absolute times depend on the machine and its load; the
// ratio is measured in the same run on the same flow.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

// The limits of the flags: the exact trace's cost grows as D², so the
// dimensions stay where one machine measures them in minutes.
const (
	maxDim     = 1024
	maxPoints  = 100_000
	maxWorkers = 1024
)

func main() {
	cli.Main("highdim", func(_ context.Context, args []string, stdout io.Writer) error {
		fs := flag.NewFlagSet("", flag.ContinueOnError) // errors are prefixed with the program's name
		dims := fs.String("dims", "2,4,8,16,32", fmt.Sprintf("comma-separated dimensions to measure, each 1 to %d", maxDim))
		points := fs.Int("points", 1024, fmt.Sprintf("points per log-prob call, 1 to %d", maxPoints))
		hidden := fs.Int("hidden", 32, fmt.Sprintf("width of both hidden layers, 1 to %d", cli.MaxWidth))
		budget := fs.Duration("budget", 2*time.Second, "per D, keep repeating the pair of calls (at most 5 times) until this much time is spent; the fastest call counts")
		// One goroutine by default: the figures are then the work per
		// evaluation, not how the machine's other jobs share its cores.
		workers := fs.Int("workers", 1, "goroutines per block's dynamics; 0 keeps the library's default (one per CPU)")
		if err := cli.Parse(fs, "highdim [flags]", args, stdout); err != nil {
			return err
		}
		ds, err := parseDims(*dims)
		if err != nil {
			return err
		}
		for _, err := range []error{
			cli.CheckInt("points", *points, 1, maxPoints),
			cli.CheckInt("hidden", *hidden, 1, cli.MaxWidth),
			cli.CheckInt("workers", *workers, 0, maxWorkers),
		} {
			if err != nil {
				return err
			}
		}
		if *budget < 0 {
			return fmt.Errorf("-budget %v: want ≥ 0", *budget)
		}
		return run(ds, *points, *hidden, *budget, *workers)
	})
}

func parseDims(s string) ([]int, error) {
	var ds []int
	for f := range strings.SplitSeq(s, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || d < 1 || d > maxDim {
			return nil, fmt.Errorf("-dims: %q is not a dimension from 1 to %d", f, maxDim)
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// row is one dimension's measurements.
type row struct {
	d                  int
	exactUS, hutchUS   float64 // per evaluation of f and the trace term, on the whole batch
	exactSec, hutchSec float64 // per log-prob call
	exactNFE, hutchNFE int
}

func emit(name string, value float64, unit string) {
	fmt.Printf("%s=%.4g %s\n", name, value, unit)
}

func run(dims []int, points, hidden int, budget time.Duration, workers int) error {
	var rows []row
	for _, d := range dims {
		r, err := measureDim(d, points, hidden, budget, workers)
		if err != nil {
			return fmt.Errorf("dimension %d: %w", d, err)
		}
		rows = append(rows, r)
		emit(fmt.Sprintf("ftrace_exact_D%d", d), r.exactUS, "us")
		emit(fmt.Sprintf("ftrace_hutchinson_D%d", d), r.hutchUS, "us")
		emit(fmt.Sprintf("ratio_exact_vs_hutchinson_D%d", d), r.exactUS/r.hutchUS, "x")
		emit(fmt.Sprintf("logprob_exact_D%d", d), r.exactSec*1e3, "ms")
		emit(fmt.Sprintf("logprob_hutchinson_D%d", d), r.hutchSec*1e3, "ms")
		emit(fmt.Sprintf("nfe_exact_D%d", d), float64(r.exactNFE), "per-call")
		emit(fmt.Sprintf("nfe_hutchinson_D%d", d), float64(r.hutchNFE), "per-call")
	}
	fmt.Println()
	fmt.Printf("| D | exact µs/eval | Hutchinson µs/eval | ratio | exact log-prob of %d (ms) | Hutchinson log-prob of %d (ms) |\n", points, points)
	fmt.Println("|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Printf("| %d | %.0f | %.0f | %.2f | %.1f | %.1f |\n",
			r.d, r.exactUS, r.hutchUS, r.exactUS/r.hutchUS, r.exactSec*1e3, r.hutchSec*1e3)
	}
	return nil
}

// measureDim times log p of the same points through one untrained flow in
// dimension d with both estimators. The calls alternate, so that a change
// in the machine's load hits both columns alike, and the fastest call of
// each counts.
func measureDim(d, points, hidden int, budget time.Duration, workers int) (row, error) {
	r := row{d: d}
	flow, err := train.NewFlow(train.FlowConfig{Dim: d, Blocks: 2, Hidden: []int{hidden, hidden}},
		train.Settings{Trace: odefunc.ExactTrace}, rand.NewPCG(uint64(d), 1))
	if err != nil {
		return r, err
	}
	if workers > 0 {
		if err := flow.SetWorkers(workers); err != nil {
			return r, err
		}
	}
	// Two components at ±2·e_0 exist in every dimension, D = 1 included.
	x, err := datasets.GaussianMixture(points, d, 2, 2, rand.NewPCG(uint64(d), 2))
	if err != nil {
		return r, err
	}
	// The first call of each estimator compiles the network's programs,
	// which are per chunk of at most 128 rows, so a short batch warms them
	// up at a fraction of the cost.
	warm, err := x.Slice(tensor.S(0, min(128, points)))
	if err != nil {
		return r, err
	}
	estimators := []odefunc.Trace{odefunc.ExactTrace, odefunc.HutchinsonRademacher}
	for _, tr := range estimators {
		if err := flow.SetSettings(train.Settings{Trace: tr}); err != nil {
			return r, err
		}
		if _, err := flow.LogProb(warm.(*tensor.Dense)); err != nil {
			return r, err
		}
	}
	var spent time.Duration
	for rep := 0; rep < 5 && (rep == 0 || spent < budget); rep++ {
		for _, tr := range estimators {
			if err := flow.SetSettings(train.Settings{Trace: tr}); err != nil {
				return r, err
			}
			start := time.Now()
			if _, err := flow.LogProb(x); err != nil {
				return r, err
			}
			el := time.Since(start)
			spent += el
			nfe := 0
			for _, st := range flow.Stats() {
				nfe += st.NFE
			}
			sec, n := &r.exactSec, &r.exactNFE
			if tr != odefunc.ExactTrace {
				sec, n = &r.hutchSec, &r.hutchNFE
			}
			if s := el.Seconds(); rep == 0 || s < *sec {
				*sec, *n = s, nfe
			}
		}
	}
	r.exactUS = r.exactSec * 1e6 / float64(r.exactNFE)
	r.hutchUS = r.hutchSec * 1e6 / float64(r.hutchNFE)
	return r, nil
}
