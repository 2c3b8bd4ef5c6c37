package ode

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// wantSolveError checks that err is a *SolveError wrapping target whose
// message names t and h.
func wantSolveError(t *testing.T, err, target error) *SolveError {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
	var se *SolveError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v is not a *SolveError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "t=") || !strings.Contains(msg, "h=") {
		t.Errorf("message %q does not name t and h", msg)
	}
	return se
}

func TestErrMaxSteps(t *testing.T) {
	osc := problems[1]
	for _, set := range []Settings{
		{MaxSteps: 5},
		{MaxSteps: 5, Controller: Adaptive{FirstStep: 0.1}},
		{MaxSteps: 5, Controller: Constant{Step: 0.1}},
		{MaxSteps: 3, Controller: Grid{Times: []float64{0, 1, 2, 3, 10}}},
	} {
		y := []float64{1, 0}
		res, err := Solve(y, osc.f, 0, 10, y, set)
		se := wantSolveError(t, err, ErrMaxSteps)
		if !strings.Contains(err.Error(), "maximum number of steps") {
			t.Errorf("message %q", err)
		}
		if res.Status != MaxStepsReached {
			t.Errorf("%+v: Status = %v", set, res.Status)
		}
		if _, adaptive := set.Controller.(Adaptive); !adaptive && set.Controller != nil {
			// Known in advance: fail before any work.
			if se.T != 0 || res.NFE != 0 || y[0] != 1 {
				t.Errorf("%+v: failed at t=%v after %d evaluations", set, se.T, res.NFE)
			}
			continue
		}
		if res.Accepted+res.Rejected != 5 || se.T <= 0 || se.H <= 0 {
			t.Errorf("%+v: %+v, T=%v, H=%v", set, res, se.T, se.H)
		}
		// dst holds the solution at the last accepted time.
		want := make([]float64, 2)
		osc.exact(want, se.T)
		if d := maxAbsDiff(y, want); d > 1e-2 {
			t.Errorf("dst %v is not y(%v) = %v", y, se.T, want)
		}
	}
}

func TestErrStepSizeTooSmall(t *testing.T) {
	// y' = y², y(0) = 1 has y = 1/(1−t), which blows up at t = 1.
	blowup := func(dy []float64, _ float64, y []float64) error {
		dy[0] = y[0] * y[0]
		return nil
	}
	for _, tc := range []struct {
		t1, rtol float64
		near     float64 // how close to |t| = 1 the numerical blow-up is
	}{
		{2, 1e-3, 1e-3},
		{-2, 1e-3, 1e-3},
		{2, 1e-9, 1e-7},
	} {
		t1 := tc.t1
		y0 := 1.0
		if t1 < 0 {
			y0 = -1 // y = −1/(1+t) blows up at t = −1
		}
		y := []float64{y0}
		res, err := Solve(y, blowup, 0, t1, y, Settings{Controller: Adaptive{RTol: tc.rtol, ATol: tc.rtol}})
		se := wantSolveError(t, err, ErrStepSizeTooSmall)
		if math.Abs(math.Abs(se.T)-1) > tc.near || math.Abs(se.H) > 1e-13 || math.Signbit(se.H) != (t1 < 0) {
			t.Errorf("t1 %v, rtol %v: stopped at t=%v with h=%v, want within %v of the singularity at |t| = 1", t1, tc.rtol, se.T, se.H, tc.near)
		}
		if math.Abs(y[0]) < 1e6 {
			t.Errorf("t1 %v: y(T) = %v, want huge", t1, y[0])
		}
		if res.Accepted+res.Rejected >= DefaultMaxSteps {
			t.Errorf("t1 %v: hit MaxSteps, %+v", t1, res)
		}
	}
}

func TestErrNonFinite(t *testing.T) {
	t.Run("derivative", func(t *testing.T) {
		calls, nanCalls := 0, 0
		f := func(dy []float64, tt float64, y []float64) error {
			calls++
			dy[0] = -y[0]
			if tt > 0.5 {
				nanCalls++
				dy[0] = math.NaN()
			}
			return nil
		}
		y := []float64{1}
		res, err := Solve(y, f, 0, 1, y, Settings{})
		se := wantSolveError(t, err, ErrNonFinite)
		if nanCalls != 1 || res.Rejected != 0 || res.NFE != calls {
			t.Errorf("%d NaN derivatives, %+v: want an immediate report", nanCalls, res)
		}
		if !(se.T <= 0.5 && se.T+se.H > 0.5) || !strings.Contains(err.Error(), "dy[0] = NaN") {
			t.Errorf("err %v: step [%v, %v] does not contain the NaN", err, se.T, se.T+se.H)
		}
	})
	t.Run("trial state", func(t *testing.T) {
		huge := func(dy []float64, _ float64, _ []float64) error {
			dy[0] = math.MaxFloat64
			return nil
		}
		y := []float64{1}
		_, err := Solve(y, huge, 0, 10, y, Settings{Method: Euler(), Controller: Constant{Step: 10}})
		se := wantSolveError(t, err, ErrNonFinite)
		if se.T != 0 || se.H != 10 || !strings.Contains(err.Error(), "trial state y[0] = +Inf") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("y0", func(t *testing.T) {
		y := []float64{1, math.Inf(-1)}
		_, err := Solve(y, problems[1].f, 0, 1, y, Settings{})
		if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "y0[1] = -Inf") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("first-step probe", func(t *testing.T) {
		f := func(dy []float64, tt float64, y []float64) error {
			dy[0] = -y[0]
			if tt != 0 {
				dy[0] = math.Inf(1)
			}
			return nil
		}
		y := []float64{1}
		res, err := Solve(y, f, 0, 1, y, Settings{})
		wantSolveError(t, err, ErrNonFinite)
		if res.NFE != 2 || y[0] != 1 {
			t.Errorf("%+v, y = %v", res, y)
		}
	})
}

func TestFuncError(t *testing.T) {
	boom := errors.New("boom")
	f := func(dy []float64, tt float64, y []float64) error {
		if tt > 0.3 {
			return boom
		}
		dy[0] = -y[0]
		return nil
	}
	y := []float64{1}
	_, err := Solve(y, f, 0, 1, y, Settings{Controller: Constant{Step: 0.25}})
	se := wantSolveError(t, err, boom)
	if se.T != 0.25 || se.H != 0.25 || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err %v: T=%v, H=%v", err, se.T, se.H)
	}
	if want := math.Exp(-0.25); math.Abs(y[0]-want) > 1e-6 {
		t.Errorf("dst = %v, want y(0.25) = %v", y[0], want)
	}
}

func TestInvalidSettings(t *testing.T) {
	for _, tc := range []struct {
		set  Settings
		want string
	}{
		{Settings{Controller: Adaptive{RTol: -1}}, "ode: invalid Adaptive.RTol -1: must be finite and >= 0"},
		{Settings{Controller: Adaptive{ATol: math.NaN()}}, "invalid Adaptive.ATol NaN"},
		{Settings{Controller: Adaptive{RTol: math.Inf(1)}}, "invalid Adaptive.RTol +Inf"},
		{Settings{Controller: Adaptive{Safety: 1.5}}, "invalid Adaptive.Safety 1.5"},
		{Settings{Controller: Adaptive{Safety: -0.5}}, "invalid Adaptive.Safety -0.5"},
		{Settings{Controller: Adaptive{MinFactor: 1}}, "invalid Adaptive.MinFactor 1"},
		{Settings{Controller: Adaptive{MaxFactor: 0.5}}, "invalid Adaptive.MaxFactor 0.5"},
		{Settings{Controller: Adaptive{FirstStep: math.Inf(-1)}}, "invalid Adaptive.FirstStep -Inf"},
		{Settings{MaxSteps: -1}, "invalid MaxSteps -1"},
		{Settings{Controller: Constant{Step: -0.1}}, "invalid Constant.Step -0.1"},
		{Settings{Controller: Constant{Step: math.NaN()}}, "invalid Constant.Step NaN"},
		{Settings{Controller: Constant{}}, "invalid Constant.Step 0"},
		{Settings{Method: RK4()}, `Method "RK4" has no error estimate`},
		{Settings{Method: Euler(), Controller: Adaptive{RTol: 1e-6}}, `Method "Euler" has no error estimate`},
		{Settings{Controller: Grid{Times: []float64{0}}}, "invalid Grid.Times of length 1"},
		{Settings{Controller: Grid{}}, "invalid Grid.Times of length 0"},
		{Settings{Controller: Grid{Times: []float64{0, 1, 1, 2}}}, "invalid Grid.Times[2] = 1 after 1"},
		{Settings{Controller: Grid{Times: []float64{0, 1, 0.5}}}, "invalid Grid.Times[2] = 0.5"},
		{Settings{Controller: Grid{Times: []float64{0, math.NaN(), 1}}}, "invalid Grid.Times[1] = NaN"},
	} {
		s, err := NewSolver(tc.set)
		if s != nil || !errors.Is(err, ErrInvalidSettings) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want ErrInvalidSettings containing %q", tc.set, err, tc.want)
		}
		if _, err2 := Solve([]float64{1}, problems[0].f, 0, 1, []float64{1}, tc.set); err2 == nil || err2.Error() != err.Error() {
			t.Errorf("Solve: err = %v, NewSolver: %v", err2, err)
		}
	}
}

func TestInvalidInput(t *testing.T) {
	decay := problems[0].f
	for _, tc := range []struct {
		name   string
		dst    []float64
		f      Func
		t0, t1 float64
		y0     []float64
		set    Settings
		want   string
	}{
		{"nil f", []float64{0}, nil, 0, 1, []float64{1}, Settings{}, "nil Func"},
		{"empty", []float64{}, decay, 0, 1, []float64{}, Settings{}, "empty y0"},
		{"length", []float64{0, 0}, decay, 0, 1, []float64{1}, Settings{}, "len(dst) = 2, len(y0) = 1"},
		{"NaN t0", []float64{0}, decay, math.NaN(), 1, []float64{1}, Settings{}, "t0 = NaN"},
		{"Inf t1", []float64{0}, decay, 0, math.Inf(1), []float64{1}, Settings{}, "t1 = +Inf"},
		{"t0 = t1", []float64{0}, decay, 2, 2, []float64{1}, Settings{}, "t0 = t1 = 2"},
		{"grid start", []float64{0}, decay, 0.5, 1, []float64{1}, Settings{Controller: Grid{Times: []float64{0, 1}}}, "differ from the Grid's ends 0, 1"},
		{"grid direction", []float64{0}, decay, 1, 0, []float64{1}, Settings{Controller: Grid{Times: []float64{0, 1}}}, "differ from the Grid's ends"},
	} {
		s, err := NewSolver(tc.set)
		if err != nil {
			t.Fatal(err)
		}
		dst := append([]float64(nil), tc.dst...)
		_, err = s.Solve(tc.dst, tc.f, tc.t0, tc.t1, tc.y0)
		if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrInvalidInput containing %q", tc.name, err, tc.want)
		}
		var se *SolveError
		if errors.As(err, &se) {
			t.Errorf("%s: input errors are not SolveErrors", tc.name)
		}
		for i := range dst {
			if tc.dst[i] != dst[i] {
				t.Errorf("%s: dst modified", tc.name)
			}
		}
	}
}
