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
