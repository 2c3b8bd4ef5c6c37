package ode

import (
	"fmt"
	"reflect"
)

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

	// StepControl says how Solver.SolveRows groups the rows of a batch
	// for adaptive steps: all in one group (WholeBatch) or one group per
	// row (PerRow). Solve, of one ODE, ignores it. The zero value leaves
	// the choice to the caller's documented default, WholeBatch in this
	// package.
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
	switch s.Controller.(type) {
	case Adaptive, Constant, Grid:
	default:
		// A pointer passes the interface but is none of the kinds the
		// solver knows: it would be solved without its settings.
		return s, errorf(ErrInvalidSettings, "ode: invalid Settings: Controller of type %T; use an Adaptive, Constant or Grid value", s.Controller)
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

// StepControl says how an adaptive solve of a batch of independent rows
// (Solver.SolveRows) groups the rows for step control: a step group shares
// its time, step size, error norm and accept/reject decision.
type StepControl int

const (
	// DefaultStepControl leaves the choice to the caller's documented
	// default (this package: WholeBatch; package ffjord: its presets).
	DefaultStepControl StepControl = iota
	// WholeBatch makes the batch one step group, solved as one ODE, as
	// TensorFlow Probability does: one step size for every row, the error
	// norm taken over every component of every row. A row's accuracy then
	// depends on its batch-mates.
	WholeBatch
	// PerRow makes every row a step group of its own, with its own time,
	// step size, error estimate and accept/reject decision: each row is
	// solved to the
	// tolerance as if it were alone, and gets the same bits whatever the
	// other rows.
	PerRow
)

// String returns "default", "batch" or "row".
func (c StepControl) String() string {
	switch c {
	case DefaultStepControl:
		return "default"
	case WholeBatch:
		return "batch"
	case PerRow:
		return "row"
	}
	return fmt.Sprintf("StepControl(%d)", int(c))
}

// Or returns c, or def for DefaultStepControl.
func (c StepControl) Or(def StepControl) StepControl {
	if c == DefaultStepControl {
		return def
	}
	return c
}

// ParseStepControl reads "batch" or "row" (and "" or "default" as
// DefaultStepControl); other names give an error wrapping
// ErrInvalidSettings.
func ParseStepControl(name string) (StepControl, error) {
	switch name {
	case "", "default":
		return DefaultStepControl, nil
	case "batch":
		return WholeBatch, nil
	case "row":
		return PerRow, nil
	}
	return 0, fmt.Errorf("%w: unknown step control %q (want batch or row)", ErrInvalidSettings, name)
}

func (c StepControl) validate() error {
	if c < DefaultStepControl || c > PerRow {
		return errorf(ErrInvalidSettings, "ode: invalid StepControl %d", int(c))
	}
	return nil
}
