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
// point (README, "Per-row step control"), and a point's value does not
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
// splitting its per-row bookkeeping with par.
func newSolveKind(s ode.Settings, p Preset, par ode.Parallel) (*ode.Solver, error) {
	sv, err := ode.NewSolver(p.Settings(s))
	if err != nil {
		return nil, err
	}
	sv.SetParallel(par)
	return sv, nil
}

// rowWork holds the buffers of the right-hand side of the solves, whose
// state is n rows [z_r, ℓ_r, (E_r, F_r)], the dynamics' packed layout
// (odefunc.Dynamics.EvalPacked): the context and the noise of a call's
// rows are gathered here.
type rowWork struct {
	rhs     ode.RowFunc // b.evalRows, made once
	state   []float64   // n×width
	eps     []float64
	ctx     []float64
	width   int  // D, or D + extras
	logDet  bool // the state carries ℓ (and E, F with b.reg)
	ctxFull bool // the dynamics holds b.context itself
	fields  [3][]int
}

func (w *rowWork) ensure(n, D, C int) {
	if cap(w.eps) >= n*D && cap(w.ctx) >= n*C {
		return
	}
	w.eps, w.ctx = make([]float64, n*D), make([]float64, n*C)
}

func isAdaptive(c ode.Controller) bool {
	_, ok := c.(ode.Adaptive)
	return ok
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

// evalRows is the right-hand side of the solves: the rows of y (compact,
// width w.width) at times t, rows their indices in the batch for the
// context and the noise.
func (b *FFJORD) evalRows(dy, t, y []float64, rows []int) error {
	w := &b.rowWork
	D, C, k := b.dyn.Dim(), b.dyn.ContextDim(), len(rows)
	if C > 0 {
		full := k*C == len(b.context) && leading(rows)
		if !full || !w.ctxFull {
			if err := b.dyn.SetContext(gatherRows(w.ctx, b.context, rows, C)); err != nil {
				return err
			}
		}
		w.ctxFull = full
	}
	if !w.logDet {
		// Rows of width D: y and dy are already the dynamics' k×D batch.
		return b.dyn.FRows(dy[:k*D], t, y[:k*D])
	}
	var eps []float64
	if b.cur.Stochastic() {
		eps = gatherRows(w.eps, b.eps, rows, D)
	}
	m := w.width
	return b.dyn.EvalPacked(dy[:k*m], t, y[:k*m], m, b.cur, eps, b.reg)
}

// useRows sets up the right-hand side for n rows: z alone, or with
// withLogDet [z, ℓ] (and with reg [E, F]) with the trace tr. It returns
// the width of a row and its fields.
func (b *FFJORD) useRows(n int, withLogDet, reg bool, tr odefunc.Trace) (int, []int) {
	D := b.dyn.Dim()
	b.n, b.reg, b.cur = n, reg && withLogDet, tr
	w := &b.rowWork
	w.ensure(n, D, b.dyn.ContextDim())
	w.logDet, w.width, w.ctxFull = withLogDet, D, false
	if w.fields[0] == nil {
		w.fields = [3][]int{{D}, {D, 1}, {D, 1, 1, 1}}
	}
	fields := w.fields[0]
	if withLogDet {
		w.width = D + extras(b.reg)
		fields = w.fields[1]
		if b.reg {
			fields = w.fields[2]
		}
	}
	return w.width, fields
}

// solveState solves the n rows of z from ta to tb with sv: z alone, or
// with withLogDet [z, ℓ] (and with reg [E, F]) from ℓ(ta) = 0 with the
// trace tr and the noise in b.eps. It returns the end state, n rows
// [z_r, ℓ_r, (E_r, F_r)], in the block's buffer.
func (b *FFJORD) solveState(sv *ode.Solver, z []float64, n int, ta, tb float64, withLogDet, reg bool, tr odefunc.Trace) ([]float64, error) {
	D, C := b.dyn.Dim(), b.dyn.ContextDim()
	m, fields := b.useRows(n, withLogDet, reg, tr)
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
	sv.SetFields(fields)
	stats, err := sv.SolveRows(st, w.rhs, ta, tb, st, n)
	b.stats = stats
	if C > 0 && !w.ctxFull {
		// The dynamics held gathered rows; give it the batch's context back.
		if cerr := b.dyn.SetContext(b.context); err == nil {
			err = cerr
		}
	}
	if err != nil {
		how := ""
		if sv.PerRow() {
			how = " per row"
		}
		return nil, fmt.Errorf("ffjord: solving from t=%g to t=%g%s: %w", ta, tb, how, err)
	}
	return st, nil
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
