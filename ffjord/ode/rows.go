package ode

import (
	"fmt"
	"math"
	"sync/atomic"
)

// RowFunc writes dy/dt of k rows of width m, each at its own time: row j of
// y, y[j·m:(j+1)·m], at time t[j]. rows[j] is that row's index in the batch
// being solved, so that the function can find per-row data of its own (a
// context, noise). It must overwrite every element of dy and must not
// modify or retain its arguments. For the guarantees of RowSolver, a row's
// derivative must depend on that row alone (its index, time and state),
// never on which other rows share the call.
type RowFunc func(dy, t, y []float64, rows []int) error

// StepControl says how an adaptive solve of a batch of independent rows
// controls its steps. The package's Solver solves one ODE and ignores it;
// RowSolver is the PerRow solver; package ffjord reads it to choose.
type StepControl int

const (
	// DefaultStepControl leaves the choice to the caller's documented
	// default (package ffjord: PerRow for evaluation, WholeBatch for the
	// recorded passes of training, both chosen by measurement).
	DefaultStepControl StepControl = iota
	// WholeBatch solves the batch as one ODE, as TensorFlow Probability
	// does: one step size for every row, the error norm taken over every
	// component of every row. A row's accuracy then depends on its
	// batch-mates.
	WholeBatch
	// PerRow gives every row its own time, step size, error estimate and
	// accept/reject decision (RowSolver): each row is solved to the
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

// RowSolver solves a batch of n independent ODEs of one width m, the rows
// of a row-major n×m state, with adaptive steps controlled per row: every
// row has its own time, step size, error estimate (the norm of the package
// documentation over the row's m components) and accept/reject decision,
// exactly as Solver would solve that row alone. The rows still move
// together: each stage of the method is one call of the RowFunc over the
// rows still being solved, and a row that has reached t1 drops out of the
// calls.
//
// A row's result, step times and counts are bit-identical whatever the
// other rows, their order and their number, provided the RowFunc's rows are
// independent (see RowFunc).
//
// A RowSolver needs the Adaptive controller: under Constant or Grid steps
// the rows do not interact, and Solver gives each row the same result. It
// owns its workspace, so repeated solves of the same shape allocate nothing
// (beyond recorded times); it must not be used by several goroutines at
// once.
type RowSolver struct {
	method      *Method
	maxSteps    int
	recordSteps bool
	ad          Adaptive
	expo        float64

	n, m          int
	k             [][]float64 // stage derivatives, n×m each
	y, ynew       []float64   // current and trial states, n×m
	t, h, tNew    []float64   // per row: time, size of the next attempt, end of the attempt
	haveK0, rej   []bool      // k[0] holds f(t, y); the previous attempt was rejected
	done, last    []bool      // reached t1; the attempt lands on t1
	acc, rejected []int       // per row counts
	nfe           []int       // per row evaluations
	idx, need, ok []int       // the rows of an attempt; those lacking k[0]; those accepted
	ys            [][]float64 // stage states: all s.ynew, unless an OnAccept keeps them
	step          RowStepper  // the gathering buffers of the calls
	times         [][]float64 // per row recorded times
	errNorm       []float64
	onAccept      func(AcceptedSteps) error
	bad           atomic.Int64 // the first index into idx whose error norm is NaN, or whose attempt cannot be made
	t0, t1        float64      // the current solve's ends
	dir, span     float64      // the sign of t1 − t0 and |t1 − t0|
	calls         int          // the calls of f of the current attempt's stages

	normFn, acceptFn, planFn, probeFn, firstFn func(lo, hi int) // the loops as values for a Parallel
}

// AcceptedSteps are the steps of one attempt of a RowSolver that were
// accepted, given to the function set by OnAccept before the rows move on.
// Every slice is the solver's buffer, valid during the call only.
type AcceptedSteps struct {
	// Rows are the rows whose step was accepted, in increasing order.
	Rows []int
	// T and TNew, indexed by row, are each row's step: from T[r] to TNew[r].
	T, TNew []float64
	// Y holds the rows' states at T, row-major with the solve's width;
	// YNew those at TNew.
	Y, YNew []float64
	// Stages[i], for 0 < i < s, holds the stage states Y_i of the step
	// (Method.Step); Y_0 is Y, and an FSAL method's last stage is YNew.
	Stages [][]float64
}

// OnAccept sets a function that is called after every attempt with the
// steps that were accepted (nil removes it); its error stops the solve.
// It is how a caller integrates a quantity along each row's own steps
// without making it part of the solved state, for example the parameter
// gradient of an adjoint solve: with the stages' b weights, h·Σ b_i·g(Y_i)
// is that quantity's step by the same method. Keeping the stage states
// costs Stages()−1 more state-sized buffers.
func (s *RowSolver) OnAccept(fn func(AcceptedSteps) error) {
	s.onAccept = fn
	s.n = -1 // the stage buffers change
}

// SetParallel makes s split its per-row work between the calls of the
// RowFunc (stage states, error norms, step sizes, gathering the rows) with
// p; nil, the default, does it on the caller's goroutine. The results keep
// their bits.
func (s *RowSolver) SetParallel(p Parallel) {
	if p != nil && s.normFn == nil {
		s.normFn, s.acceptFn, s.planFn, s.probeFn, s.firstFn = s.norms, s.accept, s.plan, s.probe, s.first
	}
	s.step.SetParallel(p)
}

// NewRowSolver returns a RowSolver for s, whose Controller must be Adaptive
// (nil selects it); errors wrap ErrInvalidSettings.
func NewRowSolver(s Settings) (*RowSolver, error) {
	set, err := s.resolved()
	if err != nil {
		return nil, err
	}
	ad, ok := set.Controller.(Adaptive)
	if !ok {
		return nil, errorf(ErrInvalidSettings, "ode: invalid Settings: per-row step control needs the Adaptive controller, not %T", set.Controller)
	}
	m := set.Method
	return &RowSolver{method: m, maxSteps: set.MaxSteps, recordSteps: set.RecordSteps, ad: ad,
		expo: m.errExponent(), k: make([][]float64, m.Stages())}, nil
}

// RowTimes returns the accepted step boundaries of row r in the last solve
// (t0 first, t1 last) when Settings.RecordSteps is set, else nil. It is the
// solver's buffer: the next Solve overwrites it.
func (s *RowSolver) RowTimes(r int) []float64 {
	if !s.recordSteps || r < 0 || r >= len(s.times) {
		return nil
	}
	return s.times[r]
}

// RowNFE returns the evaluations of row r in the last solve (0 for a row
// it did not have).
func (s *RowSolver) RowNFE(r int) int {
	if r < 0 || r >= len(s.nfe) {
		return 0
	}
	return s.nfe[r]
}

// RowSteps returns the accepted and rejected steps of row r in the last
// solve (0, 0 for a row it did not have).
func (s *RowSolver) RowSteps(r int) (accepted, rejected int) {
	if r < 0 || r >= len(s.acc) {
		return 0, 0
	}
	return s.acc[r], s.rejected[r]
}

func (s *RowSolver) ensure(n, m int) {
	if s.n == n && s.m == m {
		return
	}
	s.n, s.m = n, m
	nm := n * m
	for i := range s.k {
		s.k[i] = make([]float64, nm)
	}
	s.y, s.ynew = make([]float64, nm), make([]float64, nm)
	s.t, s.h, s.tNew = make([]float64, n), make([]float64, n), make([]float64, n)
	s.errNorm = make([]float64, n)
	s.ys = make([][]float64, len(s.k))
	for i := range s.ys {
		s.ys[i] = s.ynew // a scratch: Y_i is used by stage i only
		if s.onAccept != nil && i > 0 {
			s.ys[i] = make([]float64, nm)
		}
	}
	s.step.ensure(n, m)
	s.haveK0, s.rej, s.done, s.last = make([]bool, n), make([]bool, n), make([]bool, n), make([]bool, n)
	s.acc, s.rejected, s.nfe = make([]int, n), make([]int, n), make([]int, n)
	s.idx, s.need, s.ok = make([]int, 0, n), make([]int, 0, n), make([]int, 0, n)
	s.times = make([][]float64, n)
}

// Solve integrates the n rows of y0 (row-major, n×m with m = len(y0)/n)
// from t0 to t1 and writes the end states into dst, which may alias y0.
// Result.NFE counts the calls of f (each over the rows still being solved),
// Result.RowNFE the evaluations of single rows, Accepted and Rejected the
// steps summed over the rows, and Rows is n.
//
// Errors are those of Solver.Solve; a failure of one row fails the solve,
// with the row named in the message. dst then holds every row at the time
// it had reached.
func (s *RowSolver) Solve(dst []float64, f RowFunc, t0, t1 float64, y0 []float64, n int) (Result, error) {
	res := Result{Rows: n}
	switch {
	case s == nil || s.method == nil:
		res.Status = InvalidInput
		return res, errorf(ErrInvalidSettings, "ode: a RowSolver is made by NewRowSolver")
	case f == nil:
		res.Status = InvalidInput
		return res, errorf(ErrInvalidInput, "ode: invalid input: nil RowFunc")
	case n < 1 || len(y0) == 0 || len(y0)%n != 0:
		res.Status = InvalidInput
		return res, errorf(ErrInvalidInput, "ode: invalid input: %d values are not %d rows", len(y0), n)
	case len(dst) != len(y0):
		res.Status = InvalidInput
		return res, errorf(ErrInvalidInput, "ode: invalid input: len(dst) = %d, len(y0) = %d", len(dst), len(y0))
	case !isFinite(t0) || !isFinite(t1) || t0 == t1:
		res.Status = InvalidInput
		return res, errorf(ErrInvalidInput, "ode: invalid input: t0 = %v, t1 = %v: must be finite and differ", t0, t1)
	}
	for i, v := range y0 {
		if !isFinite(v) {
			res.Status = NonFinite
			return res, errorf(ErrNonFinite, "ode: non-finite y0[%d] = %v", i, v)
		}
	}
	m := len(y0) / n
	s.ensure(n, m)
	copy(s.y, y0)
	for r := range n {
		s.t[r], s.haveK0[r], s.rej[r], s.done[r] = t0, false, false, false
		s.acc[r], s.rejected[r], s.nfe[r] = 0, 0, 0
		if s.recordSteps {
			s.times[r] = append(s.times[r][:0], t0)
		}
	}
	err := s.solve(&res, f, t0, t1)
	copy(dst, s.y)
	for r := range n {
		res.Accepted += s.acc[r]
		res.Rejected += s.rejected[r]
		res.RowNFE += s.nfe[r]
	}
	if se, ok := err.(*SolveError); ok {
		res.Status = se.status
	}
	return res, err
}

// noRow is s.bad while no row has failed.
const noRow = math.MaxInt64

// rowError names row r in a failure of its step.
func rowError(r int, err error) error {
	if se, ok := err.(*SolveError); ok {
		return &SolveError{Err: &detailError{msg: fmt.Sprintf("row %d: %v", r, se.Err), err: se.Err}, T: se.T, H: se.H, status: se.status}
	}
	return err
}

// call evaluates f on the given rows of src (n×m) at the times ts
// (compact, in the order of rows) into the same rows of dst, counting the
// evaluations per row when count is set (an attempt's stages are counted
// with its error norms). Failures name the failing row, with the time and
// step of its attempt (h = 0 for the initial step's probes).
func (s *RowSolver) call(res *Result, f RowFunc, dst, ts, src []float64, rows []int, initial, count bool) error {
	if count {
		for _, r := range rows {
			s.nfe[r]++
		}
	}
	res.NFE++
	r, err := s.step.gather(f, dst, ts, src, s.m, rows)
	if err == nil {
		return nil
	}
	se := err.(*SolveError)
	se.T = s.t[r]
	if !initial {
		se.H = s.tNew[r] - s.t[r]
	}
	return rowError(r, se)
}

func (s *RowSolver) solve(res *Result, f RowFunc, t0, t1 float64) error {
	n := s.n
	span := math.Abs(t1 - t0)
	s.t0, s.t1, s.dir, s.span = t0, t1, math.Copysign(1, t1-t0), span
	if s.ad.FirstStep > 0 {
		for r := range n {
			s.h[r] = math.Min(s.ad.FirstStep, span)
		}
	} else if err := s.initialSteps(res, f, t0, t1); err != nil {
		return err
	}
	for {
		// The rows still being solved, and their attempts.
		s.idx = s.idx[:0]
		for r := range n {
			if !s.done[r] {
				s.idx = append(s.idx, r)
			}
		}
		if len(s.idx) == 0 {
			return nil
		}
		s.bad.Store(noRow)
		s.step.par.split(len(s.idx), s.plan, s.planFn)
		if x := s.bad.Load(); x != noRow {
			return s.planRow(s.idx[x])
		}
		if err := s.attempt(res, f); err != nil {
			return err
		}
		if s.onAccept != nil {
			s.ok = s.ok[:0]
			for _, r := range s.idx {
				if s.errNorm[r] <= 1 {
					s.ok = append(s.ok, r)
				}
			}
			if len(s.ok) > 0 {
				if err := s.onAccept(AcceptedSteps{Rows: s.ok, T: s.t, TNew: s.tNew, Y: s.y, YNew: s.ynew, Stages: s.ys}); err != nil {
					return err
				}
			}
		}
		s.step.par.split(len(s.idx), s.accept, s.acceptFn)
	}
}

// plan sets the attempts of the rows idx[lo:hi], lowering s.bad to the
// first whose attempt cannot be made.
func (s *RowSolver) plan(lo, hi int) {
	for x := lo; x < hi; x++ {
		if s.planRow(s.idx[x]) != nil {
			lowerTo(&s.bad, x)
			return
		}
	}
}

// planRow sets the end of row r's next attempt, or returns why it cannot
// be made: too many steps, or a step too small.
func (s *RowSolver) planRow(r int) error {
	t1, dir, span := s.t1, s.dir, s.span
	if s.acc[r]+s.rejected[r] >= s.maxSteps {
		return rowError(r, &SolveError{Err: errorf(ErrMaxSteps, "ode: maximum number of steps (%d) exceeded", s.maxSteps), T: s.t[r], H: dir * s.h[r], status: MaxStepsReached})
	}
	t, h := s.t[r], s.h[r]
	tNew, last := t1, true
	if h < math.Abs(t1-t) {
		if h < minStep(t, span) {
			return rowError(r, &SolveError{Err: ErrStepSizeTooSmall, T: t, H: dir * h, status: StepSizeTooSmall})
		}
		tNew, last = t+dir*h, false
		if math.Abs(t1-tNew) <= minStep(tNew, span) {
			tNew, last = t1, true
		}
	}
	s.tNew[r], s.last[r] = tNew, last
	return nil
}

// accept moves the rows idx[lo:hi] on from their attempts: a rejected row
// gets a smaller step, an accepted one its new state and the next step.
func (s *RowSolver) accept(lo, hi int) {
	m, stages, fsal := s.m, s.method.Stages(), s.method.FSAL
	for _, r := range s.idx[lo:hi] {
		e := s.errNorm[r]
		hs := s.tNew[r] - s.t[r]
		if e > 1 {
			s.rejected[r]++
			s.rej[r] = true
			s.h[r] = math.Abs(hs) * s.stepFactor(e)
			continue
		}
		s.acc[r]++
		factor := s.stepFactor(e)
		if s.rej[r] {
			factor = math.Min(factor, 1)
		}
		s.rej[r] = false
		copy(s.y[r*m:(r+1)*m], s.ynew[r*m:(r+1)*m])
		if fsal {
			copy(s.k[0][r*m:(r+1)*m], s.k[stages-1][r*m:(r+1)*m])
			s.haveK0[r] = true
		} else {
			s.haveK0[r] = false
		}
		s.t[r] = s.tNew[r]
		if s.recordSteps {
			s.times[r] = append(s.times[r], s.t[r])
		}
		s.h[r] = math.Abs(hs) * factor
		if s.last[r] {
			s.done[r] = true
		}
	}
}

// attempt takes one trial step of every row in s.idx into s.ynew and sets
// s.errNorm of those rows.
func (s *RowSolver) attempt(res *Result, f RowFunc) error {
	meth, m := s.method, s.m
	all := s.idx
	// Stage 0, for the rows that do not have it yet.
	need := s.need[:0]
	for _, r := range all {
		if !s.haveK0[r] {
			need = append(need, r)
			s.step.tc[len(need)-1] = s.t[r]
		}
	}
	if len(need) > 0 {
		if err := s.call(res, f, s.k[0], s.step.tc[:len(need)], s.y, need, false, true); err != nil {
			return err
		}
		for _, r := range need {
			s.haveK0[r] = true
		}
	}
	eval := func(dy, ts, y []float64, rows []int) error {
		return s.call(res, f, dy, ts, y, rows, false, false)
	}
	s.step.job.set(s.ynew, s.t, s.tNew, s.y, m, all, s.k, s.ys, s.step.tc)
	calls, bad, err := meth.stepRows(&s.step.job, s.step.par, eval, ReuseFirst|EvalLast)
	s.calls = calls
	if err != nil {
		for _, r := range all {
			s.nfe[r] += calls
		}
		if bad >= 0 {
			return rowError(bad, err)
		}
		return err
	}
	s.bad.Store(noRow)
	s.step.par.split(len(all), s.norms, s.normFn)
	if x := int(s.bad.Load()); x != noRow {
		r := all[x]
		return rowError(r, &SolveError{Err: errorf(ErrNonFinite, "ode: non-finite error estimate"), T: s.t[r], H: s.tNew[r] - s.t[r], status: NonFinite})
	}
	return nil
}

// norms sets the error norms of the rows idx[lo:hi] from their attempts,
// lowering s.bad to the first one that is NaN.
func (s *RowSolver) norms(lo, hi int) {
	meth, m := s.method, s.m
	rtol, atol := s.ad.RTol, s.ad.ATol
	for x := lo; x < hi; x++ {
		r := s.idx[x]
		s.nfe[r] += s.calls
		h := s.tNew[r] - s.t[r]
		var acc float64
		for c := range m {
			var e float64
			for l, el := range meth.BErr {
				e += el * s.k[l][r*m+c]
			}
			j := r*m + c
			sc := atol + rtol*math.Max(math.Abs(s.y[j]), math.Abs(s.ynew[j]))
			q := h * e / sc
			acc += q * q
		}
		e := math.Sqrt(acc / float64(m))
		if math.IsNaN(e) {
			lowerTo(&s.bad, x)
			continue
		}
		s.errNorm[r] = e
	}
}

// stepFactor is Solver.stepFactor for the row solver's controller.
func (s *RowSolver) stepFactor(errNorm float64) float64 {
	return s.ad.factor(errNorm, s.expo)
}

// initialSteps chooses every row's first step as Solver.initialStep does
// for one row, with two calls of f over all rows; it leaves f(t0, y0) in
// s.k[0].
func (s *RowSolver) initialSteps(res *Result, f RowFunc, t0, t1 float64) error {
	n := s.n
	s.idx = s.idx[:0]
	ts := s.step.tc[:n]
	for r := range n {
		s.idx = append(s.idx, r)
		ts[r] = t0
	}
	if err := s.call(res, f, s.k[0], ts, s.y, s.idx, true, true); err != nil {
		return err
	}
	s.step.par.split(n, s.probe, s.probeFn)
	if err := s.call(res, f, s.k[1], ts, s.ynew, s.idx, true, true); err != nil {
		return err
	}
	s.step.par.split(n, s.first, s.firstFn)
	return nil
}

// probe sets the rows lo…hi−1 of the initial step's probe: its size (in
// s.h, for now), its state y0 + h0·f(t0, y0) (in s.ynew) and its time,
// and keeps the norm of f(t0, y0) in s.errNorm for first.
func (s *RowSolver) probe(lo, hi int) {
	m, t0 := s.m, s.t0
	rtol, atol := s.ad.RTol, s.ad.ATol
	for r := lo; r < hi; r++ {
		y, f0 := s.y[r*m:(r+1)*m], s.k[0][r*m:(r+1)*m]
		h0, d1 := probeStep(y, f0, rtol, atol, s.span)
		s.h[r], s.errNorm[r] = h0, d1
		for i := range y {
			s.ynew[r*m+i] = y[i] + s.dir*h0*f0[i]
		}
		s.step.tc[r] = t0 + s.dir*h0
		s.haveK0[r] = true
	}
}

// first sets the first step of the rows lo…hi−1 from the probe's
// derivative in s.k[1].
func (s *RowSolver) first(lo, hi int) {
	m := s.m
	rtol, atol := s.ad.RTol, s.ad.ATol
	for r := lo; r < hi; r++ {
		y, f0, f1 := s.y[r*m:(r+1)*m], s.k[0][r*m:(r+1)*m], s.k[1][r*m:(r+1)*m]
		d2 := curvature(y, f0, f1, rtol, atol, s.h[r])
		s.h[r] = hairerStep(s.errNorm[r], d2, s.h[r], s.span, s.expo)
	}
}
