package ffjord

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ffjord-go/ffjord-go/ffjord/ode"
	"github.com/ffjord-go/ffjord-go/internal/batch"
	"github.com/ffjord-go/ffjord-go/odefunc"
	"gorgonia.org/tensor"
)

// ErrInvalidOptions is returned for Options that describe no bijector.
var ErrInvalidOptions = errors.New("ffjord: invalid options")

// Options configures an FFJORD. The zero value means t0 = 0, t1 = 1,
// adaptive Dormand–Prince, the exact trace and adjoint gradients; the step
// control and tolerances left at zero come from EvaluationPreset (per row,
// rtol 1e-5, atol 1e-7) for evaluations and from TrainingPreset (whole
// batch, rtol 1e-3, atol 1e-5, the tutorial's) for the recorded passes of
// training.
type Options struct {
	// T0 and T1 are the base-side and data-side times. Both zero means 0
	// and 1; otherwise they must be finite and differ.
	T0, T1 float64
	// LearnTime makes the end time a parameter, T1 = s² as in the FFJORD
	// code's train_T, starting from T1; it needs T0 = 0 and T1 > 0.
	LearnTime bool
	// Solver configures the ODE solver; its zero fields mean the presets'.
	// The backward solve of ode.BacksolveAdjoint uses it too, with the
	// adjoint's own Controller if it has one.
	Solver ode.Settings
	// Gradient is how the backward pass of RecordInverse differentiates
	// the solve: ode.BacksolveAdjoint (nil means BacksolveAdjoint{}, the
	// tutorial's) or ode.Discrete.
	Gradient ode.Gradient
	// Trace is the estimator of passes that ask for an estimate
	// (distributions.Request.Estimate), as training does. Every other
	// evaluation uses the exact trace.
	Trace odefunc.Trace
	// Source draws the Hutchinson noise; required for the stochastic
	// estimators, ignored for the exact trace.
	Source rand.Source
}

// FFJORD is the bijector of one continuous normalizing flow block.
//
// An FFJORD is not safe for concurrent use: it owns a solver workspace, its
// dynamics' compiled programs and a noise generator. Use one per goroutine.
type FFJORD struct {
	dyn      *odefunc.Dynamics
	t0, t1   float64
	sqrtT    *tensor.Dense // 1×1 √T1 when the end time is learned
	trace    odefunc.Trace // the estimator of passes that ask for one
	gradient ode.Gradient
	rng      *rand.Rand
	src      rand.Source  // rng's source, whose state NoiseState saves
	train    *ode.Solver  // the solver of the recorded passes of training
	eval     *ode.Solver  // the solver of evaluations
	settings ode.Settings // the forward solver's, for the backward passes
	method   *ode.Method  // the forward solver's tableau, for discrete backprop
	stats    ode.Result   // of the last solve, for Stats; no solve reads it

	adjoint *ode.Solver // the backward solver of BacksolveAdjoint{}
	rowWork rowWork     // the solves' workspace
}

// New returns the FFJORD block whose dynamics is m.
func New(m odefunc.Model, opts Options) (*FFJORD, error) {
	dyn, err := odefunc.New(m)
	if err != nil {
		return nil, err
	}
	b := &FFJORD{dyn: dyn}
	t0, t1 := opts.T0, opts.T1
	if t0 == 0 && t1 == 0 {
		t1 = 1
	}
	if err := b.SetTimes(t0, t1); err != nil {
		return nil, err
	}
	if opts.LearnTime {
		if t0 != 0 || !(t1 > 0) {
			return nil, fmt.Errorf("%w: LearnTime needs T0 = 0 and T1 > 0, got %g and %g", ErrInvalidOptions, t0, t1)
		}
		b.sqrtT = tensor.New(tensor.WithShape(1, 1), tensor.WithBacking([]float64{math.Sqrt(t1)}))
	}
	if err := b.SetGradient(opts.Gradient); err != nil {
		return nil, err
	}
	if err := b.SetSolver(opts.Solver); err != nil {
		return nil, err
	}
	if err := b.SetTrace(opts.Trace, opts.Source); err != nil {
		return nil, err
	}
	return b, nil
}

// SetSolver replaces the ODE solver's settings.
func (b *FFJORD) SetSolver(s ode.Settings) error {
	// Recording the step boundaries costs an append per step and lets any
	// solve be replayed for discrete backprop.
	s.RecordSteps = true
	train, err := newSolveKind(s, TrainingPreset(), b.dyn.Parallel)
	if err != nil {
		return fmt.Errorf("ffjord: %w", err)
	}
	eval, err := newSolveKind(s, EvaluationPreset(), b.dyn.Parallel)
	if err != nil {
		return fmt.Errorf("ffjord: %w", err)
	}
	adj, err := ode.NewSolver(ode.BacksolveAdjoint{}.Settings(s))
	if err != nil {
		return fmt.Errorf("ffjord: adjoint: %w", err)
	}
	adj.SetParallel(b.dyn.Parallel) // its state [z, a, ∂L/∂θ] is long
	b.train, b.eval, b.adjoint, b.settings = train, eval, adj, s
	b.method = s.Method
	if b.method == nil {
		b.method = ode.DormandPrince()
	}
	return nil
}

// SetGradient sets how the backward pass of RecordInverse differentiates
// the solve; nil means ode.BacksolveAdjoint{}. It takes the values
// ode.BacksolveAdjoint and ode.Discrete; a pointer to either, which the
// backward pass would not know, is an ErrInvalidOptions error.
func (b *FFJORD) SetGradient(g ode.Gradient) error {
	switch g.(type) {
	case nil:
		g = ode.BacksolveAdjoint{}
	case ode.BacksolveAdjoint, ode.Discrete:
	default:
		return fmt.Errorf("%w: gradient of type %T, want an ode.BacksolveAdjoint or ode.Discrete value", ErrInvalidOptions, g)
	}
	if err := g.Validate(); err != nil {
		return fmt.Errorf("ffjord: gradient: %w", err)
	}
	b.gradient = g
	return nil
}

// Gradient returns how the backward pass differentiates the solve.
func (b *FFJORD) Gradient() ode.Gradient { return b.gradient }

// Trace returns the estimator of passes that ask for an estimate.
func (b *FFJORD) Trace() odefunc.Trace { return b.trace }

// SetTrace replaces the estimator of passes that ask for an estimate. src,
// if not nil, replaces the generator of the Hutchinson noise; it may be nil
// for the exact trace or to keep the current generator.
func (b *FFJORD) SetTrace(tr odefunc.Trace, src rand.Source) error {
	switch {
	case !tr.Valid():
		return fmt.Errorf("%w: unknown trace estimator %v", ErrInvalidOptions, tr)
	case tr.Stochastic() && src == nil && b.rng == nil:
		return fmt.Errorf("%w: the %v trace needs a random Source", ErrInvalidOptions, tr)
	}
	b.trace = tr
	if src != nil {
		b.rng, b.src = rand.New(src), src
	}
	return nil
}

// Dim returns the dimension D of the points.
func (b *FFJORD) Dim() int { return b.dyn.Dim() }

// SetTimes changes t0 and t1, which must be finite and differ. With a
// learned end time, t1 > 0 also sets the parameter s = √t1.
func (b *FFJORD) SetTimes(t0, t1 float64) error {
	switch {
	case b.sqrtT != nil && (t0 != 0 || !(t1 > 0)):
		return fmt.Errorf("%w: a learned end time needs t0 = 0 and t1 > 0, got %g and %g", ErrInvalidOptions, t0, t1)
	case math.IsNaN(t0) || math.IsInf(t0, 0) || math.IsNaN(t1) || math.IsInf(t1, 0):
		return fmt.Errorf("%w: times t0=%g, t1=%g must be finite", ErrInvalidOptions, t0, t1)
	case t0 == t1:
		return fmt.Errorf("%w: t0 = t1 = %g: the flow would be the identity", ErrInvalidOptions, t0)
	}
	b.t0, b.t1 = t0, t1
	if b.sqrtT != nil {
		b.sqrtT.Float64s()[0] = math.Sqrt(t1)
	}
	return nil
}

// syncTime sets t1 from the learned √T, which an optimiser may have moved
// since the last solve.
func (b *FFJORD) syncTime() error {
	if b.sqrtT == nil {
		return nil
	}
	s := b.sqrtT.Float64s()[0]
	T := s * s
	if !(T > 0) || math.IsInf(T, 0) {
		return fmt.Errorf("%w: learned end time T = s² = %g (s = %g), want finite and > 0", ErrInvalidOptions, T, s)
	}
	b.t1 = T
	return nil
}

// Times returns t0 and t1.
func (b *FFJORD) Times() (t0, t1 float64) {
	if b.sqrtT != nil {
		s := b.sqrtT.Float64s()[0]
		return b.t0, s * s
	}
	return b.t0, b.t1
}

// LearnsTime reports whether the end time is a parameter.
func (b *FFJORD) LearnsTime() bool { return b.sqrtT != nil }

// Params returns the dynamics' parameters and, with a learned end time,
// the 1×1 √T last.
func (b *FFJORD) Params() []*tensor.Dense {
	ps := append([]*tensor.Dense(nil), b.dyn.Model().Params()...)
	if b.sqrtT != nil {
		ps = append(ps, b.sqrtT)
	}
	return ps
}

// ContextDim returns C, the context features of a conditional block's
// dynamics (an odefunc.ContextModel), or 0.
func (b *FFJORD) ContextDim() int { return b.dyn.ContextDim() }

// checkContext returns the context of a solve of n rows: c (n×C) for a
// conditional block, which needs it, checked; nil for an unconditional
// block, which ignores c.
func (b *FFJORD) checkContext(c []float64, n int) ([]float64, error) {
	C := b.dyn.ContextDim()
	if C == 0 {
		return nil, nil
	}
	if len(c) != n*C {
		return nil, fmt.Errorf("ffjord: %w: the block reads a context of %d features per point; got %d values for %d points", batch.ErrShape, C, len(c), n)
	}
	if err := batch.CheckFinite(c, C); err != nil {
		return nil, fmt.Errorf("ffjord: context: %w", err)
	}
	return c, nil
}

// ForwardContext maps base-side points x (N×D) to the data side given the
// context c (N×C) of a conditional block: sampling from p(x | c). An
// unconditional block ignores c.
func (b *FFJORD) ForwardContext(x, c *tensor.Dense) (*tensor.Dense, error) {
	D := b.dyn.Dim()
	data, n, err := batch.Data(x, D)
	if err != nil {
		return nil, fmt.Errorf("ffjord: %w", err)
	}
	var cv []float64
	if C := b.dyn.ContextDim(); C > 0 {
		if cv, _, err = contextRows(c, C, n); err != nil {
			return nil, err
		}
	}
	if err := b.syncTime(); err != nil {
		return nil, err
	}
	if cv, err = b.checkContext(cv, n); err != nil {
		return nil, err
	}
	st, _, err := b.solveState(b.eval, b.newSolve(n, false, false, odefunc.ExactTrace, nil, cv), data, b.t0, b.t1)
	if err != nil {
		return nil, err
	}
	return batch.New(n, D, unpack(st, n, D)), nil
}

// contextRows checks that c is n×C and finite and returns its values.
func contextRows(c *tensor.Dense, C, n int) ([]float64, int, error) {
	cv, rows, err := batch.Data(c, C)
	if err != nil {
		return nil, 0, fmt.Errorf("ffjord: context: %w", err)
	}
	if rows != n {
		return nil, 0, fmt.Errorf("ffjord: context: %w: %d rows for %d points", batch.ErrShape, rows, n)
	}
	return cv, rows, nil
}

// Dynamics returns the block's dynamics.
func (b *FFJORD) Dynamics() *odefunc.Dynamics { return b.dyn }

// Stats returns the statistics of the block's last forward solve:
// evaluations of the dynamics, accepted and rejected steps. It is a report
// for callers of Forward, Inverse and SolveRows, whose results carry none;
// a recorded pass carries its own counts (bijector.Pass.Work).
func (b *FFJORD) Stats() ode.Result { return b.stats }

// Forward maps base-side points x (N×D) to the data side.
func (b *FFJORD) Forward(x *tensor.Dense) (*tensor.Dense, error) {
	y, _, err := b.solve(x, false, false)
	return y, err
}

// Inverse maps data-side points y (N×D) to the base side.
func (b *FFJORD) Inverse(y *tensor.Dense) (*tensor.Dense, error) {
	x, _, err := b.solve(y, true, false)
	return x, err
}

// ForwardWithLogDet returns Forward(x) and log|det ∂Forward/∂x| per row, from
// one solve with the exact trace.
func (b *FFJORD) ForwardWithLogDet(x *tensor.Dense) (*tensor.Dense, []float64, error) {
	return b.solve(x, false, true)
}

// InverseWithLogDet returns Inverse(y) and log|det ∂Inverse/∂y| per row, from
// one solve with the exact trace.
func (b *FFJORD) InverseWithLogDet(y *tensor.Dense) (*tensor.Dense, []float64, error) {
	return b.solve(y, true, true)
}

// ForwardLogDetJacobian returns ∫_{t0}^{t1} tr(∂f/∂z) dt for each row of x.
func (b *FFJORD) ForwardLogDetJacobian(x *tensor.Dense) ([]float64, error) {
	_, ld, err := b.solve(x, false, true)
	return ld, err
}

// InverseLogDetJacobian returns −∫_{t0}^{t1} tr(∂f/∂z) dt along the path
// ending at each row of y.
func (b *FFJORD) InverseLogDetJacobian(y *tensor.Dense) ([]float64, error) {
	_, ld, err := b.solve(y, true, true)
	return ld, err
}

// solve integrates from t0 to t1, or back when inverse, with the log-det
// when asked.
func (b *FFJORD) solve(x *tensor.Dense, inverse, withLogDet bool) (*tensor.Dense, []float64, error) {
	if err := b.syncTime(); err != nil {
		return nil, nil, err
	}
	ta, tb := b.t0, b.t1
	if inverse {
		ta, tb = tb, ta
	}
	if C := b.dyn.ContextDim(); C > 0 {
		return nil, nil, fmt.Errorf("ffjord: %w: the block is conditional (a context of %d features); use RecordInverse or ForwardContext with a context", batch.ErrShape, C)
	}
	D := b.dyn.Dim()
	data, n, err := batch.Data(x, D)
	if err != nil {
		return nil, nil, fmt.Errorf("ffjord: %w", err)
	}
	out, ld, err := b.SolveRows(data, n, ta, tb, withLogDet)
	if err != nil {
		return nil, nil, err
	}
	return batch.New(n, D, out), ld, nil
}

// SolveRows integrates the n rows of the row-major batch z from ta to tb
// (either direction) without checking z's values, and returns the end points
// and, when withLogDet, the integral ∫_{ta}^{tb} tr dt of each row (exact
// trace). It is the slice form of Forward and Inverse for callers that hold
// raw batches.
func (b *FFJORD) SolveRows(z []float64, n int, ta, tb float64, withLogDet bool) ([]float64, []float64, error) {
	D := b.dyn.Dim()
	if err := checkRows("SolveRows", z, n, D); err != nil {
		return nil, nil, err
	}
	st, _, err := b.solveState(b.eval, b.newSolve(n, withLogDet, false, odefunc.ExactTrace, nil, nil), z, ta, tb)
	if err != nil {
		return nil, nil, err
	}
	y := unpack(st, n, D)
	if !withLogDet {
		return y, nil, nil
	}
	return y[: n*D : n*D], y[n*D:], nil
}

// solveLogDet solves [z, ℓ] from ta to tb with ℓ(ta) = 0 and the trace
// estimator tr, and with reg also the regularisers' integrals [E, F] from
// 0, drawing fresh Hutchinson noise, with the context c (checked). It
// returns the solve and its end state, n rows [z_r, ℓ_r, (E_r, F_r)], in
// the block's buffer.
func (b *FFJORD) solveLogDet(sv *ode.Solver, z []float64, n int, ta, tb float64, reg bool, tr odefunc.Trace, c []float64) (*solve, []float64, ode.Result, error) {
	var eps []float64
	if tr.Stochastic() {
		eps = make([]float64, n*b.dyn.Dim())
		tr.DrawNoise(eps, b.rng)
	}
	s := b.newSolve(n, true, reg, tr, eps, c)
	st, stats, err := b.solveState(sv, s, z, ta, tb)
	return s, st, stats, err
}

// extras is the number of per-row quantities integrated beside z: the
// log-det, and with the regularisers the kinetic energy and the Jacobian's
// Frobenius norm.
func extras(reg bool) int {
	if reg {
		return 3
	}
	return 1
}

// NoiseState returns the state of the generator of the Hutchinson noise,
// so that an interrupted training resumes with the same noise; nil when
// the block has no generator. The Source given to New or SetTrace must be
// an encoding.BinaryMarshaler (rand.PCG and rand.ChaCha8 are).
func (b *FFJORD) NoiseState() ([]byte, error) {
	if b.src == nil {
		return nil, nil
	}
	m, ok := b.src.(encoding.BinaryMarshaler)
	if !ok {
		return nil, fmt.Errorf("%w: the noise source %T cannot save its state", ErrInvalidOptions, b.src)
	}
	return m.MarshalBinary()
}

// SetNoiseState restores a state from NoiseState.
func (b *FFJORD) SetNoiseState(state []byte) error {
	if state == nil {
		return nil
	}
	u, ok := b.src.(encoding.BinaryUnmarshaler)
	if !ok {
		return fmt.Errorf("%w: the noise source %T cannot restore a state", ErrInvalidOptions, b.src)
	}
	if err := u.UnmarshalBinary(state); err != nil {
		return fmt.Errorf("%w: noise state: %v", ErrInvalidOptions, err)
	}
	return nil
}
