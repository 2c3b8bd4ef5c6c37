package cli

import (
	"errors"
	"flag"
	"fmt"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/train"
)

// EvalFlags are the solver flags of commands that evaluate a saved model
// (ffjord logprob): tolerances and step control. They default to per-row
// steps at rtol 1e-5, atol 1e-7, which measured every point of 8192 within
// 1e-3 nats of a tight solve of that point (docs/stepcontrol.md).
type EvalFlags struct {
	RTol, ATol  float64
	StepControl string
}

// RegisterEval adds -rtol, -atol and -step-control to fs.
func RegisterEval(fs *flag.FlagSet) *EvalFlags {
	f := &EvalFlags{}
	fs.Float64Var(&f.RTol, "rtol", 1e-5, fmt.Sprintf("relative tolerance, %g to 1. With -step-control row it bounds the local error of every step of each point's own solve (its z and log p), whatever the other points; the error in log p accumulates over the steps: at 1e-5 (with -atol 1e-7) every point of a trained two-moons model was within 1e-3 nats of an exact solve, at 1e-3 (training's) the worst was off by 0.09", MinRTol))
	fs.Float64Var(&f.ATol, "atol", 1e-7, fmt.Sprintf("absolute tolerance, %g to 1; see -rtol", MinATol))
	fs.StringVar(&f.StepControl, "step-control", "row", "row: every point gets its own steps and error control, so its log p does not depend on the other points of the file; batch: the whole file is one ODE with one error norm (TFP's, as in training)")
	return f
}

// Apply checks the flags and sets them on the flow's solver, conditional or
// not.
func (f *EvalFlags) Apply(flow *train.Flow) error {
	if err := CheckRange("rtol", f.RTol, MinRTol, 1); err != nil {
		return err
	}
	if err := CheckRange("atol", f.ATol, MinATol, 1); err != nil {
		return err
	}
	if f.StepControl == "" { // ParseStepControl would read it as the default
		return errors.New(`-step-control "": want row or batch`)
	}
	sc, err := ode.ParseStepControl(f.StepControl)
	if err != nil {
		return fmt.Errorf("-step-control: %w", err)
	}
	s := flow.Settings()
	if a, ok := s.Solver.Controller.(ode.Adaptive); ok || s.Solver.Controller == nil {
		a.RTol, a.ATol = f.RTol, f.ATol
		s.Solver.Controller = a
	}
	s.Solver.StepControl = sc
	return flow.SetSettings(s)
}
