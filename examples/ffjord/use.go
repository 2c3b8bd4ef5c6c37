package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/examples/cli"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

func logprobCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("logprob", flag.ContinueOnError)
	model := fs.String("model", "model.json", "saved model")
	in := fs.String("in", "", "CSV file of points; for a conditional model each row is x, then its context c (the last C columns)")
	context := fs.Int("context", 0, "the context columns of a conditional model; optional, the model knows them, and must match when given")
	out := fs.String("out", "", "output CSV, one column logp (default: standard output)")
	withInput := fs.Bool("with-input", false, "write the points' columns before logp, under the input's header (x1, x2, … without one)")
	ev := cli.RegisterEval(fs)
	if err := cli.Parse(fs, "ffjord logprob -model model.json -in points.csv [-context C] [-out logp.csv]", args, stdout); err != nil {
		return err
	}
	if *in == "" {
		return fmt.Errorf("logprob: give -in FILE.csv")
	}
	if err := cli.CheckInt("context", *context, 0, cli.MaxContext); err != nil {
		return err
	}
	if err := cli.CheckFiles([]cli.Named{cli.In("model", *model), cli.In("in", *in)}, []cli.Named{cli.Out("out", *out)}); err != nil {
		return err
	}
	ck, err := cli.LoadModel("model", *model)
	if err != nil {
		return err
	}
	if err := cli.StopOn(ctx, ck.Flow); err != nil {
		return err
	}
	C := ck.Flow.ContextDim()
	if err := cli.ModelContext(cli.Given(fs, "context"), *context, C); err != nil {
		return err
	}
	x, c, names, err := cli.ReadPoints("in", *in, ck.Flow.Dim(), C)
	if err != nil {
		return err
	}
	if err := ev.Apply(ck.Flow); err != nil {
		return fmt.Errorf("logprob: %w", err)
	}
	D := ck.Flow.Dim()
	header := []string{"logp"}
	if *withInput {
		header = append(names, "logp") // the input's names, or x1 … xD as sample writes
	}
	xv, n := x.Float64s(), x.Shape()[0]
	var cv []float64
	if C > 0 {
		cv = c.Float64s()
	}
	var vals []float64 // a chunk of -with-input's rows
	return writeChunks(*out, stdout, header, !*withInput, n, chunkRows(ck.Flow, n), func(lo, hi int) ([]float64, error) {
		xc := rows(xv, D, lo, hi)
		var lp []float64
		var err error
		if C > 0 {
			lp, err = ck.Flow.LogProbContext(xc, rows(cv, C, lo, hi)) // log p(x | c)
		} else {
			lp, err = ck.Flow.LogProb(xc)
		}
		if err != nil || !*withInput {
			return lp, err
		}
		vals = vals[:0]
		for r := range hi - lo {
			vals = append(append(vals, xv[(lo+r)*D:(lo+r+1)*D]...), lp[r])
		}
		return vals, nil
	})
}

func sampleCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	model := fs.String("model", "model.json", "saved model")
	n := fs.Int("n", 1000, fmt.Sprintf("number of samples, 1 to %d; with -context-in, the number of its rows, or any count for a file of one row", cli.MaxSamples))
	contextIn := fs.String("context-in", "", "CSV file of contexts for a conditional model, C columns: one sample per row, in order")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "output CSV (default: standard output)")
	if err := cli.Parse(fs, "ffjord sample -model model.json (-n COUNT | -context-in contexts.csv) [-seed S] [-out samples.csv]", args, stdout); err != nil {
		return err
	}
	if err := cli.CheckInt("n", *n, 1, cli.MaxSamples); err != nil {
		return err
	}
	if err := cli.CheckFiles([]cli.Named{cli.In("model", *model), cli.In("context-in", *contextIn)}, []cli.Named{cli.Out("out", *out)}); err != nil {
		return err
	}
	ck, err := cli.LoadModel("model", *model)
	if err != nil {
		return err
	}
	if err := cli.StopOn(ctx, ck.Flow); err != nil {
		return err
	}
	C := ck.Flow.ContextDim()
	switch {
	case C > 0 && *contextIn == "":
		return fmt.Errorf("sample: the model is conditional on %d context columns; give -context-in FILE.csv of contexts (one sample per row)", C)
	case C == 0 && *contextIn != "":
		return fmt.Errorf("-context-in: the model is unconditional (it reads no context); drop -context-in")
	}
	var contexts func(lo, hi int) *tensor.Dense
	if C > 0 {
		c, err := cli.ReadContext("context-in", *contextIn, C)
		if err != nil {
			return err
		}
		if *n, contexts, err = cli.SampleContexts(c, *n, cli.Given(fs, "n")); err != nil {
			return err
		}
	}
	dim := ck.Flow.Dim()
	if *n > datasets.DefaultMaxCSVValues/dim {
		return fmt.Errorf("-n %d in %d dimensions: more than the limit of %d values", *n, dim, datasets.DefaultMaxCSVValues)
	}
	if err := ck.Flow.SetSampleSource(rand.NewPCG(*seed, 3)); err != nil {
		return err
	}
	return writeChunks(*out, stdout, cli.ColumnNames("x", dim), false, *n, chunkRows(ck.Flow, *n), func(lo, hi int) ([]float64, error) {
		var x *tensor.Dense
		var err error
		if C > 0 {
			x, err = ck.Flow.SampleContext(contexts(lo, hi)) // x_r from p(x | c_r)
		} else {
			x, err = ck.Flow.Sample(hi - lo)
		}
		if err != nil {
			return nil, err
		}
		return x.Float64s(), nil
	})
}

// chunkRows is the rows logprob and sample pass to the model at once: a
// batch of n rows is split into chunks of train.ChunkRows when the split
// keeps every bit (train.Flow.Splittable), so that memory does not grow
// with n; otherwise (whole-batch step control) it is one batch, as the
// numbers depend on it.
func chunkRows(flow *train.Flow, n int) int {
	if flow.Splittable() {
		return train.ChunkRows
	}
	return n
}

// rows returns rows lo to hi of the row-major v, of d columns, as a tensor
// that shares v's storage.
func rows(v []float64, d, lo, hi int) *tensor.Dense {
	return tensor.New(tensor.WithShape(hi-lo, d), tensor.WithBacking(v[lo*d:hi*d]))
}

// writeChunks writes the CSV file path (standard output if path is empty)
// of header and n rows, computed chunk by chunk by next(lo, hi) (rows lo to
// hi − 1, row-major), so that neither the results nor the text are held
// whole. ±Inf is written when inf is set, refused otherwise. A file is
// replaced atomically once every chunk is written; standard output gets
// each chunk as it comes, so a failing chunk leaves the rows before it.
// The error of next is returned as is, naming the rows of its chunk.
func writeChunks(path string, stdout io.Writer, header []string, inf bool, n, chunk int, next func(lo, hi int) ([]float64, error)) error {
	var failed error
	write := func(w io.Writer) error {
		cw, err := datasets.NewCSVWriter(w, header)
		if err != nil {
			return err
		}
		cw.AllowInf = inf
		for lo := 0; lo < n; lo += chunk {
			hi := min(lo+chunk, n)
			vals, err := next(lo, hi)
			if err != nil {
				if hi-lo < n {
					err = fmt.Errorf("rows %d to %d of %d (rows are counted from %d below): %w", lo, hi-1, n, lo, err)
				}
				failed = err
				return err
			}
			if err := cw.Write(vals); err != nil {
				return err
			}
		}
		return cw.Flush()
	}
	if path == "" {
		return write(stdout)
	}
	if err := cli.WriteAtomic(path, write); failed != nil {
		return failed
	} else if err != nil {
		return err
	}
	return nil
}
