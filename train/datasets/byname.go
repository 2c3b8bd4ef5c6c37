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
