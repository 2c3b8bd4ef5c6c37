package ode

import (
	"errors"
	"math"
	"strconv"
)

// Func writes dy/dt at (t, y) into dy, overwriting every element. It must
// not modify or retain y or dy. A non-nil error aborts the solve and is
// returned wrapped in a *SolveError.
type Func func(dy []float64, t float64, y []float64) error

// Result reports the outcome and statistics of one solve.
//
// For Dormand–Prince the evaluation count is
//
//	NFE = 6·(Accepted+Rejected) + 1 + (1 if FirstStep is automatic)
//
// for Adaptive solves and NFE = 6·Accepted for Constant and Grid solves
// (the final FSAL stage is only needed for the error estimate). Methods
// without FSAL take Stages()·Accepted evaluations in Constant and Grid
// solves.
type Result struct {
	Status   Status // Successful, or the kind of the returned error
	NFE      int    // evaluations of f
	Accepted int    // accepted steps
	Rejected int    // rejected steps, always 0 for Constant and Grid solves

	// Rows and RowNFE are set by RowSolver (and by callers that know the
	// rows of a whole-batch solve): the rows solved and the evaluations of
	// single rows summed over them, so RowNFE/Rows is the mean work of a
	// row. In a RowSolver's Result, NFE counts the batched calls and
	// Accepted and Rejected are summed over the rows.
	Rows, RowNFE int

	// Times holds t0 and the end of every accepted step, ending at t1,
	// when Settings.RecordSteps is set, and nil otherwise. It is the
	// Solver's buffer: the next Solve overwrites it.
	Times []float64

	// LastStep is the signed size of the last accepted step, which may
	// have been shortened to land on t1.
	LastStep float64

	// NextStep is the signed step the Adaptive controller would try next,
	// a good FirstStep for a following solve of a similar problem. It is
	// 0 for Constant and Grid solves.
	NextStep float64
}

// Solver integrates ODEs with fixed Settings. It owns the workspace, so
// repeated solves of the same dimension allocate nothing. A Solver must not
// be used by several goroutines at once.
type Solver struct {
	method      *Method
	maxSteps    int
	recordSteps bool
	// The controller, resolved: exactly one of these is in use.
	ad       *Adaptive // defaults filled in
	constant float64   // Constant.Step
	grid     []float64 // Grid.Times
	expo     float64   // adaptive exponent 1/(q+1)

	k             [][]float64 // stage derivatives
	ys            [][]float64 // stage states for Method.Step: every entry is ytmp
	y, ynew, ytmp []float64   // current state, trial state, stage state
	one           single      // the one-row views of Method.Step
	times         []float64   // recorded step boundaries
}

// NewSolver returns a Solver for s, or an error wrapping
// ErrInvalidSettings that names the offending field.
func NewSolver(s Settings) (*Solver, error) {
	set, err := s.resolved()
	if err != nil {
		return nil, err
	}
	m := set.Method
	sv := &Solver{method: m, maxSteps: set.MaxSteps, recordSteps: set.RecordSteps,
		k: make([][]float64, m.Stages()), ys: make([][]float64, m.Stages())}
	switch c := set.Controller.(type) {
	case Adaptive:
		sv.ad = &c
		sv.expo = m.errExponent()
	case Constant:
		sv.constant = c.Step
	case Grid:
		sv.grid = c.Times
	}
	return sv, nil
}

// Solve is a convenience for NewSolver(s) followed by Solve. It allocates a
// new workspace on every call.
func Solve(dst []float64, f Func, t0, t1 float64, y0 []float64, s Settings) (Result, error) {
	sv, err := NewSolver(s)
	if err != nil {
		return Result{Status: InvalidInput}, err
	}
	return sv.Solve(dst, f, t0, t1, y0)
}

// Solve integrates y' = f(t, y) from y(t0) = y0 to t1 and writes y(t1) into
// dst. dst and y0 must have the same non-zero length and may alias; t1 < t0
// integrates backwards.
//
// Invalid arguments give errors wrapping ErrInvalidInput (or ErrNonFinite
// for a non-finite y0) and leave dst untouched. Failures during the
// integration give a *SolveError; then dst holds the solution at its T, the
// last accepted time, and the Result counts the work done. Result.Status
// names the outcome in every case.
func (s *Solver) Solve(dst []float64, f Func, t0, t1 float64, y0 []float64) (Result, error) {
	if err := s.checkInput(dst, f, t0, t1, y0); err != nil {
		st := InvalidInput
		if errors.Is(err, ErrNonFinite) {
			st = NonFinite
		}
		return Result{Status: st}, err
	}
	s.ensure(len(y0))
	copy(s.y, y0)
	s.times = s.times[:0]
	s.record(t0)

	var res Result
	var err error
	switch {
	case s.grid != nil:
		err = s.solveGrid(&res, f)
	case s.constant > 0:
		err = s.solveFixed(&res, f, t0, t1)
	default:
		err = s.solveAdaptive(&res, f, t0, t1)
	}
	copy(dst, s.y)
	if s.recordSteps {
		res.Times = s.times
	}
	if se, ok := err.(*SolveError); ok {
		res.Status = se.status
	}
	return res, err
}

func (s *Solver) checkInput(dst []float64, f Func, t0, t1 float64, y0 []float64) error {
	switch {
	case f == nil:
		return errorf(ErrInvalidInput, "ode: invalid input: nil Func")
	case len(y0) == 0:
		return errorf(ErrInvalidInput, "ode: invalid input: empty y0")
	case len(dst) != len(y0):
		return errorf(ErrInvalidInput, "ode: invalid input: len(dst) = %d, len(y0) = %d", len(dst), len(y0))
	case !isFinite(t0) || !isFinite(t1):
		return errorf(ErrInvalidInput, "ode: invalid input: t0 = %v, t1 = %v: must be finite", t0, t1)
	case t0 == t1:
		return errorf(ErrInvalidInput, "ode: invalid input: t0 = t1 = %v", t0)
	}
	if g := s.grid; g != nil && (g[0] != t0 || g[len(g)-1] != t1) {
		return errorf(ErrInvalidInput, "ode: invalid input: t0 = %v, t1 = %v differ from the Grid's ends %v, %v", t0, t1, g[0], g[len(g)-1])
	}
	for i, v := range y0 {
		if !isFinite(v) {
			return errorf(ErrNonFinite, "ode: non-finite y0[%d] = %v", i, v)
		}
	}
	return nil
}

// ensure sizes the workspace for dimension n.
func (s *Solver) ensure(n int) {
	if len(s.y) == n {
		return
	}
	buf := make([]float64, (len(s.k)+3)*n)
	for i := range s.k {
		s.k[i], buf = buf[:n:n], buf[n:]
	}
	s.y, s.ynew, s.ytmp = buf[:n:n], buf[n:2*n:2*n], buf[2*n:3*n:3*n]
	for i := range s.ys {
		s.ys[i] = s.ytmp
	}
}

func (s *Solver) record(t float64) {
	if s.recordSteps {
		s.times = append(s.times, t)
	}
}

// solveAdaptive integrates from t0 to t1 with error control.
func (s *Solver) solveAdaptive(res *Result, f Func, t0, t1 float64) error {
	dir := math.Copysign(1, t1-t0)
	span := math.Abs(t1 - t0)
	var h float64 // size of the next attempt
	haveK0 := false
	if s.ad.FirstStep > 0 {
		h = math.Min(s.ad.FirstStep, span)
	} else {
		var err error
		if h, err = s.initialStep(res, f, t0, t1); err != nil {
			return err
		}
		haveK0 = true
	}

	t := t0
	rejected := false // the previous attempt was rejected
	for {
		if res.Accepted+res.Rejected >= s.maxSteps {
			return &SolveError{Err: errorf(ErrMaxSteps, "ode: maximum number of steps (%d) exceeded", s.maxSteps), T: t, H: dir * h, status: MaxStepsReached}
		}
		tNew, last := t1, true
		if h < math.Abs(t1-t) {
			if h < minStep(t, span) {
				return &SolveError{Err: ErrStepSizeTooSmall, T: t, H: dir * h, status: StepSizeTooSmall}
			}
			tNew, last = t+dir*h, false
			if math.Abs(t1-tNew) <= minStep(tNew, span) {
				tNew, last = t1, true // never leave a sliver before t1
			}
		}
		hs := tNew - t

		errNorm, err := s.attempt(res, f, t, tNew, haveK0, true, true)
		if err != nil {
			return err
		}
		haveK0 = true // f(t, y) survives a rejection
		if errNorm > 1 {
			res.Rejected++
			rejected = true
			h = math.Abs(hs) * s.stepFactor(errNorm)
			continue
		}

		res.Accepted++
		factor := s.stepFactor(errNorm)
		if rejected {
			factor = math.Min(factor, 1)
		}
		rejected = false
		s.accept(&haveK0)
		t = tNew
		s.record(t)
		h = math.Abs(hs) * factor
		res.LastStep, res.NextStep = hs, dir*h
		if last {
			return nil
		}
	}
}

// stepCount writes a number of steps in full while float64 counts exactly
// (below 2⁵³), and to three digits past that: a tiny step asks for 10¹⁵⁰.
func stepCount(n float64) string {
	if n < 1<<53 {
		return strconv.FormatFloat(n, 'f', 0, 64)
	}
	return strconv.FormatFloat(n, 'g', 3, 64)
}

// solveFixed takes Constant steps from t0, the last one shortened to land
// on t1.
func (s *Solver) solveFixed(res *Result, f Func, t0, t1 float64) error {
	dir := math.Copysign(1, t1-t0)
	h := s.constant
	// Remainders below 1e-12 steps are rounding, not a step of their own.
	n := math.Max(1, math.Ceil(math.Abs(t1-t0)/h*(1-1e-12)))
	if !(n <= float64(s.maxSteps)) {
		return &SolveError{Err: errorf(ErrMaxSteps, "ode: maximum number of steps (%d) exceeded: Constant.Step needs %s steps", s.maxSteps, stepCount(n)), T: t0, H: dir * h, status: MaxStepsReached}
	}
	steps := int(n)
	t := t0
	haveK0 := false
	for i := 1; i <= steps; i++ {
		tNew := t1
		if i < steps {
			// From t0 rather than accumulated, so rounding does not drift.
			tNew = t0 + float64(i)*dir*h
			if !(dir*(tNew-t) > 0 && dir*(t1-tNew) > 0) {
				return &SolveError{Err: ErrStepSizeTooSmall, T: t, H: dir * h, status: StepSizeTooSmall}
			}
		}
		if err := s.fixedStep(res, f, t, tNew, &haveK0, i == steps); err != nil {
			return err
		}
		t = tNew
	}
	return nil
}

// solveGrid steps between the consecutive Grid.Times.
func (s *Solver) solveGrid(res *Result, f Func) error {
	g := s.grid
	if len(g)-1 > s.maxSteps {
		return &SolveError{Err: errorf(ErrMaxSteps, "ode: maximum number of steps (%d) exceeded: Grid has %d steps", s.maxSteps, len(g)-1), T: g[0], H: g[1] - g[0], status: MaxStepsReached}
	}
	haveK0 := false
	for i := 1; i < len(g); i++ {
		if err := s.fixedStep(res, f, g[i-1], g[i], &haveK0, i == len(g)-1); err != nil {
			return err
		}
	}
	return nil
}

// fixedStep takes one step without error control and accepts it.
func (s *Solver) fixedStep(res *Result, f Func, t, tNew float64, haveK0 *bool, final bool) error {
	// The final FSAL stage only serves the next step and the error
	// estimate, so the final step skips it.
	if _, err := s.attempt(res, f, t, tNew, *haveK0, !final, false); err != nil {
		return err
	}
	res.Accepted++
	res.LastStep = tNew - t
	if final && s.method.FSAL {
		*haveK0 = false
		s.y, s.ynew = s.ynew, s.y
	} else {
		s.accept(haveK0)
	}
	s.record(tNew)
	return nil
}

// accept makes the trial state current and, for FSAL methods, the last
// stage the next first stage.
func (s *Solver) accept(haveK0 *bool) {
	s.y, s.ynew = s.ynew, s.y
	if last := len(s.k) - 1; s.method.FSAL {
		s.k[0], s.k[last] = s.k[last], s.k[0]
		*haveK0 = true
	} else {
		*haveK0 = false
	}
}

// attempt takes a trial step from (t, s.y) to tNew into s.ynew. s.k[0] must
// hold f(t, s.y) if haveK0. FSAL methods evaluate their last stage only if
// fsal is set. With estimate set (which needs fsal for FSAL methods) it
// returns the error norm; otherwise 0.
func (s *Solver) attempt(res *Result, f Func, t, tNew float64, haveK0, fsal, estimate bool) (float64, error) {
	m := s.method
	var flags StageFlags
	if haveK0 {
		flags |= ReuseFirst
	}
	if fsal {
		flags |= EvalLast
	}
	nfe, err := m.stepOne(&s.one, s.ynew, f, t, tNew, s.y, s.k, s.ys, flags)
	res.NFE += nfe
	if err != nil {
		return 0, err
	}
	if !estimate || m.BErr == nil {
		return 0, nil
	}

	h := tNew - t
	y, ynew, k := s.y, s.ynew, s.k
	rtol, atol := s.ad.RTol, s.ad.ATol
	var acc float64
	for j := range ynew {
		var e float64
		for l, el := range m.BErr {
			e += el * k[l][j]
		}
		sc := atol + rtol*math.Max(math.Abs(y[j]), math.Abs(ynew[j]))
		r := h * e / sc
		acc += r * r
	}
	errNorm := math.Sqrt(acc / float64(len(ynew)))
	if math.IsNaN(errNorm) {
		return 0, &SolveError{Err: errorf(ErrNonFinite, "ode: non-finite error estimate"), T: t, H: h, status: NonFinite}
	}
	return errNorm, nil
}
