package odefunc

import (
	"fmt"
	"math"
	"runtime"

	"github.com/ffjord-go/ffjord-go/graph"
	"gorgonia.org/tensor"
)

// kind is what a compiled program computes.
type kind struct {
	trace      bool // the trace term (and, with reg, the regularisers)
	stochastic bool // Hutchinson: the noise ε is an input
	reg        bool // ‖f‖² and ‖∂f/∂z‖²_F per row
	vjp        bool // vector–Jacobian products instead of the terms
}

type programKey struct {
	kind kind
	rows int
}

// Terms are the per-row quantities a flow integrates beside z. Slices are
// N long; a nil slice is not wanted. Evaluating the regularisers (Kinetic or
// Frobenius) costs little more than the trace alone.
type Terms struct {
	// Trace is tr(∂f/∂z), or its Hutchinson estimate εᵀ(∂f/∂z)ε.
	Trace []float64
	// Kinetic is ‖f‖², the integrand of RNODE's kinetic energy.
	Kinetic []float64
	// Frobenius is ‖∂f/∂z‖²_F: exact with ExactTrace (from the same D
	// Jacobian–vector products as the trace), the unbiased ‖(∂f/∂z)ε‖²
	// with Hutchinson.
	Frobenius []float64
}

func (tm Terms) reg() bool { return tm.Kinetic != nil || tm.Frobenius != nil }

// Dynamics evaluates a Model on batches of N points, z given as N×D
// row-major []float64. It compiles one program per kind of evaluation, batch
// size and worker on first use and reuses it afterwards, so evaluation builds
// no graphs.
//
// A batch is cut into chunks of a fixed number of rows, evaluated by up to
// Workers goroutines, each with programs of its own. Because the chunks do
// not depend on the number of workers and their parameter gradients are
// added in chunk order, results are bit-identical for any number of workers.
//
// A Dynamics is not safe for concurrent use: use one per goroutine. Programs
// read the Model's parameters at every run, so updates to them in place take
// effect at the next evaluation.
type Dynamics struct {
	model    Model
	params   []*tensor.Dense // model.Params(), fetched once: evaluations must not allocate
	dim      int
	cdim     int       // C of a conditional model, else 0
	context  []float64 // N×C context of the evaluations, set by SetContext
	slots    []*slot
	partials [][][]float64
	stop     func() error // SetInterrupt's check, or nil
}

// New returns a Dynamics evaluating m with one worker per CPU
// (runtime.GOMAXPROCS).
func New(m Model) (*Dynamics, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil model", ErrInvalidConfig)
	}
	if m.Dim() <= 0 {
		return nil, fmt.Errorf("%w: model dimension %d", ErrInvalidConfig, m.Dim())
	}
	d := &Dynamics{model: m, params: m.Params(), dim: m.Dim(), cdim: contextDimOf(m)}
	if d.cdim < 0 {
		return nil, fmt.Errorf("%w: context dimension %d", ErrInvalidConfig, d.cdim)
	}
	if err := d.SetWorkers(runtime.GOMAXPROCS(0)); err != nil {
		return nil, err
	}
	return d, nil
}

// Workers returns the number of goroutines that evaluate a batch.
func (d *Dynamics) Workers() int { return len(d.slots) }

// SetWorkers sets the number of goroutines that evaluate a batch: at least
// 1, and at most GOMAXPROCS as it was when the first Dynamics was made.
// Results do not depend on it.
func (d *Dynamics) SetWorkers(n int) error {
	if n < 1 {
		return fmt.Errorf("%w: %d workers, want ≥ 1", ErrInvalidConfig, n)
	}
	n = min(n, maxHelpers()+1)
	for len(d.slots) < n {
		d.slots = append(d.slots, &slot{model: d.model, programs: map[programKey]*graph.Program{}})
	}
	d.slots = d.slots[:n]
	return nil
}

// Dim returns the dimension D of z.
func (d *Dynamics) Dim() int { return d.dim }

// Model returns the model being evaluated.
func (d *Dynamics) Model() Model { return d.model }

// ContextDim returns C, the context features of a conditional model (a
// ContextModel), or 0.
func (d *Dynamics) ContextDim() int { return d.cdim }

// SetContext sets the context of the following evaluations: N×C row-major
// values, row r the context of row r of z, kept (not copied) until the next
// SetContext. A conditional model needs one for every evaluation; nil
// clears it. An unconditional model takes only nil.
func (d *Dynamics) SetContext(c []float64) error {
	if d.cdim == 0 && c != nil {
		return fmt.Errorf("%w: a context for a model without one", ErrDimension)
	}
	if c != nil && len(c)%d.cdim != 0 {
		return fmt.Errorf("%w: context of %d values is not N×%d", ErrDimension, len(c), d.cdim)
	}
	for i, v := range c {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: context value %d (row %d) is %g", ErrDimension, i, i/d.cdim, v)
		}
	}
	d.context = c
	return nil
}

// F writes f(t, z) into dz. z and dz are N×D row-major, N ≥ 1; dz must not
// alias z.
func (d *Dynamics) F(dz []float64, t float64, z []float64) error {
	n, err := d.rows(z, dz)
	if err != nil {
		return err
	}
	if err := checkTime(t); err != nil {
		return err
	}
	return d.eval(request{k: kind{}, n: n, t: t, z: z, ctx: d.context, dz: dz}, nil)
}

// FTrace writes f(t, z) into dz and the trace term of each row into tr
// (length N): tr(∂f/∂z) for ExactTrace, εᵀ(∂f/∂z)ε with ε the row of eps
// (N×D) for the Hutchinson estimators. eps is ignored, and may be nil, for
// ExactTrace.
func (d *Dynamics) FTrace(dz, tr []float64, t float64, z []float64, est Trace, eps []float64) error {
	return d.Eval(dz, Terms{Trace: tr}, t, z, est, eps)
}

// Eval writes f(t, z) into dz and the wanted terms of each row (see Terms)
// into out; out.Trace is required. est and eps are as for FTrace.
func (d *Dynamics) Eval(dz []float64, out Terms, t float64, z []float64, est Trace, eps []float64) error {
	return d.evalTerms(request{t: t}, dz, out, z, est, eps)
}

// evalTerms checks and runs an evaluation of f and the terms; r holds the
// time (t, or ts per row).
func (d *Dynamics) evalTerms(r request, dz []float64, out Terms, z []float64, est Trace, eps []float64) error {
	n, err := d.rows(z, dz)
	if err != nil {
		return err
	}
	k, err := d.kindFor(n, z, est, eps, out)
	if err != nil {
		return err
	}
	if out.Trace == nil {
		return fmt.Errorf("%w: Eval needs a trace destination", ErrDimension)
	}
	if r.ts != nil {
		if err := d.checkTimes(r.ts, n); err != nil {
			return err
		}
	} else if err := checkTime(r.t); err != nil {
		return err
	}
	r.k, r.n, r.z, r.ctx, r.eps, r.dz, r.tr, r.kin, r.frob = k, n, z, d.context, eps, dz, out.Trace, out.Kinetic, out.Frobenius
	return d.eval(r, nil)
}

// FRows is F with a time per row: row r of z is evaluated at t[r]. t has
// length N. A row's result depends on that row alone (its z, time and
// context), never on the other rows of the batch: the programs compute
// rows independently, which lets a solver give each row its own steps.
func (d *Dynamics) FRows(dz []float64, t []float64, z []float64) error {
	n, err := d.rows(z, dz)
	if err != nil {
		return err
	}
	if err := d.checkTimes(t, n); err != nil {
		return err
	}
	return d.eval(request{k: kind{}, n: n, ts: t, z: z, ctx: d.context, dz: dz}, nil)
}

// EvalRows is Eval with a time per row, as FRows.
func (d *Dynamics) EvalRows(dz []float64, out Terms, t []float64, z []float64, est Trace, eps []float64) error {
	if t == nil {
		return fmt.Errorf("%w: EvalRows needs a time per row", ErrDimension)
	}
	return d.evalTerms(request{ts: t}, dz, out, z, est, eps)
}

// EvalPacked is EvalRows for rows packed as a per-row ODE solver holds
// them, each point beside its own terms: row r of y has w values, of which
// the first D are z_r; EvalPacked writes f(t[r], z_r) into the first D
// values of row r of dy, its trace term (est, eps as for Eval) after them
// and, with reg, its kinetic and Frobenius terms after that, and leaves
// the rest of the row alone. w must hold those (D+1, or D+3 with reg).
// The values have the bits of EvalRows on the same points; the rows are
// read and written in place, with no copy of the batch.
func (d *Dynamics) EvalPacked(dy, t, y []float64, w int, est Trace, eps []float64, reg bool) error {
	need := d.dim + 1
	if reg {
		need += 2
	}
	switch {
	case w < need:
		return fmt.Errorf("%w: packed rows of %d values cannot hold z (%d) and %d terms", ErrDimension, w, d.dim, need-d.dim)
	case len(y) == 0 || len(y)%w != 0:
		return fmt.Errorf("%w: %d values are not rows of %d with N ≥ 1", ErrDimension, len(y), w)
	case len(dy) != len(y):
		return fmt.Errorf("%w: destination has length %d, want %d", ErrDimension, len(dy), len(y))
	}
	n := len(y) / w
	if d.cdim > 0 && len(d.context) != n*d.cdim {
		return fmt.Errorf("%w: the model reads a context of %d features per row; SetContext gave %d values for %d rows", ErrDimension, d.cdim, len(d.context), n)
	}
	k := kind{trace: true, stochastic: est.Stochastic(), reg: reg}
	switch {
	case !est.Valid():
		return fmt.Errorf("%w: unknown trace estimator %v", ErrInvalidConfig, est)
	case k.stochastic && len(eps) != n*d.dim:
		return fmt.Errorf("%w: noise has length %d, want %d", ErrDimension, len(eps), n*d.dim)
	}
	if err := d.checkTimes(t, n); err != nil {
		return err
	}
	return d.eval(request{k: k, n: n, ts: t, z: y, ctx: d.context, eps: eps, dz: dy, stride: w}, nil)
}

// VJPRows is VJPContext with a time per row, as FRows. The per-row outputs
// (dz, gz, gc) of a row depend on that row alone; gparams is summed over the
// rows in chunk order, as for VJPContext.
func (d *Dynamics) VJPRows(dz, gz, gc []float64, gparams [][]float64, t []float64, z, a []float64, c Terms, est Trace, eps []float64) error {
	n, err := d.rows(z, dz)
	if err != nil {
		return err
	}
	if err := d.checkTimes(t, n); err != nil {
		return err
	}
	return d.vjp(request{n: n, ts: t}, dz, gz, gc, gparams, z, a, c, est, eps)
}

func (d *Dynamics) checkTimes(t []float64, n int) error {
	if len(t) != n {
		return fmt.Errorf("%w: %d times for %d rows", ErrDimension, len(t), n)
	}
	for r, v := range t {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: the time of row %d is %g", ErrDimension, r, v)
		}
	}
	return nil
}

// checkTime reports a time that is not finite.
func checkTime(t float64) error {
	if math.IsNaN(t) || math.IsInf(t, 0) {
		return fmt.Errorf("%w: time %g", ErrDimension, t)
	}
	return nil
}

// VJP writes f(t, z) into dz and the vector–Jacobian products of
// L = Σ a⊙f + Σ_r c_r·trace_r into gz (N×D, ∂L/∂z) and gparams (∂L/∂θ, one
// slice per Model parameter, shaped like it and summed over the rows). The
// trace term is the one FTrace computes for est and eps. a is N×D, c has
// length N.
func (d *Dynamics) VJP(dz, gz []float64, gparams [][]float64, t float64, z, a, c []float64, est Trace, eps []float64) error {
	return d.VJPTerms(dz, gz, gparams, t, z, a, Terms{Trace: c}, est, eps)
}

// VJPTerms is VJP for L = Σ a⊙f + Σ_r (c.Trace_r·trace_r +
// c.Kinetic_r·‖f_r‖² + c.Frobenius_r·‖∂f_r/∂z‖²_F): the cotangents of the
// terms are per row, and nil means zero.
func (d *Dynamics) VJPTerms(dz, gz []float64, gparams [][]float64, t float64, z, a []float64, c Terms, est Trace, eps []float64) error {
	return d.VJPContext(dz, gz, nil, gparams, t, z, a, c, est, eps)
}

// VJPContext is VJPTerms that also writes ∂L/∂context (N×C) into gc for a
// conditional model; gc nil leaves it out.
func (d *Dynamics) VJPContext(dz, gz, gc []float64, gparams [][]float64, t float64, z, a []float64, c Terms, est Trace, eps []float64) error {
	n, err := d.rows(z, dz)
	if err != nil {
		return err
	}
	if err := checkTime(t); err != nil {
		return err
	}
	return d.vjp(request{n: n, t: t}, dz, gz, gc, gparams, z, a, c, est, eps)
}

// vjp completes and runs the VJP request r, whose n and time are set.
func (d *Dynamics) vjp(r request, dz, gz, gc []float64, gparams [][]float64, z, a []float64, c Terms, est Trace, eps []float64) error {
	n := r.n
	k, err := d.kindFor(n, z, est, eps, c)
	if err != nil {
		return err
	}
	k.vjp = true
	switch {
	case len(gz) != len(z) || len(a) != len(z):
		return fmt.Errorf("%w: VJP needs gz and a of length %d, got %d and %d", ErrDimension, len(z), len(gz), len(a))
	case len(gparams) != len(d.params):
		return fmt.Errorf("%w: VJP needs %d parameter gradients, got %d", ErrDimension, len(d.params), len(gparams))
	case gc != nil && len(gc) != n*d.cdim:
		return fmt.Errorf("%w: the context's gradient has length %d, want %d", ErrDimension, len(gc), n*d.cdim)
	}
	for i, p := range d.params {
		if len(gparams[i]) != p.Shape().TotalSize() {
			return fmt.Errorf("%w: gradient %d has length %d, want %d", ErrDimension, i, len(gparams[i]), p.Shape().TotalSize())
		}
	}
	r.k, r.z, r.ctx, r.eps, r.dz, r.a, r.c, r.ck, r.cf, r.gz, r.gc = k, z, d.context, eps, dz, a, c.Trace, c.Kinetic, c.Frobenius, gz, gc
	return d.eval(r, gparams)
}

// kindFor checks the estimator, noise and term slices and returns the kind
// of program that computes them.
func (d *Dynamics) kindFor(n int, z []float64, est Trace, eps []float64, tm Terms) (kind, error) {
	k := kind{trace: true, stochastic: est.Stochastic(), reg: tm.reg()}
	switch {
	case !est.Valid():
		return k, fmt.Errorf("%w: unknown trace estimator %v", ErrInvalidConfig, est)
	case k.stochastic && len(eps) != len(z):
		return k, fmt.Errorf("%w: noise has length %d, want %d", ErrDimension, len(eps), len(z))
	}
	for _, s := range []struct {
		name string
		v    []float64
	}{{"trace", tm.Trace}, {"kinetic", tm.Kinetic}, {"Frobenius", tm.Frobenius}} {
		if s.v != nil && len(s.v) != n {
			return k, fmt.Errorf("%w: %s term has length %d, want %d", ErrDimension, s.name, len(s.v), n)
		}
	}
	return k, nil
}

func (d *Dynamics) rows(z, dz []float64) (int, error) {
	if len(z) == 0 || len(z)%d.dim != 0 {
		return 0, fmt.Errorf("%w: batch of %d values is not N×%d with N ≥ 1", ErrDimension, len(z), d.dim)
	}
	if len(dz) != len(z) {
		return 0, fmt.Errorf("%w: destination has length %d, want %d", ErrDimension, len(dz), len(z))
	}
	n := len(z) / d.dim
	if d.cdim > 0 && len(d.context) != n*d.cdim {
		return 0, fmt.Errorf("%w: the model reads a context of %d features per row; SetContext gave %d values for %d rows", ErrDimension, d.cdim, len(d.context), n)
	}
	return n, nil
}

// eval runs r over its chunks; for VJPs, gp receives the parameter
// gradients summed over the rows.
func (d *Dynamics) eval(r request, gp [][]float64) error {
	if d.stop != nil {
		if err := d.stop(); err != nil {
			return fmt.Errorf("%w: %w", ErrInterrupted, err)
		}
	}
	return run(r, d.slots, &d.partials, gp)
}

// SetInterrupt sets a check made before every evaluation: when stop
// returns an error, the evaluation fails with an error wrapping
// ErrInterrupted and stop's error, and so does the solve that asked for
// it, within one evaluation rather than at its end. A context's Err is
// such a check. nil, the default, removes it. stop is called on the
// evaluating goroutine; it must be cheap and safe to call while whatever
// cancels it runs.
func (d *Dynamics) SetInterrupt(stop func() error) { d.stop = stop }

func fill(dst []float64, v float64) {
	for i := range dst {
		dst[i] = v
	}
}

// load copies src into the front of dst and zeroes the padding rows after it.
func load(dst, src []float64) {
	copy(dst, src)
	clear(dst[len(src):])
}
