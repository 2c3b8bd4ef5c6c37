package ode

import "math"

// Default values of the Adaptive controller's zero fields, and of
// Settings.MaxSteps.
const (
	DefaultRTol      = 1e-3 // as in TensorFlow Probability's FFJORD tutorial
	DefaultATol      = 1e-5 // as in TensorFlow Probability's FFJORD tutorial
	DefaultSafety    = 0.9
	DefaultMinFactor = 0.2
	DefaultMaxFactor = 10
	DefaultMaxSteps  = 4096
	// StepLimit bounds Settings.MaxSteps: 2²⁴ steps of even a small batch
	// take hours, so a larger budget is a mistake (or a hostile file).
	StepLimit = 1 << 24
)

// A Controller chooses the step sizes of a solve: Adaptive, Constant or
// Grid. Any Controller works with any Method, except that Adaptive needs a
// Method with an error estimate.
type Controller interface {
	// Validate reports, wrapping ErrInvalidSettings, the first field of
	// the controller that cannot be used.
	Validate() error

	controller() // closes the set: the solver knows each kind
}

// Adaptive controls the step size with the method's error estimate, as
// described in the package documentation. Its zero value is the tutorial's:
// rtol 1e-3, atol 1e-5, safety 0.9, factors in [0.2, 10] and an automatic
// first step.
type Adaptive struct {
	// RTol and ATol are the relative and absolute error tolerances. Zero
	// selects DefaultRTol and DefaultATol.
	RTol, ATol float64

	// Safety scales the proposed step, in (0, 1]. Zero selects
	// DefaultSafety.
	Safety float64

	// MinFactor and MaxFactor bound the ratio of consecutive step sizes,
	// 0 < MinFactor < 1 <= MaxFactor. Zero selects DefaultMinFactor and
	// DefaultMaxFactor.
	MinFactor, MaxFactor float64

	// FirstStep is the size of the first step. Zero chooses it
	// automatically (Hairer, Nørsett & Wanner, Solving ODEs I, §II.4, at
	// the cost of one extra evaluation of f). Otherwise its absolute value
	// is used, with the sign of t1−t0, shortened to |t1−t0| if longer.
	FirstStep float64
}

// Constant takes steps of size Step from t0 (the last one shortened to land
// on t1) without error control.
type Constant struct {
	Step float64 // > 0; its sign is taken from t1−t0
}

// Grid steps exactly between consecutive Times, without error control.
// Times must be strictly monotone, start at t0 and end at t1 of every
// solve. Replaying the Result.Times of a recorded solve reproduces it bit
// for bit. A Solver keeps Times without copying it, so copy a Result.Times
// whose recording Solver will solve again.
type Grid struct {
	Times []float64
}

func (Adaptive) controller() {}
func (Constant) controller() {}
func (Grid) controller()     {}

// Validate checks each field; zeros are valid and mean the defaults.
func (a Adaptive) Validate() error {
	_, err := a.resolved()
	return err
}

// resolved returns a with defaults filled in and FirstStep made
// non-negative, or an error naming the first invalid field.
func (a Adaptive) resolved() (Adaptive, error) {
	for _, f := range []struct {
		name string
		v    *float64
		def  float64
	}{
		{"RTol", &a.RTol, DefaultRTol},
		{"ATol", &a.ATol, DefaultATol},
		{"Safety", &a.Safety, DefaultSafety},
		{"MinFactor", &a.MinFactor, DefaultMinFactor},
		{"MaxFactor", &a.MaxFactor, DefaultMaxFactor},
	} {
		switch {
		case !isFinite(*f.v) || *f.v < 0:
			return a, errorf(ErrInvalidSettings, "ode: invalid Adaptive.%s %v: must be finite and >= 0", f.name, *f.v)
		case *f.v == 0:
			*f.v = f.def
		}
	}
	switch {
	case a.Safety > 1:
		return a, errorf(ErrInvalidSettings, "ode: invalid Adaptive.Safety %v: must be in (0, 1]", a.Safety)
	case a.MinFactor >= 1:
		return a, errorf(ErrInvalidSettings, "ode: invalid Adaptive.MinFactor %v: must be in (0, 1)", a.MinFactor)
	case a.MaxFactor < 1:
		return a, errorf(ErrInvalidSettings, "ode: invalid Adaptive.MaxFactor %v: must be >= 1", a.MaxFactor)
	case !isFinite(a.FirstStep):
		return a, errorf(ErrInvalidSettings, "ode: invalid Adaptive.FirstStep %v: must be finite", a.FirstStep)
	}
	a.FirstStep = math.Abs(a.FirstStep)
	return a, nil
}

// Validate checks that Step is finite and positive.
func (c Constant) Validate() error {
	if !isFinite(c.Step) || !(c.Step > 0) {
		return errorf(ErrInvalidSettings, "ode: invalid Constant.Step %v: must be finite and > 0", c.Step)
	}
	return nil
}

// Validate checks that Times has at least two finite, strictly monotone
// times.
func (g Grid) Validate() error {
	ts := g.Times
	if len(ts) < 2 {
		return errorf(ErrInvalidSettings, "ode: invalid Grid.Times of length %d: need at least 2 times", len(ts))
	}
	dir := math.Copysign(1, ts[1]-ts[0])
	for i, t := range ts {
		if !isFinite(t) {
			return errorf(ErrInvalidSettings, "ode: invalid Grid.Times[%d] = %v: must be finite", i, t)
		}
		if i > 0 && !(dir*(t-ts[i-1]) > 0) {
			return errorf(ErrInvalidSettings, "ode: invalid Grid.Times[%d] = %v after %v: must be strictly monotone", i, t, ts[i-1])
		}
	}
	return nil
}
