// Command stepcontrol measures per-row against whole-batch step control on
// a trained model (README, "Per-row step control"): for each mode,
// tolerance and batch size it prints the evaluations of the dynamics per
// row and per batched call, the wall time of LogProb, the worst and median
// error of a point's log p against a tight solve of that point, and the
// NLL, as a Markdown table. Wall times are the fastest of -repeat runs.
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

	"github.com/ffjord-go/ffjord-go/examples/internal/cli"
	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

func main() {
	cli.Main("stepcontrol", func(_ context.Context, args []string, stdout io.Writer) error {
		fs := flag.NewFlagSet("", flag.ContinueOnError)
		model := fs.String("model", "model.json", "trained model")
		n := fs.Int("n", 8192, "points, drawn from two moons")
		repeat := fs.Int("repeat", 3, "timed runs of each row; the fastest is printed")
		if err := cli.Parse(fs, "stepcontrol -model model.json [-n 8192]", args, stdout); err != nil {
			return err
		}
		ck, err := cli.LoadModel("model", *model)
		if err != nil {
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
	fmt.Fprintln(w, "| step control | rtol / atol | batch | NFE per row | batched calls | wall time | worst error | median error | NLL |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, size := range []int{256, n} {
		xs := batch.New(size, 2, x.Float64s()[:2*size])
		for _, tl := range []tol{{1e-3, 1e-5}, {1e-5, 1e-7}, {1e-6, 1e-8}, {1e-7, 1e-9}} {
			for _, c := range []ode.StepControl{ode.WholeBatch, ode.PerRow} {
				lp, secs, st, err := logProb(flow, xs, c, tl)
				if err != nil {
					return err
				}
				for range repeat - 1 {
					_, again, _, err := logProb(flow, xs, c, tl)
					if err != nil {
						return err
					}
					secs = math.Min(secs, again)
				}
				errs := make([]float64, size)
				nll := 0.0
				for r, v := range lp {
					errs[r] = math.Abs(v - ref[r])
					nll -= v / float64(size)
				}
				slices.Sort(errs)
				fmt.Fprintf(w, "| %s | %g / %g | %d | %.1f | %d | %.3f s | %.2g | %.2g | %.4f |\n",
					c, tl.rtol, tl.atol, size, float64(st.RowNFE)/float64(st.Rows), st.NFE, secs, errs[size-1], errs[size/2], nll)
			}
		}
	}
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
	for _, b := range flow.Blocks {
		st := b.Stats()
		sum.NFE += st.NFE
		sum.RowNFE += st.RowNFE
		sum.Rows = st.Rows
	}
	return lp, secs, sum, err
}
