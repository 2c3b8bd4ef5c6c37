package ffjord

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// A Preset is the step control and tolerances that one kind of solve uses
// where Options.Solver leaves them at zero (StepControl
// ode.DefaultStepControl, an Adaptive controller's RTol or ATol 0).
// Tolerances or a step control set explicitly apply to both kinds.
type Preset struct {
	StepControl ode.StepControl
	RTol, ATol  float64
}

// EvaluationPreset is the preset of evaluations (Forward, Inverse, the
// log-dets, and so LogProb, NLL and sampling): steps controlled per row at
// rtol 1e-5, atol 1e-7. Measured on a trained tutorial model, every one of
// 8192 points then had its log p within 1e-3 nats of a tight solve of that
// point (docs/stepcontrol.md), and a point's value does not
// depend on the other points of the call.
func EvaluationPreset() Preset { return Preset{StepControl: ode.PerRow, RTol: 1e-5, ATol: 1e-7} }

// TrainingPreset is the preset of the recorded passes of training
// (bijector.Request.Training): the tutorial's whole-batch error norm at
// rtol 1e-3, atol 1e-5 (ode.DefaultRTol, ode.DefaultATol). Per-row control
// cost more per epoch there and did not lower the test NLL.
func TrainingPreset() Preset {
	return Preset{StepControl: ode.WholeBatch, RTol: ode.DefaultRTol, ATol: ode.DefaultATol}
}

// Settings returns s with the fields it leaves at zero taken from p.
func (p Preset) Settings(s ode.Settings) ode.Settings {
	s.StepControl = s.StepControl.Or(p.StepControl)
	if a, ok := s.Controller.(ode.Adaptive); ok || s.Controller == nil {
		if a.RTol == 0 {
			a.RTol = p.RTol
		}
		if a.ATol == 0 {
			a.ATol = p.ATol
		}
		s.Controller = a
	}
	return s
}

// PerRow reports whether the block's evaluations (Forward, Inverse, their
// log-determinants, SolveRows) control steps per row, as they do unless
// the settings ask for whole-batch control or fixed steps. Each row then
// gets the same bits whatever the other rows of the call, so a caller may
// split a batch into calls of its own without changing a result.
func (b *FFJORD) PerRow() bool { return b.eval.PerRow() }

// newSolveKind makes the solver of one kind of solve: s completed by p,
// splitting its bookkeeping with par: by rows under per-row control, by
// ranges of values under whole-batch control, where the solver keeps
// states too small to gain from it on the caller.
func newSolveKind(s ode.Settings, p Preset, par ode.Parallel) (*ode.Solver, error) {
	sv, err := ode.NewSolver(p.Settings(s))
	if err != nil {
		return nil, err
	}
	sv.SetParallel(par)
	return sv, nil
}

// rowWork holds the block's buffers for the right-hand side of its
// solves: the state, and the context and noise of a call's rows, gathered.
// They are a workspace reused by every solve; what one solve reads lives
// in its solve value.
type rowWork struct {
	state  []float64 // n×width
	eps    []float64
	ctx    []float64
	fields [3][]int // the fields of a row: z; z, ℓ; z, ℓ, E, F
	vjp    *rowVJP  // the backward passes' VJP buffers
}

func (w *rowWork) ensure(n, D, C int) {
	if cap(w.eps) < n*D {
		w.eps = make([]float64, n*D)
	}
	if cap(w.ctx) < n*C {
		w.ctx = make([]float64, n*C)
	}
}

// A solve is one solve of the block, what its right-hand side reads: n
// rows [z_r] or, with logDet, [z_r, ℓ_r] and with reg also [E_r, F_r]
// (the dynamics' packed layout, odefunc.Dynamics.EvalPacked), the trace
// estimator with its noise, and the context of each row.
type solve struct {
	dyn         *odefunc.Dynamics
	work        *rowWork
	n, width    int
	logDet, reg bool
	trace       odefunc.Trace
	eps         []float64 // n×D Hutchinson noise, nil for the exact trace
	context     []float64 // n×C, nil for an unconditional block
}

// newSolve returns the solve of n rows with the given terms, noise and
// context.
func (b *FFJORD) newSolve(n int, logDet, reg bool, tr odefunc.Trace, eps, context []float64) *solve {
	D := b.dyn.Dim()
	s := &solve{dyn: b.dyn, work: &b.rowWork, n: n, logDet: logDet, reg: reg && logDet, trace: tr, eps: eps, context: context, width: D}
	if logDet {
		s.width = D + extras(s.reg)
	}
	b.rowWork.ensure(n, D, b.dyn.ContextDim())
	return s
}

// fields returns the widths of the fields of a row of s.
func (s *solve) fields() []int {
	w := s.work
	if w.fields[0] == nil {
		D := s.dyn.Dim()
		w.fields = [3][]int{{D}, {D, 1}, {D, 1, 1, 1}}
	}
	switch {
	case s.reg:
		return w.fields[2]
	case s.logDet:
		return w.fields[1]
	}
	return w.fields[0]
}

// gatherRows copies rows[j] of src, rows of w values, into row j of dst
// and returns the rows written: the per-row noise or context of a call.
// Rows 0…k−1 are returned in place.
func gatherRows(dst, src []float64, rows []int, w int) []float64 {
	if leading(rows) {
		return src[:len(rows)*w]
	}
	dst = dst[:len(rows)*w]
	for j, r := range rows {
		copy(dst[j*w:(j+1)*w], src[r*w:(r+1)*w])
	}
	return dst
}

// leading reports whether rows are 0, 1, …, len(rows)−1. (The backward
// pass's calls list rows in any order, with repeats.)
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

// eval is the right-hand side of s: the rows of y (compact, width
// s.width) at times t, rows their indices in the batch for the context and
// the noise.
func (s *solve) eval(dy, t, y []float64, rows []int) error {
	w := s.work
	D, C, k := s.dyn.Dim(), s.dyn.ContextDim(), len(rows)
	r := odefunc.Request{Times: t}
	if C > 0 {
		r.Context = s.context
		if k*C != len(s.context) || !leading(rows) {
			r.Context = gatherRows(w.ctx, s.context, rows, C)
		}
	}
	if !s.logDet {
		// Rows of width D: y and dy are already the dynamics' k×D batch.
		r.Z = y[:k*D]
		return s.dyn.Eval(dy[:k*D], odefunc.Terms{}, r)
	}
	if s.trace.Stochastic() {
		r.Noise = gatherRows(w.eps, s.eps, rows, D)
	}
	m := s.width
	r.Z, r.Width, r.Want, r.Trace = y[:k*m], m, want(s.reg), s.trace
	return s.dyn.Eval(dy[:k*m], odefunc.Terms{}, r)
}

// solveState solves the rows of s, starting from the points z with ℓ, E
// and F at 0, from ta to tb with sv. It returns the end state, s.n rows of
// s.width, in the block's buffer, and the solver's statistics.
func (b *FFJORD) solveState(sv *ode.Solver, s *solve, z []float64, ta, tb float64) ([]float64, ode.Result, error) {
	D, n, m := b.dyn.Dim(), s.n, s.width
	w := &b.rowWork
	if cap(w.state) < n*m {
		w.state = make([]float64, n*m)
	}
	st := w.state[:n*m]
	if m == D {
		copy(st, z[:n*D])
	} else {
		clear(st)
		for r := range n {
			copy(st[r*m:r*m+D], z[r*D:(r+1)*D])
		}
	}
	sv.SetFields(s.fields())
	stats, err := sv.SolveRows(st, s.eval, ta, tb, st, n)
	b.stats = stats
	if err != nil {
		how := ""
		if sv.PerRow() {
			how = " per row"
		}
		return nil, stats, fmt.Errorf("ffjord: solving from t=%g to t=%g%s: %w", ta, tb, how, err)
	}
	return st, stats, nil
}

// unpack returns the batch layout of the n rows of width m of st: n×D,
// then ℓ, E and F of every row.
func unpack(st []float64, n, D int) []float64 {
	m := len(st) / n
	if m == D {
		return append([]float64(nil), st...)
	}
	out := make([]float64, n*m)
	for r := range n {
		copy(out[r*D:(r+1)*D], st[r*m:r*m+D])
		for e := D; e < m; e++ {
			out[n*D+(e-D)*n+r] = st[r*m+e]
		}
	}
	return out
}

// want is the terms a solve integrates beside z: the trace, and RNODE's
// regularisers with reg.
func want(reg bool) odefunc.Want {
	if reg {
		return odefunc.WantRegularizers
	}
	return odefunc.WantTrace
}
