// Command stepcontrol measures per-row against whole-batch step control on
// a trained model (README, "Per-row step control"): for each mode,
// tolerance and batch size it prints the evaluations of the dynamics per
// row and per batched call, the wall time of LogProb, the worst and median
// error of a point's log p against a tight solve of that point, and the
// NLL, as a Markdown table, and the ratio of the evaluation default's wall
// time to the tutorial's whole-batch solve. Wall times are the fastest of
// -repeat runs, taken in turns.
//
//	go run ./examples/moons -figures=false -quiet -out /tmp/moons
//	go run ./examples/stepcontrol -model /tmp/moons/model.json
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ffjord-go/ffjord-go/distributions"
	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/ffjord"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

// maxPoints bounds -n. The whole-batch rows solve all n points at once,
// so their memory grows with n (per-row solves go in chunks): with the
// moons model, one such solve of 2²⁰ points takes 1.1 GB, of 2²¹ 2.2 GB,
// and 2²² run out of a 4 GiB cap; a whole run of -n 2²⁰ -repeat 1 peaked
// at 1.9 GB resident under that cap (17 minutes). Chunking them would change the steps, and so the numbers,
// they measure.
const maxPoints = 1 << 20

func main() {
	cli.Main("stepcontrol", func(ctx context.Context, args []string, stdout io.Writer) error {
		fs := flag.NewFlagSet("", flag.ContinueOnError)
		model := fs.String("model", "model.json", "trained model")
		n := fs.Int("n", 8192, "points, drawn from two moons (at most 1048576)")
		repeat := fs.Int("repeat", 5, "timed runs of each row, taken in turns; the fastest is printed")
		if err := cli.Parse(fs, "stepcontrol -model model.json [-n 8192]", args, stdout); err != nil {
			return err
		}
		// The table has a 256-point batch beside the n-point one; the
		// points are one batch of two columns.
		maxN := int(min(maxPoints, distributions.MaxElements()/2))
		for _, err := range []error{cli.CheckInt("n", *n, 256, maxN), cli.CheckInt("repeat", *repeat, 1, 1000)} {
			if err != nil {
				return err
			}
		}
		ck, err := cli.LoadModel("model", *model)
		if err != nil {
			return err
		}
		if err := cli.StopOn(ctx, ck.Flow); err != nil {
			return err
		}
		return run(stdout, ck.Flow, *n, *repeat)
	})
}

type tol struct{ rtol, atol float64 }

func run(w io.Writer, flow *train.Flow, n, repeat int) error {
	x, err := datasets.Moons(n, datasets.MoonsNoise, true, rand.NewPCG(6, 6))
	if err != nil {
		return err
	}
	// The reference: every point solved to rtol 1e-10, atol 1e-12 with its
	// own steps, which gives the bits of that point solved alone.
	ref, _, _, err := logProb(flow, x, ode.PerRow, tol{1e-10, 1e-12})
	if err != nil {
		return err
	}
	type row struct {
		c    ode.StepControl
		tl   tol
		xs   *tensor.Dense
		size int
		lp   []float64
		st   ode.Result
		secs float64   // the fastest run
		runs []float64 // every run, by round
	}
	var rows []*row
	for _, size := range []int{256, n} {
		xs := tensor.New(tensor.WithShape(size, 2), tensor.WithBacking(x.Float64s()[:2*size]))
		for _, tl := range []tol{{1e-3, 1e-5}, {1e-5, 1e-7}, {1e-6, 1e-8}, {1e-7, 1e-9}} {
			for _, c := range []ode.StepControl{ode.WholeBatch, ode.PerRow} {
				r := &row{c: c, tl: tl, xs: xs, size: size, secs: math.Inf(1)}
				if r.lp, _, r.st, err = logProb(flow, xs, c, tl); err != nil {
					return err
				}
				rows = append(rows, r)
			}
		}
	}
	// Timed in turns, so that a slow spell of the machine falls on every
	// row alike.
	for range repeat {
		for _, r := range rows {
			_, secs, _, err := logProb(flow, r.xs, r.c, r.tl)
			if err != nil {
				return err
			}
			r.secs = math.Min(r.secs, secs)
			r.runs = append(r.runs, secs)
		}
	}
	fmt.Fprintln(w, "| step control | rtol / atol | batch | NFE per row | batched calls | wall time | worst error | median error | NLL |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|")
	var tutorial, def *row // the whole batch at the tutorial's tolerances, the evaluation default
	for _, r := range rows {
		errs := make([]float64, r.size)
		nll := 0.0
		for i, v := range r.lp {
			errs[i] = math.Abs(v - ref[i])
			nll -= v / float64(r.size)
		}
		slices.Sort(errs)
		fmt.Fprintf(w, "| %s | %g / %g | %d | %.1f | %d | %.3f s | %.2g | %.2g | %.4f |\n",
			r.c, r.tl.rtol, r.tl.atol, r.size, float64(r.st.RowNFE)/float64(r.st.Rows), r.st.NFE, r.secs, errs[r.size-1], errs[r.size/2], nll)
		switch {
		case r.size == n && r.c == ode.WholeBatch && r.tl == tol{ode.DefaultRTol, ode.DefaultATol}:
			tutorial = r
		case r.size == n && r.c == ode.PerRow && r.tl == tol{ffjord.EvaluationPreset().RTol, ffjord.EvaluationPreset().ATol}:
			def = r
		}
	}
	// The ratio within each round, the two timed a few tenths of a second
	// apart, is steadier than the ratio of the fastest runs, which may
	// come from different spells of a shared machine.
	ratios := make([]float64, repeat)
	for i := range ratios {
		ratios[i] = def.runs[i] / tutorial.runs[i]
	}
	slices.Sort(ratios)
	fmt.Fprintf(w, "\nwall time of the evaluation default (per row, rtol %g, atol %g) over the whole batch at the tutorial's tolerances, %d points, timed in the same round: median %.2f over %d rounds (%.2f to %.2f); fastest runs %.2f\n",
		ffjord.EvaluationPreset().RTol, ffjord.EvaluationPreset().ATol, n, ratios[repeat/2], repeat, ratios[0], ratios[repeat-1], def.secs/tutorial.secs)
	return nil
}

// logProb evaluates log p of x with the step control and tolerances, and
// returns its wall time and the work summed over the blocks.
func logProb(flow *train.Flow, x *tensor.Dense, c ode.StepControl, tl tol) ([]float64, float64, ode.Result, error) {
	s := flow.Settings()
	s.Solver.Controller = ode.Adaptive{RTol: tl.rtol, ATol: tl.atol}
	s.Solver.StepControl = c
	if err := flow.SetSettings(s); err != nil {
		return nil, 0, ode.Result{}, err
	}
	start := time.Now()
	lp, err := flow.LogProb(x)
	secs := time.Since(start).Seconds()
	var sum ode.Result
	for _, st := range flow.Stats() { // summed over the chunks of a per-row solve
		sum.NFE += st.NFE
		sum.RowNFE += st.RowNFE
		sum.Rows = st.Rows
	}
	return lp, secs, sum, err
}
