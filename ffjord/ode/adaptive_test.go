package ode

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestStepFactor(t *testing.T) {
	s, err := NewSolver(Settings{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ norm, want float64 }{
		{0, 10},
		{1e-10, 10}, // 0.9·1e2 clamped to MaxFactor
		{1, 0.9},
		{0.5, 0.9 * math.Pow(2, 0.2)},
		{32, 0.9 / 2},
		{1e10, 0.2},
		{math.Inf(1), 0.2},
	} {
		if got := s.stepFactor(tc.norm); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("stepFactor(%v) = %v, want %v", tc.norm, got, tc.want)
		}
	}
}

func TestInitialStep(t *testing.T) {
	// For y' = −0.7y, y(0) = 2 and the default tolerances, Hairer & Wanner's
	// algorithm gives h0 = 0.01·d0/d1 = 0.01/0.7 for the Euler probe and
	// h = (0.01/max(d1, d2))^(1/5) = 0.1075012723… for the first step
	// (worked by hand from sc = 1e-5 + 1e-3·2).
	for _, tc := range []struct {
		t1     float64
		probe  float64
		first  float64
		within float64
	}{
		{5, 0.01 / 0.7, 0.10750127232488955, 1e-12},
		{-5, -0.01 / 0.7, -0.10750127232488955, 1e-12},
		{0.05, 0.01 / 0.7, 0.05, 0}, // the step is clipped to the span
		{0.01, 0.01, 0.01, 0},       // so is the probe
		{-0.01, -0.01, -0.01, 0},    // backwards too
	} {
		var calls []float64
		y := []float64{2}
		if _, err := Solve(y, callLog(problems[0].f, &calls), 0, tc.t1, y, Settings{}); err != nil {
			t.Fatal(err)
		}
		// calls: f(t0, y0), the probe, then the first attempt's six stages.
		if calls[0] != 0 || math.Abs(calls[1]-tc.probe) > 1e-15 {
			t.Errorf("t1 %v: probe at %v, want %v", tc.t1, calls[1], tc.probe)
		}
		if math.Abs(calls[7]-tc.first) > tc.within {
			t.Errorf("t1 %v: first step to %v, want %v", tc.t1, calls[7], tc.first)
		}
	}
}

func TestMinStep(t *testing.T) {
	const eps = 0x1p-52
	for _, tc := range []struct{ t, span, want float64 }{
		{1, 2, 16 * eps},
		{-1e6, 1, 16 * eps * 1e6},
		{0, 1, 16 * eps * eps}, // floored, not zero, at t = 0
	} {
		if got := minStep(tc.t, tc.span); got != tc.want {
			t.Errorf("minStep(%v, %v) = %v, want %v", tc.t, tc.span, got, tc.want)
		}
	}
}

// TestPowNegIsMathPow: the controller's power gives math.Pow's bits for
// the exponents of the methods (1/5, 1/4, 1/3) and the fallbacks, over
// every binade of positive x and its specials.
func TestPowNegIsMathPow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	xs := []float64{1, math.Inf(1), math.SmallestNonzeroFloat64, math.MaxFloat64, 0x1p-1022, 1 - 0x1p-53, 1 + 0x1p-52}
	for e := -1074; e <= 1023; e++ {
		for range 8 {
			xs = append(xs, math.Ldexp(1+rng.Float64(), e))
		}
	}
	for _, y := range []float64{1.0 / 5, 1.0 / 4, 1.0 / 3, 1.0 / 6, 0.5, 0.7, 1} {
		bad := 0
		for _, x := range xs {
			if got, want := powNeg(x, y), math.Pow(x, -y); math.Float64bits(got) != math.Float64bits(want) {
				if bad++; bad <= 3 {
					t.Errorf("powNeg(%v, %v) = %v, math.Pow gives %v", x, y, got, want)
				}
			}
		}
	}
}
