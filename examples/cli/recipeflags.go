package cli

import (
	"flag"
	"fmt"
	"math"
	"strings"

	"github.com/ffjord-go/ffjord-go/train"
	"github.com/ffjord-go/ffjord-go/train/datasets"
)

// RecipeFlags are the flags of training on a CSV file by the real-data
// recipe (train.NewStart): the held-out splits, early stopping, the
// preprocessing and base inside the model, and dequantisation.
type RecipeFlags struct {
	ValFrac, TestFrac float64
	Patience          int
	Preprocess        string
	Base              string
	Dequantize        string

	fs *flag.FlagSet
}

// recipeFlagNames are the flags RegisterRecipe defines.
var recipeFlagNames = []string{"val-frac", "test-frac", "patience", "preprocess", "base", "dequantize"}

// RegisterRecipe defines the RecipeFlags on fs.
func RegisterRecipe(fs *flag.FlagSet) *RecipeFlags {
	r := &RecipeFlags{fs: fs}
	fs.Float64Var(&r.ValFrac, "val-frac", 0.1, "with -data: the fraction of its rows, shuffled by -seed, held out as validation rows, in (0, 1): they choose the mixture base and stop training early (-patience), the best epoch's weights kept")
	fs.Float64Var(&r.TestFrac, "test-frac", 0.1, "with -data: the fraction of its rows held out as test rows, in [0, 1) (0 with -test FILE, which is then the test set); the model and the baselines are scored on them")
	fs.IntVar(&r.Patience, "patience", 10, fmt.Sprintf("with -data: stop after this many epochs without a lower validation NLL, 0 to %d; 0: never stop early (the best weights are still kept)", MaxEpochs))
	fs.StringVar(&r.Preprocess, "preprocess", "whiten", "with -data: the fitted map inside the model before its FFJORD blocks: whiten (full-covariance Gaussian), standardize (per column), marginals (each column through its fitted 1-D mixture CDF, then Φ⁻¹) or raw")
	fs.StringVar(&r.Base, "base", "mixture", "with -data: the base distribution: mixture (a Gaussian mixture whose size and ridge are chosen on the validation rows) or normal (standard normal)")
	fs.StringVar(&r.Dequantize, "dequantize", "auto", "with -data: auto adds uniform [0, 1) noise, fixed by -seed, to every column whose values are all integers (a continuous density on such a column is degenerate); none leaves the data as they are")
	return r
}

// Given returns the recipe flags set on the command line, as "-name".
func (r *RecipeFlags) Given() []string {
	var names []string
	r.fs.Visit(func(fl *flag.Flag) {
		for _, n := range recipeFlagNames {
			if fl.Name == n {
				names = append(names, "-"+n)
			}
		}
	})
	return names
}

// Check checks the flags' values on their own; Rows checks them against
// the data. testFile is whether a -test FILE is given, which makes the
// default -test-frac 0 and refuses another.
func (r *RecipeFlags) Check(testFile bool) error {
	if testFile {
		if Given(r.fs, "test-frac") && r.TestFrac != 0 {
			return fmt.Errorf("-test-frac %g with -test FILE: the file is the test set; give one or the other", r.TestFrac)
		}
		r.TestFrac = 0
	}
	switch {
	case !(r.ValFrac > 0 && r.ValFrac < 1):
		return fmt.Errorf("-val-frac %g: want a fraction in (0, 1)", r.ValFrac)
	case !(r.TestFrac >= 0 && r.TestFrac < 1):
		return fmt.Errorf("-test-frac %g: want a fraction in [0, 1)", r.TestFrac)
	case !(r.ValFrac+r.TestFrac < 1):
		return fmt.Errorf("-val-frac %g and -test-frac %g hold out all the rows; want a sum below 1", r.ValFrac, r.TestFrac)
	}
	if err := CheckInt("patience", r.Patience, 0, MaxEpochs); err != nil {
		return err
	}
	if _, err := r.Preprocessing(); err != nil {
		return err
	}
	if _, err := r.MixtureBase(); err != nil {
		return err
	}
	_, err := r.DequantizeAuto()
	return err
}

// Preprocessing parses -preprocess.
func (r *RecipeFlags) Preprocessing() (train.Preprocessing, error) {
	p, err := train.ParsePreprocessing(r.Preprocess)
	if err != nil {
		return 0, fmt.Errorf("-preprocess %q: want whiten, standardize, marginals or raw", r.Preprocess)
	}
	return p, nil
}

// MixtureBase parses -base: true for mixture, false for normal.
func (r *RecipeFlags) MixtureBase() (bool, error) {
	switch r.Base {
	case "mixture":
		return true, nil
	case "normal":
		return false, nil
	}
	return false, fmt.Errorf("-base %q: want mixture or normal", r.Base)
}

// DequantizeAuto parses -dequantize: true for auto, false for none.
func (r *RecipeFlags) DequantizeAuto() (bool, error) {
	switch r.Dequantize {
	case "auto":
		return true, nil
	case "none":
		return false, nil
	}
	return false, fmt.Errorf("-dequantize %q: want auto or none", r.Dequantize)
}

// Rows returns the validation and test rows the fractions hold out of n
// rows of dim columns (datasets.HeldOutRows), refusing, naming the flag,
// a split that leaves too few: a test set needs two rows for a standard
// error, and a full covariance more training rows than columns.
func (r *RecipeFlags) Rows(n, dim int) (val, test int, err error) {
	val, test = datasets.HeldOutRows(n, r.ValFrac), datasets.HeldOutRows(n, r.TestFrac)
	switch left := n - val - test; {
	case test == 1:
		return 0, 0, fmt.Errorf("-test-frac %g of %d rows holds out 1 test row; a standard error needs at least 2: raise -test-frac or give more rows", r.TestFrac, n)
	case left <= dim:
		return 0, 0, fmt.Errorf("-val-frac %g and -test-frac %g of %d rows hold out %d and %d, leaving %d training rows for %d columns; want more training rows than columns: lower the fractions or give more rows", r.ValFrac, r.TestFrac, n, val, test, max(left, 0), dim)
	}
	return val, test, nil
}

// DequantizedColumns describes the columns cols (0-based) of a table
// with the given header (nil for none) for a line of output: 1-based
// column numbers, then their names, or "none".
func DequantizedColumns(cols []int, header []string) string {
	if len(cols) == 0 {
		return "none"
	}
	nums, names := make([]string, len(cols)), make([]string, 0, len(cols))
	for i, c := range cols {
		nums[i] = fmt.Sprint(c + 1)
		if c < len(header) {
			names = append(names, header[c])
		}
	}
	s := strings.Join(nums, ",")
	if len(names) == len(cols) {
		s += " (" + strings.Join(names, ", ") + ")"
	}
	return s
}

// SameValidation reports whether nll, recomputed on the validation rows,
// is the one a checkpoint recorded for them, up to the rounding of
// summing in another order.
func SameValidation(recorded, nll float64) bool {
	return math.Abs(recorded-nll) <= 1e-9*max(1, math.Abs(recorded))
}
