package ffjord

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// The defaults of the two kinds of solve, for the settings a user leaves at
// zero (Options.Solver.StepControl ode.DefaultStepControl, Adaptive RTol or
// ATol 0). Evaluations (Forward, Inverse, the log-dets, and so LogProb, NLL
// and sampling) control steps per row at rtol 1e-5, atol 1e-7: measured on
// a trained tutorial model, every one of 8192 points then had its log p
// within 1e-3 nats of a tight solve of that point (README, "Per-row step
// control"), and a point's value does not depend on the other points of the
// call. The recorded passes of training keep the tutorial's whole-batch
// norm at rtol 1e-3, atol 1e-5: per-row control cost more per epoch there
// and did not lower the test NLL. Tolerances or a step control set
// explicitly apply to both kinds.
const (
	EvaluationStepControl = ode.PerRow
	TrainingStepControl   = ode.WholeBatch
	EvaluationRTol        = 1e-5
	EvaluationATol        = 1e-7
)

// PerRow reports whether the block's evaluations (Forward, Inverse, their
// log-determinants, SolveRows) control steps per row, as they do unless
// the settings ask for whole-batch control or fixed steps. Each row then
// gets the same bits whatever the other rows of the call, so a caller may
// split a batch into calls of its own without changing a result.
func (b *FFJORD) PerRow() bool { return b.eval.perRow }

// solveKind is the solvers of one kind of solve, evaluation or training.
type solveKind struct {
	solver *ode.Solver // whole-batch
	rows   *ode.Solver // per-row, nil unless the controller is Adaptive
	perRow bool        // the kind's step control is per row (and rows is set)
}

// newSolveKind makes the solvers of s, whose zero step control means def
// and, for an Adaptive controller, whose zero tolerances mean rtol and atol;
// the per-row solver splits its bookkeeping with par.
func newSolveKind(s ode.Settings, def ode.StepControl, rtol, atol float64, par ode.Parallel) (solveKind, error) {
	ctl := s.Controller
	if ctl == nil {
		ctl = ode.Adaptive{}
	}
	a, adaptive := ctl.(ode.Adaptive)
	if adaptive {
		if a.RTol == 0 {
			a.RTol = rtol
		}
		if a.ATol == 0 {
			a.ATol = atol
		}
		s.Controller = a
	}
	var k solveKind
	var err error
	if k.solver, err = ode.NewSolver(s); err != nil {
		return k, err
	}
	if adaptive {
		rs := s
		rs.StepControl = ode.PerRow
		if k.rows, err = ode.NewSolver(rs); err != nil {
			return k, err
		}
		k.rows.SetParallel(par)
		k.perRow = s.StepControl.Or(def) == ode.PerRow
	}
	return k, nil
}

// rowWork holds the buffers of the per-row right-hand side, whose state
// layout is [z_r, ℓ_r, (E_r, F_r)] per row, the dynamics' packed layout
// (odefunc.Dynamics.EvalPacked): the context and the noise of a call's
// rows are gathered here.
type rowWork struct {
	rhs    ode.RowFunc // b.evalRows, made once
	state  []float64   // n×width, the per-row layout
	eps    []float64
	ctx    []float64
	width  int  // D, or D + extras
	logDet bool // the state carries ℓ (and E, F with b.reg)
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

// batchStats fills in the per-row counts of a whole-batch solve of n rows:
// every row takes part in every evaluation.
func batchStats(r ode.Result, n int) ode.Result {
	r.Rows, r.RowNFE = n, r.NFE*n
	return r
}

// gatherRows copies rows[j] of src, rows of w values, into row j of dst
// and returns the rows written: the per-row noise or context of a call.
func gatherRows(dst, src []float64, rows []int, w int) []float64 {
	dst = dst[:len(rows)*w]
	for j, r := range rows {
		copy(dst[j*w:(j+1)*w], src[r*w:(r+1)*w])
	}
	return dst
}

// evalRows is the per-row right-hand side: the rows of y (compact, width
// w.width) at times t, rows their indices in the batch for the context and
// the noise.
func (b *FFJORD) evalRows(dy, t, y []float64, rows []int) error {
	w := &b.rowWork
	D, C, k := b.dyn.Dim(), b.dyn.ContextDim(), len(rows)
	if C > 0 {
		if err := b.dyn.SetContext(gatherRows(w.ctx, b.context, rows, C)); err != nil {
			return err
		}
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

// useRows sets up the per-row right-hand side for n rows: z alone, or
// with withLogDet [z, ℓ] (and with reg [E, F]) with the trace tr. It
// returns the width of a row.
func (b *FFJORD) useRows(n int, withLogDet, reg bool, tr odefunc.Trace) int {
	D := b.dyn.Dim()
	b.n, b.reg, b.cur = n, reg && withLogDet, tr
	w := &b.rowWork
	w.ensure(n, D, b.dyn.ContextDim())
	w.logDet, w.width = withLogDet, D
	if withLogDet {
		w.width = D + extras(b.reg)
	}
	return w.width
}

// solvePerRow solves the n rows of z from ta to tb with per-row step
// control: z alone, or with withLogDet [z, ℓ] (and with reg [E, F]) from
// ℓ(ta) = 0 with the trace tr and the noise in b.eps. It returns the whole
// batch's layout: n×D, then ℓ, E and F of every row.
func (b *FFJORD) solvePerRow(rows *ode.Solver, z []float64, n int, ta, tb float64, withLogDet, reg bool, tr odefunc.Trace) ([]float64, error) {
	D, C := b.dyn.Dim(), b.dyn.ContextDim()
	m := b.useRows(n, withLogDet, reg, tr)
	w := &b.rowWork
	if cap(w.state) < n*m {
		w.state = make([]float64, n*m)
	}
	st := w.state[:n*m]
	clear(st)
	for r := range n {
		copy(st[r*m:r*m+D], z[r*D:(r+1)*D])
	}
	stats, err := rows.SolveRows(st, w.rhs, ta, tb, st, n)
	b.stats = stats
	if C > 0 {
		// The dynamics held gathered rows; give it the batch's context back.
		if cerr := b.dyn.SetContext(b.context); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("ffjord: solving from t=%g to t=%g per row: %w", ta, tb, err)
	}
	out := make([]float64, n*m)
	for r := range n {
		copy(out[r*D:(r+1)*D], st[r*m:r*m+D])
		for e := D; e < m; e++ {
			out[n*D+(e-D)*n+r] = st[r*m+e]
		}
	}
	return out, nil
}
