package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/examples/internal/cli"
	"github.com/ffjord-go/ffjord-go/internal/fileio"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

func logprobCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("logprob", flag.ContinueOnError)
	model := fs.String("model", "model.json", "saved model")
	in := fs.String("in", "", "CSV file of points; for a conditional model each row is x, then its context c (the last C columns)")
	context := fs.Int("context", 0, "the context columns of a conditional model; optional, the model knows them, and must match when given")
	out := fs.String("out", "", "output CSV, one column logp (default: standard output)")
	withInput := fs.Bool("with-input", false, "write the input columns before logp")
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
	if err := cli.CheckFiles([]fileio.Named{cli.In("model", *model), cli.In("in", *in)}, []fileio.Named{cli.Out("out", *out)}); err != nil {
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
	x, c, err := cli.ReadPoints("in", *in, ck.Flow.Dim(), C)
	if err != nil {
		return err
	}
	if err := ev.Apply(ck.Flow); err != nil {
		return fmt.Errorf("logprob: %w", err)
	}
	var lp []float64
	if C > 0 {
		lp, err = ck.Flow.LogProbContext(x, c) // log p(x | c)
	} else {
		lp, err = ck.Flow.LogProb(x)
	}
	if err != nil {
		return err
	}
	if *withInput {
		return writeWithInput(*out, stdout, x, lp)
	}
	if *out == "" {
		return datasets.WriteColumnCSV(stdout, "logp", lp)
	}
	return datasets.WriteColumnCSVFile(*out, "logp", lp)
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
	if err := cli.CheckFiles([]fileio.Named{cli.In("model", *model), cli.In("context-in", *contextIn)}, []fileio.Named{cli.Out("out", *out)}); err != nil {
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
	var c *tensor.Dense
	if C > 0 {
		if c, err = cli.ReadContext("context-in", *contextIn, C); err != nil {
			return err
		}
		if c, err = cli.SampleContexts(c, *n, cli.Given(fs, "n")); err != nil {
			return err
		}
		*n = c.Shape()[0]
	}
	dim := ck.Flow.Dim()
	if *n > datasets.DefaultMaxCSVValues/dim {
		return fmt.Errorf("-n %d in %d dimensions: more than the limit of %d values", *n, dim, datasets.DefaultMaxCSVValues)
	}
	if err := ck.Flow.SetSampleSource(rand.NewPCG(*seed, 3)); err != nil {
		return err
	}
	var x *tensor.Dense
	if C > 0 {
		x, err = ck.Flow.SampleContext(c) // x_r from p(x | c_r)
	} else {
		x, err = ck.Flow.Sample(*n)
	}
	if err != nil {
		return err
	}
	header := make([]string, dim)
	for i := range header {
		header[i] = fmt.Sprintf("x%d", i+1)
	}
	if *out == "" {
		return datasets.WriteCSV(stdout, x, header)
	}
	return datasets.WriteCSVFile(*out, x, header)
}

// writeWithInput writes the columns of x (named x0, x1, …) and logp.
func writeWithInput(path string, stdout io.Writer, x *tensor.Dense, lp []float64) error {
	n, d := x.Shape()[0], x.Shape()[1]
	vals, header := make([]float64, 0, n*(d+1)), make([]string, 0, d+1)
	for j := range d {
		header = append(header, fmt.Sprintf("x%d", j))
	}
	header = append(header, "logp")
	xs := x.Float64s()
	for r := range n {
		vals = append(append(vals, xs[r*d:(r+1)*d]...), lp[r])
	}
	t := tensor.New(tensor.WithShape(n, d+1), tensor.WithBacking(vals))
	if path == "" {
		return datasets.WriteCSV(stdout, t, header)
	}
	return datasets.WriteCSVFile(path, t, header)
}
