package ode

import "fmt"

// Status is the outcome of a solve, set in every Result. Each failure has
// a matching error: errors.Is(err, ErrMaxSteps) exactly when the Status is
// MaxStepsReached, and so on.
type Status int

const (
	// Successful: the solve reached t1.
	Successful Status = iota
	// MaxStepsReached: more than Settings.MaxSteps steps were needed
	// (ErrMaxSteps).
	MaxStepsReached
	// StepSizeTooSmall: the adaptive step fell below the time resolution
	// (ErrStepSizeTooSmall).
	StepSizeTooSmall
	// NonFinite: y0, a derivative, a trial state or an error estimate was
	// NaN or infinite (ErrNonFinite).
	NonFinite
	// FuncFailed: the Func returned an error.
	FuncFailed
	// InvalidInput: the Settings or the arguments could not be used
	// (ErrInvalidSettings, ErrInvalidInput); nothing was solved.
	InvalidInput
)

var statusNames = [...]string{"successful", "max_steps_reached", "step_size_too_small", "non_finite", "func_failed", "invalid_input"}

// String returns the status in diffrax's spelling, such as
// "max_steps_reached".
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}
