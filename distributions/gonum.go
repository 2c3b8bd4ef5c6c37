package distributions

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// GonumAdapter is a distribution seen through gonum's one-point
// interfaces: distmv.LogProber, distmv.Rander and distmv.RandLogProber
// (gonum.org/v1/gonum/stat/distmv), and samplemv.MHProposal as an
// independence proposal, so that a flow is the proposal of
// samplemv.Importance, samplemv.Rejection or samplemv.MetropolisHastingser.
// A conditional distribution is adapted with its context fixed
// (GonumConditional).
//
// gonum's methods return no error, and a GonumAdapter never panics. On a
// failure it records the error, which Err returns, and returns:
//   - from LogProb, −Inf for a point outside the support (an error
//     wrapping ErrDomain, such as a value beyond a Sigmoid's interval) and
//     NaN for anything else: a point of the wrong length or not finite, a
//     failed solve. Metropolis–Hastings rejects both, since exp(NaN) > u
//     is false.
//   - from Rand, the destination filled with NaN.
//
// Rand draws with the adapter's source when the distribution is a Drawer,
// a TransformedDistribution whose base is one (the library's Gaussians
// and mixtures are), or a distribution that lends such parts through a
// Use method (a train.Flow): the base point is drawn with that source and
// pushed through the bijector, so one seed gives the same points bit for
// bit.
// Otherwise, or with a nil source, it calls the distribution's own Sample
// (or SampleContext), which draws from the distribution's source.
//
// Each call evaluates one point: for a flow, one ODE solve per LogProb and
// one per Rand. The adapter reuses its input buffers, so a call allocates
// only what the distribution itself does; a base distribution (Normal,
// MultivariateNormalTriL, GaussianMixture) with a source allocates nothing.
//
// A GonumAdapter is not safe for concurrent use: it owns buffers, a
// generator and the recorded error. Use one per goroutine, each over its
// own distribution unless the distribution is safe for concurrent use (an
// FFJORD block is not; a train.Flow is).
type GonumAdapter struct {
	d    Distribution        // unconditional, or nil
	cd   ContextDistribution // conditional, or nil
	dim  int
	rng  *rand.Rand         // nil: the distribution's own source
	x    *tensor.Dense      // 1×D input of LogProb
	xv   []float64          // its backing
	z    *tensor.Dense      // 1×D base point of Rand
	zv   []float64          // its backing
	c    *tensor.Dense      // 1×C fixed context, or nil
	base DifferentiableBase // d itself when it is a base: LogProbTo, no allocation
	lp   [1]float64
	draw Drawer // draws z with rng, or nil
	fwd  func(z *tensor.Dense) (*tensor.Dense, error)
	use  partsLender // draws under its lock, or nil
	err  error
}

// partsLender is a distribution that lends its parts under its lock, as
// a train.Flow does (Use).
type partsLender interface {
	Use(fn func(d *TransformedDistribution) error) error
}

// errNoDrawer says that a partsLender's base draws with no caller's
// generator.
var errNoDrawer = errors.New("the base is not a Drawer")

// Gonum returns d as gonum's RandLogProber, drawing with src (nil: with
// d's own source). d must not be conditional: use GonumConditional. Its
// dimension must be 1 to MaxDim.
func Gonum(d Distribution, src rand.Source) (*GonumAdapter, error) {
	if isNil(d) {
		return nil, fmt.Errorf("%w: Gonum: nil distribution", ErrInvalidParameter)
	}
	if cd, ok := d.(interface{ ContextDim() int }); ok && cd.ContextDim() > 0 {
		return nil, fmt.Errorf("%w: Gonum: the distribution reads a context of %d features; use GonumConditional", ErrInvalidParameter, cd.ContextDim())
	}
	g, err := newGonumAdapter(d.Dim(), src)
	if err != nil {
		return nil, err
	}
	g.d = d
	g.base, _ = d.(DifferentiableBase)
	switch d := d.(type) {
	case *TransformedDistribution:
		if base, ok := d.Base.(Drawer); ok && d.Bijector != nil {
			g.draw, g.fwd = base, d.Bijector.Forward
		}
	case Drawer:
		g.draw = d
	case partsLender:
		g.use = d
	}
	return g, nil
}

// GonumConditional returns p(x | ctx) of the conditional distribution d,
// with the context fixed to ctx (C values, finite; copied), as gonum's
// RandLogProber, drawing with src (nil: with d's own source).
func GonumConditional(d ContextDistribution, ctx []float64, src rand.Source) (*GonumAdapter, error) {
	if isNil(d) {
		return nil, fmt.Errorf("%w: GonumConditional: nil distribution", ErrInvalidParameter)
	}
	C := d.ContextDim()
	if C == 0 {
		return nil, fmt.Errorf("%w: GonumConditional: the distribution reads no context; use Gonum", ErrInvalidParameter)
	}
	if len(ctx) != C {
		return nil, fmt.Errorf("distributions: GonumConditional: %w: a context of %d values for %d features", ErrShape, len(ctx), C)
	}
	if err := batch.CheckFinite(ctx, C); err != nil {
		return nil, fmt.Errorf("distributions: GonumConditional: context: %w", err)
	}
	g, err := newGonumAdapter(d.Dim(), src)
	if err != nil {
		return nil, err
	}
	g.cd = d
	g.c = batch.New(1, C, append([]float64(nil), ctx...))
	if td, ok := d.(*TransformedDistribution); ok {
		base, okBase := td.Base.(Drawer)
		cb, okBij := td.Bijector.(ConditionalBijector)
		if okBase && okBij {
			g.draw = base
			g.fwd = func(z *tensor.Dense) (*tensor.Dense, error) { return cb.ForwardContext(z, g.c) }
		}
	} else if u, ok := d.(partsLender); ok {
		g.use = u
	}
	return g, nil
}

// isNil reports a nil d, or a nil pointer in it, whose methods would
// panic.
func isNil(d any) bool {
	if d == nil {
		return true
	}
	v := reflect.ValueOf(d)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

func newGonumAdapter(D int, src rand.Source) (*GonumAdapter, error) {
	if D < 1 || D > MaxDim {
		return nil, fmt.Errorf("%w: Gonum: dimension %d, want 1 to %d", ErrInvalidParameter, D, MaxDim)
	}
	g := &GonumAdapter{dim: D, xv: make([]float64, D), zv: make([]float64, D)}
	g.x = batch.New(1, D, g.xv)
	g.z = batch.New(1, D, g.zv)
	if src != nil {
		g.rng = rand.New(src)
	}
	return g, nil
}

// Dim returns D, the length of the points.
func (g *GonumAdapter) Dim() int { return g.dim }

// Err returns the first error recorded since the adapter was made or
// ClearErr was called, or nil.
func (g *GonumAdapter) Err() error { return g.err }

// ClearErr forgets the recorded error.
func (g *GonumAdapter) ClearErr() { g.err = nil }

func (g *GonumAdapter) record(err error) {
	if g.err == nil {
		g.err = err
	}
}

// LogProb returns log p(x) (log p(x | ctx) for a conditional
// distribution): the distribution's own LogProb of the one row x. On a
// failure it records the error and returns −Inf or NaN (see GonumAdapter).
func (g *GonumAdapter) LogProb(x []float64) float64 {
	if len(x) != g.dim {
		g.record(fmt.Errorf("distributions: GonumAdapter.LogProb: %w: a point of %d values in %d dimensions", ErrShape, len(x), g.dim))
		return math.NaN()
	}
	if g.base != nil {
		// The base's LogProb is this after its checks; without the
		// batch it allocates nothing.
		if err := batch.CheckFinite(x, g.dim); err != nil {
			g.record(fmt.Errorf("distributions: GonumAdapter.LogProb: %w", err))
			return math.NaN()
		}
		g.base.LogProbTo(g.lp[:], x)
		return g.lp[0]
	}
	copy(g.xv, x)
	var lp []float64
	var err error
	if g.cd != nil {
		lp, err = g.cd.LogProbContext(g.x, g.c)
	} else {
		lp, err = g.d.LogProb(g.x)
	}
	if err == nil && len(lp) != 1 {
		err = fmt.Errorf("distributions: GonumAdapter.LogProb: %w: %d log-densities for one point", ErrShape, len(lp))
	}
	if err != nil {
		g.record(err)
		if errors.Is(err, ErrDomain) {
			return math.Inf(-1)
		}
		return math.NaN()
	}
	return lp[0]
}

// Rand writes a point drawn from the distribution into dst and returns
// it; with dst nil it allocates a slice of length D, as gonum's Randers
// do. On a failure (dst of another length, a failed solve) it records the
// error and fills dst with NaN.
func (g *GonumAdapter) Rand(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, g.dim)
	}
	if len(dst) != g.dim {
		g.record(fmt.Errorf("distributions: GonumAdapter.Rand: %w: a destination of %d values in %d dimensions", ErrShape, len(dst), g.dim))
		fillNaN(dst)
		return dst
	}
	if g.rng != nil && g.draw != nil && g.fwd == nil {
		g.draw.Draw(dst, g.rng)
		return dst
	}
	x, err := g.sample()
	if err == nil {
		var v []float64
		v, _, err = batch.Data(x, g.dim)
		if err == nil && len(v) != g.dim {
			err = fmt.Errorf("%w: %d values for one point", ErrShape, len(v))
		}
		if err == nil {
			copy(dst, v)
			return dst
		}
	}
	g.record(fmt.Errorf("distributions: GonumAdapter.Rand: %w", err))
	fillNaN(dst)
	return dst
}

// sample draws one point as a 1×D batch.
func (g *GonumAdapter) sample() (*tensor.Dense, error) {
	if g.rng != nil && g.use != nil {
		var x *tensor.Dense
		err := g.use.Use(func(td *TransformedDistribution) error {
			base, ok := td.Base.(Drawer)
			if !ok || td.Bijector == nil {
				return errNoDrawer
			}
			var err error
			if g.c != nil {
				cb, ok := td.Bijector.(ConditionalBijector)
				if !ok {
					return errNoDrawer
				}
				base.Draw(g.zv, g.rng)
				x, err = cb.ForwardContext(g.z, g.c)
				return err
			}
			base.Draw(g.zv, g.rng)
			x, err = td.Bijector.Forward(g.z)
			return err
		})
		if !errors.Is(err, errNoDrawer) {
			return x, err
		}
	}
	if g.rng != nil && g.draw != nil {
		g.draw.Draw(g.zv, g.rng)
		if g.fwd == nil {
			return g.z, nil
		}
		return g.fwd(g.z)
	}
	if g.cd != nil {
		return g.cd.SampleContext(g.c)
	}
	return g.d.Sample(1)
}

// ConditionalLogProb returns LogProb(x) whatever y is: the adapter as
// samplemv.MHProposal is the independence proposal q(x | y) = q(x),
// with which Metropolis–Hastings accepts x with probability
// min(1, π(x)q(y) / π(y)q(x)).
func (g *GonumAdapter) ConditionalLogProb(x, _ []float64) float64 { return g.LogProb(x) }

// ConditionalRand returns Rand(x) whatever y is, drawing the independence
// proposal (see ConditionalLogProb).
func (g *GonumAdapter) ConditionalRand(x, _ []float64) []float64 { return g.Rand(x) }

func fillNaN(v []float64) {
	for i := range v {
		v[i] = math.NaN()
	}
}
