package ffjord

import (
	"errors"
	"fmt"
	"math"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
)

// recording is what the backward pass of a recorded pass (RecordInverse)
// needs from its solve of [z, ℓ] (and, when regularised, [E, F]) from ta
// to tb: everything that solve read, so that the pass owns its state.
type recording struct {
	grad    ode.Gradient
	trace   odefunc.Trace
	context []float64 // N×C context of a conditional block, or nil
	gc      []float64 // ∂L/∂context, set by backward
	n       int
	reg     bool
	ta, tb  float64
	start   []float64   // the state at ta, n rows [z_r, ℓ_r, (E_r, F_r)]
	end     []float64   // the state at tb, likewise
	eps     []float64   // Hutchinson noise of the solve
	perRow  bool        // solved with per-row step control
	rowGrid [][]float64 // each row's accepted step boundaries, for Discrete

	forward, backward ode.Result // the statistics of the solve and of its backward pass
}

// ContextGrad returns ∂L/∂context (N×C) once Backward has run, for a
// conditional block; nil otherwise.
func (t *recording) ContextGrad() []float64 { return t.gc }

// Kinetic returns ∫_{ta}^{tb} ‖f‖² dt for each row, or nil if the solve was
// not regularised. Integrating backwards in time makes it negative.
func (t *recording) Kinetic() []float64 { return t.extra(1) }

// Frobenius returns ∫_{ta}^{tb} ‖∂f/∂z‖²_F dt for each row (Hutchinson's
// estimate with a stochastic trace), or nil if the solve was not
// regularised.
func (t *recording) Frobenius() []float64 { return t.extra(2) }

func (t *recording) extra(i int) []float64 {
	if !t.reg {
		return nil
	}
	return column(t.end, t.n, len(t.end)/t.n-3+i)
}

// column returns column e of the n rows of st.
func column(st []float64, n, e int) []float64 {
	m := len(st) / n
	out := make([]float64, n)
	for r := range n {
		out[r] = st[r*m+e]
	}
	return out
}

// points returns the first D columns of the n rows of st, the points.
func points(st []float64, n, D int) []float64 {
	m := len(st) / n
	out := make([]float64, n*D)
	for r := range n {
		copy(out[r*D:(r+1)*D], st[r*m:r*m+D])
	}
	return out
}

// cotangents are the derivatives of a loss with respect to the outputs of a
// taped solve at tb: the points (n×D), and per row the log-det and, for a
// regularised solve, the two regularisers. Nil means zero.
type cotangents struct {
	Z, LogDet, Kinetic, Frobenius []float64
}

// solveTaped solves the n rows of z with the log-det from ta to tb with
// the trace estimator tr and the context, by the solver of training or of
// evaluation, and returns the end points, the log-dets and the recording
// of the solve for backward, which takes the gradient as grad says (nil:
// ode.BacksolveAdjoint{}). With regularize it also integrates RNODE's
// kinetic energy and Jacobian norm (Finlay et al., 2020), available from
// the recording. The returned slices are the caller's.
func (b *FFJORD) solveTaped(z []float64, n int, ta, tb float64, grad ode.Gradient, regularize bool, tr odefunc.Trace, context []float64, training bool) (out, ld []float64, tape *recording, err error) {
	if err := checkRows("RecordInverse", z, n, b.dyn.Dim()); err != nil {
		return nil, nil, nil, err
	}
	if grad == nil {
		grad = ode.BacksolveAdjoint{}
	}
	if err := grad.Validate(); err != nil {
		return nil, nil, nil, fmt.Errorf("ffjord: gradient: %w", err)
	}
	kind := b.train
	if !training {
		kind = b.eval
	}
	D := b.dyn.Dim()
	tape = &recording{grad: grad, trace: tr, n: n, reg: regularize, ta: ta, tb: tb, perRow: kind.PerRow()}
	context, err = b.checkContext(context, n)
	if err != nil {
		return nil, nil, nil, err
	}
	if context != nil {
		tape.context = append([]float64(nil), context...)
	}
	m := D + extras(regularize)
	tape.start = make([]float64, n*m)
	for r := range n {
		copy(tape.start[r*m:r*m+D], z[r*D:(r+1)*D])
	}
	s, y, stats, err := b.solveLogDet(kind, z, n, ta, tb, regularize, tr, tape.context)
	if err != nil {
		return nil, nil, nil, err
	}
	tape.end = append([]float64(nil), y...)
	tape.eps, tape.forward = s.eps, stats
	if _, ok := grad.(ode.Discrete); ok {
		// A step group's rows share one grid.
		tape.rowGrid = make([][]float64, n)
		for r := range n {
			if r > 0 && !tape.perRow {
				tape.rowGrid[r] = tape.rowGrid[0]
				continue
			}
			tape.rowGrid[r] = append([]float64(nil), kind.RowTimes(r)...)
		}
	}
	return points(y, n, D), column(y, n, D), tape, nil
}

// checkRows returns an error unless z holds n ≥ 1 rows of D values (an
// ErrShape error) within batch.MaxElements (ErrTooLarge): what names the
// call. It is checked before anything is allocated for the batch.
func checkRows(what string, z []float64, n, D int) error {
	if n <= 0 || n > len(z) || len(z) != n*D {
		return fmt.Errorf("ffjord: %s: %w: %d values are not %d rows of %d", what, batch.ErrShape, len(z), n, D)
	}
	if err := batch.CheckSize("ffjord: "+what+": batch", n, D); err != nil {
		return err
	}
	return nil
}

// backward takes the cotangents of a recorded solve's outputs at tb,
// returns ∂L/∂z(ta) and adds ∂L/∂θ to grads (one slice per Model
// parameter, shaped like it).
func (b *FFJORD) backward(tape *recording, c cotangents, grads [][]float64) ([]float64, error) {
	D, n := b.dyn.Dim(), tape.n
	params := b.dyn.Model().Params()
	if c.Z == nil {
		c.Z = make([]float64, n*D)
	}
	if c.LogDet == nil {
		c.LogDet = make([]float64, n)
	}
	switch {
	case len(c.Z) != n*D || len(c.LogDet) != n:
		return nil, fmt.Errorf("ffjord: Backward: cotangents of length %d and %d, want %d and %d", len(c.Z), len(c.LogDet), n*D, n)
	case !tape.reg && (c.Kinetic != nil || c.Frobenius != nil):
		return nil, errors.New("ffjord: Backward: cotangents for regularisers of a solve that did not integrate them")
	case c.Kinetic != nil && len(c.Kinetic) != n, c.Frobenius != nil && len(c.Frobenius) != n:
		return nil, fmt.Errorf("ffjord: Backward: regulariser cotangents must have length %d", n)
	case len(grads) != len(params):
		return nil, fmt.Errorf("ffjord: Backward: %d gradient slices for %d parameters", len(grads), len(params))
	}
	for i, p := range params {
		if len(grads[i]) != p.Shape().TotalSize() {
			return nil, fmt.Errorf("ffjord: Backward: gradient %d has length %d, want %d", i, len(grads[i]), p.Shape().TotalSize())
		}
	}
	for _, v := range []struct {
		name string
		x    []float64
	}{{"Z", c.Z}, {"LogDet", c.LogDet}, {"Kinetic", c.Kinetic}, {"Frobenius", c.Frobenius}} {
		for i, x := range v.x {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("ffjord: Backward: %w: cotangent %s[%d] = %v", batch.ErrNonFinite, v.name, i, x)
			}
		}
	}
	if tape.context != nil {
		tape.gc = make([]float64, len(tape.context))
	}
	if tape.reg {
		// The regularised programs compute both terms; zero cotangents
		// keep the kind of program fixed.
		if c.Kinetic == nil {
			c.Kinetic = make([]float64, n)
		}
		if c.Frobenius == nil {
			c.Frobenius = make([]float64, n)
		}
	}
	switch g := tape.grad.(type) {
	case ode.Discrete:
		return b.backwardDiscrete(tape, c, grads)
	case ode.BacksolveAdjoint:
		return b.backwardAdjoint(tape, g, c, grads)
	}
	return nil, fmt.Errorf("%w: unknown gradient %v", ErrInvalidOptions, tape.grad)
}

// timeGradients returns ∂L/∂ta and ∂L/∂tb of a taped solve from ta to tb,
// given the cotangents c of its outputs at tb and za = ∂L/∂z(ta) as returned
// by backward. With g = [f, tr, (‖f‖², ‖∂f/∂z‖²_F)] the right-hand side of
// the solved state y and ā its cotangent,
//
//	∂L/∂tb = ā(tb)·g(tb, y(tb)),  ∂L/∂ta = −ā(ta)·g(ta, y(ta)),
//
// where the per-row parts of ā do not change along the solve. This is the
// gradient of the exact flow: with Discrete it ignores how the step grid
// moves with the times, an error of the order of the solver's tolerance.
// It costs two evaluations of the dynamics.
func (b *FFJORD) timeGradients(tape *recording, c cotangents, za []float64) (dta, dtb float64, err error) {
	D, n := b.dyn.Dim(), tape.n
	if len(za) != n*D {
		return 0, 0, fmt.Errorf("ffjord: timeGradients: ∂L/∂z(ta) has length %d, want %d", len(za), n*D)
	}
	if dtb, err = b.cotangentDotRHS(tape, tape.tb, points(tape.end, n, D), c.Z, c); err != nil {
		return 0, 0, err
	}
	dta, err = b.cotangentDotRHS(tape, tape.ta, points(tape.start, n, D), za, c)
	return -dta, dtb, err
}

// cotangentDotRHS returns az·f(t, z) + Σ_r (c.LogDet·tr + c.Kinetic·‖f‖² +
// c.Frobenius·‖∂f/∂z‖²_F)_r, nil cotangents counting as zero.
func (b *FFJORD) cotangentDotRHS(tape *recording, t float64, z, az []float64, c cotangents) (float64, error) {
	n := tape.n
	f := make([]float64, len(z))
	terms := odefunc.Terms{Trace: make([]float64, n)}
	if tape.reg {
		terms.Kinetic, terms.Frobenius = make([]float64, n), make([]float64, n)
	}
	r := odefunc.Request{Z: z, T: t, Context: tape.context, Want: want(tape.reg), Trace: tape.trace, Noise: tape.eps}
	if err := b.dyn.Eval(f, terms, r); err != nil {
		return 0, err
	}
	sum := 0.0
	for i, v := range f {
		if az != nil {
			sum += az[i] * v
		}
	}
	for _, p := range []struct{ c, v []float64 }{{c.LogDet, terms.Trace}, {c.Kinetic, terms.Kinetic}, {c.Frobenius, terms.Frobenius}} {
		if p.c == nil || p.v == nil {
			continue
		}
		for r := range n {
			sum += p.c[r] * p.v[r]
		}
	}
	return sum, nil
}
