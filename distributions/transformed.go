package distributions

import (
	"fmt"

	"github.com/ffjord-go/ffjord-go/internal/batch"
	"gorgonia.org/tensor"
)

// TransformedDistribution is the distribution of Bijector.Forward(z) for z
// drawn from Base.
type TransformedDistribution struct {
	Base     Distribution
	Bijector Bijector
}

// NewTransformed returns the distribution of b.Forward(z), z ~ base.
func NewTransformed(base Distribution, b Bijector) (*TransformedDistribution, error) {
	if base == nil || b == nil {
		return nil, fmt.Errorf("%w: TransformedDistribution needs a base and a bijector", ErrInvalidParameter)
	}
	return &TransformedDistribution{Base: base, Bijector: b}, nil
}

// Dim returns the dimension of the base (0 for a nil distribution or one
// without a base).
func (d *TransformedDistribution) Dim() int {
	if d == nil || d.Base == nil {
		return 0
	}
	return d.Base.Dim()
}

// complete returns an error naming fn unless d has a base and a bijector:
// a nil or zero TransformedDistribution reaching a method.
func (d *TransformedDistribution) complete(fn string) error {
	if d == nil || d.Base == nil || d.Bijector == nil {
		return fmt.Errorf("distributions: %s: %w: nil distribution, or one without a base or bijector", fn, ErrInvalidParameter)
	}
	return nil
}

// unconditional returns an error naming fn and the method to use instead
// when d is a conditional distribution p(x | c): its blocks cannot map a
// point without the conditioning input c.
func (d *TransformedDistribution) unconditional(fn, use string) error {
	if C := d.ContextDim(); C > 0 {
		return fmt.Errorf("distributions: %s: %w: the distribution is conditional, p(x | c) with c of %d features per row; use %s", fn, ErrShape, C, use)
	}
	return nil
}

// LogProb returns log p(x) = log p_base(T⁻¹(x)) + log|det ∂T⁻¹/∂x| for each
// row of x.
func (d *TransformedDistribution) LogProb(x *tensor.Dense) ([]float64, error) {
	if err := d.unconditional("LogProb", "LogProbContext(x, c)"); err != nil {
		return nil, err
	}
	z, ildj, err := d.Bijector.InverseWithLogDet(x)
	if err != nil {
		return nil, fmt.Errorf("distributions: LogProb: %w", err)
	}
	lp, err := d.Base.LogProb(z)
	if err != nil {
		return nil, fmt.Errorf("distributions: LogProb: %w", err)
	}
	for i := range lp {
		lp[i] += ildj[i]
	}
	return lp, nil
}

// Sample returns n points T(z), z drawn from the base.
func (d *TransformedDistribution) Sample(n int) (*tensor.Dense, error) {
	if err := d.unconditional("Sample", "SampleContext(c), one point per row of c"); err != nil {
		return nil, err
	}
	z, err := d.Base.Sample(n)
	if err != nil {
		return nil, fmt.Errorf("distributions: Sample: %w", err)
	}
	x, err := d.Bijector.Forward(z)
	if err != nil {
		return nil, fmt.Errorf("distributions: Sample: %w", err)
	}
	return x, nil
}

// SampleWithLogProb returns n points and their log-densities from one pass:
// log p(T(z)) = log p_base(z) − log|det ∂T/∂z|.
func (d *TransformedDistribution) SampleWithLogProb(n int) (*tensor.Dense, []float64, error) {
	if err := d.unconditional("SampleWithLogProb", "SampleContext(c) and LogProbContext"); err != nil {
		return nil, nil, err
	}
	z, err := d.Base.Sample(n)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: SampleWithLogProb: %w", err)
	}
	lp, err := d.Base.LogProb(z)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: SampleWithLogProb: %w", err)
	}
	x, fldj, err := d.Bijector.ForwardWithLogDet(z)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: SampleWithLogProb: %w", err)
	}
	for i := range lp {
		lp[i] -= fldj[i]
	}
	return x, lp, nil
}

// Params returns the base's parameters (if it has any) and then the
// bijector's. It is nil unless the distribution is trainable.
func (d *TransformedDistribution) Params() []*tensor.Dense {
	base, bij, err := d.parts()
	if err != nil {
		return nil
	}
	return append(base.Params(), bij.Params()...)
}

func (d *TransformedDistribution) parts() (DifferentiableBase, Differentiable, error) {
	base, ok := d.Base.(DifferentiableBase)
	if !ok {
		return nil, nil, fmt.Errorf("%w: the base %T gives no gradient (it is not a DifferentiableBase)", ErrInvalidParameter, d.Base)
	}
	bij, ok := d.Bijector.(Differentiable)
	if !ok {
		return nil, nil, fmt.Errorf("%w: the bijector %T is not Differentiable", ErrInvalidParameter, d.Bijector)
	}
	return base, bij, nil
}

// RecordLogProb evaluates log p(x) = log p_base(T⁻¹(x)) + log|det ∂T⁻¹/∂x|
// on the n rows of the row-major x and records the pass for its gradient.
// The base must be a DifferentiableBase and the bijector Differentiable.
func (d *TransformedDistribution) RecordLogProb(x []float64, n int, req Request) (*DensityPass, error) {
	base, bij, err := d.parts()
	if err != nil {
		return nil, err
	}
	D := d.Dim()
	if n <= 0 || len(x) != n*D {
		return nil, fmt.Errorf("distributions: RecordLogProb: %w: %d values are not %d rows of %d", ErrShape, len(x), n, D)
	}
	if err := batch.CheckFinite(x, D); err != nil {
		return nil, fmt.Errorf("distributions: RecordLogProb: %w", err)
	}
	if C := d.ContextDim(); C > 0 {
		if len(req.Context) != n*C {
			return nil, fmt.Errorf("distributions: RecordLogProb: %w: a context of %d features per point; got %d values for %d points", ErrShape, C, len(req.Context), n)
		}
		if err := batch.CheckFinite(req.Context, C); err != nil {
			return nil, fmt.Errorf("distributions: RecordLogProb: context: %w", err)
		}
	}
	p, err := bij.RecordInverse(x, n, req)
	if err != nil {
		return nil, fmt.Errorf("distributions: RecordLogProb: %w", err)
	}
	lp := make([]float64, n)
	base.LogProbTo(lp, p.X)
	for r := range lp {
		lp[r] += p.LogDet[r]
	}
	nb := len(base.Params())
	out := &DensityPass{LogProb: lp, Penalties: p.Penalties, Work: p.Work}
	out.Backward = func(c Cotangents, grads [][]float64) ([]float64, error) {
		if len(grads) != nb+len(bij.Params()) {
			return nil, fmt.Errorf("%w: %d gradient slices for %d parameters", ErrInvalidParameter, len(grads), nb+len(bij.Params()))
		}
		if len(c.LogDet) != n {
			return nil, fmt.Errorf("%w: %d log-density cotangents for %d rows", ErrShape, len(c.LogDet), n)
		}
		// log p = log p_base(z) + ℓ: both terms see the same cotangent.
		zbar := make([]float64, n*D)
		base.LogProbBackward(zbar, p.X, c.LogDet, grads[:nb])
		c.X = zbar
		xbar, err := p.Backward(c, grads[nb:])
		out.Work, out.ContextGrad = p.Work, p.ContextGrad
		return xbar, err
	}
	return out, nil
}
