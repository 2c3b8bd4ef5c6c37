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
	cdim     int // C of a conditional model, else 0
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

// Want is which per-row terms an evaluation computes beside f.
type Want uint8

const (
	// WantF is f alone.
	WantF Want = iota
	// WantTrace adds the trace term: tr(∂f/∂z), or its Hutchinson
	// estimate εᵀ(∂f/∂z)ε.
	WantTrace
	// WantRegularizers adds the trace term and RNODE's kinetic and
	// Frobenius terms (see Terms), for little more than the trace alone.
	WantRegularizers
)

func (w Want) kind(est Trace) kind {
	if w == WantF {
		return kind{}
	}
	return kind{trace: true, stochastic: est.Stochastic(), reg: w == WantRegularizers}
}

// Request is one evaluation of a Dynamics on a batch of N rows: the
// points, their times and context, the terms wanted beside f, and the
// noise of a stochastic trace. The Dynamics reads the slices during the
// call and keeps none of them.
type Request struct {
	// Z holds the points: N×D row-major or, with Width > D, N rows of
	// Width values whose first D are the point (the layout of a per-row
	// solver's state, which keeps a point's terms beside it).
	Z     []float64
	Width int // values per row of Z; 0 means D
	// T is the time of every row, unless Times (length N) gives row r its
	// own time Times[r]. A row's results depend on that row alone — its
	// point, time, context and noise — never on the other rows.
	T     float64
	Times []float64
	// Context is the N×C context of a conditional model (a ContextModel),
	// row r the context of row r; nil for an unconditional model.
	Context []float64
	// Want is the terms computed beside f; Trace their estimator, and
	// Noise its ε (N×D) for the Hutchinson estimators, nil for ExactTrace.
	Want  Want
	Trace Trace
	Noise []float64
}

// Eval writes f(t, z) of r's rows into f, in Z's layout, and the wanted
// terms: into terms (each N long; Trace required, Kinetic and Frobenius
// nil when not to be kept) or, for rows wider than D, into each row of f
// after its D values, in the order trace, kinetic, Frobenius (Width at
// least D+1, or D+3 with WantRegularizers), leaving the rest of the row
// alone. f must not alias Z. Wide rows are read and written where they
// are, with no copy of the batch.
func (d *Dynamics) Eval(f []float64, terms Terms, r Request) error {
	q, err := d.request(r, f)
	if err != nil {
		return err
	}
	switch {
	case r.Want == WantF && (terms.Trace != nil || terms.reg()):
		return fmt.Errorf("%w: term destinations for an evaluation of f alone (Want is WantF)", ErrDimension)
	case r.Want == WantTrace && terms.reg():
		return fmt.Errorf("%w: regulariser destinations without WantRegularizers", ErrDimension)
	case q.stride > 0 && (terms.Trace != nil || terms.reg()):
		return fmt.Errorf("%w: rows of %d values hold their own terms; give no term destinations", ErrDimension, q.stride)
	case q.stride == 0 && r.Want != WantF && terms.Trace == nil:
		return fmt.Errorf("%w: Eval needs a trace destination", ErrDimension)
	}
	if err := checkTerms(terms, q.n); err != nil {
		return err
	}
	q.tr, q.kin, q.frob = terms.Trace, terms.Kinetic, terms.Frobenius
	return d.eval(q, nil)
}

// VJPOut is where a VJP writes: f itself and the vector–Jacobian products
// of its loss.
type VJPOut struct {
	// F receives f(t, z), N×D.
	F []float64
	// Z receives ∂L/∂z (N×D) and Context ∂L/∂context (N×C); nil slices are
	// not wanted.
	Z, Context []float64
	// Params receives ∂L/∂θ, one slice per Model parameter, shaped like
	// it and summed over the rows in chunk order (so with the same bits
	// for any number of workers).
	Params [][]float64
}

// VJP writes f(t, z) and the vector–Jacobian products of
//
//	L = Σ a⊙f + Σ_r (c.Trace_r·trace_r + c.Kinetic_r·‖f_r‖² + c.Frobenius_r·‖∂f_r/∂z‖²_F)
//
// into out, with the terms r.Want computes (WantF: a alone; a nil
// cotangent is zero). a is N×D like Z, which must be rows of D (Width 0
// or D); c's slices are N long.
func (d *Dynamics) VJP(out VJPOut, r Request, a []float64, c Terms) error {
	q, err := d.request(r, out.F)
	if err != nil {
		return err
	}
	D := d.dim
	switch {
	case q.stride > 0:
		return fmt.Errorf("%w: a VJP takes rows of D = %d values, not %d", ErrDimension, D, q.stride)
	case len(a) != q.n*D:
		return fmt.Errorf("%w: VJP needs a of length %d, got %d", ErrDimension, q.n*D, len(a))
	case out.Z != nil && len(out.Z) != q.n*D:
		return fmt.Errorf("%w: VJP needs out.Z of length %d, got %d", ErrDimension, q.n*D, len(out.Z))
	case out.Context != nil && len(out.Context) != q.n*d.cdim:
		return fmt.Errorf("%w: the context's gradient has length %d, want %d", ErrDimension, len(out.Context), q.n*d.cdim)
	case len(out.Params) != len(d.params):
		return fmt.Errorf("%w: VJP needs %d parameter gradients, got %d", ErrDimension, len(d.params), len(out.Params))
	case r.Want == WantF && (c.Trace != nil || c.reg()):
		return fmt.Errorf("%w: term cotangents for a VJP of f alone (Want is WantF)", ErrDimension)
	case r.Want == WantTrace && c.reg():
		return fmt.Errorf("%w: regulariser cotangents without WantRegularizers", ErrDimension)
	}
	for i, p := range d.params {
		if len(out.Params[i]) != p.Shape().TotalSize() {
			return fmt.Errorf("%w: gradient %d has length %d, want %d", ErrDimension, i, len(out.Params[i]), p.Shape().TotalSize())
		}
	}
	if err := checkTerms(c, q.n); err != nil {
		return err
	}
	q.k.vjp = true
	q.a, q.c, q.ck, q.cf, q.gz, q.gc = a, c.Trace, c.Kinetic, c.Frobenius, out.Z, out.Context
	return d.eval(q, out.Params)
}

// request checks r and dst and returns the internal request of its rows.
func (d *Dynamics) request(r Request, dst []float64) (request, error) {
	D, C := d.dim, d.cdim
	w := r.Width
	if w == 0 {
		w = D
	}
	need := D
	if w > D && r.Want != WantF {
		need = D + 1
		if r.Want == WantRegularizers {
			need = D + 3
		}
	}
	switch {
	case r.Want > WantRegularizers:
		return request{}, fmt.Errorf("%w: unknown Want %d", ErrInvalidConfig, r.Want)
	case r.Want != WantF && !r.Trace.Valid():
		return request{}, fmt.Errorf("%w: unknown trace estimator %v", ErrInvalidConfig, r.Trace)
	case w < need:
		return request{}, fmt.Errorf("%w: rows of %d values cannot hold z (%d) and its %d terms", ErrDimension, w, D, need-D)
	case len(r.Z) == 0 || len(r.Z)%w != 0:
		return request{}, fmt.Errorf("%w: batch of %d values is not N×%d with N ≥ 1", ErrDimension, len(r.Z), w)
	case len(dst) != len(r.Z):
		return request{}, fmt.Errorf("%w: destination has length %d, want %d", ErrDimension, len(dst), len(r.Z))
	}
	n := len(r.Z) / w
	switch {
	case C == 0 && r.Context != nil:
		return request{}, fmt.Errorf("%w: a context for a model without one", ErrDimension)
	case C > 0 && len(r.Context) != n*C:
		return request{}, fmt.Errorf("%w: the model reads a context of %d features per row; the request gives %d values for %d rows", ErrDimension, C, len(r.Context), n)
	}
	for i, v := range r.Context {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return request{}, fmt.Errorf("%w: context value %d (row %d) is %g", ErrDimension, i, i/C, v)
		}
	}
	k := r.Want.kind(r.Trace)
	if k.stochastic && len(r.Noise) != n*D {
		return request{}, fmt.Errorf("%w: noise has length %d, want %d", ErrDimension, len(r.Noise), n*D)
	}
	if r.Times != nil {
		if err := checkTimes(r.Times, n); err != nil {
			return request{}, err
		}
	} else if err := checkTime(r.T); err != nil {
		return request{}, err
	}
	q := request{k: k, n: n, t: r.T, ts: r.Times, z: r.Z, ctx: r.Context, dz: dst}
	if k.stochastic {
		q.eps = r.Noise
	}
	if w > D {
		q.stride = w
	}
	return q, nil
}

func checkTimes(t []float64, n int) error {
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

// checkTerms checks that each given per-row slice of tm has n values.
func checkTerms(tm Terms, n int) error {
	for _, s := range []struct {
		name string
		v    []float64
	}{{"trace", tm.Trace}, {"kinetic", tm.Kinetic}, {"Frobenius", tm.Frobenius}} {
		if s.v != nil && len(s.v) != n {
			return fmt.Errorf("%w: %s term has length %d, want %d", ErrDimension, s.name, len(s.v), n)
		}
	}
	return nil
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
