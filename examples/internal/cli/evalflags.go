package cli

import (
	"flag"
	"fmt"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/train"
)

// EvalFlags are the solver flags of commands that evaluate a saved model
// (ffjord logprob): tolerances and step control, which default to the
// model's saved tolerances and the evaluation default (per row).
type EvalFlags struct {
	RTol, ATol  float64
	StepControl string
}

// RegisterEval adds -rtol, -atol and -step-control to fs.
func RegisterEval(fs *flag.FlagSet) *EvalFlags {
	f := &EvalFlags{}
	fs.Float64Var(&f.RTol, "rtol", 0, fmt.Sprintf("relative tolerance, %g to 1 (default: the model's); with -step-control row it bounds each point's local error per step, its own z and log p, whatever the other points", MinRTol))
	fs.Float64Var(&f.ATol, "atol", 0, fmt.Sprintf("absolute tolerance, %g to 1 (default: the model's); see -rtol. About rtol 1e-5, atol 1e-7 keeps every point's log p within 1e-3 nats of the exact solve (README, Per-row step control)", MinATol))
	fs.StringVar(&f.StepControl, "step-control", "row", "row: every point gets its own steps and error control, so its log p does not depend on the other points of the file; batch: the whole file is one ODE with one error norm (TFP's, as in training)")
	return f
}

// Apply checks the flags and sets them on the flow's solver.
func (f *EvalFlags) Apply(flow *train.Flow) error {
	if f.RTol != 0 {
		if err := CheckRange("rtol", f.RTol, MinRTol, 1); err != nil {
			return err
		}
	}
	if f.ATol != 0 {
		if err := CheckRange("atol", f.ATol, MinATol, 1); err != nil {
			return err
		}
	}
	sc, err := ode.ParseStepControl(f.StepControl)
	if err != nil {
		return fmt.Errorf("-step-control: %w", err)
	}
	s := flow.Settings()
	if a, ok := s.Solver.Controller.(ode.Adaptive); ok || s.Solver.Controller == nil {
		if f.RTol != 0 {
			a.RTol = f.RTol
		}
		if f.ATol != 0 {
			a.ATol = f.ATol
		}
		s.Solver.Controller = a
	} else if f.RTol != 0 || f.ATol != 0 {
		return fmt.Errorf("-rtol and -atol need a model solved with adaptive steps")
	}
	s.Solver.StepControl = sc
	return flow.SetSettings(s)
}
