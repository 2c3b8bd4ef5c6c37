package fdtest

import (
	"math"
	"testing"
)

// TestCentralSin: the central difference of sin at 0.5 is cos 0.5 to
// O(h²), and the perturbed entry is restored bit for bit.
func TestCentralSin(t *testing.T) {
	v := []float64{0.5}
	got := Central(v, 0, 1e-5, func() float64 { return math.Sin(v[0]) })
	if want := math.Cos(0.5); math.Abs(got-want) > 1e-9 {
		t.Errorf("d sin/dx at 0.5 = %.12g, want %.12g", got, want)
	}
	if v[0] != 0.5 {
		t.Errorf("v[0] left at %v, want 0.5", v[0])
	}
}

// TestGradientQuadratic: for f(x) = x₀² + 3x₀x₁ − 2x₁ + 7 the central
// difference is exact up to rounding, ∇f(1, −2) = (2·1 + 3·(−2), 3·1 − 2)
// = (−4, 1), and x is unchanged afterwards.
func TestGradientQuadratic(t *testing.T) {
	x := []float64{1, -2}
	f := func() float64 { return x[0]*x[0] + 3*x[0]*x[1] - 2*x[1] + 7 }
	g := Gradient(x, 1e-4, f)
	want := []float64{-4, 1}
	if len(g) != len(want) {
		t.Fatalf("len %d, want %d", len(g), len(want))
	}
	for i := range want {
		if math.Abs(g[i]-want[i]) > 1e-9 {
			t.Errorf("∂f/∂x%d = %.12g, want %g", i, g[i], want[i])
		}
	}
	if x[0] != 1 || x[1] != -2 {
		t.Errorf("x left at %v, want [1 -2]", x)
	}
}

// TestCentralOtherEntriesUntouched: only v[i] moves while f runs.
func TestCentralOtherEntriesUntouched(t *testing.T) {
	v := []float64{2, 3, 4}
	got := Central(v, 1, 0.5, func() float64 {
		if v[0] != 2 || v[2] != 4 {
			t.Errorf("neighbours moved: %v", v)
		}
		return v[0] * v[1] * v[2]
	})
	if got != 8 { // ∂(x₀x₁x₂)/∂x₁ = x₀x₂ = 8, exact for a linear f
		t.Errorf("got %v, want 8", got)
	}
}
