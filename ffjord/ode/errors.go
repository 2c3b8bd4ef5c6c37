package ode

import (
	"errors"
	"fmt"
)

// Sentinel errors. Solve and NewSolver wrap them with details; test for
// them with errors.Is.
var (
	// ErrInvalidSettings reports a Settings field, its Method or its
	// Controller, or a Gradient, that cannot be used.
	ErrInvalidSettings = errors.New("ode: invalid settings")

	// ErrInvalidInput reports an unusable argument to Solve.
	ErrInvalidInput = errors.New("ode: invalid input")

	// ErrNonFinite reports a NaN or infinite value in y0, in a derivative
	// returned by Func, or in a trial state. The solver reports it at once
	// instead of retrying with a smaller step.
	ErrNonFinite = errors.New("ode: non-finite value")

	// ErrStepSizeTooSmall reports that the adaptive step size fell below
	// the time resolution near t (about 16 units in the last place),
	// typically at a singularity of the solution.
	ErrStepSizeTooSmall = errors.New("ode: step size too small")

	// ErrMaxSteps reports that the solve needed more attempted steps
	// (accepted plus rejected) than Settings.MaxSteps.
	ErrMaxSteps = errors.New("ode: maximum number of steps exceeded")
)

// SolveError is the error Solve returns when integration fails after it
// has started. Err wraps one of ErrNonFinite, ErrStepSizeTooSmall or
// ErrMaxSteps, or the error returned by Func.
type SolveError struct {
	Err error   // the cause
	T   float64 // the last accepted time, where the failing step starts
	H   float64 // the signed step size being attempted

	status Status // the Result.Status it gives
}

// Error returns the cause followed by t and h.
func (e *SolveError) Error() string {
	return fmt.Sprintf("%v at t=%g, h=%g", e.Err, e.T, e.H)
}

// Unwrap returns the cause, so errors.Is and errors.As see the sentinel or
// the Func's error.
func (e *SolveError) Unwrap() error { return e.Err }

// detailError is a sentinel with a specific message.
type detailError struct {
	msg string
	err error
}

func (e *detailError) Error() string { return e.msg }
func (e *detailError) Unwrap() error { return e.err }

// errorf returns an error that prints as the formatted message and wraps
// sentinel.
func errorf(sentinel error, format string, args ...any) error {
	return &detailError{msg: fmt.Sprintf(format, args...), err: sentinel}
}
