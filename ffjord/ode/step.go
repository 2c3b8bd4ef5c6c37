package ode

import "sync/atomic"

// StageFlags modify one Method.Step.
type StageFlags uint8

const (
	// ReuseFirst means k[0] already holds f(t, y), as after a rejected
	// step or from an FSAL method's previous step, so Step does not
	// evaluate it again.
	ReuseFirst StageFlags = 1 << iota

	// EvalLast makes an FSAL method evaluate its last stage, f(tNew,
	// ynew), into k[s−1]. Only the error estimate and the next step need
	// it. Methods without FSAL ignore it.
	EvalLast
)

// Step takes one step of m from (t, y) to tNew, h = tNew − t:
//
//	Y_i = y + h·Σ_{j<i} a_ij·k_j,  k_i = f(t + c_i·h, Y_i),  ynew = y + h·Σ_i b_i·k_i.
//
// It is the one stage routine of the package (Solver and RowStepper run it
// on rows with their own step sizes), and callers use it to replay
// recorded steps, for example to backpropagate through them.
//
// k holds m.Stages() buffers of len(y) that receive the k_i. ys holds
// m.Stages() buffers of len(y) that receive the Y_i for 0 < i < s; Y_0 is y
// itself, and an FSAL method's last stage is (tNew, ynew), so ys[0] and
// that last entry are not written. The entries of ys may all be one scratch
// buffer when the caller does not keep the stage states. ynew must not
// share memory with y, k or ys.
//
// Step returns the number of evaluations of f it made, the failing one
// included. An invalid m is an ErrInvalidSettings error; a nil f or
// buffers of the wrong number or length an ErrInvalidInput one. Its other
// errors are those of Solve, with T = t and H = h: a
// *SolveError wrapping f's error, or ErrNonFinite for a non-finite
// derivative or new state.
func (m *Method) Step(ynew []float64, f Func, t, tNew float64, y []float64, k, ys [][]float64, flags StageFlags) (nfe int, err error) {
	if err := m.validate(); err != nil {
		return 0, err
	}
	if f == nil || len(k) != len(m.B) || len(ys) != len(m.B) || len(ynew) != len(y) {
		return 0, errorf(ErrInvalidInput, "ode: Method.Step: nil Func, %d new values for %d, or %d and %d stage buffers for %d stages", len(ynew), len(y), len(k), len(ys), len(m.B))
	}
	for i := range k {
		// ys[0] and an FSAL method's last entry are not written.
		written := i > 0 && !(m.FSAL && i == len(k)-1)
		if len(k[i]) != len(y) || (written && len(ys[i]) != len(y)) {
			return 0, errorf(ErrInvalidInput, "ode: Method.Step: stage buffer %d has %d and %d values, want %d", i, len(k[i]), len(ys[i]), len(y))
		}
	}
	var one single
	return m.stepOne(&one, ynew, f, t, tNew, y, k, ys, flags)
}

// single holds the views that make one state a batch of one row for
// stepRows. A Solver keeps one, so that its steps allocate nothing.
type single struct {
	t, tNew, ts [1]float64
	rows        [1]int
	job         rowJob
}

// stepOne is Step with the caller's one-row views.
func (m *Method) stepOne(one *single, ynew []float64, f Func, t, tNew float64, y []float64, k, ys [][]float64, flags StageFlags) (int, error) {
	one.t[0], one.tNew[0] = t, tNew
	h := tNew - t
	eval := func(dy, ts, yf []float64, _ []int) error {
		return evalChecked(f, dy, ts[0], yf, t, h)
	}
	one.job.set(ynew, one.t[:], one.tNew[:], y, len(y), one.rows[:], k, ys, one.ts[:])
	nfe, _, err := m.stepRows(&one.job, nil, eval, flags)
	return nfe, err
}

// rowEval sets row r of dy to f(ts[j], row r of y) for every r = rows[j],
// the rows being the consecutive runs of w values of dy and y. It writes no
// other row of dy.
type rowEval func(dy, ts, y []float64, rows []int) error

// Parallel runs body on parts [lo, hi) that cover [0, n) once each,
// possibly at the same time, and returns when every part has returned
// (odefunc.Dynamics.Parallel is one, on the goroutines that evaluate the
// dynamics). A Solver or RowStepper given one splits its per-row
// bookkeeping (stage states, error norms, step sizes, gathering) over the
// rows with it, and a Solver the loops of one step group over a long
// state (at least 4096 values) by ranges of its values. A row's values
// are computed by the same operations whatever the parts, and the error
// norm's terms are added in the same order, so results keep their bits.
type Parallel func(n int, body func(lo, hi int))

// rowJob holds the arguments of stepRows: the rows listed in rows of the
// row-major batch y of width w, row r stepping from t[r] to tNew[r] (t and
// tNew indexed by row) into ynew, with the stage buffers k and ys and the
// scratch ts for the stage times of one call. Its per-row loops are
// methods, so that a Parallel can split them without allocating.
type rowJob struct {
	ynew, t, tNew, y, ts []float64
	w                    int
	rows                 []int
	k, ys                [][]float64

	// flat says that the rows are 0…k−1 and take one step: the loops then
	// run over their values as one range, split by ranges of values (see
	// values.go), with the same operations per value, and over the tail
	// values that follow the rows (a Solver's shared state).
	flat bool
	tail int

	// The loop being run: dst = y + h·Σ coef·k at the stage time c.
	dst, coef []float64
	c         float64
	bad       atomic.Int64 // the lowest index into rows with a non-finite new state

	stageFn, newFn func(lo, hi int) // the loops as values, bound once
}

func (j *rowJob) set(ynew, t, tNew, y []float64, w int, rows []int, k, ys [][]float64, ts []float64) {
	j.ynew, j.t, j.tNew, j.y, j.w, j.rows, j.k, j.ys, j.ts = ynew, t, tNew, y, w, rows, k, ys, ts[:len(rows)]
	j.flat, j.tail = false, 0
}

// end returns the end of the values of the first hi rows in the flat
// case: the last row's take the tail with them.
func (j *rowJob) end(hi int) int {
	if hi == len(j.rows) {
		return hi*j.w + j.tail
	}
	return hi * j.w
}

// release drops j's references to the caller's slices.
func (j *rowJob) release() {
	j.ynew, j.t, j.tNew, j.y, j.rows, j.k, j.ys, j.dst = nil, nil, nil, nil, nil, nil, nil, nil
}

// stage sets the stage state j.dst and the stage time of rows[x] for
// lo ≤ x < hi; for a flat job, the values lo ≤ c < hi of the state
// (stageTimes sets the times).
func (j *rowJob) stage(lo, hi int) {
	w := j.w
	if j.flat {
		combine(j.dst, j.y, j.k, j.coef, j.tNew[0]-j.t[0], lo, hi)
		return
	}
	for x := lo; x < hi; x++ {
		r := j.rows[x]
		h := j.tNew[r] - j.t[r]
		combine(j.dst, j.y, j.k, j.coef, h, r*w, (r+1)*w)
		j.ts[x] = j.t[r] + j.c*h
	}
}

// newState sets the new state of rows[x] for lo ≤ x < hi (for a flat job,
// its values lo ≤ c < hi) and lowers j.bad to the first x whose new state
// is not finite.
func (j *rowJob) newState(lo, hi int) {
	w := j.w
	if j.flat { // the rows are 0…k−1: value c is in row c/w, the tail's in the last
		combine(j.ynew, j.y, j.k, j.coef, j.tNew[0]-j.t[0], lo, hi)
		for c, v := range j.ynew[lo:hi] {
			if !isFinite(v) {
				lowerTo(&j.bad, min((lo+c)/w, len(j.rows)-1))
				return
			}
		}
		return
	}
	for x := lo; x < hi; x++ {
		r := j.rows[x]
		combine(j.ynew, j.y, j.k, j.coef, j.tNew[r]-j.t[r], r*w, (r+1)*w)
		for _, v := range j.ynew[r*w : (r+1)*w] {
			if !isFinite(v) {
				lowerTo(&j.bad, x)
				return
			}
		}
	}
}

// lowerTo sets a to min(a, x).
func lowerTo(a *atomic.Int64, x int) {
	for {
		old := a.Load()
		if int64(x) >= old || a.CompareAndSwap(old, int64(x)) {
			return
		}
	}
}

// split runs body over [0, n): on p when it is set, else at once (fn is
// body as a value bound once, so that nothing is allocated).
func (p Parallel) split(n int, body, fn func(lo, hi int)) {
	if p == nil {
		body(0, n)
		return
	}
	p(n, fn)
}

// stepRows is Step for the rows of j (see rowJob). Every stage is one call
// of eval over the listed rows, and a row's values are computed with the
// same operations, in the same order, as Step computes a state of its own,
// so a row's bits do not depend on the other rows; par, if set, splits the
// per-row loops. A non-finite new state fails the step; bad is then its
// row.
func (m *Method) stepRows(j *rowJob, par Parallel, eval rowEval, flags StageFlags) (calls, bad int, err error) {
	rows, ts, k := j.rows, j.ts, j.k
	if par != nil && j.stageFn == nil {
		j.stageFn, j.newFn = j.stage, j.newState
	}
	if flags&ReuseFirst == 0 {
		for x, r := range rows {
			ts[x] = j.t[r]
		}
		calls++
		if err := eval(k[0], ts, j.y, rows); err != nil {
			return calls, -1, err
		}
	}
	stages := len(k)
	if m.FSAL {
		stages-- // evaluated at (tNew, ynew) below
	}
	for i := 1; i < stages; i++ {
		j.dst, j.coef, j.c = j.ys[i], m.A[i][:i], m.C[i]
		if j.flat {
			j.stageTimes()
		}
		j.run(par, j.stage, j.stageFn)
		calls++
		if err := eval(k[i], ts, j.ys[i], rows); err != nil {
			return calls, -1, err
		}
	}
	j.coef = m.B[:stages]
	j.bad.Store(int64(len(rows)))
	j.run(par, j.newState, j.newFn)
	if x := int(j.bad.Load()); x < len(rows) {
		r, w := rows[x], j.w
		hi := (r + 1) * w
		if j.flat {
			hi = j.end(x + 1)
		}
		for c := r * w; c < hi; c++ {
			if !isFinite(j.ynew[c]) {
				return calls, r, &SolveError{Err: errorf(ErrNonFinite, "ode: non-finite trial state y[%d] = %v", c-r*w, j.ynew[c]), T: j.t[r], H: j.tNew[r] - j.t[r], status: NonFinite}
			}
		}
	}
	if m.FSAL && flags&EvalLast != 0 {
		for x, r := range rows {
			ts[x] = j.tNew[r]
		}
		calls++
		if err := eval(k[len(k)-1], ts, j.ynew, rows); err != nil {
			return calls, -1, err
		}
	}
	return calls, -1, nil
}

// combine sets dst[c] = y[c] + h·Σ_l coef[l]·k[l][c] for lo ≤ c < hi: a
// stage state or the new state of one row.
func combine(dst, y []float64, k [][]float64, coef []float64, h float64, lo, hi int) {
	for c := lo; c < hi; c++ {
		var sum float64
		for l, a := range coef {
			sum += a * k[l][c]
		}
		dst[c] = y[c] + h*sum
	}
}

// evalChecked sets dy = f(tf, yf) and checks the result; errors report the
// step (t, h).
func evalChecked(f Func, dy []float64, tf float64, yf []float64, t, h float64) error {
	if err := f(dy, tf, yf); err != nil {
		return &SolveError{Err: &detailError{msg: "ode: Func failed: " + err.Error(), err: err}, T: t, H: h, status: FuncFailed}
	}
	for i, v := range dy {
		if !isFinite(v) {
			return &SolveError{Err: errorf(ErrNonFinite, "ode: non-finite derivative dy[%d] = %v from f(%v, y)", i, v, tf), T: t, H: h, status: NonFinite}
		}
	}
	return nil
}

// RowStepper takes Runge–Kutta steps of several rows of one batch at once,
// each row with its own times, by the stage routine of Method.Step and
// Solver: every stage is one call of a RowFunc over the rows being
// stepped. It is how a caller replays the steps Solver.SolveRows recorded
// for each row (Solver.RowTimes), for example to backpropagate through
// them. It owns scratch buffers, so it must not be used by several
// goroutines at once.
type RowStepper struct {
	method     *Method
	tc, yc, dc []float64
	par        Parallel
	job        rowJob

	// gather's arguments, for its loops split by par.
	src, dst    []float64
	grows       []int
	gw          int
	inPlace     bool // the rows are 0…k−1, evaluated where they are
	gbad        atomic.Int64
	inFn, outFn func(lo, hi int)
	checkFn     func(lo, hi int) // checkValues
}

// SetParallel makes s split its per-row loops with p (nil: none).
func (s *RowStepper) SetParallel(p Parallel) {
	if p != nil && s.inFn == nil {
		s.inFn, s.outFn, s.checkFn = s.gatherIn, s.scatterOut, s.checkValues
	}
	s.par = p
}

// NewRowStepper returns a RowStepper for m (nil selects DormandPrince);
// errors wrap ErrInvalidSettings.
func NewRowStepper(m *Method) (*RowStepper, error) {
	if m == nil {
		m = DormandPrince()
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &RowStepper{method: m}, nil
}

// Step steps each row r listed in rows of the row-major batch y, whose rows
// have width w, from t[r] to tNew[r] (t and tNew are indexed by row), into
// the same rows of ynew; k and ys are as for Method.Step, each the size of
// y. f sees the listed rows gathered into compact buffers, with their
// indices. A row's values are bit-identical to those of the same row
// stepped alone. It returns the calls of f made; errors are those of
// Method.Step, naming the row.
func (s *RowStepper) Step(ynew []float64, f RowFunc, t, tNew, y []float64, w int, rows []int, k, ys [][]float64, flags StageFlags) (calls int, err error) {
	if s == nil || s.method == nil {
		return 0, errorf(ErrInvalidSettings, "ode: RowStepper.Step: a RowStepper is made by NewRowStepper")
	}
	m := s.method
	switch {
	case f == nil || w < 1 || len(k) != m.Stages() || len(ys) != m.Stages():
		return 0, errorf(ErrInvalidInput, "ode: RowStepper.Step: nil RowFunc, width %d, or %d and %d stage buffers for %d stages", w, len(k), len(ys), m.Stages())
	case len(y)%w != 0 || len(ynew) != len(y) || len(t) != len(y)/w || len(tNew) != len(t):
		return 0, errorf(ErrInvalidInput, "ode: RowStepper.Step: %d values, %d new values, %d and %d times for rows of width %d", len(y), len(ynew), len(t), len(tNew), w)
	}
	n := len(t)
	for _, r := range rows {
		if r < 0 || r >= n {
			return 0, errorf(ErrInvalidInput, "ode: RowStepper.Step: row %d of %d", r, n)
		}
	}
	for i := range k {
		if len(k[i]) != len(y) || len(ys[i]) != len(y) {
			return 0, errorf(ErrInvalidInput, "ode: RowStepper.Step: stage buffer %d has %d and %d values, want %d", i, len(k[i]), len(ys[i]), len(y))
		}
	}
	if len(rows) == 0 {
		return 0, nil // no row to step
	}
	s.ensure(len(rows), w)
	eval := func(dy, ts, yf []float64, rows []int) error {
		r, err := s.gather(f, dy, ts, yf, w, rows)
		if err != nil {
			h := tNew[r] - t[r]
			if se, ok := err.(*SolveError); ok {
				se.T, se.H = t[r], h
			}
			return rowError(r, err)
		}
		return nil
	}
	s.job.set(ynew, t, tNew, y, w, rows, k, ys, s.tc)
	calls, bad, err := m.stepRows(&s.job, s.par, eval, flags)
	s.job.release()
	if bad >= 0 {
		err = rowError(bad, err)
	}
	return calls, err
}

// ensure sizes the stage times for n rows; the gathering buffers, which
// calls over rows 0…k−1 do not need, are sized by gather.
func (s *RowStepper) ensure(n, w int) {
	if cap(s.tc) < n {
		s.tc = make([]float64, n)
	}
}

// gather evaluates f on the listed rows of y (width w) at the times ts,
// through compact buffers, and scatters the derivatives into dy. On failure
// it returns the row it blames (the first row of the call when f fails)
// and a *SolveError whose T and H the caller sets.
func (s *RowStepper) gather(f RowFunc, dy, ts, y []float64, w int, rows []int) (int, error) {
	k := len(rows)
	var yc, dc []float64
	inPlace := leading(rows)
	if inPlace {
		// Rows 0…k−1: they are compact where they are.
		yc, dc = y[:k*w], dy[:k*w]
	} else {
		if cap(s.yc) < k*w {
			s.yc, s.dc = make([]float64, len(y)), make([]float64, len(y))
		}
		yc, dc = s.yc[:k*w], s.dc[:k*w]
	}
	s.src, s.dst, s.grows, s.gw, s.inPlace = y, dy, rows, w, inPlace
	defer func() { s.src, s.dst, s.grows = nil, nil, nil }()
	if !inPlace {
		s.par.split(k, s.gatherIn, s.inFn)
	}
	if err := f(dc, ts, yc, rows); err != nil {
		return rows[0], &SolveError{Err: &detailError{msg: "ode: Func failed: " + err.Error(), err: err}, status: FuncFailed}
	}
	s.gbad.Store(int64(k))
	if inPlace && s.par != nil && k*w >= valuesMin {
		s.par(k*w, s.checkFn) // a long state: split by values
	} else {
		s.par.split(k, s.scatterOut, s.outFn)
	}
	if x := int(s.gbad.Load()); x < k {
		for i, v := range dc[x*w : (x+1)*w] {
			if !isFinite(v) {
				return rows[x], &SolveError{Err: errorf(ErrNonFinite, "ode: non-finite derivative dy[%d] = %v from f(%v, y)", i, v, ts[x]), status: NonFinite}
			}
		}
	}
	return -1, nil
}

// leading reports whether rows are 0, 1, …, len(rows)−1.
func leading(rows []int) bool {
	if len(rows) == 0 || rows[len(rows)-1] != len(rows)-1 {
		return false
	}
	for j, r := range rows {
		if r != j {
			return false
		}
	}
	return true
}

// gatherIn copies rows grows[lo:hi] of src into the compact buffer.
func (s *RowStepper) gatherIn(lo, hi int) {
	w, yc, src := s.gw, s.yc, s.src
	for x := lo; x < hi; x++ {
		r := s.grows[x]
		copy(yc[x*w:(x+1)*w], src[r*w:(r+1)*w])
	}
}

// scatterOut checks the compact derivatives of grows[lo:hi] and copies
// them into their rows of dst (unless they are there already), lowering
// gbad to the first row that is not finite.
func (s *RowStepper) scatterOut(lo, hi int) {
	w, dc, dst := s.gw, s.dc, s.dst
	if s.inPlace {
		// Nothing to copy: one pass over the rows' values.
		for i, v := range dst[lo*w : hi*w] {
			if !isFinite(v) {
				lowerTo(&s.gbad, lo+i/w)
				return
			}
		}
		return
	}
	for x := lo; x < hi; x++ {
		row := dc[x*w : (x+1)*w]
		for _, v := range row {
			if !isFinite(v) {
				lowerTo(&s.gbad, x)
				return
			}
		}
		r := s.grows[x]
		copy(dst[r*w:(r+1)*w], row)
	}
}
