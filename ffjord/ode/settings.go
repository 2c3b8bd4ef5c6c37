package ode

import "reflect"

// Settings configures a Solver: a Method, a Controller and a step budget,
// chosen independently. The zero value selects adaptive Dormand–Prince steps
// with the Default constants.
//
// The one rule that joins two fields: an Adaptive controller needs a Method
// with an error estimate (BErr); RK4 and Euler take Constant or Grid steps.
type Settings struct {
	// Method is the Runge–Kutta tableau; nil selects DormandPrince.
	Method *Method

	// Controller chooses the step sizes; nil selects Adaptive{}.
	Controller Controller

	// MaxSteps bounds the attempted steps (accepted plus rejected) of one
	// solve, whatever the controller; more gives ErrMaxSteps. Zero selects
	// DefaultMaxSteps; more than StepLimit is invalid.
	MaxSteps int

	// StepControl says whether an adaptive solve of a batch of
	// independent rows controls steps for the whole batch or per row. The
	// package's Solver solves one ODE and ignores it; RowSolver is the
	// per-row solver; package ffjord chooses between them with it. The
	// zero value leaves the choice to the caller's documented default.
	StepControl StepControl

	// RecordSteps makes Solve record the accepted step boundaries in
	// Result.Times.
	RecordSteps bool
}

// resolved returns s with defaults filled in (an Adaptive controller with
// its own), or an error naming the first invalid field.
func (s Settings) resolved() (Settings, error) {
	if s.Method == nil {
		s.Method = DormandPrince()
	}
	if err := s.Method.validate(); err != nil {
		return s, err
	}
	if s.Controller == nil {
		s.Controller = Adaptive{}
	}
	if v := reflect.ValueOf(s.Controller); v.Kind() == reflect.Pointer && v.IsNil() {
		return s, errorf(ErrInvalidSettings, "ode: invalid Settings: Controller is a nil %T", s.Controller)
	}
	if a, ok := s.Controller.(Adaptive); ok {
		ra, err := a.resolved()
		if err != nil {
			return s, err
		}
		if s.Method.BErr == nil {
			return s, errorf(ErrInvalidSettings, "ode: invalid Settings: Method %q has no error estimate (BErr is nil) for the Adaptive controller; use Constant or Grid", s.Method.Name)
		}
		s.Controller = ra
	} else if err := s.Controller.Validate(); err != nil {
		return s, err
	}
	if err := s.StepControl.validate(); err != nil {
		return s, err
	}
	if s.MaxSteps < 0 || s.MaxSteps > StepLimit {
		return s, errorf(ErrInvalidSettings, "ode: invalid MaxSteps %d: must be in [0, %d]", s.MaxSteps, StepLimit)
	}
	if s.MaxSteps == 0 {
		s.MaxSteps = DefaultMaxSteps
	}
	return s, nil
}
