package apitest

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ffjord-go/ffjord-go/train/targets"
)

// Hostile arguments of package targets: grids past any memory, nil and
// zero-value targets, points of the wrong length, log-weights that
// overflow.

// TestHostileTargetsErrorText: an error names the package once.
func TestHostileTargetsErrorText(t *testing.T) {
	_, err := targets.Grid{}.Points()
	if !errors.Is(err, targets.ErrInvalidArgument) {
		t.Fatalf("got %v, want ErrInvalidArgument", err)
	}
	if strings.Count(err.Error(), "targets:") != 1 {
		t.Errorf("%q names the package more than once", err)
	}
	countCases(t, "targets_test.go", 1)
}

// TestHostileGrid: a grid past MaxGridPoints, or whose N[0]·N[1]
// overflows, is refused before Points or Eval allocates, and its Len is 0.
func TestHostileGrid(t *testing.T) {
	wide := func(n int) targets.Grid {
		return targets.Grid{Lo: [2]float64{-1, -1}, Hi: [2]float64{1, 1}, N: [2]int{n, n}}
	}
	cases := []apiCase{
		{"Points 2^20×2^20", targets.ErrInvalidArgument, func() error { _, err := wide(1 << 20).Points(); return err }},
		{"Points 2^32×2^32", targets.ErrInvalidArgument, func() error { _, err := wide(1 << 32).Points(); return err }},
		{"Eval 2^20×2^20", targets.ErrInvalidArgument, func() error { _, err := wide(1 << 20).Eval(targets.Banana{}); return err }},
		{"Eval 2^32×2^32", targets.ErrInvalidArgument, func() error { _, err := wide(1 << 32).Eval(targets.Banana{}); return err }},
		{"Points MaxGridPoints+1", targets.ErrInvalidArgument, func() error {
			g := wide(1)
			g.N = [2]int{targets.MaxGridPoints + 1, 1}
			_, err := g.Points()
			return err
		}},
		{"LogZ 2^32×2^32", targets.ErrInvalidArgument, func() error { _, err := wide(1 << 32).LogZ(nil); return err }},
		{"KL 2^32×2^32", targets.ErrInvalidArgument, func() error { _, err := wide(1<<32).KL(nil, nil); return err }},
	}
	for _, c := range cases {
		err := errOf(t, c.name, c.call)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want an error wrapping %q", c.name, err, c.want)
		}
	}
	if n := wide(1 << 32).Len(); n != 0 {
		t.Errorf("Len of a 2^32×2^32 grid: %d, want 0", n)
	}
	if a := wide(0).CellArea(); !math.IsNaN(a) {
		t.Errorf("CellArea of a grid of no cells: %g, want NaN", a)
	}
	countCases(t, "targets_test.go", len(cases)+2)
}
