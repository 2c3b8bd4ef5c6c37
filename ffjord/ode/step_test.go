package ode

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// One RK4 step of y' = y from y = 1 with h = 0.1, worked by hand:
// k1 = 1, Y2 = 1.05, k2 = 1.05, Y3 = 1.0525, k3 = 1.0525, Y4 = 1.10525,
// k4 = 1.10525, ynew = 1 + 0.1·(k1 + 2k2 + 2k3 + k4)/6 = 1.1051708333….
func TestStepRK4ByHand(t *testing.T) {
	m := RK4()
	grow := func(dy []float64, _ float64, y []float64) error {
		dy[0] = y[0]
		return nil
	}
	k, ys := make([][]float64, 4), make([][]float64, 4)
	for i := range k {
		k[i], ys[i] = make([]float64, 1), make([]float64, 1)
	}
	ynew := make([]float64, 1)
	nfe, err := m.Step(ynew, grow, 0, 0.1, []float64{1}, k, ys, 0)
	if err != nil || nfe != 4 {
		t.Fatalf("nfe %d, err %v", nfe, err)
	}
	const tol = 1e-15
	for i, want := range []float64{1, 1.05, 1.0525, 1.10525} {
		if math.Abs(k[i][0]-want) > tol {
			t.Errorf("k%d = %v, want %v", i+1, k[i][0], want)
		}
		if i > 0 && math.Abs(ys[i][0]-want) > tol {
			t.Errorf("Y%d = %v, want %v", i+1, ys[i][0], want)
		}
	}
	if want := 1 + 0.1*6.31025/6; math.Abs(ynew[0]-want) > tol {
		t.Errorf("ynew = %v, want %v", ynew[0], want)
	}
	// ReuseFirst takes k[0] as given.
	k[0][0] = 0
	if nfe, _ := m.Step(ynew, grow, 0, 0.1, []float64{1}, k, ys, ReuseFirst); nfe != 3 {
		t.Errorf("ReuseFirst: %d evaluations, want 3", nfe)
	}
}

// Stepping a recorded adaptive solve's Times with Step, keeping the stage
// states, reproduces the Solver bit for bit: one stage routine for both.
func TestStepReplaysSolver(t *testing.T) {
	for _, p := range problems {
		y0 := make([]float64, p.dim)
		p.exact(y0, p.t0)
		want := make([]float64, p.dim)
		rec, err := Solve(want, p.f, p.t0, p.t1, y0, Settings{Controller: Adaptive{RTol: 1e-6}, RecordSteps: true})
		if err != nil {
			t.Fatal(err)
		}
		m := DormandPrince()
		k, ys := make([][]float64, m.Stages()), make([][]float64, m.Stages())
		for i := range k {
			k[i], ys[i] = make([]float64, p.dim), make([]float64, p.dim)
		}
		y, ynew := slices.Clone(y0), make([]float64, p.dim)
		nfe := 0
		for i := 1; i < len(rec.Times); i++ {
			n, err := m.Step(ynew, p.f, rec.Times[i-1], rec.Times[i], y, k, ys, 0)
			if err != nil {
				t.Fatal(err)
			}
			nfe += n
			y, ynew = ynew, y
		}
		if !slices.Equal(y, want) {
			t.Errorf("%s: Step replay %v, Solver %v", p.name, y, want)
		}
		if nfe != 6*rec.Accepted {
			t.Errorf("%s: %d evaluations for %d steps", p.name, nfe, rec.Accepted)
		}
	}
}

func TestStepErrors(t *testing.T) {
	m := Euler()
	k, ys := [][]float64{make([]float64, 1)}, [][]float64{nil}
	boom := errors.New("boom")
	_, err := m.Step(make([]float64, 1), func([]float64, float64, []float64) error { return boom }, 1, 1.5, []float64{1}, k, ys, 0)
	var se *SolveError
	if !errors.Is(err, boom) || !errors.As(err, &se) || se.T != 1 || se.H != 0.5 {
		t.Errorf("err = %v", err)
	}
	huge := func(dy []float64, _ float64, _ []float64) error { dy[0] = math.MaxFloat64; return nil }
	if _, err := m.Step(make([]float64, 1), huge, 0, 10, []float64{1}, k, ys, 0); !errors.Is(err, ErrNonFinite) {
		t.Errorf("overflowing state: err = %v", err)
	}
}
