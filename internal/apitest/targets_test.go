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

// TestHostileImportance: log-weights that overflow are an error naming
// the point; constant weights, equal or unequal by rounding, give
// ParetoK −Inf and KL 0; finite log-weights near ±1e308 give the
// estimates of the same weights scaled down, not NaN.
func TestHostileImportance(t *testing.T) {
	_, err := targets.Importance([]float64{-1e308, 1e308, 0}, []float64{1e308, -1e308, 0})
	if !errors.Is(err, targets.ErrInvalidArgument) || !strings.Contains(err.Error(), "point 0") {
		t.Errorf("overflowing log-weights: got %v, want ErrInvalidArgument naming point 0", err)
	}
	cases := 1
	for _, n := range []int{25, 100, 1000} {
		exact := make([]float64, n)
		logq, logp := make([]float64, n), make([]float64, n)
		for i := range logq {
			exact[i] = 2.1
			logq[i] = 0.1 * float64(i) // log p − log q is 1 but for an ulp or two
			logp[i] = logq[i] + 1
		}
		for name, lp := range map[string][]float64{"equal": exact, "rounded": logp} {
			lq := logq
			if name == "equal" {
				lq = make([]float64, n)
			}
			e, err := targets.Importance(lq, lp)
			if err != nil {
				t.Fatalf("%s weights, N = %d: %v", name, n, err)
			}
			if !math.IsInf(e.ParetoK, -1) {
				t.Errorf("%s weights, N = %d: ParetoK %g, want −Inf", name, n, e.ParetoK)
			}
			if !(e.KL >= 0 && e.KL < 1e-12) {
				t.Errorf("%s weights, N = %d: KL %g, want 0 within rounding, never < 0", name, n, e.KL)
			}
			cases++
		}
	}
	huge := []float64{1e308, -1e308, 0, 5e307}
	small := make([]float64, len(huge))
	for i, v := range huge {
		small[i] = math.Ldexp(v, -1000)
	}
	zeros := make([]float64, len(huge))
	h, err := targets.Importance(zeros, huge)
	if err != nil {
		t.Fatal(err)
	}
	s, err := targets.Importance(zeros, small)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string][2]float64{"ELBO": {h.ELBO, s.ELBO}, "ELBOSE": {h.ELBOSE, s.ELBOSE}} {
		want := math.Ldexp(p[1], 1000)
		if math.IsNaN(p[0]) || math.IsInf(p[0], 0) || math.Abs(p[0]-want) > 1e-12*math.Abs(want) {
			t.Errorf("log-weights near ±1e308: %s %g, want %g", name, p[0], want)
		}
	}
	countCases(t, "targets_test.go", cases+2)
}
