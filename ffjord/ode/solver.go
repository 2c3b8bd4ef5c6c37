package ode

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync/atomic"
	"unsafe"
)

// Func writes dy/dt at (t, y) into dy, overwriting every element. It must
// not modify or retain y or dy. A non-nil error aborts the solve and is
// returned wrapped in a *SolveError.
type Func func(dy []float64, t float64, y []float64) error

// RowFunc writes dy/dt of k rows of width m, each at its own time: row j of
// y, y[j·m:(j+1)·m], at time t[j]. rows[j] is that row's index in the batch
// being solved, so that the function can find per-row data of its own (a
// context, noise); Solver lists them in increasing order. It must overwrite every element of dy and must not
// modify or retain its arguments. For the guarantees of per-row step
// control, a row's derivative must depend on that row alone (its index,
// time and state), never on which other rows share the call.
type RowFunc func(dy, t, y []float64, rows []int) error

// SharedFunc is the right-hand side of SolveShared: rows, as for a
// RowFunc, that also drive a state shared by the batch, whose derivative
// is the sum of the rows' contributions and does not depend on the shared
// state itself (an adjoint solve's parameter gradient, which every row
// adds to). It writes dy/dt of the k rows of y at the times t into dy, as
// a RowFunc does, and when ds is not nil it adds Σ_j w_j·s_j to ds, s_j
// being the contribution of row j (at t[j], with row j of y) and w_j =
// w[j], or 1 when w is nil. Under per-row control the solver also calls
// it for that sum alone, with a dy it ignores and rows that repeat (the
// stages of a step); there the rows are in no particular order.
type SharedFunc func(dy, ds, t, y []float64, rows []int, w []float64) error

// Result reports the outcome and statistics of one solve.
//
// For Dormand–Prince the evaluation count of a step group is
//
//	NFE = 6·(Accepted+Rejected) + 1 + (1 if FirstStep is automatic)
//
// for Adaptive solves and NFE = 6·Accepted for Constant and Grid solves
// (the final FSAL stage is only needed for the error estimate). Methods
// without FSAL take Stages()·Accepted evaluations in Constant and Grid
// solves.
type Result struct {
	Status   Status // Successful, or the kind of the returned error
	NFE      int    // calls of f
	Accepted int    // accepted steps, summed over the step groups
	Rejected int    // rejected steps, summed over the step groups; 0 for Constant and Grid

	// Rows is the number of rows solved (1 for Solve) and RowNFE the
	// evaluations of single rows summed over them, so RowNFE/Rows is the
	// mean work of a row.
	Rows, RowNFE int

	// Times holds t0 and the end of every accepted step, ending at t1,
	// when Settings.RecordSteps is set and the rows formed one step group,
	// and nil otherwise (see Solver.RowTimes). It is the Solver's buffer:
	// the next solve overwrites it.
	Times []float64

	// LastStep is the signed size of the last accepted step, which may
	// have been shortened to land on t1; 0 under per-row control.
	LastStep float64

	// NextStep is the signed step the Adaptive controller would try next,
	// a good FirstStep for a following solve of a similar problem. It is
	// 0 for Constant and Grid solves and under per-row control.
	NextStep float64
}

// Solver integrates ODEs with fixed Settings: one ODE (Solve), or a batch
// of independent rows of one width (SolveRows) whose rows fall into step
// groups. A group shares its time, step size, error norm and accept/reject
// decision: Settings.StepControl WholeBatch makes all rows one group, PerRow
// makes every row its own group (under Constant or Grid steps the rows
// always form one group, since nothing couples them). The rows still move
// together: each stage of the method is one call of the RowFunc over the
// rows still being solved, and a group that has reached t1 drops out of
// the calls.
//
// Under per-row control a row's result, step times and counts are
// bit-identical whatever the other rows, their order and their number,
// provided the RowFunc's rows are independent (see RowFunc), and equal to
// Solve's on that row alone.
//
// A Solver owns its workspace, so repeated solves of the same shape
// allocate nothing (beyond recorded times). It must not be used by several
// goroutines at once.
type Solver struct {
	method      *Method
	maxSteps    int
	recordSteps bool
	control     StepControl // of SolveRows: WholeBatch or PerRow
	// The controller, resolved: exactly one of these is in use.
	ad       Adaptive
	adaptive bool
	constant float64   // Constant.Step
	grid     []float64 // Grid.Times
	expo     float64   // adaptive exponent 1/(q+1)

	// The workspace, for n rows of width m in groups of one row (perRow)
	// or of all rows.
	n, m          int
	perRow        bool
	fields        []int // widths of the fields a group of rows sums its norm by
	normFields    []int // fields, when a group has several rows; nil: one field
	k             [][]float64
	y, ynew       []float64
	ys            [][]float64  // stage states: all s.ynew, unless OnAccept or a quadrature keeps them
	rt, rtNew     []float64    // per row: its group's t and end of attempt
	scratch       [3][]float64 // a group's y, f0, f1 in norm order, for the first step
	tail          int          // shared values after the rows in the state buffers (one group)
	quad          bool         // the shared state is taken by quadrature (per-row groups)
	step          RowStepper   // the gathering buffers of the calls
	idx, need, ok []int        // the rows of an attempt; those lacking k[0]; those accepted

	// Per step group.
	t, h, tNew    []float64
	haveK0, rej   []bool
	done, last    []bool
	acc, rejected []int
	nfe           []int
	errNorm       []float64
	lastStep      []float64
	times         [][]float64
	gidx          []int // the groups of an attempt

	onAccept func(AcceptedSteps) error
	fn       Func    // the Func of the current Solve
	oneFn    RowFunc // s.evalFunc, bound once

	// The shared state of the current SolveShared: the caller's sum, the
	// derivative being evaluated (in the state, one group) and the
	// quadrature's calls (per-row groups), gathered.
	sf              SharedFunc
	shared, shDst   []float64
	sharedFn        RowFunc // s.evalShared, bound once
	qt, qw, qy, qdy []float64
	qrows           []int

	named  bool // errors name the failing row (per-row control)
	bad    atomic.Int64
	t0, t1 float64
	dir    float64
	span   float64
	calls  int
	next   float64 // the one group's next step, once it has accepted one

	normFn, acceptFn, planFn, probeFn, firstFn func(lo, hi int) // the loops as values for a Parallel
	vals                                       groupValues      // the loops over one group's values
}

// AcceptedSteps are the steps of one attempt that were accepted, given to
// the function set by OnAccept before the rows move on. Every slice is the
// solver's buffer, valid during the call only.
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

// NewSolver returns a Solver for s, or an error wrapping
// ErrInvalidSettings that names the offending field.
func NewSolver(s Settings) (*Solver, error) {
	set, err := s.resolved()
	if err != nil {
		return nil, err
	}
	m := set.Method
	sv := &Solver{method: m, maxSteps: set.MaxSteps, recordSteps: set.RecordSteps,
		control: set.StepControl.Or(WholeBatch), k: make([][]float64, m.Stages()), n: -1}
	switch c := set.Controller.(type) {
	case Adaptive:
		sv.ad, sv.adaptive = c, true
		sv.expo = m.errExponent()
	case Constant:
		sv.constant = c.Step
	case Grid:
		sv.grid = c.Times
	}
	sv.oneFn, sv.sharedFn = sv.evalFunc, sv.evalShared
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

// PerRow reports whether SolveRows controls steps per row: the Settings
// ask for PerRow and an Adaptive controller.
func (s *Solver) PerRow() bool { return s.control == PerRow && s.adaptive }

// OnAccept sets a function that is called after every attempt of SolveRows
// with the steps that were accepted (nil removes it); its error stops the
// solve. It is how a caller integrates a quantity along each row's own
// steps without making it part of the solved state: with the stages' b
// weights, h·Σ b_i·g(Y_i) is that quantity's step by the same method
// (SolveShared does this for a state that the rows share). Keeping the
// stage states costs Stages()−1 more state-sized buffers.
func (s *Solver) OnAccept(fn func(AcceptedSteps) error) {
	s.onAccept = fn
	s.n = -1 // the stage buffers change
}

// SetParallel makes s split its per-row work between the calls of the
// RowFunc (stage states, error norms, step sizes, gathering the rows) with
// p, and, for one step group of at least 4096 values (a whole-batch
// SolveRows, a Solve), the loops over its values by ranges of them; nil,
// the default, does it on the caller's goroutine. The results keep their
// bits.
func (s *Solver) SetParallel(p Parallel) {
	if p != nil && s.normFn == nil {
		s.normFn, s.acceptFn, s.planFn, s.probeFn, s.firstFn = s.norms, s.accept, s.plan, s.probe, s.first
	}
	s.step.SetParallel(p)
}

// SetFields sets the widths of the fields of a row, which must add up to
// the width of the rows of the following SolveRows (nil: one field). A
// group of several rows sums its error norm field by field, each field
// over the group's rows in order, as a solve of one ODE whose state holds
// the first field of every row, then the second, and so on would: so a
// batch stored row by row, [z_r, ℓ_r] per row, gets the bits of the norm
// of the state [z; ℓ]. It does not change a group of one row. s keeps
// widths without copying it.
func (s *Solver) SetFields(widths []int) {
	if !slices.Equal(s.fields, widths) {
		s.n = -1 // the norm order changes
	}
	s.fields = widths
}

// RowTimes returns the accepted step boundaries of row r's step group in
// the last solve (t0 first, t1 last) when Settings.RecordSteps is set,
// else nil. It is the solver's buffer: the next solve overwrites it.
func (s *Solver) RowTimes(r int) []float64 {
	if !s.recordSteps || r < 0 || r >= s.n {
		return nil
	}
	return s.times[s.group(r)]
}

// RowNFE returns the evaluations of row r in the last solve (0 for a row
// it did not have).
func (s *Solver) RowNFE(r int) int {
	if r < 0 || r >= s.n {
		return 0
	}
	return s.nfe[s.group(r)]
}

// RowSteps returns the accepted and rejected steps of row r's step group
// in the last solve (0, 0 for a row it did not have).
func (s *Solver) RowSteps(r int) (accepted, rejected int) {
	if r < 0 || r >= s.n {
		return 0, 0
	}
	g := s.group(r)
	return s.acc[g], s.rejected[g]
}

// group returns the step group of row r.
func (s *Solver) group(r int) int {
	if s.perRow {
		return r
	}
	return 0
}

// members returns the rows [lo, hi) of group g.
func (s *Solver) members(g int) (lo, hi int) {
	if s.perRow {
		return g, g + 1
	}
	return 0, s.n
}

// values returns the range [lo, hi) of group g's values in the state
// buffers: its rows', and the shared tail for the one group of a state
// that has one.
func (s *Solver) values(g int) (lo, hi int) {
	rlo, rhi := s.members(g)
	lo, hi = rlo*s.m, rhi*s.m
	if !s.perRow {
		hi += s.tail
	}
	return lo, hi
}

// evalFunc is the RowFunc of a Solve: its one row is the Func's state.
func (s *Solver) evalFunc(dy, t, y []float64, _ []int) error {
	return s.fn(dy, t[0], y)
}

// evalShared is the RowFunc of a SolveShared: the SharedFunc's rows and,
// when the shared state is solved with them, its derivative into s.shDst.
func (s *Solver) evalShared(dy, t, y []float64, rows []int) error {
	return s.sf(dy, s.shDst, t, y, rows, nil)
}

// Solve integrates y' = f(t, y) from y(t0) = y0 to t1 and writes y(t1) into
// dst. dst and y0 must have the same non-zero length and may alias; t1 < t0
// integrates backwards. It is a solve of one row, whatever the StepControl.
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
	s.fn = f
	res, err := s.run(dst, s.oneFn, t0, t1, y0, 1, false, nil)
	s.fn = nil
	return res, err
}

func (s *Solver) checkInput(dst []float64, f Func, t0, t1 float64, y0 []float64) error {
	switch {
	case s == nil || s.method == nil:
		return errorf(ErrInvalidSettings, "ode: a Solver is made by NewSolver")
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
	if err := s.checkGrid(t0, t1); err != nil {
		return err
	}
	return checkFinite(y0)
}

func (s *Solver) checkGrid(t0, t1 float64) error {
	if g := s.grid; g != nil && (g[0] != t0 || g[len(g)-1] != t1) {
		return errorf(ErrInvalidInput, "ode: invalid input: t0 = %v, t1 = %v differ from the Grid's ends %v, %v", t0, t1, g[0], g[len(g)-1])
	}
	return nil
}

func checkFinite(y0 []float64) error {
	for i, v := range y0 {
		if !isFinite(v) {
			return errorf(ErrNonFinite, "ode: non-finite y0[%d] = %v", i, v)
		}
	}
	return nil
}

// SolveRows integrates the n rows of y0 (row-major, n×m with m = len(y0)/n)
// from t0 to t1 in step groups (see Solver) and writes the end states into
// dst, which may alias y0. Result.NFE counts the calls of f (each over the
// rows still being solved), Result.RowNFE the evaluations of single rows,
// Accepted and Rejected the steps summed over the groups, and Rows is n.
//
// Errors are those of Solve; under per-row control a failure of one row
// fails the solve, with the lowest failing row named in the message. dst
// then holds every row at the time it had reached.
func (s *Solver) SolveRows(dst []float64, f RowFunc, t0, t1 float64, y0 []float64, n int) (Result, error) {
	if res, err := s.checkRows(dst, f == nil, "RowFunc", t0, t1, y0, n); err != nil {
		return res, err
	}
	return s.run(dst, f, t0, t1, y0, n, s.PerRow(), nil)
}

// SolveShared is SolveRows for rows that also drive a state shared by the
// batch (see SharedFunc), and adds that state's change from t0 to t1 to
// shared. How depends on the step groups:
//
//   - In one group (WholeBatch control, Constant or Grid steps) the change
//     is solved with the rows, from 0, appended to the group's state after
//     the rows' fields and counted in its error norm: the bits of a Solve
//     of the one ODE [field 1 of every row, …, last field of every row,
//     shared] (see SetFields).
//   - A group per row (PerRow control) cannot afford a copy per row, so
//     the change is integrated along each row's accepted steps by the
//     method's weights, h·Σ_i b_i·s(t + c_i·h, Y_i), in one call of f per
//     attempt over the accepted rows' weighted stages (stage by stage, the
//     rows in increasing order in each), outside the error norm: the
//     "seminorm" of Kidger, Chen and Lyons (2021). Result.NFE counts those
//     calls too.
//
// shared must be finite and must not overlap dst or y0. If the solve
// fails, shared holds the change up to where dst's rows stopped.
func (s *Solver) SolveShared(dst, shared []float64, f SharedFunc, t0, t1 float64, y0 []float64, n int) (Result, error) {
	if res, err := s.checkRows(dst, f == nil, "SharedFunc", t0, t1, y0, n); err != nil {
		return res, err
	}
	if overlap(shared, dst) || overlap(shared, y0) {
		return Result{Rows: n, Status: InvalidInput}, errorf(ErrInvalidInput, "ode: invalid input: shared overlaps dst or y0")
	}
	for i, v := range shared {
		if !isFinite(v) {
			return Result{Rows: n, Status: NonFinite}, errorf(ErrNonFinite, "ode: non-finite shared[%d] = %v", i, v)
		}
	}
	s.sf = f
	res, err := s.run(dst, s.sharedFn, t0, t1, y0, n, s.PerRow(), shared)
	s.sf = nil
	return res, err
}

// overlap reports whether a and b share memory.
func overlap(a, b []float64) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	const size = unsafe.Sizeof(a[0])
	pa, pb := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return pa < pb+uintptr(len(b))*size && pb < pa+uintptr(len(a))*size
}

// checkRows checks the input of SolveRows and SolveShared; noFunc says
// that their function, of type what, is nil.
func (s *Solver) checkRows(dst []float64, noFunc bool, what string, t0, t1 float64, y0 []float64, n int) (Result, error) {
	res := Result{Rows: n, Status: InvalidInput}
	switch {
	case s == nil || s.method == nil:
		return res, errorf(ErrInvalidSettings, "ode: a Solver is made by NewSolver")
	case noFunc:
		return res, errorf(ErrInvalidInput, "ode: invalid input: nil %s", what)
	case n < 1 || len(y0) == 0 || len(y0)%n != 0:
		return res, errorf(ErrInvalidInput, "ode: invalid input: %d values are not %d rows", len(y0), n)
	case len(dst) != len(y0):
		return res, errorf(ErrInvalidInput, "ode: invalid input: len(dst) = %d, len(y0) = %d", len(dst), len(y0))
	case !isFinite(t0) || !isFinite(t1) || t0 == t1:
		return res, errorf(ErrInvalidInput, "ode: invalid input: t0 = %v, t1 = %v: must be finite and differ", t0, t1)
	}
	if s.fields != nil {
		sum := 0
		for _, w := range s.fields {
			sum += w
		}
		if sum != len(y0)/n {
			return res, errorf(ErrInvalidInput, "ode: invalid input: fields of %d values for rows of %d", sum, len(y0)/n)
		}
	}
	if err := s.checkGrid(t0, t1); err != nil {
		return res, err
	}
	if err := checkFinite(y0); err != nil {
		res.Status = NonFinite
		return res, err
	}
	return res, nil
}

// run solves checked input in groups of one row (perRow) or of all rows,
// with the shared state of a SolveShared, if any.
func (s *Solver) run(dst []float64, f RowFunc, t0, t1 float64, y0 []float64, n int, perRow bool, shared []float64) (Result, error) {
	res := Result{Rows: n}
	tail, quad := len(shared), false
	if perRow {
		tail, quad = 0, len(shared) > 0
	}
	s.ensure(n, len(y0)/n, perRow, tail, quad)
	s.named = perRow
	s.shared, s.shDst = shared, nil
	copy(s.y, y0)
	clear(s.y[len(y0):]) // the shared state's change starts at 0
	for g := range s.groups() {
		s.t[g], s.haveK0[g], s.rej[g], s.done[g] = t0, false, false, false
		s.acc[g], s.rejected[g], s.nfe[g], s.lastStep[g] = 0, 0, 0, 0
		s.h[g] = 0
		if s.recordSteps {
			s.times[g] = append(s.times[g][:0], t0)
		}
	}
	s.next = 0
	s.t0, s.t1, s.dir, s.span = t0, t1, math.Copysign(1, t1-t0), math.Abs(t1-t0)
	var err error
	switch {
	case s.grid != nil:
		err = s.solveGrid(&res, f)
	case s.constant > 0:
		err = s.solveFixed(&res, f)
	default:
		err = s.solveAdaptive(&res, f)
	}
	copy(dst, s.y)
	axpy(shared[:tail], s.y[len(y0):])
	s.shared, s.shDst = nil, nil
	for g := range s.groups() {
		lo, hi := s.members(g)
		res.Accepted += s.acc[g]
		res.Rejected += s.rejected[g]
		res.RowNFE += s.nfe[g] * (hi - lo)
	}
	if !perRow {
		res.LastStep = s.lastStep[0]
		res.NextStep = s.next
		if s.recordSteps {
			res.Times = s.times[0]
		}
	}
	if se, ok := err.(*SolveError); ok {
		res.Status = se.status
	}
	return res, err
}

// groups returns the number of step groups of the workspace.
func (s *Solver) groups() int {
	if s.perRow {
		return s.n
	}
	return 1
}

// ensure sizes the workspace for n rows of width m, in groups of one row
// (perRow) or of all rows, with tail shared values after the rows and
// the buffers of a quadrature of the shared state (quad).
func (s *Solver) ensure(n, m int, perRow bool, tail int, quad bool) {
	if s.n == n && s.m == m && s.perRow == perRow && s.tail == tail && s.quad == quad {
		return
	}
	s.n, s.m, s.perRow, s.tail, s.quad = n, m, perRow, tail, quad
	nm, ng, st := n*m, s.groups(), len(s.k)
	ns := nm + tail // the state buffers
	ordered := !perRow && n > 1 && len(s.fields) > 1
	s.normFields = nil
	if ordered {
		s.normFields = s.fields
	}
	nq := 0 // the quadrature's calls: every row at the weighted stages
	if quad {
		for _, b := range s.method.B {
			if b != 0 {
				nq += n
			}
		}
	}
	// One buffer of each type, cut into the arrays.
	nf := (st+2)*ns + 2*n + 5*ng + 2*nq + 2*nq*m
	if s.keepStages() {
		nf += (st - 1) * ns
	}
	if ordered {
		nf += 3 * ns
	}
	ni := 3*n + 4*ng + nq
	fb, ib, bb := make([]float64, nf), make([]int, ni), make([]bool, 4*ng)
	cut := func(l int) []float64 {
		v := fb[:l:l]
		fb = fb[l:]
		return v
	}
	cutInt := func(l int) []int {
		v := ib[:0:l]
		ib = ib[l:]
		return v
	}
	for i := range s.k {
		s.k[i] = cut(ns)
	}
	s.y, s.ynew = cut(ns), cut(ns)
	s.ys = make([][]float64, st)
	for i := range s.ys {
		s.ys[i] = s.ynew // a scratch: Y_i is used by stage i only
		if s.keepStages() && i > 0 {
			s.ys[i] = cut(ns)
		}
	}
	s.qt, s.qw, s.qy, s.qdy = cut(nq), cut(nq), cut(nq*m), cut(nq*m)
	s.qrows = cutInt(nq)
	s.rt, s.rtNew = cut(n), cut(n)
	s.t, s.h, s.tNew, s.errNorm, s.lastStep = cut(ng), cut(ng), cut(ng), cut(ng), cut(ng)
	s.idx, s.need, s.ok, s.gidx = cutInt(n), cutInt(n), cutInt(n), cutInt(ng)
	s.acc, s.rejected, s.nfe = cutInt(ng)[:ng], cutInt(ng)[:ng], cutInt(ng)[:ng]
	s.haveK0, s.rej, s.done, s.last = bb[:ng:ng], bb[ng:2*ng:2*ng], bb[2*ng:3*ng:3*ng], bb[3*ng:]
	s.times = make([][]float64, ng)
	s.step.ensure(n, m)
	s.scratch = [3][]float64{}
	if ordered {
		s.scratch = [3][]float64{cut(ns), cut(ns), cut(ns)}
	}
}

// keepStages reports whether the stage states of an attempt are kept for
// its accepted steps: for OnAccept or a quadrature.
func (s *Solver) keepStages() bool { return s.onAccept != nil || s.quad }

// axpy adds x to y.
func axpy(y, x []float64) {
	for i, v := range x {
		y[i] += v
	}
}

// noRow is s.bad while no group has failed.
const noRow = math.MaxInt64

// rowError names row r in a failure of its step.
func rowError(r int, err error) error {
	if se, ok := err.(*SolveError); ok {
		return &SolveError{Err: &detailError{msg: fmt.Sprintf("row %d: %v", r, se.Err), err: se.Err}, T: se.T, H: se.H, status: se.status}
	}
	return err
}

// groupError names group g's row in err under per-row control.
func (s *Solver) groupError(g int, err error) error {
	if s.named {
		return rowError(g, err)
	}
	return err
}

// call evaluates f on the given rows of src (n×m) at the times ts
// (compact, in the order of rows) into the same rows of dst, counting the
// evaluations per group when count is set (an attempt's stages are counted
// with its error norms). Failures name the failing row under per-row
// control, with the time and step of its attempt (h = 0 for the initial
// step's probes).
func (s *Solver) call(res *Result, f RowFunc, dst, ts, src []float64, rows []int, initial, count bool) error {
	if count {
		if s.perRow {
			for _, r := range rows {
				s.nfe[r]++
			}
		} else {
			s.nfe[0]++
		}
	}
	res.NFE++
	if s.tail > 0 {
		s.shDst = dst[len(dst)-s.tail:]
		clear(s.shDst) // the SharedFunc adds to it
	}
	r, err := s.step.gather(f, dst, ts, src, s.m, rows)
	if err == nil && s.tail > 0 {
		r, err = rows[0], checkShared(s.shDst, ts[0])
	}
	if err == nil {
		return nil
	}
	g := s.group(r)
	se := err.(*SolveError)
	se.T = s.t[g]
	if !initial {
		se.H = s.tNew[g] - s.t[g]
	}
	return s.groupError(g, se)
}

// checkShared returns a *SolveError, whose T and H the caller sets, for a
// non-finite derivative ds of the shared state at t.
func checkShared(ds []float64, t float64) error {
	for i, v := range ds {
		if !isFinite(v) {
			return &SolveError{Err: errorf(ErrNonFinite, "ode: non-finite derivative of the shared state ds[%d] = %v at t = %v", i, v, t), status: NonFinite}
		}
	}
	return nil
}

// activate lists the groups not yet done in s.gidx and their rows in
// s.idx, and reports whether there are any.
func (s *Solver) activate() bool {
	s.gidx, s.idx = s.gidx[:0], s.idx[:0]
	for g := range s.groups() {
		if s.done[g] {
			continue
		}
		s.gidx = append(s.gidx, g)
		lo, hi := s.members(g)
		for r := lo; r < hi; r++ {
			s.idx = append(s.idx, r)
		}
	}
	return len(s.gidx) > 0
}

// rowTimes copies the groups' attempts to their rows.
func (s *Solver) rowTimes() {
	for _, r := range s.idx {
		g := s.group(r)
		s.rt[r], s.rtNew[r] = s.t[g], s.tNew[g]
	}
}

func (s *Solver) solveAdaptive(res *Result, f RowFunc) error {
	if s.ad.FirstStep > 0 {
		for g := range s.groups() {
			s.h[g] = math.Min(s.ad.FirstStep, s.span)
		}
	} else if err := s.initialSteps(res, f); err != nil {
		return err
	}
	for s.activate() {
		s.bad.Store(noRow)
		s.step.par.split(len(s.gidx), s.plan, s.planFn)
		if x := s.bad.Load(); x != noRow {
			return s.planGroup(s.gidx[x])
		}
		s.rowTimes()
		if err := s.attempt(res, f); err != nil {
			return err
		}
		if s.keepStages() {
			s.ok = s.ok[:0]
			for _, r := range s.idx {
				if s.errNorm[s.group(r)] <= 1 {
					s.ok = append(s.ok, r)
				}
			}
			if s.quad && len(s.ok) > 0 {
				if err := s.quadrature(res); err != nil {
					return err
				}
			}
			if s.onAccept != nil && len(s.ok) > 0 {
				if err := s.onAccept(AcceptedSteps{Rows: s.ok, T: s.rt, TNew: s.rtNew, Y: s.y, YNew: s.ynew, Stages: s.ys}); err != nil {
					return err
				}
			}
		}
		s.step.par.split(len(s.gidx), s.accept, s.acceptFn)
	}
	return nil
}

// quadrature adds to s.shared the change of the shared state over the
// accepted steps of the rows s.ok, h·Σ_i b_i·s(t + c_i·h, Y_i), by one
// call of the SharedFunc over every weighted stage of every such row.
func (s *Solver) quadrature(res *Result) error {
	m, meth := s.m, s.method
	s.qrows = s.qrows[:0]
	for i, b := range meth.B {
		if b == 0 {
			continue
		}
		st := s.y // Y_0
		if i > 0 {
			st = s.ys[i]
		}
		for _, r := range s.ok {
			x := len(s.qrows)
			h := s.rtNew[r] - s.rt[r]
			s.qt[x], s.qw[x] = s.rt[r]+meth.C[i]*h, h*b
			copy(s.qy[x*m:(x+1)*m], st[r*m:(r+1)*m])
			s.qrows = append(s.qrows, r)
		}
	}
	k := len(s.qrows)
	res.NFE++
	if err := s.sf(s.qdy[:k*m], s.shared, s.qt[:k], s.qy[:k*m], s.qrows, s.qw[:k]); err != nil {
		r := s.ok[0]
		return s.groupError(s.group(r), &SolveError{Err: &detailError{msg: "ode: Func failed: " + err.Error(), err: err}, T: s.rt[r], H: s.rtNew[r] - s.rt[r], status: FuncFailed})
	}
	// Outside the error norm, a non-finite contribution would pass
	// unnoticed; the input was finite, so the steps just added made it.
	for i, v := range s.shared {
		if !isFinite(v) {
			r := s.ok[0]
			return &SolveError{Err: errorf(ErrNonFinite, "ode: non-finite shared state shared[%d] = %v after the accepted steps of %d rows from row %d", i, v, len(s.ok), r), T: s.rt[r], H: s.rtNew[r] - s.rt[r], status: NonFinite}
		}
	}
	return nil
}

// plan sets the attempts of the groups gidx[lo:hi], lowering s.bad to the
// first whose attempt cannot be made.
func (s *Solver) plan(lo, hi int) {
	for x := lo; x < hi; x++ {
		if s.planGroup(s.gidx[x]) != nil {
			lowerTo(&s.bad, x)
			return
		}
	}
}

// planGroup sets the end of group g's next attempt, or returns why it
// cannot be made: too many steps, or a step too small.
func (s *Solver) planGroup(g int) error {
	t1, dir, span := s.t1, s.dir, s.span
	if s.acc[g]+s.rejected[g] >= s.maxSteps {
		return s.groupError(g, &SolveError{Err: errorf(ErrMaxSteps, "ode: maximum number of steps (%d) exceeded", s.maxSteps), T: s.t[g], H: dir * s.h[g], status: MaxStepsReached})
	}
	t, h := s.t[g], s.h[g]
	tNew, last := t1, true
	if h < math.Abs(t1-t) {
		if h < minStep(t, span) {
			return s.groupError(g, &SolveError{Err: ErrStepSizeTooSmall, T: t, H: dir * h, status: StepSizeTooSmall})
		}
		tNew, last = t+dir*h, false
		if math.Abs(t1-tNew) <= minStep(tNew, span) {
			tNew, last = t1, true // never leave a sliver before t1
		}
	}
	s.tNew[g], s.last[g] = tNew, last
	return nil
}

// accept moves the groups gidx[lo:hi] on from their attempts: a rejected
// group gets a smaller step, an accepted one its new state and the next
// step.
func (s *Solver) accept(lo, hi int) {
	for _, g := range s.gidx[lo:hi] {
		e := s.errNorm[g]
		hs := s.tNew[g] - s.t[g]
		if e > 1 {
			s.rejected[g]++
			s.rej[g] = true
			s.h[g] = math.Abs(hs) * s.stepFactor(e)
			continue
		}
		s.acc[g]++
		factor := s.stepFactor(e)
		if s.rej[g] {
			factor = math.Min(factor, 1) // the step after a rejection does not grow
		}
		s.rej[g] = false
		s.moveOn(g, true)
		s.h[g] = math.Abs(hs) * factor
		if !s.perRow {
			s.next = s.dir * s.h[g]
		}
		if s.last[g] {
			s.done[g] = true
		}
	}
}

// moveOn makes group g's trial state current and, for FSAL methods with
// fsal set, its last stage the next first stage.
func (s *Solver) moveOn(g int, fsal bool) {
	lo, hi := s.values(g)
	s.copyValues(s.y[lo:hi], s.ynew[lo:hi])
	if fsal && s.method.FSAL {
		s.copyValues(s.k[0][lo:hi], s.k[len(s.k)-1][lo:hi])
		s.haveK0[g] = true
	} else {
		s.haveK0[g] = false
	}
	s.lastStep[g] = s.tNew[g] - s.t[g]
	s.t[g] = s.tNew[g]
	if s.recordSteps {
		s.times[g] = append(s.times[g], s.t[g])
	}
}

// attempt takes one trial step of every row in s.idx into s.ynew and sets
// s.errNorm of their groups.
func (s *Solver) attempt(res *Result, f RowFunc) error {
	if err := s.firstStage(res, f); err != nil {
		return err
	}
	if err := s.stages(res, f, ReuseFirst|EvalLast); err != nil {
		return err
	}
	s.bad.Store(noRow)
	s.step.par.split(len(s.gidx), s.norms, s.normFn)
	if x := int(s.bad.Load()); x != noRow {
		g := s.gidx[x]
		return s.groupError(g, &SolveError{Err: errorf(ErrNonFinite, "ode: non-finite error estimate"), T: s.t[g], H: s.tNew[g] - s.t[g], status: NonFinite})
	}
	return nil
}

// firstStage evaluates stage 0 for the rows of s.idx whose group lacks it.
func (s *Solver) firstStage(res *Result, f RowFunc) error {
	need := s.need[:0]
	for _, r := range s.idx {
		if !s.haveK0[s.group(r)] {
			need = append(need, r)
			s.step.tc[len(need)-1] = s.rt[r]
		}
	}
	if len(need) == 0 {
		return nil
	}
	if err := s.call(res, f, s.k[0], s.step.tc[:len(need)], s.y, need, false, true); err != nil {
		return err
	}
	for _, r := range need {
		s.haveK0[s.group(r)] = true
	}
	return nil
}

// stages runs the method's stages on the rows of s.idx from their k[0].
func (s *Solver) stages(res *Result, f RowFunc, flags StageFlags) error {
	eval := func(dy, ts, y []float64, rows []int) error {
		return s.call(res, f, dy, ts, y, rows, false, false)
	}
	s.step.job.set(s.ynew, s.rt, s.rtNew, s.y, s.m, s.idx, s.k, s.ys, s.step.tc)
	s.step.job.flat = !s.perRow // one group: rows 0…n−1, one step
	s.step.job.tail = s.tail
	calls, bad, err := s.method.stepRows(&s.step.job, s.step.par, eval, flags)
	s.calls = calls
	if err != nil {
		for _, g := range s.gidx {
			s.nfe[g] += calls
		}
		if bad >= 0 {
			return s.groupError(bad, err)
		}
		return err
	}
	return nil
}

// norms sets the error norms of the groups gidx[lo:hi] from their
// attempts, lowering s.bad to the first one that is NaN.
func (s *Solver) norms(lo, hi int) {
	for x := lo; x < hi; x++ {
		g := s.gidx[x]
		s.nfe[g] += s.calls
		e := s.errorNorm(g)
		if math.IsNaN(e) {
			lowerTo(&s.bad, x)
			continue
		}
		s.errNorm[g] = e
	}
}

// errorNorm returns the error norm of group g's attempt, summed field by
// field over the group's rows (as stored, for a group of one row), then
// over a shared tail.
func (s *Solver) errorNorm(g int) float64 {
	h := s.tNew[g] - s.t[g]
	lo, hi := s.members(g)
	vlo, vhi := s.values(g)
	qs := s.errorTerms(h) // the terms computed in parts, or nil
	var acc float64
	if s.normFields == nil || hi-lo == 1 {
		// The norm adds the values in their stored order.
		if qs == nil {
			return math.Sqrt(s.sumSquaredErrors(h, vlo, vhi) / float64(vhi-vlo))
		}
		for _, q := range qs[vlo:vhi] {
			acc += q * q
		}
		return math.Sqrt(acc / float64(vhi-vlo))
	}
	// Field by field over several rows (a whole batch): the terms first,
	// then their sum in the norm's order.
	if qs == nil {
		qs = s.termsOf(h, vlo, vhi)
	}
	m := s.m
	for f, off := 0, 0; f < len(s.normFields); f++ {
		w := s.normFields[f]
		for r := lo; r < hi; r++ {
			for _, q := range qs[r*m+off : r*m+off+w] {
				acc += q * q
			}
		}
		off += w
	}
	for _, q := range qs[hi*m : vhi] { // the shared tail
		acc += q * q
	}
	return math.Sqrt(acc / float64(vhi-vlo))
}

// sumSquaredErrors returns Σ q_j² over the values lo ≤ j < hi of the
// attempt with step h, in order, q_j being the scaled error estimate
// h·Σ_l e_l·k_lj / (atol + rtol·max(|y_j|, |ynew_j|)).
func (s *Solver) sumSquaredErrors(h float64, lo, hi int) float64 {
	berr, k, y, ynew := s.method.BErr, s.k, s.y[lo:hi], s.ynew[lo:hi]
	rtol, atol := s.ad.RTol, s.ad.ATol
	var acc float64
	for j := range y {
		var e float64
		for l, el := range berr {
			e += el * k[l][lo+j]
		}
		sc := atol + rtol*math.Max(math.Abs(y[j]), math.Abs(ynew[j]))
		q := h * e / sc
		acc += q * q
	}
	return acc
}

// stepFactor returns the ratio h_new/h proposed after a step with error
// norm errNorm: safety·errNorm^(−1/(q+1)), clamped to [MinFactor, MaxFactor].
func (s *Solver) stepFactor(errNorm float64) float64 {
	return s.ad.factor(errNorm, s.expo)
}

// initialSteps chooses every group's first step (Hairer, Nørsett & Wanner,
// Solving ODEs I, §II.4), with two calls of f over all rows; it leaves
// f(t0, y0) in s.k[0], which the first step reuses.
func (s *Solver) initialSteps(res *Result, f RowFunc) error {
	n := s.n
	s.idx, s.gidx = s.idx[:0], s.gidx[:0]
	ts := s.step.tc[:n]
	for r := range n {
		s.idx = append(s.idx, r)
		ts[r] = s.t0
	}
	for g := range s.groups() {
		s.gidx = append(s.gidx, g)
	}
	if err := s.call(res, f, s.k[0], ts, s.y, s.idx, true, true); err != nil {
		return err
	}
	s.step.par.split(len(s.gidx), s.probe, s.probeFn)
	if err := s.call(res, f, s.k[1], ts, s.ynew, s.idx, true, true); err != nil {
		return err
	}
	s.step.par.split(len(s.gidx), s.first, s.firstFn)
	return nil
}

// view returns group g's components of the buffers a, b and c in norm
// order: slices of them, or copies in s.scratch.
func (s *Solver) view(g int, a, b, c []float64) ([]float64, []float64, []float64) {
	m := s.m
	vlo, vhi := s.values(g)
	if s.normFields == nil {
		return a[vlo:vhi], b[vlo:vhi], c[vlo:vhi]
	}
	lo, hi := s.members(g)
	ga, gb, gc := s.scratch[0], s.scratch[1], s.scratch[2]
	x := 0
	for f, off := 0, 0; off < m; f++ {
		w := s.normFields[f]
		for r := lo; r < hi; r++ {
			for j := r*m + off; j < r*m+off+w; j++ {
				ga[x], gb[x], gc[x] = a[j], b[j], c[j]
				x++
			}
		}
		off += w
	}
	for j := hi * m; j < vhi; j++ { // the shared tail
		ga[x], gb[x], gc[x] = a[j], b[j], c[j]
		x++
	}
	return ga, gb, gc
}

// probe sets, for the groups gidx[lo:hi], the initial step's probe: its
// size (in s.h, for now), its state y0 + h0·f(t0, y0) (in s.ynew) and its
// time, and keeps the norm of f(t0, y0) in s.errNorm for first.
func (s *Solver) probe(lo, hi int) {
	rtol, atol := s.ad.RTol, s.ad.ATol
	for _, g := range s.gidx[lo:hi] {
		y, f0, _ := s.view(g, s.y, s.k[0], s.k[0])
		h0, d1 := probeStep(y, f0, rtol, atol, s.span)
		s.h[g], s.errNorm[g] = h0, d1
		vlo, vhi := s.values(g)
		y, f0 = s.y[vlo:vhi], s.k[0][vlo:vhi]
		for i := range y {
			s.ynew[vlo+i] = y[i] + s.dir*h0*f0[i]
		}
		rlo, rhi := s.members(g)
		for r := rlo; r < rhi; r++ {
			s.step.tc[r] = s.t0 + s.dir*h0
		}
		s.haveK0[g] = true
	}
}

// first sets the first step of the groups gidx[lo:hi] from the probe's
// derivative in s.k[1].
func (s *Solver) first(lo, hi int) {
	rtol, atol := s.ad.RTol, s.ad.ATol
	for _, g := range s.gidx[lo:hi] {
		y, f0, f1 := s.view(g, s.y, s.k[0], s.k[1])
		d2 := curvature(y, f0, f1, rtol, atol, s.h[g])
		s.h[g] = hairerStep(s.errNorm[g], d2, s.h[g], s.span, s.expo)
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
func (s *Solver) solveFixed(res *Result, f RowFunc) error {
	t0, t1, dir := s.t0, s.t1, s.dir
	h := s.constant
	// Remainders below 1e-12 steps are rounding, not a step of their own.
	n := math.Max(1, math.Ceil(math.Abs(t1-t0)/h*(1-1e-12)))
	if !(n <= float64(s.maxSteps)) {
		return &SolveError{Err: errorf(ErrMaxSteps, "ode: maximum number of steps (%d) exceeded: Constant.Step needs %s steps", s.maxSteps, stepCount(n)), T: t0, H: dir * h, status: MaxStepsReached}
	}
	steps := int(n)
	t := t0
	for i := 1; i <= steps; i++ {
		tNew := t1
		if i < steps {
			// From t0 rather than accumulated, so rounding does not drift.
			tNew = t0 + float64(i)*dir*h
			if !(dir*(tNew-t) > 0 && dir*(t1-tNew) > 0) {
				return &SolveError{Err: ErrStepSizeTooSmall, T: t, H: dir * h, status: StepSizeTooSmall}
			}
		}
		if err := s.fixedStep(res, f, tNew, i == steps); err != nil {
			return err
		}
		t = tNew
	}
	return nil
}

// solveGrid steps between the consecutive Grid.Times.
func (s *Solver) solveGrid(res *Result, f RowFunc) error {
	g := s.grid
	if len(g)-1 > s.maxSteps {
		return &SolveError{Err: errorf(ErrMaxSteps, "ode: maximum number of steps (%d) exceeded: Grid has %d steps", s.maxSteps, len(g)-1), T: g[0], H: g[1] - g[0], status: MaxStepsReached}
	}
	for i := 1; i < len(g); i++ {
		if err := s.fixedStep(res, f, g[i], i == len(g)-1); err != nil {
			return err
		}
	}
	return nil
}

// fixedStep takes the one group's step to tNew without error control and
// accepts it.
func (s *Solver) fixedStep(res *Result, f RowFunc, tNew float64, final bool) error {
	s.activate()
	s.tNew[0] = tNew
	s.rowTimes()
	// The final FSAL stage only serves the next step and the error
	// estimate, so the final step skips it.
	flags := ReuseFirst
	if !final {
		flags |= EvalLast
	}
	if err := s.firstStage(res, f); err != nil {
		return err
	}
	if err := s.stages(res, f, flags); err != nil {
		return err
	}
	s.nfe[0] += s.calls
	s.acc[0]++
	s.moveOn(0, !final)
	return nil
}
