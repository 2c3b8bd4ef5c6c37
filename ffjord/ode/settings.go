package ode

import "math"

// Default values used for zero Settings fields.
const (
	DefaultRTol      = 1e-3 // as in TensorFlow Probability's FFJORD tutorial
	DefaultATol      = 1e-5 // as in TensorFlow Probability's FFJORD tutorial
	DefaultSafety    = 0.9
	DefaultMinFactor = 0.2
	DefaultMaxFactor = 10
	DefaultMaxSteps  = 4096
)

// Settings configures a Solver. The zero value selects adaptive
// Dormand–Prince steps with the Default constants.
type Settings struct {
	// Method is the Runge–Kutta tableau; nil selects DormandPrince.
	Method *Method

	// RTol and ATol are the relative and absolute error tolerances of
	// adaptive steps. Zero selects DefaultRTol and DefaultATol; negative
	// values are invalid.
	RTol, ATol float64

	// FirstStep is the size of the first adaptive step. Zero chooses it
	// automatically (Hairer, Nørsett & Wanner, Solving ODEs I, §II.4, at
	// the cost of one extra evaluation of f). Otherwise its absolute value
	// is used, with the sign of t1−t0, shortened to |t1−t0| if longer.
	FirstStep float64

	// Safety scales the controller's proposed step, in (0, 1]. Zero
	// selects DefaultSafety.
	Safety float64

	// MinFactor and MaxFactor bound the ratio of consecutive step sizes,
	// 0 < MinFactor < 1 <= MaxFactor. Zero selects DefaultMinFactor and
	// DefaultMaxFactor.
	MinFactor, MaxFactor float64

	// MaxSteps bounds the attempted steps (accepted plus rejected) of one
	// solve, in every mode; more gives ErrMaxSteps. Zero selects
	// DefaultMaxSteps.
	MaxSteps int

	// FixedStep, if positive, makes the solver take steps of this size
	// (the last one shortened to land on t1) with no error control. It is
	// required for methods without an error estimate unless Grid is set.
	FixedStep float64

	// Grid, if set, makes the solver step exactly between consecutive
	// times of Grid, with no error control. Grid must be strictly
	// monotone, start at t0 and end at t1 of every Solve. Replaying the
	// Result.Times of a recorded solve reproduces it bit for bit. The
	// Solver keeps Grid without copying it, so copy a Result.Times whose
	// recording Solver will solve again.
	Grid []float64

	// RecordSteps makes Solve record the accepted step boundaries in
	// Result.Times.
	RecordSteps bool
}

// resolved returns s with defaults filled in, or an error naming the first
// invalid field.
func (s Settings) resolved() (Settings, error) {
	if s.Method == nil {
		s.Method = DormandPrince()
	}
	if err := s.Method.validate(); err != nil {
		return s, err
	}
	for _, f := range []struct {
		name string
		v    *float64
		def  float64
	}{
		{"RTol", &s.RTol, DefaultRTol},
		{"ATol", &s.ATol, DefaultATol},
		{"Safety", &s.Safety, DefaultSafety},
		{"MinFactor", &s.MinFactor, DefaultMinFactor},
		{"MaxFactor", &s.MaxFactor, DefaultMaxFactor},
	} {
		switch {
		case !isFinite(*f.v) || *f.v < 0:
			return s, errorf(ErrInvalidSettings, "ode: invalid %s %v: must be finite and >= 0", f.name, *f.v)
		case *f.v == 0:
			*f.v = f.def
		}
	}
	switch {
	case s.Safety > 1:
		return s, errorf(ErrInvalidSettings, "ode: invalid Safety %v: must be in (0, 1]", s.Safety)
	case s.MinFactor >= 1:
		return s, errorf(ErrInvalidSettings, "ode: invalid MinFactor %v: must be in (0, 1)", s.MinFactor)
	case s.MaxFactor < 1:
		return s, errorf(ErrInvalidSettings, "ode: invalid MaxFactor %v: must be >= 1", s.MaxFactor)
	case !isFinite(s.FirstStep):
		return s, errorf(ErrInvalidSettings, "ode: invalid FirstStep %v: must be finite", s.FirstStep)
	case s.MaxSteps < 0:
		return s, errorf(ErrInvalidSettings, "ode: invalid MaxSteps %d: must be >= 0", s.MaxSteps)
	case !isFinite(s.FixedStep) || s.FixedStep < 0:
		return s, errorf(ErrInvalidSettings, "ode: invalid FixedStep %v: must be finite and >= 0", s.FixedStep)
	case s.FixedStep > 0 && s.Grid != nil:
		return s, errorf(ErrInvalidSettings, "ode: invalid FixedStep %v: cannot be combined with Grid", s.FixedStep)
	case s.Grid == nil && s.FixedStep == 0 && s.Method.BErr == nil:
		return s, errorf(ErrInvalidSettings, "ode: invalid Method %q: no error estimate (BErr is nil); set FixedStep or Grid", s.Method.Name)
	}
	if s.MaxSteps == 0 {
		s.MaxSteps = DefaultMaxSteps
	}
	s.FirstStep = math.Abs(s.FirstStep)
	if s.Grid != nil {
		if err := checkGrid(s.Grid); err != nil {
			return s, err
		}
	}
	return s, nil
}

// checkGrid checks that g has at least two finite, strictly monotone times.
func checkGrid(g []float64) error {
	if len(g) < 2 {
		return errorf(ErrInvalidSettings, "ode: invalid Grid of length %d: need at least 2 times", len(g))
	}
	dir := math.Copysign(1, g[1]-g[0])
	for i, t := range g {
		if !isFinite(t) {
			return errorf(ErrInvalidSettings, "ode: invalid Grid[%d] = %v: must be finite", i, t)
		}
		if i > 0 && !(dir*(t-g[i-1]) > 0) {
			return errorf(ErrInvalidSettings, "ode: invalid Grid[%d] = %v after %v: must be strictly monotone", i, t, g[i-1])
		}
	}
	return nil
}
