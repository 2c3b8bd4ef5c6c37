package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/examples/internal/cli"
	"github.com/ffjord-go/ffjord-go/internal/fileio"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

func logprobCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("logprob", flag.ContinueOnError)
	model := fs.String("model", "model.json", "saved model")
	in := fs.String("in", "", "CSV file of points")
	out := fs.String("out", "", "output CSV, one column logp (default: standard output)")
	withInput := fs.Bool("with-input", false, "write the input columns before logp")
	ev := cli.RegisterEval(fs)
	if err := cli.Parse(fs, "ffjord logprob -model model.json -in points.csv [-out logp.csv]", args, stdout); err != nil {
		return err
	}
	if *in == "" {
		return fmt.Errorf("logprob: give -in FILE.csv")
	}
	if err := cli.CheckFiles([]fileio.Named{cli.In("model", *model), cli.In("in", *in)}, []fileio.Named{cli.Out("out", *out)}); err != nil {
		return err
	}
	ck, err := cli.LoadModel("model", *model)
	if err != nil {
		return err
	}
	x, _, err := datasets.ReadCSVFile(*in)
	if err != nil {
		return err
	}
	if err := checkRows("in", x); err != nil {
		return err
	}
	if d := x.Shape()[1]; d != ck.Flow.Dim() {
		return fmt.Errorf("logprob: %s has %d columns but the model is %d-dimensional", *in, d, ck.Flow.Dim())
	}
	if err := ev.Apply(ck.Flow); err != nil {
		return fmt.Errorf("logprob: %w", err)
	}
	lp, err := ck.Flow.LogProb(x)
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

func sampleCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	model := fs.String("model", "model.json", "saved model")
	n := fs.Int("n", 1000, fmt.Sprintf("number of samples, 1 to %d", cli.MaxSamples))
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "output CSV (default: standard output)")
	if err := cli.Parse(fs, "ffjord sample -model model.json -n COUNT [-seed S] [-out samples.csv]", args, stdout); err != nil {
		return err
	}
	if err := cli.CheckInt("n", *n, 1, cli.MaxSamples); err != nil {
		return err
	}
	if err := cli.CheckFiles([]fileio.Named{cli.In("model", *model)}, []fileio.Named{cli.Out("out", *out)}); err != nil {
		return err
	}
	ck, err := cli.LoadModel("model", *model)
	if err != nil {
		return err
	}
	dim := ck.Flow.Dim()
	if *n > datasets.DefaultMaxCSVValues/dim {
		return fmt.Errorf("-n %d in %d dimensions: more than the limit of %d values", *n, dim, datasets.DefaultMaxCSVValues)
	}
	if err := ck.Flow.SetSampleSource(rand.NewPCG(*seed, 3)); err != nil {
		return err
	}
	x, err := ck.Flow.Sample(*n)
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
