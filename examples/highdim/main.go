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
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

func main() {
	dims := flag.String("dims", "2,4,8,16,32", "comma-separated dimensions to measure")
	points := flag.Int("points", 1024, "points per log-prob call")
	hidden := flag.Int("hidden", 32, "width of both hidden layers")
	budget := flag.Duration("budget", 2*time.Second, "per D, keep repeating the pair of calls (at most 5 times) until this much time is spent; the fastest call counts")
	// One goroutine by default: the figures are then the work per
	// evaluation, not how the machine's other jobs share its cores.
	workers := flag.Int("workers", 1, "goroutines per block's dynamics; 0 keeps the library's default (one per CPU)")
	flag.Parse()
	ds, err := parseDims(*dims)
	if err == nil {
		err = run(ds, *points, *hidden, *budget, *workers)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "highdim:", err)
		os.Exit(1)
	}
}

func parseDims(s string) ([]int, error) {
	var ds []int
	for f := range strings.SplitSeq(s, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || d < 1 {
			return nil, fmt.Errorf("bad dimension %q in -dims", f)
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
			return fmt.Errorf("D=%d: %w", d, err)
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
			for _, b := range flow.Blocks {
				nfe += b.Stats().NFE
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
