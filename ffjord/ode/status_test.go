package ode

import (
	"errors"
	"math"
	"testing"
)

// Every return sets Result.Status, and it agrees with the error.
func TestStatus(t *testing.T) {
	decay := problems[0].f
	blowup := func(dy []float64, _ float64, y []float64) error {
		dy[0] = y[0] * y[0]
		return nil
	}
	nan := func(dy []float64, _ float64, _ []float64) error {
		dy[0] = math.NaN()
		return nil
	}
	boom := errors.New("boom")
	failing := func([]float64, float64, []float64) error { return boom }
	for _, tc := range []struct {
		name   string
		f      Func
		t1     float64
		y0     float64
		set    Settings
		status Status
		err    error
	}{
		{"success", decay, 1, 1, Settings{}, Successful, nil},
		{"constant success", decay, 1, 1, Settings{Controller: Constant{Step: 0.3}}, Successful, nil},
		{"max steps", decay, 1, 1, Settings{MaxSteps: 2, Controller: Adaptive{RTol: 1e-10}}, MaxStepsReached, ErrMaxSteps},
		{"max steps known in advance", decay, 1, 1, Settings{MaxSteps: 2, Controller: Constant{Step: 0.1}}, MaxStepsReached, ErrMaxSteps},
		{"step too small", blowup, 2, 1, Settings{}, StepSizeTooSmall, ErrStepSizeTooSmall},
		{"NaN derivative", nan, 1, 1, Settings{}, NonFinite, ErrNonFinite},
		{"NaN y0", decay, 1, math.NaN(), Settings{}, NonFinite, ErrNonFinite},
		{"Func error", failing, 1, 1, Settings{Controller: Constant{Step: 0.5}}, FuncFailed, boom},
		{"bad settings", decay, 1, 1, Settings{MaxSteps: -1}, InvalidInput, ErrInvalidSettings},
		{"bad input", decay, 0, 1, Settings{}, InvalidInput, ErrInvalidInput},
	} {
		y := []float64{tc.y0}
		res, err := Solve(y, tc.f, 0, tc.t1, y, tc.set)
		if res.Status != tc.status || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("%s: Status %v, err %v; want %v, %v", tc.name, res.Status, err, tc.status, tc.err)
		}
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{
		Successful: "successful", MaxStepsReached: "max_steps_reached", StepSizeTooSmall: "step_size_too_small",
		NonFinite: "non_finite", FuncFailed: "func_failed", InvalidInput: "invalid_input", Status(42): "Status(42)",
	} {
		if got := s.String(); got != want {
			t.Errorf("Status(%d).String() = %q, want %q", int(s), got, want)
		}
	}
}
