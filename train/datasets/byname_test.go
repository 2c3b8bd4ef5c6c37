package datasets

import (
	"errors"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

func TestNames(t *testing.T) {
	want := []string{"2spirals", "8gaussians", "checkerboard", "circles", "moons", "pinwheel", "rings", "swissroll"}
	got := Names()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	if !sort.StringsAreSorted(got) {
		t.Error("Names() not sorted")
	}
	got[0] = "changed"
	if Names()[0] != "2spirals" {
		t.Error("modifying the result of Names changed later results")
	}
}

func TestByNameMatchesGenerators(t *testing.T) {
	direct := map[string]func(int, rand.Source) (*tensor.Dense, error){
		"8gaussians":   EightGaussians,
		"2spirals":     TwoSpirals,
		"checkerboard": Checkerboard,
		"rings":        Rings,
		"circles":      Circles,
		"pinwheel":     Pinwheel,
		"swissroll":    SwissRoll,
		"moons": func(n int, src rand.Source) (*tensor.Dense, error) {
			return Moons(n, 0.06, true, src)
		},
	}
	const n = 257
	for _, name := range Names() {
		got, err := ByName(name, n, seeded(30))
		if err != nil {
			t.Fatalf("ByName(%q): %v", name, err)
		}
		want, err := direct[name](n, seeded(30))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !sameBits(pointsOf(t, got, n), pointsOf(t, want, n)) {
			t.Errorf("ByName(%q) differs from its generator", name)
		}
	}
}

func TestByNameErrors(t *testing.T) {
	_, err := ByName("spirals", 10, seeded(1))
	if !errors.Is(err, ErrUnknownDataset) {
		t.Fatalf("unknown name: err = %v, want ErrUnknownDataset", err)
	}
	for _, name := range append(Names(), `"spirals"`) {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not mention %s", err, name)
		}
	}
	if _, err := ByName("moons", 0, seeded(1)); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("ByName(moons, 0): err = %v, want ErrInvalidArgument", err)
	}
	if _, err := ByName("rings", 10, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("ByName(rings, nil src): err = %v, want ErrInvalidArgument", err)
	}
}

func TestRealNames(t *testing.T) {
	want := []string{"breast_cancer", "diabetes", "digits", "iris", "wine"}
	got := RealNames()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("RealNames() = %v, want %v", got, want)
	}
	got[0] = "changed"
	if RealNames()[0] != "breast_cancer" {
		t.Error("modifying the result of RealNames changed later results")
	}
}

func TestRealByNameMatchesLoaders(t *testing.T) {
	direct := map[string]func() (*tensor.Dense, error){
		"breast_cancer": func() (*tensor.Dense, error) { x, _, err := BreastCancer(); return x, err },
		"diabetes":      func() (*tensor.Dense, error) { x, _, err := Diabetes(); return x, err },
		"digits":        func() (*tensor.Dense, error) { x, _, err := Digits(); return x, err },
		"iris":          func() (*tensor.Dense, error) { x, _, err := Iris(); return x, err },
		"wine":          func() (*tensor.Dense, error) { x, _, err := Wine(); return x, err },
	}
	for _, name := range RealNames() {
		got, err := RealByName(name)
		if err != nil {
			t.Fatalf("RealByName(%q): %v", name, err)
		}
		want, err := direct[name]()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !got.Shape().Eq(want.Shape()) || !sameBits(got.Float64s(), want.Float64s()) {
			t.Errorf("RealByName(%q) differs from its loader", name)
		}
		// A new tensor each call: the caller may change it.
		got.Float64s()[0] = -1
		if again, _ := RealByName(name); again.Float64s()[0] == -1 {
			t.Errorf("RealByName(%q) returns shared memory", name)
		}
	}
}

func TestRealByNameErrors(t *testing.T) {
	for _, name := range []string{"boston", "Iris", "", "moons"} {
		_, err := RealByName(name)
		if !errors.Is(err, ErrUnknownDataset) {
			t.Fatalf("RealByName(%q): err = %v, want ErrUnknownDataset", name, err)
		}
		for _, known := range append(RealNames(), `"`+name+`"`) {
			if !strings.Contains(err.Error(), known) {
				t.Errorf("error %q does not mention %s", err, known)
			}
		}
	}
}
