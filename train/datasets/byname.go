package datasets

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"gorgonia.org/tensor"
)

// MoonsNoise is the noise level ByName uses for "moons", the value of the
// TensorFlow Probability normalizing-flow tutorial.
const MoonsNoise = 0.06

// generators maps the names accepted by ByName to their generators. The
// names are those of FFJORD's lib/toy_data.py.
var generators = map[string]func(n int, src rand.Source) (*tensor.Dense, error){
	"8gaussians":   EightGaussians,
	"2spirals":     TwoSpirals,
	"checkerboard": Checkerboard,
	"rings":        Rings,
	"circles":      Circles,
	"pinwheel":     Pinwheel,
	"swissroll":    SwissRoll,
	"moons": func(n int, src rand.Source) (*tensor.Dense, error) {
		return Moons(n, MoonsNoise, true, src)
	},
}

// names lists the keys of generators in the order Names reports them.
var names = []string{
	"2spirals",
	"8gaussians",
	"checkerboard",
	"circles",
	"moons",
	"pinwheel",
	"rings",
	"swissroll",
}

// Names returns the data set names accepted by ByName, sorted. The caller
// may modify the returned slice.
func Names() []string {
	return append([]string(nil), names...)
}

// ByName returns n points of the named toy data set. The names are
// FFJORD's: "8gaussians", "2spirals", "checkerboard", "rings", "circles",
// "pinwheel" and "swissroll" call the generator of the same meaning, and
// "moons" calls Moons(n, MoonsNoise, true, src).
//
// An unknown name gives an error wrapping ErrUnknownDataset that lists the
// known names; bad n or src give the generator's error.
func ByName(name string, n int, src rand.Source) (*tensor.Dense, error) {
	gen, ok := generators[name]
	if !ok {
		return nil, fmt.Errorf("ByName: %q, want one of %s: %w", name, strings.Join(names, ", "), ErrUnknownDataset)
	}
	return gen(n, src)
}

// realSets maps the names accepted by RealByName to the features of the
// data sets shipped with this package.
var realSets = map[string]func() (*tensor.Dense, error){
	"breast_cancer": func() (*tensor.Dense, error) { x, _, err := BreastCancer(); return x, err },
	"diabetes":      func() (*tensor.Dense, error) { x, _, err := Diabetes(); return x, err },
	"digits":        func() (*tensor.Dense, error) { x, _, err := Digits(); return x, err },
	"iris":          func() (*tensor.Dense, error) { x, _, err := Iris(); return x, err },
	"wine":          func() (*tensor.Dense, error) { x, _, err := Wine(); return x, err },
}

// realNames lists the keys of realSets in the order RealNames reports them.
var realNames = []string{"breast_cancer", "diabetes", "digits", "iris", "wine"}

// RealNames returns the data set names accepted by RealByName, sorted. The
// caller may modify the returned slice.
func RealNames() []string {
	return append([]string(nil), realNames...)
}

// RealByName returns the features, without labels or target, of the named
// real data set shipped with this package: "breast_cancer" (BreastCancer),
// "diabetes" (Diabetes), "digits" (Digits), "iris" (Iris) or "wine"
// (Wine). Each call parses the embedded file anew and returns a tensor the
// caller owns.
//
// Several of these sets have integer-valued columns (the loaders' doc
// comments list them; DiscreteColumns finds them), which a density model
// must dequantise.
//
// An unknown name gives an error wrapping ErrUnknownDataset that lists the
// known names.
func RealByName(name string) (*tensor.Dense, error) {
	load, ok := realSets[name]
	if !ok {
		return nil, fmt.Errorf("RealByName: %q, want one of %s: %w", name, strings.Join(realNames, ", "), ErrUnknownDataset)
	}
	return load()
}
