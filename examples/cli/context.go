package cli

import (
	"flag"
	"fmt"
	"slices"

	"github.com/ffjord-go/ffjord-go/odefunc"
	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
	"gorgonia.org/tensor"
)

// MaxContext is the most context columns a conditional flow may read.
const MaxContext = train.MaxDim

// RegisterContext defines -context (the last C columns of a CSV file are
// the context of a conditional flow) and -context-input on f's flag set.
func (f *Flags) RegisterContext() {
	f.fs.IntVar(&f.Context, "context", 0, fmt.Sprintf("the last C columns of each CSV row are the context c of a conditional flow p(x | c), 0 to %d; 0: unconditional", MaxContext))
	f.RegisterContextInput()
}

// RegisterContextInput defines -context-input alone, for a program whose
// data fix the context's width.
func (f *Flags) RegisterContextInput() {
	f.fs.StringVar(&f.ContextInput, "context-input", "concat", "how a conditional flow's networks see the context: concat ([t, z, c] as the input) or squash (c gates and shifts every layer)")
}

// Given reports whether the flag name was set on fs's command line.
func Given(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

func (f *Flags) given(name string) bool { return Given(f.fs, name) }

// contextInput parses -context-input.
func (f *Flags) contextInput() (odefunc.ContextInput, error) {
	ci, err := odefunc.ParseContextInput(f.ContextInput)
	if err != nil {
		return 0, fmt.Errorf("-context-input %q: want concat or squash", f.ContextInput)
	}
	return ci, nil
}

// checkContext checks the context flags against each other and ti.
func (f *Flags) checkContext(ti odefunc.TimeInput) error {
	if err := CheckInt("context", f.Context, 0, MaxContext); err != nil {
		return err
	}
	ci, err := f.contextInput()
	if err != nil {
		return err
	}
	if ci == odefunc.ContextSquashInput && ti == odefunc.ConcatSquash {
		return fmt.Errorf("-context-input squash cannot be combined with -time concatsquash; give one of them")
	}
	return nil
}

// CheckContextInputUsed refuses -context-input for an unconditional flow
// (-context 0), where it would be silently ignored.
func (f *Flags) CheckContextInputUsed() error {
	if f.Context == 0 && f.given("context-input") {
		return fmt.Errorf("-context-input %s without -context: an unconditional flow reads no context", f.ContextInput)
	}
	return nil
}

// SplitContext splits the table read from the file of -flag into points
// and their contexts, the last C columns, with an error naming the flag
// when C leaves no column of points.
func SplitContext(flag, path string, t *tensor.Dense, C int) (x, c *tensor.Dense, err error) {
	if w := t.Shape()[1]; C >= w {
		return nil, nil, fmt.Errorf("-%s %s has %d columns: %d context columns leave none for the points (want -context below %d)", flag, path, w, C, w)
	}
	return datasets.SplitColumns(t, C)
}

// ModelContext checks -context (given is whether it was set on the command
// line) against the context width C of a saved model: a model knows its C,
// and a -context that differs is refused naming both.
func ModelContext(given bool, context, C int) error {
	switch {
	case !given || context == C:
		return nil
	case C == 0:
		return fmt.Errorf("-context %d, but the model is unconditional (it reads no context columns)", context)
	}
	return fmt.Errorf("-context %d, but the model reads %d context columns", context, C)
}

// ReadPoints reads the CSV file of -flag for a model of dim dimensions and
// C context columns: each row is a point x, then its context c. It checks
// the rows against MaxSamples and the width against dim + C, naming the
// file, the widths and where the context goes. names are the names of x's
// columns: the file's header's, or x1 … xdim (as sample writes them) for
// a file without one.
func ReadPoints(flag, path string, dim, C int) (x, c *tensor.Dense, names []string, err error) {
	t, header, err := ReadCSV(flag, path)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := CheckRows(flag, t); err != nil {
		return nil, nil, nil, err
	}
	switch w := t.Shape()[1]; {
	case C == 0 && w != dim:
		return nil, nil, nil, fmt.Errorf("-%s %s has %d columns but the model is %d-dimensional", flag, path, w, dim)
	case C > 0 && w != dim+C:
		return nil, nil, nil, fmt.Errorf("-%s %s has %d columns but the model is conditional: %d of x, then %d of context, %d in all", flag, path, w, dim, C, dim+C)
	}
	if len(header) >= dim {
		names = slices.Clone(header[:dim])
	} else {
		names = ColumnNames("x", dim)
	}
	x, c, err = datasets.SplitColumns(t, C)
	return x, c, names, err
}

// ColumnNames returns prefix1 … prefixN, the names of CSV columns that
// have none of their own, numbered from 1.
func ColumnNames(prefix string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s%d", prefix, i+1)
	}
	return names
}

// ReadContext reads the CSV file of -flag as contexts for a model of C
// context columns, at most MaxSamples rows.
func ReadContext(flag, path string, C int) (*tensor.Dense, error) {
	c, _, err := ReadCSV(flag, path)
	if err != nil {
		return nil, err
	}
	if err := CheckRows(flag, c); err != nil {
		return nil, err
	}
	if w := c.Shape()[1]; w != C {
		return nil, fmt.Errorf("-%s %s has %d columns but the model reads %d context columns", flag, path, w, C)
	}
	return c, nil
}

// SampleContexts returns the number of samples to draw from the rows of
// c (read from -context-in) and -n (nGiven: set on the command line), and
// the contexts of samples lo to hi − 1: one sample per row, so -n, when
// given, must be the number of rows, except for a file of one row, which
// is repeated n times. The repeated row is built a chunk at a time, so
// that its memory is that of the rows asked for, not of n.
func SampleContexts(c *tensor.Dense, n int, nGiven bool) (int, func(lo, hi int) *tensor.Dense, error) {
	rows, C := c.Shape()[0], c.Shape()[1]
	v := c.Float64s()
	switch {
	case !nGiven || n == rows:
		return rows, func(lo, hi int) *tensor.Dense {
			return tensor.New(tensor.WithShape(hi-lo, C), tensor.WithBacking(v[lo*C:hi*C]))
		}, nil
	case rows != 1:
		return 0, nil, fmt.Errorf("-n %d but -context-in has %d rows: one sample is drawn per row (drop -n), or give one row for -n samples of it", n, rows)
	}
	if n > datasets.DefaultMaxCSVValues/C {
		return 0, nil, fmt.Errorf("-n %d contexts of %d columns: more than the limit of %d values", n, C, datasets.DefaultMaxCSVValues)
	}
	return n, func(lo, hi int) *tensor.Dense {
		out := make([]float64, 0, (hi-lo)*C)
		for range hi - lo {
			out = append(out, v...)
		}
		return tensor.New(tensor.WithShape(hi-lo, C), tensor.WithBacking(out))
	}, nil
}

// CheckRows refuses a table of more points than one call may take.
func CheckRows(flag string, x *tensor.Dense) error {
	if rows := x.Shape()[0]; rows > MaxSamples {
		return fmt.Errorf("-%s: %d points, more than the limit of %d", flag, rows, MaxSamples)
	}
	return nil
}
