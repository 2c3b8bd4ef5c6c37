package apitest

import (
	"errors"
	"fmt"
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

// TestHostileTargetNilAndShort: nil and zero-value targets, and points or
// gradients of the wrong length, give NaN (and a NaN gradient), or
// ErrInvalidArgument where an error can be returned; none panics.
func TestHostileTargetNilAndShort(t *testing.T) {
	var nilLogistic *targets.LogisticRegression
	lr, err := targets.NewLogisticRegression([]float64{1, 2, 3, 4}, []int{0, 1}, 2, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	errCases := []apiCase{
		{"Grid.Eval(nil)", targets.ErrInvalidArgument, func() error {
			_, err := targets.Grid{Hi: [2]float64{1, 1}, N: [2]int{2, 2}}.Eval(nil)
			return err
		}},
		{"Grid.Eval(typed nil)", targets.ErrInvalidArgument, func() error {
			_, err := targets.Grid{Hi: [2]float64{1, 1}, N: [2]int{2, 2}}.Eval(nilLogistic)
			return err
		}},
		{"LogDensityRows(nil)", targets.ErrInvalidArgument, func() error { return targets.LogDensityRows(nil, nil, nil) }},
		{"LogDensityRows(typed nil)", targets.ErrInvalidArgument, func() error {
			return targets.LogDensityRows(nilLogistic, []float64{0}, []float64{1, 2})
		}},
		{"LogDensityRows(Tempered{})", targets.ErrInvalidArgument, func() error {
			return targets.LogDensityRows(targets.Tempered{}, []float64{0}, []float64{1, 2})
		}},
	}
	for _, c := range errCases {
		err := errOf(t, c.name, c.call)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want an error wrapping %q", c.name, err, c.want)
		}
	}
	type valueCase struct {
		name   string
		target targets.Target
		x      []float64
	}
	var values []valueCase
	for name, tg := range map[string]targets.Target{
		"Banana": targets.Banana{B: 1}, "Funnel": targets.Funnel{}, "TwoLobeRing": targets.TwoLobeRing{},
		"EightModeRing": targets.EightModeRing{}, "Tempered Banana": targets.Tempered{Target: targets.Banana{}, Beta: 0.5},
		"LogisticRegression": lr, "nil LogisticRegression": nilLogistic, "zero LogisticRegression": &targets.LogisticRegression{},
		"Tempered{}": targets.Tempered{}, "Tempered nil LogisticRegression": targets.Tempered{Target: nilLogistic},
	} {
		for _, x := range [][]float64{nil, {1}, {1, 2, 3}} {
			if len(x) == tg.Dim() && tg.Dim() > 0 {
				continue
			}
			values = append(values, valueCase{name, tg, x})
		}
	}
	for _, c := range values {
		name := fmt.Sprintf("%s at %v", c.name, c.x)
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panicked: %v", name, r)
				}
			}()
			if d := c.target.Dim(); d < 0 {
				t.Errorf("%s: Dim %d", name, d)
			}
			if v := c.target.LogDensity(c.x); !math.IsNaN(v) {
				t.Errorf("%s: LogDensity %g, want NaN", name, v)
			}
			for _, n := range []int{0, 1, 2, 3} {
				grad := make([]float64, n)
				if v := c.target.LogDensityGrad(grad, c.x); !math.IsNaN(v) {
					t.Errorf("%s: LogDensityGrad %g, want NaN", name, v)
				}
				for i, g := range grad {
					if !math.IsNaN(g) {
						t.Errorf("%s: grad[%d] = %g, want NaN", name, i, g)
					}
				}
			}
		}()
	}
	// A point of the right length with a gradient of the wrong one.
	for _, n := range []int{0, 1, 3} {
		grad := make([]float64, n)
		if v := (targets.Banana{}).LogDensityGrad(grad, []float64{1, 2}); !math.IsNaN(v) {
			t.Errorf("Banana with a grad of %d: %g, want NaN", n, v)
		}
	}
	if k := (targets.EightModeRing{}).Mode([]float64{1}); k != -1 {
		t.Errorf("Mode of a point of length 1: %d, want −1", k)
	}
	countCases(t, "targets_test.go", len(errCases)+len(values)+4)
}
